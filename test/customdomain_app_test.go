package test

import (
	"encoding/json"
	"net"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/dnstest"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/guesttest/agenttest"
)

// freeLoopback is a loopback address no listener holds now.
func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCustomDomainAppCVM: an app's CVM runs Caddy with the project's
// modules for its own domain (a zone of its own on the DNS server Pebble
// asks, beside the gateway's): the certificate chains to Pebble's root;
// its key and the account are in the app's acme-info, quoted by the app's
// TD (the app's id, verified against the mock PKI); the storage on disk is
// sealed with the key the app's guest agent derives from the app's KMS
// keys; CAA pins the app's account; one account, one order.
func TestCustomDomainAppCVM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a KMS, Pebble and Caddy")
	}
	// The app's CVM, booted against a real KMS and chain; its guest agent
	// on a unix socket.
	g := guesttest.New(t, guesttest.ComposeHash())
	cvm, _, _, err := g.Boot(t, g.HostShared(t, guesttest.Compose, nil))
	if err != nil {
		t.Fatal(err)
	}
	socket := agenttest.ServeAgent(t, cvm)

	const domain, zone = "app.custom.example", "custom.example"
	d, err := dnstest.Start("dstack.localhost")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	d.AddZone(zone)
	p := acmetest.Start(t, d.Addr)

	dir := t.TempDir()
	listen := freeLoopback(t)
	t.Cleanup(func() { caddy.Stop() })
	cfg, _ := json.Marshal(p.AppConfig(d, socket, dir, listen, domain, zone, filepath.Join(t.TempDir(), "caddy.log")))
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatal(err)
	}

	p.CheckApp(t, d, listen, domain, dir, g.Attestation, g.AppID.Bytes())
	if c := p.Counts(); c.Accounts != 1 || c.Orders != 1 || c.Finalized != 1 || c.Refused != 0 {
		t.Fatalf("Pebble counted %+v", c)
	}
}
