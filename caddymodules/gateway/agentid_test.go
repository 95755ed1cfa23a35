package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestIdentityFromAgent: with agent_socket, the gateway's own evidence
// comes from the guest agent of the CVM it runs in: the agent of a TD of
// another app is refused at start (its evidence does not prove the
// gateway app id the chain names), and with the agent of the gateway app's
// TD the gateway's RA-TLS certificate carries that TD's evidence.
func TestIdentityFromAgent(t *testing.T) {
	e := newEnv(t)
	instance := bytes.Repeat([]byte{7}, 20)
	agentOf := func(app []byte) string {
		td, err := e.pki.BootTD(mock.Identity{AppID: app, ComposeHash: make([]byte, 32), InstanceID: instance})
		if err != nil {
			t.Fatal(err)
		}
		return appAgent(t, td, new(atomic.Bool))
	}
	t.Cleanup(func() { caddy.Stop() })
	load := func(socket string) error {
		raw, _ := json.Marshal(map[string]any{
			"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
			"storage": map[string]any{"module": "file_system", "root": filepath.Join(t.TempDir(), "storage")},
			"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"writer": map[string]any{"output": "discard"}}}},
			"apps":    map[string]any{"dstack": e.dstackConfig(map[string]any{"agent_socket": socket})},
		})
		return caddy.Load(raw, true)
	}
	if err := load(agentOf(bytes.Repeat([]byte{0x99}, 20))); err == nil || !strings.Contains(err.Error(), "does not prove the gateway app id") {
		t.Fatalf("the agent of another app's TD: %v", err)
	}
	if err := load(agentOf(gatewayAppID)); err != nil {
		t.Fatalf("the agent of the gateway app's TD: %v", err)
	}
	app, err := caddy.ActiveContext().App("dstack")
	if err != nil {
		t.Fatal(err)
	}
	claims, err := (&ratls.Verifier{Attestation: e.pki.VerifyOptions()}).VerifyChain(context.Background(), app.(*App).cert.Load().Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(claims.Evidence.InstanceID, instance) || !bytes.Equal(claims.Evidence.AppID, gatewayAppID) {
		t.Fatalf("the gateway's evidence is of instance %x of app %x, not of the agent's TD", claims.Evidence.InstanceID, claims.Evidence.AppID)
	}
}
