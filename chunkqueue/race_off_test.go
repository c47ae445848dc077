//go:build !race

package chunkqueue

const raceEnabled = false
