package reactor

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// listenSocket is a listen socket and what connections need to know about
// it; it is each enrolled connection's gnet context until OnOpen.
type listenSocket struct {
	ln    net.Listener
	token string // the $SERVER["socket"] token
	tcp   bool   // TCP (corkable) rather than a unix socket
	done  chan struct{}

	// remote is the client of the one connection Enroll hands over, when
	// its socket does not know it (featherd -1 relaying a FIFO pair).
	remote netip.AddrPort
}

// enrollers is how many connections one listen socket may have on their
// way into gnet at once. EnrollContext waits for the event loop to run
// OnOpen; a single goroutine doing it between accepts made every new
// connection wait for a round trip through a busy loop (with one core,
// Connection: close traffic ran at 16k requests/s instead of 21k).
const enrollers = 8

// acceptLoop accepts connections on one listen socket and hands them to
// gnet through the enrollers. featherd owns its listeners because gnet
// cannot adopt an inherited fd, cannot stop accepting without closing
// every connection, and shuts its whole engine down on EMFILE; here an
// accept error only backs off.
func (s *Server) acceptLoop(ls *listenSocket) {
	accepted := make(chan net.Conn, enrollers)
	var wg sync.WaitGroup
	for range enrollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for nc := range accepted {
				if _, err := s.engine.EnrollContext(nc, ls); err != nil {
					s.unadmit()
					s.logf("accept on %s: %v", ls.token, err)
				}
			}
		}()
	}
	defer func() {
		close(accepted)
		wg.Wait()
		close(ls.done)
	}()
	backoff := time.Duration(0)
	for {
		if !s.admit() {
			return // the server is stopping
		}
		nc, err := ls.ln.Accept()
		if err != nil {
			s.unadmit()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE, ENFILE, ENOBUFS, ECONNABORTED…: wait a little and go on.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("accept on %s: %v (retrying in %v)", ls.token, err, backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		accepted <- nc
	}
}
