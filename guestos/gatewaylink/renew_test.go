package gatewaylink

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/ratls"
)

var gatewayID = bytes.Repeat([]byte{0x6a}, 20)

// flakyTEE is the simulated TEE whose quotes fail while fail is set.
type flakyTEE struct {
	*mock.TD
	fail     atomic.Bool
	quotes   atomic.Int64 // quotes given
	failures atomic.Int64 // quotes refused
}

func (f *flakyTEE) Quote(ctx context.Context, rd [64]byte) ([]byte, error) {
	if f.fail.Load() {
		f.failures.Add(1)
		return nil, errors.New("the TDX module is busy")
	}
	f.quotes.Add(1)
	return f.TD.Quote(ctx, rd)
}

// fakeGateway answers RegisterCvm over mutual RA-TLS with a certificate of
// the gateway app, and remembers the client certificate of each
// registration. (The registration against the real gateway is tested in
// caddymodules/gateway.)
type fakeGateway struct {
	url  string
	mu   sync.Mutex
	got  [][]byte // leaf DER of each registration's client certificate
	last tunnel.RegisterRequest
	// dereg are the deregistrations received; while hang is set they are
	// not answered.
	dereg []tunnel.DeregisterRequest
	hang  bool
	// nodes are the cluster nodes its answers list; regs counts the
	// registrations it took.
	nodes []tunnel.GatewayNodeInfo
	regs  int
	// close stops it: connections are refused from then on.
	close func()
}

func (g *fakeGateway) registrations() [][]byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]byte(nil), g.got...)
}

// link is a CVM on a simulated TEE registered with a fake gateway, whose
// tunnel relays port 80 to an echo server, and a dialer with the
// gateway's certificate. The CVM's certificates are issued, renewed and
// checked (by the dialer and the fake gateway) on a fake clock that the
// test moves.
type link struct {
	clock *clockwork.FakeClock
	tee   *flakyTEE
	gw    *fakeGateway
	// newGateway starts another fake gateway of the same app.
	newGateway func() *fakeGateway
	reg        *Registrar
	logs       *observer.ObservedLogs
	pki        *mock.PKI
	dial       func() *tunnel.Dialer
	cvm        *boot.CVM
}

func startLink(t *testing.T, validity time.Duration, renewAt float64) *link {
	t.Helper()
	pki, err := mock.NewPKI([]byte("gatewaylink renewal"))
	if err != nil {
		t.Fatal(err)
	}
	td, err := pki.BootTD(mock.Identity{AppID: gatewayID, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{9}, 20)})
	if err != nil {
		t.Fatal(err)
	}
	gwCert := func(server bool) *tls.Certificate {
		c, err := ratls.Issue(context.Background(), td.Attester(), ratls.CertOptions{Subject: "gateway", ServerAuth: server, ClientAuth: !server, AppID: gatewayID}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	clock := clockwork.NewFakeClockAt(time.Now())
	newGateway := func() *fakeGateway {
		gw := &fakeGateway{}
		rpc := &prpc.Server{Base: "/prpc/", Methods: map[string]prpc.Method{
			tunnel.RegisterMethod: prpc.Handle(func(_ context.Context, req *tunnel.RegisterRequest) (*tunnel.RegisterResponse, error) {
				gw.mu.Lock()
				defer gw.mu.Unlock()
				gw.last = *req
				gw.regs++
				return &tunnel.RegisterResponse{ExpiresInSeconds: 1, Gateways: gw.nodes}, nil
			}),
			tunnel.DeregisterMethod: prpc.Handle(gw.deregister),
		}}
		v := &ratls.Verifier{Attestation: pki.VerifyOptions(), Now: clock.Now}
		cfg := v.ServerConfig(gwCert(true), true)
		cfg.NextProtos = []string{"h2", "http/1.1"}
		ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gw.mu.Lock()
			gw.got = append(gw.got, r.TLS.PeerCertificates[0].Raw)
			gw.mu.Unlock()
			rpc.ServeHTTP(w, r)
		})}
		go hs.Serve(ln)
		gw.close = func() { hs.Close() }
		t.Cleanup(gw.close)
		gw.url = "https://" + ln.Addr().String()
		return gw
	}
	gw := newGateway()

	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { echo.Close() })
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()

	tee := &flakyTEE{TD: pki.NewTD()}
	p, err := guestos.NewPlatform(tee, t.TempDir(), fmt.Sprintf(`{"os_image_hash":"%x"}`, sha512.Sum512_256([]byte("gatewaylink test image"))))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.InfoLevel)
	r := &Registrar{
		// 81 is mapped, but the app does not publish it.
		GatewayURLs: []string{gw.url}, Listen: "127.0.0.1:0", Ports: map[uint16]string{80: echo.Addr().String(), 81: echo.Addr().String()},
		Gateway: tunnel.StaticGatewayAppID(hex.EncodeToString(gatewayID)), Retry: 50 * time.Millisecond,
		CertValidity: validity, CertRenewAt: renewAt, Logger: zap.New(core), clock: clock,
	}
	compose, err := identity.ParseAppCompose([]byte(linkCompose))
	if err != nil {
		t.Fatal(err)
	}
	cvm := &boot.CVM{Platform: p, Attestation: pki.VerifyOptions(), AppID: [20]byte{0xa1}, InstanceID: bytes.Repeat([]byte{0xb2}, 20), Compose: compose, ComposeRaw: []byte(linkCompose)}
	if err := r.Register(context.Background(), cvm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	client := gwCert(false)
	return &link{clock: clock, tee: tee, gw: gw, newGateway: newGateway, reg: r, logs: logs, pki: pki, cvm: cvm, dial: func() *tunnel.Dialer {
		// A new dialer has no session to resume: its handshake shows the
		// certificate the tunnel presents now.
		return &tunnel.Dialer{Certificate: client, Verifier: &ratls.Verifier{Attestation: pki.VerifyOptions(), Now: clock.Now}}
	}}
}

// linkCompose is the app-compose of the CVM of startLink: it publishes 80
// and nothing else.
const linkCompose = `{"manifest_version":2,"name":"link","runner":"docker-compose","docker_compose_file":"services:\n  app:\n    image: x\n    ports: [\"80\"]\n"}`

// stream opens a tunnel stream to port 80 and returns it with the
// certificate the tunnel presented.
func (l *link) stream(t *testing.T) (*tunnel.Conn, []byte) {
	t.Helper()
	c, err := l.dial().Dial(context.Background(), l.reg.TunnelAddr(), 80, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, c.ConnectionState().PeerCertificates[0].Raw
}

func echoOnce(t *testing.T, c *tunnel.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q: %q, %v", msg, got, err)
	}
}

// renewalsWaiting waits until both certificates' renewals wait on the
// clock; it fails after two minutes.
func (l *link) renewalsWaiting(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := l.clock.BlockUntilContext(ctx, 2); err != nil {
		t.Fatalf("waiting for both renewals to wait on the clock: %v", err)
	}
}

// eventually retries f until it holds; it fails after two minutes.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRenewsCertificates: certificates valid an hour are renewed at 2/3
// of that, not before. After the renewal a new handshake gets a new tunnel
// certificate while a stream opened before goes on, past the expiry of
// the certificate it was opened with; the registration renewals present
// a new client certificate and go on past the first one's expiry. Close
// stops the renewals.
func TestRenewsCertificates(t *testing.T) {
	l := startLink(t, time.Hour, 0)
	old, first := l.stream(t)
	defer old.Close()
	echoOnce(t, old, "before")
	firstLeaf, err := x509.ParseCertificate(first)
	if err != nil {
		t.Fatal(err)
	}
	firstClient := l.gw.registrations()[0]
	issued := l.tee.quotes.Load()

	// A second before 2/3 of the lifetime nothing is renewed; at 2/3 both
	// certificates are.
	l.renewalsWaiting(t)
	l.clock.Advance(40*time.Minute - time.Second)
	l.renewalsWaiting(t)
	if q := l.tee.quotes.Load(); q != issued {
		t.Fatalf("%d certificates issued before 2/3 of the lifetime", q-issued)
	}
	l.clock.Advance(time.Second)
	eventually(t, "a new tunnel certificate", func() bool {
		c, cert := l.stream(t)
		defer c.Close()
		echoOnce(t, c, "new")
		return !bytes.Equal(cert, first)
	})
	echoOnce(t, old, "after the renewal")
	eventually(t, "a registration with a new client certificate", func() bool {
		regs := l.gw.registrations()
		return !bytes.Equal(regs[len(regs)-1], firstClient)
	})
	l.renewalsWaiting(t) // for the renewals of the new certificates

	// Past the first certificates' expiry: the old stream still relays,
	// new handshakes and registrations still succeed.
	l.clock.Advance(firstLeaf.NotAfter.Sub(l.clock.Now()) + time.Second)
	echoOnce(t, old, "after the expiry")
	c, cert := l.stream(t)
	echoOnce(t, c, "new")
	c.Close()
	if bytes.Equal(cert, first) {
		t.Fatal("the expired certificate was presented")
	}
	n := len(l.gw.registrations())
	eventually(t, "a registration after the first client certificate expired", func() bool { return len(l.gw.registrations()) > n })
	if len(l.logs.FilterMessage("renewed the CVM's RA-TLS certificate").All()) < 2 {
		t.Error("the renewals were not logged")
	}

	if err := l.reg.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.reg.done:
	default:
		t.Fatal("the renewals still run after Close")
	}
	quotes := l.tee.quotes.Load()
	l.clock.Advance(10 * time.Hour) // many renewal periods
	if q := l.tee.quotes.Load(); q != quotes {
		t.Fatalf("%d certificates issued after Close", q-quotes)
	}
}

// TestRenewalRetries: while the TEE fails to quote, the renewal is retried
// with a doubling wait and logged, and the tunnel keeps presenting the
// certificate it has; once the TEE quotes again the next try renews both
// certificates.
func TestRenewalRetries(t *testing.T) {
	l := startLink(t, time.Minute, 0.05) // renewal after 3 seconds, expiry after a minute
	booted := l.tee.quotes.Load()
	l.tee.fail.Store(true)
	_, first := l.stream(t)
	firstClient := l.gw.registrations()[0]
	// The renewal fails at 3 s, then after each wait: 1, 2, 4 Retry.
	l.renewalsWaiting(t)
	for _, d := range []time.Duration{3 * time.Second, l.reg.Retry, 2 * l.reg.Retry} {
		l.clock.Advance(d)
		l.renewalsWaiting(t)
	}
	if n := l.tee.failures.Load(); n != 6 {
		t.Fatalf("%d failed renewals, want three of each certificate", n)
	}
	c, cert := l.stream(t)
	echoOnce(t, c, "during the failures")
	c.Close()
	if !bytes.Equal(cert, first) {
		t.Fatal("the tunnel stopped presenting its certificate while no new one could be issued")
	}
	if regs := l.gw.registrations(); !bytes.Equal(regs[len(regs)-1], firstClient) {
		t.Fatal("a registration presented a certificate other than the one issued at boot")
	}
	for _, name := range []string{"tunnel server", "registration client"} {
		var waits []time.Duration
		for _, e := range l.logs.FilterMessageSnippet("failed").FilterField(zap.String("certificate", name)).All() {
			waits = append(waits, e.ContextMap()["retry_in"].(time.Duration))
		}
		if len(waits) != 3 || waits[0] != l.reg.Retry {
			t.Fatalf("%s: retries logged with waits %v, want 3 from %v", name, waits, l.reg.Retry)
		}
		for i := 1; i < len(waits); i++ {
			if waits[i] != 2*waits[i-1] {
				t.Fatalf("%s: waits %v do not double", name, waits)
			}
		}
	}

	// The next try, after 4 Retry, succeeds.
	l.tee.fail.Store(false)
	l.clock.Advance(4*l.reg.Retry - time.Nanosecond)
	l.renewalsWaiting(t)
	if n, q := l.tee.failures.Load(), l.tee.quotes.Load(); n != 6 || q != booted {
		t.Fatalf("a renewal was tried before its wait ended (%d failures, %d certificates)", n, q-booted)
	}
	l.clock.Advance(time.Nanosecond)
	eventually(t, "a new tunnel certificate", func() bool {
		c, cert := l.stream(t)
		defer c.Close()
		return !bytes.Equal(cert, first)
	})
	eventually(t, "a registration with a new client certificate", func() bool {
		regs := l.gw.registrations()
		return !bytes.Equal(regs[len(regs)-1], firstClient)
	})
}

// TestRegisterRefusesBadRenewal: a renewal fraction outside (0, 1) is
// refused before anything listens.
func TestRegisterRefusesBadRenewal(t *testing.T) {
	for _, f := range []float64{-0.5, 1, 2} {
		r := &Registrar{GatewayURLs: []string{"https://127.0.0.1:1"}, Gateway: tunnel.StaticGatewayAppID("00"), CertRenewAt: f}
		err := r.Register(context.Background(), &boot.CVM{})
		if err == nil || !strings.Contains(err.Error(), "CertRenewAt") {
			t.Errorf("CertRenewAt %v: %v", f, err)
		}
		if r.TunnelAddr() != "" {
			t.Error("a refused registration left a tunnel server")
		}
	}
}
