package verifier

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/verification"
	"github.com/dstack-go/dstack/tee/wire"
)

// runCaddy runs Caddy from a Caddyfile whose site block is given, serving
// plain HTTP on a random loopback port, and returns its base URL and the
// path of its log.
func runCaddy(t *testing.T, site string) (string, string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "caddy.log")
	cf := fmt.Sprintf("{\n\tadmin off\n\tpersist_config off\n\tlog {\n\t\toutput file %s\n\t}\n}\nhttp://127.0.0.1:0 {\n\tbind 127.0.0.1\n%s\n}\n", logPath, site)
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cf), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	app, err := caddy.ActiveContext().App("http")
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range app.(*caddyhttp.App).Servers {
		if ls := srv.Listeners(); len(ls) > 0 {
			return "http://" + ls[0].Addr().String(), logPath
		}
	}
	t.Fatal("Caddy serves no listener")
	return "", ""
}

func post(t *testing.T, url string, body []byte) (int, *verification.Response, string) {
	t.Helper()
	res, err := http.Post(url+"/verify", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out verification.Response
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d: not JSON: %q", res.StatusCode, raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	return res.StatusCode, &out, string(raw)
}

func reason(r *verification.Response) string {
	if r.Reason == nil {
		return ""
	}
	return *r.Reason
}

// TestCaddyVerifier runs the handler in a real Caddy, configured by a
// Caddyfile, and calls it as a relying party does: upstream's evidence in
// both request forms, bad requests, the health check, other methods and
// paths.
func TestCaddyVerifier(t *testing.T) {
	url, _ := runCaddy(t, "\tdstack_verify\n\trespond \"next handler\" 200")
	for _, name := range []string{"tdx-lite-getquote.json", "tdx-lite-attestation.json"} {
		code, res, raw := post(t, url, fixtures.Upstream(t, name))
		d := res.Details
		if code != 200 || !res.IsValid || res.Reason != nil || !d.QuoteVerified || !d.EventLogVerified || !d.OSImageHashVerified ||
			hex.EncodeToString(d.AppInfo.AppID) != "86b0e55f2fa8e4fb69d890f14f54d5612707646e" ||
			hex.EncodeToString(d.AppInfo.OSImageHash) != "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db" {
			t.Fatalf("%s: %d %s", name, code, raw)
		}
	}

	for name, c := range map[string]struct {
		body []byte
		code int
		want string
	}{
		"not JSON":    {[]byte("hello"), 400, "not a JSON object"},
		"no evidence": {[]byte(`{}`), 400, "give attestation"},
		"bad hex":     {[]byte(`{"attestation":"0x00"}`), 400, "no 0x"},
		"too large":   {[]byte(`{"x":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`), 413, "request body exceeds 1048576 bytes"},
	} {
		code, res, _ := post(t, url, c.body)
		if code != c.code || res.IsValid || !strings.Contains(reason(res), c.want) {
			t.Errorf("%s: %d %q, want %d with %q", name, code, reason(res), c.code, c.want)
		}
	}

	get := func(method, path string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, url+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	if code, body, _ := get("GET", "/health"); code != 200 || body != `{"service":"dstack-verifier","status":"ok"}` {
		t.Fatalf("health: %d %q", code, body)
	}
	if code, _, h := get("GET", "/verify"); code != 405 || h.Get("Allow") != "POST" {
		t.Fatalf("GET /verify: %d %v", code, h)
	}
	if code, _, _ := get("POST", "/health"); code != 405 {
		t.Fatalf("POST /health: %d", code)
	}
	if code, body, _ := get("GET", "/other"); code != 200 || body != "next handler" {
		t.Fatalf("other path: %d %q", code, body)
	}
}

// TestCaddyVerifierInsecure: a simulated TD's evidence verifies with the
// mock PKI's roots, and, its OS image not being bound, is valid only with
// insecure_allow_unverified_os_image, which its reason names; both options
// are warned about at start. Upstream's evidence, which chains to Intel's
// root, is then refused.
func TestCaddyVerifierInsecure(t *testing.T) {
	pki, err := mock.NewPKI([]byte("caddy verifier test"))
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pki.RootsPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	tee := pki.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})
	events := []eventlog.RuntimeEvent{{Name: "app-id", Payload: bytes.Repeat([]byte{0xaa}, 20)}, {Name: "system-ready"}}
	for _, e := range events {
		if err := tee.Extend(3, e.Digest()); err != nil {
			t.Fatal(err)
		}
	}
	a, err := (&attest.TDXAttester{
		Quote:         func(_ context.Context, rd [64]byte) ([]byte, error) { return tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
	}).Attest(context.Background(), [64]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := wire.Encode(a)
	mockBody, _ := json.Marshal(map[string]string{"attestation": hex.EncodeToString(raw)})

	url, _ := runCaddy(t, fmt.Sprintf("\tdstack_verify {\n\t\tinsecure_trust_roots %s\n\t}", roots))
	code, res, _ := post(t, url, mockBody)
	if code != 200 || res.IsValid || !res.Details.QuoteVerified || reason(res) != "OS image hash verification failed: the evidence carries no vm_config" {
		t.Fatalf("mock evidence: %d %+v %q", code, res.Details, reason(res))
	}

	url, logPath := runCaddy(t, fmt.Sprintf("\tdstack_verify {\n\t\tinsecure_trust_roots %s\n\t\tinsecure_allow_unverified_os_image\n\t\tmax_body_bytes 65536\n\t}", roots))
	code, res, raw2 := post(t, url, mockBody)
	if code != 200 || !res.IsValid || res.Details.OSImageHashVerified || hex.EncodeToString(res.Details.AppInfo.AppID) != strings.Repeat("aa", 20) ||
		!strings.Contains(reason(res), "insecure_allow_unverified_os_image") {
		t.Fatalf("mock evidence, waived: %d %s", code, raw2)
	}
	code, res, _ = post(t, url, fixtures.Upstream(t, "tdx-lite-getquote.json"))
	if code != 200 || res.IsValid || !strings.HasPrefix(reason(res), "Quote verification failed") {
		t.Fatalf("upstream evidence against mock roots: %d %q", code, reason(res))
	}
	code, res, _ = post(t, url, []byte(`{"x":"`+strings.Repeat("a", 65536)+`"}`))
	if code != 413 || !strings.Contains(reason(res), "exceeds 65536 bytes") {
		t.Fatalf("body over max_body_bytes: %d %q", code, reason(res))
	}
	log, _ := os.ReadFile(logPath)
	for _, want := range []string{"INSECURE: the vendors' roots of trust are replaced", "INSECURE: insecure_allow_unverified_os_image"} {
		if !strings.Contains(string(log), want) {
			t.Fatalf("no %q in the log:\n%s", want, log)
		}
	}
}

// TestMaxBodyBytesLimit: a cap above what the decoder reads is refused when
// Caddy loads the configuration.
func TestMaxBodyBytesLimit(t *testing.T) {
	cfg, _ := json.Marshal(map[string]any{
		"admin": map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"s": map[string]any{
			"listen": []string{"127.0.0.1:0"},
			"routes": []any{map[string]any{"handle": []any{map[string]any{"handler": "dstack_verify", "max_body_bytes": MaxBodyBytesLimit + 1}}}},
		}}}},
	})
	err := caddy.Load(cfg, true)
	if err == nil {
		_ = caddy.Stop()
	}
	if err == nil || !strings.Contains(err.Error(), "max_body_bytes") {
		t.Fatalf("error %v, want one about max_body_bytes", err)
	}
}
