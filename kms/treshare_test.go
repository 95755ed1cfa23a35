package kms_test

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"

	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/tkey"
)

// TestThresholdNodeReshare: the fixture's 2-of-3 committee (kms-a, kms-b,
// kms-c) is reshared from configuration (a reshare block on every node of
// both committees) to kms-b, kms-c and a new kms-d, 2 of 3 at epoch 2.
// Every app key stays byte for byte, the new key set goes on chain, kms-a
// destroys its shares and retires, and a stolen copy of kms-a's old share
// does not combine with a new one.
func TestThresholdNodeReshare(t *testing.T) {
	if testing.Short() {
		t.Skip("a resharing of four roots among four nodes takes from 30 seconds (idle) to minutes (busy machine)")
	}
	testReshare(t, false)
}

// TestThresholdNodeReshareNodeDown: as TestThresholdNodeReshare, with
// kms-a down: kms-b and kms-c alone (from_nodes) reshare to kms-b, kms-c
// and kms-d; kms-a, started afterwards with the same block, destroys its
// shares and retires.
func TestThresholdNodeReshareNodeDown(t *testing.T) {
	if testing.Short() {
		t.Skip("a resharing of four roots among three nodes takes from 30 seconds (idle) to minutes (busy machine)")
	}
	testReshare(t, true)
}

func testReshare(t *testing.T, down bool) {
	s := guesttest.New(t, guesttest.ComposeHash())
	dirs := guesttest.ThresholdFixture(t)
	old := s.StartThresholdNodes(t, dirs)
	oldPub := s.PublishThreshold(t, dirs["kms-b"])
	p, appID, instanceID := s.MeasuredCVM(t)
	ctx := context.Background()
	keys := func(epoch uint64, urls []string) (*tkey.KeySet, *kmsclient.ThresholdKeys) {
		t.Helper()
		ks, k, err := cvmKeys(t, s, p, appID, instanceID, epoch, urls)
		if err != nil {
			t.Fatal(err)
		}
		return ks, k
	}
	var oldURLs []string
	for _, n := range guesttest.ThresholdNames {
		oldURLs = append(oldURLs, old[n].URL)
	}
	oldKS, before := keys(1, oldURLs)
	// An attacker's copy of kms-a's sealed shares, taken before resharing.
	stolen, err := os.ReadFile(filepath.Join(dirs["kms-a"], "threshold-shares.sealed"))
	if err != nil {
		t.Fatal(err)
	}
	oldB, err := os.ReadFile(filepath.Join(dirs["kms-b"], "threshold-shares.sealed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range old {
		srv.Stop(ctx)
	}

	// kms-d joins with pre-parameters of its own (tss-lib's fixtures',
	// which spare a minute of safe primes); the others reuse those their
	// shares were made with.
	dirs["kms-d"] = joiningNodeDir(t)
	sealingKey, _ := hex.DecodeString(guesttest.ThresholdSealingKey)
	all := []string{"kms-a", "kms-b", "kms-c", "kms-d"}
	lns, urls := guesttest.PeerListeners(t, all...)
	newNames := []string{"kms-b", "kms-c", "kms-d"}
	reshare := &kms.ThresholdReshare{Epoch: 2, Threshold: 2}
	if down {
		reshare.FromNodes = []string{"kms-b", "kms-c"}
	}
	for _, n := range newNames {
		reshare.Nodes = append(reshare.Nodes, kms.ThresholdNode{Name: n, URL: urls[n]})
	}
	srvs := map[string]*kms.Server{}
	startNode := func(n string) {
		cfg := s.ThresholdConfig(dirs[n], n, urls)
		cfg.Threshold.Reshare = reshare
		srv, err := kms.NewServer(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.PeerListener = lns[n]
		s.ServeWithChain(t, srv)
		srvs[n] = srv
	}
	start := time.Now()
	for _, n := range all {
		if n != "kms-a" || !down {
			startNode(n)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	for _, n := range newNames {
		if err := srvs[n].Ready(rctx); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	t.Logf("resharing 2-of-3 -> 2-of-3 (kms-a replaced by kms-d, kms-a down: %v) from configuration, RA-TLS, four roots: %s", down, time.Since(start))
	if down {
		startNode("kms-a")
	}
	if err := srvs["kms-a"].Ready(rctx); !errors.Is(err, kms.ErrRetired) {
		t.Fatalf("the retired node: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dirs["kms-a"], "threshold-shares.sealed")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the retired node kept its sealed shares: %v", err)
	}
	if !down {
		// kms-b as if it had stopped before sealing its new shares: it
		// comes back with its old ones and the same reshare block. kms-c
		// and kms-d, the new committee's threshold, hold the new epoch's
		// already: it says so at once, and destroys its stale shares,
		// rather than wait for a resharing that will not come.
		srvs["kms-b"].Stop(ctx)
		if err := os.WriteFile(filepath.Join(dirs["kms-b"], "threshold-shares.sealed"), oldB, 0o600); err != nil {
			t.Fatal(err)
		}
		if lns["kms-b"], err = net.Listen("tcp", strings.TrimPrefix(urls["kms-b"], "https://")); err != nil {
			t.Fatal(err)
		}
		startNode("kms-b")
		bctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := srvs["kms-b"].Ready(bctx)
		cancel()
		if !errors.Is(err, kms.ErrBehind) {
			t.Fatalf("a node whose resharing completed without it: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dirs["kms-b"], "threshold-shares.sealed")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the node left behind kept its stale shares: %v", err)
		}
		t.Logf("a node left behind by the resharing: %v", err)
	}

	newPub := s.PublishThreshold(t, dirs["kms-d"])
	if newPub.Epoch != 2 || newPub.KeySet.Root != oldPub.KeySet.Root || newPub.CAPubkey != oldPub.CAPubkey || newPub.K256Pubkey != oldPub.K256Pubkey ||
		newPub.KeySet.Env.Root != oldPub.KeySet.Env.Root {
		t.Fatal("the resharing changed the root public keys, or not the epoch")
	}
	for i, m := range newPub.Shares {
		for _, o := range oldPub.Shares {
			for _, r := range append(threshold.Roots, threshold.RootEnv) {
				if bytes.Equal(m.Points[r], o.Points[r]) {
					t.Fatalf("%s's public share of the %s root is an old one (%s's)", newNames[i], r, o.Node)
				}
			}
		}
	}
	newKS, after := keys(2, []string{srvs["kms-b"].URL, srvs["kms-c"].URL, srvs["kms-d"].URL})
	if newKS.ID() == oldKS.ID() || newKS.Epoch != oldKS.Epoch {
		t.Fatal("the key set on chain is the old one, or of another root epoch")
	}
	if after.DiskCryptKey != before.DiskCryptKey || after.EnvCryptKey != before.EnvCryptKey || after.K256Key != before.K256Key || after.AppCASeed != before.AppCASeed {
		t.Fatal("the app's keys changed with the resharing")
	}

	// The stolen old share against a new one: under the new key set it
	// does not count, and its secret does not interpolate with a new
	// share to the root.
	oldA, err := threshold.UnsealShares(stolen, sealingKey)
	if err != nil {
		t.Fatal(err)
	}
	a, err := oldA.Derivation()
	if err != nil {
		t.Fatal(err)
	}
	d, err := srvs["kms-d"].Service.ThresholdNode.Shares().Derivation()
	if err != nil {
		t.Fatal(err)
	}
	ctxs := tkey.AppContexts(newKS.Epoch, appID, instanceID)
	var answers []*tkey.Answer
	for _, sh := range []*threshold.DerivationShare{a, d} {
		ts, err := sh.TKeyShare()
		if err != nil {
			t.Fatal(err)
		}
		ans, err := ts.Partials(newKS.Epoch, ctxs, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, ans)
	}
	if _, _, err := newKS.Combine(ctxs, answers); !errors.Is(err, tkey.ErrNotEnough) {
		t.Fatalf("an old share with a new one under the new key set: %v", err)
	}
	n := elliptic.P256().Params().N
	xa, xd := a.Parties[a.Self].ID, d.Parties[d.Self].ID
	// λ_a = x_d/(x_d−x_a), λ_d = x_a/(x_a−x_d), at zero.
	la := new(big.Int).Mul(xd, new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(xd, xa), n), n))
	ld := new(big.Int).Mul(xa, new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(xa, xd), n), n))
	sum := new(big.Int).Add(new(big.Int).Mul(la, a.Secret), new(big.Int).Mul(ld, d.Secret))
	combined := tkey.Share{ID: tkey.NodeID{31: 1}, Secret: [32]byte(sum.Mod(sum, n).FillBytes(make([]byte, 32)))}
	pub, err := combined.Public()
	if err != nil {
		t.Fatal(err)
	}
	if pub.Point == newKS.Root {
		t.Fatal("an old share combines with a new one to the root")
	}
}

// cvmKeys are the app's keys the CVM p gets from the nodes at urls,
// under the key set on chain once it is of epoch (waited for up to a
// minute), with that key set.
func cvmKeys(t *testing.T, s *guesttest.Stack, p *guestos.Platform, appID, instanceID []byte, epoch uint64, urls []string) (*tkey.KeySet, *kmsclient.ThresholdKeys, error) {
	t.Helper()
	ctx := context.Background()
	ks, at, _, err := s.Reader.ThresholdKeySet(ctx)
	for deadline := time.Now().Add(time.Minute); err == nil && at != epoch && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		ks, at, _, err = s.Reader.ThresholdKeySet(ctx)
	}
	if err != nil || at != epoch {
		t.Fatalf("the chain names the committee of epoch %d, not %d (%v)", at, epoch, err)
	}
	id := ks.ID()
	c, err := kmsclient.NewThreshold(ctx, kmsclient.ThresholdConfig{Nodes: urls, KeySet: ks, KeyProviderID: id[:],
		Node: kmsclient.Config{Attester: p, Attestation: s.Attestation, Chain: s.Reader, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage}})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	return ks, k, err
}

// joiningNodeDir is the state directory of a node that joins a committee:
// no shares, and pre-parameters of its own (tss-lib's fixtures', which
// spare a minute of safe primes), sealed with the test sealing key.
func joiningNodeDir(t *testing.T) string {
	t.Helper()
	fixtures, _, err := keygen.LoadKeygenTestFixtures(4)
	if err != nil {
		t.Fatal(err)
	}
	sealingKey, _ := hex.DecodeString(guesttest.ThresholdSealingKey)
	dir := t.TempDir()
	pre, err := threshold.SealPreParams(&fixtures[3].LocalPreParams, sealingKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "threshold-preparams.sealed"), pre, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestThresholdReshareConfig: a reshare block that cannot be carried out
// is refused at start, saying what to change.
func TestThresholdReshareConfig(t *testing.T) {
	urls := map[string]string{"kms-a": "https://127.0.0.1:1", "kms-b": "https://127.0.0.1:2", "kms-c": "https://127.0.0.1:3"}
	s := &guesttest.Stack{}
	nodes := func(names ...string) []kms.ThresholdNode {
		var out []kms.ThresholdNode
		for _, n := range names {
			u := urls[n]
			if u == "" {
				u = "https://127.0.0.1:4"
			}
			out = append(out, kms.ThresholdNode{Name: n, URL: u})
		}
		return out
	}
	for _, tc := range []struct {
		name, self string
		r          kms.ThresholdReshare
		want       string
	}{
		{"the same epoch", "kms-a", kms.ThresholdReshare{Epoch: 1, Threshold: 2, Nodes: nodes("kms-a", "kms-b")}, "must be above the old committee's"},
		{"an epoch below from_epoch", "kms-a", kms.ThresholdReshare{Epoch: 2, FromEpoch: 3, RootEpoch: 1, Threshold: 2, Nodes: nodes("kms-a", "kms-b")}, "must be above the old committee's"},
		{"a threshold above the new nodes", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 3, Nodes: nodes("kms-a", "kms-b")}, "threshold 3 of 2 members"},
		{"a threshold of one", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 1, Nodes: nodes("kms-a", "kms-b")}, "at least 2"},
		{"a root epoch after the old committee's", "kms-a", kms.ThresholdReshare{Epoch: 3, FromEpoch: 2, RootEpoch: 3, Threshold: 2, Nodes: nodes("kms-a", "kms-b")}, "root epoch 3"},
		{"a node in neither committee", "kms-x", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: nodes("kms-a", "kms-b")}, "in neither the old committee"},
		{"a node with two URLs", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: []kms.ThresholdNode{{Name: "kms-a", URL: "https://127.0.0.1:9"}, {Name: "kms-b", URL: urls["kms-b"]}}}, "one node, one URL"},
		{"a repeated new node", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: nodes("kms-b", "kms-b")}, "repeated name"},
		{"from_nodes fewer than the old threshold", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: nodes("kms-a", "kms-b"), FromNodes: []string{"kms-b"}}, "needs that many of them"},
		{"from_nodes naming a stranger", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: nodes("kms-a", "kms-b"), FromNodes: []string{"kms-b", "kms-x"}}, "not a member"},
		{"a new node without https", "kms-a", kms.ThresholdReshare{Epoch: 2, Threshold: 2, Nodes: []kms.ThresholdNode{{Name: "kms-b", URL: urls["kms-b"]}, {Name: "kms-d", URL: "http://127.0.0.1:4"}}}, "must be https"},
	} {
		cfg := s.ThresholdConfig(t.TempDir(), tc.self, urls)
		cfg.Threshold.Reshare = &tc.r
		if _, err := kms.NewServer(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// A node whose sealed shares are of another committee than the one
	// the block moves from refuses before any peer is asked.
	st := guesttest.New(t, guesttest.ComposeHash())
	dir := guesttest.ThresholdFixture(t)["kms-a"]
	for _, r := range []kms.ThresholdReshare{
		{Epoch: 3, FromEpoch: 2, Threshold: 2, Nodes: nodes("kms-a", "kms-b")},
		{Epoch: 3, FromEpoch: 2, RootEpoch: 2, Threshold: 2, Nodes: nodes("kms-a", "kms-b")},
	} {
		cfg := st.ThresholdConfig(dir, "kms-a", urls)
		cfg.Threshold.PeerListen = "127.0.0.1:0"
		cfg.Threshold.Reshare = &r
		srv, err := kms.NewServer(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Bounded: without the check, the node would wait for its peers.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = srv.Ready(ctx)
		cancel()
		srv.Stop(context.Background())
		if err == nil || !strings.Contains(err.Error(), "set nodes, threshold, from_epoch and root_epoch to the committee the shares belong to") {
			t.Fatalf("shares of epoch 1, a reshare from epoch %d (root epoch %d): %v", r.FromEpoch, r.RootEpoch, err)
		}
	}
}
