package gateway

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"
)

func init() {
	caddy.RegisterModule(new(Upstreams))
}

// Upstreams is http.reverse_proxy.upstreams.dstack: the instances the
// request's host names, from the dstack registry. The host is read with
// upstream's grammar, <id>[-<port>[g]].<base_domain>: an instance id pins
// that instance, an app id gives the app's live instances (the ones the
// chain allows, or — when it allows none — the refused ones, which the
// dstack transport answers 403). Caddy's load balancing and passive health
// checks then work across them. Passthrough names ("s") are served by the
// layer4 route, not here.
//
//	reverse_proxy {
//		dynamic dstack
//		transport dstack
//	}
type Upstreams struct {
	app *App
}

// CaddyModule returns the Caddy module information.
func (*Upstreams) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.reverse_proxy.upstreams.dstack", New: func() caddy.Module { return new(Upstreams) }}
}

// Provision finds the dstack app.
func (u *Upstreams) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	u.app = app
	return err
}

// requestTarget parses the request's host under the base domain.
func requestTarget(r *http.Request, base string) (Target, error) {
	return ParseName(requestHost(r), base)
}

// requestHost is the request's host without its port.
func requestHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		return h
	}
	return r.Host
}

// GetUpstreams implements reverseproxy.UpstreamSource.
func (u *Upstreams) GetUpstreams(r *http.Request) ([]*reverseproxy.Upstream, error) {
	t, err := requestTarget(r, u.app.BaseDomain)
	if err != nil {
		return nil, err
	}
	if t.Passthrough {
		return nil, fmt.Errorf("%q is a passthrough name: route it with the layer4 dstack handler", r.Host)
	}
	insts, err := u.app.resolve(t)
	if err != nil {
		return nil, err
	}
	// Instances whose port policy routes the port, when some do (the others
	// are left for the transport to refuse with a clear answer).
	closed := func(i *Instance) bool { return !i.allowsPort(t.Port) }
	if slices.ContainsFunc(insts, closed) {
		if open := slices.DeleteFunc(slices.Clone(insts), closed); len(open) > 0 {
			insts = open
		}
	}
	app := t.ID
	if hexKey(insts[0].InstanceID) == t.ID {
		app = insts[0].appKey()
	}
	caddyhttp.SetVar(r.Context(), varApp, app)
	caddyhttp.SetVar(r.Context(), varH2, t.H2)
	out := make([]*reverseproxy.Upstream, len(insts))
	port := strconv.Itoa(int(t.Port))
	for i, inst := range insts {
		out[i] = &reverseproxy.Upstream{Dial: net.JoinHostPort(inst.key(), port)}
	}
	return out, nil
}

// UnmarshalCaddyfile sets up the module from Caddyfile tokens:
//
//	dynamic dstack
func (u *Upstreams) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack"
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("dynamic dstack takes no options (the base domain is the dstack app's)")
	}
	return nil
}

var (
	_ reverseproxy.UpstreamSource = (*Upstreams)(nil)
	_ caddy.Provisioner           = (*Upstreams)(nil)
	_ caddyfile.Unmarshaler       = (*Upstreams)(nil)
)
