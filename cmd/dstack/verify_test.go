package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// runCLI runs verify on a file holding data and returns the verdict and
// exit code.
func runCLI(t *testing.T, data []byte, f verifyFlags) (verdict, int, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "evidence")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if f.at == "" {
		f.at = "2026-11-01T00:00:00Z"
	}
	var out, errOut bytes.Buffer
	err := runVerify(context.Background(), &out, &errOut, p, f)
	code := 0
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if err != nil {
		t.Fatal(err)
	}
	var v verdict
	if code != 2 {
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out.String())
		}
	}
	return v, code, errOut.String()
}

func TestVerifyUpstreamFixtures(t *testing.T) {
	v, code, _ := runCLI(t, fixtures.Upstream(t, "tdx-lite-getquote.json"), verifyFlags{})
	if code != 0 || !v.Valid || v.AppID != "86b0e55f2fa8e4fb69d890f14f54d5612707646e" || v.TCBStatus != "Unknown" || len(v.Errors) != 0 {
		t.Fatalf("getquote: code %d %+v", code, v)
	}
	if !strings.Contains(string(v.KeyProvider), `"kms"`) || v.RTMR3 == "" || v.OSImageHash == "" {
		t.Fatalf("getquote claims %+v", v)
	}
	if !v.OSImageHashVerified || v.OSImageReason != "" || v.OSImageMismatch != nil {
		t.Fatalf("getquote os image: %+v", v)
	}
	v, code, _ = runCLI(t, fixtures.Upstream(t, "tdx_quote"), verifyFlags{})
	if code != 0 || !v.Valid || v.MRTD == "" || v.AppID != "" {
		t.Fatalf("raw quote: code %d %+v", code, v)
	}
	// The same quote hex-encoded.
	v, code, _ = runCLI(t, []byte(hex.EncodeToString(fixtures.Upstream(t, "tdx_quote"))), verifyFlags{})
	if code != 0 || !v.Valid {
		t.Fatalf("hex quote: code %d %+v", code, v)
	}
	certs := append(fixtures.Upstream(t, "sev_snp_ask.pem"), fixtures.Upstream(t, "sev_snp_vcek.pem")...)
	cp := filepath.Join(t.TempDir(), "amd.pem")
	os.WriteFile(cp, certs, 0o600)
	v, code, _ = runCLI(t, fixtures.Upstream(t, "sev_snp_attestation.bin"), verifyFlags{amdCerts: cp, at: "2026-07-01T00:00:00Z"})
	if code != 0 || v.Platform != "dstack-amd-sev-snp" || v.HostData[:8] != "783f0057" || v.AppID != "86e59625be93207bc2351c4d1bba20037cec8e16" {
		t.Fatalf("snp: code %d %+v", code, v)
	}
	v, code, _ = runCLI(t, fixtures.Upstream(t, "sev_snp_attestation.bin"), verifyFlags{at: "2026-07-01T00:00:00Z"})
	if code != 1 || v.Valid || len(v.Errors) == 0 {
		t.Fatalf("snp without VCEK: code %d %+v", code, v)
	}
}

func TestVerifyInvalid(t *testing.T) {
	raw := fixtures.Upstream(t, "tdx-lite-getquote.json")
	var m map[string]string
	json.Unmarshal(raw, &m)
	m["event_log"] = strings.Replace(m["event_log"], "86b0e55f2fa8e4fb69d890f14f54d5612707646e", "86b0e55f2fa8e4fb69d890f14f54d5612707646f", 1)
	forged, _ := json.Marshal(m)
	v, code, _ := runCLI(t, forged, verifyFlags{})
	if code != 1 || v.Valid || v.AppID != "" || !strings.Contains(v.Errors[0], "RTMR3") {
		t.Fatalf("forged app id: code %d %+v", code, v)
	}
	// A runtime event whose digest is not the digest of its name and
	// payload is invalid evidence, not unusable input.
	json.Unmarshal(raw, &m)
	var log []map[string]any
	if err := json.Unmarshal([]byte(m["event_log"]), &log); err != nil {
		t.Fatal(err)
	}
	tampered := 0
	for _, e := range log {
		if e["imr"] == float64(3) && e["event"] == "app-id" {
			e["digest"] = strings.Repeat("00", 48)
			tampered++
		}
	}
	if tampered != 1 {
		t.Fatalf("the fixture has %d app-id events", tampered)
	}
	b, _ := json.Marshal(log)
	m["event_log"] = string(b)
	forged, _ = json.Marshal(m)
	v, code, _ = runCLI(t, forged, verifyFlags{})
	if code != 1 || v.Valid || len(v.Errors) != 1 || !strings.Contains(v.Errors[0], "digest does not match") {
		t.Fatalf("tampered runtime event digest: code %d %+v", code, v)
	}
	quote := fixtures.Upstream(t, "tdx_quote")
	quote[48+520] ^= 1
	if v, code, _ := runCLI(t, quote, verifyFlags{}); code != 1 || v.Valid {
		t.Fatalf("flipped quote: code %d %+v", code, v)
	}
	for name, bad := range map[string][]byte{
		"garbage":         []byte("hello"),
		"json without":    []byte(`{"foo":1}`),
		"bad hex quote":   []byte(`{"quote":"zz"}`),
		"bad attestation": []byte(`{"attestation":"00ff"}`),
	} {
		if _, code, _ := runCLI(t, bad, verifyFlags{}); code != 2 {
			t.Errorf("%s: code %d, want 2", name, code)
		}
	}
	if _, code, _ := runCLI(t, raw, verifyFlags{at: "yesterday"}); code != 2 {
		t.Error("bad --at accepted")
	}
	if _, code, _ := runCLI(t, raw, verifyFlags{pccs: "http://127.0.0.1:1", collateralDir: "/"}); code != 2 {
		t.Error("two collateral sources accepted")
	}
}

func TestVerifyMockEvidence(t *testing.T) {
	pki, err := mock.NewPKI([]byte("cli test"))
	if err != nil {
		t.Fatal(err)
	}
	tee := pki.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})
	events := []eventlog.RuntimeEvent{{Name: "app-id", Payload: bytes.Repeat([]byte{0xaa}, 20)}, {Name: "system-ready"}}
	for _, e := range events {
		tee.Extend(3, e.Digest())
	}
	a, err := (&attest.TDXAttester{
		Quote:         func(_ context.Context, rd [64]byte) ([]byte, error) { return tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
	}).Attest(context.Background(), [64]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := wire.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	os.WriteFile(roots, pki.RootsPEM(), 0o600)
	v, code, stderr := runCLI(t, raw, verifyFlags{insecureRoots: roots})
	if code != 0 || v.AppID != strings.Repeat("aa", 20) {
		t.Fatalf("mock evidence with mock roots: code %d %+v", code, v)
	}
	if !strings.Contains(stderr, "WARNING") {
		t.Fatal("no warning for insecure trust roots")
	}
	// As a verifier request, too.
	req, _ := json.Marshal(map[string]string{"attestation": hex.EncodeToString(raw)})
	if v, code, _ := runCLI(t, req, verifyFlags{insecureRoots: roots}); code != 0 || !v.Valid {
		t.Fatalf("verifier request: code %d %+v", code, v)
	}
	// Without the mock roots: invalid.
	if v, code, _ := runCLI(t, raw, verifyFlags{}); code != 1 || v.Valid {
		t.Fatalf("mock evidence with vendor roots: code %d %+v", code, v)
	}
}

// TestVerifyCert: `verify --cert` checks an RA-TLS certificate from a
// simulated TD, PEM or DER, and refuses one whose attestation binds another
// key.
func TestVerifyCert(t *testing.T) {
	pki, err := mock.NewPKI([]byte("cli cert test"))
	if err != nil {
		t.Fatal(err)
	}
	tee := pki.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})
	events := []eventlog.RuntimeEvent{{Name: "app-id", Payload: bytes.Repeat([]byte{0xbb}, 20)}, {Name: "system-ready"}}
	for _, e := range events {
		tee.Extend(3, e.Digest())
	}
	attester := &attest.TDXAttester{
		Quote:         func(_ context.Context, rd [64]byte) ([]byte, error) { return tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
	}
	cert, err := ratls.Issue(context.Background(), attester, ratls.CertOptions{Subject: "app", SubjectAltNames: []string{"app.example"}, ServerAuth: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	der := cert.Certificate[0]
	roots := filepath.Join(t.TempDir(), "roots.pem")
	os.WriteFile(roots, pki.RootsPEM(), 0o600)
	flags := verifyFlags{cert: true, insecureRoots: roots, at: time.Now().UTC().Format(time.RFC3339)}
	for form, data := range map[string][]byte{"DER": der, "PEM": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})} {
		v, code, _ := runCLI(t, data, flags)
		if code != 0 || !v.Valid || v.AppID != strings.Repeat("bb", 20) || v.Platform != "dstack-tdx" {
			t.Fatalf("%s: code %d %+v", form, code, v)
		}
	}
	// The same attestation in a certificate for another key.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	parsed, _ := x509.ParseCertificate(der)
	ext, err := ratls.ReadExtensions(parsed)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := ratls.CreateCertificate(ratls.CertOptions{Subject: "app", SubjectAltNames: []string{"app.example"}, ServerAuth: true, Attestation: ext.Attestation}, &key.PublicKey, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	if v, code, _ := runCLI(t, forged, flags); code != 1 || v.Valid || v.AppID != "" || len(v.Errors) != 1 || !strings.Contains(v.Errors[0], ratls.ErrKeyBinding.Error()) {
		t.Fatalf("another key: code %d %+v", code, v)
	}
	// Without the mock roots: invalid.
	if v, code, _ := runCLI(t, der, verifyFlags{cert: true, at: flags.at}); code != 1 || v.Valid {
		t.Fatalf("vendor roots: code %d %+v", code, v)
	}
	// Not a certificate: unusable input.
	if _, code, _ := runCLI(t, fixtures.Upstream(t, "tdx-lite-getquote.json"), flags); code != 2 {
		t.Fatalf("evidence given as a certificate: code %d", code)
	}
}
