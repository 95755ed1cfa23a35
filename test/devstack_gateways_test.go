package test

import (
	"bytes"
	"crypto/x509"
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

// TestDevStackGatewaysACME: `dev up --acme --gateways 3` orders one
// certificate for the three nodes: the app answers through each with a
// certificate that verifies with Pebble's root alone, all three serve the
// same one, and Pebble counted one account and one order.
func TestDevStackGatewaysACME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"), "--acme", "--gateways", "3")
	var a acmeState
	readJSON(t, filepath.Join(s.dir, "state.json"), &a)
	if a.ACMEManagement == "" || len(s.st.Gateways) != 3 {
		t.Fatalf("state.json lacks the ACME side or three gateway nodes: %+v, gateways %q", a, s.st.Gateways)
	}
	roots := a.roots(t)
	var first *x509.Certificate
	for _, u := range s.st.Gateways {
		node := *s
		node.st.GatewayHTTPS = u
		leaf, code, body, err := node.servedLeaf(roots)
		if err != nil {
			t.Fatalf("the app through the gateway node at %s, trusting Pebble's root: %v", u, err)
		}
		if code != http.StatusOK || field(body, "instance_id") != s.st.InstanceID {
			t.Fatalf("through the gateway node at %s: %d %q", u, code, body)
		}
		if first == nil {
			first = leaf
		} else if !bytes.Equal(leaf.Raw, first.Raw) {
			t.Fatalf("the gateway node at %s serves another certificate (serial %s) than the first (serial %s)", u, leaf.SerialNumber, first.SerialNumber)
		}
	}
	if c := a.counts(t); c.Accounts != 1 || c.Orders != 1 {
		t.Fatalf("Pebble counted %+v for three gateway nodes, want one account and one order", c)
	}
}
