package pipeline

import "time"

// Events is how a hook that returned WaitForEvent is run again: the
// reactor implements it for each connection, on the connection's loop.
// Whatever happens first (an fd is ready, a timer fires, a wake-up, the
// client's socket becomes writable again for a streamed response) runs
// the waiting handler again, which then finds out itself what is ready:
// it must cope with being run when nothing it waits for has happened.
//
// Registrations belong to the request. The handler removes its fds
// (ForgetFD) before it closes them and at the latest in RequestReset; the
// reactor drops timers and wake-ups when the request ends, and removes
// the fds that remain when the connection closes.
type Events interface {
	// WaitFD runs the handler again once fd is readable (or writable,
	// with write), or has failed or hung up. It is one-shot: wait again
	// to be told again. fd stays the handler's.
	WaitFD(fd int, write bool) error
	// ForgetFD stops watching fd; call it before closing fd.
	ForgetFD(fd int)
	// After runs the handler again once d has passed.
	After(d time.Duration)
	// Waker returns a function that runs the handler again; unlike the
	// rest of the request, it may be called from any goroutine, and late
	// calls (after the request ended) do nothing harmful.
	Waker() func()
}
