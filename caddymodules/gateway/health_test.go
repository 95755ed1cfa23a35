package gateway

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(new(eventRecorder))
}

// eventRecorder is an events handler that keeps the health events it
// receives, as "<name> <instance_id>".
type eventRecorder struct{}

var recorded struct {
	sync.Mutex
	events []string
}

func (*eventRecorder) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "events.handlers.dstack_test_recorder", New: func() caddy.Module { return new(eventRecorder) }}
}

func (*eventRecorder) Handle(_ context.Context, e caddy.Event) error {
	recorded.Lock()
	defer recorded.Unlock()
	recorded.events = append(recorded.events, fmt.Sprintf("%s %v %v", e.Name(), e.Data["instance_id"], e.Data["host"]))
	return nil
}

// recordedEvents is what eventRecorder kept.
func recordedEvents() []string {
	recorded.Lock()
	defer recorded.Unlock()
	return slices.Clone(recorded.events)
}

// healthRoute is proxyRoute with the dstack upstreams' active health
// checks (checks merged over /health every 100ms) and round-robin
// selection without retries, so that every request shows which instances
// are used.
func healthRoute(checks map[string]any) []any {
	hc := map[string]any{"uri": "/health", "interval": "100ms"}
	for k, v := range checks {
		hc[k] = v
	}
	route := proxyRoute(map[string]any{"disable_keepalives": true})
	rp := route[0].(map[string]any)["handle"].([]any)[0].(map[string]any)
	rp["dynamic_upstreams"] = map[string]any{"source": "dstack", "active_health_checks": hc}
	rp["load_balancing"] = map[string]any{"selection_policy": map[string]any{"policy": "round_robin"}}
	return route
}

// health is the instance's state under the gateway's only health check.
func (g *gateway) health(c *cvm) (HealthStatus, bool) {
	s := g.app.Health(hexKey(c.id.InstanceID))
	if len(s) != 1 {
		return HealthStatus{}, false
	}
	return s[0], true
}

func (g *gateway) healthIs(c *cvm, status string) func() bool {
	return func() bool { s, ok := g.health(c); return ok && s.Status == status }
}

// reached sends n requests for host and counts the instances that
// answered; any answer but 200 fails the test.
func reached(t *testing.T, g *gateway, host string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		code, body := get(t, nil, g, host, nil)
		if code != 200 {
			t.Fatalf("%d %q", code, body)
		}
		seen[strings.Fields(body)[1]]++
	}
	return seen
}

func instanceField(c *cvm) string { return fmt.Sprintf("instance=%x", c.id.InstanceID) }

// TestActiveHealthChecks: of two instances of one app, the one whose
// backend answers 500 on the health path is left out after `fails` failed
// checks, and used again after `passes` passing ones; each change is
// Caddy's "unhealthy" or "healthy" event, and the admin view shows each
// instance's health.
func TestActiveHealthChecks(t *testing.T) {
	e := newEnv(t)
	e.adminSocket()
	compose := e.compose(0xe1)
	app := e.deployApp(compose)
	events := map[string]any{"events": map[string]any{"subscriptions": []any{map[string]any{
		"events": []string{"healthy", "unhealthy"}, "modules": []string{"http.reverse_proxy.upstreams.dstack"},
		"handlers": []any{map[string]any{"handler": "dstack_test_recorder"}},
	}}}}
	recorded.Lock()
	recorded.events = nil
	recorded.Unlock()
	g := e.loadApps(e.dstackConfig(nil), healthRoute(map[string]any{"fails": 3, "passes": 2}), events)
	a, b := e.bootCVM(app, compose, 1), e.bootCVM(app, compose, 2)
	host := fmt.Sprintf("%x %x:80", b.id.InstanceID, b.id.InstanceID)
	a.mustRegister(g)
	b.mustRegister(g)
	eventually(t, "both instances to pass a check", func() bool { return g.healthIs(a, HealthHealthy)() && g.healthIs(b, HealthHealthy)() })
	if seen := reached(t, g, hostOf(app, ""), 6); len(seen) != 2 {
		t.Fatalf("requests reached %v, want both instances", seen)
	}

	b.healthStatus.Store(http.StatusInternalServerError)
	eventually(t, "the failing instance to be marked unhealthy", g.healthIs(b, HealthUnhealthy))
	s, _ := g.health(b)
	if s.Fails < 3 || s.Passes != 0 || !strings.Contains(s.LastError, "answered status 500, want 2xx") || s.LastCheck.IsZero() {
		t.Fatalf("unhealthy instance's state %+v", s)
	}
	if !g.logContains("instance is unhealthy") {
		t.Fatal("no log line for the instance going down")
	}
	if seen := reached(t, g, hostOf(app, ""), 6); seen[instanceField(a)] != 6 {
		t.Fatalf("with one instance unhealthy, requests reached %v", seen)
	}
	eventually(t, "the unhealthy event", func() bool { return len(recordedEvents()) >= 1 })
	if ev := recordedEvents(); !slices.Equal(ev, []string{"unhealthy " + host}) {
		t.Fatalf("events %q", ev)
	}

	b.healthStatus.Store(0)
	eventually(t, "the instance to be healthy again", g.healthIs(b, HealthHealthy))
	if s, _ := g.health(b); s.Passes < 2 || s.LastError != "" {
		t.Fatalf("recovered instance's state %+v", s)
	}
	if seen := reached(t, g, hostOf(app, ""), 6); len(seen) != 2 {
		t.Fatalf("after recovery, requests reached %v, want both instances", seen)
	}
	eventually(t, "the healthy event", func() bool { return len(recordedEvents()) >= 2 })
	if ev := recordedEvents(); !slices.Equal(ev, []string{"unhealthy " + host, "healthy " + host}) {
		t.Fatalf("events %q", ev)
	}

	var view struct {
		Instances []struct {
			InstanceID string         `json:"instance_id"`
			Health     []HealthStatus `json:"health"`
		}
	}
	if raw, err := e.adminInstances(&view); err != nil || len(view.Instances) != 2 {
		t.Fatalf("admin view %s: %v", raw, err)
	}
	for _, i := range view.Instances {
		if len(i.Health) != 1 || i.Health[0].Check != "GET :80/health" || i.Health[0].Status != HealthHealthy || i.Health[0].LastCheck.IsZero() {
			t.Fatalf("admin view of %s: %+v", i.InstanceID, i.Health)
		}
	}
}

// TestAllInstancesUnhealthy: when every instance of an app (or the one an
// instance id pins) fails the check, the request is answered 503 and the
// log names the check's failure; a health port the port policy does not
// route is a failed check that says so.
func TestAllInstancesUnhealthy(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xe2)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), healthRoute(nil))
	a := e.bootCVM(app, compose, 1)
	a.healthStatus.Store(http.StatusServiceUnavailable)
	a.mustRegister(g)
	eventually(t, "the instance to be marked unhealthy", g.healthIs(a, HealthUnhealthy))
	for _, host := range []string{hostOf(app, ""), hostOf(a.id.InstanceID, "")} {
		if code, body := get(t, nil, g, host, nil); code != http.StatusServiceUnavailable || strings.Contains(body, "app=") {
			t.Fatalf("%s: %d %q", host, code, body)
		}
	}
	for _, want := range []string{
		"no healthy instance for app " + hex.EncodeToString(app),
		"no healthy instance for instance " + hex.EncodeToString(a.id.InstanceID),
		"answered status 503, want 2xx",
	} {
		if !g.logContains(want) {
			b, _ := os.ReadFile(g.logPath)
			t.Fatalf("log lacks %q:\n%s", want, b)
		}
	}

	// The health port is one the app's compose does not publish.
	noHealthPort := e.composeOf("no port 80", []string{fmt.Sprint(testPort)}, "")
	e.allow(app, noHealthPort)
	b := e.bootCVM(app, noHealthPort, 2)
	b.registerOnceAllowed(t, g)
	eventually(t, "the instance without port 80 to be marked unhealthy", g.healthIs(b, HealthUnhealthy))
	if s, _ := g.health(b); !strings.Contains(s.LastError, "does not expose port 80") {
		t.Fatalf("state %+v", s)
	}
}

// TestUnattestedNeverHealthy: a registered instance whose tunnel endpoint
// presents a forged quote, another app's attestation or a compose hash
// the chain does not allow fails every check (the probe dials as the
// transport does) and is never marked healthy.
func TestUnattestedNeverHealthy(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xe3)
	app := e.deployApp(compose)
	otherCompose := e.compose(0xe4)
	other := e.deployApp(otherCompose)
	g := e.load(e.dstackConfig(nil), healthRoute(nil))
	for i, tc := range e.forgeries(other, otherCompose) {
		t.Run(tc.name, func(t *testing.T) {
			c := e.bootCVM(app, compose, 10+i)
			c.forge(tc)
			c.mustRegister(g)
			// Fails counts consecutive failures from the first check on:
			// at 5 with no pass, no check ever passed.
			eventually(t, "five failed checks", func() bool { s, _ := g.health(c); return s.Fails >= 5 })
			if s, _ := g.health(c); s.Status != HealthUnhealthy || s.Passes != 0 || !strings.Contains(s.LastError, tc.log) {
				t.Fatalf("state %+v", s)
			}
			if c.healthHits.Load() != 0 {
				t.Fatalf("the backend behind an unattested endpoint saw %d health requests", c.healthHits.Load())
			}
			if code, _ := get(t, nil, g, hostOf(c.id.InstanceID, ""), nil); code != http.StatusServiceUnavailable {
				t.Fatalf("%d", code)
			}
		})
	}
}

// TestHealthExpectBody: with expect_body, an instance whose health answer
// does not match is left out, though it answers 200; the health headers
// (here the host) are sent.
func TestHealthExpectBody(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xe6)
	app := e.deployApp(compose)
	a, b := e.bootCVM(app, compose, 1), e.bootCVM(app, compose, 2)
	g := e.load(e.dstackConfig(nil), healthRoute(map[string]any{
		"expect_status": 200, "expect_body": "^" + instanceField(a) + " ok host=health.internal$",
		"headers": map[string]any{"host": []string{"health.internal"}},
	}))
	a.mustRegister(g)
	b.mustRegister(g)
	eventually(t, "the other instance to be marked unhealthy", func() bool { return g.healthIs(a, HealthHealthy)() && g.healthIs(b, HealthUnhealthy)() })
	if s, _ := g.health(b); !strings.Contains(s.LastError, "does not match expect_body") {
		t.Fatalf("state %+v", s)
	}
	if seen := reached(t, g, hostOf(app, ""), 4); seen[instanceField(a)] != 4 {
		t.Fatalf("requests reached %v", seen)
	}
}

// TestHealthWhileChainStale: while the chain is unreadable past
// max_staleness no check runs (nothing is routed, and the instances are
// not at fault), so an instance's health stands; checks resume with the
// chain.
func TestHealthWhileChainStale(t *testing.T) {
	e := newEnv(t)
	e.logLevel = "DEBUG" // to see the rounds skipped
	compose := e.compose(0xe7)
	app := e.deployApp(compose)
	cfg := e.dstackConfig(nil)
	cfg["chain"].(map[string]any)["max_staleness"] = "300ms"
	g := e.load(cfg, healthRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	eventually(t, "a passed check", g.healthIs(c, HealthHealthy))
	e.rpcDown.Store(true)
	eventually(t, "the chain to be stale", func() bool { return g.app.stale() != nil })
	// Rounds run one after another: once one is skipped, a round begun
	// before has ended, with its probes.
	skipped := func() int { return g.logCount("active health checks skipped") }
	eventually(t, "a round skipped", func() bool { return skipped() > 0 })
	before, _ := g.health(c)
	n := skipped()
	eventually(t, "ten more rounds skipped", func() bool { return skipped() >= n+10 })
	if s, _ := g.health(c); s.Status != HealthHealthy || s.LastError != "" || !s.LastCheck.Equal(before.LastCheck) {
		t.Fatalf("while the chain is stale: %+v, before %+v", s, before)
	}
	e.rpcDown.Store(false)
	eventually(t, "checks to resume", func() bool { s, _ := g.health(c); return s.LastCheck.After(before.LastCheck) })
	if s, _ := g.health(c); s.Status != HealthHealthy {
		t.Fatalf("after the chain is back: %+v", s)
	}
}

// checkersRunning counts the health checkers' goroutines.
func checkersRunning() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "gateway.(*healthChecker).run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestHealthCheckerReload: a config reload stops the old config's
// checker (its goroutine ends and its probes stop) and starts the new
// one's; a config without health checks runs none.
func TestHealthCheckerReload(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xe5)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), healthRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	eventually(t, "a check", func() bool { return c.healthHits.Load() > 0 })
	old := g.app.checkers[0] // the app is not reused: nothing else changes its checkers now
	for range 3 {
		g = e.load(e.dstackConfig(nil), healthRoute(nil))
	}
	select {
	case <-old.done:
	case <-time.After(time.Minute):
		t.Fatal("the first config's checker still runs")
	}
	eventually(t, "one checker running", func() bool { return checkersRunning() == 1 })
	eventually(t, "the new config's checks", g.healthIs(c, HealthHealthy))
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("%d", code)
	}
	last := g.app.checkers[0]
	e.load(e.dstackConfig(nil), proxyRoute(nil))
	<-last.done
	eventually(t, "no checker running", func() bool { return checkersRunning() == 0 })
	// A probe cancelled on its way may still reach the backend: once the
	// old configs' tunnel connections have ended (their app closed them)
	// and the backend has served what they relayed, nothing more is on
	// its way, and nothing new may come.
	eventually(t, "the probes in flight to land", func() bool {
		return c.tunnel.OpenStreams() == 0 && c.backendOpen.Load() == 0
	})
	hits := c.healthHits.Load()
	accepted := c.tunnelConns.Load()
	time.Sleep(500 * time.Millisecond) // a checker left running would probe within it (interval 100ms)
	if n, a := c.healthHits.Load(), c.tunnelConns.Load(); n != hits || a != accepted {
		t.Fatalf("health requests went on after the reload: %d, then %d (tunnel connections %d, then %d)", hits, n, accepted, a)
	}
}

// TestHealthCounting: Fails consecutive failures make an instance
// unhealthy, Passes consecutive passes healthy again; a pass between
// failures starts the count anew, and an instance that leaves the
// registry is forgotten.
func TestHealthCounting(t *testing.T) {
	cfg := &ActiveHealthChecks{URI: "/health", Fails: 2, Passes: 3}
	h, err := newHealthChecker(cfg, &App{clock: clockwork.NewRealClock()}, caddy.Context{}, nil, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	inst := &Instance{AppID: make([]byte, 20), InstanceID: []byte{1}}
	fail := errors.New("down")
	for i, step := range []struct {
		err  error
		want string
	}{
		{nil, HealthHealthy}, {fail, HealthHealthy}, {nil, HealthHealthy}, {fail, HealthHealthy},
		{fail, HealthUnhealthy}, {fail, HealthUnhealthy}, {nil, HealthUnhealthy}, {nil, HealthUnhealthy},
		{fail, HealthUnhealthy}, {nil, HealthUnhealthy}, {nil, HealthUnhealthy}, {nil, HealthHealthy},
	} {
		h.record(inst, step.err)
		if s, _ := h.status(inst.key()); s.Status != step.want {
			t.Fatalf("step %d: %+v, want %s", i, s, step.want)
		}
	}
	if !h.healthy("02") {
		t.Fatal("an unchecked instance must be routed")
	}
	h.forget(nil)
	if _, ok := h.status(inst.key()); ok {
		t.Fatal("a removed instance is remembered")
	}
}

// TestHealthCheckConfig: the defaults are Caddy's (and port 80), and bad
// values are refused with what to change.
func TestHealthCheckConfig(t *testing.T) {
	c := &ActiveHealthChecks{URI: "/h"}
	if _, _, err := c.provision(); err != nil {
		t.Fatal(err)
	}
	if c.Port != 80 || c.Method != "GET" || time.Duration(c.Interval) != 30*time.Second || time.Duration(c.Timeout) != 5*time.Second ||
		c.Passes != 1 || c.Fails != 1 || c.MaxSize != 1<<20 {
		t.Fatalf("defaults %+v", c)
	}
	if (&ActiveHealthChecks{}).enabled() || (*ActiveHealthChecks)(nil).enabled() || !(&ActiveHealthChecks{Port: 8080}).enabled() {
		t.Fatal("enabled")
	}
	for _, tc := range []struct {
		c    ActiveHealthChecks
		want string
	}{
		{ActiveHealthChecks{Port: 70000}, "not a TCP port"},
		{ActiveHealthChecks{URI: "/", ExpectStatus: 42}, "expect_status 42"},
		{ActiveHealthChecks{URI: "/", ExpectStatus: 600}, "expect_status 600"},
		{ActiveHealthChecks{URI: "http://other/health"}, "not a path and query"},
		{ActiveHealthChecks{URI: "%zz"}, "not a path and query"},
		{ActiveHealthChecks{URI: "/", ExpectBody: "("}, "expect_body"},
	} {
		if _, _, err := tc.c.provision(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
	for in, want := range map[string]int{"2xx": 2, "5xx": 5, "200": 200, "599": 599, "3": 3} {
		if got, err := parseHealthStatus(in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "6xx", "0xx", "99", "600", "+200", "02", "2XX", "20x", "-1"} {
		if got, err := parseHealthStatus(in); err == nil {
			t.Errorf("%q: %d, want an error", in, got)
		}
	}
}

// FuzzUpstreamsCaddyfile: any `dynamic dstack` block gives a config or
// an error, never a panic, and a config it gives provisions or is refused.
func FuzzUpstreamsCaddyfile(f *testing.F) {
	for _, s := range []string{
		"dstack", "dstack {\n}", "dstack {\nhealth_uri /health\nhealth_status 2xx\nhealth_interval 1s\n}",
		"dstack {\nhealth_port 8080\nhealth_headers {\nHost x\nX-A\n}\nhealth_fails 3\nhealth_passes 2\n}",
		"dstack {\nhealth_status abc\n}", "dstack {\nhealth_body (\nhealth_uri /\n}", "dstack x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var u Upstreams
		if err := u.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err != nil || !u.ActiveHealthChecks.enabled() {
			return
		}
		raw, err := json.Marshal(u.ActiveHealthChecks)
		if err != nil {
			t.Fatal(err)
		}
		var back ActiveHealthChecks
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		_, _, _ = back.provision()
	})
}
