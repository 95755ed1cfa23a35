package verifier

import (
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// FuzzCaddyfile: any tokens given to the dstack_verify directive give a
// handler or an error, never a panic, and a handler survives a JSON round
// trip unchanged.
func FuzzCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack_verify", "dstack_verify {\npccs https://pccs.example\nmax_body_bytes 1024\n}",
		"dstack_verify {\ncollateral /c\ninsecure_trust_roots /r.pem\ninsecure_allow_unverified_os_image\n}",
		"dstack_verify {\nmax_body_bytes -1\n}", "dstack_verify {\npccs\n}", "dstack_verify x", "dstack_verify {\n{\n}\n}", "{",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Caddy's tokenizer ends the process on some input (a bad heredoc)
		// when NewTestDispenser meets it; that input is not ours to parse.
		if _, ok := caddyfiletest.Dispenser(in); !ok {
			return
		}
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil {
			return
		}
		b, err := json.Marshal(&h)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var back Handler
		if err := json.Unmarshal(b, &back); err != nil || back.Attestation != h.Attestation || back.MaxBodyBytes != h.MaxBodyBytes ||
			back.InsecureAllowUnverifiedOSImage != h.InsecureAllowUnverifiedOSImage {
			t.Fatalf("%q: round trip %s: %+v %v", in, b, back, err)
		}
	})
}
