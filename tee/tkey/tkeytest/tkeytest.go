// Package tkeytest deals threshold key shares for tests: a trusted dealer
// that picks the root secret, splits it with Shamir over P-256's order and
// returns every share and the key set.
//
// It is for tests only. A dealer knows the root secret, which is exactly
// what a threshold KMS must never let one party know: production shares
// come from a distributed key generation among the nodes, never from here.
package tkeytest

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"slices"

	"filippo.io/edwards25519"

	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
)

var order = elliptic.P256().Params().N

// Dealt is the output of a dealing.
type Dealt struct {
	// Secret is the root secret s (tests compare combined keys with s·H).
	Secret *big.Int
	// Shares are the nodes' shares, in the order of KeySet.Shares.
	Shares []tkey.Share
	// KeySet is the public key set the shares belong to, its env key set
	// (KeySet.Env) included.
	KeySet *tkey.KeySet
	// EnvShares are the nodes' shares of an env root dealt with the
	// derivation root, for the same ids and threshold, in the order of
	// KeySet.Env.Shares.
	EnvShares []tecdh.Share
}

// Deal splits a random root secret into n shares of threshold t for the
// node ids 1…n, at the given epoch. rnd nil means crypto/rand.
func Deal(t, n int, epoch uint32, rnd io.Reader) (*Dealt, error) {
	ids := make([]*big.Int, n)
	for i := range ids {
		ids[i] = big.NewInt(int64(i + 1))
	}
	return DealIDs(t, ids, epoch, rnd)
}

// DealIDs is Deal with given node ids (increasing, in [1, n)).
func DealIDs(t int, ids []*big.Int, epoch uint32, rnd io.Reader) (*Dealt, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if t < 1 || t > len(ids) {
		return nil, fmt.Errorf("dealing: threshold %d of %d", t, len(ids))
	}
	coeffs := make([]*big.Int, t)
	for i := range coeffs {
		c, err := rand.Int(rnd, order)
		if err != nil {
			return nil, err
		}
		coeffs[i] = c
	}
	if coeffs[0].Sign() == 0 {
		coeffs[0].SetInt64(1)
	}
	d := &Dealt{Secret: coeffs[0], KeySet: &tkey.KeySet{Epoch: epoch, Threshold: t}}
	//lint:ignore SA1019 the dealer computes Y = s·G apart from the package it tests
	rx, ry := elliptic.P256().ScalarBaseMult(coeffs[0].FillBytes(make([]byte, 32)))
	d.KeySet.Root = tkey.Point(elliptic.MarshalCompressed(elliptic.P256(), rx, ry))
	for _, id := range ids {
		y := Eval(coeffs, id)
		var s tkey.Share
		id.FillBytes(s.ID[:])
		y.FillBytes(s.Secret[:])
		pub, err := s.Public()
		if err != nil {
			return nil, err
		}
		d.Shares = append(d.Shares, s)
		d.KeySet.Shares = append(d.KeySet.Shares, pub)
	}
	var err error
	if d.EnvShares, d.KeySet.Env, err = DealEnv(t, ids, rnd); err != nil {
		return nil, err
	}
	return d, nil
}

// DealEnv splits a random env root (edwards25519, tee/tecdh) into shares of
// threshold t for the node ids (increasing, below 2^252).
func DealEnv(t int, ids []*big.Int, rnd io.Reader) ([]tecdh.Share, *tecdh.KeySet, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	coeffs := make([]*edwards25519.Scalar, t)
	for i := range coeffs {
		var b [64]byte
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return nil, nil, err
		}
		coeffs[i], _ = edwards25519.NewScalar().SetUniformBytes(b[:])
	}
	ks := &tecdh.KeySet{Threshold: t, Root: [32]byte(new(edwards25519.Point).ScalarBaseMult(coeffs[0]).Bytes())}
	var shares []tecdh.Share
	for _, id := range ids {
		var le [32]byte
		id.FillBytes(le[:])
		slices.Reverse(le[:])
		x, err := edwards25519.NewScalar().SetCanonicalBytes(le[:])
		if err != nil {
			return nil, nil, fmt.Errorf("dealing the env root: node id %v: %w", id, err)
		}
		y := edwards25519.NewScalar()
		for j := len(coeffs) - 1; j >= 0; j-- {
			y.MultiplyAdd(y, x, coeffs[j])
		}
		s := tecdh.Share{Secret: [32]byte(y.Bytes())}
		id.FillBytes(s.ID[:])
		pub, err := s.Public()
		if err != nil {
			return nil, nil, err
		}
		shares = append(shares, s)
		ks.Shares = append(ks.Shares, pub)
	}
	if err := ks.Validate(); err != nil {
		return nil, nil, err
	}
	return shares, ks, nil
}

// Eval is the polynomial with these coefficients at x, mod the order.
func Eval(coeffs []*big.Int, x *big.Int) *big.Int {
	y := new(big.Int)
	for i := len(coeffs) - 1; i >= 0; i-- {
		y.Mul(y, x).Add(y, coeffs[i]).Mod(y, order)
	}
	return y
}

// Key is the key of context c under root secret s, computed directly
// (S = s·H, HKDF-SHA256 of SEC1(S) uncompressed), without shares: what any
// t valid partials must combine to.
func Key(secret *big.Int, c tkey.Context) ([tkey.KeySize]byte, error) {
	h, err := c.HashToCurve()
	if err != nil {
		return [tkey.KeySize]byte{}, err
	}
	hx, hy := elliptic.UnmarshalCompressed(elliptic.P256(), h[:])
	//lint:ignore SA1019 the reference computes s·H apart from the package it tests
	sx, sy := elliptic.P256().ScalarMult(hx, hy, secret.FillBytes(make([]byte, 32)))
	info, err := c.Bytes()
	if err != nil {
		return [tkey.KeySize]byte{}, err
	}
	//lint:ignore SA1019 the uncompressed SEC1 encoding of a point is what the key hashes
	ikm := elliptic.Marshal(elliptic.P256(), sx, sy)
	k, err := hkdf.Key(sha256.New, ikm, []byte(tkey.Salt), string(info), tkey.KeySize)
	if err != nil {
		return [tkey.KeySize]byte{}, err
	}
	return [tkey.KeySize]byte(k), nil
}

// Subsets lists the k-element index subsets of [0, n), for tests that try
// every subset of nodes.
func Subsets(n, k int) [][]int {
	if k == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for first := 0; first < n; first++ {
		for _, rest := range Subsets(n-first-1, k-1) {
			s := []int{first}
			for _, r := range rest {
				s = append(s, first+1+r)
			}
			out = append(out, s)
		}
	}
	return out
}

// Pick returns the elements of all at the indices idx, in that order.
func Pick[T any](all []T, idx []int) []T {
	out := make([]T, 0, len(idx))
	for _, i := range idx {
		out = append(out, all[i])
	}
	return out
}

// EnvEnvelope is an envelope's side of threshold X25519 for tests: a fresh
// ephemeral X25519 key and its shared secret with app appID's env public
// key under ks, what t of the nodes' env partials must combine to.
func EnvEnvelope(ks *tecdh.KeySet, appID []byte) (eph, secret []byte, err error) {
	pk, err := ks.AppPublicKey(appID)
	if err != nil {
		return nil, nil, err
	}
	e, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(pk[:])
	if err != nil {
		return nil, nil, err
	}
	if secret, err = e.ECDH(pub); err != nil {
		return nil, nil, err
	}
	return e.PublicKey().Bytes(), secret, nil
}
