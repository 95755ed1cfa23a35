package gateway

import (
	"encoding/json"
	"net/http"
	"strings"

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
// base domain, answered by the gateway itself (§4.2). Requests for any
// other host go to the next handler.
//
//   - gateway.<base_domain>, this node's info service: GET /health (200,
//     empty), /.dstack/index (the paths it serves), /.dstack/app-info and
//     /.dstack/acme-info. This gateway runs no guest agent to take Info
//     from and has no ACME account yet, so those two answer 501 with a JSON
//     error. Methods other than GET: 405; other paths: 404.
//   - health.<base_domain>, the legacy health endpoint: GET / is 200,
//     anything else 404.
//
// Upstream serves both on port 80 only (the name's default); a name with
// another port or "s" is answered 404 with a JSON error, where upstream
// drops the connection.
//
//	dstack_node
type Node struct {
	app *App
	log *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (*Node) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.dstack_node", New: func() caddy.Module { return new(Node) }}
}

// Provision finds the dstack app.
func (n *Node) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	n.app, n.log = app, ctx.Logger()
	return err
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
		writeJSONError(w, http.StatusNotImplemented, "app-info: this gateway runs without a guest agent, so it has no Info to serve")
	case "/acme-info":
		writeJSONError(w, http.StatusNotImplemented, "acme-info: this gateway has no ACME account (ZT-TLS certificates are not issued by the gateway yet)")
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
//	dstack_node
func (n *Node) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack_node"
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Err("dstack_node takes no options (the base domain is the dstack app's)")
	}
	return nil
}

var (
	_ caddyhttp.MiddlewareHandler = (*Node)(nil)
	_ caddy.Provisioner           = (*Node)(nil)
	_ caddyfile.Unmarshaler       = (*Node)(nil)
)
