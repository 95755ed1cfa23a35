package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/ztacme"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// storeCert writes a certificate for names on a fresh key where certmagic
// keeps an ACME issuer's certificates, with metadata naming account, and
// returns its storage key and the key's SubjectPublicKeyInfo.
func (e *env) storeCert(account string, names ...string) (string, []byte) {
	e.t.Helper()
	der, spki := testCert(e.t, names...)
	site := certmagic.StorageKeys.Safe(names[0])
	key := "certificates/acme.test-directory/" + site + "/" + site
	dir := filepath.Join(e.dir, "storage", filepath.FromSlash(filepath.Dir(key)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "storage", key+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		e.t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"sans": names, "issuer_data": map[string]any{"url": "https://acme.test/cert/1", "ca": "https://acme.test/directory", "account": account}})
	if err := os.WriteFile(filepath.Join(e.dir, "storage", key+".json"), meta, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return key, spki
}

// testCert is a self-signed certificate for names on a fresh key, and the
// key's SubjectPublicKeyInfo.
func testCert(t testing.TB, names ...string) (der, spki []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k); err != nil {
		t.Fatal(err)
	}
	spki, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
	return der, spki
}

// rootsFile and collateralDir write the mock PKI's roots and collateral.
func (e *env) rootsFile() string {
	p := filepath.Join(e.dir, "roots.pem")
	if err := os.WriteFile(p, e.pki.RootsPEM(), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) collateralDir() string {
	p := filepath.Join(e.dir, "collateral")
	if err := e.pki.WriteCollateralDir(p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// acmeInfo reads /.dstack/acme-info through the gateway and verifies it.
func (e *env) acmeInfo(t *testing.T, g *gateway) ([]byte, *acmeinfo.Info, *acmeinfo.Report) {
	t.Helper()
	code, ctype, body := do(t, g, "GET", "gateway."+baseDomain, "/.dstack/acme-info")
	if code != 200 || ctype != "application/json" {
		t.Fatalf("acme-info: %d %s %s", code, ctype, body)
	}
	info, err := acmeinfo.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	r := acmeinfo.Verify(context.Background(), info, e.pki.VerifyOptions(), func(v *attest.Verified) error {
		if !bytes.Equal(v.AppID, gatewayAppID) {
			return fmt.Errorf("app id %x", v.AppID)
		}
		return nil
	})
	return []byte(body), info, r
}

func keysOf(info *acmeinfo.Info) [][]byte {
	var out [][]byte
	for _, k := range info.QuotedHistKeys {
		out = append(out, k.PublicKey)
	}
	return out
}

// TestAcmeInfo: the keys of the certificates in storage at start and of
// those Caddy obtains later are attested by the gateway's TD, with the
// account; the history survives a restart and the loss of the
// certificates, and is served by /.dstack/acme-info and the AcmeInfo RPC
// alike.
func TestAcmeInfo(t *testing.T) {
	e := newEnv(t)
	routes := []any{map[string]any{"handle": []any{map[string]any{"handler": "dstack_node"}}}}
	// Nothing yet: upstream's empty record.
	g := e.load(e.dstackConfig(nil), routes)
	if raw, _, _ := e.acmeInfo(t, g); string(raw) != `{"account_uri":"","quoted_hist_keys":[],"account_quote":"","account_attestation":""}` {
		t.Fatalf("empty record: %s", raw)
	}

	const acct = "https://acme.test/acct/7"
	k1, spki1 := e.storeCert(acct, "*."+baseDomain)
	e.storeCert(acct, "other.example.org") // not the gateway's domain
	g = e.load(e.dstackConfig(nil), routes)
	_, info, r := e.acmeInfo(t, g)
	if info.AccountURI != acct || !r.Account.OK() {
		t.Fatalf("account %q: %v", info.AccountURI, r.Account.Err)
	}
	if k := r.Known(); len(k) != 1 || !bytes.Equal(k[0], spki1) || len(info.QuotedHistKeys) != 1 {
		t.Fatalf("keys %x (%+v)", keysOf(info), r.Keys)
	}

	// A certificate Caddy obtains: certmagic's event names its storage.
	k2, spki2 := e.storeCert(acct, "*."+baseDomain, baseDomain)
	_ = k2
	events, err := caddy.ActiveContext().App("events")
	if err != nil {
		t.Fatal(err)
	}
	events.(*caddyevents.App).Emit(caddy.ActiveContext(), "cert_obtained", map[string]any{
		"certificate_path": k2 + ".crt", "metadata_path": k2 + ".json", "identifier": "*." + baseDomain})
	raw, _, r := e.acmeInfo(t, g)
	if k := r.Known(); len(k) != 2 || !bytes.Equal(k[0], spki2) || !bytes.Equal(k[1], spki1) {
		t.Fatalf("keys, newest first: %x", k)
	}

	// The AcmeInfo RPC answers the same bytes.
	c := e.bootCVM(e.deployApp(e.compose(0xa1)), e.compose(0xa1), 1)
	v := &ratls.Verifier{Attestation: e.pki.VerifyOptions(), Policy: tunnel.GatewayPolicy(e.reader)}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(c.cert(c.td, false))}}
	res, err := client.Post("https://"+g.app.RegistrationAddr()+"/prpc/AcmeInfo?json", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	rpc, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(bytes.TrimSpace(rpc), raw) {
		t.Fatalf("AcmeInfo: %d\n%s\nacme-info:\n%s", res.StatusCode, rpc, raw)
	}

	// The certificates go; a restarted gateway still answers every key.
	if err := os.RemoveAll(filepath.Join(e.dir, "storage", "certificates")); err != nil {
		t.Fatal(err)
	}
	_ = k1
	g = e.load(e.dstackConfig(nil), routes)
	if _, info, r := e.acmeInfo(t, g); len(r.Known()) != 2 || len(info.QuotedHistKeys) != 2 {
		t.Fatalf("after restart: %x", keysOf(info))
	}
}

// TestKeyHistoryOnlyGrows: nodes sharing storage append concurrently
// without losing each other's keys, and a node puts back a key the stored
// history lost.
func TestKeyHistoryOnlyGrows(t *testing.T) {
	e := newEnv(t)
	td, err := e.pki.BootTD(mockIdentity())
	if err != nil {
		t.Fatal(err)
	}
	storage := &certmagic.FileStorage{Path: t.TempDir()}
	node := func() *keyHistory {
		return &keyHistory{storage: storage, attester: td.Attester(), log: zap.NewNop(), bases: []string{baseDomain}, now: time.Now}
	}
	a, b := node(), node()
	ctx := context.Background()
	var wg sync.WaitGroup
	var keys [][]byte
	for i := range 6 {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		keys = append(keys, spki)
		h := a
		if i%2 == 1 {
			h = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.addKey(ctx, spki, []string{baseDomain}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	info, err := node().info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.QuotedHistKeys) != len(keys) {
		t.Fatalf("%d keys stored, want %d", len(info.QuotedHistKeys), len(keys))
	}
	// The stored history loses its entries: a's next write puts back those
	// a recorded.
	if err := storage.Store(ctx, KeyHistoryKey, []byte("[]")); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err := a.addKey(ctx, spki, nil); err != nil {
		t.Fatal(err)
	}
	info, _ = node().info(ctx)
	for _, want := range [][]byte{keys[0], keys[2], keys[4], spki} { // a's keys
		found := false
		for _, q := range info.QuotedHistKeys {
			found = found || bytes.Equal(q.PublicKey, want)
		}
		if !found {
			t.Fatalf("key %x is missing after the write-back", want[len(want)-4:])
		}
	}
}

func mockIdentity() mock.Identity {
	return mock.Identity{AppID: gatewayAppID, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{3}, 20)}
}

// TestAccountRotationAttested: dstack_acme's rotation event makes acme-info
// attest the new account at once; a rotation for another domain changes
// nothing.
func TestAccountRotationAttested(t *testing.T) {
	e := newEnv(t)
	td, err := e.pki.BootTD(mockIdentity())
	if err != nil {
		t.Fatal(err)
	}
	h := &keyHistory{storage: &certmagic.FileStorage{Path: t.TempDir()}, attester: td.Attester(), log: zap.NewNop(), bases: []string{baseDomain}, now: time.Now}
	ctx := context.Background()
	if err := h.setAccount(ctx, "https://ca.test/acct/1"); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := caddy.NewContext(caddy.Context{Context: ctx})
	defer cancel()
	rotate := func(domain, uri string) {
		t.Helper()
		ev, err := caddy.NewEvent(cctx, ztacme.AccountRotatedEvent, map[string]any{"base_domain": domain, "account_uri": uri, "previous_account_uri": "https://ca.test/acct/1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := (accountRotated{h}).Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	rotate("other.test", "https://ca.test/acct/9")
	if info, err := h.info(ctx); err != nil || info.AccountURI != "https://ca.test/acct/1" {
		t.Fatalf("after another domain's rotation: %v", accountOf(info, err))
	}
	rotate(baseDomain, "https://ca.test/acct/2")
	info, err := h.info(ctx)
	if err != nil || info.AccountURI != "https://ca.test/acct/2" {
		t.Fatalf("after the rotation: %v", accountOf(info, err))
	}
	r := acmeinfo.Verify(ctx, info, e.pki.VerifyOptions(), func(*attest.Verified) error { return nil })
	if !r.Account.OK() {
		t.Fatalf("the rotated account's evidence: %v", r.Account.Err)
	}
}

func accountOf(info *acmeinfo.Info, err error) string {
	if err != nil {
		return err.Error()
	}
	return "account " + info.AccountURI
}
