//lint:file-ignore SA1019 tss-lib holds key material as big.Int coordinates on crypto/elliptic curves (its ECPoint); this file works at that boundary

package threshold

import (
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/kdf"
)

// combine is what a client of threshold derivation computes from the
// nodes' answers x_i·H: S = Σ λ_i·(x_i·H) over the given shares.
func combine(t *testing.T, hx, hy *big.Int, shares []*DerivationShare) []byte {
	t.Helper()
	c := elliptic.P256()
	ids := make([]*big.Int, len(shares))
	for i, d := range shares {
		ids[i] = d.Parties[d.Self].ID
	}
	var sx, sy *big.Int
	for i, d := range shares {
		l, err := Lagrange(c.Params().N, ids, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		px, py := c.ScalarMult(hx, hy, d.SecretBytes())
		qx, qy := c.ScalarMult(px, py, l.Bytes())
		if sx == nil {
			sx, sy = qx, qy
		} else {
			sx, sy = c.Add(sx, sy, qx, qy)
		}
	}
	return elliptic.MarshalCompressed(c, sx, sy)
}

func derivation(t *testing.T, n *Node) *DerivationShare {
	t.Helper()
	d, err := n.Shares().Derivation()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDerivationShares(t *testing.T) {
	c := loaded(t)
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	hx, hy := elliptic.P256().ScalarBaseMult(h)
	a, b, cc := derivation(t, c.nodes["kms-a"]), derivation(t, c.nodes["kms-b"]), derivation(t, c.nodes["kms-c"])
	s := combine(t, hx, hy, []*DerivationShare{a, b})
	if string(combine(t, hx, hy, []*DerivationShare{b, cc})) != string(s) || string(combine(t, hx, hy, []*DerivationShare{a, cc})) != string(s) {
		t.Fatal("two pairs of shares combine to different S")
	}
	// t-1 = 1 share alone does not give S.
	for _, one := range []*DerivationShare{a, b, cc} {
		if string(combine(t, hx, hy, []*DerivationShare{one})) == string(s) {
			t.Fatal("a single share gives S")
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
}

func TestReshare(t *testing.T) {
	if testing.Short() {
		t.Skip("resharing the three roots takes tens of seconds")
	}
	c := loaded(t)
	pre, _ := testPreParams()
	d := &Node{Name: "kms-d", PreParams: &pre[3], Timeout: 10 * time.Minute, Approve: approveAll}
	c.net.Join(d)
	c.nodes["kms-d"] = d
	oldCom := c.nodes["kms-a"].Shares().Committee
	newCom, err := NewCommittee(2, 2, "kms-b", "kms-c", "kms-d")
	if err != nil {
		t.Fatal(err)
	}
	// Keep copies of the old shares, as an attacker who stole them would.
	oldA, oldB := derivation(t, c.nodes["kms-a"]), derivation(t, c.nodes["kms-b"])
	oldPub := map[Root][]byte{}
	for _, r := range Roots {
		p, _ := c.nodes["kms-a"].Shares().PublicKey(r)
		oldPub[r] = elliptic.MarshalCompressed(p.Curve, p.X, p.Y)
	}
	start := time.Now()
	if err := all([]string{"kms-a", "kms-b", "kms-c", "kms-d"}, func(name string) error {
		_, err := c.nodes[name].Reshare(context.Background(), oldCom, newCom)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("resharing 2-of-3 -> 2-of-3 (one node replaced), three roots: %s", time.Since(start))
	if c.nodes["kms-a"].Shares() != nil {
		t.Fatal("the retired node still holds shares")
	}
	for _, name := range newCom.Nodes() {
		sh := c.nodes[name].Shares()
		if sh.Committee.Epoch != 2 {
			t.Fatalf("%s is at epoch %d", name, sh.Committee.Epoch)
		}
		for _, r := range Roots {
			p, _ := sh.PublicKey(r)
			if string(elliptic.MarshalCompressed(p.Curve, p.X, p.Y)) != string(oldPub[r]) {
				t.Fatalf("%s: the %s root's public key changed", name, r)
			}
		}
	}
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	hx, hy := elliptic.P256().ScalarBaseMult(h)
	newB, newD := derivation(t, c.nodes["kms-b"]), derivation(t, c.nodes["kms-d"])
	s := combine(t, hx, hy, []*DerivationShare{oldA, oldB})
	if string(combine(t, hx, hy, []*DerivationShare{newB, newD})) != string(s) {
		t.Fatal("the new shares derive another S: every app key would change")
	}
	if string(combine(t, hx, hy, []*DerivationShare{oldA, newD})) == string(s) {
		t.Fatal("an old share combines with a new one")
	}
	if newB.Secret.Cmp(oldB.Secret) == 0 {
		t.Fatal("a node kept its share through resharing")
	}
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
