//go:build race

package s3

// raceEnabled: the race detector slows I/O-heavy tests tenfold and adds
// its own shadow memory to what the runtime takes from the OS.
const raceEnabled = true
