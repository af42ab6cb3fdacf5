module github.com/wecom-connector/wecom/tools/modzip

go 1.26.0

require golang.org/x/mod v0.41.0
