package kmsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/dstack-go/dstack/internal/caddyfiletest"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/prpc/prpctest"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// loadKMS runs Caddy with a development dstack_kms app within limits until
// the test ends.
func loadKMS(t *testing.T, limits prpc.Limits) *App {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{
		"admin": map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"apps": map[string]any{"dstack_kms": kms.Config{
			Listen: "127.0.0.1:0", StateDir: t.TempDir(), InsecureSimulatedTEE: "caddy test",
			Auth: kms.AuthConfig{InsecureAllowAll: true}, Limits: limits,
		}},
	})
	if err := caddy.Load(raw, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	app, err := caddy.ActiveContext().App("dstack_kms")
	if err != nil {
		t.Fatal(err)
	}
	return app.(*App)
}

// TestCaddyHostsKMS loads a real Caddy configuration with the dstack_kms
// app and calls the KMS it serves.
func TestCaddyHostsKMS(t *testing.T) {
	url := loadKMS(t, prpc.Limits{}).URL()
	pki, _ := mock.NewPKI([]byte("caddy test"))
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
	c := &prpc.Client{BaseURL: url + "/prpc", HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}}
	var meta kmsapi.GetMetaResponse
	if err := c.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.K256Pubkey) != 33 || !meta.IsDev {
		t.Fatalf("meta %+v", meta)
	}
}

// TestCaddyReloadKeepsKMSAddress reloads a configuration whose KMS listens
// at one address: the new app starts while the old one still holds it, so
// it must share Caddy's listener rather than open its own. The address is
// a listener the test opened and hands to Caddy by its file descriptor
// ("fd/N", which only Caddy's listeners understand), so no other process
// can take it meanwhile. The reloaded KMS keeps its root keys (the same
// state directory).
func TestCaddyReloadKeepsKMSAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listen, want := fmt.Sprintf("fd/%d", f.Fd()), "https://"+ln.Addr().String()
	state := t.TempDir()
	load := func(domain string) (kmsapi.GetMetaResponse, string) {
		t.Helper()
		raw, _ := json.Marshal(map[string]any{
			"admin": map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
			"apps": map[string]any{"dstack_kms": kms.Config{
				Listen: listen, Domain: domain, StateDir: state, InsecureSimulatedTEE: "caddy reload test",
				Auth: kms.AuthConfig{InsecureAllowAll: true},
			}},
		})
		if err := caddy.Load(raw, true); err != nil {
			t.Fatalf("loading the config (domain %s): %v", domain, err)
		}
		pki, _ := mock.NewPKI([]byte("caddy reload test"))
		v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
		a, err := caddy.ActiveContext().App("dstack_kms")
		if err != nil {
			t.Fatal(err)
		}
		url := a.(*App).URL()
		c := &prpc.Client{BaseURL: url + "/prpc", HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil), DisableKeepAlives: true}}}
		var meta kmsapi.GetMetaResponse
		if err := c.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta); err != nil {
			t.Fatalf("GetMeta after loading (domain %s): %v", domain, err)
		}
		return meta, url
	}
	defer caddy.Stop()
	first, firstURL := load("localhost")
	second, secondURL := load("kms.localhost")
	if firstURL != want || secondURL != want {
		t.Fatalf("the KMS serves at %s, then %s, not at the listener handed over (%s)", firstURL, secondURL, want)
	}
	if !bytes.Equal(first.K256Pubkey, second.K256Pubkey) {
		t.Fatalf("the reloaded KMS has other root keys: %x, then %x", first.K256Pubkey, second.K256Pubkey)
	}
}

// TestCaddyfileLimits: the limits block sets kms.Config.Limits, and refuses
// an unknown limit or a value of the wrong kind.
func TestCaddyfileLimits(t *testing.T) {
	v, err := parseGlobalOption(caddyfile.NewTestDispenser("dstack_kms {\nstate_dir /s\nlimits {\nmax_conns 10\nmax_in_flight 4\nidle_timeout 5s\n}\ndomain kms.example\n}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg kms.Config
	if err := json.Unmarshal(v.(httpcaddyfile.App).Value, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Limits != (prpc.Limits{MaxConns: 10, MaxInFlight: 4, IdleTimeout: prpc.Duration(5 * time.Second)}) || cfg.Domain != "kms.example" {
		t.Fatalf("%+v", cfg)
	}
	for _, bad := range []string{"limits {\nmax_conns ten\n}", "limits {\nidle 5s\n}", "limits {\nidle_timeout\n}", "limits x {\n}"} {
		if _, err := parseGlobalOption(caddyfile.NewTestDispenser("dstack_kms {\n"+bad+"\n}"), nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCaddyKMSLimits: the KMS in Caddy runs within its limits: a
// connection that sends nothing is closed after read_header_timeout.
func TestCaddyKMSLimits(t *testing.T) {
	app := loadKMS(t, prpc.Limits{ReadHeaderTimeout: prpc.Duration(200 * time.Millisecond)})
	c, err := net.Dial("tcp", strings.TrimPrefix(app.URL(), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := prpctest.HeldFor(c, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestCaddyfileGoldens adapts each testdata/caddyfile/*.caddyfile and
// compares the dstack_kms app's JSON with the .json beside it (an input
// whose golden starts with "error:" must fail to adapt with that text).
func TestCaddyfileGoldens(t *testing.T) {
	caddyfiletest.Goldens(t, func(out []byte) (json.RawMessage, error) {
		var cfg struct {
			Apps struct {
				KMS json.RawMessage `json:"dstack_kms"`
			} `json:"apps"`
		}
		err := json.Unmarshal(out, &cfg)
		return cfg.Apps.KMS, err
	})
}
