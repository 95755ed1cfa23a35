package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func init() {
	caddy.RegisterModule(new(Redact))
}

// DefaultRedactHeaders are the request headers Redact blanks when
// redact_headers is not set: the credentials clients of dstack apps commonly
// send in custom headers, beside the standard ones Caddy blanks unless
// log_credentials is on (which Redact blanks whatever that option says).
var DefaultRedactHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-Auth-Token"}

// redacted replaces every secret Redact removes from a log entry.
const redacted = "REDACTED"

// Redact is a log field filter for the "request" field of Caddy's HTTP
// logs (the error log, the access log and reverse_proxy's upstream log):
// it replaces the value of every query parameter (the keys stay) and the
// values of credential headers with REDACTED, so tokens that clients of
// dstack apps put in URLs or custom headers do not end up in the gateway's
// logs. Use it in a filter log encoder:
//
//	log {
//		format filter {
//			wrap json
//			fields {
//				request dstack_redact
//			}
//		}
//	}
//
// It never changes the request itself, only what is logged of it.
type Redact struct {
	// RedactHeaders are the request headers whose values are replaced
	// (case-insensitive). Default: DefaultRedactHeaders.
	RedactHeaders []string `json:"redact_headers,omitempty"`

	headers map[string]bool
}

// CaddyModule returns the Caddy module information.
func (*Redact) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.filter.dstack_redact",
		New: func() caddy.Module { return new(Redact) },
	}
}

// Provision fills in the default headers.
func (r *Redact) Provision(caddy.Context) error {
	names := r.RedactHeaders
	if len(names) == 0 {
		names = DefaultRedactHeaders
	}
	r.headers = make(map[string]bool, len(names))
	for _, n := range names {
		r.headers[http.CanonicalHeaderKey(n)] = true
	}
	return nil
}

// UnmarshalCaddyfile sets up the filter from Caddyfile tokens:
//
//	dstack_redact [<header>...] {
//		redact_headers <header>...
//	}
func (r *Redact) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the filter's name
	r.RedactHeaders = append(r.RedactHeaders, d.RemainingArgs()...)
	for d.NextBlock(0) {
		switch d.Val() {
		case "redact_headers":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			r.RedactHeaders = append(r.RedactHeaders, args...)
		default:
			return d.Errf("dstack_redact: unknown option %q (known: redact_headers)", d.Val())
		}
	}
	return nil
}

// Filter replaces an HTTP request logged by Caddy with a copy whose query
// values and credential headers are redacted. Other fields pass unchanged.
func (r *Redact) Filter(in zapcore.Field) zapcore.Field {
	lr, ok := in.Interface.(caddyhttp.LoggableHTTPRequest)
	if !ok || lr.Request == nil {
		return in
	}
	req := *lr.Request
	req.RequestURI = redactQuery(req.RequestURI)
	req.Header = make(http.Header, len(lr.Header))
	for k, v := range lr.Header {
		if r.headers[http.CanonicalHeaderKey(k)] {
			v = []string{redacted}
		}
		req.Header[k] = v
	}
	// The copy logs the credentials Redact left in: the ones it blanks
	// are blanked whatever log_credentials says.
	return zap.Object(in.Key, caddyhttp.LoggableHTTPRequest{Request: &req, ShouldLogCredentials: lr.ShouldLogCredentials})
}

// redactQuery replaces the value of every query parameter of a request
// target with REDACTED, keeping the keys and their order; a target it
// cannot parse loses its whole query.
func redactQuery(target string) string {
	path, query, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	if _, err := url.ParseQuery(query); err != nil {
		return path + "?" + redacted
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, _, ok := strings.Cut(p, "="); ok {
			parts[i] = k + "=" + redacted
		} else if p != "" {
			parts[i] = redacted // a bare value may itself be the secret
		}
	}
	return path + "?" + strings.Join(parts, "&")
}

// Interface guards
var (
	_ caddy.Provisioner     = (*Redact)(nil)
	_ caddyfile.Unmarshaler = (*Redact)(nil)
)
