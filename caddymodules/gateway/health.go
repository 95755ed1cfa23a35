package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// Defaults of the active health checks, Caddy's where Caddy has one.
const (
	DefaultHealthPort     = 80
	DefaultHealthInterval = 30 * time.Second
	DefaultHealthTimeout  = 5 * time.Second
	DefaultHealthMaxSize  = 1 << 20
	// healthConcurrency bounds the probes in flight at once (the
	// ActiveHealthChecks doc states it).
	healthConcurrency = 8
)

// ErrUnhealthy is the refusal when every instance a request names fails
// the active health check.
var ErrUnhealthy = errors.New("no healthy instance")

// ActiveHealthChecks are the dstack upstreams' active health checks, with
// the names and defaults of Caddy's reverse_proxy health_checks.active:
// every interval, an HTTP request to each registered instance the chain
// allows, sent through the attested tunnel exactly as proxied requests are
// (the CVM's RA-TLS certificate, app id, instance id, TCB status and
// compose hash are checked on every probe). An instance is healthy until
// its first failed checks, as in Caddy; after Fails consecutive failures it
// is left out of the upstreams, and after Passes consecutive passes it is
// used again. Either change is logged and emitted as Caddy's "healthy" or
// "unhealthy" event (data: host "<instance_id>:<port>", app_id,
// instance_id).
//
// The probes of one round run at most 8 at once; a round that outlasts
// the interval delays the next. The TCB statuses accepted are the dstack
// app's tcb_status (a transport's own tcb_status does not apply). While
// the chain is unreadable past max_staleness no round runs and every
// instance's health stands as it was. Results live in memory, keyed by
// instance id, per reverse_proxy handler (two handlers probe each
// instance twice); an instance that leaves the registry, or that the
// chain no longer allows, is forgotten. Not supported from Caddy's set:
// upstream (another address to probe), body (a request body) and
// follow_redirects (3xx answers are judged as they are).
type ActiveHealthChecks struct {
	// URI is the path and query the health request asks for. Setting it or
	// Port enables the checks. Default none (no active health checks).
	URI string `json:"uri,omitempty"`
	// Port is the CVM port the health request is sent to through the
	// tunnel; it must be one the instance's app-compose publishes. Default 80.
	Port int `json:"port,omitempty"`
	// Headers are set on the health request; a "Host" header sets its host.
	// Global placeholders are replaced. Default none (the host is
	// "<instance_id>:<port>").
	Headers http.Header `json:"headers,omitempty"`
	// Method is the health request's method. Default GET.
	Method string `json:"method,omitempty"`
	// Interval is how often every instance is checked. Default 30s.
	Interval caddy.Duration `json:"interval,omitempty"`
	// Timeout bounds one check, the handshake of a new tunnel connection
	// included. Default 5s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Passes is how many consecutive passes make an unhealthy instance
	// healthy again. Default 1.
	Passes int `json:"passes,omitempty"`
	// Fails is how many consecutive failures make a healthy instance
	// unhealthy. Default 1.
	Fails int `json:"fails,omitempty"`
	// MaxSize bounds how much of the response body is read. Default 1 MiB.
	MaxSize int64 `json:"max_size,omitempty"`
	// ExpectStatus is the status a healthy instance answers: a code (200)
	// or a class (2 for 2xx). Default: any 2xx.
	ExpectStatus int `json:"expect_status,omitempty"`
	// ExpectBody is a regular expression the response body of a healthy
	// instance matches. Default none (the body is not read).
	ExpectBody string `json:"expect_body,omitempty"`
}

// enabled reports whether the checks are configured, as Caddy decides it.
func (c *ActiveHealthChecks) enabled() bool { return c != nil && (c.URI != "" || c.Port != 0) }

// provision applies the defaults and checks the values.
func (c *ActiveHealthChecks) provision() (*url.URL, *regexp.Regexp, error) {
	if c.Port == 0 {
		c.Port = DefaultHealthPort
	}
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	if c.Interval <= 0 {
		c.Interval = caddy.Duration(DefaultHealthInterval)
	}
	if c.Timeout <= 0 {
		c.Timeout = caddy.Duration(DefaultHealthTimeout)
	}
	c.Passes, c.Fails = max(c.Passes, 1), max(c.Fails, 1)
	if c.MaxSize <= 0 {
		c.MaxSize = DefaultHealthMaxSize
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, nil, fmt.Errorf("active health checks: port %d is not a TCP port (1-65535)", c.Port)
	}
	if s := c.ExpectStatus; s != 0 && (s < 1 || s > 5) && (s < 100 || s > 599) {
		return nil, nil, fmt.Errorf("active health checks: expect_status %d is neither a status code (100-599) nor a class (1-5 for 1xx-5xx)", s)
	}
	u, err := url.Parse(c.URI)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return nil, nil, fmt.Errorf("active health checks: uri %q is not a path and query (such as /health): %v", c.URI, err)
	}
	var body *regexp.Regexp
	if c.ExpectBody != "" {
		if body, err = regexp.Compile(c.ExpectBody); err != nil {
			return nil, nil, fmt.Errorf("active health checks: expect_body: %w", err)
		}
	}
	h := http.Header{}
	for k, vs := range c.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	c.Headers = h
	return u, body, nil
}

// describe names the check in logs and the admin view: "GET :80/health".
func (c *ActiveHealthChecks) describe() string {
	return fmt.Sprintf("%s :%d%s", c.Method, c.Port, c.URI)
}

// HealthStatus is an instance's state under one active health check.
type HealthStatus struct {
	// Check names the check: its method, port and URI.
	Check string `json:"check"`
	// Status is "unchecked" (routed, as in Caddy, until a check says
	// otherwise), "healthy" or "unhealthy" (left out of the upstreams).
	Status string `json:"status"`
	// LastCheck is when the last check ended.
	LastCheck time.Time `json:"last_check,omitzero"`
	// LastError is why the last check failed; empty when it passed.
	LastError string `json:"last_error,omitempty"`
	// Passes and Fails count the consecutive passes and failures.
	Passes int `json:"passes,omitempty"`
	Fails  int `json:"fails,omitempty"`
}

// The values of HealthStatus.Status.
const (
	HealthUnchecked = "unchecked"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// healthChecker runs the active health checks of one dstack upstreams
// module, from its Provision to its Cleanup.
type healthChecker struct {
	cfg    *ActiveHealthChecks
	app    *App
	ctx    caddy.Context
	events *caddyevents.App
	log    *zap.Logger
	uri    *url.URL
	body   *regexp.Regexp
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.RWMutex
	state map[string]*HealthStatus // by instance id
}

// probeInstance carries the instance a probe is for to the dial.
type probeInstance struct{}

// newHealthChecker sets up the checks of cfg; events, when not nil,
// receives Caddy's "healthy" and "unhealthy" events, emitted with ctx.
func newHealthChecker(cfg *ActiveHealthChecks, app *App, ctx caddy.Context, events *caddyevents.App, log *zap.Logger) (*healthChecker, error) {
	uri, body, err := cfg.provision()
	if err != nil {
		return nil, err
	}
	h := &healthChecker{cfg: cfg, app: app, ctx: ctx, events: events, log: log, uri: uri, body: body, state: map[string]*HealthStatus{}}
	h.client = &http.Client{
		Timeout: time.Duration(cfg.Timeout),
		// Every probe is a new tunnel stream, so every probe verifies the
		// CVM's attestation afresh.
		Transport: &http.Transport{DialContext: h.dial, DisableKeepAlives: true, DisableCompression: true},
		// Redirects are not followed (Caddy's default): a 3xx is a status
		// like any other.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h, nil
}

// dial opens the probe's stream on the transport's dial path, on a multiplexed
// tunnel connection: a probe costs no handshake with the CVM, and its claims
// are judged as every stream's are.
func (h *healthChecker) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	inst, _ := ctx.Value(probeInstance{}).(*Instance)
	if inst == nil {
		return nil, errors.New("dstack health check: a request without its instance")
	}
	return h.app.dialInstance(ctx, inst, uint16(h.cfg.Port), nil, nil, true)
}

// start runs the checker until stop.
func (h *healthChecker) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go h.run(ctx)
	h.log.Info("active health checks started", zap.String("check", h.cfg.describe()), zap.Duration("interval", time.Duration(h.cfg.Interval)))
}

// stop ends the checker and waits for its probes to end.
func (h *healthChecker) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	<-h.done
	h.client.CloseIdleConnections()
}

func (h *healthChecker) run(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(time.Duration(h.cfg.Interval))
	defer t.Stop()
	for {
		h.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round checks every registered instance the chain allows, at most
// healthConcurrency at once, and forgets the others.
func (h *healthChecker) round(ctx context.Context) {
	if err := h.app.stale(); err != nil {
		// Nothing is routed while the chain is unreadable, and the
		// instances are not at fault: their health stands as it was.
		h.log.Debug("active health checks skipped", zap.Error(err))
		return
	}
	now := h.app.clock.Now()
	var insts []*Instance
	for _, i := range h.app.reg.all() {
		if i.Allowed && h.app.live(i, now) {
			insts = append(insts, i)
		}
	}
	h.forget(insts)
	sem := make(chan struct{}, healthConcurrency)
	var wg sync.WaitGroup
	for _, inst := range insts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					h.log.Error("active health check panicked", zap.Any("error", p), zap.ByteString("stack", debug.Stack()))
				}
			}()
			err := h.probe(ctx, inst)
			// A probe cut short by the checker's end, or failed while the
			// chain went stale, says nothing of the instance.
			if ctx.Err() == nil && (err == nil || h.app.stale() == nil) {
				h.record(inst, err)
			}
		})
	}
	wg.Wait()
}

// probe sends the health request to an instance and judges the answer.
func (h *healthChecker) probe(ctx context.Context, inst *Instance) error {
	u := *h.uri
	u.Scheme, u.Host = "http", net.JoinHostPort(inst.key(), strconv.Itoa(h.cfg.Port))
	req, err := http.NewRequestWithContext(context.WithValue(ctx, probeInstance{}, inst), h.cfg.Method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("making the health request: %w", err)
	}
	repl := caddy.NewReplacer()
	for k, vs := range h.cfg.Headers {
		if k == "Host" {
			req.Host = repl.ReplaceKnown(vs[0], "")
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, repl.ReplaceKnown(v, ""))
		}
	}
	res, err := h.client.Do(req)
	if err != nil {
		return err
	}
	body := io.LimitReader(res.Body, h.cfg.MaxSize)
	defer func() {
		_, _ = io.Copy(io.Discard, body)
		res.Body.Close()
	}()
	if want := h.cfg.ExpectStatus; want != 0 && !caddyhttp.StatusCodeMatches(res.StatusCode, want) ||
		want == 0 && (res.StatusCode < 200 || res.StatusCode > 299) {
		return fmt.Errorf("the instance answered status %d, want %s", res.StatusCode, h.wantStatus())
	}
	if h.body != nil {
		b, err := io.ReadAll(body)
		if err != nil {
			return fmt.Errorf("reading the health response body: %w", err)
		}
		if !h.body.Match(b) {
			return fmt.Errorf("the instance answered a body that does not match expect_body %q", h.cfg.ExpectBody)
		}
	}
	return nil
}

// wantStatus names the expected status: "2xx" or "204".
func (h *healthChecker) wantStatus() string {
	switch s := h.cfg.ExpectStatus; {
	case s == 0:
		return "2xx"
	case s < 100:
		return strconv.Itoa(s) + "xx"
	default:
		return strconv.Itoa(s)
	}
}

// record counts a check's result, as Caddy does: Fails consecutive
// failures make a healthy (or unchecked) instance unhealthy, Passes
// consecutive passes make an unhealthy one healthy.
func (h *healthChecker) record(inst *Instance, err error) {
	id := inst.key()
	h.mu.Lock()
	s := h.state[id]
	if s == nil {
		s = &HealthStatus{Check: h.cfg.describe(), Status: HealthUnchecked}
		h.state[id] = s
	}
	was := s.Status
	s.LastCheck = h.app.clock.Now()
	if err != nil {
		s.LastError, s.Passes, s.Fails = err.Error(), 0, s.Fails+1
		if s.Status != HealthUnhealthy && s.Fails >= h.cfg.Fails {
			s.Status = HealthUnhealthy
		}
	} else {
		h.app.passive.markUp(id, "an active health check passed")
		s.LastError, s.Fails, s.Passes = "", 0, s.Passes+1
		switch {
		case s.Status == HealthUnchecked:
			s.Status = HealthHealthy
		case s.Status == HealthUnhealthy && s.Passes >= h.cfg.Passes:
			s.Status = HealthHealthy
		}
	}
	is := s.Status
	h.mu.Unlock()
	fields := []zap.Field{zap.String("app_id", hexKey(inst.AppID)), zap.String("instance_id", id), zap.String("check", h.cfg.describe())}
	switch {
	case is == HealthUnhealthy && was != HealthUnhealthy:
		h.log.Warn("instance is unhealthy: leaving it out of the upstreams", append(fields, zap.Error(err))...)
		h.emit("unhealthy", inst)
	case is == HealthHealthy && was == HealthUnhealthy:
		h.log.Info("instance is healthy again", fields...)
		h.emit("healthy", inst)
	case err != nil:
		h.log.Info("active health check failed", append(fields, zap.Error(err))...)
	}
}

// emit sends Caddy's event for a change of health: "host" is the
// instance's upstream address at the health port, as Caddy's names the
// upstream's.
func (h *healthChecker) emit(name string, inst *Instance) {
	if h.events == nil {
		return
	}
	h.events.Emit(h.ctx, name, map[string]any{
		"host": net.JoinHostPort(inst.key(), strconv.Itoa(h.cfg.Port)), "app_id": inst.appKey(), "instance_id": inst.key(),
	})
}

// forget drops the state of every instance not in live.
func (h *healthChecker) forget(live []*Instance) {
	keep := make(map[string]bool, len(live))
	for _, i := range live {
		keep[i.key()] = true
	}
	h.mu.Lock()
	for id := range h.state {
		if !keep[id] {
			delete(h.state, id)
		}
	}
	h.mu.Unlock()
}

// status returns an instance's state; ok is false when it was never
// checked.
func (h *healthChecker) status(id string) (HealthStatus, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s, ok := h.state[id]
	if !ok {
		return HealthStatus{}, false
	}
	return *s, true
}

// healthy reports whether an instance may be routed to: it is not marked
// unhealthy.
func (h *healthChecker) healthy(id string) bool {
	s, ok := h.status(id)
	return !ok || s.Status != HealthUnhealthy
}

// unhealthyError is the refusal for a request whose instances all fail
// the check: it names each one's failure (the first few).
func (h *healthChecker) unhealthyError(what string, insts []*Instance) error {
	var why []string
	for _, inst := range insts {
		if len(why) == 3 {
			why = append(why, fmt.Sprintf("and %d more", len(insts)-3))
			break
		}
		s, _ := h.status(inst.key())
		reason := s.LastError
		if reason == "" {
			reason = fmt.Sprintf("recovering: %d of the %d consecutive passes needed", s.Passes, h.cfg.Passes)
		}
		why = append(why, fmt.Sprintf("instance %s: %s", inst.key(), reason))
	}
	return fmt.Errorf("dstack: %w for %s: every instance fails the active health check %s (%s)", ErrUnhealthy, what, h.cfg.describe(), strings.Join(why, "; "))
}

// addChecker makes a checker's results part of the admin view.
func (a *App) addChecker(h *healthChecker) {
	a.checkMu.Lock()
	a.checkers = append(a.checkers, h)
	a.checkMu.Unlock()
}

// removeChecker undoes addChecker.
func (a *App) removeChecker(h *healthChecker) {
	a.checkMu.Lock()
	a.checkers = slices.DeleteFunc(a.checkers, func(c *healthChecker) bool { return c == h })
	a.checkMu.Unlock()
}

// Health returns an instance's state under each active health check
// that has checked it.
func (a *App) Health(instanceID string) []HealthStatus {
	a.checkMu.Lock()
	checkers := slices.Clone(a.checkers)
	a.checkMu.Unlock()
	var out []HealthStatus
	for _, h := range checkers {
		if s, ok := h.status(instanceID); ok {
			out = append(out, s)
		}
	}
	return out
}
