module github.com/wecom-connector/wecom

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jarcoal/httpmock v1.4.2
	golang.org/x/oauth2 v0.38.0
	golang.org/x/sync v0.25.0
)

require github.com/hashicorp/go-cleanhttp v0.5.2
