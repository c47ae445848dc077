// Package reactor runs featherd's event loops: a gnet engine with one
// loop per core, featherd's own accept goroutines handing connections to
// it, and lighttpd's connection state machine (conn.go) with keep-alive,
// pipelining, timeouts (timeout.go), limits and draining. Each request
// goes through the loop's http/pipeline; handler.go runs it, resumes the
// handlers that wait and streams the responses they produce.
//
// Goroutines: each gnet loop owns its connections (conn, loop); one accept
// goroutine per listen socket; one poller goroutine per loop; one
// ticker for the once-a-second work; a timer's goroutine for a handler
// that waits on one. Only the loops touch connections;
// the others hand them work through the loop's resume queue or Execute.
package reactor

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// Listener is a listen socket the server accepts on: featherd's own
// (net.Listen) or an inherited one (net.FileListener), with the
// configuration socket it serves.
type Listener struct {
	Socket   config.Socket
	Listener net.Listener
}

// Options are what a Server needs besides the configuration.
type Options struct {
	// Plan is the modules the server runs (pipeline.NewPlan); each loop
	// makes its own instances of them, so they keep per-loop caches
	// without locks.
	Plan *pipeline.Plan
	// Logger receives error-log lines; nil means the standard logger.
	Logger *log.Logger
}

// Server serves HTTP/1.1 on its listeners with one gnet event loop per
// core (server.max-worker loops when set).
type Server struct {
	cfg     *config.Config
	plan    *pipeline.Plan
	logger  *log.Logger
	engine  *gnet.Client
	sockets []*listenSocket
	spool   chunkqueue.SpoolConfig
	start   time.Time
	// openFiles is each loop's stat cache's share of the descriptors, for
	// the files it keeps open (fds.go).
	openFiles int

	loops  sync.Map // gnet.EventLoop → *loop
	loopMu sync.Mutex

	nextID   atomic.Uint64
	active   atomic.Int64  // server second of the last network activity, for idle shutdown
	slots    chan struct{} // one per open connection: server.max-connections
	open     atomic.Int64
	stopping chan struct{}
	draining atomic.Bool
	dateLine atomic.Pointer[[]byte]

	scopeMu sync.Mutex
	scopes  map[int]*chunkqueue.Scope

	ticker     *time.Ticker
	tickDone   chan struct{}
	acceptOnce sync.Once
	stopOnce   sync.Once
}

// New prepares a server for cfg on the given listeners. It does not
// accept until Start.
func New(cfg *config.Config, listeners []Listener, opts Options) (*Server, error) {
	if opts.Plan == nil {
		return nil, errors.New("reactor: no pipeline plan")
	}
	s := &Server{
		cfg:      cfg,
		plan:     opts.Plan,
		logger:   opts.Logger,
		start:    time.Now(),
		slots:    make(chan struct{}, cfg.Server.ConnectionLimit()),
		stopping: make(chan struct{}),
		scopes:   make(map[int]*chunkqueue.Scope),
		tickDone: make(chan struct{}),
		spool: chunkqueue.SpoolConfig{
			Dirs:     cfg.Server.UploadDirs,
			MemLimit: 64 << 10,
		},
	}
	if s.logger == nil {
		s.logger = log.Default()
	}
	s.updateDate(time.Now())
	for _, l := range listeners {
		_, isTCP := l.Listener.Addr().(*net.TCPAddr)
		s.sockets = append(s.sockets, &listenSocket{
			ln: l.Listener, token: l.Socket.Token, tcp: isTCP, done: make(chan struct{}),
		})
	}
	loops := cfg.Server.MaxWorker
	if loops <= 0 {
		loops = runtime.GOMAXPROCS(0)
	}
	s.openFiles = openFilesPerLoop(&cfg.Server, loops)
	engine, err := gnet.NewClient(&events{s: s},
		gnet.WithNumEventLoop(loops),
		// Go's net package already set TCP_NODELAY on every accepted
		// connection; gnet need not set it again.
		gnet.WithTCPNoDelay(gnet.TCPDelay),
		gnet.WithLogger(gnetLogger{s.logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("reactor: %w", err)
	}
	s.engine = engine
	return s, nil
}

// Start starts the event loops, the ticker and one accept goroutine per
// listener.
func (s *Server) Start() error {
	if err := s.engine.Start(); err != nil {
		return fmt.Errorf("reactor: start: %w", err)
	}
	s.ticker = time.NewTicker(time.Second)
	go s.tick()
	for _, ls := range s.sockets {
		go s.acceptLoop(ls)
	}
	return nil
}

// Shutdown stops the server gracefully, as a generation that is being
// replaced does: it stops accepting (closing its listeners), answers the
// next request on every keep-alive connection with Connection: close,
// lifts rate limits, lets every request in flight finish, and lets idle
// keep-alive connections end at their normal idle timeout rather than
// closing them under a client that may be sending its next request.
// When no connection is left, or after timeout (0 waits for ever), it
// closes what remains as Close does.
func (s *Server) Shutdown(timeout time.Duration) error {
	s.stopAccepting()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for s.open.Load() > 0 {
		select {
		case <-expired:
			s.logf("graceful shutdown: %d connection(s) still open after %v, closing them", s.open.Load(), timeout)
			return s.Close()
		case <-poll.C:
		}
	}
	return s.Close()
}

// stopAccepting closes the listeners and waits for the accept goroutines;
// from then on the server drains.
func (s *Server) stopAccepting() {
	s.acceptOnce.Do(func() {
		s.draining.Store(true)
		close(s.stopping)
		for _, ls := range s.sockets {
			ls.ln.Close()
			<-ls.done
		}
	})
}

// Close stops accepting, closes every connection at once and stops the
// event loops. The listeners are closed.
func (s *Server) Close() error {
	var err error
	s.stopOnce.Do(func() {
		s.stopAccepting()
		s.ticker.Stop()
		close(s.tickDone)
		err = s.engine.Stop()
		// The loops have exited, so their state may be touched here:
		// detached connections, on their own dup, are not gnet's to close.
		s.loops.Range(func(_, v any) bool {
			l := v.(*loop)
			for _, c := range l.conns {
				l.release(c)
			}
			l.poller.stop()
			return true
		})
	})
	return err
}

// loopFor returns featherd's state for a gnet loop, creating it when the
// loop opens its first connection.
func (s *Server) loopFor(el gnet.EventLoop) (*loop, error) {
	if l, ok := s.loops.Load(el); ok {
		return l.(*loop), nil
	}
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	if l, ok := s.loops.Load(el); ok {
		return l.(*loop), nil
	}
	l, err := newLoop(s, el)
	if err != nil {
		return nil, err
	}
	s.loops.Store(el, l)
	return l, nil
}

// admit takes a connection slot before accepting, waiting while
// server.max-connections are open; it reports false once the server
// stops. Each slot is returned by unadmit.
func (s *Server) admit() bool {
	select {
	case s.slots <- struct{}{}:
		return true
	case <-s.stopping:
		return false
	}
}

func (s *Server) unadmit() { <-s.slots }

func (s *Server) connectionOpened() { s.open.Add(1) }

func (s *Server) connectionClosed() {
	s.open.Add(-1)
	s.unadmit()
}

// touch records network activity in server second now, for IdleFor.
func (s *Server) touch(now int64) {
	if s.active.Load() != now {
		s.active.Store(now)
	}
}

// Sighup has every loop's modules run their SIGHUP hook (a log to
// reopen), on the loop's own goroutine.
func (s *Server) Sighup() {
	s.loops.Range(func(_, v any) bool {
		l := v.(*loop)
		l.execute(func(context.Context) error {
			l.pipe.Sighup()
			return nil
		})
		return true
	})
}

// Connections returns the number of open connections.
func (s *Server) Connections() int64 { return s.open.Load() }

// IdleFor returns how long no connection has opened or sent anything
// (lighttpd's last_active_ts, for featherd -i), to the second.
func (s *Server) IdleFor() time.Duration {
	return time.Duration(s.seconds()-s.active.Load()) * time.Second
}

// Enroll serves a connection accepted elsewhere (featherd -1 serves the
// one on its stdin) as if it came from a listen socket with token.
// remote is the client's address when the socket cannot tell it, as when
// a socketpair stands in for a connection relayed through stdin and
// stdout; the zero AddrPort means the socket's own peer address.
func (s *Server) Enroll(nc net.Conn, token string, remote netip.AddrPort) error {
	_, isTCP := nc.LocalAddr().(*net.TCPAddr)
	ls := &listenSocket{token: token, tcp: isTCP, remote: remote}
	if !s.admit() {
		nc.Close()
		return errors.New("reactor: stopping")
	}
	if _, err := s.engine.EnrollContext(nc, ls); err != nil {
		s.unadmit()
		return fmt.Errorf("reactor: %w", err)
	}
	return nil
}

// seconds is the server's monotonic clock in whole seconds.
func (s *Server) seconds() int64 { return int64(time.Since(s.start) / time.Second) }

// tick does the once-a-second work: the Date header, the rate-limit
// counters, and each loop's sweep.
func (s *Server) tick() {
	for {
		select {
		case <-s.tickDone:
			return
		case now := <-s.ticker.C:
			s.updateDate(now)
			s.scopeMu.Lock()
			for _, sc := range s.scopes {
				sc.NextSecond()
			}
			s.scopeMu.Unlock()
			s.loops.Range(func(_, v any) bool {
				l := v.(*loop)
				l.execute(l.sweepTask)
				return true
			})
		}
	}
}

// date returns the current "Date: …\r\n" value, formatted once a second.
func (s *Server) date() []byte { return *s.dateLine.Load() }

func (s *Server) updateDate(now time.Time) {
	b := http.AppendHTTPDate(make([]byte, 0, 29), now)
	s.dateLine.Store(&b)
}

// rateScope returns the shared budget of the config block that set
// server.kbytes-per-second.
func (s *Server) rateScope(block, kbytes int) *chunkqueue.Scope {
	s.scopeMu.Lock()
	defer s.scopeMu.Unlock()
	sc := s.scopes[block]
	if sc == nil {
		sc = chunkqueue.NewScope(int64(kbytes) << 10)
		s.scopes[block] = sc
	}
	return sc
}

func (s *Server) logf(format string, args ...any) { s.logger.Printf(format, args...) }
