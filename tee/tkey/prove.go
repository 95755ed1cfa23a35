package tkey

import (
	"crypto/elliptic"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"filippo.io/bigmod"
	"github.com/cloudflare/circl/group"
)

// The proof is circl's zk/dleq batched proof with the base bound into the
// challenge (Prover.ProveBatch; Verifier.VerifyBatch checks it), computed
// here rather than by circl's prover, whose response s = r − c·x_i is
// big.Int arithmetic: its time depends on x_i, the node's share, which a
// caller who times many answers could learn bits of. Here the points are
// the same constant-time P-256 scalar multiplications, and s is computed
// with filippo.io/bigmod, constant time in x_i and r. The transcript is
// circl's (draft-irtf-cfrg-voprf's composites and challenge, with the
// base): TestProofIsCirclsProof checks the bytes against circl's prover.

// The labels of circl's DLEQ transcript.
const (
	labelSeed         = "Seed-"
	labelChallenge    = "Challenge"
	labelComposite    = "Composite"
	labelHashToScalar = "HashToScalar-"
)

// order is n, the order of P-256, as a bigmod modulus.
var order = func() *bigmod.Modulus {
	m, err := bigmod.NewModulus(elliptic.P256().Params().N.Bytes())
	if err != nil {
		panic(err)
	}
	return m
}()

// errRandom is a proof whose randomness could not be read.
var errRandom = errors.New("reading the proof's randomness")

// randomScalar draws r uniformly from [1, n) by rejection: a draw at or
// above n, or zero, is drawn again (the chance is about 2^-32), and how
// many draws were made says nothing about the one kept.
func randomScalar(rnd io.Reader) ([]byte, error) {
	b := make([]byte, order.Size())
	for range 64 {
		if _, err := io.ReadFull(rnd, b); err != nil {
			return nil, fmt.Errorf("%w: %w", errRandom, err)
		}
		r, err := bigmod.NewNat().SetBytes(b, order)
		if err == nil && r.IsZero() == 0 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: 64 draws out of range (a broken source)", errRandom)
}

// proveBatch proves that log_a(ka) = log_{b_j}(kb_j) for every j, for the
// secret x (ka = x·a, kb_j = x·b_j), with randomness r (a big-endian
// scalar in [1, n)): the proof c ‖ s, each a big-endian 32-byte scalar,
// that circl's Verifier.VerifyBatch accepts.
func proveBatch(x []byte, a, ka group.Element, bs, kbs []group.Element, r []byte) ([]byte, error) {
	if len(bs) == 0 || len(bs) != len(kbs) {
		return nil, errors.New("proving: an empty or uneven batch")
	}
	xs, rs := curve.NewScalar(), curve.NewScalar()
	if err := xs.UnmarshalBinary(x); err != nil {
		return nil, fmt.Errorf("proving: the secret: %w", err)
	}
	if err := rs.UnmarshalBinary(r); err != nil {
		return nil, fmt.Errorf("proving: the randomness: %w", err)
	}
	m, err := composite(ka, bs, kbs)
	if err != nil {
		return nil, err
	}
	z := curve.NewElement().Mul(m, xs)
	var in [][]byte
	for _, e := range []group.Element{a, ka, m, z, curve.NewElement().Mul(a, rs), curve.NewElement().Mul(m, rs)} {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, fmt.Errorf("proving: %w", err)
		}
		in = append(in, b)
	}
	c, err := challenge(in).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("proving: %w", err)
	}
	// s = r − c·x mod n, in constant time.
	xn, err := bigmod.NewNat().SetBytes(x, order)
	if err != nil {
		return nil, errors.New("proving: the secret is not a scalar below n")
	}
	rn, err := bigmod.NewNat().SetBytes(r, order)
	if err != nil {
		return nil, errors.New("proving: the randomness is not a scalar below n")
	}
	cn, err := bigmod.NewNat().SetBytes(c, order)
	if err != nil {
		return nil, errors.New("proving: the challenge is not a scalar below n")
	}
	s := rn.Sub(cn.Mul(xn, order), order).Bytes(order)
	return append(c, s...), nil
}

// lenPrefixed appends b to out after its length, two bytes big-endian.
func lenPrefixed(out, b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(out, uint16(len(b))), b...)
}

// composite is M = Σ d_j·b_j, with the weights d_j hashed from ka and
// every (b_j, kb_j), as circl's prover and verifier compute it.
func composite(ka group.Element, bs, kbs []group.Element) (group.Element, error) {
	kab, err := ka.MarshalBinaryCompress()
	if err != nil {
		return nil, fmt.Errorf("proving: %w", err)
	}
	h := params.H.New()
	h.Write(lenPrefixed(nil, kab))
	h.Write(lenPrefixed(nil, []byte(labelSeed+ProofDST)))
	seed := h.Sum(nil)
	dst := []byte(labelHashToScalar + ProofDST)
	m := curve.Identity()
	for j := range bs {
		bj, err := bs[j].MarshalBinaryCompress()
		if err != nil {
			return nil, fmt.Errorf("proving: %w", err)
		}
		kbj, err := kbs[j].MarshalBinaryCompress()
		if err != nil {
			return nil, fmt.Errorf("proving: %w", err)
		}
		in := lenPrefixed(nil, seed)
		in = binary.BigEndian.AppendUint16(in, uint16(j))
		in = lenPrefixed(in, bj)
		in = lenPrefixed(in, kbj)
		in = append(in, labelComposite...)
		d := curve.HashToScalar(in, dst)
		m.Add(m, curve.NewElement().Mul(bs[j], d))
	}
	return m, nil
}

// challenge hashes the transcript's elements to the challenge scalar.
func challenge(elems [][]byte) group.Scalar {
	var in []byte
	for _, e := range elems {
		in = lenPrefixed(in, e)
	}
	in = append(in, labelChallenge...)
	return curve.HashToScalar(in, []byte(labelHashToScalar+ProofDST))
}
