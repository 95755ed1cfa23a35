package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// fetchPort asks the gateway for host and returns the status, the
// X-Dstack-Refused header and the body.
func fetchPort(t *testing.T, g *gateway, host string) (int, string, string) {
	t.Helper()
	return doHeader(t, g, http.MethodGet, host, "/", "X-Dstack-Refused")
}

// TestPortsDeniedByDefault: only the ports the attested app-compose
// publishes are routed. A port of a loopback-only service inside the CVM —
// one the CVM's tunnel would relay if asked — is answered 403
// (X-Dstack-Refused: port) with the reason, logged, and never dialed by
// the layer4 path either. With port_policy.restrict_mode only its listed
// ports are routed, none when it lists none; a port published on a
// loopback host_ip or named by an env variable is not routed.
func TestPortsDeniedByDefault(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd2)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	// A service inside the CVM on loopback only (the KMS or a chain node,
	// say): the test's tunnel relays 9000 to it, the app does not publish it.
	c.ports[9000] = c.ports[80]
	c.mustRegister(g)
	inst := func() *Instance {
		t.Helper()
		i, ok := g.app.reg.get(hexKey(c.id.InstanceID))
		if !ok {
			t.Fatal("not registered")
		}
		return i
	}
	for _, p := range []string{"", fmt.Sprintf("-%d", testPort)} {
		if code, _, body := fetchPort(t, g, hostOf(app, p)); code != 200 || !strings.HasPrefix(body, "app=") {
			t.Fatalf("published port %q: %d %q", p, code, body)
		}
	}
	code, why, body := fetchPort(t, g, hostOf(app, "-9000"))
	if code != 403 || why != "port" || !strings.Contains(body, "does not expose port 9000: its app-compose publishes only [80 443 7000 7001 7002 8080]") {
		t.Fatalf("unpublished port: %d %q %q", code, why, body)
	}
	if !g.logContains("port not published by the app") {
		t.Error("the refusal is not logged")
	}
	if i := inst(); !slices.Equal(i.ProxyProtocolPorts, []uint16{7001}) {
		t.Fatalf("instance %+v", i)
	}
	if _, err := g.app.dialInstance(context.Background(), inst(), 9000, nil, nil, false); err == nil || !strings.Contains(err.Error(), "does not expose port 9000") {
		t.Fatalf("layer4 dial of an unpublished port: %v", err)
	}

	for _, tc := range []struct {
		name    string
		ports   []string
		policy  string
		open    []uint16
		refused []uint16
	}{
		{"restrict_mode", []string{"80", fmt.Sprint(testPort)}, `{"restrict_mode":true,"ports":[{"port":80}]}`, []uint16{80}, []uint16{testPort, 9000}},
		{"restrict_mode without ports", []string{"80"}, `{"restrict_mode":true,"ports":[]}`, nil, []uint16{80, testPort}},
		{"policy adds a port", []string{"80"}, `{"ports":[{"port":9000}]}`, []uint16{80, 9000}, []uint16{testPort}},
		{"loopback and env ports", []string{"127.0.0.1:9000:9000", "${PORT}:80", "80/udp", fmt.Sprintf("0.0.0.0:%d:80", testPort)}, "", []uint16{testPort}, []uint16{80, 9000}},
		{"nothing published", nil, "", nil, []uint16{80, testPort, 9000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.composeOf(tc.name, tc.ports, tc.policy)
			e.allow(app, h)
			c := e.bootCVM(app, h, 2+len(tc.name))
			c.ports[9000] = c.ports[80]
			c.registerOnceAllowed(t, g)
			for _, p := range tc.open {
				if code, _, body := fetchPort(t, g, hostOf(c.id.InstanceID, fmt.Sprintf("-%d", p))); code != 200 {
					t.Errorf("port %d: %d %q", p, code, body)
				}
			}
			for _, p := range tc.refused {
				if code, why, body := fetchPort(t, g, hostOf(c.id.InstanceID, fmt.Sprintf("-%d", p))); code != 403 || why != "port" {
					t.Errorf("port %d: %d %q %q", p, code, why, body)
				}
			}
		})
	}
}

// TestRegistrationPortsAttested: the ports come from the app-compose whose
// SHA-256 is the attested compose hash. A registration without one, or
// with another document (one that would publish more), is refused and
// says why; the same CVM with its own document registers.
func TestRegistrationPortsAttested(t *testing.T) {
	e := newEnv(t)
	compose := e.composeOf("narrow", []string{"80"}, "")
	wide := e.composeOf("wide", []string{"80", "9000"}, "")
	app := e.deployApp(compose)
	e.allow(app, wide)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	for _, tc := range []struct{ doc, want string }{
		{"", "no app_compose"},
		{e.composes[wide], fmt.Sprintf("app_compose hashes to %x, not the attested compose hash %x", wide, compose)},
		{"{", fmt.Sprintf("not the attested compose hash %x", compose)},
	} {
		c.appCompose = tc.doc
		if _, err := c.register(g); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("app_compose %.20q: %v, want %q", tc.doc, err, tc.want)
		}
	}
	if n := len(g.app.Instances()); n != 0 {
		t.Fatalf("%d instances registered", n)
	}
	c.appCompose = e.composes[compose]
	c.mustRegister(g)
	if i := g.app.Instances(); len(i) != 1 || !slices.Equal(i[0].Ports, []uint16{80}) {
		t.Fatalf("registry %+v", i)
	}
}

// TestPortPolicyPrefersOpenInstances: of an app's instances, a port goes
// to those whose app-compose publishes it.
func TestPortPolicyPrefersOpenInstances(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd4)
	closedCompose := e.composeOf("closed", []string{"80"}, "")
	app := e.deployApp(compose)
	e.allow(app, closedCompose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	closed, open := e.bootCVM(app, closedCompose, 1), e.bootCVM(app, compose, 2)
	closed.mustRegister(g)
	open.mustRegister(g)
	// testPort is routed to open only (closed's tunnel would relay it).
	for i := 0; i < 4; i++ {
		code, body := get(t, nil, g, hostOf(app, fmt.Sprintf("-%d", testPort)), nil)
		if code != 200 || !strings.Contains(body, fmt.Sprintf("instance=%x", open.id.InstanceID)) {
			t.Fatalf("%d %q", code, body)
		}
	}
}
