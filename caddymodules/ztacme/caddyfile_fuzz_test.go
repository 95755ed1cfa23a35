package ztacme

import (
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// FuzzCaddyfile: any tokens given to `issuer dstack_acme` give an issuer or
// an error, never a panic, and an issuer survives a JSON round trip.
func FuzzCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack_acme {\nbase_domain gw.example.com\nzone example.com\ncaa_identity letsencrypt.org\ncheck_interval 1h\n" +
			"acme {\ndir https://ca/dir\nemail a@b\n}\n}",
		"dstack_acme {\nbase_domain x\nacme {\ndns\n}\n}", "dstack_acme {\ncheck_interval forever\n}",
		"dstack_acme x", "dstack_acme {\n{\n}\n}", "{",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Caddy's tokenizer ends the process on some input (a bad heredoc)
		// when NewTestDispenser meets it; that input is not ours to parse.
		if _, ok := caddyfiletest.Dispenser(in); !ok {
			return
		}
		var iss Issuer
		if err := iss.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil {
			return
		}
		b, err := json.Marshal(&iss)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var back Issuer
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
	})
}
