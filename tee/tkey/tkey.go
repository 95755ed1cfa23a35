// Package tkey is threshold key derivation: the keys a threshold KMS
// releases to an app are derived from a root secret s that no KMS node
// holds, with threshold 2HashDH on P-256.
//
// Each of n nodes holds a Shamir share x_i = f(id_i) of s = f(0), with f of
// degree t−1; its public share X_i = x_i·G is published. For a context c
// (the key's purpose, its epoch, the app and instance ids), H =
// HashToCurve(c) (RFC 9380, P256_XMD:SHA-256_SSWU_RO_, with this package's
// domain separation tag). A node that authorized the caller answers the
// partial P_i = x_i·H with a Chaum–Pedersen proof that log_G X_i = log_H P_i
// (cloudflare/circl zk/dleq, one batched proof for all the contexts of an
// answer). The caller checks every proof against X_i, combines any t valid
// partials by Lagrange interpolation at 0 into S = s·H, and derives
// key = HKDF-SHA256(ikm = SEC1(S) uncompressed, salt = "dstack-threshold-v1",
// info = c). Fewer than t partials say nothing about S (computational
// Diffie–Hellman); a wrong partial fails its proof; nodes never see S.
//
// Blinding (a full OPRF) is not needed: c is public, and the answer travels
// only over mutual RA-TLS to the attested caller.
//
// The keys are not upstream dstack's (upstream derives from one HKDF root
// held by every KMS replica); a deployment runs either the replicated KMS
// or the threshold one, and the key-provider event says which
// (identity.KeyProviderInfo{Name: "kms-threshold", ID: KeySet.ID}).
//
// This package only computes. It must never log, store or return a share
// (Share.Secret) or a combined point, and nothing here may answer a partial
// without the caller's authorization having been checked by the node first.
// The proof is circl's format, checked by circl's verifier, but made here
// (prove.go): circl's prover computes s = r − c·x_i with big.Int, whose
// time depends on x_i; here it is filippo.io/bigmod's constant-time
// arithmetic, and the scalar multiplications are Go's constant-time P-256.
package tkey

import (
	"crypto"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/tecdh"
)

// The constants of the construction. Changing any changes every key.
const (
	// HashToCurveDST is the RFC 9380 domain separation tag of H.
	HashToCurveDST = "DSTACK-TKDF-V01-CS01-with-P256_XMD:SHA-256_SSWU_RO_"
	// ProofDST separates the DLEQ proofs' hashes from any other use.
	ProofDST = "DSTACK-TKDF-V01-DLEQ-P256-SHA256"
	// Salt is the HKDF salt of the derived keys.
	Salt = "dstack-threshold-v1"
	// contextLabel starts every context.
	contextLabel = "dstack-tkdf/v1"
	// keySetLabel starts the encoding a KeySet's ID hashes.
	keySetLabel = "dstack-tkdf-keyset/v1"
	// KeySize is the size of every derived key.
	KeySize = 32
)

var (
	curve  = group.P256
	params = dleq.Params{G: curve, H: crypto.SHA256, DST: []byte(ProofDST)}
)

// Errors a caller can test with errors.Is.
var (
	// ErrMalformed means bytes are not a valid encoding.
	ErrMalformed = errors.New("malformed threshold key data")
	// ErrInvalidProof means a partial's proof does not verify against the
	// node's public share: the node answered something other than x_i·H.
	ErrInvalidProof = errors.New("partial key does not verify against the node's public share")
	// ErrNotEnough means fewer than the threshold of valid partials.
	ErrNotEnough = errors.New("not enough valid partial keys")
)

// Purpose is what a derived key is for; each has its own context.
type Purpose byte

// The keys a threshold KMS releases to an app (the replicated KMS's
// GetAppKey keys). Their numbers are part of every context: never reuse one.
const (
	// PurposeDisk is the app instance's disk encryption key (app id and
	// instance id).
	PurposeDisk Purpose = 1
	// PurposeEnv is the seed of the app's env-encryption X25519 key (app id).
	PurposeEnv Purpose = 2
	// PurposeK256 is the app's secp256k1 key (app id).
	PurposeK256 Purpose = 3
	// PurposeAppCA is the seed of the app's CA key (app id).
	PurposeAppCA Purpose = 4
)

// AppPurposes are the purposes of an app's keys, in wire order.
var AppPurposes = []Purpose{PurposeDisk, PurposeEnv, PurposeK256, PurposeAppCA}

func (p Purpose) String() string {
	switch p {
	case PurposeDisk:
		return "app-disk"
	case PurposeEnv:
		return "app-env"
	case PurposeK256:
		return "app-k256"
	case PurposeAppCA:
		return "app-ca"
	}
	return fmt.Sprintf("purpose(%d)", byte(p))
}

func (p Purpose) known() bool { return p >= PurposeDisk && p <= PurposeAppCA }

// perInstance reports whether the purpose's key is per app instance.
func (p Purpose) perInstance() bool { return p == PurposeDisk }

// Context names one derived key: its purpose, the root epoch it comes from
// (a root rotation starts a new epoch, and every key changes with it), and
// whose it is.
type Context struct {
	Epoch      uint32
	Purpose    Purpose
	AppID      []byte // 20 bytes
	InstanceID []byte // for PurposeDisk 20 bytes, or empty for an app without instance ids; empty otherwise
}

// AppContexts are the contexts of an app instance's keys (AppPurposes).
func AppContexts(epoch uint32, appID, instanceID []byte) []Context {
	out := make([]Context, len(AppPurposes))
	for i, p := range AppPurposes {
		out[i] = Context{Epoch: epoch, Purpose: p, AppID: appID}
		if p.perInstance() {
			out[i].InstanceID = instanceID
		}
	}
	return out
}

// Bytes is the context's encoding, the hash-to-curve input and the HKDF
// info: "dstack-tkdf/v1" ‖ epoch (u32 BE) ‖ purpose (u8) ‖ len ‖ app id ‖
// len ‖ instance id, lengths one byte each, so no two contexts share an
// encoding.
func (c Context) Bytes() ([]byte, error) {
	if !c.Purpose.known() {
		return nil, fmt.Errorf("encoding a key context: unknown purpose %d", c.Purpose)
	}
	if len(c.AppID) != 20 {
		return nil, fmt.Errorf("encoding a %s key context: the app id is %d bytes, not 20", c.Purpose, len(c.AppID))
	}
	if c.Purpose.perInstance() && len(c.InstanceID) != 20 && len(c.InstanceID) != 0 {
		return nil, fmt.Errorf("encoding a %s key context: the instance id is %d bytes, not 20 (or none)", c.Purpose, len(c.InstanceID))
	}
	if !c.Purpose.perInstance() && len(c.InstanceID) != 0 {
		return nil, fmt.Errorf("encoding a %s key context: this key is per app, it takes no instance id", c.Purpose)
	}
	b := make([]byte, 0, len(contextLabel)+4+1+2+40)
	b = append(b, contextLabel...)
	b = binary.BigEndian.AppendUint32(b, c.Epoch)
	b = append(b, byte(c.Purpose), byte(len(c.AppID)))
	b = append(b, c.AppID...)
	b = append(b, byte(len(c.InstanceID)))
	return append(b, c.InstanceID...), nil
}

// HashToCurve is H = HashToCurve(c), SEC1 compressed.
func (c Context) HashToCurve() (Point, error) {
	h, err := c.base()
	if err != nil {
		return Point{}, err
	}
	return point(h), nil
}

// base is H = HashToCurve(c).
func (c Context) base() (group.Element, error) {
	b, err := c.Bytes()
	if err != nil {
		return nil, err
	}
	return curve.HashToElement(b, []byte(HashToCurveDST)), nil
}

// NodeID is a node's Shamir x-coordinate: a big-endian scalar in [1, n)
// (tss-lib's party key, its ShareID).
type NodeID [32]byte

// scalar parses the id; a zero or out-of-range id is malformed.
func (id NodeID) scalar() (group.Scalar, error) {
	s := curve.NewScalar()
	if err := s.UnmarshalBinary(id[:]); err != nil || s.IsZero() {
		return nil, fmt.Errorf("%w: node id %x is not a scalar in [1, n)", ErrMalformed, id[:])
	}
	return s, nil
}

// Share is one node's secret share of the derivation root: x_i = f(ID).
// It is sealed at rest like a root key and never leaves the node.
type Share struct {
	ID     NodeID
	Secret [32]byte // big-endian scalar in [1, n)
}

func (s *Share) scalar() (group.Scalar, error) {
	x := curve.NewScalar()
	if err := x.UnmarshalBinary(s.Secret[:]); err != nil || x.IsZero() {
		return nil, fmt.Errorf("%w: the share is not a scalar in [1, n)", ErrMalformed)
	}
	return x, nil
}

// Public is the share's public share X_i = x_i·G, SEC1 compressed.
func (s *Share) Public() (PublicShare, error) {
	if _, err := s.ID.scalar(); err != nil {
		return PublicShare{}, err
	}
	x, err := s.scalar()
	if err != nil {
		return PublicShare{}, err
	}
	return PublicShare{ID: s.ID, Point: point(curve.NewElement().MulGen(x))}, nil
}

// Point is a P-256 point other than the identity, SEC1 compressed.
type Point [33]byte

func point(e group.Element) Point {
	b, _ := e.MarshalBinaryCompress()
	var p Point
	copy(p[:], b)
	return p
}

func (p Point) element() (group.Element, error) {
	e := curve.NewElement()
	if (p[0] != 2 && p[0] != 3) || e.UnmarshalBinary(p[:]) != nil {
		return nil, fmt.Errorf("%w: %x is not a compressed P-256 point", ErrMalformed, p[:])
	}
	return e, nil
}

// PublicShare is a node's id and public share X_i.
type PublicShare struct {
	ID    NodeID `json:"id"`
	Point Point  `json:"point"`
}

// Partials answers an authorized caller: the partials x_i·H of each
// context, in order, with one proof for all of them. All contexts must be
// of the share's epoch (KeySet.Epoch; the caller checks it). rnd is the
// proof's randomness (crypto/rand.Reader).
func (s *Share) Partials(epoch uint32, ctxs []Context, rnd io.Reader) (*Answer, error) {
	if len(ctxs) == 0 || len(ctxs) > MaxPartials {
		return nil, fmt.Errorf("answering partial keys: %d contexts, want 1 to %d", len(ctxs), MaxPartials)
	}
	if _, err := s.ID.scalar(); err != nil {
		return nil, fmt.Errorf("answering partial keys: %w", err)
	}
	x, err := s.scalar()
	if err != nil {
		return nil, fmt.Errorf("answering partial keys: %w", err)
	}
	a := &Answer{Epoch: epoch, ID: s.ID}
	hs := make([]group.Element, len(ctxs))
	ps := make([]group.Element, len(ctxs))
	for i, c := range ctxs {
		if c.Epoch != epoch {
			return nil, fmt.Errorf("answering partial keys: a context of epoch %d, this share is of epoch %d", c.Epoch, epoch)
		}
		if i > 0 && c.Purpose <= ctxs[i-1].Purpose {
			return nil, fmt.Errorf("answering partial keys: purposes must be distinct and in increasing order")
		}
		if hs[i], err = c.base(); err != nil {
			return nil, fmt.Errorf("answering partial keys: %w", err)
		}
		ps[i] = curve.NewElement().Mul(hs[i], x)
		a.Partials = append(a.Partials, Partial{Purpose: c.Purpose, Point: point(ps[i])})
	}
	pub := curve.NewElement().MulGen(x)
	r, err := randomScalar(rnd)
	if err != nil {
		return nil, fmt.Errorf("answering partial keys: %w", err)
	}
	pb, err := proveBatch(s.Secret[:], curve.Generator(), pub, hs, ps, r)
	clear(r)
	if err != nil || len(pb) != ProofSize {
		return nil, fmt.Errorf("answering partial keys: %v", err)
	}
	copy(a.Proof[:], pb)
	return a, nil
}

// KeySet is what a client trusts: the threshold, the derivation root's
// public key Y = s·G and every node's public share, for one epoch, and the
// root public keys the deployment signs with (opaque here, hashed into the
// ID so that the key-provider event names them too).
type KeySet struct {
	// Epoch is the root epoch; a root rotation makes a new key set.
	Epoch uint32 `json:"epoch"`
	// Threshold t is how many partials combine (t−1 reveal nothing).
	Threshold int `json:"threshold"`
	// Root is Y = s·G.
	Root Point `json:"root"`
	// Shares are the nodes' public shares, in increasing id order.
	Shares []PublicShare `json:"shares"`
	// CAPubkey is the root CA's SubjectPublicKeyInfo DER (setKmsInfo's
	// caPubkey); may be empty.
	CAPubkey []byte `json:"-"`
	// K256Pubkey is the root secp256k1 public key (setKmsInfo's
	// k256Pubkey); may be empty.
	K256Pubkey []byte `json:"-"`
	// Env is the committee's env key set (tee/tecdh): K_env and every
	// node's public share, edwards25519, for the same nodes and threshold
	// as Shares. Nil for a committee without an env root, which cannot
	// serve app env encryption.
	Env *tecdh.KeySet `json:"env,omitempty"`
}

// MaxNodes bounds a key set (and so the work Validate does).
const MaxNodes = 64

// Validate checks that the key set is consistent: 1 ≤ t ≤ n ≤ MaxNodes,
// distinct valid ids in increasing order, valid points, and that every
// public share and the root lie on one polynomial of degree t−1 (so that
// any t valid partials combine to the same S, s·H).
func (k *KeySet) Validate() error {
	n := len(k.Shares)
	if k.Threshold < 1 || k.Threshold > n || n > MaxNodes {
		return fmt.Errorf("checking the threshold key set: threshold %d of %d nodes: want 1 ≤ t ≤ n ≤ %d", k.Threshold, n, MaxNodes)
	}
	if len(k.CAPubkey) > 1024 || len(k.K256Pubkey) > 1024 {
		return fmt.Errorf("checking the threshold key set: %w: root public keys longer than 1024 bytes", ErrMalformed)
	}
	xs := make([]group.Scalar, n)
	pts := make([]group.Element, n)
	for i, s := range k.Shares {
		var err error
		if xs[i], err = s.ID.scalar(); err != nil {
			return fmt.Errorf("checking the threshold key set: %w", err)
		}
		if pts[i], err = s.Point.element(); err != nil {
			return fmt.Errorf("checking the threshold key set: node %x: %w", s.ID[:4], err)
		}
		if i > 0 && slices.Compare(s.ID[:], k.Shares[i-1].ID[:]) <= 0 {
			return fmt.Errorf("checking the threshold key set: %w: node ids must be distinct and in increasing order", ErrMalformed)
		}
	}
	root, err := k.Root.element()
	if err != nil {
		return fmt.Errorf("checking the threshold key set: root: %w", err)
	}
	t := k.Threshold
	// The first t shares fix the polynomial; the root and every other
	// share must be its values.
	check := func(at group.Scalar, want group.Element) bool {
		got := curve.Identity()
		for i := range t {
			got.Add(got, curve.NewElement().Mul(pts[i], lagrange(xs[:t], i, at)))
		}
		return got.IsEqual(want)
	}
	if !check(curve.NewScalar(), root) {
		return fmt.Errorf("checking the threshold key set: the public shares do not interpolate to the root public key")
	}
	for j := t; j < n; j++ {
		if !check(xs[j], pts[j]) {
			return fmt.Errorf("checking the threshold key set: node %x's public share is not on the polynomial of the others (threshold %d)", k.Shares[j].ID[:4], t)
		}
	}
	return k.validateEnv()
}

// validateEnv checks the env key set, if any: consistent (its own
// Validate), and of the same threshold and nodes as the derivation root's.
func (k *KeySet) validateEnv() error {
	if k.Env == nil {
		return nil
	}
	if err := k.Env.Validate(); err != nil {
		return fmt.Errorf("checking the threshold key set: %w", err)
	}
	if k.Env.Threshold != k.Threshold || len(k.Env.Shares) != len(k.Shares) {
		return fmt.Errorf("checking the threshold key set: the env key set is %d of %d nodes, the derivation root's %d of %d", k.Env.Threshold, len(k.Env.Shares), k.Threshold, len(k.Shares))
	}
	for i, s := range k.Env.Shares {
		if [32]byte(s.ID) != [32]byte(k.Shares[i].ID) {
			return fmt.Errorf("checking the threshold key set: the env key set's node %x is not the derivation root's node %x", s.ID[:4], k.Shares[i].ID[:4])
		}
	}
	return nil
}

// lagrange is λ_i(at) = Π_{j≠i} (at − x_j) / (x_i − x_j).
func lagrange(xs []group.Scalar, i int, at group.Scalar) group.Scalar {
	num, den := curve.NewScalar().SetUint64(1), curve.NewScalar().SetUint64(1)
	for j, xj := range xs {
		if j == i {
			continue
		}
		num.Mul(num, curve.NewScalar().Sub(at, xj))
		den.Mul(den, curve.NewScalar().Sub(xs[i], xj))
	}
	return num.Mul(num, curve.NewScalar().Inv(den))
}

// ID is the key set's hash, the id of the key-provider event a CVM
// measures: SHA-256 of "dstack-tkdf-keyset/v1" ‖ epoch (u32) ‖ t (u16) ‖
// root ‖ n (u16) ‖ (id ‖ point)… ‖ len (u16) ‖ CA key ‖ len (u16) ‖ k256 key
// and, when the key set has an env key set, ‖ "env" ‖ t (u16) ‖ K_env ‖
// n (u16) ‖ (id ‖ K_i)…, so that a CVM measures the env key set it
// checks env partials against.
func (k *KeySet) ID() [32]byte {
	h := sha256.New()
	h.Write([]byte(keySetLabel))
	var b []byte
	b = binary.BigEndian.AppendUint32(b, k.Epoch)
	b = binary.BigEndian.AppendUint16(b, uint16(k.Threshold))
	b = append(b, k.Root[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(k.Shares)))
	for _, s := range k.Shares {
		b = append(append(b, s.ID[:]...), s.Point[:]...)
	}
	for _, pk := range [][]byte{k.CAPubkey, k.K256Pubkey} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(pk)))
		b = append(b, pk...)
	}
	if e := k.Env; e != nil {
		b = append(b, "env"...)
		b = binary.BigEndian.AppendUint16(b, uint16(e.Threshold))
		b = append(b, e.Root[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.Shares)))
		for _, s := range e.Shares {
			b = append(append(b, s.ID[:]...), s.Point[:]...)
		}
	}
	h.Write(b)
	return [32]byte(h.Sum(nil))
}

// share returns the public share of a node.
func (k *KeySet) share(id NodeID) (PublicShare, bool) {
	i := slices.IndexFunc(k.Shares, func(s PublicShare) bool { return s.ID == id })
	if i < 0 {
		return PublicShare{}, false
	}
	return k.Shares[i], true
}

// Verify checks one node's answer for the contexts asked: the key set's
// epoch, a node of the set, the purposes asked in their order, and the
// proof against the node's public share.
func (k *KeySet) Verify(a *Answer, ctxs []Context) error {
	hs, err := k.bases(ctxs)
	if err != nil {
		return fmt.Errorf("checking node %x's partial keys: %w", a.ID[:4], err)
	}
	return k.verify(a, ctxs, hs)
}

// bases hashes the contexts, which must be of the key set's epoch, to
// the curve.
func (k *KeySet) bases(ctxs []Context) ([]group.Element, error) {
	hs := make([]group.Element, len(ctxs))
	for i, c := range ctxs {
		if c.Epoch != k.Epoch {
			return nil, fmt.Errorf("a context of epoch %d for a key set of epoch %d", c.Epoch, k.Epoch)
		}
		var err error
		if hs[i], err = c.base(); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

// verify is Verify with the contexts' bases hs.
func (k *KeySet) verify(a *Answer, ctxs []Context, hs []group.Element) error {
	if a.Epoch != k.Epoch {
		return fmt.Errorf("checking node %x's partial keys: epoch %d, the key set is of epoch %d", a.ID[:4], a.Epoch, k.Epoch)
	}
	pub, ok := k.share(a.ID)
	if !ok {
		return fmt.Errorf("checking node %x's partial keys: the node is not in the key set", a.ID[:4])
	}
	if len(a.Partials) != len(ctxs) {
		return fmt.Errorf("checking node %x's partial keys: %d partials for %d keys asked", a.ID[:4], len(a.Partials), len(ctxs))
	}
	X, err := pub.Point.element()
	if err != nil {
		return fmt.Errorf("checking node %x's partial keys: %w", a.ID[:4], err)
	}
	ps := make([]group.Element, len(ctxs))
	for i, c := range ctxs {
		if a.Partials[i].Purpose != c.Purpose {
			return fmt.Errorf("checking node %x's partial keys: partial %d is for %s, %s was asked", a.ID[:4], i, a.Partials[i].Purpose, c.Purpose)
		}
		if ps[i], err = a.Partials[i].Point.element(); err != nil {
			return fmt.Errorf("checking node %x's partial keys: %w", a.ID[:4], err)
		}
	}
	proof := new(dleq.Proof)
	if err := proof.UnmarshalBinary(curve, a.Proof[:]); err != nil {
		return fmt.Errorf("checking node %x's partial keys: %w: proof: %v", a.ID[:4], ErrMalformed, err)
	}
	if !(dleq.Verifier{Params: params}).VerifyBatch(curve.Generator(), X, hs, ps, proof) {
		return fmt.Errorf("checking node %x's partial keys: %w", a.ID[:4], ErrInvalidProof)
	}
	return nil
}

// Combine verifies the answers and, from the first Threshold valid ones of
// distinct nodes, derives the key of each context (in order). Invalid
// answers are skipped and reported in skipped; fewer than Threshold valid
// ones is ErrNotEnough, and no key.
func (k *KeySet) Combine(ctxs []Context, answers []*Answer) (keys [][KeySize]byte, skipped []error, err error) {
	c := k.Collector(ctxs)
	for _, a := range answers {
		if c.Enough() {
			break
		}
		if a == nil {
			continue
		}
		if err := c.Add(a); err != nil {
			skipped = append(skipped, err)
		}
	}
	keys, err = c.Keys()
	return keys, skipped, err
}

// Collector gathers answers as they arrive, verifying each, until it has
// Threshold valid ones of distinct nodes. It is not safe for concurrent
// use.
type Collector struct {
	ks    *KeySet
	ctxs  []Context
	hs    []group.Element // the contexts' bases, once hashed
	valid []*Answer
}

// Collector starts collecting answers for the contexts.
func (k *KeySet) Collector(ctxs []Context) *Collector {
	return &Collector{ks: k, ctxs: ctxs}
}

// Add verifies an answer and keeps it if valid and of a node not yet
// counted; the error says why it was not kept.
func (c *Collector) Add(a *Answer) error {
	if slices.ContainsFunc(c.valid, func(v *Answer) bool { return v.ID == a.ID }) {
		return fmt.Errorf("node %x answered twice", a.ID[:4])
	}
	if c.hs == nil {
		hs, err := c.ks.bases(c.ctxs)
		if err != nil {
			return fmt.Errorf("checking node %x's partial keys: %w", a.ID[:4], err)
		}
		c.hs = hs
	}
	if err := c.ks.verify(a, c.ctxs, c.hs); err != nil {
		return err
	}
	c.valid = append(c.valid, a)
	return nil
}

// Valid is the number of valid answers kept.
func (c *Collector) Valid() int { return len(c.valid) }

// Enough reports whether Threshold valid answers are kept.
func (c *Collector) Enough() bool { return len(c.valid) >= c.ks.Threshold }

// Keys combines the first Threshold valid answers into the contexts' keys;
// with fewer it is ErrNotEnough.
func (c *Collector) Keys() ([][KeySize]byte, error) {
	if !c.Enough() {
		return nil, fmt.Errorf("combining partial keys: %w: %d valid of the %d needed", ErrNotEnough, len(c.valid), c.ks.Threshold)
	}
	return combine(c.ctxs, c.valid[:c.ks.Threshold])
}

// combine interpolates verified partials at 0 and derives the keys.
func combine(ctxs []Context, valid []*Answer) ([][KeySize]byte, error) {
	xs := make([]group.Scalar, len(valid))
	for i, a := range valid {
		var err error
		if xs[i], err = a.ID.scalar(); err != nil {
			return nil, err
		}
	}
	zero := curve.NewScalar()
	lambdas := make([]group.Scalar, len(valid))
	for i := range valid {
		lambdas[i] = lagrange(xs, i, zero)
	}
	keys := make([][KeySize]byte, len(ctxs))
	for j, c := range ctxs {
		S := curve.Identity()
		for i, a := range valid {
			p, err := a.Partials[j].Point.element()
			if err != nil {
				return nil, err
			}
			S.Add(S, curve.NewElement().Mul(p, lambdas[i]))
		}
		key, err := derive(S, c)
		if err != nil {
			return nil, err
		}
		keys[j] = key
	}
	return keys, nil
}

// derive is HKDF-SHA256(SEC1(S), Salt, c).
func derive(S group.Element, c Context) ([KeySize]byte, error) {
	if S.IsIdentity() {
		return [KeySize]byte{}, errors.New("deriving a threshold key: the combined point is the identity")
	}
	ikm, err := S.MarshalBinary()
	if err != nil {
		return [KeySize]byte{}, fmt.Errorf("deriving a threshold key: %w", err)
	}
	defer clear(ikm)
	info, err := c.Bytes()
	if err != nil {
		return [KeySize]byte{}, err
	}
	out, err := hkdf.Key(sha256.New, ikm, []byte(Salt), string(info), KeySize)
	if err != nil {
		return [KeySize]byte{}, fmt.Errorf("deriving a threshold key: %w", err)
	}
	return [KeySize]byte(out), nil
}

// KeyProviderName is the key-provider event's name for a threshold KMS.
const KeyProviderName = "kms-threshold"

// KeyProviderInfo is the key-provider event a CVM measures when its keys
// come from this key set: {"name":"kms-threshold","id":hex(ID)}.
func (k *KeySet) KeyProviderInfo() identity.KeyProviderInfo {
	id := k.ID()
	return identity.KeyProviderInfo{Name: KeyProviderName, ID: hex.EncodeToString(id[:])}
}
