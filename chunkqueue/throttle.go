package chunkqueue

import (
	"sync/atomic"
	"time"
)

// Throttling, lighttpd's connection_write_throttle: a connection writes
// at most connection.kbytes-per-second of its own per second, and all the
// connections of one config block together at most that block's
// server.kbytes-per-second. A reactor uses it like this:
//
//   - when a connection opens: Limiter.Reset.
//   - when a request's options are known: Limiter.SetLimit(kbytes<<10)
//     and Limiter.SetScope with the block's Scope (nil for none); 0 and
//     nil while the server is draining, which lifts every limit as
//     lighttpd's graceful shutdown does.
//   - each write turn: Writer.WriteTurn with the Limiter, which asks
//     Budget and reports Spent (or call those two around WriteTo). On
//     ErrThrottled the connection waits neither for EPOLLOUT nor for its
//     next turn: it waits for the next second.
//   - once a second, from one goroutine (the server's ticker): NextSecond
//     on every Scope; then, on each loop, NextSecond on every connection's
//     Limiter (not only throttled ones: it also starts the connection's
//     new second) with the time since the connection opened. When that
//     returns true the connection was throttled and may write again:
//     resume it. Scopes first, so a released connection finds its scope
//     refilled.

// Scope is the shared byte counter of one config block's
// server.kbytes-per-second: every connection whose request matched the
// block draws from it, from any event loop, so it is safe for concurrent
// use (atomics, no locks). Make one per block when the config is loaded.
type Scope struct {
	limit int64 // bytes per second
	spent atomic.Int64
}

// NewScope returns the scope of a config block limited to bytesPerSecond
// (server.kbytes-per-second × 1024). A limit <= 0 lets everything
// through.
func NewScope(bytesPerSecond int64) *Scope {
	return &Scope{limit: bytesPerSecond}
}

// Limit returns the scope's bytes per second.
func (s *Scope) Limit() int64 { return s.limit }

// Budget returns how much of max may be written now: max capped at what
// the scope has left this second, and never below 0.
func (s *Scope) Budget(max int64) int64 {
	if s.limit <= 0 {
		return max
	}
	if b := min(max, s.limit-s.spent.Load()); b > 0 {
		return b
	}
	return 0
}

// Spent charges n written bytes to the scope's current second.
func (s *Scope) Spent(n int64) {
	if s.limit > 0 && n > 0 {
		s.spent.Add(n)
	}
}

// reserve takes up to max bytes of the scope's current second for a write
// about to happen, atomically, so connections on different event loops
// cannot both spend the same remainder; unreserve gives back what the
// write did not use.
func (s *Scope) reserve(max int64) int64 {
	if s.limit <= 0 {
		return max
	}
	for {
		spent := s.spent.Load()
		take := min(max, s.limit-spent)
		if take <= 0 {
			return 0
		}
		if s.spent.CompareAndSwap(spent, spent+take) {
			return take
		}
	}
}

func (s *Scope) unreserve(n int64) {
	if s.limit > 0 && n > 0 {
		s.spent.Add(-n)
	}
}

// NextSecond starts the scope's new second (lighttpd's
// config_reset_config_bytes_sec). Call it once a second from a single
// goroutine, not from every event loop: each call refills the budget.
func (s *Scope) NextSecond() { s.spent.Store(0) }

// Limiter is one connection's write budget: its own
// connection.kbytes-per-second and the Scope its current request shares.
// It is owned by the connection's event loop. The zero value limits
// nothing.
type Limiter struct {
	limit     int64 // bytes per second, 0 for none
	scope     *Scope
	cur       int64 // bytes written this second
	total     int64 // bytes written since Reset, for the catch-up rule
	reserved  int64 // taken from the scope by Budget, settled by Spent
	throttled bool
}

// Reset readies l for a new connection: no limits, nothing written.
func (l *Limiter) Reset() { *l = Limiter{} }

// SetLimit sets the connection's own limit in bytes per second
// (connection.kbytes-per-second × 1024, possibly lowered by a backend's
// X-LIGHTTPD-KBytes-per-second); 0 removes it.
func (l *Limiter) SetLimit(bytesPerSecond int64) { l.limit = max(bytesPerSecond, 0) }

// Limit returns the connection's own limit in bytes per second.
func (l *Limiter) Limit() int64 { return l.limit }

// SetScope sets the scope the connection's writes are also charged to;
// nil for none.
func (l *Limiter) SetScope(s *Scope) {
	l.settle()
	l.scope = s
}

// settle returns a reservation no write followed.
func (l *Limiter) settle() {
	if l.reserved > 0 && l.scope != nil {
		l.scope.unreserve(l.reserved)
	}
	l.reserved = 0
}

// Budget returns how many bytes the connection may write now, at most
// max, and reserves them in the scope until Spent says how many were
// written. 0 means it is throttled until NextSecond releases it (lighttpd's
// traffic_limit_reached): it stays at 0 until then even if the scope
// starts a new second sooner.
func (l *Limiter) Budget(max int64) int64 {
	l.settle()
	if l.limit == 0 && l.scope == nil {
		l.throttled = false // limits lifted (a draining server)
		return max
	}
	if l.throttled {
		return 0
	}
	b := max
	if l.limit > 0 {
		b = min(b, l.limit-l.cur)
	}
	if l.scope != nil && b > 0 {
		b = l.scope.reserve(b)
		l.reserved = b
	}
	if b <= 0 {
		// A caller with no max left (its turn is over) is not throttled.
		l.throttled = max > 0
		return 0
	}
	return b
}

// Spent charges n written bytes to the connection; the scope keeps what
// Budget reserved for it, less what was not written.
func (l *Limiter) Spent(n int64) {
	l.cur += n
	l.total += n
	if l.scope != nil {
		if l.reserved > 0 {
			l.scope.unreserve(l.reserved - n)
			l.reserved = 0
		} else {
			l.scope.Spent(n)
		}
	}
}

// Throttled reports whether the connection used up its budget and waits
// for NextSecond.
func (l *Limiter) Throttled() bool { return l.throttled }

// NextSecond starts the connection's new second; call it once a second
// for every connection, with the time since the connection opened (since
// Reset). It reports whether a throttled connection is released, by
// lighttpd's catch-up rule: always when only a scope limited it, else
// only while the connection is still below its own limit on average over
// its life (bytes written < limit × whole seconds elapsed, at least one),
// so one that burst ahead waits out the seconds it took in advance.
func (l *Limiter) NextSecond(elapsed time.Duration) bool {
	l.cur = 0
	if !l.throttled {
		return false
	}
	secs := max(int64(elapsed/time.Second), 1)
	if l.limit == 0 || l.total < l.limit*secs {
		l.throttled = false
		return true
	}
	return false
}
