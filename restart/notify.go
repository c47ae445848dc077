package restart

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The sd_notify protocol: a process tells its supervisor how it is doing
// by sending "KEY=value" lines in one datagram to the unix socket named by
// NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
// Generations use it to tell the master they are ready; the master uses
// it to tell systemd (Type=notify, Type=notify-reload).

// notifier sends sd_notify messages over a datagram socket connected
// once, when it is made; its zero value, made without NOTIFY_SOCKET,
// sends nothing. One that could not connect fails every send.
type notifier struct {
	conn *net.UnixConn
	err  error
}

// dialNotifier connects to the socket at path ("" sends nothing).
func dialNotifier(path string) (notifier, error) {
	if path == "" {
		return notifier{}, nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return notifier{err: err}, err
	}
	return notifier{conn: c}, nil
}

// send delivers one message; without a supervisor it does nothing.
func (n notifier) send(lines ...string) error {
	if n.conn == nil {
		return n.err
	}
	_, err := n.conn.Write([]byte(strings.Join(lines, "\n")))
	return err
}

// close closes the socket; the notifier must not be used afterwards.
func (n notifier) close() {
	if n.conn != nil {
		n.conn.Close()
	}
}

// reloading is the RELOADING=1 message with the CLOCK_MONOTONIC time
// systemd wants with it.
func reloading() []string {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	usec := ts.Sec*1e6 + ts.Nsec/1e3
	return []string{"RELOADING=1", "MONOTONIC_USEC=" + strconv.FormatInt(usec, 10)}
}

// notifySocket is the datagram socket the master reads its generations'
// messages from.
type notifySocket struct {
	conn *net.UnixConn
	path string
	dir  string
}

// listenNotify creates the master's notify socket in a private directory.
func listenNotify() (*notifySocket, error) {
	dir, err := os.MkdirTemp("", "featherd-notify-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &notifySocket{conn: c, path: path, dir: dir}, nil
}

// message is one notification: its key=value pairs.
type message map[string]string

// read waits for the next message until deadline.
func (s *notifySocket) read(buf []byte, deadline time.Time) (message, error) {
	s.conn.SetReadDeadline(deadline)
	n, _, err := s.conn.ReadFromUnix(buf)
	if err != nil {
		return nil, err
	}
	m := message{}
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m, nil
}

func (s *notifySocket) close() {
	s.conn.Close()
	os.RemoveAll(s.dir)
}
