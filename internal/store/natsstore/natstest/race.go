//go:build race

package natstest

// race is set when tests run with the race detector.
const race = true
