package gateway

import (
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

func hostOf(id []byte, suffix string) string {
	return hex.EncodeToString(id) + suffix + "." + baseDomain
}

// TestRouting: a CVM registers over mutual RA-TLS and is reached by app id
// (default port 80), by instance id, by port, and with h2 ("g"); the
// verified claims reach the backend as headers, and a client's own copies
// never do.
func TestRouting(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc1)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(map[string]any{"claims_headers": true}))
	c := e.bootCVM(app, compose, 1)
	resp, err := c.register(g)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(resp.AppID) != hex.EncodeToString(app) || resp.BaseDomain != baseDomain || resp.ExpiresInSeconds != 600 {
		t.Fatalf("register response %+v", resp)
	}
	forged := http.Header{"X-Dstack-App-Id": {"forged"}, "X-Dstack-Compose-Hash": {"forged"}}
	wantApp := fmt.Sprintf("app=%x instance=%x", app, c.id.InstanceID)
	for _, tc := range []struct{ name, host, proto string }{
		{"app id, default port", hostOf(app, ""), "HTTP/1.1"},
		{"instance id", hostOf(c.id.InstanceID, ""), "HTTP/1.1"},
		{"port", hostOf(app, fmt.Sprintf("-%d", c.port)), "HTTP/1.1"},
		{"h2", hostOf(app, fmt.Sprintf("-%dg", c.port)), "HTTP/2.0"},
		{"upper case", strings.ToUpper(hostOf(app, "")), "HTTP/1.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, nil, g, tc.host, forged)
			if code != 200 || !strings.HasPrefix(body, wantApp+" proto="+tc.proto) {
				t.Fatalf("%d %q", code, body)
			}
			if strings.Contains(body, "forged") || !strings.Contains(body, fmt.Sprintf("X-Dstack-App-Id=%x", app)) ||
				!strings.Contains(body, fmt.Sprintf("X-Dstack-Compose-Hash=%x", compose)) || !strings.Contains(body, "X-Dstack-Tcb-Status=UpToDate") {
				t.Fatalf("claims headers: %q", body)
			}
		})
	}
	for _, host := range []string{hostOf(app, "-443s"), "other.example", hostOf([]byte{1, 2}, ""), hostOf(app, "-1-2")} {
		if code, body := get(t, nil, g, host, nil); code < 500 {
			t.Fatalf("%s: %d %q", host, code, body)
		}
	}
}

// TestClaimsHeadersAlwaysStripped: without claims_headers, a client's
// X-Dstack-* headers are removed all the same.
func TestClaimsHeadersAlwaysStripped(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc2)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	code, body := get(t, nil, g, hostOf(app, ""), http.Header{"X-Dstack-App-Id": {"forged"}, "X-Dstack-Block": {"1"}})
	if code != 200 || strings.Contains(body, "X-Dstack") {
		t.Fatalf("%d %q", code, body)
	}
}

// TestCaddyfileGateway runs a gateway configured by a Caddyfile, as an
// operator writes it: the dstack global option, the matcher, the dynamic
// upstreams with active health checks, and the transport.
func TestCaddyfileGateway(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc7)
	app := e.deployApp(compose)
	addr := heldAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	caddyfileText := fmt.Sprintf(`{
	admin off
	persist_config off
	storage file_system %s
	dstack {
		base_domain %s
		listen 127.0.0.1:0
		chain %s %d %s
		poll_interval 50ms
		insecure_simulated_tee_seed %q
		limits {
			max_in_flight 16
			idle_timeout 1m
		}
	}
}
http://*.%s:%s {
	bind %s/127.0.0.1
	@unknown dstack_app unknown
	respond @unknown "no such app" 404
	reverse_proxy {
		dynamic dstack {
			health_uri /health
			health_interval 100ms
			health_status 2xx
		}
		transport dstack {
			claims_headers
		}
		header_down X-Upstream-App {dstack.upstream.app_id}
	}
}
`, filepath.Join(e.dir, "storage"), baseDomain, e.rpcURL, e.chain.ChainID.Uint64(), e.chain.Kms.Hex(), seed, baseDomain, port, heldNetwork)
	cfg, warn, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfileText), nil)
	if err != nil {
		t.Fatal(err, warn)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { caddy.Stop() })
	a, _ := caddy.ActiveContext().App("dstack")
	g := &gateway{app: a.(*App), httpURL: "http://" + addr}
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	eventually(t, "the instance to pass its health check", g.healthIs(c, HealthHealthy))
	req, _ := http.NewRequest(http.MethodGet, g.httpURL, nil)
	req.Host = hostOf(app, "") + ":" + port
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf("X-Dstack-App-Id=%x", app)) || res.Header.Get("X-Upstream-App") != hex.EncodeToString(app) {
		t.Fatalf("%d %q %v", res.StatusCode, body, res.Header)
	}
	if code, body := get(t, nil, g, hostOf(make([]byte, 20), "")+":"+port, nil); code != 404 || body != "no such app" {
		t.Fatalf("unknown app: %d %q", code, body)
	}
}

// TestLoadBalancing: an app's instances share its requests under Caddy's
// selection policy, and with retries a request reaches a live instance
// when another's tunnel is down.
func TestLoadBalancing(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xcc)
	app := e.deployApp(compose)
	route := proxyRoute(map[string]any{"disable_keepalives": true})
	rp := route[0].(map[string]any)["handle"].([]any)[0].(map[string]any)
	rp["load_balancing"] = map[string]any{"selection_policy": map[string]any{"policy": "round_robin"}, "retries": 2}
	g := e.load(e.dstackConfig(nil), route)
	a, b := e.bootCVM(app, compose, 1), e.bootCVM(app, compose, 2)
	a.mustRegister(g)
	b.mustRegister(g)
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		code, body := get(t, nil, g, hostOf(app, ""), nil)
		if code != 200 {
			t.Fatalf("%d %q", code, body)
		}
		seen[strings.Fields(body)[1]]++
	}
	if len(seen) != 2 {
		t.Fatalf("requests reached %v, want both instances", seen)
	}
	b.tunnel.Close()
	b.tunLn.Close()
	for i := 0; i < 4; i++ {
		code, body := get(t, nil, g, hostOf(app, ""), nil)
		if code != 200 || !strings.Contains(body, fmt.Sprintf("instance=%x", a.id.InstanceID)) {
			t.Fatalf("with one instance down: %d %q", code, body)
		}
	}
}
