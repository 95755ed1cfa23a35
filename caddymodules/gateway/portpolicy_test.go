package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/tunnel"
)

// TestPortPolicy: an app's port_policy as upstream reads it. With
// restrict_mode only the listed ports are routed — the others are answered
// 403 (X-Dstack-Refused: port) and logged, and the layer4 path refuses to
// dial them; without it every port is routed and the list only marks PROXY
// protocol ports. A registration without a policy keeps the Ports field's
// meaning.
func TestPortPolicy(t *testing.T) {
	e := newEnv(t)
	compose := [32]byte{0xd2}
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	fetch := func(host string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, g.httpURL+"/", nil)
		req.Host = host
		res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("X-Dstack-Refused"), string(b)
	}
	other := hostOf(app, fmt.Sprintf("-%d", c.port))
	inst := func() *Instance {
		i, ok := g.app.reg.get(hexKey(c.id.InstanceID))
		if !ok {
			t.Fatal("not registered")
		}
		return i
	}

	c.policy = &tunnel.PortPolicy{RestrictMode: true, Ports: []tunnel.PortRule{{Port: 80}, {Port: 7001, PP: true}}}
	c.mustRegister(g)
	if code, _, body := fetch(hostOf(app, "")); code != 200 || !strings.HasPrefix(body, "app=") {
		t.Fatalf("listed port 80: %d %q", code, body)
	}
	code, why, body := fetch(other)
	if code != 403 || why != "port" || !strings.Contains(body, fmt.Sprintf("does not expose port %d", c.port)) {
		t.Fatalf("unlisted port: %d %q %q", code, why, body)
	}
	if !g.logContains("port not in the app's port policy") {
		t.Error("the refusal is not logged")
	}
	if i := inst(); !i.RestrictMode || !slices.Equal(i.ProxyProtocolPorts, []uint16{7001}) {
		t.Fatalf("instance %+v", i)
	}
	if _, err := g.app.dialInstance(context.Background(), inst(), c.port, nil, nil, false); err == nil || !strings.Contains(err.Error(), "does not expose port") {
		t.Fatalf("layer4 dial of an unlisted port: %v", err)
	}

	// restrict_mode with no ports: nothing is routed.
	c.policy = &tunnel.PortPolicy{RestrictMode: true}
	c.mustRegister(g)
	if code, why, _ := fetch(hostOf(app, "")); code != 403 || why != "port" {
		t.Fatalf("restrict_mode without ports: %d %q", code, why)
	}

	// Without restrict_mode every port is routed; pp still applies.
	c.policy = &tunnel.PortPolicy{Ports: []tunnel.PortRule{{Port: 80, PP: true}}}
	c.mustRegister(g)
	for _, h := range []string{hostOf(app, ""), other} {
		if code, _, body := fetch(h); code != 200 {
			t.Fatalf("%s without restrict_mode: %d %q", h, code, body)
		}
	}
	if i := inst(); i.RestrictMode || len(i.Ports) != 0 || !slices.Equal(i.ProxyProtocolPorts, []uint16{80}) {
		t.Fatalf("instance %+v", i)
	}

	// No policy: the Ports field restricts as before.
	c.policy, c.regPorts = nil, []uint16{c.port}
	c.mustRegister(g)
	if code, why, _ := fetch(hostOf(app, "")); code != 403 || why != "port" {
		t.Fatalf("legacy ports, unlisted 80: %d %q", code, why)
	}
	if code, _, _ := fetch(other); code != 200 {
		t.Fatalf("legacy ports, listed: %d", code)
	}
}

// TestPortPolicyPrefersOpenInstances: of an app's instances, a port goes
// to those whose policy routes it.
func TestPortPolicyPrefersOpenInstances(t *testing.T) {
	e := newEnv(t)
	compose := [32]byte{0xd4}
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	closed, open := e.bootCVM(app, compose, 1), e.bootCVM(app, compose, 2)
	closed.policy = &tunnel.PortPolicy{RestrictMode: true, Ports: []tunnel.PortRule{{Port: 80}}}
	closed.mustRegister(g)
	open.mustRegister(g)
	// open's backend port is routed by open only (closed's tunnel does not relay it).
	for i := 0; i < 4; i++ {
		code, body := get(t, nil, g, hostOf(app, fmt.Sprintf("-%d", open.port)), nil)
		if code != 200 || !strings.Contains(body, fmt.Sprintf("instance=%x", open.id.InstanceID)) {
			t.Fatalf("%d %q", code, body)
		}
	}
}
