//go:build race

package redirect

// raceEnabled: under the race detector sync.Pool drops a share of what it
// is given on purpose (regexp keeps its matchers in one), so allocation
// counts mean nothing.
const raceEnabled = true
