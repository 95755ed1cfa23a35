package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(new(Node))
	httpcaddyfile.RegisterHandlerDirective("dstack_node", parseNode)
	httpcaddyfile.RegisterDirectiveOrder("dstack_node", httpcaddyfile.Before, "respond")
}

// Node is http.handlers.dstack_node: upstream's special names under the
// base domain, answered by the gateway itself (the special ids of
// https://github.com/Dstack-TEE/dstack/blob/master/gateway/src/proxy.rs). Requests for any
// other host go to the next handler.
//
//   - gateway.<base_domain>, this node's info service: GET /health (200,
//     empty), /.dstack/index (the paths it serves), /.dstack/app-info (the
//     Info of the guest agent of the CVM the gateway runs in, read from
//     agent_socket: what a client checks the gateway's own attestation
//     with) and /.dstack/acme-info (the attested ACME account and every
//     certificate key the gateway used, upstream's AcmeInfoResponse).
//     Without an agent socket app-info answers 501, and with an agent that
//     fails 502, with a JSON error. Methods other than GET: 405; other
//     paths: 404.
//   - health.<base_domain>, the legacy health endpoint: GET / is 200,
//     anything else 404.
//
// Upstream serves both on port 80 only (the name's default); a name with
// another port or "s" is answered 404 with a JSON error, where upstream
// drops the connection.
//
//	dstack_node {
//		agent_socket <path>
//	}
type Node struct {
	// AgentSocket is the guest agent's unix socket, whose Info app-info
	// serves. Default /var/run/dstack.sock, when it exists.
	AgentSocket string `json:"agent_socket,omitempty"`

	app    *App
	log    *zap.Logger
	socket string // AgentSocket or its default
	agent  *http.Client
}

// CaddyModule returns the Caddy module information.
func (*Node) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.dstack_node", New: func() caddy.Module { return new(Node) }}
}

// defaultAgentSocket is where a CVM's guest agent listens (guestos/agent).
const defaultAgentSocket = "/var/run/dstack.sock"

// Provision finds the dstack app and sets up the agent client.
func (n *Node) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	n.app, n.log = app, ctx.Logger()
	n.socket = n.AgentSocket
	if n.socket == "" {
		n.socket = defaultAgentSocket
	}
	n.agent = agentClient(n.socket, 5*time.Second)
	return err
}

// agentClient is an HTTP client of the guest agent on its unix socket.
func agentClient(socket string, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}}
}

// maxAgentInfo bounds the agent's Info answer.
const maxAgentInfo = 4 << 20

// serveAppInfo answers the agent's Info.
func (n *Node) serveAppInfo(w http.ResponseWriter, r *http.Request) {
	socket := n.socket
	if n.AgentSocket == "" {
		if _, err := os.Stat(socket); err != nil {
			writeJSONError(w, http.StatusNotImplemented, "app-info: no guest agent at "+socket+" (this gateway does not run in a CVM, or set dstack_node's agent_socket)")
			return
		}
	}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://dstack-agent/Info", nil)
	res, err := n.agent.Do(req)
	if err != nil {
		n.log.Warn("app-info: asking the guest agent", zap.String("socket", socket), zap.Error(err))
		writeJSONError(w, http.StatusBadGateway, "app-info: the guest agent at "+socket+" did not answer")
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAgentInfo+1))
	switch {
	case err != nil || len(body) > maxAgentInfo || res.StatusCode != http.StatusOK || !json.Valid(body):
		n.log.Warn("app-info: the guest agent's Info", zap.String("socket", socket), zap.Int("status", res.StatusCode),
			zap.Int("bytes", len(body)), zap.Error(err))
		writeJSONError(w, http.StatusBadGateway, "app-info: the guest agent at "+socket+" gave no Info")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// serveAcmeInfo answers the attested record of the ACME account and of
// every certificate key, as upstream's AcmeInfoResponse.
func (n *Node) serveAcmeInfo(w http.ResponseWriter, r *http.Request) {
	n.app.history.serve(w, r, n.log)
}

// nodeIndex is /.dstack/index's body, as upstream writes it (keys sorted).
var nodeIndex = []byte(`{"paths":["/index","/app-info","/acme-info"],"type":"dstack gateway"}`)

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	t, err := ParseSpecialName(requestHost(r), n.app.BaseDomain)
	if err != nil {
		return next.ServeHTTP(w, r)
	}
	if t.Port != 80 || t.Passthrough {
		writeJSONError(w, http.StatusNotFound, "the gateway's "+t.ID+" service is served on port 80 only (name it "+t.ID+"."+n.app.BaseDomain+")")
		return nil
	}
	if t.ID == IDHealth {
		if r.Method != http.MethodGet || r.URL.Path != "/" {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil
	}
	if r.URL.Path == "/health" {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	// Upstream strips every leading "/.dstack".
	path := r.URL.Path
	for strings.HasPrefix(path, "/.dstack") {
		path = strings.TrimPrefix(path, "/.dstack")
	}
	switch path {
	case "/index":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(nodeIndex)
	case "/app-info":
		n.serveAppInfo(w, r)
	case "/acme-info":
		n.serveAcmeInfo(w, r)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
	return nil
}

// writeJSONError answers status with {"error": msg}.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

func parseNode(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	n := new(Node)
	err := n.UnmarshalCaddyfile(h.Dispenser)
	return n, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	dstack_node {
//		agent_socket <path>
//	}
func (n *Node) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack_node"
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if d.Val() != "agent_socket" {
			return d.Errf("unknown dstack_node option %q (it takes agent_socket; the base domain is the dstack app's)", d.Val())
		}
		if !d.NextArg() {
			return d.ArgErr()
		}
		n.AgentSocket = d.Val()
		if !filepath.IsAbs(n.AgentSocket) {
			return d.Errf("dstack_node: the agent socket %q is not an absolute path", n.AgentSocket)
		}
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	return nil
}

var (
	_ caddyhttp.MiddlewareHandler = (*Node)(nil)
	_ caddy.Provisioner           = (*Node)(nil)
	_ caddyfile.Unmarshaler       = (*Node)(nil)
)
