package threshold

import (
	"errors"
	"fmt"
	"math/big"
	"slices"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/bnb-chain/tss-lib/v2/crypto"
	eddsakeygen "github.com/bnb-chain/tss-lib/v2/eddsa/keygen"

	"github.com/dstack-go/dstack/tee/tecdh"
)

// edOrder is ℓ, the order of edwards25519's prime-order subgroup.
var edOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// EnvFromKeygen turns one node's output of tss-lib's EdDSA key generation
// (eddsa/keygen on tss.Edwards(), run with tss-lib's threshold parameter
// t−1, so that t parties are needed) or resharing into the node's
// tecdh.Share and the committee's tecdh.KeySet of threshold t. The party
// keys (Ks) are the node ids and must lie in [1, ℓ). It checks that the
// share matches the node's public share and that the key set is
// consistent (tecdh.KeySet.Validate).
func EnvFromKeygen(save *eddsakeygen.LocalPartySaveData, t int) (*tecdh.Share, *tecdh.KeySet, error) {
	if save == nil || save.Xi == nil || save.ShareID == nil || save.EDDSAPub == nil || len(save.Ks) != len(save.BigXj) {
		return nil, nil, errors.New("reading the EdDSA key generation's output: incomplete save data")
	}
	root, err := encodeEdwards(save.EDDSAPub)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: root: %w", err)
	}
	ks := &tecdh.KeySet{Threshold: t, Root: root}
	for j, id := range save.Ks {
		nid, err := envNodeID(id)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
		}
		if save.BigXj[j] == nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: node %x has no public share", nid[:4])
		}
		pt, err := encodeEdwards(save.BigXj[j])
		if err != nil {
			return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: node %x: %w", nid[:4], err)
		}
		ks.Shares = append(ks.Shares, tecdh.PublicShare{ID: nid, Point: pt})
	}
	slices.SortFunc(ks.Shares, func(a, b tecdh.PublicShare) int { return slices.Compare(a.ID[:], b.ID[:]) })
	if err := ks.Validate(); err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	self, err := envNodeID(save.ShareID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	share := &tecdh.Share{ID: self}
	// Resharing leaves x_i unreduced.
	new(big.Int).Mod(save.Xi, edOrder).FillBytes(share.Secret[:])
	slices.Reverse(share.Secret[:])
	pub, err := share.Public()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the EdDSA key generation's output: %w", err)
	}
	if !slices.Contains(ks.Shares, pub) {
		return nil, nil, errors.New("reading the EdDSA key generation's output: the node's share does not match its public share")
	}
	return share, ks, nil
}

func envNodeID(id *big.Int) (tecdh.NodeID, error) {
	var nid tecdh.NodeID
	if id == nil || id.Sign() <= 0 || id.Cmp(edOrder) >= 0 {
		return nid, fmt.Errorf("%w: a party key outside [1, ℓ)", tecdh.ErrMalformed)
	}
	id.FillBytes(nid[:])
	return nid, nil
}

// encodeEdwards encodes an affine point of tss-lib's edwards25519 (the
// same curve) as edwards25519 does: y little-endian, the low bit of x on
// top. It checks that the encoding decodes to the same x; that the point is
// of the prime-order subgroup is tecdh.KeySet.Validate's check.
func encodeEdwards(p *crypto.ECPoint) ([32]byte, error) {
	var b [32]byte
	x, y := p.X(), p.Y()
	if x == nil || y == nil || x.Sign() < 0 || y.Sign() < 0 || x.BitLen() > 255 || y.BitLen() > 255 {
		return b, fmt.Errorf("%w: a point with coordinates out of range", tecdh.ErrMalformed)
	}
	y.FillBytes(b[:])
	slices.Reverse(b[:])
	b[31] |= byte(x.Bit(0)) << 7
	q, err := new(edwards25519.Point).SetBytes(b[:])
	if err != nil {
		return b, fmt.Errorf("%w: not a point of edwards25519", tecdh.ErrMalformed)
	}
	if !slices.Equal(q.Bytes(), b[:]) {
		return b, fmt.Errorf("%w: a non-canonical point", tecdh.ErrMalformed)
	}
	// The encoding kept y and x's sign; x itself must match too.
	X, _, Z, _ := q.ExtendedCoordinates()
	ax := new(field.Element).Multiply(X, new(field.Element).Invert(Z)).Bytes()
	var want [32]byte
	x.FillBytes(want[:])
	slices.Reverse(want[:])
	if string(ax) != string(want[:]) {
		return b, fmt.Errorf("%w: a point not on edwards25519", tecdh.ErrMalformed)
	}
	return b, nil
}
