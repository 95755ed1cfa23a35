// Package caddyopt parses the Caddyfile options that more than one of the
// project's Caddy modules take. It only reads tokens: it must never start
// anything.
package caddyopt

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/dstack-go/dstack/internal/prpc"
)

// Limits reads a limits block, the dispenser being at its name, into l:
//
//	limits {
//		max_conns           <n>
//		max_in_flight       <n>
//		queue_timeout       <duration>
//		read_header_timeout <duration>
//		read_timeout        <duration>
//		write_timeout       <duration>
//		idle_timeout        <duration>
//		max_header_bytes    <n>
//	}
func Limits(d *caddyfile.Dispenser, l *prpc.Limits) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name, val := d.Val(), ""
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		if err := l.SetOption(name, val); err != nil {
			return d.Err(err.Error())
		}
	}
	return nil
}
