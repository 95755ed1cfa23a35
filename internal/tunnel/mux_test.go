package tunnel_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jonboulle/clockwork"

	"github.com/dstack-go/dstack/internal/testnet"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/ratls"
)

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	n atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// startCountingGuest is startGuest on a listener that counts connections.
func startCountingGuest(t *testing.T, g *guest) (*countingListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	go g.srv.Serve(cl)
	return cl, ln.Addr().String()
}

func muxRoundTrip(t testing.TB, d *tunnel.Dialer, addr string, port uint16, msg string, check func(*ratls.Claims) error) (string, error) {
	t.Helper()
	c, err := d.DialMux(context.Background(), addr, port, check)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	// The echo answers at EOF: the half-close must reach it while the
	// answer still comes back.
	if err := c.CloseWrite(); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// TestMuxStreams: streams opened with DialMux share one connection to the
// guest, concurrently; each is judged by check with the guest's attested
// claims; a refused check sends nothing; a refused port and a target that
// is down are their stream's errors and leave the connection usable. The
// same guest still serves one-stream connections.
func TestMuxStreams(t *testing.T) {
	pki := newPKI(t, "tunnel mux")
	port := echo(t)
	deadPort := testnet.RefusedPort(t)
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port, deadPort))
	cl, addr := startCountingGuest(t, g)
	d := dialer(t, pki, gatewayID)
	defer d.Close()

	var checks atomic.Int32
	check := func(c *ratls.Claims) error {
		checks.Add(1)
		if !bytes.Equal(c.Evidence.AppID, appID) {
			return errors.New("wrong app")
		}
		return nil
	}
	const streams = 20
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := "hello " + strconv.Itoa(i)
			got, err := muxRoundTrip(t, d, addr, port, msg, check)
			if err == nil && got != "echo:"+msg {
				err = errors.New("stream " + strconv.Itoa(i) + " got " + got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := cl.n.Load(); n != 1 {
		t.Errorf("%d streams took %d connections, want 1", streams, n)
	}
	if n := checks.Load(); n != streams {
		t.Errorf("check ran %d times for %d streams", n, streams)
	}

	want := errors.New("not this app")
	if _, err := d.DialMux(context.Background(), addr, port, func(*ratls.Claims) error { return want }); !errors.Is(err, want) {
		t.Fatalf("check refusal: %v", err)
	}
	if _, err := muxRoundTrip(t, d, addr, deadPort, "x", nil); !errors.Is(err, tunnel.ErrTargetDown) {
		t.Fatalf("dead target: %v", err)
	}
	if got, err := muxRoundTrip(t, d, addr, port, "after", nil); err != nil || got != "echo:after" {
		t.Fatalf("after refusals: %q %v", got, err)
	}
	if got, err := roundTrip(t, d, addr, port, "one stream"); err != nil || got != "echo:one stream" {
		t.Fatalf("dstack-tunnel/1 beside /2: %q %v", got, err)
	}
	if n := cl.n.Load(); n != 2 {
		t.Errorf("%d connections, want the multiplexed one and the one-stream one", n)
	}
}

// TestMuxSessionLifetime: past MaxSessionAge a new connection carries new
// streams while a stream of the old one runs on; a connection that the
// guest ends is dialed again; after Close, DialMux fails and the
// dialer's connections are gone.
func TestMuxSessionLifetime(t *testing.T) {
	pki := newPKI(t, "tunnel mux lifetime")
	port := echo(t)
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	cl, addr := startCountingGuest(t, g)
	d := dialer(t, pki, gatewayID)
	clock := clockwork.NewFakeClock()
	d.MaxSessionAge, d.Now = time.Hour, clock.Now

	old, err := d.DialMux(context.Background(), addr, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Write([]byte("old ")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(d.MaxSessionAge)
	if got, err := muxRoundTrip(t, d, addr, port, "new", nil); err != nil || got != "echo:new" {
		t.Fatalf("after the age: %q %v", got, err)
	}
	if n := cl.n.Load(); n != 2 {
		t.Errorf("%d connections, want a second one past MaxSessionAge", n)
	}
	// The old connection's stream is not cut by the new one.
	old.Write([]byte("stream"))
	old.CloseWrite()
	if b, err := io.ReadAll(old); err != nil || string(b) != "echo:old stream" {
		t.Fatalf("stream on the retired connection: %q %v", b, err)
	}
	old.Close()

	// The guest goes away and comes back at the same address: the next
	// stream dials again. The address is handed from one guest to the
	// next, never left free.
	d.MaxSessionAge = 0
	h := testnet.NewHandoff(t)
	addr2 := h.Addr().String()
	g2 := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	served := make(chan error, 1)
	go func() { served <- g2.srv.Serve(h.Share()) }()
	if got, err := muxRoundTrip(t, d, addr2, port, "a", nil); err != nil || got != "echo:a" {
		t.Fatalf("first: %q %v", got, err)
	}
	// A stream left open on the first guest's connection ends when that
	// connection does: once it has, the dialer knows the connection is gone.
	probe, err := d.DialMux(context.Background(), addr2, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	g2.srv.Close()
	if err := <-served; !errors.Is(err, tunnel.ErrServerClosed) {
		t.Fatalf("the first guest's Serve: %v", err)
	}
	probe.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadAll(probe); err == nil {
		t.Fatal("a stream of the stopped guest read to a clean end")
	}
	g3 := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	go g3.srv.Serve(h.Share())
	if got, err := muxRoundTrip(t, d, addr2, port, "b", nil); err != nil || got != "echo:b" {
		t.Fatalf("after the guest restarted: %q %v", got, err)
	}

	open, err := d.DialMux(context.Background(), addr2, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := d.DialMux(context.Background(), addr2, port, nil); !errors.Is(err, tunnel.ErrDialerClosed) {
		t.Fatalf("DialMux after Close: %v", err)
	}
	open.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadAll(open); err == nil {
		// io.ReadAll returns nil at EOF; a stream of a closed connection
		// ends with an error.
		t.Error("a stream of a closed dialer read to a clean end")
	}
}

// TestMuxRefusesOtherGateway: a multiplexed connection is refused, as a
// one-stream one is, when the peer's attested app id is not the gateway's.
func TestMuxRefusesOtherGateway(t *testing.T) {
	pki := newPKI(t, "tunnel mux gateway")
	port := echo(t)
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	other := dialer(t, pki, bytes.Repeat([]byte{0x77}, 20))
	defer other.Close()
	if _, err := muxRoundTrip(t, other, g.addr, port, "x", nil); err == nil {
		t.Fatal("a multiplexed connection from another app was accepted")
	}
}

// TestMuxServerClose: closing the guest's Server ends its multiplexed
// connections and their streams, and leaves no goroutine behind.
func TestMuxServerClose(t *testing.T) {
	pki := newPKI(t, "tunnel mux close")
	port := echo(t)
	before := runtime.NumGoroutine()
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	d := dialer(t, pki, gatewayID)
	c, err := d.DialMux(context.Background(), g.addr, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Status(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(c); done <- err }()
	g.srv.Close()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("a stream outlived the guest's Server")
	}
	d.Close()
	for deadline := time.Now().Add(time.Minute); runtime.NumGoroutine() > before+2; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMuxStreamClose: Close ends a multiplexed stream both ways at once,
// even while the guest's target keeps sending and a Read is waiting, where
// CloseWrite (TestMuxStreams) leaves the answer flowing.
func TestMuxStreamClose(t *testing.T) {
	pki := newPKI(t, "tunnel mux abort")
	port := serveTCP(t, func(c net.Conn) { // talks until it is cut off
		for {
			if _, err := c.Write([]byte("tick")); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), relay(port))
	d := dialer(t, pki, gatewayID)
	defer d.Close()
	c, err := d.DialMux(context.Background(), g.addr, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "tick" {
		t.Fatalf("%q %v", buf, err)
	}
	ended := make(chan error, 1)
	reading := make(chan struct{}) // closed once the loop below has read
	go func() {
		for n := 0; ; n++ {
			if _, err := c.Read(buf); err != nil {
				ended <- err
				return
			}
			if n == 0 {
				close(reading)
			}
		}
	}()
	select {
	case <-reading:
	case err := <-ended:
		t.Fatalf("the stream ended before Close: %v", err)
	}
	c.Close()
	select {
	case err := <-ended:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("the waiting Read ended with %v, want net.ErrClosed", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a Read of a closed stream kept waiting")
	}
	if n, err := c.Read(buf); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %d, %v", n, err)
	}
}

// TestMuxDialShared: callers that need a multiplexed connection to the
// same guest at once share one dial and its result, and a caller that
// gives up does not abort it for the others: a guest that accepts TCP but
// never answers the handshake costs one connection attempt.
func TestMuxDialShared(t *testing.T) {
	pki := newPKI(t, "tunnel mux shared dial")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	var held []net.Conn
	var mu sync.Mutex
	go func() { // accepts and stays silent
		for {
			c, err := cl.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	d := dialer(t, pki, gatewayID)
	d.Timeout = 3 * time.Second
	defer d.Close()
	// The first caller starts the dial and gives up soon.
	first, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	firstErr := make(chan error, 1)
	go func() {
		_, err := d.DialMux(first, ln.Addr().String(), 80, nil)
		firstErr <- err
	}()
	for deadline := time.Now().Add(time.Minute); cl.n.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no dial started")
		}
	}
	const callers = 9
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.DialMux(context.Background(), ln.Addr().String(), 80, nil)
			errs <- err
		}()
	}
	if err := <-firstErr; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the caller that gave up: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil {
			t.Fatal("a dial to a silent guest succeeded")
		}
	}
	if n := cl.n.Load(); n != 1 {
		t.Errorf("%d callers made %d connection attempts, want them to share one", callers+1, n)
	}
}
