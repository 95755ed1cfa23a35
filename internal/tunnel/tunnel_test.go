package tunnel_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/contracts/testchain"
	"github.com/dstack-go/dstack/internal/testnet"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

var (
	gatewayID = bytes.Repeat([]byte{0x6a}, 20)
	appID     = bytes.Repeat([]byte{0xa1}, 20)
)

func newPKI(t testing.TB, seed string) *mock.PKI {
	t.Helper()
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

func issue(t testing.TB, pki *mock.PKI, id mock.Identity, server bool) *tls.Certificate {
	t.Helper()
	td, err := pki.BootTD(id)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ratls.Issue(context.Background(), td.Attester(), ratls.CertOptions{
		Subject: "tunnel test", ServerAuth: server, ClientAuth: !server, AppID: id.AppID,
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// serveTCP serves handle on a loopback port, a goroutine per connection,
// and returns the port.
func serveTCP(t testing.TB, handle func(net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// echo listens on loopback and answers what it reads until EOF, prefixed.
func echo(t testing.TB) uint16 {
	t.Helper()
	return serveTCP(t, func(c net.Conn) {
		b, _ := io.ReadAll(c)
		c.Write(append([]byte("echo:"), b...))
	})
}

// relay maps each port to itself on loopback.
func relay(ports ...uint16) map[uint16]string {
	m := map[uint16]string{}
	for _, p := range ports {
		m[p] = "127.0.0.1:" + strconv.Itoa(int(p))
	}
	return m
}

type guest struct {
	addr string
	srv  *tunnel.Server
}

func startGuest(t testing.TB, pki *mock.PKI, gw tunnel.GatewayAppIDSource, ports map[uint16]string) *guest {
	t.Helper()
	srv := &tunnel.Server{
		Certificate: issue(t, pki, mock.Identity{AppID: appID, ComposeHash: bytes.Repeat([]byte{0xc0}, 32), InstanceID: bytes.Repeat([]byte{0x1d}, 20)}, true),
		Attestation: pki.VerifyOptions(), Gateway: gw, Ports: ports,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &guest{addr: ln.Addr().String(), srv: srv}
}

func dialer(t testing.TB, pki *mock.PKI, id []byte) *tunnel.Dialer {
	return &tunnel.Dialer{
		Certificate: issue(t, pki, mock.Identity{AppID: id, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{0x9}, 20)}, false),
		Verifier:    &ratls.Verifier{Attestation: pki.VerifyOptions()},
	}
}

func roundTrip(t testing.TB, d *tunnel.Dialer, addr string, port uint16, msg string) (string, error) {
	t.Helper()
	c, err := d.Dial(context.Background(), addr, port, nil)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	c.CloseWrite()
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestStream(t *testing.T) {
	pki := newPKI(t, "tunnel stream")
	port := echo(t)
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(strings.ToUpper("0x"+common.Bytes2Hex(gatewayID))), relay(port))
	d := dialer(t, pki, gatewayID)
	for i := 0; i < 3; i++ { // the second and third resume the session
		got, err := roundTrip(t, d, g.addr, port, "hello "+strconv.Itoa(i))
		if err != nil || got != "echo:hello "+strconv.Itoa(i) {
			t.Fatalf("stream %d: %q, %v", i, got, err)
		}
	}
	// The claims handed to the check are the guest's attested ones, also
	// on a resumed session.
	c, err := d.Dial(context.Background(), g.addr, port, func(cl *ratls.Claims) error {
		if !bytes.Equal(cl.Evidence.AppID, appID) {
			t.Errorf("claims app id %x", cl.Evidence.AppID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Status(); err != nil || !c.ConnectionState().DidResume {
		t.Fatalf("status %v, resumed %v", err, c.ConnectionState().DidResume)
	}
	c.Close()
	// The check refuses: nothing is sent.
	want := errors.New("not this app")
	if _, err := d.Dial(context.Background(), g.addr, port, func(*ratls.Claims) error { return want }); !errors.Is(err, want) {
		t.Fatalf("check refusal: %v", err)
	}
}

func TestPortMap(t *testing.T) {
	pki := newPKI(t, "tunnel ports")
	port := echo(t)
	deadAddr := testnet.RefusedAddr(t)
	g := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), map[uint16]string{
		80: "127.0.0.1:" + strconv.Itoa(int(port)), 81: deadAddr,
	})
	d := dialer(t, pki, gatewayID)
	if got, err := roundTrip(t, d, g.addr, 80, "x"); err != nil || got != "echo:x" {
		t.Fatalf("mapped port: %q %v", got, err)
	}
	if _, err := roundTrip(t, d, g.addr, 82, "x"); !errors.Is(err, tunnel.ErrPortRefused) {
		t.Fatalf("unmapped port: %v", err)
	}
	if _, err := roundTrip(t, d, g.addr, 81, "x"); !errors.Is(err, tunnel.ErrTargetDown) {
		t.Fatalf("dead target: %v", err)
	}
	// No map relays nothing, not even a port listening on loopback.
	none := startGuest(t, pki, tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), nil)
	if _, err := roundTrip(t, d, none.addr, port, "x"); !errors.Is(err, tunnel.ErrPortRefused) {
		t.Fatalf("no port map, loopback port: %v", err)
	}
}

// TestRefusesOtherGateway: the guest reads the gateway app id from the
// chain and refuses a peer whose attested app id is another, a peer whose
// evidence comes from another PKI, and every peer while the chain names no
// gateway.
func TestRefusesOtherGateway(t *testing.T) {
	pki := newPKI(t, "tunnel chain")
	c := testchain.New(t)
	// The test changes the chain and dials at once.
	r, err := chain.New(context.Background(), c.Client, chain.Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	port := echo(t)
	g := startGuest(t, pki, r, relay(port))
	good := dialer(t, pki, gatewayID)
	if _, err := roundTrip(t, good, g.addr, port, "x"); err == nil {
		t.Fatal("accepted a gateway while the chain names none")
	}
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetGatewayAppId(common.Bytes2Hex(gatewayID))); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, good, g.addr, port, "x"); err != nil || got != "echo:x" {
		t.Fatalf("gateway named on chain: %q %v", got, err)
	}
	// An app id that contains the gateway's as a substring, as upstream's
	// check would accept, and one that is simply another.
	long := append(append([]byte{}, gatewayID...), 0x01)
	for name, id := range map[string][]byte{"other": appID, "superstring": long} {
		if _, err := roundTrip(t, dialer(t, pki, id), g.addr, port, "x"); err == nil {
			t.Fatalf("%s app id accepted", name)
		}
	}
	// Evidence signed by another mock PKI: the gateway app id is right,
	// the quote is not trusted.
	forged := dialer(t, newPKI(t, "forger"), gatewayID)
	forged.Verifier = &ratls.Verifier{Attestation: pki.VerifyOptions()}
	if _, err := roundTrip(t, forged, g.addr, port, "x"); err == nil {
		t.Fatal("forged evidence accepted")
	}
}

func TestHeader(t *testing.T) {
	h := tunnel.AppendHeader(nil, 8080)
	if p, err := tunnel.ParseHeader(h); err != nil || p != 8080 {
		t.Fatalf("%v %v", p, err)
	}
	for i := range h {
		b := bytes.Clone(h)
		b[i] ^= 0xff
		if i >= 3 {
			continue // any other port is a valid header
		}
		if _, err := tunnel.ParseHeader(b); !errors.Is(err, tunnel.ErrBadHeader) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	if _, err := tunnel.ParseHeader(tunnel.AppendHeader(nil, 0)); !errors.Is(err, tunnel.ErrBadHeader) {
		t.Fatal("port 0 accepted")
	}
	if _, err := tunnel.ParseHeader(h[:4]); !errors.Is(err, tunnel.ErrBadHeader) {
		t.Fatal("short header accepted")
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(tunnel.AppendHeader(nil, 443))
	f.Add([]byte("DT"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := tunnel.ParseHeader(b)
		if err == nil && !bytes.Equal(tunnel.AppendHeader(nil, p), b) {
			t.Fatalf("accepted %x as port %d", b, p)
		}
	})
}

func FuzzParseAppID(f *testing.F) {
	f.Add("0x" + strings.Repeat("ab", 20))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tunnel.ParseAppID(s)
		if err == nil && len(id) != 20 {
			t.Fatalf("%q gave %d bytes", s, len(id))
		}
	})
}

type countingSource struct {
	n  int
	id string
}

func (c *countingSource) GatewayAppID(context.Context) (string, uint64, error) {
	c.n++
	return c.id, uint64(c.n), nil
}

func TestCachedGatewayAppID(t *testing.T) {
	src := &countingSource{}
	c := tunnel.CachedGatewayAppID(src, time.Hour)
	for i := 0; i < 2; i++ { // an empty answer is not remembered
		if id, _, _ := c.GatewayAppID(context.Background()); id != "" {
			t.Fatal(id)
		}
	}
	src.id = "ab"
	for i := 0; i < 3; i++ {
		if id, _, _ := c.GatewayAppID(context.Background()); id != "ab" {
			t.Fatal(id)
		}
	}
	if src.n != 3 {
		t.Fatalf("%d reads, want 3", src.n)
	}
	short := tunnel.CachedGatewayAppID(src, time.Nanosecond)
	short.GatewayAppID(context.Background())
	time.Sleep(time.Millisecond)
	src.id = "cd"
	if id, _, _ := short.GatewayAppID(context.Background()); id != "cd" {
		t.Fatalf("expired answer reused: %s", id)
	}
}

// TestServerRenewsCertificate: with GetCertificate, a new handshake gets
// the certificate GetCertificate answers now, while a stream opened with
// the one before keeps relaying.
func TestServerRenewsCertificate(t *testing.T) {
	pki := newPKI(t, "tunnel renewal")
	// echoes every byte back as it comes
	port := serveTCP(t, func(c net.Conn) { io.Copy(c, c) })
	id := mock.Identity{AppID: appID, ComposeHash: bytes.Repeat([]byte{0xc0}, 32), InstanceID: bytes.Repeat([]byte{0x1d}, 20)}
	var current atomic.Pointer[tls.Certificate]
	first := issue(t, pki, id, true)
	current.Store(first)
	srv := &tunnel.Server{GetCertificate: current.Load, Attestation: pki.VerifyOptions(), Gateway: tunnel.StaticGatewayAppID(common.Bytes2Hex(gatewayID)), Ports: relay(port)}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tl)
	t.Cleanup(func() { srv.Close() })
	presented := func(c *tunnel.Conn) []byte { return c.ConnectionState().PeerCertificates[0].Raw }
	echoOnce := func(c *tunnel.Conn, msg string) {
		t.Helper()
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
			t.Fatalf("echo of %q: %q, %v", msg, got, err)
		}
	}

	old, err := dialer(t, pki, gatewayID).Dial(context.Background(), tl.Addr().String(), port, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if !bytes.Equal(presented(old), first.Certificate[0]) {
		t.Fatal("the first stream did not get the first certificate")
	}
	echoOnce(old, "before")

	renewed := issue(t, pki, id, true)
	current.Store(renewed)
	// A fresh dialer has no session to resume: its handshake is a full one.
	c, err := dialer(t, pki, gatewayID).Dial(context.Background(), tl.Addr().String(), port, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(presented(c), renewed.Certificate[0]) {
		t.Fatal("a new handshake after the renewal got the old certificate")
	}
	echoOnce(c, "new")
	c.Close()
	echoOnce(old, "after")

	// Without a certificate the handshake is refused, not served with a
	// stale one.
	current.Store(nil)
	if _, err := dialer(t, pki, gatewayID).Dial(context.Background(), tl.Addr().String(), port, nil); err == nil {
		t.Fatal("a handshake succeeded without a certificate")
	}
	echoOnce(old, "still")
}

// TestGatewayPolicyParsesOnce: the policy follows the source's answer as
// it changes, and a handshake whose answer it has parsed before costs no
// allocation (no parse).
func TestGatewayPolicyParsesOnce(t *testing.T) {
	src := &countingSource{}
	policy := tunnel.GatewayPolicy(src)
	claims := func(id []byte) *ratls.Claims { return &ratls.Claims{Evidence: &attest.Verified{AppID: id}} }
	gw, other := claims(gatewayID), claims(appID)
	for _, step := range []struct {
		id        string
		gw, other error
	}{
		{"", tunnel.ErrNoGatewayAppID, tunnel.ErrNoGatewayAppID},
		{common.Bytes2Hex(gatewayID), nil, tunnel.ErrNotGateway},
		{"0x" + common.Bytes2Hex(appID), tunnel.ErrNotGateway, nil},
		{"not hex", tunnel.ErrNoGatewayAppID, tunnel.ErrNoGatewayAppID},
		{common.Bytes2Hex(gatewayID), nil, tunnel.ErrNotGateway},
	} {
		src.id = step.id
		for range 2 {
			if err := policy(gw); !errors.Is(err, step.gw) || (step.gw == nil) != (err == nil) {
				t.Fatalf("chain names %q, the gateway: %v, want %v", step.id, err, step.gw)
			}
			if err := policy(other); !errors.Is(err, step.other) || (step.other == nil) != (err == nil) {
				t.Fatalf("chain names %q, another app: %v, want %v", step.id, err, step.other)
			}
		}
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if err := policy(gw); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("a handshake with an unchanged gateway app id allocates %v times (parses it again)", allocs)
	}
}
