package sealed

import (
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// FuzzCaddyfile: any tokens after `storage dstack_sealed` give a module or
// an error, never a panic, and a module survives a JSON round trip.
func FuzzCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack_sealed", "dstack_sealed {\nbackend file_system /data\nkey_path a\npurpose b\nsocket /s\n}",
		"dstack_sealed {\ninsecure_key_hex 00\n}", "dstack_sealed {\nbackend\n}", "dstack_sealed {\nbackend dstack_sealed\n}",
		"dstack_sealed x", "dstack_sealed {\n{\n}\n}", "{",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Caddy's tokenizer ends the process on some input (a bad heredoc)
		// when NewTestDispenser meets it; that input is not ours to parse.
		if _, ok := caddyfiletest.Dispenser(in); !ok {
			return
		}
		var m Module
		if err := m.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil {
			return
		}
		if _, err := json.Marshal(&m); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
	})
}
