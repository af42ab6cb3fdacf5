//go:build race

package wecomtest

// scaleRace reports that the tests run under the race detector, which makes every step many
// times slower: the scale tests then measure less.
const scaleRace = true
