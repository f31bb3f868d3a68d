//go:build !race

package cluster

// race is set under the race detector.
const race = false
