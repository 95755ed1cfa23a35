package acmetest

import (
	"bytes"
	"context"
	"crypto/tls"
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

	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/internal/dnstest"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
)

// AppConfig is the Caddy config (JSON as a map) of an app's CVM serving
// its own domain on listen: the certificate from p with dstack_acme
// (DNS-01 and CAA over RFC 2136 in zone at d), stored in dir with
// dstack_sealed under the key the guest agent at socket derives, and
// dstack_acme_info quoting each certificate key through that agent before
// the app's answer, "the app". logFile receives Caddy's log. p is one
// Start started (its RootsFile is set).
func (p *Pebble) AppConfig(d *dnstest.Server, socket, dir, listen, domain, zone, logFile string) map[string]any {
	issuer := p.IssuerConfig(d, p.RootsFile, domain, zone, "ops@"+zone)
	return map[string]any{
		"admin":   map[string]any{"disabled": true},
		"storage": map[string]any{"module": "dstack_sealed", "socket": socket, "backend": map[string]any{"module": "file_system", "root": dir}},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": logFile}}}},
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
}

// CheckApp reaches domain over TLS at addr (the app's listener, or a
// gateway passing the connection through to it), trusting p's root only,
// and checks what an app serving its own domain with AppConfig must show:
// the app's answer with a certificate for domain; the app's acme-info
// attesting that certificate's key and the ACME account with evidence
// (verified with opts) of the app appID; CAA at domain pinning that
// account; and the storage under dir holding nothing in clear. It waits
// up to 90 seconds for the certificate.
func (p *Pebble) CheckApp(t testing.TB, d *dnstest.Server, addr, domain, dir string, opts attest.Options, appID []byte) {
	t.Helper()
	var err error
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.Roots(), ServerName: domain},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, addr)
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
			t.Fatalf("%s at %s, trusting Pebble's root: %v", domain, addr, err)
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

	// The app's acme-info attests the key in use with the app's TD.
	res, body, err = get("/.dstack/acme-info")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("acme-info: %v %s", err, body)
	}
	info, err := acmeinfo.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	r := acmeinfo.Verify(context.Background(), info, opts, func(v *attest.Verified) error {
		if !bytes.Equal(v.AppID, appID) {
			return fmt.Errorf("app id %x, want the app's %x", v.AppID, appID)
		}
		return nil
	})
	if !r.Account.OK() {
		t.Fatalf("the account %q: %v", info.AccountURI, r.Account.Err)
	}
	if k := r.Known(); len(k) != 1 || !bytes.Equal(k[0], leaf.RawSubjectPublicKeyInfo) {
		t.Fatalf("acme-info attests %d keys, not the one in use (%+v)", len(k), r.Keys)
	}

	// CAA pins the app's account; its storage holds nothing in clear.
	caa := d.Lookup(domain, dns.TypeCAA)
	if len(caa) == 0 {
		t.Fatal("no CAA record at the app's domain")
	}
	for _, rr := range caa {
		if v := rr.(*dns.CAA).Value; !strings.HasSuffix(v, "; accounturi="+info.AccountURI) {
			t.Fatalf("CAA %q does not pin the app's account %s", v, info.AccountURI)
		}
	}
	stored := 0
	if err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || strings.HasSuffix(path, ".lock") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		stored++
		if bytes.Contains(b, []byte("-----BEGIN")) || bytes.Contains(b, []byte(info.AccountURI)) {
			t.Errorf("%s is stored in clear", path)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if stored < 4 {
		t.Fatalf("%d files stored, want the account, the certificate, its key and metadata, and the history", stored)
	}
}
