package threshold

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
)

// testPreParams are tss-lib's own test fixtures' pre-parameters (shipped in
// its module, test-only): generating pre-parameters takes 10 to 30 seconds
// each, which TestGeneratePreParams pays once outside -short.
var testPreParams = sync.OnceValues(func() ([]keygen.LocalPreParams, error) {
	keys, _, err := keygen.LoadKeygenTestFixtures(5)
	if err != nil {
		return nil, err
	}
	out := make([]keygen.LocalPreParams, len(keys))
	for i, k := range keys {
		out[i] = k.LocalPreParams
	}
	return out, nil
})

var sealKey = bytes.Repeat([]byte{7}, 32)

// testCluster is nodes on one memory network.
type testCluster struct {
	net   *MemoryNetwork
	nodes map[string]*Node
}

func newCluster(t testing.TB, names ...string) *testCluster {
	t.Helper()
	pre, err := testPreParams()
	if err != nil {
		t.Fatal(err)
	}
	c := &testCluster{net: &MemoryNetwork{}, nodes: map[string]*Node{}}
	for i, name := range names {
		p := pre[i%len(pre)]
		n := &Node{Name: name, PreParams: &p, Timeout: 10 * time.Minute}
		c.net.Join(n)
		c.nodes[name] = n
	}
	return c
}

// all runs f on every named node at once and returns the first error.
func all(names []string, f func(name string) error) error {
	errs := make(chan error, len(names))
	for _, name := range names {
		go func() { errs <- f(name) }()
	}
	var first error
	for range names {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// runDKG2of3 runs a 2-of-3 DKG with its root CA certificate and returns
// each node's sealed shares.
func runDKG2of3(t testing.TB) (map[string][]byte, error) {
	c := newCluster(t, "kms-a", "kms-b", "kms-c")
	com, err := NewCommittee(1, 2, "kms-a", "kms-b", "kms-c")
	if err != nil {
		return nil, err
	}
	if err := all(com.Nodes(), func(name string) error {
		_, err := c.nodes[name].Keygen(context.Background(), com)
		return err
	}); err != nil {
		return nil, err
	}
	c.nodes["kms-a"].Approve = approveAll
	c.nodes["kms-b"].Approve = approveAll
	root, err := c.nodes["kms-a"].IssueRootCert(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, n := range c.nodes {
		if name != "kms-a" {
			if _, err := n.AdoptRootCert(root.Raw); err != nil {
				return nil, err
			}
		}
		if out[name], err = n.Shares().Seal(sealKey); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fixtureDir holds the sealed shares of one 2-of-3 DKG (sealed with
// sealKey), a test-only fixture that spares each test binary the minutes
// a DKG takes on a busy machine; TestDKG runs a fresh DKG outside -short
// and rewrites them when DSTACK_THRESHOLD_WRITE_FIXTURES is set.
const fixtureDir = "testdata/dkg-2of3"

// dkg2of3 is the sealed shares of the fixture DKG, or of a fresh one when
// the fixture is missing.
var dkg2of3 = sync.OnceValues(func() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, name := range []string{"kms-a", "kms-b", "kms-c"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name+".sealed"))
		if err != nil {
			return runDKG2of3(nil2{})
		}
		out[name] = b
	}
	return out, nil
})

func approveAll(context.Context, string, *Statement) error { return nil }

// nil2 lets newCluster run outside a test.
type nil2 struct{ testing.TB }

func (nil2) Helper()                   {}
func (nil2) Fatal(args ...any)         { panic(args) }
func (nil2) Fatalf(f string, a ...any) { panic(f) }

// loaded returns a cluster of the 2-of-3 DKG's nodes, each with its shares
// unsealed, and every node approving every statement.
func loaded(t testing.TB) *testCluster {
	t.Helper()
	sealed, err := dkg2of3()
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, "kms-a", "kms-b", "kms-c")
	for name, n := range c.nodes {
		sh, err := UnsealShares(sealed[name], sealKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.SetShares(sh); err != nil {
			t.Fatal(err)
		}
		n.Approve = approveAll
	}
	return c
}

func TestDKG(t *testing.T) {
	if testing.Short() {
		t.Skip("a DKG takes from 20 seconds (idle) to minutes (busy machine); the other tests use the fixture")
	}
	start := time.Now()
	sealed, err := runDKG2of3(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DKG 2-of-3, four roots, and the root CA certificate: %s", time.Since(start))
	if os.Getenv("DSTACK_THRESHOLD_WRITE_FIXTURES") != "" {
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range sealed {
			if err := os.WriteFile(filepath.Join(fixtureDir, name+".sealed"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkDKG(t, sealed)
}

func TestDKGFixture(t *testing.T) {
	sealed, err := dkg2of3()
	if err != nil {
		t.Fatal(err)
	}
	checkDKG(t, sealed)
}

// checkDKG checks that the nodes agree on the three public keys, and that
// the derivation shares are consistent.
func checkDKG(t *testing.T, sealed map[string][]byte) {
	var first *Shares
	for _, name := range []string{"kms-a", "kms-b", "kms-c"} {
		sh, err := UnsealShares(sealed[name], sealKey)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = sh
			continue
		}
		for _, r := range Roots {
			if !sh.Keys[r].ECDSAPub.Equals(first.Keys[r].ECDSAPub) {
				t.Fatalf("%s and kms-a disagree on the %s root", name, r)
			}
		}
		if !sh.Env.EDDSAPub.Equals(first.Env.EDDSAPub) {
			t.Fatalf("%s and kms-a disagree on the %s root", name, RootEnv)
		}
	}
	d, err := first.Derivation()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Parties) != 3 || d.Threshold != 2 || len(d.PublicKey) != 33 {
		t.Fatalf("derivation share: %+v", d)
	}
}
