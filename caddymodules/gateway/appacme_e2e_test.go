package gateway

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/dnstest"
)

// TestCustomDomainPassthrough: an app with a custom domain (its
// _dstack-app-address TXT record in the domain's zone, on the DNS server
// the gateway resolves with and Pebble validates with) runs Caddy with the
// project's modules in its CVM (./cmd/caddy, its own process). A client
// reaching the domain through the gateway's layer4 passthrough gets the
// app's own certificate from Pebble, never terminated at the gateway; the
// app's acme-info, fetched the same way, attests that certificate's key
// and the account with the app's TD (the app's id); the app's storage is
// sealed with its agent's key; CAA pins the app's account.
func TestCustomDomainPassthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Caddy, runs Pebble")
	}
	const domain, zone = "app.custom.example", "custom.example"
	e := newEnv(t)
	compose := e.compose(0xd1)
	app := e.deployApp(compose)
	d, err := dnstest.Start(baseDomain)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	d.AddZone(zone)
	addr, err := dns.NewRR("_dstack-app-address." + domain + ". 60 IN TXT \"" + hex.EncodeToString(app) + ":443\"")
	if err != nil {
		t.Fatal(err)
	}
	d.Add(addr)
	p := acmetest.Start(t, d.Addr)

	// The app's CVM: its TD, its guest agent, and Caddy as its app.
	c := e.bootCVM(app, compose, 1)
	var lie atomic.Bool
	socket := appAgent(t, c.td, &lie)
	bin := filepath.Join(t.TempDir(), "caddy")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/caddy").CombinedOutput(); err != nil {
		t.Fatalf("building ./cmd/caddy: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	storage, logFile := t.TempDir(), filepath.Join(t.TempDir(), "app-caddy.log")
	cfg, _ := json.Marshal(p.AppConfig(d, socket, storage, listen, domain, zone, logFile))
	cfgFile := filepath.Join(t.TempDir(), "app.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", cfgFile)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(logFile)
			t.Logf("the app's Caddy:\n%s\n%s", stderr.String(), log)
		}
	})
	c.ports[443] = listen
	_, tport, _ := net.SplitHostPort(c.tunAddr)
	c.startTunnelAt(c.td, tport)

	// The gateway: passthrough for names outside its base domain, resolved
	// at the DNS server.
	l4addr := heldAddr(t)
	l4 := map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{heldNetwork + "/" + l4addr}, "routes": []any{
		map[string]any{
			"match":  []any{map[string]any{"dstack": map[string]any{"passthrough": true}}},
			"handle": []any{map[string]any{"handler": "dstack", "dns_servers": []string{d.Addr}}},
		},
	}}}}
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(nil), map[string]any{"layer4": l4})
	c.mustRegister(g)

	p.CheckApp(t, d, l4addr, domain, storage, e.pki.VerifyOptions(), app)
}
