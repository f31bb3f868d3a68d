//go:build race

package console_test

// raceEnabled: the race detector slows nubo several times over, so that
// its timings say nothing of what a user would see.
const raceEnabled = true
