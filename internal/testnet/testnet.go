// Package testnet gives tests loopback network endpoints that cannot be taken
// from under them: an address that refuses connections for as long as the
// test runs, and one listener handed from a server that stops to the one
// that takes its place, so a test never closes a port and hopes to get it
// back; and a port number for a process that can take nothing else, from
// the range no socket asking for any port is given. It is for tests only:
// nothing outside a _test.go file may import it.
package testnet

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// RefusedAddr returns a loopback TCP address ("127.0.0.1:port") at which
// every connection is refused until the test ends: the port is bound by a
// socket that never listens, so no other listener, in this process or
// another, can take it meanwhile (as one could a port closed after
// net.Listen).
func RefusedAddr(t testing.TB) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("holding a refused port: socket: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("holding a refused port: bind: %v", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatalf("holding a refused port: getsockname: %v", err)
	}
	return "127.0.0.1:" + strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
}

// RefusedPort is RefusedAddr's port.
func RefusedPort(t testing.TB) uint16 {
	t.Helper()
	_, p, _ := net.SplitHostPort(RefusedAddr(t))
	n, _ := strconv.Atoi(p)
	return uint16(n)
}

// Handoff is one loopback listener served by one server after another:
// each server is given its own Share, and closing a Share (as a server's
// Close does) ends that server's Accept but keeps the address, so the next
// server takes over the same address with no moment at which it is free.
// A connection made while no Share accepts waits for the next one.
type Handoff struct {
	ln    net.Listener
	conns chan net.Conn
	done  chan struct{}
}

// NewHandoff listens on a random loopback port; the listener is closed
// when the test ends.
func NewHandoff(t testing.TB) *Handoff {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &Handoff{ln: ln, conns: make(chan net.Conn), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-h.conns:
				c.Close()
			case <-h.done:
				return
			}
		}
	})
	return h
}

// Addr is the listener's address, the same for every Share.
func (h *Handoff) Addr() net.Addr { return h.ln.Addr() }

// Share returns a listener for the next server. Only one Share should be
// served at a time: a connection goes to whichever open Share accepts
// first.
func (h *Handoff) Share() net.Listener {
	return &share{h: h, closed: make(chan struct{})}
}

type share struct {
	h      *Handoff
	once   sync.Once
	closed chan struct{}
}

func (s *share) Accept() (net.Conn, error) {
	// A closed share takes no connection, even if one is waiting.
	select {
	case <-s.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-s.h.conns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	case <-s.h.done:
		return nil, net.ErrClosed
	}
}

func (s *share) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *share) Addr() net.Addr { return s.h.ln.Addr() }

// UnassignedPort returns a loopback TCP port, free when it returns, that
// the kernel never hands out to a socket asking for any port: one below
// the ephemeral range (net.ipv4.ip_local_port_range). It is for a process
// that can only be told a port number (a container's published port): no
// listener on port 0, in this process or another, can take it before that
// process binds it; only one that names this very port could. A port is
// returned once per test binary.
func UnassignedPort(t testing.TB) int {
	t.Helper()
	low := ephemeralLow()
	if low <= from+100 {
		t.Skipf("the ephemeral port range starts at %d: no port below it to choose from", low)
	}
	for range 1000 {
		p := from + rand.IntN(low-from)
		if _, taken := given.LoadOrStore(p, true); taken {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatalf("no free port in %d-%d", from, low-1)
	return 0
}

// from is the lowest port UnassignedPort returns.
const from = 10000

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				return n
			}
		}
	}
	return 32768 // Linux's default
}

// given holds the ports UnassignedPort returned.
var given sync.Map
