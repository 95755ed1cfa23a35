package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/caddymodules/etcdstorage"
	"github.com/dstack-go/dstack/caddymodules/sealed"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/gatewaylink"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/guesttest/agenttest"
)

// attestedCluster is a chain with a real KMS that authorizes by it
// (guesttest), whose app (guesttest.Compose allowed) the chain names as
// the gateway app, an etcd, and the gateway harness on that chain and on
// the KMS's mock PKI.
type attestedCluster struct {
	g  *guesttest.Stack
	e  *env
	ec *etcdCluster
}

func newAttestedCluster(t *testing.T) *attestedCluster {
	t.Helper()
	g := guesttest.New(t, guesttest.ComposeHash())
	return &attestedCluster{g: g, e: newEnvOn(t, g.Chain, g.PKI, g.Seed, g.AppID.Bytes()), ec: startEtcdCluster(t, 1)}
}

// bootGuest boots a CVM from the host-shared files of compose and app
// (the gateway app when nil) through the guest's boot sequence: it
// attests, checks the KMS on chain and asks it for the app's keys, which
// the KMS releases only if the chain allows the compose hash.
func (a *attestedCluster) bootGuest(t *testing.T, compose string, app []byte) (*boot.CVM, error) {
	t.Helper()
	var extra map[string][]byte
	if app != nil {
		extra = map[string][]byte{hostinput.InstanceInfoFile: fmt.Appendf(nil, `{"app_id":"%x"}`, app)}
	}
	cvm, _, _, err := a.g.Boot(t, a.g.HostShared(t, compose, extra))
	return cvm, err
}

// gatewayTD boots a TD of the gateway app with compose and serves its
// guest agent on a unix socket, which it returns: the agent whose GetKey
// dstack_sealed reads the sealing key from.
func (a *attestedCluster) gatewayTD(t *testing.T, compose string) (string, error) {
	t.Helper()
	cvm, err := a.bootGuest(t, compose, nil)
	if err != nil {
		return "", err
	}
	socket := agenttest.ServeAgent(t, cvm)
	return socket, nil
}

// agentStorage is a node's Caddy storage sealed with the key the guest
// agent at socket derives (dstack_sealed's default key source), over etcd.
func (ec *etcdCluster) agentStorage(socket string) map[string]any {
	return map[string]any{"module": "dstack_sealed", "socket": socket, "backend": ec.backend()}
}

// TestClusterNodesAttested: a gateway node gets the cluster's sealing key
// only through its TD's guest agent, which has it only if the KMS released
// the gateway app's keys to that TD by the chain's policy. Two TDs of the
// gateway app whose compose hash the chain allows get the same key: a CVM
// registered through the first's node is routed by the second's. A TD
// whose compose hash the chain does not allow, or no longer allows, is
// refused by the KMS with the chain's reason, so it has no agent and no
// key, and a node that would read its key does not start. What such a
// node could read from etcd directly is sealed: no field of the
// registration in clear, and any key other than the KMS-derived one (a
// random one, the gateway app's key for another path) fails to open it
// with an error that is not "missing", so nothing is issued anew over it.
func TestClusterNodesAttested(t *testing.T) {
	a := newAttestedCluster(t)
	e := a.e
	sock1, err := a.gatewayTD(t, guesttest.Compose)
	if err != nil {
		t.Fatalf("a TD of the gateway app whose compose hash the chain allows: %v", err)
	}
	sock2, err := a.gatewayTD(t, guesttest.Compose)
	if err != nil {
		t.Fatalf("a second TD of the gateway app: %v", err)
	}
	n1 := e.startNode("a", a.ec.agentStorage(sock1), nil)
	compose := e.compose(0xa7)
	app := e.deployApp(compose)
	cv := e.bootCVM(app, compose, 1)
	eventually(t, "the registration through a", func() bool { _, err := cv.registerAt(n1.Addrs.Registration); return err == nil })
	host, want := hostOf(app, ""), fmt.Sprintf("instance=%x", cv.id.InstanceID)
	n2 := e.startNode("b", a.ec.agentStorage(sock2), nil)
	eventually(t, "the second TD's node to route the registration", func() bool { return n2.routes(t, host, want) })

	// Not allowed, then revoked: the KMS refuses with the chain's reason.
	altered := strings.Replace(guesttest.Compose, `"name":"guest-test"`, `"name":"guest-test-altered"`, 1)
	if _, err := a.gatewayTD(t, altered); !errors.Is(err, boot.ErrRefused) || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("a TD of the gateway app with a compose hash the chain does not allow: %v, want the KMS's refusal with the chain's reason", err)
	}
	e.revoke(a.g.AppID.Bytes(), guesttest.ComposeHash())
	if _, err := a.gatewayTD(t, guesttest.Compose); !errors.Is(err, boot.ErrRefused) || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("a TD of the gateway app after its compose hash was revoked: %v, want the KMS's refusal with the chain's reason", err)
	}
	// Without an agent that has the key, the node does not start.
	if n, err := e.tryStartNode("refused", a.ec.agentStorage(filepath.Join(t.TempDir(), "dstack.sock")), nil); err == nil {
		n.Kill()
		t.Fatal("a node whose TD has no guest agent (no keys from the KMS) started")
	} else if !strings.Contains(err.Error(), "getting the sealing key from the guest agent") {
		t.Fatalf("a node without the sealing key: %v, want the guest agent's failure", err)
	}

	// etcd read directly.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{Endpoints: a.ec.clients, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	raw := &etcdstorage.Storage{Client: cli, Prefix: etcdPrefix, Timeout: 10 * time.Second, LockTTL: 2 * time.Second}
	keys, err := raw.List(ctx, storagePrefix, true)
	if err != nil || len(keys) != 1 {
		t.Fatalf("the registry in etcd: %q, %v; want the one registration", keys, err)
	}
	key := keys[0]
	stored, err := raw.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"tunnel_address", "compose_hash", hex.EncodeToString(cv.id.InstanceID), cv.tunAddr[strings.LastIndex(cv.tunAddr, ":"):]} {
		if strings.Contains(string(stored), clear) {
			t.Fatalf("the registration in etcd shows %q in clear", clear)
		}
	}
	open := func(material []byte) ([]byte, error) {
		s, err := sealed.NewSealer(material)
		if err != nil {
			t.Fatal(err)
		}
		return (&sealed.Storage{Backend: raw, Sealer: s}).Load(ctx, key)
	}
	kmsKey, err := sealed.AgentKey(ctx, sock1, sealed.DefaultKeyPath, sealed.DefaultPurpose)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := open(kmsKey); err != nil || !strings.Contains(string(v), hex.EncodeToString(cv.id.InstanceID)) {
		t.Fatalf("the registration does not open with the key the gateway TD's agent derives: %v", err)
	}
	otherPath, err := sealed.AgentKey(ctx, sock1, "another/path", sealed.DefaultPurpose)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 32)
	rand.Read(random)
	for name, k := range map[string][]byte{"a random key": random, "the gateway app's key for another path": otherPath} {
		v, err := open(k)
		if err == nil {
			t.Fatalf("the registration opens with %s: %q", name, v)
		}
		if errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("with %s the registration is reported missing (%v), which would have it issued anew", name, err)
		}
	}
}

// TestClusterGuestFailover: a CVM booted through the guest's boot sequence
// (its keys from the KMS) registers with node a alone, through the guest's
// own registrar (gatewaylink), learns the cluster's three nodes from the
// answer, and when a is killed renews its registration with another node:
// the app stays routable through b and c, with no failed request, for
// three times the registration's lifetime, which it would not outlive
// unrenewed.
func TestClusterGuestFailover(t *testing.T) {
	a := newAttestedCluster(t)
	e := a.e
	const ttl = 3 * time.Second
	st, opts := a.ec.storage(testSealingKey), map[string]any{"instance_ttl": ttl.String()}
	na, nb, nc := e.startNode("a", st, opts), e.startNode("b", st, opts), e.startNode("c", st, opts)

	compose := e.composeOf("failover", []string{"80"}, "")
	app := e.deployApp(compose)
	cvm, err := a.bootGuest(t, e.composes[compose], app)
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "instance=%x", cvm.InstanceID)
	}))
	t.Cleanup(backend.Close)
	core, logs := observer.New(zapcore.InfoLevel)
	reg := &gatewaylink.Registrar{
		GatewayURLs: []string{"https://" + na.Addrs.Registration}, Listen: "127.0.0.1:0",
		Ports: map[uint16]string{80: backend.Listener.Addr().String()}, Gateway: a.g.Reader,
		Retry: 100 * time.Millisecond, Logger: zap.New(core),
	}
	// A first registration the node refuses (its chain view may not have
	// the block that deployed the app yet) is retried in the background.
	if err := reg.Register(context.Background(), cvm); err != nil {
		t.Logf("the first registration: %v", err)
	}
	t.Cleanup(func() { reg.Close() })
	all := nodeURLs(na, nb, nc)
	eventually(t, "the registrar to learn the three nodes", func() bool { return slices.Equal(slices.Sorted(slices.Values(reg.Nodes())), all) })
	host, want := hostOf(app, ""), fmt.Sprintf("instance=%x", cvm.InstanceID)
	for _, n := range []*node{na, nb, nc} {
		eventually(t, "node "+n.name+" to route the CVM", func() bool { return n.routes(t, host, want) })
	}

	na.Kill()
	killed := time.Now()
	eventually(t, "the registrar to move to another node", func() bool {
		return len(logs.FilterMessage("registered with another node of the gateway's cluster").All()) > 0
	})
	moved := logs.FilterMessage("registered with another node of the gateway's cluster").All()[0].ContextMap()["gateway"]
	if u, _ := moved.(string); u == "https://"+na.Addrs.Registration || !slices.Contains(all, u) {
		t.Fatalf("the registrar moved to %v, want b or c", moved)
	}
	// Every request through b and c answers, until the registration made
	// through a would have expired three times over.
	var requests int
	for time.Since(killed) < 3*ttl {
		for _, n := range []*node{nb, nc} {
			requests++
			if code, body := get(t, nil, n.gw, host, nil); code != http.StatusOK || !strings.Contains(body, want) {
				t.Fatalf("node %s, %v after a was killed: %d %q", n.name, time.Since(killed), code, body)
			}
		}
	}
	t.Logf("moved to %v; %d requests through b and c answered over %v", moved, requests, time.Since(killed))
}
