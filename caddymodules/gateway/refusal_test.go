package gateway

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/measure"
)

// forgery is an identity a tunnel endpoint may present instead of the
// registered instance's, and what the gateway's log says of it.
type forgery struct {
	name string
	td   func(c *cvm) mock.Identity
	pki  *mock.PKI
	log  string
}

// forgeries are a forged quote (another PKI), another app's attestation
// (other, allowing otherCompose), another instance of the same app (a CVM
// answering at an address registered for its sibling), a compose hash
// the chain does not allow, an OS image the evidence does not bind, and a
// TD that booted another kernel than the image it claims.
func (e *env) forgeries(other []byte, otherCompose [32]byte) []forgery {
	e.t.Helper()
	forger, err := mock.NewPKI([]byte("forger"))
	if err != nil {
		e.t.Fatal(err)
	}
	return []forgery{
		{"forged quote", func(c *cvm) mock.Identity { return c.id }, forger, "TDX quote verification failed"},
		{"other app", func(c *cvm) mock.Identity {
			id := c.id
			id.AppID, id.ComposeHash = other, otherCompose[:]
			return id
		}, e.pki, "the CVM proves app id " + hex.EncodeToString(other)},
		{"same app, another instance", func(c *cvm) mock.Identity {
			id := c.id
			id.InstanceID = instanceID(id.AppID, 1000)
			return id
		}, e.pki, "not the registered"},
		{"compose hash not allowed", func(c *cvm) mock.Identity {
			id := c.id
			id.ComposeHash = make([]byte, 32)
			return id
		}, e.pki, "is not allowed on chain"},
		{"OS image not bound", func(c *cvm) mock.Identity {
			id := c.id
			id.Config = unboundVMConfig
			return id
		}, e.pki, "the OS image is not bound"},
		{"another kernel than claimed", func(c *cvm) mock.Identity {
			id := c.id
			id.Booted = otherKernel()
			return id
		}, e.pki, "did not boot OS image"},
	}
}

// unboundVMConfig names the development image without its measurement
// document: the evidence verifies, its os_image_hash is a claim.
var unboundVMConfig = fmt.Sprintf(`{"os_image_hash":"%x"}`, mock.OSImageHash)

// otherKernel is the development image with another kernel: a TD that
// boots it while its vm_config claims the development image contradicts
// its claim in RTMR1.
func otherKernel() *measure.TDXImageMeasurement {
	m := mock.DevImageMeasurement()
	m.Image.KernelAuthenticode[0] ^= 0x80
	return m
}

// TestRegistrationNeedsABoundOSImage: a CVM whose evidence does not bind
// its os_image_hash, or that booted another kernel than the image it
// claims, is refused registration — though the chain allows the hash it
// names — and the genuine CVM of the same app is not. With
// insecure_allow_unbound_os_image (warned at start) the unbound CVM
// registers and is routed to; the contradicting one still is not.
func TestRegistrationNeedsABoundOSImage(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc9)
	app := e.deployApp(compose)
	boot := func(g *gateway, n int, change func(*mock.Identity)) (*cvm, error) {
		c := e.bootCVM(app, compose, n)
		change(&c.id)
		td, err := e.pki.BootTD(c.id)
		if err != nil {
			t.Fatal(err)
		}
		c.td = td
		_, port, _ := net.SplitHostPort(c.tunAddr)
		c.startTunnelAt(td, port)
		_, err = c.register(g)
		return c, err
	}
	unbound := func(id *mock.Identity) { id.Config = unboundVMConfig }
	mismatch := func(id *mock.Identity) { id.Booted = otherKernel() }
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	if g.logContains("insecure_allow_unbound_os_image") {
		t.Fatal("warned without the option")
	}
	if _, err := boot(g, 1, unbound); err == nil || !strings.Contains(err.Error(), "registration refused: the OS image is not bound") ||
		!strings.Contains(err.Error(), "insecure_allow_unbound_os_image") {
		t.Fatalf("unbound OS image: %v", err)
	}
	if _, err := boot(g, 2, mismatch); err == nil {
		t.Fatal("a CVM that booted another kernel than it claims registered")
	}
	if len(g.app.Instances()) != 0 {
		t.Fatalf("registry %+v", g.app.Instances())
	}
	genuine, err := boot(g, 3, func(*mock.Identity) {})
	if err != nil {
		t.Fatalf("the genuine CVM: %v", err)
	}
	if code, _ := get(t, nil, g, hostOf(genuine.id.InstanceID, ""), nil); code != 200 {
		t.Fatalf("the genuine CVM: %d", code)
	}

	g = e.load(e.dstackConfig(map[string]any{"insecure_allow_unbound_os_image": true}), proxyRoute(nil))
	if !g.logContains("INSECURE: insecure_allow_unbound_os_image") {
		t.Fatal("the option was not warned at start")
	}
	c, err := boot(g, 4, unbound)
	if err != nil {
		t.Fatalf("unbound OS image with insecure_allow_unbound_os_image: %v", err)
	}
	if code, body := get(t, nil, g, hostOf(c.id.InstanceID, ""), nil); code != 200 {
		t.Fatalf("unbound OS image with insecure_allow_unbound_os_image, routing: %d %q", code, body)
	}
	if _, err := boot(g, 5, mismatch); err == nil {
		t.Fatal("a CVM that booted another kernel than it claims registered with insecure_allow_unbound_os_image")
	}
}

// forge replaces the CVM's tunnel endpoint by one on the same port that
// presents f's identity.
func (c *cvm) forge(f forgery) {
	c.e.t.Helper()
	td, err := f.pki.BootTD(f.td(c))
	if err != nil {
		c.e.t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(c.tunAddr)
	c.startTunnelAt(td, port)
}

// TestRefusedUpstreams: a registered instance whose tunnel endpoint then
// presents a forged quote, another app's attestation, or a compose hash
// the chain does not allow is never reached: it is marked down (503,
// X-Dstack-Refused: down, with no other instance to go to), and the log
// says why.
func TestRefusedUpstreams(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc3)
	app := e.deployApp(compose)
	otherCompose := e.compose(0xd3)
	other := e.deployApp(otherCompose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	for _, tc := range e.forgeries(other, otherCompose) {
		t.Run(tc.name, func(t *testing.T) {
			c := e.bootCVM(app, compose, len(tc.name))
			c.mustRegister(g)
			if code, _ := get(t, nil, g, hostOf(c.id.InstanceID, ""), nil); code != 200 {
				t.Fatalf("before: %d", code)
			}
			c.forge(tc)
			g.app.conns.close(hexKey(c.id.InstanceID))
			code, body := get(t, nil, g, hostOf(c.id.InstanceID, ""), nil)
			if code != http.StatusServiceUnavailable || strings.Contains(body, "app=") || !strings.Contains(body, "no live instance") {
				t.Fatalf("%d %q", code, body)
			}
			if !g.logContains("refused upstream") || !g.logContains(tc.log) {
				b, _ := os.ReadFile(g.logPath)
				t.Log(string(b))
				t.Fatalf("log lacks %q", tc.log)
			}
		})
	}
}

// TestRegistrationRefused: the chain must allow the CVM's app and compose
// hash; the gateway must prove the gateway app id to the CVM.
func TestRegistrationRefused(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc4)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, [32]byte{0xee}, 1)
	if _, err := c.register(g); err == nil || !strings.Contains(err.Error(), "does not allow this app") {
		t.Fatalf("compose hash not on chain: %v", err)
	}
	notDeployed := e.bootCVM(make([]byte, 20), compose, 2)
	if _, err := notDeployed.register(g); err == nil || !strings.Contains(err.Error(), "does not allow") {
		t.Fatalf("unknown app: %v", err)
	}
	if len(g.app.Instances()) != 0 {
		t.Fatalf("registry %+v", g.app.Instances())
	}
	// A gateway whose app id the chain no longer names is refused by the CVM.
	if _, err := e.chain.Send(e.chain.KmsInst, e.chain.Owner, e.chain.K.PackSetGatewayAppId(strings.Repeat("11", 20))); err != nil {
		t.Fatal(err)
	}
	ok := e.bootCVM(app, compose, 3)
	if _, err := ok.register(g); err == nil || !strings.Contains(err.Error(), "not the gateway named on chain") {
		t.Fatalf("wrong gateway: %v", err)
	}
}

// TestRevocation: removing the compose hash on chain refuses the app from
// the next block the gateway reads — 403 with a clear message — and closes
// the keep-alive connections to it; the dstack_app matcher sees it too.
func TestRevocation(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc5)
	app := e.deployApp(compose)
	routes := []any{
		map[string]any{
			"match":  []any{map[string]any{"dstack_app": map[string]any{"states": []string{"unknown"}}}},
			"handle": []any{map[string]any{"handler": "static_response", "status_code": 421, "body": "no such app"}},
		},
		proxyRoute(nil)[0],
	}
	g := e.load(e.dstackConfig(nil), routes)
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	client := &http.Client{Transport: &http.Transport{}}
	if code, _ := get(t, client, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("before: %d", code)
	}
	if n := g.app.conns.count(hexKey(c.id.InstanceID)); n != 1 {
		t.Fatalf("%d open tunnels, want the keep-alive one", n)
	}
	if code, body := get(t, nil, g, hostOf(make([]byte, 20), ""), nil); code != 421 || body != "no such app" {
		t.Fatalf("unknown app: %d %q", code, body)
	}
	e.revoke(app, compose)
	revokedAt, _ := e.chain.Client.BlockNumber(context.Background())
	eventually(t, "the revocation to be seen", func() bool { return g.app.State(hex.EncodeToString(app)) == StateRevoked })
	code, body := get(t, client, g, hostOf(app, ""), nil)
	if code != http.StatusForbidden || !strings.Contains(body, "not allowed on chain") || !strings.Contains(body, "Compose hash not allowed") {
		t.Fatalf("after revocation: %d %q", code, body)
	}
	if inst := g.app.Instances()[0]; inst.Block != revokedAt || inst.Allowed {
		t.Fatalf("instance %+v, revoked at block %d", inst, revokedAt)
	}
	if n := g.app.conns.count(hexKey(c.id.InstanceID)); n != 0 {
		t.Fatalf("%d tunnels still open", n)
	}
	eventually(t, "the backend to see its connection closed", func() bool { return c.closedCn.Load() >= 1 })
}

// TestRegistryPersistsAndExpires: registrations survive a restart of Caddy
// (they live in Caddy's storage), are listed by the admin API, and expire
// when not renewed.
func TestRegistryPersistsAndExpires(t *testing.T) {
	e := newEnv(t)
	e.adminSocket()
	compose := e.compose(0xc6)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	g = e.load(e.dstackConfig(nil), proxyRoute(nil))
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("after restart: %d", code)
	}
	var view struct {
		Block     uint64
		Instances []struct {
			AppID      prpc.Bytes `json:"app_id"`
			InstanceID prpc.Bytes `json:"instance_id"`
			Allowed    bool
		}
	}
	raw, err := e.adminInstances(&view)
	if err != nil || len(view.Instances) != 1 || !view.Instances[0].Allowed ||
		hex.EncodeToString(view.Instances[0].InstanceID) != hex.EncodeToString(c.id.InstanceID) || view.Block == 0 {
		t.Fatalf("admin view %s: %v", raw, err)
	}
	g = e.load(e.dstackConfig(map[string]any{"instance_ttl": "300ms"}), proxyRoute(nil))
	c.mustRegister(g)
	eventually(t, "the registration to expire", func() bool { return len(g.app.Instances()) == 0 })
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code < 500 {
		t.Fatalf("after expiry: %d", code)
	}
	g = e.load(e.dstackConfig(nil), proxyRoute(nil))
	if n := len(g.app.Instances()); n != 0 {
		t.Fatalf("expired registration came back from storage: %d", n)
	}
}

// TestKeepRenews: a CVM that keeps its registration (tunnel.Registration.
// Keep) outlives instance_ttl, as the same registration; one that stops
// expires. The gateway's clock is a fake one the test moves.
func TestKeepRenews(t *testing.T) {
	clock := fakeClock(t)
	e := newEnv(t)
	compose := e.compose(0xcb)
	app := e.deployApp(compose)
	// Keep renews at half the TTL the gateway answers, on real time:
	// the TTL is short so that the test is.
	const ttl = 2 * time.Second
	g := e.load(e.dstackConfig(map[string]any{"instance_ttl": ttl.String()}), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	reg := &tunnel.Registration{
		GatewayURL: "https://" + g.app.RegistrationAddr(), Certificate: c.cert(c.td, false),
		Attestation: e.pki.VerifyOptions(), Gateway: e.reader,
	}
	_, port, _ := net.SplitHostPort(c.tunAddr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		reg.Keep(ctx, tunnel.RegisterRequest{TunnelAddress: ":" + port, AppCompose: c.appCompose}, 100*time.Millisecond, func(err error) {
			if ctx.Err() == nil { // not the call cancel cut short
				t.Error(err)
			}
		})
	}()
	eventually(t, "the first registration", func() bool { return len(g.app.Instances()) == 1 })
	registered := g.app.Instances()[0].RegisteredAt
	// Three times two thirds of the TTL, each followed by a renewal: the
	// registration is never older than the TTL, and outlives it twice.
	for range 3 {
		clock.Advance(2 * ttl / 3)
		now := clock.Now()
		eventually(t, "a renewal", func() bool {
			i := g.app.Instances()
			return len(i) == 1 && !i[0].LastSeen.Before(now)
		})
	}
	if i := g.app.Instances(); len(i) != 1 || !i[0].RegisteredAt.Equal(registered) {
		t.Fatalf("the kept registration expired (registered at %s, now %+v)", registered, i)
	}
	if code, body := get(t, nil, g, hostOf(app, ""), nil); code != http.StatusOK {
		t.Fatalf("the kept registration is not routed: %d %s", code, body)
	}
	cancel()
	<-done
	clock.Advance(ttl + time.Second)
	eventually(t, "the registration to expire", func() bool { return len(g.app.Instances()) == 0 })
}

// TestRevocationWithConfirmations: with confirmations, a revocation takes
// effect once its block is that deep.
func TestRevocationWithConfirmations(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xce)
	app := e.deployApp(compose)
	e.chain.Sim.Commit() // one confirmation of the deployment
	cfg := e.dstackConfig(nil)
	cfg["chain"].(map[string]any)["confirmations"] = 1
	g := e.load(cfg, proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	e.revoke(app, compose)
	revokedAt, _ := e.chain.Client.BlockNumber(context.Background())
	eventually(t, "the watcher to read the block before the revocation", func() bool { return g.app.Block() == revokedAt-1 })
	if s := g.app.State(hex.EncodeToString(app)); s != StateAllowed {
		t.Fatalf("state %s one block early", s)
	}
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("one block early: %d", code)
	}
	e.chain.Sim.Commit()
	eventually(t, "the revocation", func() bool { return g.app.State(hex.EncodeToString(app)) == StateRevoked })
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code != http.StatusForbidden {
		t.Fatalf("after the confirmation: %d", code)
	}
}

// TestReload: a config reload with the same registration address works
// (the new app starts while the old one still listens), and the registry
// carries over.
func TestReload(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd0)
	app := e.deployApp(compose)
	listen := heldAddr(t)
	g := e.load(e.dstackConfig(map[string]any{"listen": heldNetwork + "/" + listen}), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	g = e.load(e.dstackConfig(map[string]any{"listen": heldNetwork + "/" + listen, "instance_ttl": "9m"}), proxyRoute(nil))
	if g.app.RegistrationAddr() != listen {
		t.Fatalf("listening at %s", g.app.RegistrationAddr())
	}
	c.mustRegister(g)
	if code, _ := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("after reload: %d", code)
	}
}

// TestDecisionsShareTheHeadRead: within a poll interval, requests that
// each open a tunnel stream (and so each ask the chain whether the app is
// allowed) cost no chain request at all: the reader's cached answer at the
// block it read the head at serves them.
func TestDecisionsShareTheHeadRead(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd1)
	app := e.deployApp(compose)
	cfg := e.dstackConfig(nil)
	cfg["chain"].(map[string]any)["poll_interval"] = "10m"
	cfg["chain"].(map[string]any)["max_staleness"] = "20m"
	g := e.load(cfg, proxyRoute(map[string]any{"disable_keepalives": true}))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	if code, body := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("first request: %d %q", code, body)
	}
	before := e.rpcServed.Load()
	const n = 10
	for i := range n {
		if code, body := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if calls := e.rpcServed.Load() - before; calls != 0 {
		t.Fatalf("%d requests, each on a new tunnel stream, within the poll interval cost %d chain requests", n, calls)
	}
}

// TestPollIntervalPastStaleness: a poll interval longer than max_staleness
// would leave every decision between two head reads stale, and is refused.
func TestPollIntervalPastStaleness(t *testing.T) {
	e := newEnv(t)
	a := &App{Chain: settings.Chain{RPCURL: e.rpcURL, ChainID: e.chain.ChainID.Uint64(), KmsContract: e.chain.Kms.Hex(),
		PollInterval: settings.Duration(time.Minute), MaxStaleness: settings.Duration(30 * time.Second)}}
	if err := a.connectChain(context.Background()); err == nil || !strings.Contains(err.Error(), "shorten poll_interval or raise max_staleness") {
		t.Fatalf("poll_interval 1m, max_staleness 30s: %v", err)
	}
}

// TestUnreadableChainFailsClosed: with the chain's RPC down past
// max_staleness nothing is routed and the open tunnels are closed, with a
// log that says so; once the chain is readable again, routing resumes.
func TestUnreadableChainFailsClosed(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd2)
	app := e.deployApp(compose)
	cfg := e.dstackConfig(nil)
	cfg["chain"].(map[string]any)["max_staleness"] = "1s"
	g := e.load(cfg, proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	if code, body := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("readable chain: %d %q", code, body)
	}
	e.rpcDown.Store(true)
	eventually(t, "the gateway to refuse while the chain is unreadable past max_staleness", func() bool {
		code, _ := get(t, nil, g, hostOf(app, ""), nil)
		return code != 200 && g.logContains("the chain is unreadable past max_staleness")
	})
	if n := g.app.conns.count(hexKey(c.id.InstanceID)); n != 0 {
		t.Fatalf("%d tunnels open past max_staleness", n)
	}
	if !g.logContains("reading the chain head") {
		t.Fatal("the failed head reads are not logged")
	}
	e.rpcDown.Store(false)
	eventually(t, "routing to resume once the chain is readable", func() bool {
		code, _ := get(t, nil, g, hostOf(app, ""), nil)
		return code == 200
	})
}

// TestTunnelAddressRefused: a registration naming another host as its
// tunnel address (the chain node, say) is refused with the reason and
// registers nothing; naming its own address registers.
func TestTunnelAddressRefused(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc7)
	app := e.deployApp(compose)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	reg := &tunnel.Registration{
		GatewayURL: "https://" + g.app.RegistrationAddr(), Certificate: c.cert(c.td, false),
		Attestation: e.pki.VerifyOptions(), Gateway: e.reader,
	}
	_, port, _ := net.SplitHostPort(c.tunAddr)
	_, err := reg.Register(context.Background(), tunnel.RegisterRequest{TunnelAddress: "192.0.2.1:" + port, AppCompose: c.appCompose})
	if err == nil || !strings.Contains(err.Error(), "invalid tunnel_address: host 192.0.2.1 is not the address the registration came from (127.0.0.1)") {
		t.Fatalf("another host: %v", err)
	}
	if len(g.app.Instances()) != 0 {
		t.Fatal("registered")
	}
	if _, err := reg.Register(context.Background(), tunnel.RegisterRequest{TunnelAddress: "127.0.0.1:" + port, AppCompose: c.appCompose}); err != nil {
		t.Fatalf("its own address: %v", err)
	}
}

// TestStaleChainUnavailable: while the chain cannot be read past
// max_staleness nothing is routed, and the answer is 503 with Retry-After
// and the reason (X-Dstack-Refused: stale), not a 502; routing resumes
// with the chain.
func TestStaleChainUnavailable(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd5)
	app := e.deployApp(compose)
	cfg := e.dstackConfig(nil)
	cfg["chain"].(map[string]any)["max_staleness"] = "300ms"
	g := e.load(cfg, proxyRoute(nil))
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	if code, body := get(t, nil, g, hostOf(app, ""), nil); code != 200 {
		t.Fatalf("before: %d %q", code, body)
	}
	e.rpcDown.Store(true)
	eventually(t, "the chain to be stale", func() bool { return g.app.stale() != nil })
	req, _ := http.NewRequest(http.MethodGet, g.httpURL+"/", nil)
	req.Host = hostOf(app, "")
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || res.Header.Get("X-Dstack-Refused") != "stale" ||
		!strings.Contains(string(body), "the chain has not been readable") {
		t.Fatalf("stale chain: %d %v %q", res.StatusCode, res.Header, body)
	}
	e.rpcDown.Store(false)
	eventually(t, "routing to resume", func() bool { code, _ := get(t, nil, g, hostOf(app, ""), nil); return code == 200 })
}
