package ztacme

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddytls"
	"github.com/miekg/dns"

	_ "github.com/caddyserver/caddy/v2/modules/filestorage"
	_ "github.com/caddyserver/caddy/v2/modules/logging"
	_ "github.com/dstack-go/dstack/caddymodules/rfc2136"
	_ "github.com/dstack-go/dstack/caddymodules/sealed"
	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/dnstest"
)

const (
	keyA = "0101010101010101010101010101010101010101010101010101010101010101"
	keyB = "0202020202020202020202020202020202020202020202020202020202020202"
)

type env struct {
	dns    *dnstest.Server
	pebble *acmetest.Pebble
	dir    string
	log    string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	d, err := dnstest.Start("example.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return &env{dns: d, pebble: acmetest.Start(t, d.Addr), dir: t.TempDir(), log: filepath.Join(t.TempDir(), "caddy.log")}
}

// config is a Caddy config that manages *.gw.example.test with the
// dstack_acme issuer (or Caddy's plain acme issuer when plain), storing in
// e.dir sealed with key (or in clear when key is "").
func (e *env) config(t testing.TB, key string, plain bool) []byte {
	issuer := e.pebble.IssuerConfig(e.dns, e.pebble.RootsFile, "gw.example.test", "example.test", "ops@example.test")
	if plain {
		plainIssuer := map[string]any{"module": "acme"}
		for k, v := range issuer["acme"].(map[string]any) {
			plainIssuer[k] = v
		}
		issuer = plainIssuer
	}
	storage := map[string]any{"module": "file_system", "root": e.dir}
	if key != "" {
		storage = map[string]any{"module": "dstack_sealed", "insecure_key_hex": key, "backend": storage}
	}
	cfg := map[string]any{
		"admin": map[string]any{"disabled": true},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"level": logLevel()},
			"file": map[string]any{"level": "ERROR", "writer": map[string]any{"output": "file", "filename": e.log}}}},
		"storage": storage,
		"apps": map[string]any{"tls": map[string]any{
			"certificates": map[string]any{"automate": []string{"*.gw.example.test"}},
			"automation":   map[string]any{"policies": []any{map[string]any{"subjects": []string{"*.gw.example.test"}, "issuers": []any{issuer}}}},
		}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitCert waits for Caddy to hold a certificate for the wildcard and
// returns its leaf and the chain's other certificates.
func waitCert(t testing.TB, within time.Duration) (*x509.Certificate, *x509.CertPool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if ctx := caddy.ActiveContext(); ctx.Context != nil {
			if _, err := ctx.AppIfConfigured("tls"); err == nil {
				if certs := caddytls.AllMatchingCertificates("x.gw.example.test"); len(certs) > 0 {
					inter := x509.NewCertPool()
					for _, der := range certs[0].Certificate.Certificate[1:] {
						c, err := x509.ParseCertificate(der)
						if err != nil {
							t.Fatal(err)
						}
						inter.AddCert(c)
					}
					return certs[0].Leaf, inter
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no certificate for *.gw.example.test after %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func load(t testing.TB, cfg []byte) error {
	t.Helper()
	t.Cleanup(func() { caddy.Stop() })
	return caddy.Load(cfg, true)
}

func TestWildcardSealedPinnedAndReused(t *testing.T) {
	e := newEnv(t)
	if err := load(t, e.config(t, keyA, false)); err != nil {
		t.Fatal(err)
	}
	leaf, inter := waitCert(t, 60*time.Second)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: e.pebble.Roots(), Intermediates: inter, DNSName: "app.gw.example.test"}); err != nil {
		t.Fatalf("the certificate does not verify for app.gw.example.test: %v", err)
	}
	if e.pebble.Accounts() != 1 || e.pebble.Orders() != 1 || e.pebble.Finalized() != 1 || e.pebble.Refused() != 0 {
		t.Fatalf("accounts %d orders %d finalized %d refused %d, want 1 1 1 0",
			e.pebble.Accounts(), e.pebble.Orders(), e.pebble.Finalized(), e.pebble.Refused())
	}

	// CAA pins the account, issue and issuewild.
	caa := e.dns.Lookup("gw.example.test", dns.TypeCAA)
	if len(caa) != 2 {
		t.Fatalf("CAA records: %v", caa)
	}
	var uri string
	for _, rr := range caa {
		c := rr.(*dns.CAA)
		_, after, ok := strings.Cut(c.Value, "; accounturi=")
		if !ok || !strings.HasPrefix(c.Value, acmetest.Identity+";") || (uri != "" && after != uri) {
			t.Fatalf("CAA record %v does not pin one account", c)
		}
		uri = after
	}

	// Nothing on disk is in clear.
	assertSealedOnDisk(t, e.dir)

	// A restart reuses the sealed account and certificate: no new order.
	if err := caddy.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := load(t, e.config(t, keyA, false)); err != nil {
		t.Fatal(err)
	}
	again, _ := waitCert(t, 10*time.Second)
	if !bytes.Equal(again.Raw, leaf.Raw) {
		t.Fatal("the restarted gateway serves another certificate")
	}
	if e.pebble.Accounts() != 1 || e.pebble.Orders() != 1 {
		t.Fatalf("after a restart: accounts %d orders %d, want 1 1", e.pebble.Accounts(), e.pebble.Orders())
	}
	caddy.Stop()

	// Another sealing key cannot read them, says so, and orders nothing.
	if err := load(t, e.config(t, keyB, false)); err != nil {
		t.Fatal(err)
	}
	waitLog(t, e.log, "sealed under another key")
	if e.pebble.Accounts() != 1 || e.pebble.Orders() != 1 {
		t.Fatalf("with another key: accounts %d orders %d, want 1 1", e.pebble.Accounts(), e.pebble.Orders())
	}
	if certs := caddytls.AllMatchingCertificates("x.gw.example.test"); len(certs) != 0 {
		t.Fatal("Caddy with another sealing key holds a certificate")
	}
}

// waitLog waits for Caddy's error log to say want.
func waitLog(t *testing.T, file, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		if bytes.Contains(b, []byte(want)) {
			t.Logf("Caddy says: %s", bytes.TrimSpace(b))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Caddy's log does not say %q:\n%s", want, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertSealedOnDisk: every stored value under dir (lock files aside, which
// the wrapped storage writes itself) is an envelope holding no PEM.
func assertSealedOnDisk(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".lock") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte("DSTKSL")) || bytes.Contains(b, []byte("-----BEGIN")) {
			t.Errorf("%s is not sealed: %.40q", path, b)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d values on disk", n)
	}
}

// TestCAARefusesAnotherAccount: with the CAA records pinning another
// account, the harness refuses the order, as a CA checking CAA does.
func TestCAARefusesAnotherAccount(t *testing.T) {
	e := newEnv(t)
	for _, tag := range []string{"issue", "issuewild"} {
		e.dns.Add(&dns.CAA{Hdr: dns.RR_Header{Name: "gw.example.test.", Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 60},
			Tag: tag, Value: acmetest.Identity + "; accounturi=https://elsewhere.test/acct/1"})
	}
	// Plain Caddy ACME does not touch CAA: its order is refused.
	if err := load(t, e.config(t, "", true)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for e.pebble.Refused() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no refusal")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if e.pebble.Finalized() != 0 {
		t.Fatal("an order from an account CAA does not name was finalized")
	}
	caddy.Stop()

	// dstack_acme replaces the foreign pin with its own account's before
	// it orders, and is let through.
	if err := load(t, e.config(t, keyA, false)); err != nil {
		t.Fatal(err)
	}
	waitCert(t, 60*time.Second)
	if e.pebble.Finalized() != 1 {
		t.Fatalf("finalized %d, want 1", e.pebble.Finalized())
	}
	for _, rr := range e.dns.Lookup("gw.example.test", dns.TypeCAA) {
		if strings.Contains(rr.(*dns.CAA).Value, "elsewhere.test") {
			t.Fatalf("the foreign pin is still there: %v", rr)
		}
	}
}

func logLevel() string {
	if testing.Verbose() {
		return "DEBUG"
	}
	return "ERROR"
}
