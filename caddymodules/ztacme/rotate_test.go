package ztacme

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"

	"github.com/dstack-go/dstack/internal/acmetest"
)

// withAdmin turns Caddy's admin API on at a unix socket and sets the CAA
// check interval.
func withAdmin(t *testing.T, cfg []byte, interval time.Duration) ([]byte, *http.Client) {
	t.Helper()
	dir, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "admin.sock")
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err != nil {
		t.Fatal(err)
	}
	m["admin"] = map[string]any{"listen": "unix/" + sock}
	m["apps"].(map[string]any)["events"] = map[string]any{"subscriptions": []any{map[string]any{
		"events": []string{AccountRotatedEvent}, "handlers": []any{map[string]any{"handler": "ztacme_test_recorder"}},
	}}}
	pol := m["apps"].(map[string]any)["tls"].(map[string]any)["automation"].(map[string]any)["policies"].([]any)[0].(map[string]any)
	pol["issuers"].([]any)[0].(map[string]any)["check_interval"] = interval
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out, &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
}

func adminCall(t *testing.T, c *http.Client, method, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://admin"+path, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: HTTP %d %s", method, path, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// rotated records the rotation events the issuer emits.
var rotatedEvents = make(chan map[string]any, 4)

type eventRecorder struct{}

func (eventRecorder) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "events.handlers.ztacme_test_recorder", New: func() caddy.Module { return eventRecorder{} }}
}

func (eventRecorder) Handle(_ context.Context, e caddy.Event) error {
	rotatedEvents <- e.Data
	return nil
}

func init() { caddy.RegisterModule(eventRecorder{}) }

func TestRotateAndDrift(t *testing.T) {
	e := newEnv(t)
	cfg, admin := withAdmin(t, e.config(t, keyA, false), 50*time.Millisecond)
	if err := load(t, cfg); err != nil {
		t.Fatal(err)
	}
	waitCert(t, 60*time.Second)

	var list []accountView
	adminCall(t, admin, http.MethodGet, "/dstack/acme", &list)
	if len(list) != 1 || list[0].CAA != "ok" || list[0].AccountURI == "" {
		t.Fatalf("GET /dstack/acme: %+v", list)
	}
	old := list[0].AccountURI

	// Rotation: a new account, pinned, and the old one deactivated.
	var rotated []accountView
	adminCall(t, admin, http.MethodPost, "/dstack/acme/rotate", &rotated)
	if len(rotated) != 1 || rotated[0].Previous != old || rotated[0].AccountURI == old || rotated[0].AccountURI == "" {
		t.Fatalf("rotate: %+v (old %s)", rotated, old)
	}
	uri := rotated[0].AccountURI
	select {
	case ev := <-rotatedEvents:
		if ev["account_uri"] != uri || ev["previous_account_uri"] != old || ev["base_domain"] != "gw.example.test" {
			t.Fatalf("rotation event %v (old %s, new %s)", ev, old, uri)
		}
	default:
		t.Fatal("no rotation event")
	}
	if e.pebble.Accounts() != 2 {
		t.Fatalf("accounts %d, want 2", e.pebble.Accounts())
	}
	if s := e.pebble.AccountStatus(old); s != "deactivated" {
		t.Fatalf("old account status %q, want deactivated", s)
	}
	if err := e.pebble.CAAAllows("*.gw.example.test", uri); err != nil {
		t.Fatalf("CAA after rotation does not allow the new account: %v", err)
	}
	if err := e.pebble.CAAAllows("*.gw.example.test", old); err == nil {
		t.Fatal("CAA after rotation still allows the old account")
	}
	adminCall(t, admin, http.MethodGet, "/dstack/acme", &list)
	if list[0].AccountURI != uri || list[0].CAA != "ok" {
		t.Fatalf("after rotation: %+v", list)
	}

	// Drift: someone edits the CAA records; the periodic check says so.
	e.dns.Add(&dns.CAA{Hdr: dns.RR_Header{Name: "gw.example.test.", Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 60},
		Tag: "issue", Value: acmetest.Identity})
	waitLog(t, e.log, "CAA records do not pin the ACME account")
	iss := Issuers()[0]
	var m dto.Metric
	if err := iss.drift.WithLabelValues("gw.example.test").Write(&m); err != nil {
		t.Fatal(err)
	}
	if n := m.GetCounter().GetValue(); n < 1 {
		t.Fatalf("dstack_acme_caa_drift_total = %v", n)
	}
}
