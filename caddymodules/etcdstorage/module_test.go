package etcdstorage

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/dstack-go/dstack/internal/caddyfiletest"
)

func provision(t *testing.T, m *Module) error {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	err := m.Provision(ctx)
	if err == nil {
		t.Cleanup(func() { m.Cleanup() })
	}
	return err
}

func TestProvisionValidation(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, []byte("not a certificate"), 0o600)
	ok := &Module{Endpoints: []string{"127.0.0.1:1"}, InsecurePlaintext: true, Prefix: "/gw/"}
	if err := provision(t, ok); err != nil {
		t.Fatal(err)
	}
	s := ok.storage
	if s.Prefix != "/gw" || s.Timeout != DefaultTimeout || s.LockTTL != DefaultLockTTL {
		t.Fatalf("defaults: %+v", s)
	}
	for name, m := range map[string]*Module{
		"no endpoints":         {InsecurePlaintext: true},
		"no TLS, no insecure":  {Endpoints: []string{"127.0.0.1:2379"}},
		"insecure and TLS":     {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, CA: ca},
		"insecure https":       {Endpoints: []string{"https://127.0.0.1:2379"}, InsecurePlaintext: true},
		"TLS on http":          {Endpoints: []string{"http://127.0.0.1:2379"}, CA: ca},
		"cert without key":     {Endpoints: []string{"127.0.0.1:2379"}, CA: ca, Cert: ca},
		"bad CA file":          {Endpoints: []string{"127.0.0.1:2379"}, CA: ca},
		"missing CA file":      {Endpoints: []string{"127.0.0.1:2379"}, CA: ca + ".none"},
		"relative prefix":      {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, Prefix: "caddy"},
		"root prefix":          {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, Prefix: "/"},
		"fractional lock_ttl":  {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, LockTTL: caddy.Duration(1500 * time.Millisecond)},
		"sub-second lock_ttl":  {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, LockTTL: caddy.Duration(time.Millisecond)},
		"negative timeout":     {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, Timeout: caddy.Duration(-time.Second)},
		"negative dial_timout": {Endpoints: []string{"127.0.0.1:2379"}, InsecurePlaintext: true, DialTimeout: caddy.Duration(-time.Second)},
	} {
		if err := provision(t, m); err == nil {
			t.Errorf("%s: provisioned", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestCaddyfileGoldens adapts each testdata/caddyfile/*.caddyfile and
// compares the storage part of the JSON with the .json beside it (an input
// whose golden starts with "error:" must fail to adapt with that text).
func TestCaddyfileGoldens(t *testing.T) {
	caddyfiletest.Goldens(t, func(out []byte) (json.RawMessage, error) {
		var cfg struct {
			Storage json.RawMessage `json:"storage"`
		}
		err := json.Unmarshal(out, &cfg)
		return cfg.Storage, err
	})
}
