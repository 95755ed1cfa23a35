package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

// kill stops the CVM's tunnel endpoint as a CVM's death does: its open
// streams end and new connections are refused.
func (c *cvm) kill() {
	c.tunnel.Close()
	c.tunLn.Close()
}

// twoOf boots two instances of app and registers them with g.
func (e *env) twoOf(g *gateway, app []byte, compose [32]byte) (*cvm, *cvm) {
	e.t.Helper()
	a, b := e.bootCVM(app, compose, 1), e.bootCVM(app, compose, 2)
	a.mustRegister(g)
	b.mustRegister(g)
	return a, b
}

// revive starts the CVM's tunnel endpoint again at the port it had.
func (c *cvm) revive() {
	c.e.t.Helper()
	_, port, _ := net.SplitHostPort(c.tunAddr)
	c.listenTunnel(c.td, port)
}

// load sends requests for host through the gateway from workers
// goroutines until stop, and counts the answers: 200s by the instance that
// answered, and the others.
type load struct {
	mu     sync.Mutex
	ok     map[string]int
	failed int
	first  string // the first failure
	total  atomic.Int64
	stop   chan struct{}
	once   sync.Once
	done   sync.WaitGroup
}

func startLoad(g *gateway, host string, workers int) *load {
	l := &load{ok: map[string]int{}, stop: make(chan struct{})}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}
	for range workers {
		l.done.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, g.httpURL+"/", nil)
				req.Host = host
				res, err := client.Do(req)
				var body []byte
				if err == nil {
					body, _ = io.ReadAll(res.Body)
					res.Body.Close()
				}
				l.mu.Lock()
				switch {
				case err != nil:
					l.failed++
					l.first = cmpOr(l.first, err.Error())
				case res.StatusCode != http.StatusOK:
					l.failed++
					l.first = cmpOr(l.first, res.Status+" "+string(body))
				default:
					l.ok[strings.Fields(string(body))[1]]++
				}
				l.mu.Unlock()
				l.total.Add(1)
			}
		})
	}
	return l
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// reset forgets the counts so far and returns the failures before it.
func (l *load) reset() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.failed
	l.ok, l.failed, l.first = map[string]int{}, 0, ""
	l.total.Store(0)
	return n
}

func (l *load) counts() (map[string]int, int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok := map[string]int{}
	for k, v := range l.ok {
		ok[k] = v
	}
	return ok, l.failed, l.first
}

func (l *load) end() {
	l.once.Do(func() { close(l.stop) })
	l.done.Wait()
}

// TestPassiveHealthUnderLoad: of two instances of an app under a loop of
// requests, one is killed. With passive health (the default) the failed
// dial marks it down at once and the request goes to the other: no
// request fails but those in flight on the killed instance at the kill,
// and every later one is answered by the live instance. With passive
// health off, the requests Caddy sends to the dead instance keep failing
// (502): the counts of both are logged.
func TestPassiveHealthUnderLoad(t *testing.T) {
	const workers, after = 4, 400
	for _, off := range []bool{false, true} {
		name := "on"
		if off {
			name = "off"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			compose := e.compose(0xe7)
			app := e.deployApp(compose)
			cfg := e.dstackConfig(nil)
			if off {
				cfg["passive_health"] = map[string]any{"off": true}
			}
			g := e.load(cfg, roundRobinRoute(nil))
			a, b := e.twoOf(g, app, compose)

			l := startLoad(g, hostOf(app, ""), workers)
			defer l.end()
			eventually(t, "both instances to answer under load", func() bool {
				ok, _, _ := l.counts()
				return ok[instanceField(a)] >= 10 && ok[instanceField(b)] >= 10
			})
			if n := l.reset(); n != 0 {
				t.Fatalf("%d requests failed before the kill", n)
			}
			b.kill()
			eventually(t, "the requests after the kill", func() bool { return l.total.Load() >= after })
			l.end()
			ok, failed, first := l.counts()
			t.Logf("passive health %s: %d of %d requests failed after one of two instances was killed (%v answered; first failure: %q)",
				name, failed, failed+ok[instanceField(a)]+ok[instanceField(b)], ok, first)
			if off {
				if failed == 0 {
					t.Fatal("with passive health off no request failed: the load does not reach the killed instance")
				}
				return
			}
			if failed > workers {
				t.Fatalf("%d requests failed after the kill, want at most the %d in flight; first: %s", failed, workers, first)
			}
			if _, down := g.app.passive.status(hexKey(b.id.InstanceID)); !down {
				t.Fatal("the killed instance is not marked down")
			}
			if n := g.logCount("instance is down"); n != 1 {
				t.Fatalf("%d logs of the instance going down, want 1", n)
			}
			if seen := reached(t, g, hostOf(app, ""), 10); seen[instanceField(a)] != 10 {
				t.Fatalf("after the kill the requests reached %v", seen)
			}
		})
	}
}

// TestPassiveHealthNoLiveInstance: with both instances of an app dead, a
// request is answered 503 with X-Dstack-Refused: down, a Retry-After and
// a body that names each instance (not the CVMs' tunnel addresses, which
// only the log has); a request pinned to one instance by its id is
// answered the same for that instance, and is not sent to another.
func TestPassiveHealthNoLiveInstance(t *testing.T) {
	e := newEnv(t)
	e.adminSocket()
	compose := e.compose(0xe8)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	a, b := e.twoOf(g, app, compose)
	a.kill()
	// Pinned to a: b is live, but the request is for a.
	code, why, body := doHeader(t, g, http.MethodGet, hostOf(a.id.InstanceID, ""), "/", "X-Dstack-Refused")
	if code != http.StatusServiceUnavailable || why != "down" ||
		!strings.Contains(body, "no live instance of instance "+hexKey(a.id.InstanceID)) || strings.Contains(body, "app=") {
		t.Fatalf("pinned to a dead instance: %d %q %q", code, why, body)
	}
	b.kill()
	for range 3 { // the first dials b and fails; the next find both down
		code, why, body = doHeader(t, g, http.MethodGet, hostOf(app, ""), "/", "X-Dstack-Refused")
		if code != http.StatusServiceUnavailable || why != "down" {
			t.Fatalf("both dead: %d %q %q", code, why, body)
		}
	}
	for _, want := range []string{"no live instance of app " + hexKey(app) + " (port 80)", "instance " + hexKey(a.id.InstanceID) + ": down since",
		"instance " + hexKey(b.id.InstanceID) + ": down since", "the gateway's log says why"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the 503's body lacks %q: %q", want, body)
		}
	}
	if strings.Contains(body, a.tunAddr) || strings.Contains(body, b.tunAddr) {
		t.Fatalf("the 503's body names a tunnel address: %q", body)
	}
	if _, ra, _ := doHeader(t, g, http.MethodGet, hostOf(app, ""), "/", "Retry-After"); ra != "30" && ra != "29" {
		t.Fatalf("Retry-After %q, want the cool-down left (30s)", ra)
	}
	if !g.logContains("refused request: no live instance") || !g.logContains(b.tunAddr) {
		t.Fatal("the log does not say why")
	}
	var view struct {
		Instances []struct {
			InstanceID string      `json:"instance_id"`
			Down       *DownStatus `json:"down"`
		} `json:"instances"`
	}
	if raw, err := e.adminInstances(&view); err != nil || len(view.Instances) != 2 {
		t.Fatalf("admin view: %v %s", err, raw)
	}
	for _, i := range view.Instances {
		if i.Down == nil || !strings.Contains(i.Down.Error, "tunnel") || !i.Down.Until.After(i.Down.Since) {
			t.Fatalf("the admin view shows instance %s as %+v, want down with its dial error", i.InstanceID, i.Down)
		}
	}
}

// roundRobinRoute is proxyRoute (transport: the transport's options) with
// round-robin selection and no retries of Caddy's.
func roundRobinRoute(transport map[string]any) []any {
	route := proxyRoute(transport)
	rp := route[0].(map[string]any)["handle"].([]any)[0].(map[string]any)
	rp["load_balancing"] = map[string]any{"selection_policy": map[string]any{"policy": "round_robin"}}
	return route
}

// TestPassiveHealthRecovery: an instance marked down is left out, its
// tunnel not dialed, until its cool-down has passed on the gateway's clock
// (here a fake one), then routed again; a registration or a passing
// active health check routes it again at once.
func TestPassiveHealthRecovery(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xe9)
	app := e.deployApp(compose)
	cfg := e.dstackConfig(map[string]any{"passive_health": map[string]any{"cool_down": "1m"}})
	clock := fakeClock(t)
	g := e.load(cfg, roundRobinRoute(map[string]any{"disable_keepalives": true}))
	a, b := e.twoOf(g, app, compose)
	aID := hexKey(a.id.InstanceID)

	// markDown kills a, sends requests until one has dialed it (all are
	// answered by b), and revives it.
	markDown := func() {
		t.Helper()
		a.kill()
		if seen := reached(t, g, hostOf(app, ""), 4); seen[instanceField(b)] != 4 {
			t.Fatalf("with a dead: %v", seen)
		}
		if _, down := g.app.passive.status(aID); !down {
			t.Fatal("a is not marked down")
		}
		a.revive()
	}
	markDown()
	dials := a.tunnelConns.Load()
	clock.Advance(time.Minute - time.Nanosecond)
	if seen := reached(t, g, hostOf(app, ""), 6); seen[instanceField(b)] != 6 || a.tunnelConns.Load() != dials {
		t.Fatalf("before the cool-down's end: %v, %d dials of a", seen, a.tunnelConns.Load()-dials)
	}
	clock.Advance(time.Nanosecond)
	if seen := reached(t, g, hostOf(app, ""), 6); seen[instanceField(a)] == 0 || seen[instanceField(b)] == 0 {
		t.Fatalf("after the cool-down: %v, want both", seen)
	}

	markDown()
	a.mustRegister(g)
	if seen := reached(t, g, hostOf(app, ""), 6); seen[instanceField(a)] == 0 {
		t.Fatalf("after a registered again: %v, want both", seen)
	}
	if !g.logContains("it registered again") {
		t.Fatal("the recovery is not logged")
	}
}

// TestPassiveHealthActiveCheckRecovers: a passing active health check
// routes an instance passive health marked down again, before its
// cool-down ends.
func TestPassiveHealthActiveCheckRecovers(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xea)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(map[string]any{"passive_health": map[string]any{"cool_down": "1h"}}), healthRoute(nil))
	a, _ := e.twoOf(g, app, compose)
	eventually(t, "a to pass its check", g.healthIs(a, HealthHealthy))
	aID := hexKey(a.id.InstanceID)
	inst, _ := g.app.reg.get(aID)
	g.app.passive.markDown(inst, io.ErrUnexpectedEOF)
	if _, down := g.app.passive.status(aID); !down {
		t.Fatal("not marked down")
	}
	eventually(t, "a passing check to route a again", func() bool { _, down := g.app.passive.status(aID); return !down })
	if !g.logContains("an active health check passed") {
		t.Fatal("the recovery is not logged")
	}
}

// TestDeregister: a CVM's DeregisterCvm over mutual RA-TLS removes its
// registration at once — from the registry, the routes and storage — and
// is idempotent; another instance of the same app, another app's CVM, and
// another app's CVM that claims the same instance id are refused, with
// the reason, and the registration stays.
func TestDeregister(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xeb)
	app := e.deployApp(compose)
	otherCompose := e.compose(0xec)
	other := e.deployApp(otherCompose)
	g := e.load(e.dstackConfig(nil), roundRobinRoute(nil))
	a, b := e.twoOf(g, app, compose)
	o := e.bootCVM(other, otherCompose, 1)
	// A CVM of the other app whose attestation claims a's instance id.
	twin, err := e.pki.BootTD(mock.Identity{AppID: other, ComposeHash: otherCompose[:], InstanceID: a.id.InstanceID})
	if err != nil {
		t.Fatal(err)
	}
	own := tunnel.DeregisterRequest{AppID: app, InstanceID: a.id.InstanceID}
	for _, tc := range []struct {
		name string
		td   *mock.TD
		req  tunnel.DeregisterRequest
		want string
	}{
		{"same app, another instance", b.td, own, "the attestation proves instance " + hexKey(b.id.InstanceID)},
		{"another app", o.td, own, "the attestation proves app " + hexKey(other)},
		{"another app claiming the instance id", twin, tunnel.DeregisterRequest{AppID: other, InstanceID: a.id.InstanceID},
			"instance " + hexKey(a.id.InstanceID) + " is registered under app " + hexKey(app)},
	} {
		_, err := a.deregistration(g, tc.td).Deregister(context.Background(), tc.req)
		if err == nil || !strings.Contains(err.Error(), "deregistration refused") || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want a refusal saying %q", tc.name, err, tc.want)
		}
	}
	if _, ok := g.app.reg.get(hexKey(a.id.InstanceID)); !ok {
		t.Fatal("a refused deregistration removed the registration")
	}
	stored := filepath.Join(e.dir, "storage", storageKey(hexKey(a.id.InstanceID)))
	if _, err := os.Stat(stored); err != nil {
		t.Fatalf("the registration is not in storage: %v", err)
	}

	res, err := a.deregistration(g, a.td).Deregister(context.Background(), own)
	if err != nil || !res.Removed {
		t.Fatalf("deregistering a: %+v %v", res, err)
	}
	// At once: no request reaches a, none fails.
	if seen := reached(t, g, hostOf(app, ""), 6); seen[instanceField(b)] != 6 {
		t.Fatalf("after a deregistered: %v", seen)
	}
	if code, body := get(t, nil, g, hostOf(a.id.InstanceID, ""), nil); code == http.StatusOK {
		t.Fatalf("a deregistered instance answered by its id: %q", body)
	}
	if _, err := os.Stat(stored); !os.IsNotExist(err) {
		t.Fatalf("the registration is still in storage: %v", err)
	}
	if !g.logContains(`"msg":"deregistered"`) {
		t.Fatal("the deregistration is not logged")
	}
	res, err = a.deregistration(g, a.td).Deregister(context.Background(), own)
	if err != nil || res.Removed {
		t.Fatalf("deregistering again: %+v %v, want removed false", res, err)
	}
}

// deregistration is the RPC client a CVM deregisters with, presenting a
// client certificate from td.
func (c *cvm) deregistration(g *gateway, td *mock.TD) *tunnel.Registration {
	return &tunnel.Registration{
		GatewayURL: "https://" + g.app.RegistrationAddr(), Certificate: c.cert(td, false),
		Attestation: c.e.pki.VerifyOptions(), Gateway: c.e.reader,
	}
}

// TestPassiveHealthLayer4: the terminated layer4 route marks an instance
// whose dial fails down and connects to another; with none live it
// refuses and logs why.
func TestPassiveHealthLayer4(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xed)
	app := e.deployApp(compose)
	l4addr, apps := terminatedL4(t, nil)
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(nil), apps)
	a, b := e.twoOf(g, app, compose)
	a.ports[7000], b.ports[7000] = e.tcpEcho(), e.tcpEcho()
	if got := l4Echo(t, l4addr, app); got != "echo:ping" {
		t.Fatalf("before: %q", got)
	}
	// The handler tries the most recently seen instance first: b, which
	// then dies.
	b.mustRegister(g)
	b.kill()
	for range 3 {
		if got := l4Echo(t, l4addr, app); got != "echo:ping" {
			t.Fatalf("with b dead: %q", got)
		}
	}
	if _, down := g.app.passive.status(hexKey(b.id.InstanceID)); !down {
		t.Fatal("b is not marked down")
	}
	if n := g.logCount(`"msg":"refused upstream"`); n != 1 {
		t.Fatalf("b was dialed %d times, want once (then left out)", n)
	}
	a.kill()
	if got := l4Echo(t, l4addr, app); got != "" {
		t.Fatalf("with both dead: %q", got)
	}
	eventually(t, "the refusal to be logged", func() bool { return g.logContains("no live instance of " + hexKey(app)) })
}

// TestPassiveHealthRetriesWithBody: a request with a body whose dial
// failed reaches the live instance with its body whole: nothing of it was
// read by the failed attempt.
func TestPassiveHealthRetriesWithBody(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xee)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), roundRobinRoute(nil))
	a, b := e.twoOf(g, app, compose)
	for _, c := range []*cvm{a, b} {
		name := instanceField(c)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			io.WriteString(w, name+" body="+string(body))
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		c.ports[80] = ln.Addr().String()
	}
	b.kill()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 4 {
		want := strings.Repeat(string(rune('a'+i)), 100<<10)
		req, _ := http.NewRequest(http.MethodPost, g.httpURL+"/", strings.NewReader(want))
		req.Host = hostOf(app, "")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || string(got) != instanceField(a)+" body="+want {
			t.Fatalf("POST %d: %d %.200q", i, res.StatusCode, got)
		}
	}
	if _, down := g.app.passive.status(hexKey(b.id.InstanceID)); !down {
		t.Fatal("no request was sent to b")
	}
}
