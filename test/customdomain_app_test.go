package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/miekg/dns"
	"go.uber.org/zap"

	guestagent "github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/dnstest"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
)

// appCaddy is the Caddy config of an app's CVM serving its own domain:
// the certificate from Pebble with dstack_acme (DNS-01 and CAA over RFC
// 2136 in the domain's zone), stored in dstack_sealed with the key the
// app's guest agent derives, and dstack_acme_info quoting each key through
// that agent.
func appCaddy(t *testing.T, p *acmetest.Pebble, d *dnstest.Server, socket, dir, listen, domain, zone string) []byte {
	issuer := p.IssuerConfig(d, p.RootsFile, domain, zone, "ops@"+zone)
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true},
		"storage": map[string]any{"module": "dstack_sealed", "socket": socket, "backend": map[string]any{"module": "file_system", "root": dir}},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": filepath.Join(t.TempDir(), "caddy.log")}}}},
		"apps": map[string]any{
			"tls": map[string]any{
				"certificates": map[string]any{"automate": []string{domain}},
				"automation":   map[string]any{"policies": []any{map[string]any{"subjects": []string{domain}, "issuers": []any{issuer}}}},
			},
			"http": map[string]any{"servers": map[string]any{"app": map[string]any{
				"listen": []string{listen}, "protocols": []string{"h1", "h2"},
				"automatic_https":         map[string]any{"disable": true},
				"tls_connection_policies": []any{map[string]any{"match": map[string]any{"sni": []string{domain}}}},
				"routes": []any{map[string]any{"handle": []any{
					map[string]any{"handler": "dstack_acme_info", "agent_socket": socket, "domains": []string{domain}},
					map[string]any{"handler": "static_response", "body": "the app"},
				}}},
			}}},
		},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

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
// keys, so another key cannot read it; CAA pins the app's account.
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
	sockDir, err := os.MkdirTemp("", "app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	socket := filepath.Join(sockDir, "dstack.sock")
	srv, err := guestagent.New(cvm, zap.NewNop()).Serve(guestagent.Config{Socket: socket})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })

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
	if err := caddy.Load(appCaddy(t, p, d, socket, dir, listen, domain, zone), true); err != nil {
		t.Fatal(err)
	}

	// The app answers on its domain with a certificate of Pebble's root.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.Roots(), ServerName: domain},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, listen)
		},
	}}
	get := func(path string) (*http.Response, []byte, error) {
		res, err := client.Get("https://" + domain + path)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	var res *http.Response
	var body []byte
	deadline := time.Now().Add(90 * time.Second)
	for res, body, err = get("/"); err != nil; res, body, err = get("/") {
		if time.Now().After(deadline) {
			t.Fatalf("the app's domain over TLS trusting Pebble's root: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res.StatusCode != http.StatusOK || string(body) != "the app" {
		t.Fatalf("the app: %d %q", res.StatusCode, body)
	}
	leaf := res.TLS.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != domain {
		t.Fatalf("the certificate names %v, want %s", leaf.DNSNames, domain)
	}

	// The key in use and the account are in the app's acme-info, quoted by
	// the app's TD.
	res, body, err = get("/.dstack/acme-info")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("acme-info: %v %s", err, body)
	}
	info, err := acmeinfo.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	appID := g.AppID.Bytes()
	isApp := func(v *attest.Verified) error {
		if !bytes.Equal(v.AppID, appID) {
			return fmt.Errorf("app id %x, want the app's %x", v.AppID, appID)
		}
		return nil
	}
	r := acmeinfo.Verify(context.Background(), info, g.Attestation, isApp)
	if !r.Account.OK() || info.AccountURI == "" {
		t.Fatalf("the account %q: %v", info.AccountURI, r.Account.Err)
	}
	known := r.Known()
	if len(known) != 1 || !bytes.Equal(known[0], leaf.RawSubjectPublicKeyInfo) {
		t.Fatalf("acme-info attests %d keys, not the one in use (%+v)", len(known), r.Keys)
	}

	// CAA at the domain pins the app's account.
	caa := d.Lookup(domain, dns.TypeCAA)
	if len(caa) == 0 {
		t.Fatal("no CAA record at the app's domain")
	}
	for _, rr := range caa {
		if v := rr.(*dns.CAA).Value; !strings.HasSuffix(v, "; accounturi="+info.AccountURI) {
			t.Fatalf("CAA %q does not pin the app's account %s", v, info.AccountURI)
		}
	}

	// On disk, nothing is in clear.
	stored := 0
	if err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.HasSuffix(path, ".lock") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		stored++
		if bytes.Contains(b, []byte("-----BEGIN")) || bytes.Contains(b, []byte("PRIVATE KEY")) || bytes.Contains(b, []byte(info.AccountURI)) {
			t.Errorf("%s is stored in clear", path)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if stored < 4 {
		t.Fatalf("%d files stored, want the account, the certificate, its key and metadata, and the history", stored)
	}
	if c := p.Counts(); c.Accounts != 1 || c.Orders != 1 || c.Finalized != 1 || c.Refused != 0 {
		t.Fatalf("Pebble counted %+v", c)
	}
}
