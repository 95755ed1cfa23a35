package threshold

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/dstack-go/dstack/tee/tkey"
)

// DerivationShare is one KMS node's share of the derivation root s_d, the
// P-256 secret of threshold key derivation (2HashDH, package tkey): the
// node answers a derivation request for a point H with x_i·H and a DLEQ
// proof that log_G X_i = log_H (x_i·H); a client checks each proof against
// X_i and combines any Threshold answers with Lagrange coefficients at
// zero over the parties' IDs: S = Σ λ_i·(x_i·H) = s_d·H. TKeyShare and
// KeySet give it in tkey's types.
//
// Points are SEC1 compressed (33 bytes), scalars 32-byte big-endian, as
// crypto/elliptic and cloudflare/circl's group.P256 read them.
type DerivationShare struct {
	// Epoch is the committee's epoch: a new committee (after resharing)
	// has a new epoch and new IDs, and its shares never combine with an
	// older committee's. It is not part of any derived key.
	Epoch uint64 `json:"epoch"`
	// RootEpoch is the epoch of the DKG that made the derivation root
	// (Committee.RootEpoch): tkey's epoch, in every derived key's
	// context. Resharing keeps it, so app keys stay as they were; a new
	// DKG (a root rotation) changes it, and every app key with it.
	RootEpoch uint32 `json:"root_epoch"`
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

// nodeID is a party ID as tkey's 32-byte big-endian node id.
func nodeID(id *big.Int) (tkey.NodeID, error) {
	var out tkey.NodeID
	if id == nil || id.Sign() <= 0 || id.BitLen() > 256 {
		return out, fmt.Errorf("party ID %v is not a positive 256-bit number", id)
	}
	id.FillBytes(out[:])
	return out, nil
}

// TKeyShare is the node's share as tkey takes it to answer partial keys
// (tkey.Share.Partials, at the RootEpoch). Like Secret, it never leaves
// the node. Call it on a share that verifies (Verify); a share taken
// from Shares.Derivation does.
func (d *DerivationShare) TKeyShare() (tkey.Share, error) {
	if d.Self < 0 || d.Self >= len(d.Parties) || d.Secret == nil {
		return tkey.Share{}, fmt.Errorf("derivation share: self %d of %d parties, or no secret", d.Self, len(d.Parties))
	}
	id, err := nodeID(d.Parties[d.Self].ID)
	if err != nil {
		return tkey.Share{}, fmt.Errorf("derivation share: %w", err)
	}
	return tkey.Share{ID: id, Secret: [32]byte(d.SecretBytes())}, nil
}

// KeySet is the public key set of the derivation root, as clients trust
// it (tkey.KeySet): the root epoch, the threshold, Y_d and every public
// share in increasing ID order, without the root signing keys
// (Shares.KeySet adds them). It is checked (tkey.KeySet.Validate).
func (d *DerivationShare) KeySet() (*tkey.KeySet, error) {
	k := &tkey.KeySet{Epoch: d.RootEpoch, Threshold: d.Threshold}
	if len(d.PublicKey) != len(k.Root) {
		return nil, fmt.Errorf("derivation share: the public key is %d bytes, not a compressed P-256 point", len(d.PublicKey))
	}
	k.Root = tkey.Point(d.PublicKey)
	for i, p := range d.Parties {
		id, err := nodeID(p.ID)
		if err != nil {
			return nil, fmt.Errorf("derivation share: party %s: %w", p.Node, err)
		}
		if len(p.Point) != len(tkey.Point{}) {
			return nil, fmt.Errorf("derivation share: public share %d is %d bytes, not a compressed P-256 point", i, len(p.Point))
		}
		k.Shares = append(k.Shares, tkey.PublicShare{ID: id, Point: tkey.Point(p.Point)})
	}
	slices.SortFunc(k.Shares, func(a, b tkey.PublicShare) int { return slices.Compare(a.ID[:], b.ID[:]) })
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("derivation share: %w", err)
	}
	return k, nil
}

// Verify checks the share's consistency: x_i·G is this node's public
// share, and the public shares and PublicKey are one key set of
// threshold Threshold (tkey.KeySet.Validate: all on one polynomial of
// degree t−1). It proves nothing about other nodes' secrets; it catches a
// share that was damaged, mixed with another committee's, or read with
// the wrong curve.
func (d *DerivationShare) Verify() error {
	if d.Threshold < 1 || d.Threshold > len(d.Parties) {
		return fmt.Errorf("derivation share: threshold %d of %d parties", d.Threshold, len(d.Parties))
	}
	if d.RootEpoch == 0 {
		return errors.New("derivation share: no root epoch")
	}
	share, err := d.TKeyShare()
	if err != nil {
		return err
	}
	pub, err := share.Public()
	if err != nil {
		return fmt.Errorf("derivation share: %w", err)
	}
	if string(pub.Point[:]) != string(d.Parties[d.Self].Point) {
		return errors.New("derivation share: the secret share does not match this node's public share")
	}
	if _, err := d.KeySet(); err != nil {
		return err
	}
	return nil
}

// MemberShares are one member's public shares of the four roots, as the
// committee publishes them on chain: SEC1 compressed for the ECDSA roots,
// edwards25519 encoded (32 bytes) for RootEnv.
type MemberShares struct {
	// Node is the member's name.
	Node string `json:"node"`
	// ID is its Shamir evaluation point.
	ID *big.Int `json:"id"`
	// Points are its public shares X_j = x_j·G (K_j = k_j·B for the env
	// root), one per root.
	Points map[Root][]byte `json:"points"`
}
