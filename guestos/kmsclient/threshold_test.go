package kmsclient_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
	"github.com/dstack-go/dstack/tee/wire"
)

// thresholdStack is a chain with an app and n threshold KMS nodes, each
// replicated from the stack's KMS (so their RPC certificates chain to the
// root CA published on chain), allowed on chain, authorizing apps by the
// chain, and holding one share of a t-of-n dealing.
type thresholdStack struct {
	*guesttest.Stack
	nodes []*kms.Server
	dealt *tkeytest.Dealt
}

func newThresholdStack(t testing.TB, thr, n int) *thresholdStack {
	t.Helper()
	s := &thresholdStack{Stack: guesttest.New(t, guesttest.ComposeHash())}
	var err error
	if s.dealt, err = tkeytest.Deal(thr, n, 3, nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		srv, err := kms.NewServer(context.Background(), kms.Config{
			Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: t.TempDir(), VMConfig: s.VMConfig,
			InsecureSimulatedTEE: s.Seed, Auth: kms.AuthConfig{InsecureAllowAll: true}, OnboardFrom: s.KMS.URL,
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.Service.ThresholdShares = map[uint32]*tkey.Share{3: &s.dealt.Shares[i]}
		srv.Service.ThresholdEnvShares = map[uint32]*tecdh.Share{3: &s.dealt.EnvShares[i]}
		s.ServeWithChain(t, srv)
		s.nodes = append(s.nodes, srv)
	}
	return s
}

func (s *thresholdStack) urls() []string {
	var out []string
	for _, n := range s.nodes {
		out = append(out, n.URL)
	}
	return out
}

// cvm is a CVM of the stack's app that measured its identity into RTMR3,
// and its ids.
func (s *thresholdStack) cvm(t testing.TB) (*guestos.Platform, []byte, []byte) {
	return s.MeasuredCVM(t)
}

func (s *thresholdStack) client(t testing.TB, p *guestos.Platform, log *zap.Logger) *kmsclient.Threshold {
	t.Helper()
	id := s.dealt.KeySet.ID()
	c, err := kmsclient.NewThreshold(context.Background(), kmsclient.ThresholdConfig{
		Nodes: s.urls(), KeySet: s.dealt.KeySet, KeyProviderID: id[:], Logger: log,
		Node: kmsclient.Config{Attester: p, Attestation: s.Attestation, Chain: s.Reader, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantKeys are the keys of the dealt root for the app instance.
func (s *thresholdStack) wantKeys(t testing.TB, appID, instanceID []byte) [][tkey.KeySize]byte {
	t.Helper()
	var out [][tkey.KeySize]byte
	for _, c := range tkey.AppContexts(s.dealt.KeySet.Epoch, appID, instanceID) {
		k, err := tkeytest.Key(s.dealt.Secret, c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func checkKeys(t *testing.T, got *kmsclient.ThresholdKeys, want [][tkey.KeySize]byte) {
	t.Helper()
	if got.DiskCryptKey != want[0] || got.EnvCryptKey != want[1] || got.K256Key != want[2] || got.AppCASeed != want[3] {
		t.Fatalf("the released keys are not the dealt root's (from nodes %v)", got.Nodes)
	}
}

// refuseApps is a node whose chain view refuses every app.
type refuseApps struct{ kms.Authorizer }

func (refuseApps) AuthorizeApp(context.Context, kmsapi.BootInfo) (kms.Decision, error) {
	return kms.Decision{Reason: "app is not allowed at this node's block"}, nil
}

// TestThresholdRelease: a 2-of-3 KMS over mutual RA-TLS on loopback gives
// the CVM the keys of the dealt root, the same at every call, through n−t
// nodes down or refusing, and fails closed, naming every node's reason,
// past that.
func TestThresholdRelease(t *testing.T) {
	s := newThresholdStack(t, 2, 3)
	p, appID, instanceID := s.cvm(t)
	core, logs := observer.New(zap.WarnLevel)
	c := s.client(t, p, zap.New(core))
	want := s.wantKeys(t, appID, instanceID)
	ctx := context.Background()
	keys, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, keys, want)
	if len(keys.Nodes) != 2 || len(keys.OSImageHash) != 32 {
		t.Fatalf("answer %+v", keys)
	}
	if again, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig); err != nil {
		t.Fatal(err)
	} else {
		checkKeys(t, again, want)
	}
	// Answers for another instance than the attested one do not verify.
	if _, err := c.GetAppKeys(ctx, appID, bytes.Repeat([]byte{1}, 20), s.VMConfig); !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("asking for another instance's keys: %v", err)
	}
	logs.TakeAll()

	// One node's chain view refuses the CVM: it gives nothing, the other
	// two suffice.
	s.nodes[0].Service.Auth = refuseApps{s.nodes[0].Service.Auth}
	keys, err = c.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, keys, want)
	// n−t = 1 node down as well as the refusing one: only one valid answer.
	s.nodes[1].Stop(ctx)
	_, err = c.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	if !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "1 valid of the 2 needed") ||
		!strings.Contains(err.Error(), "boot denied") || !strings.Contains(err.Error(), s.nodes[1].URL) {
		t.Fatalf("one node refusing, one down: %v", err)
	}
	var skipped []string
	for _, e := range logs.FilterMessage("skipped a KMS node's partial keys").All() {
		skipped = append(skipped, e.ContextMap()["node"].(string))
	}
	if len(skipped) < 2 {
		t.Fatalf("skipped nodes not logged: %v", skipped)
	}
}

// TestThresholdNodesDown: with n−t of 3-of-5 nodes down the keys are the
// same; with n−t+1 down the client fails closed.
func TestThresholdNodesDown(t *testing.T) {
	s := newThresholdStack(t, 3, 5)
	p, appID, instanceID := s.cvm(t)
	c := s.client(t, p, nil)
	want := s.wantKeys(t, appID, instanceID)
	ctx := context.Background()
	for down := range 3 {
		if down > 0 {
			s.nodes[down-1].Stop(ctx)
		}
		keys, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
		if err != nil {
			t.Fatalf("%d nodes down: %v", down, err)
		}
		checkKeys(t, keys, want)
	}
	s.nodes[2].Stop(ctx)
	if keys, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig); keys != nil || !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "2 valid of the 3 needed") {
		t.Fatalf("3 of 5 down: %v %v", keys, err)
	}
}

// TestThresholdForgedNode: a node (allowed on chain, authorizing the CVM)
// that answers with another scalar is skipped, and the t honest nodes
// still give the keys.
func TestThresholdForgedNode(t *testing.T) {
	s := newThresholdStack(t, 2, 3)
	p, appID, instanceID := s.cvm(t)
	bad := s.dealt.Shares[1]
	bad.Secret[31] ^= 1
	s.nodes[1].Service.ThresholdShares = map[uint32]*tkey.Share{3: &bad}
	core, logs := observer.New(zap.WarnLevel)
	c := s.client(t, p, zap.New(core))
	// Ask until the forged node has been among the first answers (the
	// order is the network's); every time the keys are right.
	want := s.wantKeys(t, appID, instanceID)
	for range 20 {
		keys, err := c.GetAppKeys(context.Background(), appID, instanceID, s.VMConfig)
		if err != nil {
			t.Fatal(err)
		}
		checkKeys(t, keys, want)
		if len(logs.FilterMessage("skipped a KMS node's partial keys").All()) > 0 {
			break
		}
	}
	e := logs.FilterMessage("skipped a KMS node's partial keys").All()
	if len(e) == 0 {
		t.Fatal("the forged node's answer was never checked")
	}
	if e[0].ContextMap()["node"] != s.nodes[1].URL || !strings.Contains(e[0].ContextMap()["error"].(string), "does not verify") {
		t.Fatalf("skipped %v", e[0].ContextMap())
	}
	// With the forger and one honest node only, nothing.
	s.nodes[0].Stop(context.Background())
	if _, err := c.GetAppKeys(context.Background(), appID, instanceID, s.VMConfig); !errors.Is(err, kmsclient.ErrThresholdNotMet) {
		t.Fatalf("forger and one honest node: %v", err)
	}
}

// envelope encrypts vars to the app's env public key under the dealt env
// root, as deployment tooling does (upstream's format).
func (s *thresholdStack) envelope(t *testing.T, appID []byte, vars ...appenv.Var) *hostinput.EncryptedEnv {
	t.Helper()
	pk, err := s.dealt.KeySet.Env.AppPublicKey(appID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := appenv.Encrypt(vars, pk[:])
	if err != nil {
		t.Fatal(err)
	}
	e, err := hostinput.ParseEncryptedEnv(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestThresholdEnv: with the envelope's ephemeral key, the CVM combines
// two nodes' env partials into the secret that opens the app's encrypted
// env; a node whose env partial is forged is skipped and logged, and the
// two honest ones still open it; the forger and one honest node give
// nothing (t−1 valid); a key set without an env root cannot open one.
func TestThresholdEnv(t *testing.T) {
	s := newThresholdStack(t, 2, 3)
	p, appID, instanceID := s.cvm(t)
	e := s.envelope(t, appID, appenv.Var{Key: "SECRET", Value: "opened"})
	core, logs := observer.New(zap.WarnLevel)
	c := s.client(t, p, zap.New(core))
	want := s.wantKeys(t, appID, instanceID)
	ctx := context.Background()
	open := func() error {
		t.Helper()
		keys, err := c.GetAppKeysAndEnv(ctx, appID, instanceID, s.VMConfig, e.EphemeralPublic[:])
		if err != nil {
			return err
		}
		checkKeys(t, keys, want)
		d, err := appenv.DecryptShared(e, keys.EnvSecret, []string{"SECRET"})
		if err != nil {
			return err
		}
		if d.Env["SECRET"] != "opened" {
			t.Fatalf("decrypted %v", d.Env)
		}
		return nil
	}
	if err := open(); err != nil {
		t.Fatal(err)
	}
	if keys, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig); err != nil || keys.EnvSecret != nil {
		t.Fatalf("without an envelope: env secret %x, %v", keys.EnvSecret, err)
	}

	// Node 1 answers its env partial with another scalar (and a proof
	// valid for that scalar).
	bad := s.dealt.EnvShares[1]
	bad.Secret[0] ^= 1
	s.nodes[1].Service.ThresholdEnvShares = map[uint32]*tecdh.Share{3: &bad}
	for range 20 {
		if err := open(); err != nil {
			t.Fatal(err)
		}
		if len(logs.FilterMessage("skipped a KMS node's partial keys").All()) > 0 {
			break
		}
	}
	skipped := logs.FilterMessage("skipped a KMS node's partial keys").All()
	if len(skipped) == 0 {
		t.Fatal("the forged env partial was never checked")
	}
	if skipped[0].ContextMap()["node"] != s.nodes[1].URL || !strings.Contains(skipped[0].ContextMap()["error"].(string), "env partial") {
		t.Fatalf("skipped %v", skipped[0].ContextMap())
	}
	// The forger and one honest node: one valid, no keys, no secret.
	s.nodes[0].Stop(ctx)
	if err := open(); !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "1 valid of the 2 needed") {
		t.Fatalf("forger and one honest node: %v", err)
	}

	// A key set without an env key set: the client says why it cannot.
	noEnv := *s.dealt.KeySet
	noEnv.Env = nil
	id := noEnv.ID()
	c2, err := kmsclient.NewThreshold(ctx, kmsclient.ThresholdConfig{Nodes: s.urls(), KeySet: &noEnv, KeyProviderID: id[:],
		Node: kmsclient.Config{Attester: p, Attestation: s.Attestation, Chain: s.Reader, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.GetAppKeysAndEnv(ctx, appID, instanceID, s.VMConfig, e.EphemeralPublic[:]); err == nil || !strings.Contains(err.Error(), "no env key set") {
		t.Fatalf("a key set without an env root: %v", err)
	}
}

type noTEE struct{}

func (noTEE) Attest(context.Context, [64]byte) (*wire.Attestation, error) {
	return nil, errors.New("no TEE")
}

// TestNewThresholdRefuses: a key set that is not the measured one, or not
// consistent, and incomplete configurations are refused before anything
// is sent.
func TestNewThresholdRefuses(t *testing.T) {
	d, err := tkeytest.Deal(2, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := tkeytest.Deal(2, 3, 1, nil)
	id := d.KeySet.ID()
	broken := *d.KeySet
	broken.Root = other.KeySet.Root
	brokenID := broken.ID()
	node := kmsclient.Config{Attester: noTEE{}, Chain: nil}
	urls := []string{"https://a", "https://b", "https://c"}
	for _, c := range []struct {
		name string
		cfg  kmsclient.ThresholdConfig
		want string
	}{
		{"no key set", kmsclient.ThresholdConfig{Nodes: urls, Node: node}, "a key set is required"},
		{"another key set than measured", kmsclient.ThresholdConfig{Nodes: urls, KeySet: other.KeySet, KeyProviderID: id[:], Node: node}, "is not the key-provider id"},
		{"inconsistent key set", kmsclient.ThresholdConfig{Nodes: urls, KeySet: &broken, KeyProviderID: brokenID[:], Node: node}, "do not interpolate"},
		{"too few nodes", kmsclient.ThresholdConfig{Nodes: urls[:1], KeySet: d.KeySet, KeyProviderID: id[:], Node: node}, "1 node URLs for a threshold of 2"},
		{"no chain", kmsclient.ThresholdConfig{Nodes: urls, KeySet: d.KeySet, KeyProviderID: id[:], Node: node}, "chain reader is required"},
	} {
		if _, err := kmsclient.NewThreshold(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// BenchmarkThresholdRelease2of3 is one 2-of-3 key release over mutual
// RA-TLS on loopback with keep-alive: three nodes asked at once, each
// authorizing the CVM on chain, two answers verified and combined. It also
// reports the CPU time of a release, nodes and client together (all in
// this process), which a loaded machine does not inflate as it does the
// wall time.
func BenchmarkThresholdRelease2of3(b *testing.B) {
	s := newThresholdStack(b, 2, 3)
	p, appID, instanceID := s.cvm(b)
	c := s.client(b, p, nil)
	ctx := context.Background()
	if _, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig); err != nil {
		b.Fatal(err)
	}
	before := cpuTime(b)
	for b.Loop() {
		if _, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-before).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// otherGateway is a node whose answers name another gateway app id.
type otherGateway struct{ kms.Authorizer }

func (a otherGateway) AuthorizeApp(ctx context.Context, b kmsapi.BootInfo) (kms.Decision, error) {
	d, err := a.Authorizer.AuthorizeApp(ctx, b)
	d.GatewayAppID = "0x00000000000000000000000000000000000000aa"
	return d, err
}

// TestThresholdNodesDisagree: the nodes whose partials combine must agree
// on what they answer besides them; otherwise nothing is released.
func TestThresholdNodesDisagree(t *testing.T) {
	s := newThresholdStack(t, 2, 3)
	p, appID, instanceID := s.cvm(t)
	c := s.client(t, p, nil)
	s.nodes[2].Stop(context.Background())
	s.nodes[0].Service.Auth = otherGateway{s.nodes[0].Service.Auth}
	keys, err := c.GetAppKeys(context.Background(), appID, instanceID, s.VMConfig)
	if keys != nil || !errors.Is(err, kmsclient.ErrUntrustedKMS) || !strings.Contains(err.Error(), "disagree on the gateway app id") {
		t.Fatalf("nodes disagreeing: %v %v", keys, err)
	}
}
