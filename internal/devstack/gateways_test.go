package devstack

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGatewaysOption: --gateways out of range is a usage error naming the
// range, before anything starts.
func TestGatewaysOption(t *testing.T) {
	for _, n := range []int{-1, maxGateways + 1} {
		o := Options{Gateways: n}
		if err := checkGateways(&o); err == nil || !IsUsage(err) || !strings.Contains(err.Error(), "between 1 and") {
			t.Errorf("--gateways %d: %v", n, err)
		}
	}
	o := Options{}
	if err := checkGateways(&o); err != nil || o.Gateways != 1 || o.GatewayNode != nil {
		t.Fatalf("default: %+v, %v", o, err)
	}
}

// TestNodeConfig: the first node's config has the sealed etcd storage and
// the cluster option, and another node's has the same with addresses of
// its own.
func TestNodeConfig(t *testing.T) {
	raw, err := gatewayConfig(t.TempDir(), "127.0.0.1:8443", "127.0.0.1:8010", "seed", "roots.pem", "collateral", &governance{rpc: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	c := &gatewayCluster{endpoint: "http://127.0.0.1:2379", key: strings.Repeat("ab", 32)}
	if _, err := c.nodeConfig(raw, "/tmp/node.log"); err == nil {
		t.Fatal("a node was made from a gateway config outside a cluster")
	}
	raw, err = gatewayConfig(t.TempDir(), "127.0.0.1:8443", "127.0.0.1:8010", "seed", "roots.pem", "collateral", &governance{rpc: "http://127.0.0.1:1"}, c.editFirst)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.nodeConfig(raw, "/tmp/node.log")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Storage struct {
			Module         string `json:"module"`
			InsecureKeyHex string `json:"insecure_key_hex"`
			Backend        struct {
				Module    string   `json:"module"`
				Endpoints []string `json:"endpoints"`
			} `json:"backend"`
		} `json:"storage"`
		Apps struct {
			Dstack map[string]any `json:"dstack"`
			HTTP   struct {
				Servers map[string]struct {
					Listen []string `json:"listen"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	st := cfg.Storage
	if st.Module != "dstack_sealed" || st.InsecureKeyHex != c.key || st.Backend.Module != "etcd" || st.Backend.Endpoints[0] != c.endpoint {
		t.Fatalf("storage %+v", st)
	}
	if _, ok := cfg.Apps.Dstack["cluster"]; !ok || cfg.Apps.Dstack["listen"] != "127.0.0.1:0" || cfg.Apps.Dstack["base_domain"] != baseDomain {
		t.Fatalf("dstack app %v", cfg.Apps.Dstack)
	}
	if l := cfg.Apps.HTTP.Servers["gateway"].Listen; len(l) != 1 || l[0] != "127.0.0.1:0" {
		t.Fatalf("listen %v", l)
	}
	if _, err := c.nodeConfig([]byte(`{"apps":{}}`), "y"); err == nil {
		t.Fatal("a config without the dstack app was taken")
	}
	// Under --acme's sealing, the etcd goes under the sealing it has.
	sealed := map[string]any{"storage": map[string]any{"module": "dstack_sealed", "socket": "/run/td.sock", "backend": map[string]any{"module": "file_system"}}}
	c.editFirst(sealed)
	under := sealed["storage"].(map[string]any)
	if under["socket"] != "/run/td.sock" || under["insecure_key_hex"] != nil || under["backend"].(map[string]any)["module"] != "etcd" {
		t.Fatalf("storage under sealing: %v", under)
	}
}
