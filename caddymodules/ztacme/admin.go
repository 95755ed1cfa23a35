package ztacme

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddytls"
)

func init() {
	caddy.RegisterModule(new(Admin))
}

// Admin is admin.api.dstack_acme: the dstack_acme issuers of the running
// config through Caddy's admin API.
//
//	GET  /dstack/acme        → [{"base_domain", "issuer", "account_uri", "caa": "ok"|<how it differs>}…]
//	POST /dstack/acme/rotate → [{"base_domain", "account_uri", "previous_account_uri"}…]
//
// Rotation takes ?base_domain=<name> to rotate one issuer; without it every
// dstack_acme issuer rotates.
type Admin struct{}

// CaddyModule returns the Caddy module information.
func (*Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "admin.api.dstack_acme", New: func() caddy.Module { return new(Admin) }}
}

// Routes implements caddy.AdminRouter.
func (*Admin) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{
		{Pattern: "/dstack/acme", Handler: caddy.AdminHandlerFunc(accounts)},
		{Pattern: "/dstack/acme/rotate", Handler: caddy.AdminHandlerFunc(rotate)},
	}
}

// Issuers returns the dstack_acme issuers of the running config.
func Issuers() []*Issuer {
	a, err := caddy.ActiveContext().AppIfConfigured("tls")
	if err != nil {
		return nil
	}
	var out []*Issuer
	t := a.(*caddytls.TLS)
	if t.Automation == nil {
		return nil
	}
	for _, p := range t.Automation.Policies {
		for _, iss := range p.Issuers {
			if z, ok := iss.(*Issuer); ok {
				out = append(out, z)
			}
		}
	}
	return out
}

type accountView struct {
	BaseDomain string `json:"base_domain"`
	Issuer     string `json:"issuer,omitempty"`
	AccountURI string `json:"account_uri"`
	CAA        string `json:"caa,omitempty"`
	Previous   string `json:"previous_account_uri,omitempty"`
}

func accounts(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: errors.New("GET only")}
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	out := []accountView{}
	for _, iss := range Issuers() {
		uri, err := iss.AccountURI(ctx)
		if err != nil {
			return caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
		}
		v := accountView{BaseDomain: iss.BaseDomain, Issuer: iss.IssuerKey(), AccountURI: uri}
		if uri != "" {
			switch drift, err := iss.Check(ctx, uri); {
			case err != nil:
				v.CAA = err.Error()
			case drift != "":
				v.CAA = drift
			default:
				v.CAA = "ok"
			}
		}
		out = append(out, v)
	}
	return writeJSON(w, out)
}

func rotate(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: errors.New("POST only")}
	}
	only := r.URL.Query().Get("base_domain")
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	out := []accountView{}
	for _, iss := range Issuers() {
		if only != "" && only != iss.BaseDomain {
			continue
		}
		prev, err := iss.AccountURI(ctx)
		if err != nil {
			return caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
		}
		uri, err := iss.Rotate(ctx)
		if err != nil {
			return caddy.APIError{HTTPStatus: http.StatusBadGateway, Err: err}
		}
		out = append(out, accountView{BaseDomain: iss.BaseDomain, AccountURI: uri, Previous: prev})
	}
	if len(out) == 0 {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("no dstack_acme issuer in the running config matches")}
	}
	return writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

var _ caddy.AdminRouter = (*Admin)(nil)
