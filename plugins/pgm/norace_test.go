//go:build !race

package pgm

const raceEnabled = false
