package kmsapp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	// Caddyfile.example also configures the gateway.
	_ "github.com/dstack-go/dstack/caddymodules/gateway"
)

// TestCaddyfileAdapt runs every testdata/*.caddyfiletest: a Caddyfile, a
// line of dashes, and the JSON it must adapt to — or a fragment of the
// error it must give.
func TestCaddyfileAdapt(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.caddyfiletest")
	if len(files) == 0 {
		t.Fatal("no Caddyfile tests")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, want, ok := strings.Cut(string(raw), "----------\n")
			if !ok {
				t.Fatal("no separator")
			}
			adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
			got, _, err := adapter.Adapt([]byte(in), nil)
			want = strings.TrimSpace(want)
			if !strings.HasPrefix(want, "{") {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want one containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Compare with keys in one order: through maps.
			canon := func(b []byte) string {
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				out, _ := json.Marshal(v)
				var buf bytes.Buffer
				json.Indent(&buf, out, "", "\t")
				return buf.String()
			}
			a, b := canon(got), canon([]byte(want))
			if a != b {
				t.Fatalf("adapted to\n%s\nwant\n%s", a, b)
			}
		})
	}
}

// TestCaddyfileExample adapts the repository's Caddyfile.example.
func TestCaddyfileExample(t *testing.T) {
	raw, err := os.ReadFile("../../Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, _, err := adapter.Adapt(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"dstack_kms"`) || !strings.Contains(string(out), `"insecure_simulated_tee_seed":"dstack-dev"`) {
		t.Fatalf("adapted to %s", out)
	}
}
