package guesttest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/kms"
)

// ThresholdNames are the nodes of kms/threshold's 2-of-3 DKG fixture
// (kms/threshold/testdata/dkg-2of3), in committee order.
var ThresholdNames = []string{"kms-a", "kms-b", "kms-c"}

// ThresholdSealingKey is the sealing key of the fixture's shares (hex).
var ThresholdSealingKey = strings.Repeat("07", 32)

// ThresholdConfig is the configuration of node name of the fixture's
// committee, on the stack's simulated TEE, whose peers listen at urls.
func (s *Stack) ThresholdConfig(dir, name string, urls map[string]string) kms.Config {
	var nodes []kms.ThresholdNode
	for _, n := range ThresholdNames {
		nodes = append(nodes, kms.ThresholdNode{Name: n, URL: urls[n]})
	}
	return kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: dir, VMConfig: s.VMConfig, InsecureSimulatedTEE: s.Seed,
		SealingKeyHex: ThresholdSealingKey, Auth: kms.AuthConfig{InsecureAllowAll: true},
		Threshold: &kms.ThresholdConfig{Name: name, Threshold: 2, Nodes: nodes},
	}
}

// ThresholdFixture writes each fixture node's sealed shares into a new
// state directory and returns the directories by name.
func ThresholdFixture(t testing.TB) map[string]string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	fixtures := filepath.Join(filepath.Dir(self), "..", "..", "kms", "threshold", "testdata", "dkg-2of3")
	dirs := map[string]string{}
	for _, n := range ThresholdNames {
		dirs[n] = t.TempDir()
		b, err := os.ReadFile(filepath.Join(fixtures, n+".sealed"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirs[n], "threshold-shares.sealed"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dirs
}

// PeerListeners opens a loopback peer listener for each threshold node
// named, and returns them with their URLs.
func PeerListeners(t testing.TB, names ...string) (map[string]net.Listener, map[string]string) {
	t.Helper()
	lns, urls := map[string]net.Listener{}, map[string]string{}
	for _, n := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[n], urls[n] = ln, "https://"+ln.Addr().String()
	}
	return lns, urls
}

// StartThresholdNodes starts the fixture committee's nodes on the state
// directories dirs, each on new loopback ports, authorizing apps by the
// chain, and waits until they are up.
func (s *Stack) StartThresholdNodes(t testing.TB, dirs map[string]string) map[string]*kms.Server {
	t.Helper()
	lns, urls := PeerListeners(t, ThresholdNames...)
	srvs := map[string]*kms.Server{}
	for _, n := range ThresholdNames {
		srv, err := kms.NewServer(context.Background(), s.ThresholdConfig(dirs[n], n, urls), nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.PeerListener = lns[n]
		s.ServeWithChain(t, srv)
		srvs[n] = srv
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for n, srv := range srvs {
		if err := srv.Ready(ctx); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	return srvs
}

// ThresholdKMS starts the fixture committee's nodes, publishes its root
// keys, key set and public shares on chain (PublishThreshold), and returns
// the nodes by name and the sys-config's kms_threshold that names them.
func (s *Stack) ThresholdKMS(t testing.TB) (map[string]*kms.Server, *hostinput.ThresholdKMS) {
	t.Helper()
	dirs := ThresholdFixture(t)
	srvs := s.StartThresholdNodes(t, dirs)
	pub := s.PublishThreshold(t, dirs["kms-b"])
	tk := &hostinput.ThresholdKMS{KeySet: pub.KeySet}
	for _, n := range ThresholdNames {
		tk.URLs = append(tk.URLs, srvs[n].URL)
	}
	return srvs, tk
}

// PublishThreshold publishes on chain the committee's root keys, key set
// and public shares (setKmsInfo and setThresholdKeySet) from the
// threshold-public.json of the node whose state directory is dir, as an
// operator does after a DKG or a resharing, and returns that record.
func (s *Stack) PublishThreshold(t testing.TB, dir string) *kms.ThresholdPublic {
	t.Helper()
	pub, err := kms.ReadThresholdPublic(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Chain
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{K256Pubkey: pub.KeySet.K256Pubkey, CaPubkey: pub.KeySet.CAPubkey})); err != nil {
		t.Fatal(err)
	}
	rec, shares, err := pub.ChainRecord()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetThresholdKeySet(rec, shares)); err != nil {
		t.Fatal(err)
	}
	return pub
}

// ServeWithChain has srv authorize apps by its own reader of the stack's
// chain (as in a deployment, at the default head interval), starts it,
// and stops it at the test's end.
func (s *Stack) ServeWithChain(t testing.TB, srv *kms.Server) {
	t.Helper()
	r, err := chain.New(context.Background(), s.Chain.Client, chain.Config{ChainID: s.Chain.ChainID, KmsContract: s.Chain.Kms})
	if err != nil {
		t.Fatal(err)
	}
	srv.Service.Auth = &kms.ChainAuthorizer{Reader: r}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
}
