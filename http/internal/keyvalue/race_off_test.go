//go:build !race

package keyvalue

const raceEnabled = false
