package reactor_test

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// TestMain raises the default -test.parallel (GOMAXPROCS, 2 on a small
// machine) to 8. The parallel tests here spend their time waiting for the
// server's once-a-second clock (timeouts, lingering close, throttling),
// not on a CPU; run two at a time they would take most of a minute. An
// explicit -parallel is respected.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			explicit = true
		}
	})
	if p := flag.Lookup("test.parallel"); p != nil && !explicit {
		if n, err := strconv.Atoi(p.Value.String()); err == nil && n < 8 {
			p.Value.Set("8")
		}
	}
	os.Exit(m.Run())
}
