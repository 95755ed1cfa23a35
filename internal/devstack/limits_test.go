package devstack

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestDevGatewayTimeouts: the dev gateway's HTTP server has a header and
// an idle timeout, in fields Caddy knows.
func TestDevGatewayTimeouts(t *testing.T) {
	raw, err := gatewayConfig(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", "seed", "roots.pem", "collateral", &governance{rpc: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]json.RawMessage `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(cfg.Apps.HTTP.Servers["gateway"]))
	dec.DisallowUnknownFields()
	var srv caddyhttp.Server
	if err := dec.Decode(&srv); err != nil {
		t.Fatal(err)
	}
	if time.Duration(srv.ReadHeaderTimeout) != 10*time.Second || time.Duration(srv.IdleTimeout) != 2*time.Minute {
		t.Fatalf("read_header_timeout %v, idle_timeout %v", srv.ReadHeaderTimeout, srv.IdleTimeout)
	}
}
