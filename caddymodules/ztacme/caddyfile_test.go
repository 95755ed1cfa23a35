package ztacme

import (
	"encoding/json"
	"testing"

	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/standard"

	"github.com/dstack-go/dstack/internal/caddyfiletest"
)

// TestCaddyfileGoldens adapts each testdata/caddyfile/*.caddyfile and
// compares the TLS automation and storage of the JSON with the .json beside
// it (errors as "error: …").
func TestCaddyfileGoldens(t *testing.T) {
	caddyfiletest.Goldens(t, func(out []byte) (json.RawMessage, error) {
		var cfg struct {
			Storage json.RawMessage `json:"storage"`
			Apps    struct {
				TLS struct {
					Automation json.RawMessage `json:"automation"`
				} `json:"tls"`
			} `json:"apps"`
		}
		if err := json.Unmarshal(out, &cfg); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]json.RawMessage{"storage": cfg.Storage, "automation": cfg.Apps.TLS.Automation})
	})
}
