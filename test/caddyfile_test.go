package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/dstack-go/dstack/caddymodules"
)

var update = flag.Bool("update", false, "rewrite the expected output of the Caddyfile golden files")

// TestCaddyfileAdapt runs every testdata/caddyfile/*.caddyfiletest (the
// gateway's, the KMS's and the verifier's directives): a
// Caddyfile, a line of ten dashes, and the JSON it must adapt to — or,
// when the expectation is not JSON, a fragment of the error it must give.
func TestCaddyfileAdapt(t *testing.T) {
	files, _ := filepath.Glob("testdata/caddyfile/*.caddyfiletest")
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
			got, err := adapt(in)
			want = strings.TrimSpace(want)
			if *update && strings.HasPrefix(want, "{") && err == nil {
				os.WriteFile(f, []byte(in+"----------\n"+got+"\n"), 0o644)
				return
			}
			if !strings.HasPrefix(want, "{") {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want one containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w := canonical(t, []byte(want)); got != w {
				t.Fatalf("adapted to\n%s\nwant\n%s", got, w)
			}
		})
	}
}

func adapt(in string) (string, error) {
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, _, err := adapter.Adapt([]byte(in), nil)
	if err != nil {
		return "", err
	}
	return canonical(nil, out), nil
}

// canonical re-indents JSON with its keys in one order.
func canonical(t *testing.T, b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		if t != nil {
			t.Fatalf("expected JSON: %v", err)
		}
		return string(b)
	}
	out, _ := json.Marshal(v)
	var buf bytes.Buffer
	json.Indent(&buf, out, "", "\t")
	return buf.String()
}

// TestCaddyfileExample adapts the repository's Caddyfile.example: the KMS
// and the whole gateway.
func TestCaddyfileExample(t *testing.T) {
	raw, err := os.ReadFile("../Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	out, err := adapt(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dstack_kms"`, `"insecure_simulated_tee_seed": "dstack-dev"`, `"dstack": {`, `"protocol": "dstack"`, `"source": "dstack"`, `"dstack_app"`, `"wrapper": "layer4"`, `"passthrough": true`, `"handler": "dstack_detach"`, `"dstack_h2": {}`, `"layer4": {`, `"handler": "dstack_node"`, `"listen": "unix/caddy-admin.sock|0600"`, `"filter": "dstack_redact"`, `"redact_headers": [`,
		`"read_header_timeout": 10000000000`, `"idle_timeout": 120000000000`, `"limits": {`, `"max_in_flight": 64`} {
		if !strings.Contains(out, want) {
			t.Fatalf("adapted Caddyfile.example lacks %s:\n%s", want, out)
		}
	}
}

// TestModulesRegistered: the build that imports caddymodules (cmd/caddy)
// has every gateway, KMS and verifier module, as `caddy list-modules` shows them.
func TestModulesRegistered(t *testing.T) {
	for _, id := range []string{
		"dstack", "dstack_kms", "admin.api.dstack", "http.matchers.dstack_app",
		"http.reverse_proxy.transport.dstack", "http.reverse_proxy.upstreams.dstack",
		"layer4.matchers.dstack", "layer4.handlers.dstack", "layer4.handlers.dstack_detach",
		"tls.handshake_match.dstack_h2", "http.handlers.dstack_node", "http.handlers.dstack_verify", "caddy.logging.encoders.filter.dstack_redact", "layer4", "caddy.listeners.layer4",
		"caddy.storage.dstack_sealed", "caddy.storage.etcd", "dns.providers.rfc2136", "dns.providers.cloudflare", "tls.issuance.dstack_acme", "admin.api.dstack_acme",
	} {
		if _, err := caddy.GetModule(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}
