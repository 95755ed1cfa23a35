package kms

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

func TestServerRestartKeepsKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Listen: "127.0.0.1:0", StateDir: dir, InsecureSimulatedTEE: "server test", Auth: AuthConfig{InsecureAllowAll: true, GatewayAppID: "any"}}
	srv, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	pki, _ := mock.NewPKI([]byte("server test"))
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
	c := &prpc.Client{BaseURL: srv.URL + "/prpc", HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}}
	var meta kmsapi.GetMetaResponse
	if err := c.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta); err != nil {
		t.Fatal(err)
	}
	if !meta.IsDev || meta.BootstrapInfo == nil {
		t.Fatalf("meta %+v", meta)
	}
	if _, err := VerifyBootstrapInfo(context.Background(), meta.BootstrapInfo, v.Attestation); err != nil {
		t.Fatalf("bootstrap info: %v", err)
	}
	sealed, _ := os.ReadFile(filepath.Join(dir, sealedKeysFile))
	if len(sealed) == 0 {
		t.Fatal("no sealed keys")
	}
	// A second server on the same state directory has the same root.
	srv2, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !srv2.Service.Keys.CAKey.Equal(srv.Service.Keys.CAKey) || !srv2.Service.Keys.K256.Equal(srv.Service.Keys.K256) {
		t.Fatal("restart changed the root keys")
	}
	// A different seed means a different sealing key: refused.
	cfg.InsecureSimulatedTEE = "another seed"
	if _, err := NewServer(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "unseal") {
		t.Fatalf("foreign sealing key: %v", err)
	}
}

func TestServerConfigErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no state dir":   {Auth: AuthConfig{InsecureAllowAll: true}, InsecureSimulatedTEE: "x"},
		"no auth":        {StateDir: t.TempDir(), InsecureSimulatedTEE: "x"},
		"two auths":      {StateDir: t.TempDir(), InsecureSimulatedTEE: "x", Auth: AuthConfig{InsecureAllowAll: true, Webhook: "http://127.0.0.1:1"}},
		"no TEE":         {StateDir: t.TempDir(), Auth: AuthConfig{InsecureAllowAll: true}},
		"two collateral": {StateDir: t.TempDir(), InsecureSimulatedTEE: "x", Auth: AuthConfig{InsecureAllowAll: true}, Attestation: settings.Attestation{PCCSURL: "http://x", CollateralDir: "/"}},
	} {
		if _, err := NewServer(context.Background(), cfg, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
