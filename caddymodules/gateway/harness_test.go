package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jonboulle/clockwork"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/contracts/testchain"
	"github.com/dstack-go/dstack/internal/testnet"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

const (
	seed       = "gateway test"
	baseDomain = "dstack.test"
)

var gatewayAppID = bytes.Repeat([]byte{0x6a}, 20)

// serveRPC serves the simulated chain's JSON-RPC on loopback, so that the
// gateway reaches it over HTTP as it reaches a real node.
func serveRPC(t testing.TB, c *testchain.Chain, down *atomic.Bool, served *atomic.Int64) string {
	t.Helper()
	// The simulated client hides its *ethclient.Client in a field named
	// Client, which shadows the method of that name.
	rc := reflect.ValueOf(c.Client).Field(0).Interface().(*ethclient.Client).Client()
	type call struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	answer := func(ctx context.Context, c call) map[string]any {
		served.Add(1)
		args := make([]any, len(c.Params))
		for i, p := range c.Params {
			args[i] = p
		}
		var res json.RawMessage
		if err := rc.CallContext(ctx, &res, c.Method, args...); err != nil {
			return map[string]any{"jsonrpc": "2.0", "id": c.ID, "error": map[string]any{"code": -32000, "message": err.Error()}}
		}
		return map[string]any{"jsonrpc": "2.0", "id": c.ID, "result": res}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "node down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			var calls []call
			json.Unmarshal(body, &calls)
			var out []map[string]any
			for _, c := range calls {
				out = append(out, answer(r.Context(), c))
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		var c call
		json.Unmarshal(body, &c)
		json.NewEncoder(w).Encode(answer(r.Context(), c))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// env is a chain with the gateway app id set and the simulated OS image
// allowed, and the mock PKI the gateway and the CVMs share.
type env struct {
	t      testing.TB
	chain  *testchain.Chain
	rpcURL string
	reader *chain.Reader
	pki    *mock.PKI
	// seed is the mock PKI's seed, the gateways' insecure_simulated_tee_seed.
	seed string
	dir  string
	// rpcDown makes the chain's JSON-RPC answer 503.
	rpcDown atomic.Bool
	// rpcServed counts the JSON-RPC calls answered.
	rpcServed atomic.Int64
	// adminAddr, when set, is where Caddy's admin API listens.
	adminAddr string
	// logLevel is the level of Caddy's log (gateway.logPath); empty: INFO.
	logLevel string
	// logEncoder, when set, is the encoder of Caddy's log.
	logEncoder map[string]any
	// composes are the app-compose documents of the compose hashes the
	// tests made, which the CVMs register with.
	composes map[[32]byte]string
}

// testPort is the second port the test apps publish (beside 80): a CVM's
// tunnel relays both to its backend.
const testPort = 8080

// composeOf records an app-compose.json named name whose
// docker_compose_file publishes ports (short syntax) and whose port_policy
// is policy (none when empty), and returns its hash.
func (e *env) composeOf(name string, ports []string, policy string) [32]byte {
	e.t.Helper()
	yml := "services:\n  app:\n    image: example.test/app@sha256:" + strings.Repeat("ab", 32) + "\n"
	if len(ports) > 0 {
		yml += "    ports:\n"
		for _, p := range ports {
			yml += "      - \"" + p + "\"\n"
		}
	}
	doc := map[string]any{"manifest_version": 2, "name": name, "runner": "docker-compose", "docker_compose_file": yml,
		"gateway_enabled": true, "kms_enabled": true}
	if policy != "" {
		doc["port_policy"] = json.RawMessage(policy)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		e.t.Fatal(err)
	}
	h := sha256.Sum256(raw)
	if e.composes == nil {
		e.composes = map[[32]byte]string{}
	}
	e.composes[h] = string(raw)
	return h
}

// compose is the tests' usual app-compose, told apart by tag: it publishes
// 80, testPort, 443, 7000 and 7002, and its port_policy adds 7001 with a
// PROXY protocol header.
func (e *env) compose(tag byte) [32]byte {
	e.t.Helper()
	return e.composeOf(fmt.Sprintf("app-%02x", tag), []string{"80", fmt.Sprintf("%d:80", testPort), "443:443", "7000", "7002/tcp"},
		`{"ports":[{"port":7001,"pp":true}]}`)
}

// adminSocket makes Caddy's admin API listen on a unix socket in the
// test's directory, where adminInstances reaches it.
func (e *env) adminSocket() {
	e.adminAddr = "unix/" + filepath.Join(e.dir, "admin.sock")
}

// fakeClock makes the clock of every App provisioned until the test ends a
// fake one, at the time of the call, which the test moves: registrations
// expire and certificates age as it says, not as time passes. The
// watcher's poll interval and health checks still run on real time.
func fakeClock(t testing.TB) *clockwork.FakeClock {
	c := clockwork.NewFakeClockAt(time.Now())
	real := newClock
	newClock = func() clockwork.Clock { return c }
	t.Cleanup(func() { newClock = real })
	return c
}

func newEnv(t testing.TB) *env {
	t.Helper()
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, testchain.New(t), pki, seed, gatewayAppID)
}

// newEnvOn is an env on chain c, whose gateway app id it sets to gateway,
// and on the mock PKI of seed (pki), which the gateways run on.
func newEnvOn(t testing.TB, c *testchain.Chain, pki *mock.PKI, seed string, gateway []byte) *env {
	t.Helper()
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetGatewayAppId(common.Bytes2Hex(gateway))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddOsImageHash(mock.OSImageHash)); err != nil {
		t.Fatal(err)
	}
	// The CVMs' reader sees a change on chain at the next answer: the tests
	// change the chain and dial at once.
	r, err := chain.New(context.Background(), c.Client, chain.Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, chain: c, reader: r, pki: pki, seed: seed, dir: t.TempDir()}
	e.rpcURL = serveRPC(t, c, &e.rpcDown, &e.rpcServed)
	return e
}

// deployApp registers an app on chain allowing compose; its address is
// the app id.
func (e *env) deployApp(compose [32]byte) []byte {
	e.t.Helper()
	addr, _, err := e.chain.DeployApp(true, true, [32]byte{}, compose)
	if err != nil {
		e.t.Fatal(err)
	}
	return addr.Bytes()
}

// allow adds a compose hash to an app's allowed ones on chain.
func (e *env) allow(app []byte, compose [32]byte) {
	e.t.Helper()
	if _, err := e.chain.Send(e.chain.App(common.BytesToAddress(app)), e.chain.Owner, e.chain.A.PackAddComposeHash(compose)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) revoke(app []byte, compose [32]byte) {
	e.t.Helper()
	if _, err := e.chain.Send(e.chain.App(common.BytesToAddress(app)), e.chain.Owner, e.chain.A.PackRemoveComposeHash(compose)); err != nil {
		e.t.Fatal(err)
	}
}

// dstackConfig is the dstack app's JSON.
func (e *env) dstackConfig(extra map[string]any) map[string]any {
	cfg := map[string]any{
		"base_domain": baseDomain,
		"listen":      "127.0.0.1:0",
		"chain": map[string]any{
			"rpc_url": e.rpcURL, "chain_id": e.chain.ChainID.Uint64(), "kms_contract": e.chain.Kms.Hex(),
			"poll_interval": "50ms",
		},
		"insecure_simulated_tee_seed": e.seed,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// gateway is a running Caddy with the dstack app.
type gateway struct {
	app     *App
	httpURL string
	logPath string
}

// load runs Caddy with the dstack app and an HTTP server whose routes are
// given, on one loopback port.
func (e *env) load(dstack map[string]any, routes []any) *gateway {
	e.t.Helper()
	return e.loadApps(dstack, routes, nil)
}

// loadApps is load with more apps (tls, layer4) beside dstack and http.
func (e *env) loadApps(dstack map[string]any, routes []any, apps map[string]any) *gateway {
	e.t.Helper()
	addr := heldAddr(e.t)
	logPath := filepath.Join(e.dir, fmt.Sprintf("caddy-%d.log", time.Now().UnixNano()))
	level := e.logLevel
	if level == "" {
		level = "INFO"
	}
	defaultLog := map[string]any{"writer": map[string]any{"output": "file", "filename": logPath}, "level": level}
	if e.logEncoder != nil {
		defaultLog["encoder"] = e.logEncoder
	}
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"storage": map[string]any{"module": "file_system", "root": filepath.Join(e.dir, "storage")},
		"logging": map[string]any{"logs": map[string]any{"default": defaultLog}},
		"apps": map[string]any{
			"dstack": dstack,
			"http": map[string]any{"servers": map[string]any{"gw": map[string]any{
				"listen": []string{heldNetwork + "/" + addr}, "routes": routes, "automatic_https": map[string]any{"disable": true},
			}}},
		},
	}
	for k, v := range apps {
		cfg["apps"].(map[string]any)[k] = v
	}
	if e.adminAddr != "" {
		cfg["admin"] = map[string]any{"listen": e.adminAddr, "config": map[string]any{"persist": false}}
	}
	raw, _ := json.Marshal(cfg)
	if err := caddy.Load(raw, true); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { caddy.Stop() })
	a, err := caddy.ActiveContext().App("dstack")
	if err != nil {
		e.t.Fatal(err)
	}
	return &gateway{app: a.(*App), httpURL: "http://" + addr, logPath: logPath}
}

// heldNetwork is a Caddy network type for tests: "dstack-test/<addr>"
// serves a listener the test opened at addr (heldAddr) and holds until it
// ends, so no other process can take the address between the test choosing
// it and Caddy serving it. Successive configurations at one address share
// the listener as Caddy's own do.
const heldNetwork = "dstack-test"

var held sync.Map // addr → *testnet.Handoff

func init() {
	caddy.RegisterNetwork(heldNetwork, func(_ context.Context, _, host, port string, offset uint, _ net.ListenConfig) (any, error) {
		addr := net.JoinHostPort(host, port)
		if offset != 0 {
			return nil, fmt.Errorf("%s/%s: no port ranges", heldNetwork, addr)
		}
		h, ok := held.Load(addr)
		if !ok {
			return nil, fmt.Errorf("%s/%s: no listener held at this address (heldAddr)", heldNetwork, addr)
		}
		return h.(*testnet.Handoff).Share(), nil
	})
}

// heldAddr opens a loopback listener for Caddy to serve as
// "dstack-test/<addr>" and returns its address.
func heldAddr(t testing.TB) string {
	t.Helper()
	h := testnet.NewHandoff(t)
	addr := h.Addr().String()
	held.Store(addr, h)
	t.Cleanup(func() { held.Delete(addr) })
	return addr
}

// proxyRoute is a reverse_proxy to the dstack upstreams over the dstack
// transport.
func proxyRoute(transport map[string]any) []any {
	tr := map[string]any{"protocol": "dstack"}
	for k, v := range transport {
		tr[k] = v
	}
	return []any{map[string]any{"handle": []any{map[string]any{
		"handler": "reverse_proxy", "dynamic_upstreams": map[string]any{"source": "dstack"}, "transport": tr,
	}}}}
}

func (g *gateway) logContains(s string) bool { return g.logCount(s) > 0 }

// logCount counts the occurrences of s in Caddy's log.
func (g *gateway) logCount(s string) int {
	b, _ := os.ReadFile(g.logPath)
	return strings.Count(string(b), s)
}

// cvm is a simulated CVM: a backend, a tunnel endpoint in front of it and
// its identity.
type cvm struct {
	e       *env
	id      mock.Identity
	td      *mock.TD
	backend *http.Server
	port    uint16 // the second port its tunnel relays to the backend (testPort)
	tunnel  *tunnel.Server
	tunCert *atomic.Pointer[tls.Certificate] // what the tunnel presents to a new handshake
	ports   map[uint16]string
	tunLn   net.Listener
	// appCompose is the app-compose.json it registers with: the one of its
	// compose hash.
	appCompose string
	tunAddr    string
	closedCn   atomic.Int64
	// backendOpen counts the backend's connections not yet closed.
	backendOpen atomic.Int64
	// tunnelConns counts the connections the tunnel endpoint accepted.
	tunnelConns atomic.Int64
	// healthStatus is what the backend answers on /health (0: 200), and
	// healthHits counts those requests.
	healthStatus atomic.Int64
	healthHits   atomic.Int64
}

func instanceID(app []byte, n int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%x/%d", app, n))
	return h[:20]
}

// bootCVM boots a CVM of app with compose; its backend answers with the
// app id and the claim headers it received, over HTTP/1.1 and h2c.
func (e *env) bootCVM(app []byte, compose [32]byte, n int) *cvm {
	e.t.Helper()
	c := &cvm{e: e, id: mock.Identity{AppID: app, ComposeHash: compose[:], InstanceID: instanceID(app, n)}, appCompose: e.composes[compose]}
	var err error
	if c.td, err = e.pki.BootTD(c.id); err != nil {
		e.t.Fatal(err)
	}
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	c.port = testPort
	c.backend = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/health" {
				c.healthHits.Add(1)
				if s := c.healthStatus.Load(); s != 0 {
					w.WriteHeader(int(s))
				}
				fmt.Fprintf(w, "instance=%x ok host=%s", c.id.InstanceID, r.Host)
				return
			}
			fmt.Fprintf(w, "app=%x instance=%x proto=%s", app, c.id.InstanceID, r.Proto)
			for _, h := range ClaimHeaders {
				if v := r.Header.Values(h); len(v) > 0 {
					fmt.Fprintf(w, " %s=%s", h, strings.Join(v, ","))
				}
			}
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				c.backendOpen.Add(1)
			case http.StateClosed:
				c.closedCn.Add(1)
				c.backendOpen.Add(-1)
			case http.StateHijacked:
				c.backendOpen.Add(-1)
			}
		},
		Protocols: new(http.Protocols),
	}
	c.backend.Protocols.SetHTTP1(true)
	c.backend.Protocols.SetUnencryptedHTTP2(true)
	go c.backend.Serve(bl)
	e.t.Cleanup(func() { c.backend.Close() })
	c.startTunnel(c.td, map[uint16]string{80: bl.Addr().String(), c.port: bl.Addr().String()})
	return c
}

func (c *cvm) cert(td *mock.TD, server bool) *tls.Certificate {
	c.e.t.Helper()
	return c.certValid(td, server, 0)
}

// certValid is cert valid for validity from now; 0 means
// ratls.DefaultValidity.
func (c *cvm) certValid(td *mock.TD, server bool, validity time.Duration) *tls.Certificate {
	c.e.t.Helper()
	opts := ratls.CertOptions{Subject: "dstack-guest-agent", ServerAuth: server, ClientAuth: !server, AppID: td.Identity.AppID}
	if validity > 0 {
		opts.NotBefore, opts.NotAfter = time.Now().Add(-time.Minute), time.Now().Add(validity)
	}
	cert, err := ratls.Issue(context.Background(), td.Attester(), opts, nil, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return cert
}

// startTunnel starts the CVM's tunnel endpoint with a certificate from td.
func (c *cvm) startTunnel(td *mock.TD, ports map[uint16]string) {
	c.e.t.Helper()
	c.ports = ports
	c.listenTunnel(td, "0")
}

// startTunnelAt replaces the tunnel endpoint by one on the same port whose
// certificate comes from td, which may be another TD than the CVM's (a
// forgery).
func (c *cvm) startTunnelAt(td *mock.TD, port string) {
	c.e.t.Helper()
	c.tunnel.Close()
	c.tunLn.Close()
	c.listenTunnel(td, port)
}

func (c *cvm) listenTunnel(td *mock.TD, port string) {
	ports := c.ports
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		c.e.t.Fatal(err)
	}
	c.tunLn = ln
	c.tunCert = new(atomic.Pointer[tls.Certificate])
	c.tunCert.Store(c.cert(td, true))
	c.tunnel = &tunnel.Server{GetCertificate: c.tunCert.Load, Attestation: c.e.pki.VerifyOptions(), Gateway: c.e.reader, Ports: ports}
	c.tunAddr = ln.Addr().String()
	srv := c.tunnel
	go srv.Serve(countAccepts{ln, &c.tunnelConns})
	c.e.t.Cleanup(func() { srv.Close() })
}

// countAccepts is a listener that counts the connections it accepts.
type countAccepts struct {
	net.Listener
	n *atomic.Int64
}

func (l countAccepts) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// register registers the CVM with the gateway.
func (c *cvm) register(g *gateway) (*tunnel.RegisterResponse, error) {
	return c.registerAt(g.app.RegistrationAddr())
}

// registerAt registers the CVM with the gateway whose registration RPC
// listens at addr.
func (c *cvm) registerAt(addr string) (*tunnel.RegisterResponse, error) {
	reg := &tunnel.Registration{
		GatewayURL: "https://" + addr, Certificate: c.cert(c.td, false),
		Attestation: c.e.pki.VerifyOptions(), Gateway: c.e.reader,
	}
	_, port, _ := net.SplitHostPort(c.tunAddr)
	return reg.Register(context.Background(), tunnel.RegisterRequest{TunnelAddress: ":" + port, AppCompose: c.appCompose})
}

// registerOnceAllowed registers the CVM once the gateway has read the block
// that allows its compose hash.
func (c *cvm) registerOnceAllowed(t testing.TB, g *gateway) {
	t.Helper()
	var err error
	eventually(t, "the registration to be allowed", func() bool {
		_, err = c.register(g)
		return err == nil || !strings.Contains(err.Error(), "Compose hash not allowed")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (c *cvm) mustRegister(g *gateway) {
	c.e.t.Helper()
	if _, err := c.register(g); err != nil {
		c.e.t.Fatal(err)
	}
}

// adminInstances reads the admin API's registry view into view; raw is
// what it answered.
func (e *env) adminInstances(view any) (raw []byte, err error) {
	sock, ok := strings.CutPrefix(e.adminAddr, "unix/")
	if !ok {
		return nil, fmt.Errorf("the admin API listens at %q, not on a unix socket (adminSocket)", e.adminAddr)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	defer client.CloseIdleConnections()
	res, err := client.Get("http://admin/dstack/instances")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if raw, err = io.ReadAll(res.Body); err != nil {
		return raw, err
	}
	if res.StatusCode != http.StatusOK {
		return raw, fmt.Errorf("admin API answered %s", res.Status)
	}
	return raw, json.Unmarshal(raw, view)
}

// get sends a request for host through the gateway.
func get(t testing.TB, client *http.Client, g *gateway, host string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.httpURL+"/", nil)
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	if client == nil {
		client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// eventually retries f until it holds; it fails after a minute.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	within(t, time.Minute, what, f)
}

// within retries f until it holds; it fails after d.
func within(t testing.TB, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
