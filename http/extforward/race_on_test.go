//go:build race

package extforward_test

// raceEnabled: allocation counts mean nothing under the race detector.
const raceEnabled = true
