package ztacme

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/standard"
)

var update = flag.Bool("update", false, "rewrite the Caddyfile goldens")

// TestCaddyfileGoldens adapts each testdata/caddyfile/*.caddyfile and
// compares the TLS automation and storage of the JSON with the .json beside
// it (errors as "error: …").
func TestCaddyfileGoldens(t *testing.T) {
	ins, _ := filepath.Glob("testdata/caddyfile/*.caddyfile")
	if len(ins) == 0 {
		t.Fatal("no goldens")
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": in})
			if err != nil {
				got = []byte("error: " + err.Error() + "\n")
			} else {
				var cfg struct {
					Storage json.RawMessage `json:"storage"`
					Apps    struct {
						TLS struct {
							Automation json.RawMessage `json:"automation"`
						} `json:"tls"`
					} `json:"apps"`
				}
				if err := json.Unmarshal(out, &cfg); err != nil {
					t.Fatal(err)
				}
				pick, _ := json.Marshal(map[string]json.RawMessage{"storage": cfg.Storage, "automation": cfg.Apps.TLS.Automation})
				var buf bytes.Buffer
				json.Indent(&buf, pick, "", "\t")
				got = append(buf.Bytes(), '\n')
			}
			golden := strings.TrimSuffix(in, ".caddyfile") + ".json"
			if *update {
				os.WriteFile(golden, got, 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
