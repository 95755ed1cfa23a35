package ztacme

import (
	"fmt"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/internal/acmetest"
)

// BenchmarkFirstCertificate: from caddy.Load to the wildcard certificate in
// Caddy's cache, against one in-process Pebble and loopback DNS server, with
// a fresh storage (so a new account and a new order) each time: Caddy's
// plain acme issuer on the file system, against dstack_acme (its own
// account registration, CAA pinned by an RFC 2136 update after a zone
// transfer) on dstack_sealed storage.
func BenchmarkFirstCertificate(b *testing.B) {
	e := newEnv(b)
	for _, c := range []struct {
		name  string
		key   string
		plain bool
	}{{"plain_acme", "", true}, {"sealed_caa", keyA, false}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e.dir = b.TempDir()
				// CAA that lets any Pebble account issue, as before a
				// gateway first pins its account.
				var open []dns.RR
				for _, tag := range []string{"issue", "issuewild"} {
					open = append(open, &dns.CAA{Hdr: dns.RR_Header{Name: "gw.example.test.", Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 60},
						Tag: tag, Value: acmetest.Identity})
				}
				e.dns.Replace("gw.example.test", dns.TypeCAA, open...)
				cfg := e.config(b, c.key, c.plain)
				b.StartTimer()
				if err := caddy.Load(cfg, true); err != nil {
					b.Fatal(err)
				}
				waitCert(b, time.Minute)
				b.StopTimer()
				if err := caddy.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
	if e.pebble.Refused() != 0 {
		b.Fatal(fmt.Sprint("refused orders: ", e.pebble.Refused()))
	}
}
