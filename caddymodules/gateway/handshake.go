package gateway

import (
	"crypto/tls"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddytls"
)

func init() {
	caddy.RegisterModule(new(H2Matcher))
}

// H2Matcher is tls.handshake_match.dstack_h2: it matches ClientHellos
// whose SNI is a terminated name under the base domain with the "g"
// suffix, so that a connection policy can advertise ALPN h2 for them
// alone, as upstream does (other terminated names advertise nothing: the
// stream is raw TCP).
//
//	tls {
//		connection_policy {
//			match {
//				dstack_h2
//			}
//			alpn h2
//		}
//	}
type H2Matcher struct {
	app *App
}

// CaddyModule returns the Caddy module information.
func (*H2Matcher) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "tls.handshake_match.dstack_h2", New: func() caddy.Module { return new(H2Matcher) }}
}

// Provision finds the dstack app.
func (m *H2Matcher) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	m.app = app
	return err
}

// Match implements caddytls.ConnectionMatcher.
func (m *H2Matcher) Match(hello *tls.ClientHelloInfo) bool {
	t, err := ParseName(hello.ServerName, m.app.BaseDomain)
	return err == nil && t.H2
}

// UnmarshalCaddyfile sets up the matcher from Caddyfile tokens:
//
//	dstack_h2
func (*H2Matcher) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next()
	if d.NextArg() || d.NextBlock(0) {
		return d.ArgErr()
	}
	return nil
}

var (
	_ caddytls.ConnectionMatcher = (*H2Matcher)(nil)
	_ caddy.Provisioner          = (*H2Matcher)(nil)
	_ caddyfile.Unmarshaler      = (*H2Matcher)(nil)
)
