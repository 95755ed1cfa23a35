package kmsapp

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestCaddyHostsKMS loads a real Caddy configuration with the dstack_kms
// app and calls the KMS it serves.
func TestCaddyHostsKMS(t *testing.T) {
	cfg := map[string]any{
		"admin": map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"apps": map[string]any{"dstack_kms": kms.Config{
			Listen: "127.0.0.1:0", StateDir: t.TempDir(), InsecureSimulatedTEE: "caddy test",
			Auth: kms.AuthConfig{InsecureAllowAll: true},
		}},
	}
	raw, _ := json.Marshal(cfg)
	if err := caddy.Load(raw, true); err != nil {
		t.Fatal(err)
	}
	defer caddy.Stop()
	app, err := caddy.ActiveContext().App("dstack_kms")
	if err != nil {
		t.Fatal(err)
	}
	url := app.(*App).URL()
	pki, _ := mock.NewPKI([]byte("caddy test"))
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
	c := &prpc.Client{BaseURL: url + "/prpc", HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}}
	var meta kms.GetMetaResponse
	if err := c.Call(context.Background(), "GetMeta", &kms.Empty{}, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.K256Pubkey) != 33 || !meta.IsDev {
		t.Fatalf("meta %+v", meta)
	}
}
