package gateway

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/mholt/caddy-l4/layer4"
)

func init() {
	caddy.RegisterModule(new(Detach))
}

// Detach is layer4.handlers.dstack_detach: it copies the bytes the layer4
// listener wrapper prefetched (the ClientHello) out of caddy-l4's pooled
// buffer before the connection falls through to Caddy's HTTP server.
//
// caddy-l4 v0.1.2's listener wrapper returns that buffer to its pool as
// soon as it hands the connection over, while the HTTP server has not yet
// read it; a concurrent connection's prefetch then overwrites it and the
// handshake fails ("server did not echo the legacy session ID"). Put this
// handler in a last, catch-all route of the listener wrapper:
//
//	layer4 {
//		@passthrough dstack passthrough
//		route @passthrough {
//			dstack
//		}
//		route {
//			dstack_detach
//		}
//	}
type Detach struct{}

// CaddyModule returns the Caddy module information.
func (*Detach) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "layer4.handlers.dstack_detach", New: func() caddy.Module { return new(Detach) }}
}

// Handle implements layer4.NextHandler.
func (*Detach) Handle(cx *layer4.Connection, next layer4.Handler) error {
	raw := cx.Conn
	// A read deadline in the past makes reads of the underlying connection
	// fail at once, so reading cx yields exactly the buffered bytes.
	if err := raw.SetReadDeadline(time.Unix(1, 0)); err != nil {
		return err
	}
	var prefix []byte
	buf := make([]byte, 4096)
	for len(prefix) <= layer4.MaxMatchingBytes {
		n, err := cx.Read(buf)
		prefix = append(prefix, buf[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := raw.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	return next.Handle(cx.Wrap(&prefixedConn{Conn: raw, prefix: prefix}))
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	dstack_detach
func (*Detach) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next()
	if d.NextArg() || d.NextBlock(0) {
		return d.ArgErr()
	}
	return nil
}

// prefixedConn reads prefix before the connection.
type prefixedConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixedConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

var (
	_ layer4.NextHandler    = (*Detach)(nil)
	_ caddyfile.Unmarshaler = (*Detach)(nil)
)
