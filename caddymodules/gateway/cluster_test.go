package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/etcdstorage"
	_ "github.com/dstack-go/dstack/caddymodules/etcdstorage"
	"github.com/dstack-go/dstack/caddymodules/sealed"
	_ "github.com/dstack-go/dstack/caddymodules/sealed"
	"github.com/dstack-go/dstack/internal/caddynode"
	"github.com/dstack-go/dstack/internal/tunnel"
)

// nodeEnv names the Caddy config file a re-executed test binary runs as
// one gateway node (clusterNode): Caddy holds one config per process, so
// each node of a cluster is a process of its own, which a test can kill.
const nodeEnv = "DSTACK_TEST_GATEWAY_NODE"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(nodeEnv); cfg != "" {
		os.Exit(caddynode.Run(cfg, "gw", os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// node is a gateway node in a process of its own.
type node struct {
	*caddynode.Node
	name    string
	admin   string // the admin API's unix socket
	logPath string
	gw      *gateway // for get
}

// etcdCluster is etcd run in this process: members on loopback.
type etcdCluster struct {
	members []*embed.Etcd
	clients []string
	stopped []bool
	mu      sync.Mutex
}

// freePort is a loopback port free a moment ago (etcd's members must know
// each other's peer URLs before any listens).
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startEtcdCluster runs an etcd cluster of n members in this process.
func startEtcdCluster(t testing.TB, n int) *etcdCluster {
	t.Helper()
	ec := &etcdCluster{stopped: make([]bool, n)}
	var cfgs []*embed.Config
	var initial []string
	for i := range n {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = t.TempDir()
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		peerURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + freePort(t)}
		clientURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + freePort(t)}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{clientURL}, []url.URL{clientURL}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peerURL}, []url.URL{peerURL}
		// Short elections: a member lost is replaced as leader quickly.
		cfg.TickMs, cfg.ElectionMs = 50, 500
		initial = append(initial, cfg.Name+"="+peerURL.String())
		ec.clients = append(ec.clients, clientURL.String())
		cfgs = append(cfgs, cfg)
	}
	for _, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			t.Fatalf("starting etcd member %s: %v", cfg.Name, err)
		}
		ec.members = append(ec.members, e)
	}
	t.Cleanup(func() {
		for i := range ec.members {
			ec.stop(i)
		}
	})
	for _, e := range ec.members {
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(60 * time.Second):
			t.Fatal("etcd did not become ready")
		}
	}
	return ec
}

// stop ends member i (and may be called again).
func (ec *etcdCluster) stop(i int) {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	if ec.stopped[i] {
		return
	}
	ec.stopped[i] = true
	ec.members[i].Close()
	<-ec.members[i].Server.StopNotify()
}

// newCluster is an env with an etcd of members, the storage of nodes on it
// sealed with testSealingKey, and an app whose compose (of tag) the chain
// allows.
func newCluster(t testing.TB, members int, tag byte) (e *env, ec *etcdCluster, storage map[string]any, compose [32]byte, app []byte) {
	t.Helper()
	e = newEnv(t)
	ec = startEtcdCluster(t, members)
	compose = e.compose(tag)
	return e, ec, ec.storage(testSealingKey), compose, e.deployApp(compose)
}

// testSealingKey is the sealing key of the tests' cluster nodes.
var testSealingKey = strings.Repeat("5e", 32)

// etcdPrefix is the prefix of the tests' cluster storage in etcd.
const etcdPrefix = "/dstack-test"

// storage is a node's Caddy storage: sealed with key over etcd.
func (ec *etcdCluster) storage(key string) map[string]any {
	return map[string]any{"module": "dstack_sealed", "insecure_key_hex": key, "backend": ec.backend()}
}

// backend is the etcd storage under the nodes' sealed storage.
func (ec *etcdCluster) backend() map[string]any {
	return map[string]any{
		"module": "etcd", "endpoints": ec.clients, "insecure_plaintext": true, "prefix": etcdPrefix,
		"timeout": "2s", "dial_timeout": "2s", "lock_ttl": "2s",
	}
}

// startNode runs a gateway node in a process of its own, on the storage
// given, with the dstack app's extra options.
func (e *env) startNode(name string, storage map[string]any, extra map[string]any) *node {
	e.t.Helper()
	n, err := e.tryStartNode(name, storage, extra)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// tryStartNode is startNode that returns a node that does not start as an
// error, with what it wrote.
func (e *env) tryStartNode(name string, storage map[string]any, extra map[string]any) (*node, error) {
	e.t.Helper()
	n := &node{name: name, logPath: filepath.Join(e.dir, name+".log")}
	dstack := map[string]any{"cluster": map[string]any{"peer_ttl": "2s"}}
	for k, v := range extra {
		dstack[k] = v
	}
	n.admin = filepath.Join(e.dir, name+"-admin.sock")
	cfg := map[string]any{
		"admin":   map[string]any{"listen": "unix/" + n.admin, "config": map[string]any{"persist": false}},
		"storage": storage,
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": n.logPath}, "level": "INFO",
		}}},
		"apps": map[string]any{
			"dstack": e.dstackConfig(dstack),
			"http": map[string]any{"servers": map[string]any{"gw": map[string]any{
				"listen": []string{"127.0.0.1:0"}, "routes": proxyRoute(nil), "automatic_https": map[string]any{"disable": true},
			}}},
		},
	}
	raw, _ := json.Marshal(cfg)
	path := filepath.Join(e.dir, name+".json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), nodeEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	var err error
	if n.Node, err = caddynode.Start(cmd); err != nil {
		return nil, fmt.Errorf("gateway node %s did not start: %w\n%s\n%s", name, err, stderr.String(), mustReadOr(n.logPath))
	}
	e.t.Cleanup(n.Stop)
	n.gw = &gateway{httpURL: "http://" + n.Addrs.HTTP, logPath: n.logPath}
	return n, nil
}

func mustReadOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// adminPeers reads the node's /dstack/peers.
func (n *node) adminPeers(t testing.TB) tunnel.GetPeersResponse {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", n.admin)
	}}}
	defer client.CloseIdleConnections()
	res, err := client.Get("http://admin/dstack/peers")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p tunnel.GetPeersResponse
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/dstack/peers: %s: %v", res.Status, err)
	}
	return p
}

// routes reports whether the node answers host 200 with want in the body.
func (n *node) routes(t testing.TB, host, want string) bool {
	code, body := get(t, nil, n.gw, host, nil)
	return code == 200 && strings.Contains(body, want)
}

// peersOf asks a node's GetPeers as the CVM c.
func (c *cvm) peersOf(n *node) (*tunnel.GetPeersResponse, error) {
	reg := &tunnel.Registration{GatewayURL: "https://" + n.Addrs.Registration, Certificate: c.cert(c.td, false),
		Attestation: c.e.pki.VerifyOptions(), Gateway: c.e.reader}
	return reg.GetPeers(context.Background())
}

func peerURLs(p []tunnel.PeerInfo) []string {
	var out []string
	for _, x := range p {
		out = append(out, x.URL)
	}
	slices.Sort(out)
	return out
}

func nodeURLs(nodes ...*node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, "https://"+n.Addrs.Registration)
	}
	slices.Sort(out)
	return out
}

// TestClusterOneRegistry: a CVM registered through node A is routed by B
// and C; GetPeers and the registration's answer list the three nodes, and
// A once it is killed no more; B and C go on serving with A dead; a node
// that starts routes from the store at once, while one with another
// sealing key reads nothing; a revocation on chain stops routing on every
// node.
func TestClusterOneRegistry(t *testing.T) {
	e, ec, st, compose, app := newCluster(t, 1, 0xe1)
	a, b, c := e.startNode("a", st, nil), e.startNode("b", st, nil), e.startNode("c", st, nil)
	cv := e.bootCVM(app, compose, 1)
	all := nodeURLs(a, b, c)
	eventually(t, "every node to list the three", func() bool {
		for _, n := range []*node{a, b, c} {
			p, err := cv.peersOf(n)
			if err != nil || !slices.Equal(peerURLs(p.Peers), all) || p.MyURL != "https://"+n.Addrs.Registration {
				return false
			}
		}
		return true
	})
	var resp *tunnel.RegisterResponse
	eventually(t, "the registration through a", func() bool {
		var err error
		resp, err = cv.registerAt(a.Addrs.Registration)
		return err == nil
	})
	registered := time.Now()
	var got []string
	for _, g := range resp.Gateways {
		got = append(got, g.URL)
	}
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Fatalf("the registration's answer lists gateways %v, want %v", got, all)
	}
	host, want := hostOf(app, ""), fmt.Sprintf("instance=%x", cv.id.InstanceID)
	if !a.routes(t, host, want) {
		t.Fatal("node a does not route what it registered")
	}
	for _, n := range []*node{b, c} {
		// A registration reaches every node within a second; five leave
		// room for a loaded machine (the watch takes milliseconds, and
		// nothing polls the store).
		within(t, 5*time.Second, "node "+n.name+" to route the registration", func() bool { return n.routes(t, host, want) })
		t.Logf("registration through a routed by %s %v after a answered", n.name, time.Since(registered))
	}

	a.Kill()
	for _, n := range []*node{b, c} {
		if !n.routes(t, host, want) {
			t.Fatalf("node %s stopped routing when a died", n.name)
		}
	}
	eventually(t, "a to leave the peer list", func() bool {
		p, err := cv.peersOf(b)
		return err == nil && slices.Equal(peerURLs(p.Peers), nodeURLs(b, c))
	})
	eventually(t, "the admin view of c to list b and c", func() bool {
		p := c.adminPeers(t)
		return slices.Equal(peerURLs(p.Peers), nodeURLs(b, c)) && p.MyURL == "https://"+c.Addrs.Registration
	})

	d := e.startNode("d", st, nil)
	if !d.routes(t, host, want) {
		t.Fatal("a node that starts does not route the stored registration at once")
	}
	wrong := e.startNode("wrong", ec.storage(strings.Repeat("0b", 32)), nil)
	if wrong.routes(t, host, want) {
		t.Fatal("a node with another sealing key routes the registry")
	}
	if !strings.Contains(mustRead(t, wrong.logPath), "a stored registration cannot be read") {
		t.Fatal("the node with another sealing key does not say it cannot read the registry")
	}

	e.revoke(app, compose)
	for _, n := range []*node{b, c, d} {
		eventually(t, "node "+n.name+" to stop routing the revoked app", func() bool { return !n.routes(t, host, want) })
	}
}

func mustRead(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestClusterKillNoFailedRequest: with requests going on through a client
// that takes the nodes in order (as BenchmarkClusterFailover), killing the
// node they go to fails no request beyond those in flight on it: every
// request sent once it is gone is answered by another node.
func TestClusterKillNoFailedRequest(t *testing.T) {
	a, client := routedByThree(t, 0xe9)
	p := client.run(t, 2*time.Second, 500*time.Millisecond, a.Kill)
	t.Logf("%d requests, %d failed, %d in flight at the kill, gap %v", p.requests, p.failed, p.inFlight, p.gap)
	if p.failedAfter != 0 || p.failed > p.inFlight {
		t.Fatalf("%d requests failed, %d of them sent after node a was gone; %d were in flight on it", p.failed, p.failedAfter, p.inFlight)
	}
}

// TestClusterEtcdQuorum: with three etcd members, losing one changes
// nothing; losing two makes registration fail closed (refused, stored
// nowhere, routed by no node) while the nodes go on routing what they know.
func TestClusterEtcdQuorum(t *testing.T) {
	e := newEnv(t)
	ec := startEtcdCluster(t, 3)
	st := ec.storage(testSealingKey)
	var apps [][]byte
	var cvms []*cvm
	for i := range 3 {
		compose := e.compose(byte(0xe2 + i))
		app := e.deployApp(compose)
		apps = append(apps, app)
		cvms = append(cvms, e.bootCVM(app, compose, 1))
	}
	a, b := e.startNode("a", st, nil), e.startNode("b", st, nil)
	host := func(i int) string { return hostOf(apps[i], "") }
	want := func(i int) string { return fmt.Sprintf("instance=%x", cvms[i].id.InstanceID) }
	routedByBoth := func(i int) {
		t.Helper()
		for _, n := range []*node{a, b} {
			eventually(t, fmt.Sprintf("node %s to route cvm %d", n.name, i), func() bool { return n.routes(t, host(i), want(i)) })
		}
	}
	eventually(t, "cvm 0 registered through a", func() bool { _, err := cvms[0].registerAt(a.Addrs.Registration); return err == nil })
	routedByBoth(0)

	ec.stop(0)
	for _, n := range []*node{a, b} {
		if !n.routes(t, host(0), want(0)) {
			t.Fatalf("node %s stopped routing when one etcd member of three died", n.name)
		}
	}
	if _, err := cvms[1].registerAt(b.Addrs.Registration); err != nil {
		t.Fatalf("registration with one etcd member of three down: %v", err)
	}
	routedByBoth(1)

	ec.stop(1)
	_, err := cvms[2].registerAt(a.Addrs.Registration)
	if err == nil || !strings.Contains(err.Error(), "storing the registration") {
		t.Fatalf("registration without etcd quorum: %v, want a refusal that says it could not be stored", err)
	}
	for _, n := range []*node{a, b} {
		for i := range 2 {
			if !n.routes(t, host(i), want(i)) {
				t.Fatalf("node %s stopped routing cvm %d when etcd lost quorum", n.name, i)
			}
		}
		if code, body := get(t, nil, n.gw, host(2), nil); code == 200 {
			t.Fatalf("node %s routes a registration etcd refused: %q", n.name, body)
		}
	}
}

// TestClusterExpiry: a registration that is not renewed expires on every
// node.
func TestClusterExpiry(t *testing.T) {
	e, _, st, compose, app := newCluster(t, 1, 0xe8)
	cv := e.bootCVM(app, compose, 1)
	ttl := map[string]any{"instance_ttl": "3s"}
	a, b := e.startNode("a", st, ttl), e.startNode("b", st, ttl)
	host, want := hostOf(app, ""), fmt.Sprintf("instance=%x", cv.id.InstanceID)
	eventually(t, "the registration through a", func() bool { _, err := cv.registerAt(a.Addrs.Registration); return err == nil })
	eventually(t, "b to route it", func() bool { return b.routes(t, host, want) })
	for _, n := range []*node{a, b} {
		eventually(t, "node "+n.name+" to expire it", func() bool { return !n.routes(t, host, want) })
	}
}

// TestCaddyfileCluster: the cluster block of the dstack global option.
func TestCaddyfileCluster(t *testing.T) {
	const head = "dstack {\nbase_domain d.example\nchain http://127.0.0.1:8545 1337 0x5FbDB2315678afecb367f032d93F642f64180aa3\n"
	v, err := parseGlobalOption(caddyfile.NewTestDispenser(head+"cluster {\nurl https://gw1.example:8010\nnode_id 7\npeer_ttl 3s\n}\n}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var a App
	if err := json.Unmarshal(v.(httpcaddyfile.App).Value, &a); err != nil {
		t.Fatal(err)
	}
	if a.Cluster == nil || *a.Cluster != (Cluster{URL: "https://gw1.example:8010", NodeID: 7, PeerTTL: caddy.Duration(3 * time.Second)}) {
		t.Fatalf("cluster %+v", a.Cluster)
	}
	for _, bad := range []string{"cluster {\nnode_id 0\n}", "cluster {\nzone x\n}", "cluster x", "cluster\ncluster"} {
		if _, err := parseGlobalOption(caddyfile.NewTestDispenser(head+bad+"\n}"), nil); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// racingStore is sealed storage over etcd where another node's store can
// land between a read and the removal that follows it.
type racingStore struct {
	*sealed.Storage
	beforeDelete func()
}

func (s *racingStore) DeleteIfVersion(ctx context.Context, key string, version int64) (bool, error) {
	if f := s.beforeDelete; f != nil {
		s.beforeDelete = nil
		f()
	}
	return s.Storage.DeleteIfVersion(ctx, key, version)
}

// TestClusterExpiryKeepsRenewal: an expiry on one node racing a renewal
// through another never removes the renewal: not when the expiring node's
// copy is older than the stored one (its watch event not yet there), nor
// when the renewal is stored between its read and its removal; the
// renewal is routed again. A registration nobody renewed is removed.
func TestClusterExpiryKeepsRenewal(t *testing.T) {
	ec := startEtcdCluster(t, 1)
	cli, err := clientv3.New(clientv3.Config{Endpoints: ec.clients, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	sealer, err := sealed.NewSealer(bytes.Repeat([]byte{0x5e}, 32))
	if err != nil {
		t.Fatal(err)
	}
	st := &racingStore{Storage: &sealed.Storage{Sealer: sealer,
		Backend: &etcdstorage.Storage{Client: cli, Prefix: etcdPrefix, Timeout: 10 * time.Second, LockTTL: 2 * time.Second}}}
	node := func() *registry { return &registry{storage: st, versioned: st, byID: map[string]*Instance{}} }
	x, y := node(), node()
	const ttl = time.Minute
	id := bytes.Repeat([]byte{0x1d}, 20)
	seenAt := func(seen time.Time) *Instance {
		return &Instance{AppID: bytes.Repeat([]byte{0xa9}, 20), InstanceID: id, TunnelAddress: "127.0.0.1:1", LastSeen: seen, Allowed: true}
	}
	ctx := context.Background()
	stored := func() (*Instance, error) {
		raw, err := st.Load(ctx, storageKey(hexKey(id)))
		if err != nil {
			return nil, err
		}
		return parseStored(storageKey(hexKey(id)), raw)
	}
	expireAt := func(now time.Time) *Instance {
		t.Helper()
		expired := x.expire(now, ttl)
		if len(expired) != 1 {
			t.Fatalf("node x expired %d registrations at %v, want its copy", len(expired), now)
		}
		renewed, err := x.deleteExpired(ctx, expired[0], now, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return renewed
	}
	// Registered through x, renewed through y; x's copy is the first.
	t0 := time.Now().UTC()
	for _, s := range []struct {
		r    *registry
		seen time.Time
	}{{x, t0}, {y, t0.Add(ttl / 2)}} {
		if _, err := s.r.upsert(ctx, seenAt(s.seen)); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(ttl + time.Second)
	checkKept := func(what string, want time.Time) {
		t.Helper()
		s, err := stored()
		if err != nil || !s.LastSeen.Equal(want) {
			t.Fatalf("%s: the stored registration %+v, %v; want the renewal of %v", what, s, err, want)
		}
		if inst, ok := x.get(hexKey(id)); !ok || !inst.LastSeen.Equal(want) {
			t.Fatalf("%s: node x does not route the renewal again", what)
		}
	}
	if renewed := expireAt(now); renewed == nil {
		t.Fatal("an expiry on a copy older than the stored renewal did not keep it")
	}
	checkKept("x's copy older than the store", t0.Add(ttl/2))

	// x (restarted) stores a stale registration again, and y's renewal
	// lands between x's read and its removal.
	x = node()
	if _, err := x.upsert(ctx, seenAt(t0)); err != nil {
		t.Fatal(err)
	}
	st.beforeDelete = func() {
		if _, err := y.upsert(ctx, seenAt(now)); err != nil {
			t.Error(err)
		}
	}
	if renewed := expireAt(now); renewed == nil {
		t.Fatal("an expiry raced by a renewal did not keep it")
	}
	checkKept("a renewal between the read and the removal", now)

	// Nobody renews: removed.
	if renewed := expireAt(now.Add(ttl + time.Second)); renewed != nil {
		t.Fatalf("a registration nobody renewed was kept: %+v", renewed)
	}
	if _, err := stored(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the expired registration in storage: %v, want it removed", err)
	}
}
