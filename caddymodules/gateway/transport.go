package gateway

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(new(Transport))
}

// Variables the dstack upstreams leave for the transport.
const (
	varApp = "dstack.app_id"
	varH2  = "dstack.h2"
	// varCandidates are the instances the upstreams offered the request
	// (a *candidates), which the transport may send it to when one is
	// down.
	varCandidates = "dstack.candidates"
)

// candidates are the instances the dstack upstreams offered a request.
type candidates struct {
	// what names the target: "app <id>" or "instance <id>".
	what string
	// ids are the instance ids, in the order they are tried.
	ids []string
}

// ClaimHeaders are the request headers that carry an upstream's verified
// claims to the backend. Incoming copies are always removed.
var ClaimHeaders = []string{
	"X-Dstack-App-Id", "X-Dstack-Instance-Id", "X-Dstack-Compose-Hash", "X-Dstack-Tcb-Status",
	"X-Dstack-Os-Image-Hash", "X-Dstack-Mr-Aggregated", "X-Dstack-Block",
}

// Transport is the attested reverse-proxy transport,
// http.reverse_proxy.transport.dstack. Every connection is a tunnel stream
// to a registered instance: the CVM's RA-TLS certificate must verify
// (verification is cached by certificate), prove the app being routed to
// and the registered instance, a TCB status the policy accepts, and a
// compose hash the chain allows at the current block. An instance the
// chain has revoked, or a port its app-compose does not publish, is answered
// 403 (X-Dstack-Refused: revoked or port) without being dialed. A dial that
// fails for the instance's sake marks it down (the dstack app's
// passive_health, on by default) and the request goes to another live
// instance of the app; with none left it is answered 503
// (X-Dstack-Refused: down) with each instance's failure. Any other refusal
// is an error (502) logged with its reason.
//
// Upstream dial addresses are "<instance_id>:<port>", as the dstack
// upstreams produce them. Requests the upstreams mark h2 ("g" names) are
// sent as HTTP/2 over cleartext inside the tunnel; others as HTTP/1.1.
//
// The claims are set as placeholders {dstack.upstream.app_id},
// {dstack.upstream.instance_id}, {dstack.upstream.compose_hash},
// {dstack.upstream.tcb_status}, {dstack.upstream.os_image_hash},
// {dstack.upstream.mr_aggregated} and {dstack.upstream.block}: the
// instance's registered claims, which every connection to it must match
// in app id and instance id.
//
//	transport dstack {
//		claims_headers
//		tcb_status <status...>
//		dial_timeout <duration>
//		keepalive_idle <duration>
//		keepalive off
//		multiplex
//		max_idle_conns_per_host <n>
//		response_header_timeout <duration>
//	}
type Transport struct {
	// ClaimsHeaders sends the claims to the backend as the X-Dstack-*
	// request headers (ClaimHeaders). Default false. Whatever its value, a
	// client's own X-Dstack-* headers are removed.
	ClaimsHeaders bool `json:"claims_headers,omitempty"`
	// TCBStatus lists the accepted TCB statuses. Default: the dstack app's
	// tcb_status.
	TCBStatus []string `json:"tcb_status,omitempty"`
	// DialTimeout bounds connecting and the tunnel handshake. Default 10s.
	DialTimeout caddy.Duration `json:"dial_timeout,omitempty"`
	// KeepAliveIdle is how long an idle connection is kept. Default 2m.
	KeepAliveIdle caddy.Duration `json:"keepalive_idle,omitempty"`
	// DisableKeepAlives opens a new tunnel stream for every request.
	// Default false.
	DisableKeepAlives bool `json:"disable_keepalives,omitempty"`
	// Multiplex opens tunnel streams on multiplexed tunnel connections
	// (ALPN dstack-tunnel/2), so that a new stream costs no handshake with
	// the CVM; the CVM's claims are still judged for every stream. It
	// pays off with disable_keepalives or traffic that opens many
	// connections; kept-alive streams are cheaper per request on
	// connections of their own. Default false.
	Multiplex bool `json:"multiplex,omitempty"`
	// MaxIdleConnsPerHost bounds idle connections per instance port.
	// Default 32.
	MaxIdleConnsPerHost int `json:"max_idle_conns_per_host,omitempty"`
	// ResponseHeaderTimeout bounds the wait for a response's headers.
	// Default none.
	ResponseHeaderTimeout caddy.Duration `json:"response_header_timeout,omitempty"`

	app    *App
	log    *zap.Logger
	h1, h2 *http.Transport
}

// CaddyModule returns the Caddy module information.
func (*Transport) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.reverse_proxy.transport.dstack", New: func() caddy.Module { return new(Transport) }}
}

// Provision finds the dstack app and builds the HTTP/1.1 and HTTP/2
// transports over the tunnel.
func (t *Transport) Provision(ctx caddy.Context) error {
	app, err := dstackApp(ctx)
	if err != nil {
		return err
	}
	t.app, t.log = app, ctx.Logger()
	warnTCB(t.log, "http.reverse_proxy.transport.dstack", t.TCBStatus)
	if t.DialTimeout <= 0 {
		t.DialTimeout = caddy.Duration(10 * time.Second)
	}
	if t.KeepAliveIdle <= 0 {
		t.KeepAliveIdle = caddy.Duration(2 * time.Minute)
	}
	if t.MaxIdleConnsPerHost <= 0 {
		t.MaxIdleConnsPerHost = 32
	}
	t.h1 = &http.Transport{
		DialContext:           t.dial,
		IdleConnTimeout:       time.Duration(t.KeepAliveIdle),
		MaxIdleConnsPerHost:   t.MaxIdleConnsPerHost,
		ResponseHeaderTimeout: time.Duration(t.ResponseHeaderTimeout),
		DisableKeepAlives:     t.DisableKeepAlives,
		// The backend's encoding is passed through untouched.
		DisableCompression: true,
	}
	t.h2 = t.h1.Clone()
	t.h2.Protocols = new(http.Protocols)
	t.h2.Protocols.SetUnencryptedHTTP2(true)
	return nil
}

// dstackApp returns the configured dstack app.
func dstackApp(ctx caddy.Context) (*App, error) {
	a, err := ctx.AppIfConfigured("dstack")
	if err != nil {
		return nil, fmt.Errorf("the dstack modules need the dstack app (the `dstack` global option, or apps.dstack in JSON): %w", err)
	}
	return a.(*App), nil
}

func (t *Transport) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	id, port, err := splitDial(addr)
	if err != nil {
		return nil, err
	}
	inst, ok := t.app.reg.get(id)
	if !ok {
		return nil, fmt.Errorf("dstack: %w: %s", ErrNoInstance, id)
	}
	var wantApp []byte
	if v, _ := caddyhttp.GetVar(ctx, varApp).(string); v != "" {
		if wantApp, err = hex.DecodeString(v); err != nil {
			return nil, fmt.Errorf("dstack: routed app id %q: %w", v, err)
		}
	}
	conn, err := t.app.dialRouted(ctx, time.Duration(t.DialTimeout), inst, port, wantApp, t.TCBStatus, t.Multiplex)
	if err != nil {
		t.log.Warn("refused upstream", zap.String("instance_id", id), zap.String("app_id", hexKey(inst.AppID)),
			zap.Uint16("port", port), zap.String("tunnel", inst.TunnelAddress), zap.Error(err))
		return nil, err
	}
	return conn, nil
}

// RoundTrip implements http.RoundTripper. A request whose instance is
// down, or whose dial fails for the instance's sake (passive health), goes
// to the next live instance the dstack upstreams offered it; when none is
// left it is answered 503 (X-Dstack-Refused: down) with each one's
// failure.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	id, port, err := splitDial(req.URL.Host)
	if err != nil {
		return nil, fmt.Errorf("dstack transport: upstream %q is not <instance_id>:<port> (use `dynamic dstack`): %w", req.URL.Host, err)
	}
	var body *attemptBody
	if req.Body != nil && req.Body != http.NoBody && !t.app.passive.off {
		body = &attemptBody{ReadCloser: req.Body}
	}
	cands, _ := caddyhttp.GetVar(req.Context(), varCandidates).(*candidates)
	if cands == nil {
		cands = &candidates{what: "instance " + id}
	}
	var tried []*Instance
	for {
		res, err := t.roundTrip(req, id, port, body)
		var down *downError
		if !errors.As(err, &down) || body != nil && body.read.Load() {
			return res, err
		}
		tried = append(tried, down.inst)
		next := ""
		for _, c := range cands.ids {
			if !slices.ContainsFunc(tried, func(i *Instance) bool { return i.key() == c }) {
				next = c
				break
			}
		}
		if next == "" {
			t.log.Warn("refused request: no live instance", zap.String("target", cands.what), zap.Uint16("port", port),
				zap.String("down", t.app.passive.downReasons(tried)))
			return t.app.passive.downRefusal(req, fmt.Sprintf("%s (port %d)", cands.what, port), tried), nil
		}
		t.log.Debug("retrying on another instance", zap.String("down", down.inst.key()), zap.String("next", next))
		id = next
	}
}

// roundTrip sends req to one instance: a *downError when the instance is
// down or its dial failed for its sake (nothing of req was sent then).
func (t *Transport) roundTrip(req *http.Request, id string, port uint16, body *attemptBody) (*http.Response, error) {
	inst, ok := t.app.reg.get(id)
	if !ok {
		return nil, fmt.Errorf("dstack: %w: %s", ErrNoInstance, id)
	}
	if v, _ := caddyhttp.GetVar(req.Context(), varApp).(string); v != "" && v != inst.appKey() {
		t.log.Warn("refused upstream", zap.String("instance_id", id), zap.String("app_id", hexKey(inst.AppID)), zap.String("requested_app", v))
		return nil, fmt.Errorf("dstack: instance %s belongs to app %x, not %s", id, inst.AppID, v)
	}
	if err := t.app.stale(); err != nil {
		t.log.Error("refused upstream", zap.String("instance_id", id), zap.Error(err))
		return staleRefusal(req, err, time.Duration(t.app.Chain.PollInterval)), nil
	}
	if !inst.Allowed {
		return refusal(req, inst), nil
	}
	if !inst.allowsPort(port) {
		t.log.Info("refused upstream: port not published by the app", zap.String("instance_id", id),
			zap.String("app_id", hexKey(inst.AppID)), zap.Uint16("port", port), zap.Uint16s("ports", inst.Ports))
		return portRefusal(req, inst, port), nil
	}
	if s, down := t.app.passive.status(id); down {
		return nil, &downError{inst: inst, err: errors.New(s.Error)}
	}
	// The request is copied, not changed: its header only when it carries
	// a client's X-Dstack-* copy or the claims are added.
	out := new(http.Request)
	*out = *req
	if body != nil {
		out.Body = body
	}
	if t.ClaimsHeaders || hasClaimHeader(req.Header) {
		out.Header = req.Header.Clone()
		for k := range out.Header {
			if slices.Contains(ClaimHeaders, http.CanonicalHeaderKey(k)) {
				delete(out.Header, k)
			}
		}
	}
	claims := inst.claimValues()
	if repl, ok := req.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		for i, name := range claimPlaceholders {
			repl.Set(name, claims[i])
		}
	}
	if t.ClaimsHeaders {
		for i, h := range ClaimHeaders {
			out.Header[h] = []string{claims[i]}
		}
	}
	u := *out.URL
	u.Host = net.JoinHostPort(id, strconv.Itoa(int(port)))
	if u.Scheme == "" || u.Scheme == "https" {
		u.Scheme = "http" // the tunnel is the encryption
	}
	out.URL = &u
	rt := t.h1
	if h2, _ := caddyhttp.GetVar(req.Context(), varH2).(bool); h2 {
		rt = t.h2
	}
	return rt.RoundTrip(out)
}

// attemptBody is a request body that more than one attempt may be given:
// it records whether any attempt read from it, and a body that was read is
// never sent again. A failed dial reads nothing, and the HTTP transport's
// Close of the body on that failure does not end it: Caddy's reverse_proxy
// hands transports a body whose Close does nothing until it was read, for
// its own retries.
type attemptBody struct {
	io.ReadCloser
	read atomic.Bool
}

func (b *attemptBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.ReadCloser.Read(p)
}

var claimNames = []string{"app_id", "instance_id", "compose_hash", "tcb_status", "os_image_hash", "mr_aggregated", "block"}

// claimPlaceholders are the replacer keys of claimNames.
var claimPlaceholders = func() []string {
	out := make([]string, len(claimNames))
	for i, n := range claimNames {
		out[i] = "dstack.upstream." + n
	}
	return out
}()

// hasClaimHeader reports whether h may carry one of ClaimHeaders, under
// any spelling of its name: a scan of the names, without allocating.
func hasClaimHeader(h http.Header) bool {
	const prefix = "x-dstack-"
	for k := range h {
		if len(k) >= len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// claimValues are the instance's claims in the order of claimNames, cached
// when the instance is in the registry.
func (i *Instance) claimValues() []string {
	if i.claims != nil {
		return i.claims
	}
	return claimValues(i)
}

func claimValues(i *Instance) []string {
	return []string{
		hexKey(i.AppID), hexKey(i.InstanceID), hexKey(i.ComposeHash), i.TCBStatus,
		hexKey(i.BootInfo.OSImageHash), hexKey(i.BootInfo.MrAggregated), fmt.Sprint(i.Block),
	}
}

// refusal is the answer for an instance the chain no longer allows.
func refusal(req *http.Request, inst *Instance) *http.Response {
	return forbidden(req, "revoked", fmt.Sprintf("dstack: app %x is not allowed on chain at block %d: %s\n", inst.AppID, inst.Block, inst.Reason))
}

// portRefusal is the answer for a port the instance's port policy does not
// route.
func portRefusal(req *http.Request, inst *Instance, port uint16) *http.Response {
	return forbidden(req, "port", fmt.Sprintf("dstack: app %x does not expose port %d: its app-compose publishes only %v (docker_compose_file ports, or port_policy)\n", inst.AppID, port, inst.Ports))
}

// staleRefusal is the answer while the chain cannot be read: 503 (the
// gateway, not the app, is at fault, and it passes), with a Retry-After of
// the poll interval, at least a second.
func staleRefusal(req *http.Request, err error, poll time.Duration) *http.Response {
	res := refused(req, http.StatusServiceUnavailable, "stale", "dstack: "+err.Error()+"\n")
	res.Header.Set("Retry-After", strconv.Itoa(max(1, int((poll+time.Second-1)/time.Second))))
	return res
}

// forbidden is a 403 whose X-Dstack-Refused header says why.
func forbidden(req *http.Request, why, body string) *http.Response {
	return refused(req, http.StatusForbidden, why, body)
}

// refused is an answer of the gateway's own, whose X-Dstack-Refused header
// says why.
func refused(req *http.Request, code int, why, body string) *http.Response {
	return &http.Response{
		Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Dstack-Refused": {why}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// Cleanup closes idle connections.
func (t *Transport) Cleanup() error {
	if t.h1 != nil {
		t.h1.CloseIdleConnections()
		t.h2.CloseIdleConnections()
	}
	return nil
}

var (
	_ http.RoundTripper  = (*Transport)(nil)
	_ caddy.Provisioner  = (*Transport)(nil)
	_ caddy.CleanerUpper = (*Transport)(nil)
)
