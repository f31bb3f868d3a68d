//go:build race

package browser_test

// raceEnabled: the race detector slows nubo several times over, so that
// its timings say nothing of what a user would see (and creating the
// scale test's 1,000 functions takes many minutes).
const raceEnabled = true
