package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/mholt/caddy-l4/layer4"
	"github.com/mholt/caddy-l4/modules/l4tls"
	"github.com/pires/go-proxyproto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/tunnel"
)

func init() {
	caddy.RegisterModule(new(L4Matcher))
	caddy.RegisterModule(new(L4Handler))
}

// sniReplKey is where caddy-l4's tls matcher leaves the ClientHello's SNI.
const sniReplKey = "l4.tls.server_name"

// Upstream's TXT record names for custom domains: _dstack-app-address.<sni>,
// else _dstack-app-address-wildcard.<parent>, whose value is
// "<app_id>:<port>" (https://github.com/Dstack-TEE/dstack/blob/master/gateway/src/proxy/tls_passthough.rs).
const (
	txtPrefix         = "_dstack-app-address."
	txtWildcardPrefix = "_dstack-app-address-wildcard."
)

// L4Matcher is layer4.matchers.dstack: it reads the TLS ClientHello and
// matches by what its SNI asks for. With passthrough, it matches names
// under the base domain with the "s" suffix and names outside the base
// domain (custom domains, resolved by TXT record); without, names under the
// base domain to be terminated.
//
//	@passthrough dstack passthrough
//	@terminate   dstack
type L4Matcher struct {
	// Passthrough selects the passthrough names; default false selects
	// the terminated ones.
	Passthrough bool `json:"passthrough,omitempty"`

	app *App
	tls *l4tls.MatchTLS
}

// CaddyModule returns the Caddy module information.
func (*L4Matcher) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "layer4.matchers.dstack", New: func() caddy.Module { return new(L4Matcher) }}
}

// Provision finds the dstack app and sets up the ClientHello reader.
func (m *L4Matcher) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	if err != nil {
		return err
	}
	m.app, m.tls = app, new(l4tls.MatchTLS)
	return m.tls.Provision(ctx)
}

// Match implements layer4.ConnMatcher.
func (m *L4Matcher) Match(cx *layer4.Connection) (bool, error) {
	ok, err := m.tls.Match(cx)
	if !ok || err != nil {
		return false, err
	}
	sni, _ := cx.Replacer().GetString(sniReplKey)
	if sni == "" {
		return false, nil
	}
	t, err := ParseName(sni, m.app.BaseDomain)
	if errors.Is(err, ErrNotOurDomain) {
		return m.Passthrough, nil
	}
	if err != nil {
		return false, nil
	}
	return t.Passthrough == m.Passthrough, nil
}

// UnmarshalCaddyfile sets up the matcher from Caddyfile tokens:
//
//	dstack [passthrough]
func (m *L4Matcher) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // matcher name
	if d.NextArg() {
		if d.Val() != "passthrough" {
			return d.Errf("dstack matcher: unknown argument %q (passthrough or nothing)", d.Val())
		}
		m.Passthrough = true
	}
	if d.NextArg() || d.NextBlock(0) {
		return d.ArgErr()
	}
	return nil
}

// L4Handler is layer4.handlers.dstack: it relays a connection to a CVM
// port through the attested tunnel.
//
// After caddy-l4's tls handler (terminated: TLS ends at the gateway with
// the base domain's wildcard certificate), the bytes of the decrypted
// stream go to the port the SNI names, unchanged: any TCP protocol.
// Without a terminated TLS (passthrough: "s" names and custom domains),
// the ClientHello and everything after it go to the CVM untouched, so the
// TLS session is the client's with the CVM and the gateway cannot read it.
// A custom domain's app is read from the TXT record
// _dstack-app-address.<name> ("<app_id>:<port>"), falling back to
// _dstack-app-address-wildcard.<parent>. A port the CVM registered in
// proxy_protocol_ports gets a PROXY protocol v2 header with the client's
// address first.
//
// Each connection is a stream on a multiplexed tunnel connection to the
// CVM (internal/tunnel, ALPN dstack-tunnel/2), so a new client connection
// costs the gateway and the CVM no handshake between them; the CVM's
// claims are still judged, at the current block, for every stream.
// "multiplex off" gives each client connection a tunnel connection of its
// own instead, which costs a (resumed) handshake per connection but saves
// the multiplexer's framing on long-lived connections with many small
// writes.
//
//	dstack {
//		dns_servers <host:port...>
//		dns_timeout <duration>
//		tcb_status <status...>
//		dial_timeout <duration>
//		multiplex off
//	}
type L4Handler struct {
	// DNSServers resolve custom domains' TXT records. Default: the
	// system's resolver.
	DNSServers []string `json:"dns_servers,omitempty"`
	// DNSTimeout bounds a TXT lookup. Default 5s.
	DNSTimeout caddy.Duration `json:"dns_timeout,omitempty"`
	// TCBStatus lists the accepted TCB statuses. Default: the dstack app's.
	TCBStatus []string `json:"tcb_status,omitempty"`
	// DialTimeout bounds connecting and the tunnel handshake. Default 10s.
	DialTimeout caddy.Duration `json:"dial_timeout,omitempty"`
	// DisableMultiplex gives each connection a tunnel connection of its
	// own rather than a stream of a multiplexed one. Default false.
	DisableMultiplex bool `json:"disable_multiplex,omitempty"`

	app      *App
	log      *zap.Logger
	resolver *net.Resolver
}

// CaddyModule returns the Caddy module information.
func (*L4Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "layer4.handlers.dstack", New: func() caddy.Module { return new(L4Handler) }}
}

// Provision finds the dstack app and sets up the resolver.
func (h *L4Handler) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	if err != nil {
		return err
	}
	h.app, h.log = app, ctx.Logger()
	warnTCB(h.log, "layer4.handlers.dstack", h.TCBStatus)
	if h.DNSTimeout <= 0 {
		h.DNSTimeout = caddy.Duration(5 * time.Second)
	}
	if h.DialTimeout <= 0 {
		h.DialTimeout = caddy.Duration(10 * time.Second)
	}
	h.resolver = net.DefaultResolver
	if len(h.DNSServers) > 0 {
		servers := h.DNSServers
		h.resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			var err error
			for _, s := range servers {
				var c net.Conn
				if c, err = d.DialContext(ctx, network, s); err == nil {
					return c, nil
				}
			}
			return nil, err
		}}
	}
	return nil
}

// Handle implements layer4.NextHandler; it ends the chain.
func (h *L4Handler) Handle(cx *layer4.Connection, _ layer4.Handler) error {
	target, terminated, err := h.target(cx)
	if err != nil {
		h.log.Info("refused connection", zap.String("remote", cx.RemoteAddr().String()), zap.Error(err))
		return err
	}
	insts, err := h.app.resolve(target)
	if err != nil {
		h.log.Info("refused connection", zap.String("id", target.ID), zap.Error(err))
		return err
	}
	// Instances passive health marked down are not dialed; an instance
	// whose dial fails for its sake is marked down and the next one is
	// tried.
	var up net.Conn
	var upInst *Instance
	var last error
	var down []*Instance
	for _, inst := range insts {
		if !inst.Allowed {
			last = fmt.Errorf("%w: app %x at block %d: %s", ErrRevoked, inst.AppID, inst.Block, inst.Reason)
			continue
		}
		if h.app.passive.isDown(inst) {
			down = append(down, inst)
			continue
		}
		conn, err := h.app.dialRouted(cx.Context, time.Duration(h.DialTimeout), inst, target.Port, nil, h.TCBStatus, !h.DisableMultiplex)
		if err != nil {
			last = err
			if de := (*downError)(nil); errors.As(err, &de) {
				down = append(down, inst)
			}
			h.log.Warn("refused upstream", zap.String("instance_id", hexKey(inst.InstanceID)), zap.String("app_id", hexKey(inst.AppID)),
				zap.Uint16("port", target.Port), zap.Bool("terminated", terminated), zap.Error(err))
			continue
		}
		up, upInst = conn, inst
		break
	}
	if up == nil {
		if len(down) > 0 && cx.Context.Err() == nil {
			last = fmt.Errorf("no live instance of %s (port %d): %s", target.ID, target.Port, h.app.passive.downReasons(down))
			h.log.Warn("refused connection", zap.String("id", target.ID), zap.Error(last))
		}
		return last
	}
	defer up.Close()
	if slices.Contains(upInst.ProxyProtocolPorts, target.Port) {
		hdr := proxyproto.HeaderProxyFromAddrs(2, cx.RemoteAddr(), cx.LocalAddr())
		if _, err := hdr.WriteTo(up); err != nil {
			return fmt.Errorf("sending the PROXY protocol header: %w", err)
		}
	}
	tunnel.Relay(cx, up)
	return nil
}

// target reads what the connection asks for: the SNI of the terminated TLS
// session, or else the ClientHello's (passthrough).
func (h *L4Handler) target(cx *layer4.Connection) (Target, bool, error) {
	if states := l4tls.GetConnectionStates(cx); len(states) > 0 {
		sni := states[len(states)-1].ServerName
		t, err := ParseName(sni, h.app.BaseDomain)
		if err != nil {
			return Target{}, true, err
		}
		if t.Passthrough {
			return Target{}, true, fmt.Errorf("%q is a passthrough name but TLS was terminated: route it without the tls handler", sni)
		}
		return t, true, nil
	}
	sni, _ := cx.Replacer().GetString(sniReplKey)
	if sni == "" {
		return Target{}, false, errors.New("no SNI: passthrough needs the dstack (or tls) matcher to read the ClientHello")
	}
	t, err := ParseName(sni, h.app.BaseDomain)
	switch {
	case err == nil && t.Passthrough:
		return t, false, nil
	case err == nil:
		return Target{}, false, fmt.Errorf("%q is a terminated name: put the tls handler before dstack", sni)
	case !errors.Is(err, ErrNotOurDomain):
		return Target{}, false, err
	}
	t, err = h.customDomain(cx.Context, sni)
	return t, false, err
}

// customDomain resolves a custom domain's app address from its TXT record.
func (h *L4Handler) customDomain(ctx context.Context, name string) (Target, error) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	ctx, cancel := context.WithTimeout(ctx, time.Duration(h.DNSTimeout))
	defer cancel()
	lookups := []string{txtPrefix + name}
	if _, parent, ok := strings.Cut(name, "."); ok {
		lookups = append(lookups, txtWildcardPrefix+parent)
	}
	var errs []error
	for _, q := range lookups {
		recs, err := h.resolver.LookupTXT(ctx, q)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range recs {
			t, err := ParseAppAddress(r)
			if err != nil {
				errs = append(errs, fmt.Errorf("TXT %s: %w", q, err))
				continue
			}
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("custom domain %q: no usable %s record: %w", name, txtPrefix+name, errors.Join(errs...))
}

// ParseAppAddress reads a _dstack-app-address TXT value, "<app_id>:<port>",
// as a passthrough target.
func ParseAppAddress(s string) (Target, error) {
	id, port, ok := strings.Cut(strings.TrimSpace(s), ":")
	id = strings.ToLower(id)
	if !ok || id == "" || !isHex(id) {
		return Target{}, fmt.Errorf("app address %q is not <app_id>:<port>", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return Target{}, fmt.Errorf("app address %q: bad port", s)
	}
	return Target{ID: id, Port: uint16(p), Passthrough: true}, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens (see the
// type's documentation).
func (h *L4Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack"
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		switch key {
		case "dns_servers":
			for _, s := range args {
				if _, _, err := net.SplitHostPort(s); err != nil {
					return d.Errf("dns_servers: %q is not host:port", s)
				}
			}
			h.DNSServers = args
		case "tcb_status":
			h.TCBStatus = args
		case "multiplex":
			if len(args) != 1 || args[0] != "off" {
				return d.Err("multiplex off: give each connection a tunnel connection of its own (multiplexing is the default)")
			}
			h.DisableMultiplex = true
		case "dns_timeout", "dial_timeout":
			if len(args) != 1 {
				return d.ArgErr()
			}
			v, err := caddy.ParseDuration(args[0])
			if err != nil || v <= 0 {
				return d.Errf("%s: %q is not a positive duration", key, args[0])
			}
			if key == "dns_timeout" {
				h.DNSTimeout = caddy.Duration(v)
			} else {
				h.DialTimeout = caddy.Duration(v)
			}
		default:
			return d.Errf("unknown dstack handler option %q", key)
		}
	}
	return nil
}

var (
	_ layer4.ConnMatcher    = (*L4Matcher)(nil)
	_ layer4.NextHandler    = (*L4Handler)(nil)
	_ caddy.Provisioner     = (*L4Matcher)(nil)
	_ caddy.Provisioner     = (*L4Handler)(nil)
	_ caddyfile.Unmarshaler = (*L4Matcher)(nil)
	_ caddyfile.Unmarshaler = (*L4Handler)(nil)
)
