package chain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
)

// ErrNoThresholdKeySet is returned when DstackKms holds no threshold key
// set: no threshold committee has published one (setThresholdKeySet).
var ErrNoThresholdKeySet = errors.New("no threshold key set is published on chain")

// ThresholdKeySet reads the threshold KMS's key set from DstackKms at one
// block: thresholdKeySet and thresholdShares (the derivation and env roots
// and each member's public shares of them) with kmsInfo's caPubkey and
// k256Pubkey,
// checked (tkey.KeySet.Validate) and checked against the key-set id
// published with them, so that a record whose parts disagree (a
// setKmsInfo of another KMS, a key-set id of another committee) is
// refused. It also returns the committee's epoch.
func (r *Reader) ThresholdKeySet(ctx context.Context) (ks *tkey.KeySet, epoch uint64, block uint64, err error) {
	if block, err = r.pin(ctx); err != nil {
		return nil, 0, 0, err
	}
	rec, err := kmsCall(ctx, r, block, r.abi.PackThresholdKeySet(), r.abi.UnpackThresholdKeySet)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading the threshold key set: %w", err)
	}
	shares, err := kmsCall(ctx, r, block, r.abi.PackThresholdShares(), r.abi.UnpackThresholdShares)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading the threshold public shares: %w", err)
	}
	info, err := kmsCall(ctx, r, block, r.abi.PackKmsInfo(), r.abi.UnpackKmsInfo)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading the KMS info: %w", err)
	}
	ks, err = KeySetOf(dstackkms.DstackKmsThresholdKeySet(rec), shares, info.CaPubkey, info.K256Pubkey)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("the threshold key set on chain at block %d: %w", block, err)
	}
	return ks, rec.Epoch, block, nil
}

// KeySetOf is the threshold key set of a DstackKms threshold record, with
// the root CA and k256 public keys of kmsInfo and the env key set (envRoot
// and each member's env share); it must validate and its ID must be the
// record's key-set id.
func KeySetOf(rec dstackkms.DstackKmsThresholdKeySet, shares []dstackkms.DstackKmsThresholdShare, caPubkey, k256Pubkey []byte) (*tkey.KeySet, error) {
	if rec.Epoch == 0 {
		return nil, ErrNoThresholdKeySet
	}
	ks := &tkey.KeySet{Epoch: rec.RootEpoch, Threshold: int(rec.Threshold), CAPubkey: caPubkey, K256Pubkey: k256Pubkey}
	if len(rec.DerivationRoot) != len(ks.Root) {
		return nil, fmt.Errorf("the derivation root is %d bytes, not a compressed P-256 point", len(rec.DerivationRoot))
	}
	ks.Root = tkey.Point(rec.DerivationRoot)
	ks.Env = &tecdh.KeySet{Threshold: int(rec.Threshold), Root: rec.EnvRoot}
	for _, s := range shares {
		if len(s.Derivation) != len(tkey.Point{}) {
			return nil, fmt.Errorf("%s's public share is %d bytes, not a compressed P-256 point", s.Node, len(s.Derivation))
		}
		ks.Shares = append(ks.Shares, tkey.PublicShare{ID: tkey.NodeID(s.Id), Point: tkey.Point(s.Derivation)})
		ks.Env.Shares = append(ks.Env.Shares, tecdh.PublicShare{ID: tecdh.NodeID(s.Id), Point: s.Env})
	}
	if err := ks.Validate(); err != nil {
		return nil, err
	}
	if ks.ID() != rec.KeySetId {
		return nil, errors.New("its key-set id is not the ID of its shares and of kmsInfo's root keys: kmsInfo and the threshold key set are not one committee's")
	}
	return ks, nil
}

// ThresholdRecord is the DstackKms threshold record of a key set: what
// setThresholdKeySet takes, but for the members' names and their public
// shares of the signing roots, which the caller adds to the shares.
func ThresholdRecord(ks *tkey.KeySet, epoch uint64) (dstackkms.DstackKmsThresholdKeySet, []dstackkms.DstackKmsThresholdShare) {
	rec := dstackkms.DstackKmsThresholdKeySet{RootEpoch: ks.Epoch, Epoch: epoch, Threshold: uint16(ks.Threshold), DerivationRoot: ks.Root[:], KeySetId: ks.ID()}
	if ks.Env != nil {
		rec.EnvRoot = ks.Env.Root
	}
	shares := make([]dstackkms.DstackKmsThresholdShare, len(ks.Shares))
	for i, s := range ks.Shares {
		shares[i] = dstackkms.DstackKmsThresholdShare{Id: s.ID, Derivation: s.Point[:]}
		if ks.Env != nil && i < len(ks.Env.Shares) {
			shares[i].Env = ks.Env.Shares[i].Point
		}
	}
	return rec, shares
}

// kmsCall reads a DstackKms view at a pinned block, through the cache.
func kmsCall[T any](ctx context.Context, r *Reader, block uint64, data []byte, unpack func([]byte) (T, error)) (T, error) {
	return lookup(ctx, r, block, data, nil, func(o *bind.CallOpts) (T, error) {
		return bind.Call(r.kms, o, data, unpack)
	})
}

// ThresholdMember is a member of a committee governance decided on: its
// name in the committee and its peer listener's URL.
type ThresholdMember struct {
	Name string
	URL  string
}

// ThresholdCommittee is a threshold KMS committee governance decided on
// (DstackKms.setThresholdCommittee or setThresholdRootRotation): from
// Epoch on, Members hold the roots, Threshold of them combining; for a
// resharing, FromNodes are the members of the previous committee that take
// part (none: all of them).
type ThresholdCommittee struct {
	Epoch     uint64
	Threshold int
	Members   []ThresholdMember
	FromNodes []string
	// RootRotation is set when governance decided the committee as a root
	// rotation (setThresholdRootRotation): it makes new roots by a new DKG,
	// of root epoch Epoch, instead of resharing the roots on chain.
	RootRotation bool
	// Handover is, for a root rotation, how long the nodes are to answer for
	// the old roots beside the new ones once the new key set is published
	// (DstackKms.thresholdRootRotation(Epoch)); zero for any other committee.
	Handover time.Duration
}

// ErrNoThresholdCommittee is returned when governance decided no
// threshold committee of the epoch asked (or none at all).
var ErrNoThresholdCommittee = errors.New("no threshold committee is decided on chain for this epoch")

// LatestThresholdCommittee reads the committee of the highest epoch
// governance decided on, at one block, with the epoch of the key set
// published on chain (0 if none): a committee above it is a change the
// nodes are to carry out. ErrNoThresholdCommittee if none was decided.
func (r *Reader) LatestThresholdCommittee(ctx context.Context) (c *ThresholdCommittee, keySetEpoch uint64, err error) {
	block, err := r.pin(ctx)
	if err != nil {
		return nil, 0, err
	}
	epoch, err := kmsCall(ctx, r, block, r.abi.PackThresholdCommitteeEpoch(), r.abi.UnpackThresholdCommitteeEpoch)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the threshold committee's epoch: %w", err)
	}
	rec, err := kmsCall(ctx, r, block, r.abi.PackThresholdKeySet(), r.abi.UnpackThresholdKeySet)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the threshold key set: %w", err)
	}
	if epoch == 0 {
		return nil, rec.Epoch, ErrNoThresholdCommittee
	}
	c, err = r.thresholdCommittee(ctx, block, epoch)
	return c, rec.Epoch, err
}

// ThresholdCommittee reads the committee governance decided on for epoch;
// ErrNoThresholdCommittee if none.
func (r *Reader) ThresholdCommittee(ctx context.Context, epoch uint64) (*ThresholdCommittee, error) {
	block, err := r.pin(ctx)
	if err != nil {
		return nil, err
	}
	return r.thresholdCommittee(ctx, block, epoch)
}

func (r *Reader) thresholdCommittee(ctx context.Context, block, epoch uint64) (*ThresholdCommittee, error) {
	rec, err := kmsCall(ctx, r, block, r.abi.PackThresholdCommittee(epoch), r.abi.UnpackThresholdCommittee)
	if err != nil {
		return nil, fmt.Errorf("reading the threshold committee of epoch %d: %w", epoch, err)
	}
	if len(rec.Members) == 0 {
		return nil, fmt.Errorf("%w (epoch %d)", ErrNoThresholdCommittee, epoch)
	}
	handover, err := kmsCall(ctx, r, block, r.abi.PackThresholdRootRotation(epoch), r.abi.UnpackThresholdRootRotation)
	if err != nil {
		return nil, fmt.Errorf("reading whether the threshold committee of epoch %d is a root rotation: %w", epoch, err)
	}
	if handover > maxHandoverSeconds {
		return nil, fmt.Errorf("the threshold committee of epoch %d has a handover of %d seconds, above DstackKms's bound of %d: the contract is not DstackKms", epoch, handover, maxHandoverSeconds)
	}
	c := &ThresholdCommittee{Epoch: epoch, Threshold: int(rec.Threshold), FromNodes: rec.FromNodes,
		RootRotation: handover != 0, Handover: time.Duration(handover) * time.Second}
	for _, m := range rec.Members {
		c.Members = append(c.Members, ThresholdMember{Name: m.Name, URL: m.Url})
	}
	return c, nil
}

// maxHandoverSeconds is DstackKms's bound on a root rotation's handover
// (365 days).
const maxHandoverSeconds = 365 * 24 * 3600

// ThresholdHandover is the key set a root rotation replaced, which the
// nodes still answer for, beside the key set on chain, until End: CVMs move
// their keys from its roots to the new ones meanwhile.
type ThresholdHandover struct {
	// KeySet is the previous key set, with the root CA and k256 public keys
	// it was published with; its ID is the key-set id published with it.
	KeySet *tkey.KeySet
	// Epoch is its committee's epoch.
	Epoch uint64
	// End is when the handover ends (DstackKms.thresholdHandoverEnd).
	End time.Time
}

// ThresholdHandover reads, at one block, the handover of a root rotation
// under way at that block: DstackKms's previousThresholdKeySet,
// previousThresholdShares and previousThresholdRootKeys, checked as
// ThresholdKeySet checks the key set on chain. A handover is under way
// while the previous key set is stored and the block's timestamp is before
// thresholdHandoverEnd — judged by the chain's clock, not the local one, so
// that it ends at its end even when nobody calls endThresholdHandover. h is
// nil, with a nil error, when none is under way.
func (r *Reader) ThresholdHandover(ctx context.Context) (h *ThresholdHandover, block uint64, err error) {
	if block, err = r.pin(ctx); err != nil {
		return nil, 0, err
	}
	end, err := kmsCall(ctx, r, block, r.abi.PackThresholdHandoverEnd(), r.abi.UnpackThresholdHandoverEnd)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the end of the threshold handover: %w", err)
	}
	if end == 0 {
		return nil, block, nil
	}
	if end > uint64(math.MaxInt64) {
		return nil, 0, fmt.Errorf("the threshold handover on chain at block %d ends at %d, past any time: the contract is not DstackKms", block, end)
	}
	now, err := r.blockTime(ctx, block)
	if err != nil {
		return nil, 0, err
	}
	if now >= end {
		return nil, block, nil
	}
	rec, err := kmsCall(ctx, r, block, r.abi.PackPreviousThresholdKeySet(), r.abi.UnpackPreviousThresholdKeySet)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the previous threshold key set: %w", err)
	}
	shares, err := kmsCall(ctx, r, block, r.abi.PackPreviousThresholdShares(), r.abi.UnpackPreviousThresholdShares)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the previous threshold public shares: %w", err)
	}
	keys, err := kmsCall(ctx, r, block, r.abi.PackPreviousThresholdRootKeys(), r.abi.UnpackPreviousThresholdRootKeys)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the previous threshold root keys: %w", err)
	}
	ks, err := KeySetOf(dstackkms.DstackKmsThresholdKeySet(rec), shares, keys.CaPubkey, keys.K256Pubkey)
	if err != nil {
		return nil, 0, fmt.Errorf("the previous threshold key set on chain at block %d, in a handover until %d: %w", block, end, err)
	}
	return &ThresholdHandover{KeySet: ks, Epoch: rec.Epoch, End: time.Unix(int64(end), 0)}, block, nil
}

// blockTime is the timestamp of a block, in seconds; the last one read is
// kept until the next reset.
func (r *Reader) blockTime(ctx context.Context, block uint64) (uint64, error) {
	r.mu.Lock()
	if r.timed.ok && r.timed.block == block {
		t := r.timed.time
		r.mu.Unlock()
		return t, nil
	}
	gen := r.gen
	r.mu.Unlock()
	h, err := r.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(block))
	if err != nil {
		return 0, fmt.Errorf("reading the time of block %d: %w", block, err)
	}
	r.mu.Lock()
	if r.gen == gen {
		r.timed.block, r.timed.time, r.timed.ok = block, h.Time, true
	}
	r.mu.Unlock()
	return h.Time, nil
}
