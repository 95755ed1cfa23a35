package tecdh

import (
	"errors"
	"fmt"
	"math/big"
	"slices"

	"filippo.io/edwards25519/field"
	"github.com/bnb-chain/tss-lib/v2/crypto"
	"github.com/bnb-chain/tss-lib/v2/eddsa/keygen"
)

// order is ℓ, the order of edwards25519's prime-order subgroup.
var order, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// FromKeygen turns one node's output of tss-lib's EdDSA key generation
// (eddsa/keygen on tss.Edwards(), run with tss-lib's threshold parameter
// t−1, so that t parties are needed) into the node's Share and the
// committee's KeySet of threshold t. The party keys (Ks) are the node ids
// and must lie in [1, ℓ). It checks that the share matches the node's
// public share and that the key set is consistent (Validate).
func FromKeygen(save *keygen.LocalPartySaveData, t int) (*Share, *KeySet, error) {
	if save == nil || save.Xi == nil || save.ShareID == nil || save.EDDSAPub == nil || len(save.Ks) != len(save.BigXj) {
		return nil, nil, errors.New("reading the EdDSA key generation's output: incomplete save data")
	}
	root, err := encodePoint(save.EDDSAPub)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: root: %w", err)
	}
	ks := &KeySet{Threshold: t, Root: root}
	for j, id := range save.Ks {
		nid, err := encodeID(id)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
		}
		if save.BigXj[j] == nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: node %x has no public share", nid[:4])
		}
		pt, err := encodePoint(save.BigXj[j])
		if err != nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: node %x: %w", nid[:4], err)
		}
		ks.Shares = append(ks.Shares, PublicShare{ID: nid, Point: pt})
	}
	slices.SortFunc(ks.Shares, func(a, b PublicShare) int { return slices.Compare(a.ID[:], b.ID[:]) })
	if err := ks.Validate(); err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	self, err := encodeID(save.ShareID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	share := &Share{ID: self}
	// Resharing leaves x_i unreduced.
	new(big.Int).Mod(save.Xi, order).FillBytes(share.Secret[:])
	slices.Reverse(share.Secret[:])
	pub, err := share.Public()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	if want, ok := ks.share(self); !ok || want.Point != pub.Point {
		return nil, nil, errors.New("reading the EdDSA key generation's output: the node's share does not match its public share")
	}
	return share, ks, nil
}

func encodeID(id *big.Int) (NodeID, error) {
	var nid NodeID
	if id == nil || id.Sign() <= 0 || id.Cmp(order) >= 0 {
		return nid, fmt.Errorf("%w: a party key outside [1, ℓ)", ErrMalformed)
	}
	id.FillBytes(nid[:])
	return nid, nil
}

// encodePoint encodes an affine point of tss-lib's edwards25519 (the same
// curve) as edwards25519 does: y little-endian, the low bit of x on top.
func encodePoint(p *crypto.ECPoint) ([32]byte, error) {
	var b [32]byte
	x, y := p.X(), p.Y()
	if x == nil || y == nil || x.Sign() < 0 || y.Sign() < 0 || x.BitLen() > 255 || y.BitLen() > 255 {
		return b, fmt.Errorf("%w: a point with coordinates out of range", ErrMalformed)
	}
	y.FillBytes(b[:])
	slices.Reverse(b[:])
	b[31] |= byte(x.Bit(0)) << 7
	q, err := point(b[:])
	if err != nil {
		return b, err
	}
	// The encoding kept y and x's sign; x itself must match too.
	X, _, Z, _ := q.ExtendedCoordinates()
	ax := new(field.Element).Multiply(X, new(field.Element).Invert(Z)).Bytes()
	var want [32]byte
	x.FillBytes(want[:])
	slices.Reverse(want[:])
	if string(ax) != string(want[:]) {
		return b, fmt.Errorf("%w: a point not on edwards25519", ErrMalformed)
	}
	return b, nil
}
