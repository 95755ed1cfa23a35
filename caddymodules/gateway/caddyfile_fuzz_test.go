package gateway

import (
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// FuzzCaddyfile: any tokens given to the `dstack` and `dstack_ct` global options or to the
// Caddyfile of any of the gateway's modules give a config or an error,
// never a panic, and a config they give survives a JSON round trip.
func FuzzCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack {\nbase_domain dstack.example.com\nchain http://127.0.0.1:8545 1337 0x5FbDB2315678afecb367f032d93F642f64180aa3\n}",
		"dstack {\nbase_domain x\nchain\n}", "dstack {\nlisten :8443\ntcb_status UpToDate\n}",
		"dstack {\nclaims_headers\nkeepalive off\nmultiplex\nmax_idle_conns_per_host 3\ndial_timeout 2s\n}",
		"dstack {\nkeepalive on\n}", "dstack {\nlimits {\nmax_conns 10\nread_timeout 5s\n}\n}", "dstack {\nlimits {\nmax_conns\n}\n}",
		"dstack {\nmax_idle_conns_per_host -1\n}",
		"dstack {\ndns_servers 127.0.0.1:53\ndns_timeout 2s\nmultiplex off\n}", "dstack {\nmultiplex\n}",
		"dstack passthrough", "dstack unknown", "dstack_app allowed revoked", "dstack_app x",
		"dstack_node {\nagent_socket /run/dstack.sock\n}", "dstack_node {\nagent_socket rel\n}", "dstack_node x",
		"dstack_h2", "dstack_detach", "{", "}", "dstack {\n{\n}\n}",
		"dstack_ct {\nbase_domain d.example\nlog https://ct.example/ AAAA\nfrom_storage\ngateway_app_id 6a\nbatch_size 3\n}",
		"dstack_ct {\nlog x\ninterval 0s\nfrom_start x\n}",
		"dstack_acme_info {\nagent_socket /var/run/dstack.sock\ndomains app.example.org www.app.example.org\n}",
		"dstack_acme_info {\ndomains\n}", "dstack_acme_info {\nagent_socket rel\n}", "dstack_acme_info x",
		"dstack {\ncluster {\nurl https://gw1.example:8010\nnode_id 3\npeer_ttl 5s\n}\n}", "dstack {\ncluster\n}", "dstack {\ncluster {\nnode_id 0\n}\n}",
		"dstack {\npassive_health off\n}", "dstack {\npassive_health {\ncool_down 1m\n}\n}", "dstack {\npassive_health off {\n}\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Caddy's tokenizer ends the process on some input (a bad heredoc)
		// when NewTestDispenser meets it; that input is not ours to parse.
		if _, ok := caddyfiletest.Dispenser(in); !ok {
			return
		}
		if v, err := parseGlobalOption(caddyfile.NewTestDispenser(in), nil); err == nil {
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("global option %q: %v", in, err)
			}
		}
		if v, err := parseCTOption(caddyfile.NewTestDispenser(in), nil); err == nil {
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("dstack_ct option %q: %v", in, err)
			}
		}
		for _, m := range []caddyfile.Unmarshaler{
			new(Transport), new(L4Handler), new(L4Matcher), new(AppMatcher), new(Node), new(H2Matcher), new(Detach), new(Upstreams), new(AppAcmeInfo),
		} {
			if err := m.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil {
				continue
			}
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("%T from %q: %v", m, in, err)
			}
			if err := json.Unmarshal(raw, m); err != nil {
				t.Fatalf("%T: %s: %v", m, raw, err)
			}
		}
	})
}
