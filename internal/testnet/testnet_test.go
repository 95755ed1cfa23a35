package testnet

import (
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
)

// TestRefusedAddr: a connection to the address is refused, and no listener
// can take the address while the test holds it.
func TestRefusedAddr(t *testing.T) {
	addr := RefusedAddr(t)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dialing %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("a listener took %s while it was held", addr)
	}
	if p := RefusedPort(t); p == 0 {
		t.Fatal("port 0")
	}
}

// TestHandoff: a closed share accepts nothing more, and a connection made
// between two servers goes to the next one, at the same address.
func TestHandoff(t *testing.T) {
	h := NewHandoff(t)
	first := h.Share()
	go func() {
		c, err := first.Accept()
		if err == nil {
			c.Write([]byte("first"))
			c.Close()
		}
	}()
	if got := read(t, h.Addr().String()); got != "first" {
		t.Fatalf("first share: %q", got)
	}
	first.Close()
	if _, err := first.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept of a closed share: %v", err)
	}
	got := make(chan string, 1)
	go func() { got <- read(t, h.Addr().String()) }() // while no share accepts
	second := h.Share()
	c, err := second.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("second"))
	c.Close()
	if g := <-got; g != "second" {
		t.Fatalf("second share: %q", g)
	}
	if second.Addr().String() != h.Addr().String() {
		t.Fatalf("share address %s, listener %s", second.Addr(), h.Addr())
	}
}

func read(t *testing.T, addr string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer c.Close()
	b, _ := io.ReadAll(c)
	return string(b)
}

// TestUnassignedPort: the port is free, below the ephemeral range, and
// not returned twice.
func TestUnassignedPort(t *testing.T) {
	a, b := UnassignedPort(t), UnassignedPort(t)
	if a == b {
		t.Fatalf("port %d returned twice", a)
	}
	for _, p := range []int{a, b} {
		if p < from || p >= ephemeralLow() {
			t.Errorf("port %d outside %d-%d", p, from, ephemeralLow()-1)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		ln.Close()
	}
}
