package threshold

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
)

var (
	p256Order      = elliptic.P256().Params().N
	testInstanceID = make([]byte, 20)
)

// appKeys is what a client of threshold derivation gets from the nodes
// holding shares, through tkey: each node's partial keys with their proof,
// combined under the key set.
func appKeys(t *testing.T, ks *tkey.KeySet, shares ...*DerivationShare) ([][tkey.KeySize]byte, error) {
	t.Helper()
	ctxs := tkey.AppContexts(ks.Epoch, testAppID, testInstanceID)
	var answers []*tkey.Answer
	for _, d := range shares {
		s, err := d.TKeyShare()
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Partials(d.RootEpoch, ctxs, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a)
	}
	keys, skipped, err := ks.Combine(ctxs, answers)
	if err == nil && len(skipped) > 0 {
		t.Fatalf("answers skipped: %v", skipped)
	}
	return keys, err
}

func mustAppKeys(t *testing.T, ks *tkey.KeySet, shares ...*DerivationShare) [][tkey.KeySize]byte {
	t.Helper()
	keys, err := appKeys(t, ks, shares...)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func sameKeys(a, b [][tkey.KeySize]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func derivation(t *testing.T, n *Node) *DerivationShare {
	t.Helper()
	d, err := n.Shares().Derivation()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func keySet(t *testing.T, n *Node) *tkey.KeySet {
	t.Helper()
	ks, err := n.Shares().KeySet()
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// lagrange is λ_i at zero of shares[i] among the shares' own IDs.
func lagrange(shares []*DerivationShare, i int) *big.Int {
	num, den := big.NewInt(1), big.NewInt(1)
	xi := shares[i].Parties[shares[i].Self].ID
	for j, e := range shares {
		if j != i {
			xj := e.Parties[e.Self].ID
			num.Mul(num, xj)
			den.Mul(den, new(big.Int).Sub(xj, xi))
		}
	}
	return num.Mul(num, den.ModInverse(den.Mod(den, p256Order), p256Order)).Mod(num, p256Order)
}

// interpolate is Σ λ_i·x_i over the shares' own IDs: s_d when the shares
// are t of one committee's, something else when they are not.
func interpolate(shares ...*DerivationShare) *big.Int {
	sum := new(big.Int)
	for i, d := range shares {
		sum.Add(sum, new(big.Int).Mul(lagrange(shares, i), d.Secret))
	}
	return sum.Mod(sum, p256Order)
}

// pointOf is s·G, compressed.
func pointOf(t *testing.T, s *big.Int) []byte {
	t.Helper()
	sh := tkey.Share{ID: tkey.NodeID{31: 1}, Secret: [32]byte(s.FillBytes(make([]byte, 32)))}
	p, err := sh.Public()
	if err != nil {
		t.Fatal(err)
	}
	return p.Point[:]
}

func TestDerivationShares(t *testing.T) {
	c := loaded(t)
	a, b, cc := derivation(t, c.nodes["kms-a"]), derivation(t, c.nodes["kms-b"]), derivation(t, c.nodes["kms-c"])
	ks := keySet(t, c.nodes["kms-a"])
	if ks.Epoch != 1 || ks.Threshold != 2 || len(ks.Shares) != 3 || string(ks.Root[:]) != string(a.PublicKey) {
		t.Fatalf("key set: epoch %d, threshold %d, %d shares", ks.Epoch, ks.Threshold, len(ks.Shares))
	}
	caDER, _ := c.nodes["kms-a"].Shares().CAPublicKeyDER()
	k256, _ := c.nodes["kms-a"].Shares().K256PublicKey()
	if string(ks.CAPubkey) != string(caDER) || string(ks.K256Pubkey) != string(k256) || len(k256) != 33 {
		t.Fatal("the key set does not carry the root CA and k256 public keys")
	}
	for _, n := range []string{"kms-b", "kms-c"} {
		if keySet(t, c.nodes[n]).ID() != ks.ID() {
			t.Fatalf("%s serves another key set than kms-a", n)
		}
	}
	// Every 2-subset derives the same keys.
	keys := mustAppKeys(t, ks, a, b)
	if !sameKeys(mustAppKeys(t, ks, b, cc), keys) || !sameKeys(mustAppKeys(t, ks, cc, a), keys) {
		t.Fatal("two pairs of shares derive different keys")
	}
	// t-1 = 1 share alone derives nothing.
	for _, one := range []*DerivationShare{a, b, cc} {
		if _, err := appKeys(t, ks, one); !errors.Is(err, tkey.ErrNotEnough) {
			t.Fatalf("a single share: %v, want ErrNotEnough", err)
		}
	}
	// Damaged shares are caught.
	bad := *a
	bad.Secret = new(big.Int).Add(a.Secret, big.NewInt(1))
	if bad.Verify() == nil {
		t.Fatal("a wrong secret share verifies")
	}
	bad = *a
	bad.Parties = append([]PublicShare(nil), a.Parties...)
	bad.Parties[1].Point = a.Parties[2].Point
	if bad.Verify() == nil {
		t.Fatal("swapped public shares verify")
	}
	bad = *a
	bad.PublicKey = b.Parties[b.Self].Point
	if bad.Verify() == nil {
		t.Fatal("a wrong public key verifies")
	}
	bad = *a
	bad.Threshold = 1
	if bad.Verify() == nil {
		t.Fatal("a 2-of-3 share verifies as 1-of-3")
	}
	bad = *a
	bad.RootEpoch = 0
	if bad.Verify() == nil {
		t.Fatal("a share without root epoch verifies")
	}
}

// reshareShares does what resharing does to the derivation root, in the
// clear: each old share's λ_i·x_i is split with a fresh polynomial of
// degree to.Threshold-1, and each new member's share is the sum of its
// values. Resharing itself (Node.Reshare, tss-lib) is TestReshare's.
func reshareShares(t *testing.T, old []*DerivationShare, to *Committee) []*DerivationShare {
	t.Helper()
	secrets := make([]*big.Int, len(to.Members))
	for j := range secrets {
		secrets[j] = new(big.Int)
	}
	for i := range old {
		// Σ_i λ_i·x_i = s_d: λ_i·x_i is old[i]'s part of it.
		part := new(big.Int).Mul(lagrange(old, i), old[i].Secret)
		coeffs := []*big.Int{part.Mod(part, p256Order)}
		for range to.Threshold - 1 {
			r, err := rand.Int(rand.Reader, p256Order)
			if err != nil {
				t.Fatal(err)
			}
			coeffs = append(coeffs, r)
		}
		for j, m := range to.Members {
			v := new(big.Int)
			for k := len(coeffs) - 1; k >= 0; k-- {
				v.Mul(v, m.ID).Add(v, coeffs[k]).Mod(v, p256Order)
			}
			secrets[j].Add(secrets[j], v).Mod(secrets[j], p256Order)
		}
	}
	out := make([]*DerivationShare, len(to.Members))
	var parties []PublicShare
	for j, m := range to.Members {
		parties = append(parties, PublicShare{Node: m.Node, ID: m.ID, Point: pointOf(t, secrets[j])})
	}
	for j := range to.Members {
		out[j] = &DerivationShare{Epoch: to.Epoch, RootEpoch: to.RootEpoch, Threshold: to.Threshold, Self: j,
			Secret: secrets[j], Parties: parties, PublicKey: old[0].PublicKey}
		if err := out[j].Verify(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Resharing moves the roots to a committee of a new epoch with new IDs;
// the app keys stay, because tkey's epoch is the root epoch.
func TestReshareKeepsAppKeys(t *testing.T) {
	c := loaded(t)
	oldCom := c.nodes["kms-a"].Shares().Committee
	a, b := derivation(t, c.nodes["kms-a"]), derivation(t, c.nodes["kms-b"])
	oldKS := keySet(t, c.nodes["kms-a"])
	keys := mustAppKeys(t, oldKS, a, b)

	newCom, err := oldCom.Reshared(2, 2, "kms-b", "kms-c", "kms-d")
	if err != nil {
		t.Fatal(err)
	}
	if newCom.RootEpoch != oldCom.RootEpoch || newCom.Epoch == oldCom.Epoch {
		t.Fatalf("reshared committee: epoch %d, root epoch %d", newCom.Epoch, newCom.RootEpoch)
	}
	news := reshareShares(t, []*DerivationShare{a, b}, newCom)
	newKS, err := news[0].KeySet()
	if err != nil {
		t.Fatal(err)
	}
	if newKS.Epoch != oldKS.Epoch || newKS.Root != oldKS.Root {
		t.Fatal("the new committee's key set has another epoch or root")
	}
	for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
		if !sameKeys(mustAppKeys(t, newKS, news[pair[0]], news[pair[1]]), keys) {
			t.Fatal("the new committee derives other app keys than the old one")
		}
	}
	// An old share does not count under the new key set.
	if _, err := appKeys(t, newKS, a, news[2]); !errors.Is(err, tkey.ErrNotEnough) {
		t.Fatalf("an old share combined with a new one: %v", err)
	}
	// Had the committee's epoch been tkey's, resharing would have changed
	// every app key.
	wrongKS := *newKS
	wrongKS.Epoch = uint32(newCom.Epoch)
	wrong := []*DerivationShare{{}, {}}
	for i := range wrong {
		*wrong[i] = *news[i]
		wrong[i].RootEpoch = uint32(newCom.Epoch)
	}
	if sameKeys(mustAppKeys(t, &wrongKS, wrong...), keys) {
		t.Fatal("the root epoch does not reach the keys")
	}
}

// A DKG starts a root epoch, resharing keeps it: a node refuses to mix
// them up before any message moves.
func TestRootEpochChecks(t *testing.T) {
	c := loaded(t)
	// Cancelled: should a check be missing, the protocol stops at once
	// (with another error) instead of waiting for absent peers.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	refused := func(err error) bool { return err != nil && strings.Contains(err.Error(), "root epoch") }
	oldCom := c.nodes["kms-a"].Shares().Committee
	renewed, err := NewCommittee(2, 2, "kms-a", "kms-b", "kms-c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.nodes["kms-a"].Reshare(ctx, oldCom, renewed); !refused(err) {
		t.Fatalf("resharing to a committee of another root epoch: %v", err)
	}
	reshared, err := oldCom.Reshared(2, 2, "kms-a", "kms-b", "kms-c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.nodes["kms-a"].Keygen(ctx, reshared); !refused(err) {
		t.Fatalf("a DKG for a committee that keeps an older root epoch: %v", err)
	}
	for _, re := range []uint32{0, 3} {
		bad := *reshared
		bad.RootEpoch = re
		if bad.Validate() == nil {
			t.Fatalf("a committee of epoch 2 with root epoch %d validates", re)
		}
	}
	if _, err := NewCommittee(1<<32, 2, "a", "b"); err == nil {
		t.Fatal("a DKG committee whose epoch does not fit a root epoch")
	}
}

func TestReshare(t *testing.T) {
	if testing.Short() {
		t.Skip("resharing the four roots takes tens of seconds to minutes")
	}
	c := loaded(t)
	pre, _ := testPreParams()
	d := &Node{Name: "kms-d", PreParams: &pre[3], Timeout: 10 * time.Minute, Approve: approveAll}
	c.net.Join(d)
	c.nodes["kms-d"] = d
	oldCom := c.nodes["kms-a"].Shares().Committee
	newCom, err := oldCom.Reshared(2, 2, "kms-b", "kms-c", "kms-d")
	if err != nil {
		t.Fatal(err)
	}
	// Keep copies of the old shares, as an attacker who stole them would.
	oldA, oldB := derivation(t, c.nodes["kms-a"]), derivation(t, c.nodes["kms-b"])
	oldKS := keySet(t, c.nodes["kms-a"])
	oldEnvA, oldEnvKS := envShare(t, c.nodes["kms-a"])
	oldEnvB, _ := envShare(t, c.nodes["kms-b"])
	oldAppPK, err := oldEnvKS.AppPublicKey(testAppID)
	if err != nil {
		t.Fatal(err)
	}
	oldPub := map[Root]*ecdsa.PublicKey{}
	for _, r := range Roots {
		oldPub[r], _ = c.nodes["kms-a"].Shares().PublicKey(r)
	}
	start := time.Now()
	if err := all([]string{"kms-a", "kms-b", "kms-c", "kms-d"}, func(name string) error {
		_, err := c.nodes[name].Reshare(context.Background(), oldCom, newCom)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("resharing 2-of-3 -> 2-of-3 (one node replaced), four roots: %s", time.Since(start))
	if c.nodes["kms-a"].Shares() != nil {
		t.Fatal("the retired node still holds shares")
	}
	for _, name := range newCom.Nodes() {
		sh := c.nodes[name].Shares()
		if sh.Committee.Epoch != 2 || sh.Committee.RootEpoch != oldCom.RootEpoch {
			t.Fatalf("%s is at epoch %d, root epoch %d", name, sh.Committee.Epoch, sh.Committee.RootEpoch)
		}
		for _, r := range Roots {
			p, _ := sh.PublicKey(r)
			if !p.Equal(oldPub[r]) {
				t.Fatalf("%s: the %s root's public key changed", name, r)
			}
		}
	}
	newB, newD := derivation(t, c.nodes["kms-b"]), derivation(t, c.nodes["kms-d"])
	newKS := keySet(t, c.nodes["kms-d"])
	if newKS.Epoch != oldKS.Epoch || newKS.Root != oldKS.Root || string(newKS.CAPubkey) != string(oldKS.CAPubkey) || string(newKS.K256Pubkey) != string(oldKS.K256Pubkey) {
		t.Fatal("resharing changed the key set's epoch or root keys")
	}
	if !sameKeys(mustAppKeys(t, newKS, newB, newD), mustAppKeys(t, oldKS, oldA, oldB)) {
		t.Fatal("the new shares derive other app keys")
	}
	if string(pointOf(t, interpolate(oldA, newD))) == string(oldA.PublicKey) {
		t.Fatal("an old share combines with a new one")
	}
	if newB.Secret.Cmp(oldB.Secret) == 0 {
		t.Fatal("a node kept its share through resharing")
	}
	checkEnvReshared(t, c, oldEnvKS, oldAppPK, oldEnvA, oldEnvB)
	// The new committee signs; nodes b and d alone.
	c.net.Leave("kms-c")
	appKey, _ := ethcrypto.GenerateKey()
	start = time.Now()
	sig, err := c.nodes["kms-d"].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("threshold signature after resharing: %s", time.Since(start))
	rootPub, _ := c.nodes["kms-d"].Shares().PublicKey(RootK256)
	if pub, err := kdf.Recover(kdf.KmsIssuedMessage(testAppID, &appKey.PublicKey), sig); err != nil || !pub.Equal(rootPub) {
		t.Fatal("the new committee's signature does not recover to the root")
	}
}

// checkEnvReshared checks the env root after the resharing of TestReshare:
// the same K_env and app env public key, the new shares open an envelope
// made before the resharing, a node's share changed, and an old share does
// not combine with a new one.
func checkEnvReshared(t *testing.T, c *testCluster, oldKS *tecdh.KeySet, oldAppPK [32]byte, oldA, oldB *tecdh.Share) {
	t.Helper()
	newB, newKS := envShare(t, c.nodes["kms-b"])
	newD, _ := envShare(t, c.nodes["kms-d"])
	if newKS.Root != oldKS.Root {
		t.Fatal("resharing changed K_env")
	}
	if pk, err := newKS.AppPublicKey(testAppID); err != nil || pk != oldAppPK {
		t.Fatal("resharing changed the app's env public key")
	}
	if tk := keySet(t, c.nodes["kms-d"]); !reflect.DeepEqual(tk.Env, newKS) {
		t.Fatal("the new key set does not carry the new env key set")
	}
	if newB.Secret == oldB.Secret {
		t.Fatal("a node kept its env share through resharing")
	}
	eph, want := envelopeSecret(t, oldKS, testAppID)
	if got, err := envSecret(t, newKS, testAppID, eph, newB, newD); err != nil || !bytes.Equal(got[:], want) {
		t.Fatalf("the new env shares do not open an envelope made before the resharing: %v", err)
	}
	// An old share with a new one, under a key set of their public shares
	// and K_env: not one polynomial, and not the envelope's secret.
	pa, _ := oldA.Public()
	pd, _ := newD.Public()
	mixed := &tecdh.KeySet{Threshold: 2, Root: oldKS.Root, Shares: []tecdh.PublicShare{pa, pd}}
	if err := mixed.Validate(); err == nil {
		t.Fatal("an old and a new env public share lie on one polynomial with K_env")
	}
	if got, err := envSecret(t, mixed, testAppID, eph, oldA, newD); err == nil && bytes.Equal(got[:], want) {
		t.Fatal("an old env share combines with a new one")
	}
}
