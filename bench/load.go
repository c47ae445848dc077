package bench

import (
	"sync"
	"time"
)

// Run sends cfg's requests for cfg.Duration and returns what it measured.
// Requests still in flight when the time is up are not counted, nor are
// those in flight on a connection that failed or that the server closed
// (only the failure is). An error means the run could not start (bad URL,
// no epoll) or stopped early; the Result then holds what was measured.
func Run(cfg Config) (*Result, error) {
	cfg.setDefaults()
	t, err := cfg.target()
	if err != nil {
		return nil, err
	}
	workers := make([]*worker, cfg.Threads)
	for i := range workers {
		// Spread connections evenly; the first ones take the remainder.
		n := cfg.Conns / cfg.Threads
		if i < cfg.Conns%cfg.Threads {
			n++
		}
		if workers[i], err = newWorker(&cfg, t, n); err != nil {
			for _, w := range workers[:i] {
				w.close()
			}
			return nil, err
		}
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.run(deadline) })
	}
	wg.Wait()
	res := newResult()
	res.Elapsed = time.Since(start)
	for _, w := range workers {
		res.add(w.res)
		if err == nil {
			err = w.err
		}
	}
	return res, err
}
