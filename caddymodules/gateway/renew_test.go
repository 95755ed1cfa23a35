package gateway

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestRenewedCertificatesRoute: the gateway knows a CVM by the app id and
// instance id its attestation proves, not by its certificates' bytes. A
// CVM that renews its tunnel certificate and its registration certificate
// (a fresh key, fresh evidence) keeps its registration and is routed to
// with the new tunnel certificate once the old one has expired; a CVM that
// does not renew is refused on both channels after the expiry. The
// gateway's clock is a fake one the test moves past the expiry.
func TestRenewedCertificatesRoute(t *testing.T) {
	clock := fakeClock(t)
	e := newEnv(t)
	composeA, composeB := e.compose(0xe1), e.compose(0xe2)
	renewing, stale := e.deployApp(composeA), e.deployApp(composeB)
	// No keep-alive: every request is a new tunnel handshake.
	g := e.load(e.dstackConfig(nil), proxyRoute(map[string]any{"disable_keepalives": true}))

	const validity = time.Minute
	type guest struct {
		c      *cvm
		client atomic.Pointer[tls.Certificate]
		reg    *tunnel.Registration
		req    tunnel.RegisterRequest
	}
	var expiry time.Time
	boot := func(app []byte, compose [32]byte) *guest {
		gu := &guest{c: e.bootCVM(app, compose, 1)}
		short := gu.c.certValid(gu.c.td, true, validity)
		gu.c.tunCert.Store(short)
		gu.client.Store(gu.c.certValid(gu.c.td, false, validity))
		expiry = short.Leaf.NotAfter
		gu.reg = &tunnel.Registration{
			GatewayURL: "https://" + g.app.RegistrationAddr(), GetCertificate: gu.client.Load,
			Attestation: e.pki.VerifyOptions(), Gateway: e.reader,
		}
		_, port, _ := net.SplitHostPort(gu.c.tunAddr)
		gu.req = tunnel.RegisterRequest{TunnelAddress: ":" + port, AppCompose: gu.c.appCompose}
		if _, err := gu.reg.Register(context.Background(), gu.req); err != nil {
			t.Fatal(err)
		}
		if code, body := get(t, nil, g, hostOf(app, ""), nil); code != http.StatusOK {
			t.Fatalf("before the renewal: %d %s", code, body)
		}
		return gu
	}
	a, b := boot(renewing, composeA), boot(stale, composeB)
	registeredAt := g.app.reg.ofApp(hexKey(renewing))[0].RegisteredAt

	// a renews both certificates and registers with the new client one.
	a.c.tunCert.Store(a.c.cert(a.c.td, true))
	a.client.Store(a.c.cert(a.c.td, false))
	if _, err := a.reg.Register(context.Background(), a.req); err != nil {
		t.Fatalf("registering with a renewed certificate: %v", err)
	}
	if insts := g.app.reg.ofApp(hexKey(renewing)); len(insts) != 1 || !insts[0].RegisteredAt.Equal(registeredAt) {
		t.Fatalf("the renewed registration is not the same instance: %+v", insts)
	}

	// Past the first certificates' expiry (the gateway resumes no session
	// of an expired certificate: the handshake is a full one).
	clock.Advance(expiry.Sub(clock.Now()) + time.Second)
	if code, body := get(t, nil, g, hostOf(renewing, ""), nil); code != http.StatusOK {
		t.Fatalf("after the renewal and the expiry: %d %s", code, body)
	}
	if _, err := a.reg.Register(context.Background(), a.req); err != nil {
		t.Fatalf("renewing the registration after the first certificate expired: %v", err)
	}
	if code, _ := get(t, nil, g, hostOf(stale, ""), nil); code < 500 {
		t.Fatalf("a tunnel with an expired certificate was routed to: %d", code)
	}
	if !g.logContains(ratls.ErrCertificateTime.Error()) {
		t.Fatal("the expired tunnel certificate was not the reason of the refusal")
	}
	if _, err := b.reg.Register(context.Background(), b.req); err == nil {
		t.Fatal("a registration with an expired certificate was accepted")
	}
}
