package tkey

import (
	"encoding/binary"
	"fmt"
)

// The wire encoding of a node's answer (Answer.MarshalBinary):
//
//	version (1 byte, 1) ‖ epoch (u32 BE) ‖ node id (32) ‖ count k (1 byte)
//	‖ k × (purpose (1) ‖ partial point (33, SEC1 compressed))
//	‖ proof (64: c ‖ s, big-endian scalars)
//
// Decoding is strict: anything but exactly this, with known purposes in
// increasing order, points on the curve and scalars below the group order,
// is ErrMalformed.
const (
	// AnswerVersion is the first byte of an encoded answer.
	AnswerVersion = 1
	// ProofSize is the size of a batched DLEQ proof.
	ProofSize = 64
	// MaxPartials bounds the contexts of one answer.
	MaxPartials = 8

	answerHeader = 1 + 4 + 32 + 1
	partialSize  = 1 + 33
	// MaxAnswerSize is the largest encoded answer.
	MaxAnswerSize = answerHeader + MaxPartials*partialSize + ProofSize
)

// Partial is one context's partial key x_i·H.
type Partial struct {
	Purpose Purpose
	Point   Point
}

// Answer is a node's answer: its partials for the contexts asked and one
// proof that they all share the discrete log of its public share.
type Answer struct {
	Epoch    uint32
	ID       NodeID
	Partials []Partial
	Proof    [ProofSize]byte
}

// MarshalBinary encodes the answer.
func (a *Answer) MarshalBinary() ([]byte, error) {
	if len(a.Partials) == 0 || len(a.Partials) > MaxPartials {
		return nil, fmt.Errorf("encoding partial keys: %d partials, want 1 to %d", len(a.Partials), MaxPartials)
	}
	b := make([]byte, 0, answerHeader+len(a.Partials)*partialSize+ProofSize)
	b = append(b, AnswerVersion)
	b = binary.BigEndian.AppendUint32(b, a.Epoch)
	b = append(b, a.ID[:]...)
	b = append(b, byte(len(a.Partials)))
	for _, p := range a.Partials {
		b = append(b, byte(p.Purpose))
		b = append(b, p.Point[:]...)
	}
	return append(b, a.Proof[:]...), nil
}

// ParseAnswer decodes an answer strictly. It checks the encoding only; the
// proof is checked by KeySet.Verify.
func ParseAnswer(b []byte) (*Answer, error) {
	if len(b) < answerHeader {
		return nil, fmt.Errorf("%w: partial keys: %d bytes, too short", ErrMalformed, len(b))
	}
	if b[0] != AnswerVersion {
		return nil, fmt.Errorf("%w: partial keys: version %d, want %d", ErrMalformed, b[0], AnswerVersion)
	}
	a := &Answer{Epoch: binary.BigEndian.Uint32(b[1:5]), ID: NodeID(b[5:37])}
	if _, err := a.ID.scalar(); err != nil {
		return nil, fmt.Errorf("partial keys: %w", err)
	}
	k := int(b[37])
	if k == 0 || k > MaxPartials {
		return nil, fmt.Errorf("%w: partial keys: %d partials, want 1 to %d", ErrMalformed, k, MaxPartials)
	}
	if want := answerHeader + k*partialSize + ProofSize; len(b) != want {
		return nil, fmt.Errorf("%w: partial keys: %d bytes for %d partials, want %d", ErrMalformed, len(b), k, want)
	}
	rest := b[answerHeader:]
	for i := range k {
		p := Partial{Purpose: Purpose(rest[0]), Point: Point(rest[1:partialSize])}
		if !p.Purpose.known() {
			return nil, fmt.Errorf("%w: partial keys: unknown purpose %d", ErrMalformed, rest[0])
		}
		if i > 0 && p.Purpose <= a.Partials[i-1].Purpose {
			return nil, fmt.Errorf("%w: partial keys: purposes not in increasing order", ErrMalformed)
		}
		if _, err := p.Point.element(); err != nil {
			return nil, fmt.Errorf("partial keys: %s: %w", p.Purpose, err)
		}
		a.Partials = append(a.Partials, p)
		rest = rest[partialSize:]
	}
	copy(a.Proof[:], rest)
	for _, s := range [][]byte{a.Proof[:32], a.Proof[32:]} {
		if err := curve.NewScalar().UnmarshalBinary(s); err != nil {
			return nil, fmt.Errorf("%w: partial keys: proof scalar not below the group order", ErrMalformed)
		}
	}
	return a, nil
}
