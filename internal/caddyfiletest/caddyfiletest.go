// Package caddyfiletest runs a module's Caddyfile goldens: each
// testdata/caddyfile/NAME.caddyfile is adapted and the part of the JSON the
// module owns is compared with NAME.json beside it, or, when the input must
// fail, its error ("error: …"). It is for tests only.
package caddyfiletest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

var update = flag.Bool("update", false, "rewrite the Caddyfile goldens")

// Goldens adapts every testdata/caddyfile/*.caddyfile of the calling
// package and compares pick of the adapted JSON, indented, with the golden.
// With -update it rewrites the goldens instead.
func Goldens(t *testing.T, pick func(adapted []byte) (json.RawMessage, error)) {
	t.Helper()
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
				part, err := pick(out)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := json.Indent(&buf, part, "", "\t"); err != nil {
					t.Fatal(err)
				}
				got = append(buf.Bytes(), '\n')
			}
			golden := strings.TrimSuffix(in, ".caddyfile") + ".json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
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

// Dispenser tokenizes in as a Caddyfile and returns a dispenser over its
// tokens, or false when Caddy's own tokenizer refuses the input (a bad
// heredoc, say). Fuzz targets use it instead of caddyfile.NewTestDispenser,
// which ends the process on such input.
func Dispenser(in string) (*caddyfile.Dispenser, bool) {
	tokens, err := caddyfile.Tokenize([]byte(in), "Caddyfile")
	if err != nil {
		return nil, false
	}
	return caddyfile.NewDispenser(tokens), true
}
