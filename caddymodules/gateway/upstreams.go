package gateway

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
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
// dstack transport answers 403). Caddy's load balancing then works across
// them. Instances the dstack app's passive health marked down (a failed
// dial) are left out while another is live, and the dstack transport sends
// a request whose dial fails to the next of the instances given here (see
// PassiveHealth). Passthrough names ("s") are served by the layer4 route,
// not here.
//
// Caddy's own active health checks (health_uri on reverse_proxy) never
// probe dynamic upstreams; this module runs them itself when
// active_health_checks is set (health_uri or health_port inside `dynamic
// dstack`). Instances the check marks unhealthy are left out; when every
// instance the host names is unhealthy — an app's, or the one an instance
// id pins, which is not routed around the check either — GetUpstreams
// fails with ErrUnhealthy naming each check's failure, which Caddy logs
// and answers 503 (no upstreams available). Refused instances are not
// checked: the transport answers them 403 whatever their health.
//
//	reverse_proxy {
//		dynamic dstack {
//			health_uri /health
//		}
//		transport dstack
//	}
type Upstreams struct {
	// ActiveHealthChecks probes every registered instance the chain allows
	// through the attested tunnel and leaves the unhealthy ones out.
	// Default none (off; the dstack app's passive_health still applies).
	ActiveHealthChecks *ActiveHealthChecks `json:"active_health_checks,omitempty"`

	app    *App
	health *healthChecker
}

// CaddyModule returns the Caddy module information.
func (*Upstreams) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.reverse_proxy.upstreams.dstack", New: func() caddy.Module { return new(Upstreams) }}
}

// Provision finds the dstack app and starts the active health checks,
// when they are configured.
func (u *Upstreams) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	if err != nil {
		return err
	}
	u.app = app
	if !u.ActiveHealthChecks.enabled() {
		return nil
	}
	events, err := ctx.App("events")
	if err != nil {
		return fmt.Errorf("dstack upstreams: getting the events app: %w", err)
	}
	h, err := newHealthChecker(u.ActiveHealthChecks, app, ctx, events.(*caddyevents.App), ctx.Logger().Named("health_checker.active"))
	if err != nil {
		return fmt.Errorf("dstack upstreams: %w", err)
	}
	u.health = h
	app.addChecker(h)
	h.start()
	return nil
}

// Cleanup stops the active health checks; their results are forgotten.
func (u *Upstreams) Cleanup() error {
	if u.health != nil {
		u.health.stop()
		u.app.removeChecker(u.health)
	}
	return nil
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
	pinned := insts[0].key() == t.ID
	if u.health != nil && insts[0].Allowed && insts[0].allowsPort(t.Port) {
		healthy := slices.DeleteFunc(slices.Clone(insts), func(i *Instance) bool { return !u.health.healthy(i.key()) })
		if len(healthy) == 0 {
			what := "app " + t.ID
			if pinned {
				what = "instance " + t.ID
			}
			return nil, u.health.unhealthyError(what, insts)
		}
		insts = healthy
	}
	// Instances passive health marked down are left out while another is
	// live; when all are, they are all given, and the transport answers
	// 503 with their failures without dialing any.
	if live := slices.DeleteFunc(slices.Clone(insts), u.app.passive.isDown); len(live) > 0 {
		insts = live
	}
	app, what := t.ID, "app "+t.ID
	if pinned {
		app, what = insts[0].appKey(), "instance "+t.ID
	}
	caddyhttp.SetVar(r.Context(), varApp, app)
	caddyhttp.SetVar(r.Context(), varH2, t.H2)
	out := make([]*reverseproxy.Upstream, len(insts))
	cands := &candidates{what: what, ids: make([]string, len(insts))}
	port := strconv.Itoa(int(t.Port))
	for i, inst := range insts {
		out[i] = &reverseproxy.Upstream{Dial: net.JoinHostPort(inst.key(), port)}
		cands.ids[i] = inst.key()
	}
	caddyhttp.SetVar(r.Context(), varCandidates, cands)
	return out, nil
}

// UnmarshalCaddyfile sets up the module from Caddyfile tokens, with the
// names of Caddy's reverse_proxy health check subdirectives:
//
//	dynamic dstack {
//		health_uri      <uri>
//		health_port     <port>
//		health_interval <duration>
//		health_timeout  <duration>
//		health_status   <code|class, e.g. 200 or 2xx>
//		health_body     <regexp>
//		health_passes   <n>
//		health_fails    <n>
//		health_method   <method>
//		health_headers {
//			<field> [<values...>]
//		}
//	}
func (u *Upstreams) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack"
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if u.ActiveHealthChecks == nil {
			u.ActiveHealthChecks = new(ActiveHealthChecks)
		}
		hc, key := u.ActiveHealthChecks, d.Val()
		if key == "health_headers" {
			if d.NextArg() {
				return d.ArgErr()
			}
			hc.Headers = http.Header{}
			for nesting := d.Nesting(); d.NextBlock(nesting); {
				field, vals := d.Val(), d.RemainingArgs()
				if len(vals) == 0 {
					vals = []string{""}
				}
				hc.Headers[field] = append(hc.Headers[field], vals...)
			}
			continue
		}
		if !slices.Contains(upstreamsOptions, key) {
			return d.Errf("unknown dynamic dstack option %q (the base domain is the dstack app's)", key)
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		var dur *caddy.Duration
		var count *int
		switch key {
		case "health_uri":
			hc.URI = val
		case "health_port":
			p, err := strconv.ParseUint(val, 10, 16)
			if err != nil || p == 0 {
				return d.Errf("health_port: %q is not a TCP port (1-65535)", val)
			}
			hc.Port = int(p)
		case "health_interval":
			dur = &hc.Interval
		case "health_timeout":
			dur = &hc.Timeout
		case "health_status":
			code, err := parseHealthStatus(val)
			if err != nil {
				return d.Errf("health_status: %v", err)
			}
			hc.ExpectStatus = code
		case "health_body":
			hc.ExpectBody = val
		case "health_passes":
			count = &hc.Passes
		case "health_fails":
			count = &hc.Fails
		case "health_method":
			hc.Method = strings.ToUpper(val)
		}
		if dur != nil {
			if err := setDuration(d, dur, key, val); err != nil {
				return err
			}
		}
		if count != nil {
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return d.Errf("%s: %q is not a positive integer", key, val)
			}
			*count = n
		}
	}
	if hc := u.ActiveHealthChecks; hc != nil && !hc.enabled() {
		return d.Err("dynamic dstack: the health check options need health_uri or health_port, which enable the checks")
	}
	return nil
}

// upstreamsOptions are the single-argument options of `dynamic dstack`.
var upstreamsOptions = []string{"health_uri", "health_port", "health_interval", "health_timeout", "health_status",
	"health_body", "health_passes", "health_fails", "health_method"}

// parseHealthStatus reads a status as health_status takes it: a code
// (200) or a class (2xx), which is stored as its digit (2), as Caddy does.
func parseHealthStatus(s string) (int, error) {
	v := s
	if len(v) == 3 && strings.HasSuffix(v, "xx") {
		v = v[:1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || (n < 1 || n > 5) && (n < 100 || n > 599) || len(v) != 1 && len(v) != 3 {
		return 0, fmt.Errorf("%q is neither a status code (100-599) nor a class (1xx-5xx)", s)
	}
	return n, nil
}

var (
	_ reverseproxy.UpstreamSource = (*Upstreams)(nil)
	_ caddy.Provisioner           = (*Upstreams)(nil)
	_ caddy.CleanerUpper          = (*Upstreams)(nil)
	_ caddyfile.Unmarshaler       = (*Upstreams)(nil)
)
