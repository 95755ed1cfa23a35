//lint:file-ignore SA1019 tss-lib holds key material as big.Int coordinates on crypto/elliptic curves (its ECPoint); this file works at that boundary

package threshold

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
)

// DerivationShare is one KMS node's share of the derivation root s_d, the
// P-256 secret of threshold key derivation (2HashDH): the node answers a
// derivation request for a point H with x_i·H and a DLEQ proof that
// log_G X_i = log_H (x_i·H); a client checks each proof against X_i and
// combines any Threshold answers with Lagrange coefficients at zero over
// the parties' IDs: S = Σ λ_i·(x_i·H) = s_d·H.
//
// Points are SEC1 compressed (33 bytes), scalars 32-byte big-endian, as
// crypto/elliptic and cloudflare/circl's group.P256 read them.
type DerivationShare struct {
	// Epoch is the committee's epoch: a new committee (after resharing)
	// has a new epoch and new IDs, and its shares never combine with an
	// older committee's.
	Epoch uint64 `json:"epoch"`
	// Threshold is t, the number of shares that combine; t-1 learn nothing.
	Threshold int `json:"threshold"`
	// Self is the index in Parties of this node's share.
	Self int `json:"self"`
	// Secret is x_i, this node's scalar share. It never leaves the node.
	Secret *big.Int `json:"-"`
	// Parties are the public shares of every node of the committee, in
	// the committee's order.
	Parties []PublicShare `json:"parties"`
	// PublicKey is Y_d = s_d·G.
	PublicKey []byte `json:"public_key"`
}

// PublicShare is one party's public share of the derivation root.
type PublicShare struct {
	// Node names the KMS node that holds the share.
	Node string `json:"node"`
	// ID is the party's Shamir evaluation point (tss-lib's share ID), the
	// x-coordinate of the Lagrange coefficients. It is never zero.
	ID *big.Int `json:"id"`
	// Point is X_j = x_j·G, SEC1 compressed.
	Point []byte `json:"point"`
}

// SecretBytes is x_i (reduced modulo the group order) as 32 bytes
// big-endian.
func (d *DerivationShare) SecretBytes() []byte {
	return new(big.Int).Mod(d.Secret, elliptic.P256().Params().N).FillBytes(make([]byte, 32))
}

// IDs returns the parties' IDs in committee order.
func (d *DerivationShare) IDs() []*big.Int {
	ids := make([]*big.Int, len(d.Parties))
	for i, p := range d.Parties {
		ids[i] = p.ID
	}
	return ids
}

// Lagrange returns the Lagrange coefficient at zero of the party with ID id
// among the parties with IDs ids (id among them), modulo order:
// λ = Π_{j≠id} j / (j - id). It fails on a zero or repeated ID, or when id
// is not in ids.
func Lagrange(order *big.Int, ids []*big.Int, id *big.Int) (*big.Int, error) {
	num, den := big.NewInt(1), big.NewInt(1)
	found := false
	seen := make(map[string]bool, len(ids))
	for _, j := range ids {
		jm := new(big.Int).Mod(j, order)
		if jm.Sign() == 0 {
			return nil, errors.New("lagrange: a party ID is zero")
		}
		if seen[jm.String()] {
			return nil, fmt.Errorf("lagrange: party ID %s appears twice", jm)
		}
		seen[jm.String()] = true
		if jm.Cmp(new(big.Int).Mod(id, order)) == 0 {
			found = true
			continue
		}
		num.Mul(num, jm).Mod(num, order)
		den.Mul(den, new(big.Int).Sub(jm, id)).Mod(den, order)
	}
	if !found {
		return nil, fmt.Errorf("lagrange: party ID %s is not among the IDs", id)
	}
	inv := new(big.Int).ModInverse(den, order)
	if inv == nil {
		return nil, errors.New("lagrange: IDs are not distinct modulo the group order")
	}
	return num.Mul(num, inv).Mod(num, order), nil
}

// Verify checks the share's consistency: x_i·G is this node's public
// share, and every Threshold consecutive public shares (cyclically)
// interpolate to PublicKey. It proves nothing about other nodes' secrets;
// it catches a share that was damaged, mixed with another committee's, or
// read with the wrong curve.
func (d *DerivationShare) Verify() error {
	c := elliptic.P256()
	n := len(d.Parties)
	if d.Threshold < 1 || d.Threshold > n || d.Self < 0 || d.Self >= n || d.Secret == nil {
		return fmt.Errorf("derivation share: threshold %d, self %d of %d parties", d.Threshold, d.Self, n)
	}
	x, y := c.ScalarBaseMult(d.SecretBytes())
	if want := elliptic.MarshalCompressed(c, x, y); string(want) != string(d.Parties[d.Self].Point) {
		return errors.New("derivation share: the secret share does not match this node's public share")
	}
	ids := d.IDs()
	for start := range n {
		sub := make([]*big.Int, d.Threshold)
		pts := make([][]byte, d.Threshold)
		for k := range d.Threshold {
			sub[k], pts[k] = ids[(start+k)%n], d.Parties[(start+k)%n].Point
		}
		var sx, sy *big.Int
		for k := range sub {
			l, err := Lagrange(c.Params().N, sub, sub[k])
			if err != nil {
				return fmt.Errorf("derivation share: %w", err)
			}
			px, py := elliptic.UnmarshalCompressed(c, pts[k])
			if px == nil {
				return fmt.Errorf("derivation share: public share %d is not a P-256 point", (start+k)%n)
			}
			qx, qy := c.ScalarMult(px, py, l.Bytes())
			if sx == nil {
				sx, sy = qx, qy
			} else {
				sx, sy = c.Add(sx, sy, qx, qy)
			}
		}
		if string(elliptic.MarshalCompressed(c, sx, sy)) != string(d.PublicKey) {
			return errors.New("derivation share: the public shares do not interpolate to the public key")
		}
		if d.Threshold == n {
			break
		}
	}
	return nil
}

// derivationShare extracts the derivation root's share from tss-lib's
// save data of the P-256 keygen (or resharing) of committee c, whose member
// self is this node.
func derivationShare(c *Committee, self int, save *keygen.LocalPartySaveData) (*DerivationShare, error) {
	curve := elliptic.P256()
	if save.Xi == nil || save.ECDSAPub == nil || len(save.BigXj) != len(c.Members) || len(save.Ks) != len(c.Members) {
		return nil, errors.New("extracting the derivation share: incomplete save data")
	}
	d := &DerivationShare{
		// Resharing leaves x_i unreduced.
		Epoch: c.Epoch, Threshold: c.Threshold, Self: self, Secret: new(big.Int).Mod(save.Xi, curve.Params().N),
		PublicKey: elliptic.MarshalCompressed(curve, save.ECDSAPub.X(), save.ECDSAPub.Y()),
	}
	for _, m := range c.Members {
		k := indexOfKey(save.Ks, m.ID)
		if k < 0 {
			return nil, fmt.Errorf("extracting the derivation share: member %s is not in the save data", m.Node)
		}
		X := save.BigXj[k]
		d.Parties = append(d.Parties, PublicShare{Node: m.Node, ID: new(big.Int).Set(m.ID), Point: elliptic.MarshalCompressed(curve, X.X(), X.Y())})
	}
	if err := d.Verify(); err != nil {
		return nil, err
	}
	return d, nil
}

func indexOfKey(ks []*big.Int, id *big.Int) int {
	for i, k := range ks {
		if k != nil && k.Cmp(id) == 0 {
			return i
		}
	}
	return -1
}
