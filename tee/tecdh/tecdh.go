// Package tecdh is threshold X25519 for app env encryption: the KMS
// committee holds a root k_env on edwards25519 as Shamir shares k_i (mod
// ℓ), no node holds k_env, and yet every app has an X25519 env public key
// that anyone computes from public data and that upstream's envelope
// (https://github.com/Dstack-TEE/dstack/blob/master/docs/encrypted-env-spec.md,
// .encrypted-env) encrypts to unchanged.
//
// An app's key pair is (h·k_env, h·K_env) with h = H(app_id), a hash to a
// scalar (AppScalar), K_env = k_env·B the committee's public root. Its
// public key is given to users as the Montgomery u-coordinate of h·K_env,
// an X25519 public key (KeySet.AppPublicKey). An envelope's ephemeral key
// E (X25519, a u-coordinate) opens with the shared secret u(h·k_env·E):
// each node answers h·k_i·E with a Chaum–Pedersen proof that the scalar
// relating B to h·K_i relates E to its answer (Share.Partial), and the CVM
// combines t valid answers with Lagrange coefficients (KeySet.Combine)
// into that secret, which is what X25519 on the app's private key gives.
// The shares come from tss-lib's EdDSA key generation among the nodes
// (FromKeygen reads a node's output).
//
// A node must answer only for the app the caller's attestation proves,
// never for an app the request names: an answer for app A and E is the
// secret of every envelope to A with ephemeral key E. This package only
// computes; it must never log, store or return a share, and it refuses an
// ephemeral key that is not a point of the prime-order subgroup (a
// low-order or twist point would leak k_i modulo small factors).
package tecdh

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// The domain labels of the construction. Changing one changes every app's
// env key.
const (
	appLabel   = "dstack-threshold-env/v1 app:"
	dleqLabel  = "dstack-threshold-env/v1 dleq"
	nonceLabel = "dstack-threshold-env/v1 nonce"
)

// Sizes of the wire forms.
const (
	// AppIDSize is the size of an app id (an address on chain).
	AppIDSize = 20
	// ProofSize is a DLEQ proof: challenge c ‖ response z, two scalars.
	ProofSize = 64
	// PartialSize is a partial's wire form: id ‖ point ‖ proof.
	PartialSize = 32 + 32 + ProofSize
	// MaxNodes bounds a key set (and so the work Validate does).
	MaxNodes = 64
)

// Errors a caller can test with errors.Is.
var (
	// ErrMalformed is a wire form that does not parse.
	ErrMalformed = errors.New("malformed threshold env data")
	// ErrEphemeral is an ephemeral key that is not a point of the
	// prime-order subgroup of Curve25519 (or is not canonical).
	ErrEphemeral = errors.New("the envelope's ephemeral X25519 key is not a canonical point of the prime-order subgroup")
	// ErrInvalidProof is a partial whose DLEQ proof does not verify.
	ErrInvalidProof = errors.New("the partial's DLEQ proof does not verify against the node's public share")
	// ErrNotEnough is fewer than Threshold valid partials.
	ErrNotEnough = errors.New("fewer valid partials than the threshold")
)

// NodeID is a node's Shamir x-coordinate: a big-endian scalar in [1, ℓ).
type NodeID [32]byte

func (id NodeID) scalar() (*edwards25519.Scalar, error) {
	le := id
	slices.Reverse(le[:])
	s, err := edwards25519.NewScalar().SetCanonicalBytes(le[:])
	if err != nil || s.Equal(edwards25519.NewScalar()) == 1 {
		return nil, fmt.Errorf("%w: node id %x is not a scalar in [1, ℓ)", ErrMalformed, id[:4])
	}
	return s, nil
}

// Share is one node's share k_i = f(ID) of the env root, the scalar's
// canonical little-endian encoding. It is sealed at rest like a root key
// and never leaves the node.
type Share struct {
	ID     NodeID
	Secret [32]byte
}

func (s *Share) scalar() (*edwards25519.Scalar, error) {
	k, err := edwards25519.NewScalar().SetCanonicalBytes(s.Secret[:])
	if err != nil {
		return nil, fmt.Errorf("%w: the share is not a canonical scalar", ErrMalformed)
	}
	return k, nil
}

// Public is the share's public share K_i = k_i·B.
func (s *Share) Public() (PublicShare, error) {
	if _, err := s.ID.scalar(); err != nil {
		return PublicShare{}, err
	}
	k, err := s.scalar()
	if err != nil {
		return PublicShare{}, err
	}
	return PublicShare{ID: s.ID, Point: [32]byte(new(edwards25519.Point).ScalarBaseMult(k).Bytes())}, nil
}

// PublicShare is a node's id and public share K_i, edwards25519 encoded.
type PublicShare struct {
	ID    NodeID
	Point [32]byte
}

// KeySet is what a client trusts: the threshold, the env root's public key
// K_env and every node's public share.
type KeySet struct {
	// Threshold t is how many partials combine (t−1 reveal nothing).
	Threshold int
	// Root is K_env = k_env·B, edwards25519 encoded.
	Root [32]byte
	// Shares are the nodes' public shares, in increasing id order.
	Shares []PublicShare
}

// point decodes a canonical encoding of a point of the prime-order
// subgroup other than the identity.
func point(b []byte) (*edwards25519.Point, error) {
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%w: not a point of edwards25519", ErrMalformed)
	}
	// Every non-canonical encoding (y ≥ p, or x = 0 with the sign bit
	// set) is of a point outside the prime-order subgroup, so this check
	// also makes the encoding unique.
	if !primeOrder(p) {
		return nil, fmt.Errorf("%w: a point outside the prime-order subgroup, or the identity", ErrMalformed)
	}
	return p, nil
}

// eighthInv is 1/8 mod ℓ.
var eighthInv = func() *edwards25519.Scalar {
	var eight [32]byte
	eight[0] = 8
	s, _ := edwards25519.NewScalar().SetCanonicalBytes(eight[:])
	return s.Invert(s)
}()

// primeOrder reports whether p is in the prime-order subgroup and not the
// identity. With p = P + T (P of order ℓ, T of order dividing 8),
// 8·((1/8 mod ℓ)·p) = P, which is p exactly when T is the identity.
func primeOrder(p *edwards25519.Point) bool {
	if p.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return false
	}
	q := new(edwards25519.Point).ScalarMult(eighthInv, p)
	return q.MultByCofactor(q).Equal(p) == 1
}

// Validate checks that the key set is consistent: 1 ≤ t ≤ n ≤ MaxNodes,
// distinct valid ids in increasing order, canonical points of the
// prime-order subgroup, and that the root and every public share lie on
// one polynomial of degree t−1 (so that any t valid partials combine to the
// same secret).
func (k *KeySet) Validate() error {
	n := len(k.Shares)
	if k.Threshold < 1 || k.Threshold > n || n > MaxNodes {
		return fmt.Errorf("checking the threshold env key set: threshold %d of %d nodes: want 1 ≤ t ≤ n ≤ %d", k.Threshold, n, MaxNodes)
	}
	xs := make([]*edwards25519.Scalar, n)
	pts := make([]*edwards25519.Point, n)
	for i, s := range k.Shares {
		var err error
		if xs[i], err = s.ID.scalar(); err != nil {
			return fmt.Errorf("checking the threshold env key set: %w", err)
		}
		if pts[i], err = point(s.Point[:]); err != nil {
			return fmt.Errorf("checking the threshold env key set: node %x: %w", s.ID[:4], err)
		}
		if i > 0 && slices.Compare(s.ID[:], k.Shares[i-1].ID[:]) <= 0 {
			return fmt.Errorf("checking the threshold env key set: %w: node ids must be distinct and in increasing order", ErrMalformed)
		}
	}
	root, err := point(k.Root[:])
	if err != nil {
		return fmt.Errorf("checking the threshold env key set: root: %w", err)
	}
	t := k.Threshold
	at := func(x *edwards25519.Scalar) *edwards25519.Point {
		return interpolate(xs[:t], pts[:t], x)
	}
	if at(edwards25519.NewScalar()).Equal(root) != 1 {
		return fmt.Errorf("checking the threshold env key set: the public shares do not interpolate to the root public key")
	}
	for j := t; j < n; j++ {
		if at(xs[j]).Equal(pts[j]) != 1 {
			return fmt.Errorf("checking the threshold env key set: node %x's public share is not on the polynomial of the others (threshold %d)", k.Shares[j].ID[:4], t)
		}
	}
	return nil
}

// interpolate is Σ λ_i(at)·pts_i, the value at x = at of the polynomial
// through (xs_i, pts_i) in the exponent.
func interpolate(xs []*edwards25519.Scalar, pts []*edwards25519.Point, at *edwards25519.Scalar) *edwards25519.Point {
	ls := make([]*edwards25519.Scalar, len(xs))
	for i := range xs {
		num, den := one(), one()
		for j, xj := range xs {
			if j == i {
				continue
			}
			num.Multiply(num, edwards25519.NewScalar().Subtract(at, xj))
			den.Multiply(den, edwards25519.NewScalar().Subtract(xs[i], xj))
		}
		ls[i] = num.Multiply(num, den.Invert(den))
	}
	return new(edwards25519.Point).VarTimeMultiScalarMult(ls, pts)
}

func one() *edwards25519.Scalar {
	var b [32]byte
	b[0] = 1
	s, _ := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	return s
}

// AppScalar is h = SHA-512("dstack-threshold-env/v1 app:" ‖ app_id) mod ℓ,
// the tweak that makes an app's env key pair (h·k_env, h·K_env).
func AppScalar(appID []byte) (*edwards25519.Scalar, error) {
	if len(appID) != AppIDSize {
		return nil, fmt.Errorf("%w: app id of %d bytes, want %d", ErrMalformed, len(appID), AppIDSize)
	}
	d := sha512.Sum512(append([]byte(appLabel), appID...))
	h, err := edwards25519.NewScalar().SetUniformBytes(d[:])
	if err != nil || h.Equal(edwards25519.NewScalar()) == 1 {
		// A zero h would make every such app's key the identity; SHA-512
		// hitting a multiple of ℓ is not expected in this universe.
		return nil, fmt.Errorf("hashing app id %x to a scalar: a zero scalar", appID)
	}
	return h, nil
}

// AppPublicKey is the app's X25519 env public key: u(h·K_env), the key
// deployers and upstream's SDKs encrypt the app's env to.
func (k *KeySet) AppPublicKey(appID []byte) ([32]byte, error) {
	h, err := AppScalar(appID)
	if err != nil {
		return [32]byte{}, fmt.Errorf("computing the app's env public key: %w", err)
	}
	root, err := point(k.Root[:])
	if err != nil {
		return [32]byte{}, fmt.Errorf("computing the app's env public key: root: %w", err)
	}
	return [32]byte(new(edwards25519.Point).ScalarMult(h, root).BytesMontgomery()), nil
}

// LiftX25519 maps an X25519 public key (a canonical Montgomery
// u-coordinate, below 2^255−19) to the edwards25519 point with that u and
// a non-negative x; the other point with that u is its negative, and
// multiples of either by a scalar have the same u. It refuses a u that is
// not canonical, that is not on Curve25519 (a twist point) or whose point
// is not of the prime-order subgroup or is the identity: an honest X25519
// key (a clamped scalar times the base point) is never one of these.
func LiftX25519(u []byte) (*edwards25519.Point, error) {
	if len(u) != 32 {
		return nil, fmt.Errorf("%w: %d bytes, want 32", ErrEphemeral, len(u))
	}
	fu, err := new(field.Element).SetBytes(u)
	if err != nil || !slices.Equal(fu.Bytes(), u) {
		return nil, fmt.Errorf("%w: a non-canonical u-coordinate", ErrEphemeral)
	}
	// y = (u − 1) / (u + 1). u = −1 has no Edwards point: Invert maps
	// the zero denominator to zero, y = 0, a point of order 4 that the
	// subgroup check refuses.
	one := new(field.Element).One()
	den := new(field.Element).Add(fu, one)
	y := new(field.Element).Subtract(fu, one)
	y.Multiply(y, den.Invert(den))
	p, err := new(edwards25519.Point).SetBytes(y.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: not a point of Curve25519", ErrEphemeral)
	}
	if !primeOrder(p) {
		return nil, fmt.Errorf("%w: a point of small order or with a small-order component", ErrEphemeral)
	}
	return p, nil
}

// Partial is one node's answer for an app and an ephemeral key E: its id,
// P_i = h·k_i·E (edwards25519 encoded) and a proof that
// log_B(h·K_i) = log_E(P_i).
type Partial struct {
	ID    NodeID
	Point [32]byte
	Proof [ProofSize]byte
}

// MarshalBinary is the wire form: id ‖ point ‖ proof, PartialSize bytes.
func (p *Partial) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, PartialSize)
	b = append(b, p.ID[:]...)
	b = append(b, p.Point[:]...)
	return append(b, p.Proof[:]...), nil
}

// ParsePartial parses a partial's wire form, checking that its id, point
// and proof scalars are canonical; the proof itself is KeySet.Verify's.
func ParsePartial(b []byte) (*Partial, error) {
	if len(b) != PartialSize {
		return nil, fmt.Errorf("parsing a threshold env partial: %w: %d bytes, want %d", ErrMalformed, len(b), PartialSize)
	}
	p := &Partial{ID: NodeID(b[:32]), Point: [32]byte(b[32:64]), Proof: [ProofSize]byte(b[64:])}
	if _, err := p.ID.scalar(); err != nil {
		return nil, fmt.Errorf("parsing a threshold env partial: %w", err)
	}
	if _, err := point(p.Point[:]); err != nil {
		return nil, fmt.Errorf("parsing a threshold env partial: %w", err)
	}
	if _, _, err := p.proof(); err != nil {
		return nil, fmt.Errorf("parsing a threshold env partial: %w", err)
	}
	return p, nil
}

func (p *Partial) proof() (c, z *edwards25519.Scalar, err error) {
	c, err = edwards25519.NewScalar().SetCanonicalBytes(p.Proof[:32])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: proof challenge is not a canonical scalar", ErrMalformed)
	}
	z, err = edwards25519.NewScalar().SetCanonicalBytes(p.Proof[32:])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: proof response is not a canonical scalar", ErrMalformed)
	}
	return c, z, nil
}

// challenge is the Fiat–Shamir challenge of a proof: SHA-512 of the label,
// the app id, the node id, the ephemeral key, then X = h·K_i, P_i and the
// commitments A1 = r·B and A2 = r·E, reduced mod ℓ. X already binds the
// app and the node; hashing their ids as well keeps the transcript
// self-describing.
func challenge(appID []byte, id NodeID, eph []byte, x, p, a1, a2 *edwards25519.Point) *edwards25519.Scalar {
	d := sha512.New()
	d.Write([]byte(dleqLabel))
	d.Write(binary.BigEndian.AppendUint16(nil, uint16(len(appID))))
	d.Write(appID)
	d.Write(id[:])
	d.Write(eph)
	for _, q := range []*edwards25519.Point{x, p, a1, a2} {
		d.Write(q.Bytes())
	}
	c, _ := edwards25519.NewScalar().SetUniformBytes(d.Sum(nil))
	return c
}

// Partial answers for the app appID (the one the caller's attestation
// proves) and the envelope's ephemeral X25519 key eph: P_i = h·k_i·E and
// its proof. rnd nil means crypto/rand; the proof's nonce also hashes the
// share, so a weak rnd does not reveal it.
func (s *Share) Partial(appID, eph []byte, rnd io.Reader) (*Partial, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	h, err := AppScalar(appID)
	if err != nil {
		return nil, fmt.Errorf("answering a threshold env partial: %w", err)
	}
	e, err := LiftX25519(eph)
	if err != nil {
		return nil, fmt.Errorf("answering a threshold env partial: %w", err)
	}
	if _, err := s.ID.scalar(); err != nil {
		return nil, fmt.Errorf("answering a threshold env partial: %w", err)
	}
	k, err := s.scalar()
	if err != nil {
		return nil, fmt.Errorf("answering a threshold env partial: %w", err)
	}
	x := edwards25519.NewScalar().Multiply(h, k)
	X := new(edwards25519.Point).ScalarBaseMult(x)
	P := new(edwards25519.Point).ScalarMult(x, e)

	var seed [32]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("answering a threshold env partial: reading randomness: %w", err)
	}
	nd := sha512.New()
	nd.Write([]byte(nonceLabel))
	nd.Write(x.Bytes())
	nd.Write(eph)
	nd.Write(seed[:])
	r, _ := edwards25519.NewScalar().SetUniformBytes(nd.Sum(nil))
	a1 := new(edwards25519.Point).ScalarBaseMult(r)
	a2 := new(edwards25519.Point).ScalarMult(r, e)
	c := challenge(appID, s.ID, eph, X, P, a1, a2)
	z := edwards25519.NewScalar().MultiplyAdd(c, x, r)

	out := &Partial{ID: s.ID, Point: [32]byte(P.Bytes())}
	copy(out.Proof[:32], c.Bytes())
	copy(out.Proof[32:], z.Bytes())
	return out, nil
}

// share returns the public share of a node.
func (k *KeySet) share(id NodeID) (PublicShare, bool) {
	i := slices.IndexFunc(k.Shares, func(s PublicShare) bool { return s.ID == id })
	if i < 0 {
		return PublicShare{}, false
	}
	return k.Shares[i], true
}

// Verify checks one node's partial for appID and eph: a node of the key
// set, a canonical point of the prime-order subgroup, and the proof
// against h·K_i.
func (k *KeySet) Verify(appID, eph []byte, p *Partial) error {
	h, err := AppScalar(appID)
	if err != nil {
		return fmt.Errorf("checking node %x's env partial: %w", p.ID[:4], err)
	}
	e, err := LiftX25519(eph)
	if err != nil {
		return fmt.Errorf("checking node %x's env partial: %w", p.ID[:4], err)
	}
	_, err = k.verify(h, e, appID, eph, p)
	return err
}

// verify is Verify with h and E computed; it returns P_i.
func (k *KeySet) verify(h *edwards25519.Scalar, e *edwards25519.Point, appID, eph []byte, p *Partial) (*edwards25519.Point, error) {
	pub, ok := k.share(p.ID)
	if !ok {
		return nil, fmt.Errorf("checking node %x's env partial: the node is not in the key set", p.ID[:4])
	}
	Ki, err := point(pub.Point[:])
	if err != nil {
		return nil, fmt.Errorf("checking node %x's env partial: public share: %w", p.ID[:4], err)
	}
	P, err := point(p.Point[:])
	if err != nil {
		return nil, fmt.Errorf("checking node %x's env partial: %w", p.ID[:4], err)
	}
	c, z, err := p.proof()
	if err != nil {
		return nil, fmt.Errorf("checking node %x's env partial: %w", p.ID[:4], err)
	}
	X := new(edwards25519.Point).ScalarMult(h, Ki)
	negC := edwards25519.NewScalar().Negate(c)
	// A1 = z·B − c·X, A2 = z·E − c·P.
	a1 := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(negC, X, z)
	a2 := new(edwards25519.Point).VarTimeMultiScalarMult([]*edwards25519.Scalar{z, negC}, []*edwards25519.Point{e, P})
	if challenge(appID, p.ID, eph, X, P, a1, a2).Equal(c) != 1 {
		return nil, fmt.Errorf("checking node %x's env partial: %w", p.ID[:4], ErrInvalidProof)
	}
	return P, nil
}

// Combine verifies the partials for appID and eph and, from the first
// Threshold valid ones of distinct nodes, computes the envelope's X25519
// shared secret u(h·k_env·E), the secret upstream's envelope is keyed with.
// Invalid partials are skipped and reported in skipped; fewer than
// Threshold valid ones is ErrNotEnough, and no secret. k must have passed
// Validate: otherwise two subsets may combine to different secrets.
func (k *KeySet) Combine(appID, eph []byte, partials []*Partial) (secret [32]byte, skipped []error, err error) {
	h, err := AppScalar(appID)
	if err != nil {
		return secret, nil, fmt.Errorf("combining env partials: %w", err)
	}
	e, err := LiftX25519(eph)
	if err != nil {
		return secret, nil, fmt.Errorf("combining env partials: %w", err)
	}
	var xs []*edwards25519.Scalar
	var ps []*edwards25519.Point
	var seen []NodeID
	for _, p := range partials {
		if len(ps) == k.Threshold {
			break
		}
		if p == nil {
			continue
		}
		if slices.Contains(seen, p.ID) {
			skipped = append(skipped, fmt.Errorf("node %x answered twice", p.ID[:4]))
			continue
		}
		P, err := k.verify(h, e, appID, eph, p)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		x, _ := p.ID.scalar() // verify found the id in the key set
		if x == nil {
			skipped = append(skipped, fmt.Errorf("node %x: %w", p.ID[:4], ErrMalformed))
			continue
		}
		seen = append(seen, p.ID)
		xs, ps = append(xs, x), append(ps, P)
	}
	if k.Threshold < 1 || len(ps) < k.Threshold {
		return secret, skipped, fmt.Errorf("combining env partials: %w: %d valid of the %d needed", ErrNotEnough, len(ps), k.Threshold)
	}
	S := interpolate(xs, ps, edwards25519.NewScalar())
	if S.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return secret, skipped, fmt.Errorf("combining env partials: the combined point is the identity")
	}
	return [32]byte(S.BytesMontgomery()), skipped, nil
}
