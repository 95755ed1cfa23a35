package tkey

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/zk/dleq"
)

// TestProofIsCirclsProof: the constant-time prover gives, byte for byte,
// the proof circl's prover gives for the same secret, batch and
// randomness, and circl's verifier accepts it; a proof for another secret
// is refused.
func TestProofIsCirclsProof(t *testing.T) {
	for n := 1; n <= MaxPartials; n++ {
		x := curve.RandomNonZeroScalar(rand.Reader)
		xb, _ := x.MarshalBinary()
		r, err := randomScalar(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		rs := curve.NewScalar()
		if err := rs.UnmarshalBinary(r); err != nil {
			t.Fatal(err)
		}
		ka := curve.NewElement().MulGen(x)
		var bs, kbs []group.Element
		for range n {
			b := curve.RandomElement(rand.Reader)
			bs, kbs = append(bs, b), append(kbs, curve.NewElement().Mul(b, x))
		}
		got, err := proveBatch(xb, curve.Generator(), ka, bs, kbs, r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := dleq.Prover{Params: params}.ProveBatchWithRandomness(x, curve.Generator(), ka, bs, kbs, rs)
		if err != nil {
			t.Fatal(err)
		}
		wb, _ := want.MarshalBinary()
		if !bytes.Equal(got, wb) {
			t.Fatalf("batch of %d: the proof is %x, circl's %x", n, got, wb)
		}
		proof := new(dleq.Proof)
		if err := proof.UnmarshalBinary(curve, got); err != nil {
			t.Fatal(err)
		}
		if !(dleq.Verifier{Params: params}).VerifyBatch(curve.Generator(), ka, bs, kbs, proof) {
			t.Fatalf("batch of %d: circl's verifier refuses the proof", n)
		}
		// The proof of another secret for the same statement fails.
		other, _ := curve.RandomNonZeroScalar(rand.Reader).MarshalBinary()
		bad, err := proveBatch(other, curve.Generator(), ka, bs, kbs, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.UnmarshalBinary(curve, bad); err != nil {
			t.Fatal(err)
		}
		if (dleq.Verifier{Params: params}).VerifyBatch(curve.Generator(), ka, bs, kbs, proof) {
			t.Fatalf("batch of %d: a proof made with another secret verifies", n)
		}
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, bytes.ErrTooLarge }

// TestProverRefuses: a broken randomness source, a secret or randomness
// out of range, and an uneven batch are errors, never a proof.
func TestProverRefuses(t *testing.T) {
	if _, err := randomScalar(errReader{}); err == nil {
		t.Fatal("a failing randomness source gave a scalar")
	}
	// A source that only gives n or above (all ones) is refused after its
	// draws rather than looping.
	if _, err := randomScalar(bytes.NewReader(bytes.Repeat([]byte{0xff}, 64*32))); err == nil {
		t.Fatal("a source of out-of-range draws gave a scalar")
	}
	x := curve.RandomNonZeroScalar(rand.Reader)
	xb, _ := x.MarshalBinary()
	r, _ := randomScalar(rand.Reader)
	b := curve.RandomElement(rand.Reader)
	ka, kb := curve.NewElement().MulGen(x), curve.NewElement().Mul(b, x)
	over := bytes.Repeat([]byte{0xff}, 32)
	for name, f := range map[string]func() ([]byte, error){
		"an empty batch":  func() ([]byte, error) { return proveBatch(xb, curve.Generator(), ka, nil, nil, r) },
		"an uneven batch": func() ([]byte, error) { return proveBatch(xb, curve.Generator(), ka, []group.Element{b}, nil, r) },
		"a secret ≥ n": func() ([]byte, error) {
			return proveBatch(over, curve.Generator(), ka, []group.Element{b}, []group.Element{kb}, r)
		},
		"randomness ≥ n": func() ([]byte, error) {
			return proveBatch(xb, curve.Generator(), ka, []group.Element{b}, []group.Element{kb}, over)
		},
		"a short secret": func() ([]byte, error) {
			return proveBatch(xb[:31], curve.Generator(), ka, []group.Element{b}, []group.Element{kb}, r)
		},
	} {
		if p, err := f(); err == nil {
			t.Errorf("%s: proof %x", name, p)
		}
	}
}

func BenchmarkPartials(b *testing.B) {
	s := Share{ID: NodeID{31: 1}}
	x, _ := curve.RandomNonZeroScalar(rand.Reader).MarshalBinary()
	copy(s.Secret[:], x)
	ctxs := AppContexts(1, make([]byte, 20), make([]byte, 20))
	for b.Loop() {
		if _, err := s.Partials(1, ctxs, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
