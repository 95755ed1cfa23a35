package tunnel_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/identity"
)

func appCompose(t testing.TB, dockerCompose, policy string) *identity.AppCompose {
	t.Helper()
	doc := map[string]any{"manifest_version": 2, "name": "t", "runner": "docker-compose", "docker_compose_file": dockerCompose}
	if policy != "" {
		doc["port_policy"] = json.RawMessage(policy)
	}
	raw, _ := json.Marshal(doc)
	c, err := identity.ParseAppCompose(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestComposeRoutes: the routed ports are the published TCP ports of the
// compose file (short and long syntax, the published side, not on a
// loopback host_ip) and port_policy's; with restrict_mode only
// port_policy's. What cannot be routed is said.
func TestComposeRoutes(t *testing.T) {
	const services = `
x-common: &common
  image: example/app
services:
  web:
    <<: *common
    ports:
      - "80"
      - "8080:80"
      - 127.0.0.1:9000:9000
      - "[::1]:9001:9001"
      - 0.0.0.0:8443:443/tcp
      - "53:53/udp"
      - "${PORT}:80"
      - "7000-7001:7000-7001"
      - 6000
  db:
    image: example/db
    ports:
      - target: 5432
        published: "15432"
      - target: 6379
        host_ip: 127.0.0.1
      - target: 11211
        published: 11211
        protocol: udp
  internal:
    image: example/internal
`
	for _, tc := range []struct {
		name, compose, policy string
		ports, pp             []uint16
		unrouted              []string
	}{
		{"compose", services, "", []uint16{80, 6000, 7000, 7001, 8080, 8443, 15432}, nil,
			[]string{"bound to loopback", "named by a variable", "not TCP"}},
		{"policy adds", services, `{"ports":[{"port":22,"pp":true}]}`, []uint16{22, 80, 6000, 7000, 7001, 8080, 8443, 15432}, []uint16{22}, nil},
		{"restrict_mode", services, `{"restrict_mode":true,"ports":[{"port":8080},{"port":9000,"pp":true}]}`, []uint16{8080, 9000}, []uint16{9000}, nil},
		{"restrict_mode, none", services, `{"restrict_mode":true,"ports":[]}`, nil, nil, nil},
		{"nothing published", "services:\n  a:\n    image: x\n", "", nil, nil, nil},
		{"no compose file", "", "", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tunnel.ComposeRoutes(appCompose(t, tc.compose, tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Ports, tc.ports) || !slices.Equal(r.ProxyProtocol, tc.pp) {
				t.Fatalf("ports %v pp %v, want %v %v", r.Ports, r.ProxyProtocol, tc.ports, tc.pp)
			}
			for _, w := range tc.unrouted {
				if !strings.Contains(strings.Join(r.Unrouted, "\n"), w) {
					t.Errorf("unrouted %q lacks %q", r.Unrouted, w)
				}
			}
			for _, p := range []uint16{9001, 6379, 5432, 53, 11211, 1} {
				if r.Allows(p) && !slices.Contains(tc.ports, p) {
					t.Errorf("port %d allowed", p)
				}
			}
		})
	}
	for _, bad := range []string{"services: [", "services:\n  a:\n    ports:\n      - [1]\n", "services:\n  a:\n    ports:\n      - \"80:80:80:80\"\n", "services:\n  a:\n    ports:\n      - target: http\n"} {
		if _, err := tunnel.ComposeRoutes(appCompose(t, bad, "")); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := tunnel.ComposeRoutes(appCompose(t, "", `{"ports":[{"port":0}]}`)); err == nil {
		t.Error("port 0 accepted")
	}
}

// FuzzComposeRoutes: any compose text gives routes or an error, never a
// panic, and every routed port is a real port.
func FuzzComposeRoutes(f *testing.F) {
	f.Add("services:\n  a:\n    ports: [\"80\", \"127.0.0.1:81:81\", {target: 82, published: \"83\"}]\n")
	f.Add("services:\n  a:\n    ports:\n      - \"7000-7002:7000-7002/tcp\"\n")
	f.Fuzz(func(t *testing.T, compose string) {
		c := &identity.AppCompose{DockerComposeFile: compose}
		r, err := tunnel.ComposeRoutes(c)
		if err != nil {
			return
		}
		if slices.Contains(r.Ports, 0) || !slices.IsSorted(r.Ports) {
			t.Fatalf("ports %v", r.Ports)
		}
	})
}
