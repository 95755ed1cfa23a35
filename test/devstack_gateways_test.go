package test

import (
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dstack-go/dstack/internal/devstack"
)

// TestDevStackGateways: `dev up --gateways 3` lists three gateway nodes in
// state.json, and the app answers through each with the one instance that
// registered with the first; stopping the stack ends the nodes' processes.
func TestDevStackGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"), "--gateways", "3")
	if len(s.st.Gateways) != 3 || s.st.Gateways[0] != s.st.GatewayHTTPS || len(slices.Compact(slices.Sorted(slices.Values(s.st.Gateways)))) != 3 {
		t.Fatalf("state.json gateways %q, want three nodes, %s first", s.st.Gateways, s.st.GatewayHTTPS)
	}
	for _, u := range s.st.Gateways {
		node := *s
		node.st.GatewayHTTPS = u
		code, body := node.get(s.st.AppHost, "/")
		if code != http.StatusOK || field(body, "instance_id") != s.st.InstanceID {
			t.Fatalf("through the gateway node at %s: %d %q", u, code, body)
		}
	}
	config := filepath.Join(s.dir, "gateway", "caddy-2.json")
	if len(processesMentioning(devstack.GatewayNodeArg+"\x00"+config)) != 1 {
		t.Fatalf("no process runs the second node: %q", processesMentioning(devstack.GatewayNodeArg))
	}
	s.kill()
	if left := processesMentioning(devstack.GatewayNodeArg + "\x00" + filepath.Join(s.dir, "gateway")); len(left) > 0 {
		t.Fatalf("gateway nodes left after the stack stopped: %q", left)
	}
}
