//go:build !race

package extforward_test

const raceEnabled = false
