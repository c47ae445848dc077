package chunkqueue

import (
	"sync"
	"testing"
	"time"
)

func TestLimiterUnlimited(t *testing.T) {
	var l Limiter
	if b := l.Budget(MaxWriteLimit); b != MaxWriteLimit {
		t.Fatalf("Budget %d, want %d", b, MaxWriteLimit)
	}
	l.Spent(MaxWriteLimit)
	if l.Throttled() || l.NextSecond(time.Second) {
		t.Fatal("an unlimited connection was throttled")
	}
}

// TestLimiterCatchUp follows one connection limited to 1000 B/s through
// lighttpd's catch-up rule: a throttled connection is released at a new
// second only while it has written less than limit × seconds alive.
func TestLimiterCatchUp(t *testing.T) {
	var l Limiter
	l.SetLimit(1000)
	expectBudget := func(want int64) {
		t.Helper()
		if got := l.Budget(MaxWriteLimit); got != want {
			t.Fatalf("Budget %d, want %d", got, want)
		}
	}
	expectNext := func(elapsed time.Duration, release bool) {
		t.Helper()
		if got := l.NextSecond(elapsed); got != release {
			t.Fatalf("NextSecond(%v) = %v, want %v", elapsed, got, release)
		}
	}

	if l.Budget(0) != 0 || l.Throttled() {
		t.Fatal("a zero max throttled the connection")
	}
	expectBudget(1000)
	l.Spent(600)
	expectBudget(400)
	if l.Budget(300) != 300 {
		t.Fatal("Budget exceeds max")
	}
	l.Spent(400)
	expectBudget(0)
	if !l.Throttled() {
		t.Fatal("not throttled with its second's budget spent")
	}
	// Within the first second of its life, 1000 bytes is not below
	// 1000 × 1: it stays throttled although its counter starts again.
	expectNext(500*time.Millisecond, false)
	expectBudget(0)
	expectNext(1500*time.Millisecond, false)
	expectBudget(0)
	// At 2 s it is behind its average (1000 < 2000): released.
	expectNext(2*time.Second, true)
	expectBudget(1000)
	l.Spent(1000) // 2000 in all
	expectBudget(0)
	expectNext(3*time.Second, true) // 2000 < 3000
	l.Spent(300)
	expectBudget(700)
	// Not throttled: a new second restores the full budget, no release.
	expectNext(4*time.Second, false)
	expectBudget(1000)

	// Reset starts a new connection.
	l.Reset()
	expectBudget(MaxWriteLimit)
}

func TestScope(t *testing.T) {
	s := NewScope(500)
	var a, b Limiter
	a.SetScope(s)
	b.SetScope(s)
	if got := a.Budget(MaxWriteLimit); got != 500 {
		t.Fatalf("Budget %d, want 500", got)
	}
	a.Spent(300)
	if got := b.Budget(MaxWriteLimit); got != 200 {
		t.Fatalf("the other connection's Budget %d, want 200", got)
	}
	b.Spent(200)
	if a.Budget(MaxWriteLimit) != 0 || b.Budget(MaxWriteLimit) != 0 {
		t.Fatal("budget left in a spent scope")
	}
	// Throttled only by its scope, a connection is always released at the
	// next second.
	s.NextSecond()
	if !a.NextSecond(time.Second) || !b.NextSecond(time.Second) {
		t.Fatal("not released")
	}
	if got := a.Budget(MaxWriteLimit); got != 500 {
		t.Fatalf("Budget %d in a new second, want 500", got)
	}
	// The tighter of the two limits wins.
	a.SetLimit(100)
	if got := a.Budget(MaxWriteLimit); got != 100 {
		t.Fatalf("Budget %d with a 100 B/s own limit, want 100", got)
	}
	// A draining server lifts every limit, even for a throttled connection.
	a.Spent(100)
	a.Budget(1)
	a.SetLimit(0)
	a.SetScope(nil)
	if got := a.Budget(MaxWriteLimit); got != MaxWriteLimit || a.Throttled() {
		t.Fatalf("Budget %d, throttled %v with limits lifted", got, a.Throttled())
	}
	if got := NewScope(0).Budget(MaxWriteLimit); got != MaxWriteLimit {
		t.Fatalf("Budget %d of an unlimited scope, want %d", got, MaxWriteLimit)
	}
}

// TestScopeConcurrent charges one scope from many goroutines (run it with
// -race): nothing is lost.
func TestScopeConcurrent(t *testing.T) {
	s := NewScope(1 << 30)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var l Limiter
			l.SetScope(s)
			for range 1000 {
				if l.Budget(10) == 10 {
					l.Spent(3)
				}
			}
		}()
	}
	wg.Wait()
	if got := s.Budget(1 << 40); got != 1<<30-8*3000 {
		t.Fatalf("Budget %d, want %d", got, 1<<30-8*3000)
	}
	// The ticker's reset races with the loops' charges; each is atomic.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			s.NextSecond()
		}
	}()
	for range 1000 {
		s.Spent(s.Budget(5))
	}
	<-done
	s.NextSecond()
	if got := s.Budget(1 << 40); got != 1<<30 {
		t.Fatalf("Budget %d after NextSecond, want %d", got, 1<<30)
	}
}

// TestWriteTurnThrottled writes through WriteTurn with a 1000 B/s limit.
func TestWriteTurnThrottled(t *testing.T) {
	p := unixPair(t, pairOpts{})
	var q Queue
	defer q.Reset()
	q.Write(pattern(5000, 1))
	var l Limiter
	l.SetLimit(1000)
	w := NewWriter("sendfile")
	rd := startReader(p.r, 2000, readerOpts{})
	if n, err := w.WriteTurn(p.w, false, &q, &l, MaxWriteLimit); n != 1000 || err != nil {
		t.Fatalf("first turn: %d, %v; want 1000, nil", n, err)
	}
	if n, err := w.WriteTurn(p.w, false, &q, &l, MaxWriteLimit); n != 0 || err != ErrThrottled {
		t.Fatalf("second turn: %d, %v; want 0, ErrThrottled", n, err)
	}
	if q.Len() != 4000 {
		t.Fatalf("Len %d, want 4000", q.Len())
	}
	if !l.NextSecond(2 * time.Second) {
		t.Fatal("not released")
	}
	if n, err := w.WriteTurn(p.w, false, &q, &l, MaxWriteLimit); n != 1000 || err != nil {
		t.Fatalf("turn after release: %d, %v; want 1000, nil", n, err)
	}
	sameBytes(t, waitReader(t, rd).data, pattern(5000, 1)[:2000])
}
