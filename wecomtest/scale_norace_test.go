//go:build !race

package wecomtest

// scaleRace reports that the tests run under the race detector (see scale_race_test.go).
const scaleRace = false
