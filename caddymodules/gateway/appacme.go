package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/wire"
)

func init() {
	caddy.RegisterModule(new(AppAcmeInfo))
	httpcaddyfile.RegisterHandlerDirective("dstack_acme_info", parseAppAcmeInfo)
	httpcaddyfile.RegisterDirectiveOrder("dstack_acme_info", httpcaddyfile.Before, "respond")
}

// AppAcmeInfo is http.handlers.dstack_acme_info: the attested record of
// the ACME account and certificate keys of an app that gets its own
// certificates inside its CVM (a custom domain the gateway passes through
// by its _dstack-app-address TXT record), in the shape of the gateway's
// /.dstack/acme-info (upstream's AcmeInfoResponse), so `dstack verify
// --acme-info` checks it against the app's id.
//
// Every certificate in Caddy's storage (the sealed one, when configured)
// that names one of the domains or a name under one has its key quoted by
// the app's own TD through the guest agent's Attest, once, when Caddy
// obtains it or finds it in storage at start; so is the ACME account that
// obtained it. The history is kept in the storage and only grows. GET
// /.dstack/acme-info answers it; every other request goes to the next
// handler. It never holds a private key: it reads certificates only.
//
//	dstack_acme_info {
//		agent_socket <path>
//		domains <name>...
//	}
type AppAcmeInfo struct {
	// AgentSocket is the guest agent's unix socket of the app's CVM, whose
	// Attest quotes each key. Default /var/run/dstack.sock.
	AgentSocket string `json:"agent_socket,omitempty"`
	// Domains are the app's own domains: the certificates recorded are
	// those naming one of them or a name under one. Required; there is no
	// default.
	Domains []string `json:"domains,omitempty"`

	history *keyHistory
	log     *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (*AppAcmeInfo) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.dstack_acme_info", New: func() caddy.Module { return new(AppAcmeInfo) }}
}

// Provision subscribes to certificate events and records the certificates
// already in storage.
func (m *AppAcmeInfo) Provision(ctx caddy.Context) error {
	m.log = ctx.Logger()
	if len(m.Domains) == 0 {
		return errors.New("dstack_acme_info: domains is required: name the app's own domains whose certificate keys it records")
	}
	bases := make([]string, 0, len(m.Domains))
	for _, d := range m.Domains {
		b := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(d, "*."), "."))
		if b == "" || strings.ContainsAny(b, "*/: ") {
			return fmt.Errorf("dstack_acme_info: domain %q is not a DNS name", d)
		}
		bases = append(bases, b)
	}
	socket := cmp.Or(m.AgentSocket, defaultAgentSocket)
	m.history = &keyHistory{storage: ctx.Storage(), attester: agentAttester(socket), log: m.log,
		bases: bases, now: time.Now, scanned: make(chan struct{})}
	if err := m.history.subscribe(ctx); err != nil {
		return err
	}
	go func() {
		scanCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := m.history.scan(scanCtx); err != nil {
			m.log.Error("recording the stored certificates' keys in the attested history", zap.Error(err))
		}
	}()
	return nil
}

// ServeHTTP answers GET /.dstack/acme-info and passes every other request
// on.
func (m *AppAcmeInfo) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if r.URL.Path != "/.dstack/acme-info" {
		return next.ServeHTTP(w, r)
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil
	}
	m.history.serve(w, r, m.log)
	return nil
}

// agentAttester attests through a guest agent's Attest on its unix socket:
// the evidence is of the TD the agent runs in.
type agentAttester string

// Attest implements attest.Attester.
func (socket agentAttester) Attest(ctx context.Context, reportData [64]byte) (*wire.Attestation, error) {
	c := prpc.Client{BaseURL: "http://dstack-agent/", HTTP: agentClient(string(socket), 30*time.Second)}
	var resp struct {
		Attestation prpc.Bytes `json:"attestation"`
	}
	if err := c.Call(ctx, "Attest", map[string]prpc.Bytes{"report_data": reportData[:]}, &resp); err != nil {
		return nil, fmt.Errorf("asking the guest agent at %s to attest: %w", string(socket), err)
	}
	att, _, err := wire.Decode(resp.Attestation)
	if err != nil {
		return nil, fmt.Errorf("the guest agent at %s: its attestation: %w", string(socket), err)
	}
	if att.ReportData != reportData {
		return nil, fmt.Errorf("the guest agent at %s attested other report_data than asked", string(socket))
	}
	return att, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens.
func (m *AppAcmeInfo) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack_acme_info"
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "agent_socket":
			if !d.NextArg() {
				return d.ArgErr()
			}
			m.AgentSocket = d.Val()
			if !filepath.IsAbs(m.AgentSocket) {
				return d.Errf("dstack_acme_info: the agent socket %q is not an absolute path", m.AgentSocket)
			}
			if d.NextArg() {
				return d.ArgErr()
			}
		case "domains":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			m.Domains = append(m.Domains, args...)
		default:
			return d.Errf("unknown dstack_acme_info option %q (it takes agent_socket and domains)", d.Val())
		}
	}
	return nil
}

func parseAppAcmeInfo(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(AppAcmeInfo)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

var (
	_ caddyhttp.MiddlewareHandler = (*AppAcmeInfo)(nil)
	_ caddy.Provisioner           = (*AppAcmeInfo)(nil)
	_ caddyfile.Unmarshaler       = (*AppAcmeInfo)(nil)
)
