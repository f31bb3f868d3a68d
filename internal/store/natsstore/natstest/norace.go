//go:build !race

package natstest

const race = false
