package kms_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
)

// TestThresholdCommitteeFromChain: the fixture's 2-of-3 committee (kms-a,
// kms-b, kms-c), decided on chain at epoch 1, serves with
// committee_from_chain; governance then decides kms-b, kms-c and a new
// kms-d at epoch 2. kms-d, started afterwards with nothing but its name,
// joins from the chain; the running nodes see the decision and reshare
// without a restart, answering with the old shares until the new key set
// is on chain; kms-a destroys its shares and then stops answering; the
// app's keys from the new committee are the old ones. A node that is in
// no committee, and a key set of a committee governance did not decide,
// are refused.
func TestThresholdCommitteeFromChain(t *testing.T) {
	if testing.Short() {
		t.Skip("a resharing of three roots among four nodes takes from 30 seconds (idle) to minutes (busy machine)")
	}
	s := guesttest.New(t, guesttest.ComposeHash())
	dirs := guesttest.ThresholdFixture(t)
	ctx := context.Background()
	c := s.Chain
	all := []string{"kms-a", "kms-b", "kms-c", "kms-d", "kms-x"}
	lns, urls := guesttest.PeerListeners(t, all...)
	decide := func(epoch uint64, thr uint16, names []string, from []string) {
		t.Helper()
		if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetThresholdCommittee(epoch, thr, members(urls, names...), from)); err != nil {
			t.Fatal(err)
		}
	}
	srvs := map[string]*kms.Server{}
	start := func(n string) {
		t.Helper()
		if dirs[n] == "" {
			dirs[n] = t.TempDir()
		}
		cfg := s.ThresholdConfig(dirs[n], n, urls)
		cfg.Threshold = &kms.ThresholdConfig{Name: n, CommitteeFromChain: true, CommitteePoll: settings.Duration(100 * time.Millisecond)}
		srv, err := kms.NewServer(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.PeerListener = lns[n]
		s.ServeWithChain(t, srv)
		srvs[n] = srv
	}
	ready := func(ctx context.Context, n string) error {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		defer cancel()
		return srvs[n].Ready(ctx)
	}

	// With no committee on chain, a node does not come up, saying what to
	// do.
	start("kms-a")
	if err := ready(ctx, "kms-a"); err == nil || !strings.Contains(err.Error(), "dstack chain set-threshold-committee") {
		t.Fatalf("a node with no committee on chain: %v", err)
	}
	srvs["kms-a"].Stop(ctx)
	ln, err := net.Listen("tcp", strings.TrimPrefix(urls["kms-a"], "https://"))
	if err != nil {
		t.Fatal(err)
	}
	lns["kms-a"] = ln

	decide(1, 2, guesttest.ThresholdNames, nil)
	for _, n := range guesttest.ThresholdNames {
		start(n)
	}
	for _, n := range guesttest.ThresholdNames {
		if err := ready(ctx, n); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	oldPub := s.PublishThreshold(t, dirs["kms-b"])
	p, appID, instanceID := s.MeasuredCVM(t)
	keysErr := func(epoch uint64, names ...string) (*kmsclient.ThresholdKeys, error) {
		t.Helper()
		var urls []string
		for _, n := range names {
			urls = append(urls, srvs[n].URL)
		}
		_, k, err := cvmKeys(t, s, p, appID, instanceID, epoch, urls)
		return k, err
	}
	keys := func(epoch uint64, names ...string) *kmsclient.ThresholdKeys {
		t.Helper()
		k, err := keysErr(epoch, names...)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	before := keys(1, guesttest.ThresholdNames...)

	// kms-d joins with pre-parameters of its own.
	dirs["kms-d"] = joiningNodeDir(t)
	began := time.Now()
	decide(2, 2, []string{"kms-b", "kms-c", "kms-d"}, nil)
	start("kms-d")
	if err := ready(ctx, "kms-d"); err != nil {
		t.Fatalf("kms-d: %v", err)
	}
	// The running nodes reshared in place: kms-b's public record is of
	// epoch 2, and kms-a's shares are gone.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		pub, err := kms.ReadThresholdPublic(dirs["kms-b"])
		_, statErr := os.Stat(filepath.Join(dirs["kms-a"], "threshold-shares.sealed"))
		if err == nil && pub.Epoch == 2 && errors.Is(statErr, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running nodes did not follow the committee of epoch 2: kms-b's record %v, kms-a's shares %v", err, statErr)
		}
	}
	t.Logf("committee change 2-of-3 -> 2-of-3 (kms-a replaced by kms-d) decided on chain, followed by the running nodes: %s", time.Since(began))
	// Until the new key set is on chain, the old committee's shares still
	// answer: a CVM that boots now gets its keys from kms-b and kms-c.
	if during, err := keysErr(1, "kms-b", "kms-c"); err != nil || during.DiskCryptKey != before.DiskCryptKey {
		t.Fatalf("between the resharing and the new key set's publication: %v", err)
	}

	// A key set of a committee other than the one decided is refused.
	newPub, err := kms.ReadThresholdPublic(dirs["kms-d"])
	if err != nil {
		t.Fatal(err)
	}
	rec, shares, err := newPub.ChainRecord()
	if err != nil {
		t.Fatal(err)
	}
	rec.Threshold = 3
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetThresholdKeySet(rec, shares)); err == nil {
		t.Fatal("a key set of another threshold than the decided committee's was accepted")
	}
	pub := s.PublishThreshold(t, dirs["kms-d"])
	if pub.Epoch != 2 || pub.KeySet.Root != oldPub.KeySet.Root || pub.CAPubkey != oldPub.CAPubkey {
		t.Fatal("the committee change changed the root public keys, or not the epoch")
	}
	// Once it is, the nodes answer with their new shares (at their next
	// poll).
	var after *kmsclient.ThresholdKeys
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if after, err = keysErr(2, "kms-b", "kms-c", "kms-d"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if after.DiskCryptKey != before.DiskCryptKey || after.EnvCryptKey != before.EnvCryptKey || after.K256Key != before.K256Key || after.AppCASeed != before.AppCASeed {
		t.Fatal("the app's keys changed with the committee change")
	}
	// kms-a answers no key request any more.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		_, err := keysErr(2, "kms-a", "kms-b")
		if err != nil && strings.Contains(err.Error(), "holds no threshold key share") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retired node still answers key requests once the new key set is on chain: %v", err)
		}
	}

	// A node in no committee does not come up.
	start("kms-x")
	if err := ready(ctx, "kms-x"); err == nil || !strings.Contains(err.Error(), "holds no shares") {
		t.Fatalf("a node in no committee: %v", err)
	}
}

// TestThresholdCommitteeFromChainConfig: committee_from_chain takes the
// committee from the chain only, and needs the chain to read it from.
func TestThresholdCommitteeFromChainConfig(t *testing.T) {
	s := &guesttest.Stack{}
	urls := map[string]string{"kms-a": "https://127.0.0.1:1", "kms-b": "https://127.0.0.1:2", "kms-c": "https://127.0.0.1:3"}
	for name, tc := range map[string]struct {
		edit func(*kms.ThresholdConfig)
		want string
	}{
		"with nodes":     {func(c *kms.ThresholdConfig) { c.Threshold = 0 }, "remove nodes, threshold and reshare"},
		"with threshold": {func(c *kms.ThresholdConfig) { c.Nodes = nil }, "remove nodes, threshold and reshare"},
		"with reshare": {func(c *kms.ThresholdConfig) {
			c.Nodes, c.Threshold, c.Reshare = nil, 0, &kms.ThresholdReshare{Epoch: 2}
		}, "remove nodes, threshold and reshare"},
		"without a name":  {func(c *kms.ThresholdConfig) { c.Nodes, c.Threshold, c.Name = nil, 0, "" }, "name is required"},
		"a negative poll": {func(c *kms.ThresholdConfig) { c.Nodes, c.Threshold, c.CommitteePoll = nil, 0, -1 }, "must be positive"},
	} {
		cfg := s.ThresholdConfig(t.TempDir(), "kms-a", urls)
		cfg.Threshold.CommitteeFromChain = true
		tc.edit(cfg.Threshold)
		if _, err := kms.NewServer(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	cfg := s.ThresholdConfig(t.TempDir(), "kms-a", urls)
	cfg.Threshold.CommitteePoll = settings.Duration(time.Second)
	if _, err := kms.NewServer(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "committee_poll applies with committee_from_chain only") {
		t.Errorf("committee_poll without committee_from_chain: %v", err)
	}

	// Without a chain to read (auth is not chain), the node does not come
	// up, saying so.
	st := guesttest.New(t, guesttest.ComposeHash())
	cfg = st.ThresholdConfig(t.TempDir(), "kms-a", urls)
	cfg.Threshold = &kms.ThresholdConfig{Name: "kms-a", CommitteeFromChain: true, PeerListen: "127.0.0.1:0"}
	srv, err := kms.NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Ready(ctx); err == nil || !strings.Contains(err.Error(), "configure auth.chain") {
		t.Fatalf("committee_from_chain without auth.chain: %v", err)
	}
}

// members are the committee members named, at their URLs.
func members(urls map[string]string, names ...string) []dstackkms.DstackKmsThresholdMember {
	var m []dstackkms.DstackKmsThresholdMember
	for _, n := range names {
		m = append(m, dstackkms.DstackKmsThresholdMember{Name: n, Url: urls[n]})
	}
	return m
}
