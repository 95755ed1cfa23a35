package gateway

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(new(AppMatcher))
}

// AppMatcher is http.matchers.dstack_app: it matches requests whose host
// names (upstream's grammar, under the base domain) an app or instance in
// one of the given states at the current block: "allowed" (some live
// instance is allowed by the chain), "revoked" (live instances are
// registered and the chain allows none — for example, its compose hash
// was removed) or "unknown" (no live instance). Hosts outside the base
// domain never match.
//
//	@revoked dstack_app revoked
//	respond @revoked "app revoked on chain" 451
type AppMatcher struct {
	// States are the states to match. Default ["revoked"].
	States []AppState `json:"states,omitempty"`

	app *App
}

// CaddyModule returns the Caddy module information.
func (*AppMatcher) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.matchers.dstack_app", New: func() caddy.Module { return new(AppMatcher) }}
}

// Provision finds the dstack app.
func (m *AppMatcher) Provision(ctx caddy.Context) error {
	if len(m.States) == 0 {
		m.States = []AppState{StateRevoked}
	}
	app, err := dstackApp(ctx)
	m.app = app
	return err
}

// Validate checks the states.
func (m *AppMatcher) Validate() error {
	for _, s := range m.States {
		if err := validState(s); err != nil {
			return err
		}
	}
	return nil
}

func validState(s AppState) error {
	switch s {
	case StateAllowed, StateRevoked, StateUnknown:
		return nil
	}
	return fmt.Errorf("dstack_app: unknown state %q (allowed, revoked or unknown)", s)
}

// MatchWithError implements caddyhttp.RequestMatcherWithError.
func (m *AppMatcher) MatchWithError(r *http.Request) (bool, error) {
	t, err := requestTarget(r, m.app.BaseDomain)
	if err != nil {
		return false, nil
	}
	return slices.Contains(m.States, m.app.State(t.ID)), nil
}

// UnmarshalCaddyfile sets up the matcher from Caddyfile tokens:
//
//	dstack_app [allowed|revoked|unknown...]
func (m *AppMatcher) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // matcher name
	for d.NextArg() {
		s := AppState(d.Val())
		if err := validState(s); err != nil {
			return d.Err(err.Error())
		}
		m.States = append(m.States, s)
	}
	if d.NextBlock(0) {
		return d.Err("dstack_app takes no block")
	}
	return nil
}

var (
	_ caddyhttp.RequestMatcherWithError = (*AppMatcher)(nil)
	_ caddy.Provisioner                 = (*AppMatcher)(nil)
	_ caddy.Validator                   = (*AppMatcher)(nil)
	_ caddyfile.Unmarshaler             = (*AppMatcher)(nil)
)
