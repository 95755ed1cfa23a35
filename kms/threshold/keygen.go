//lint:file-ignore SA1019 tss-lib holds key material as big.Int coordinates on crypto/elliptic curves (its ECPoint): PublicKey builds ecdsa keys from those coordinates and check recomputes x_i·G with the curves' big.Int methods

package threshold

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"runtime"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/resharing"
	eddsakeygen "github.com/bnb-chain/tss-lib/v2/eddsa/keygen"
	eddsaresharing "github.com/bnb-chain/tss-lib/v2/eddsa/resharing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
)

// Shares are what one node holds of the four roots after a DKG or a
// resharing: its tss-lib save data per root (its secret share x_i, every
// member's public share X_j, its pre-parameters) and the committee.
type Shares struct {
	// Self is the node these shares belong to.
	Self string
	// Committee is the committee the shares are of.
	Committee *Committee
	// Keys are tss-lib's ECDSA save data, per root (Roots).
	Keys map[Root]*keygen.LocalPartySaveData
	// Env is tss-lib's EdDSA save data of the env root (RootEnv).
	Env *eddsakeygen.LocalPartySaveData
	// RootCert is the DER of the root CA certificate (self-signed by
	// RootCA through threshold signing), empty until issued or adopted.
	RootCert []byte
}

// PublicKey is a root's public key; the k256 root's is on go-ethereum's
// secp256k1 curve, so that go-ethereum's functions (and Equal with the keys
// they recover) take it.
func (s *Shares) PublicKey(r Root) (*ecdsa.PublicKey, error) {
	k := s.Keys[r]
	if k == nil || k.ECDSAPub == nil {
		return nil, fmt.Errorf("no %s root in the shares", r)
	}
	curve, err := r.Curve()
	if err != nil {
		return nil, err
	}
	if r == RootK256 {
		curve = ethcrypto.S256()
	}
	return &ecdsa.PublicKey{Curve: curve, X: k.ECDSAPub.X(), Y: k.ECDSAPub.Y()}, nil
}

// CAPublicKeyDER is the root CA's SubjectPublicKeyInfo DER, what
// setKmsInfo publishes as caPubkey.
func (s *Shares) CAPublicKeyDER() ([]byte, error) {
	pub, err := s.PublicKey(RootCA)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKIXPublicKey(pub)
}

// K256PublicKey is the compressed (33-byte) k256 root public key, what
// setKmsInfo publishes as k256Pubkey.
func (s *Shares) K256PublicKey() ([]byte, error) {
	pub, err := s.PublicKey(RootK256)
	if err != nil {
		return nil, err
	}
	return ethcrypto.CompressPubkey(pub), nil
}

// Derivation is this node's share of the derivation root, with every
// member's public share.
func (s *Shares) Derivation() (*DerivationShare, error) {
	k := s.Keys[RootDerivation]
	if k == nil {
		return nil, errors.New("no derivation root in the shares")
	}
	return derivationShare(s.Committee, s.Committee.Index(s.Self), k)
}

// EnvShare is this node's share of the env root (tee/tecdh), with the
// committee's env key set: K_env and every member's public share, checked
// (tecdh.KeySet.Validate) and of the committee's members and threshold.
func (s *Shares) EnvShare() (*tecdh.Share, *tecdh.KeySet, error) {
	if s.Env == nil {
		return nil, nil, errors.New("no env root in the shares")
	}
	share, ks, err := EnvFromKeygen(s.Env, s.Committee.Threshold)
	if err != nil {
		return nil, nil, fmt.Errorf("the env root's share: %w", err)
	}
	if len(ks.Shares) != len(s.Committee.Members) {
		return nil, nil, fmt.Errorf("the env root's share: %d public shares for %d members", len(ks.Shares), len(s.Committee.Members))
	}
	for i, m := range s.Committee.Members {
		if id, err := nodeID(m.ID); err != nil || tecdh.NodeID(id) != ks.Shares[i].ID {
			return nil, nil, errors.New("the env root's public shares are not the committee's members")
		}
	}
	if self, _ := nodeID(s.Committee.Members[s.Committee.Index(s.Self)].ID); tecdh.NodeID(self) != share.ID {
		return nil, nil, fmt.Errorf("the env root's share is not %s's", s.Self)
	}
	return share, ks, nil
}

// KeySet is the threshold key set of the shares' derivation root, what a
// client of this committee trusts (and GetAppKeyShares serves): the root
// epoch (Committee.RootEpoch, not the committee's epoch: resharing keeps
// it and every app key), the threshold, Y_d, every member's public share
// in increasing ID order, the root CA's SubjectPublicKeyInfo, the
// compressed k256 root public key and the env key set (EnvShare).
func (s *Shares) KeySet() (*tkey.KeySet, error) {
	d, err := s.Derivation()
	if err != nil {
		return nil, err
	}
	k, err := d.KeySet()
	if err != nil {
		return nil, err
	}
	if k.CAPubkey, err = s.CAPublicKeyDER(); err != nil {
		return nil, fmt.Errorf("threshold key set: %w", err)
	}
	if k.K256Pubkey, err = s.K256PublicKey(); err != nil {
		return nil, fmt.Errorf("threshold key set: %w", err)
	}
	if _, k.Env, err = s.EnvShare(); err != nil {
		return nil, fmt.Errorf("threshold key set: %w", err)
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// check verifies the shares' shape: a member of the committee, four roots
// on their curves, every public share on the curve and x_i·G = X_i (for
// the env root: EnvShare's checks, which also check that the public
// shares lie on one polynomial of the committee's threshold).
func (s *Shares) check() error {
	if s.Committee == nil {
		return errors.New("shares without a committee")
	}
	if err := s.Committee.Validate(); err != nil {
		return err
	}
	self := s.Committee.Index(s.Self)
	if self < 0 {
		return fmt.Errorf("%s is not a member of the committee of its shares", s.Self)
	}
	for _, r := range Roots {
		k := s.Keys[r]
		curve, _ := r.Curve()
		if k == nil || k.Xi == nil || k.ECDSAPub == nil || len(k.BigXj) != len(s.Committee.Members) || len(k.Ks) != len(s.Committee.Members) {
			return fmt.Errorf("the %s root's share is incomplete", r)
		}
		// tss-lib reads an ECPoint's curve from its JSON, defaulting to
		// secp256k1: set each point's curve from its root, and check it.
		k.ECDSAPub.SetCurve(curve)
		for j, X := range k.BigXj {
			if X == nil || !X.SetCurve(curve).ValidateBasic() {
				return fmt.Errorf("the %s root's public share %d is not on its curve", r, j)
			}
			if k.Ks[j] == nil || k.Ks[j].Cmp(s.Committee.Members[j].ID) != 0 {
				return fmt.Errorf("the %s root's shares are not in the committee's order", r)
			}
		}
		if !k.ECDSAPub.ValidateBasic() {
			return fmt.Errorf("the %s root's public key is not on its curve", r)
		}
		x, y := curve.ScalarBaseMult(k.Xi.Bytes())
		if x.Cmp(k.BigXj[self].X()) != 0 || y.Cmp(k.BigXj[self].Y()) != 0 {
			return fmt.Errorf("the %s root's secret share does not match this node's public share", r)
		}
	}
	if e := s.Env; e == nil || e.Xi == nil || e.ShareID == nil || e.EDDSAPub == nil || len(e.BigXj) != len(s.Committee.Members) || len(e.Ks) != len(s.Committee.Members) {
		return fmt.Errorf("the %s root's share is incomplete", RootEnv)
	}
	for j, k := range s.Env.Ks {
		if k == nil || k.Cmp(s.Committee.Members[j].ID) != 0 {
			return fmt.Errorf("the %s root's shares are not in the committee's order", RootEnv)
		}
	}
	if _, _, err := s.EnvShare(); err != nil {
		return err
	}
	return nil
}

// GeneratePreParams makes a node's tss-lib pre-parameters: two safe primes
// and a Paillier key, some 10 to 30 seconds of CPU. Generate them once and
// seal them (SealPreParams).
func GeneratePreParams(ctx context.Context) (*keygen.LocalPreParams, error) {
	// tss-lib divides the concurrency by three.
	pre, err := keygen.GeneratePreParamsWithContext(ctx, 3*runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("generating pre-parameters: %w", err)
	}
	return pre, nil
}

func (n *Node) preParams() (keygen.LocalPreParams, error) {
	if n.PreParams == nil || !n.PreParams.ValidateWithProof() {
		return keygen.LocalPreParams{}, errors.New("this node has no valid pre-parameters: generate them once (GeneratePreParams) and load them sealed")
	}
	return *n.PreParams, nil
}

// Keygen runs the DKG of the four roots among the committee c, of which
// this node is a member; every member calls it with the same committee.
// The shares become the node's (Shares) and are returned; the root CA
// certificate is issued afterwards (IssueRootCert).
func (n *Node) Keygen(ctx context.Context, c *Committee) (*Shares, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("DKG: %w", err)
	}
	if uint64(c.RootEpoch) != c.Epoch {
		return nil, fmt.Errorf("DKG: the committee's root epoch %d is not its epoch %d: a DKG makes new roots, of a new root epoch (NewCommittee); resharing keeps the old ones (Reshare)", c.RootEpoch, c.Epoch)
	}
	self := c.Index(n.Name)
	if self < 0 {
		return nil, fmt.Errorf("DKG: %s is not a member of the committee", n.Name)
	}
	pre, err := n.preParams()
	if err != nil {
		return nil, fmt.Errorf("DKG: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout())
	defer cancel()
	out := &Shares{Self: n.Name, Committee: c, Keys: map[Root]*keygen.LocalPartySaveData{}}
	for _, r := range Roots {
		save, err := n.keygen(ctx, c, self, r, pre)
		if err != nil {
			return nil, fmt.Errorf("DKG of the %s root: %w", r, err)
		}
		out.Keys[r] = save
	}
	if out.Env, err = n.keygenEnv(ctx, c, self); err != nil {
		return nil, fmt.Errorf("DKG of the %s root: %w", RootEnv, err)
	}
	if err := out.check(); err != nil {
		return nil, fmt.Errorf("DKG: %w", err)
	}
	if err := n.SetShares(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (n *Node) keygen(ctx context.Context, c *Committee, self int, r Root, pre keygen.LocalPreParams) (*keygen.LocalPartySaveData, error) {
	return runKeygen(ctx, n, c, self, r, func(params *tss.Parameters, out chan<- tss.Message, end chan<- *keygen.LocalPartySaveData) tss.Party {
		return keygen.NewLocalParty(params, out, end, pre)
	})
}

// keygenEnv runs the env root's DKG, tss-lib's EdDSA key generation
// (which needs no pre-parameters).
func (n *Node) keygenEnv(ctx context.Context, c *Committee, self int) (*eddsakeygen.LocalPartySaveData, error) {
	return runKeygen(ctx, n, c, self, RootEnv, eddsakeygen.NewLocalParty)
}

// runKeygen runs one root's DKG session with this node's party, which
// newParty makes.
func runKeygen[T any](ctx context.Context, n *Node, c *Committee, self int, r Root, newParty func(*tss.Parameters, chan<- tss.Message, chan<- *T) tss.Party) (*T, error) {
	curve, err := r.Curve()
	if err != nil {
		return nil, err
	}
	s, err := n.claim(fmt.Sprintf("keygen/%d/%s/%s", c.Epoch, r, c.Digest()))
	if err != nil {
		return nil, err
	}
	defer n.finish(s)
	ids := c.partyIDs()
	s.addParties(c, ids, true)
	params := tss.NewParameters(curve, tss.NewPeerContext(ids), ids[self], len(ids), c.Threshold-1)
	out := make(chan tss.Message, 16*len(ids))
	end := make(chan *T, 1)
	p := newParty(params, out, end)
	if err := s.runParties(ctx, []tss.Party{p}, []chan tss.Message{out}); err != nil {
		return nil, err
	}
	return wait(ctx, s, end)
}

// Reshare moves the roots from the committee from to the committee to
// (another epoch, other IDs, possibly other nodes and threshold), keeping
// every public key. Every member of from takes part (pass a Subset of at
// least its threshold to leave out nodes that are down), and every member
// of to. A node of from loses its old shares (they are zeroed in memory;
// its caller must remove the sealed copy); a node of to gets new ones,
// which become its shares and are returned. A node only of from returns
// nil shares.
func (n *Node) Reshare(ctx context.Context, from, to *Committee) (*Shares, error) {
	if err := to.Validate(); err != nil {
		return nil, fmt.Errorf("resharing: %w", err)
	}
	if to.Epoch <= from.Epoch {
		return nil, fmt.Errorf("resharing: the new committee's epoch %d must be above the old one's %d", to.Epoch, from.Epoch)
	}
	if to.RootEpoch != from.RootEpoch {
		return nil, fmt.Errorf("resharing: the new committee's root epoch %d is not the old one's %d: resharing keeps the roots, and every derived key (Committee.Reshared)", to.RootEpoch, from.RootEpoch)
	}
	if len(from.Members) < from.Threshold {
		return nil, fmt.Errorf("resharing: %d members of the old committee take part; %d are needed", len(from.Members), from.Threshold)
	}
	oldSelf, newSelf := from.Index(n.Name), to.Index(n.Name)
	if oldSelf < 0 && newSelf < 0 {
		return nil, fmt.Errorf("resharing: %s is in neither committee", n.Name)
	}
	cur := n.Shares()
	if oldSelf >= 0 {
		if cur == nil || cur.Committee.Epoch != from.Epoch || cur.Committee.RootEpoch != from.RootEpoch {
			return nil, fmt.Errorf("resharing: %s holds no shares of epoch %d (root epoch %d)", n.Name, from.Epoch, from.RootEpoch)
		}
		for _, m := range from.Members {
			if i := cur.Committee.Index(m.Node); i < 0 || cur.Committee.Members[i].ID.Cmp(m.ID) != 0 {
				return nil, fmt.Errorf("resharing: %s is not a member of epoch %d with that ID", m.Node, from.Epoch)
			}
		}
	}
	var pre keygen.LocalPreParams
	if newSelf >= 0 {
		var err error
		if pre, err = n.preParams(); err != nil {
			return nil, fmt.Errorf("resharing: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout())
	defer cancel()
	out := &Shares{Self: n.Name, Committee: to, Keys: map[Root]*keygen.LocalPartySaveData{}}
	for _, r := range Roots {
		var old *keygen.LocalPartySaveData
		if oldSelf >= 0 {
			old = cur.Keys[r]
		}
		save, err := n.reshare(ctx, from, to, r, old, pre)
		if err != nil {
			return nil, fmt.Errorf("resharing the %s root: %w", r, err)
		}
		if newSelf >= 0 {
			out.Keys[r] = save
		}
	}
	var oldEnv *eddsakeygen.LocalPartySaveData
	if oldSelf >= 0 {
		oldEnv = cur.Env
		if oldEnv == nil {
			return nil, fmt.Errorf("resharing: %s holds no share of the %s root", n.Name, RootEnv)
		}
	}
	env, err := n.reshareEnv(ctx, from, to, oldEnv)
	if err != nil {
		return nil, fmt.Errorf("resharing the %s root: %w", RootEnv, err)
	}
	if newSelf >= 0 {
		out.Env = env
	}
	if newSelf < 0 {
		_ = n.SetShares(nil)
		return nil, nil
	}
	if cur != nil {
		out.RootCert = cur.RootCert
	}
	if err := out.check(); err != nil {
		return nil, fmt.Errorf("resharing: %w", err)
	}
	if cur != nil {
		for _, r := range Roots {
			if !cur.Keys[r].ECDSAPub.Equals(out.Keys[r].ECDSAPub) {
				return nil, fmt.Errorf("resharing: the %s root's public key changed", r)
			}
		}
		if !cur.Env.EDDSAPub.Equals(out.Env.EDDSAPub) {
			return nil, fmt.Errorf("resharing: the %s root's public key changed", RootEnv)
		}
	}
	if err := n.SetShares(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (n *Node) reshare(ctx context.Context, from, to *Committee, r Root, old *keygen.LocalPartySaveData, pre keygen.LocalPreParams) (*keygen.LocalPartySaveData, error) {
	return runReshare(ctx, n, from, to, r, old, func() keygen.LocalPartySaveData {
		save := keygen.NewLocalPartySaveData(len(to.Members))
		save.LocalPreParams = pre
		return save
	}, resharing.NewLocalParty)
}

// reshareEnv reshares the env root (tss-lib's eddsa/resharing).
func (n *Node) reshareEnv(ctx context.Context, from, to *Committee, old *eddsakeygen.LocalPartySaveData) (*eddsakeygen.LocalPartySaveData, error) {
	return runReshare(ctx, n, from, to, RootEnv, old, func() eddsakeygen.LocalPartySaveData {
		return eddsakeygen.NewLocalPartySaveData(len(to.Members))
	}, eddsaresharing.NewLocalParty)
}

// runReshare runs one root's resharing session with this node's parties:
// its old one (holding old) if it is a member of from, its new one (from
// the empty save data fresh makes) if it is a member of to.
func runReshare[T any](ctx context.Context, n *Node, from, to *Committee, r Root, old *T, fresh func() T,
	newParty func(*tss.ReSharingParameters, T, chan<- tss.Message, chan<- *T) tss.Party) (*T, error) {
	curve, err := r.Curve()
	if err != nil {
		return nil, err
	}
	s, err := n.claim(fmt.Sprintf("reshare/%d-%d/%s/%s-%s", from.Epoch, to.Epoch, r, from.Digest(), to.Digest()))
	if err != nil {
		return nil, err
	}
	defer n.finish(s)
	oldIDs, newIDs := from.partyIDs(), to.partyIDs()
	s.addParties(from, oldIDs, false)
	s.addParties(to, newIDs, false)
	oldCtx, newCtx := tss.NewPeerContext(oldIDs), tss.NewPeerContext(newIDs)
	var parties []tss.Party
	var outs []chan tss.Message
	var oldEnd, newEnd chan *T
	if i := from.Index(n.Name); i >= 0 {
		params := tss.NewReSharingParameters(curve, oldCtx, newCtx, oldIDs[i], len(oldIDs), from.Threshold-1, len(newIDs), to.Threshold-1)
		out := make(chan tss.Message, 16*(len(oldIDs)+len(newIDs)))
		oldEnd = make(chan *T, 1)
		parties = append(parties, newParty(params, *old, out, oldEnd))
		outs = append(outs, out)
	}
	if i := to.Index(n.Name); i >= 0 {
		params := tss.NewReSharingParameters(curve, oldCtx, newCtx, newIDs[i], len(oldIDs), from.Threshold-1, len(newIDs), to.Threshold-1)
		out := make(chan tss.Message, 16*(len(oldIDs)+len(newIDs)))
		newEnd = make(chan *T, 1)
		// New parties first: they wait for the old ones' messages.
		parties = append([]tss.Party{newParty(params, fresh(), out, newEnd)}, parties...)
		outs = append([]chan tss.Message{out}, outs...)
	}
	if err := s.runParties(ctx, parties, outs); err != nil {
		return nil, err
	}
	var res *T
	if newEnd != nil {
		if res, err = wait(ctx, s, newEnd); err != nil {
			return nil, err
		}
	}
	if oldEnd != nil {
		if _, err := wait(ctx, s, oldEnd); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Subset returns the committee restricted to the named members, with
// their IDs: the old committee of a resharing that leaves out nodes that
// are down.
func (c *Committee) Subset(nodes ...string) (*Committee, error) { return c.subset(nodes) }

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
		Epoch: c.Epoch, RootEpoch: c.RootEpoch, Threshold: c.Threshold, Self: self, Secret: new(big.Int).Mod(save.Xi, curve.Params().N),
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

// PublicShares are every member's public shares of the four roots, in
// committee order: what a committee publishes beside its key set, so that
// anyone can check a member's partial answers and signatures against the
// chain, and that a resharing replaced every one of them.
func (s *Shares) PublicShares() ([]MemberShares, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	out := make([]MemberShares, len(s.Committee.Members))
	for j, m := range s.Committee.Members {
		out[j] = MemberShares{Node: m.Node, ID: new(big.Int).Set(m.ID), Points: map[Root][]byte{}}
		for _, r := range Roots {
			curve, _ := r.Curve()
			X := s.Keys[r].BigXj[j]
			out[j].Points[r] = elliptic.MarshalCompressed(curve, X.X(), X.Y())
		}
		env, err := encodeEdwards(s.Env.BigXj[j])
		if err != nil {
			return nil, fmt.Errorf("the %s root's public share of %s: %w", RootEnv, m.Node, err)
		}
		out[j].Points[RootEnv] = env[:]
	}
	return out, nil
}
