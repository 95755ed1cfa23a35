package kmsapp

import (
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// FuzzCaddyfile: any tokens given to the `dstack_kms` global option give a
// config or an error, never a panic, and a config survives a JSON round
// trip.
func FuzzCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack_kms {\nlisten 127.0.0.1:8000\ndomain kms.example\nstate_dir /var/lib/dstack-kms\n" +
			"auth chain http://127.0.0.1:8545 1337 0x5FbDB2315678afecb367f032d93F642f64180aa3 2\npccs https://pccs.example\n" +
			"sealing_key_hex 0101010101010101010101010101010101010101010101010101010101010101\ninsecure_allow_snp_key_release\n}",
		"dstack_kms {\nauth webhook http://127.0.0.1:9000\n}", "dstack_kms {\nauth static\n}", "dstack_kms {\nauth\n}",
		"dstack_kms {\nsealing_key_hex zz\n}", "dstack_kms {\nonboard_from https://kms.example\ninsecure_simulated_tee_seed s\n}",
		"dstack_kms {\nlimits {\nmax_conns 10\nidle_timeout 5s\n}\n}", "dstack_kms {\nlimits {\nread_timeout\n}\n}",
		"dstack_kms x", "dstack_kms {\n{\n}\n}", "{",
		"dstack_kms {\nthreshold {\nname a\nthreshold 2\nnode a https://127.0.0.1:9101\nnode b https://127.0.0.1:9102\npeer_listen 127.0.0.1:9101\ndkg_timeout 10m\n}\n}",
		"dstack_kms {\nthreshold {\nnode a\n}\n}", "dstack_kms {\nthreshold {\nname a\nreshare {\nepoch 2\nthreshold 2\nnode a https://127.0.0.1:9101\nfrom_epoch 1\nroot_epoch 1\n}\n}\n}", "dstack_kms {\nthreshold x {\n}\n}", "dstack_kms {\nthreshold {\nthreshold -1\n}\nthreshold\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Caddy's tokenizer ends the process on some input (a bad heredoc)
		// when NewTestDispenser meets it; that input is not ours to parse.
		if _, ok := caddyfiletest.Dispenser(in); !ok {
			return
		}
		v, err := parseGlobalOption(caddyfile.NewTestDispenser(in), nil)
		if err != nil {
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
	})
}
