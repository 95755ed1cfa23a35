package kms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/kms/threshold"
)

// A threshold node with CommitteeFromChain follows the committees
// governance decides on chain (DstackKms.setThresholdCommittee) rather
// than its configuration: which nodes hold the roots, how many combine,
// and when they change are governance's decisions, recorded on chain
// with the rest of the KMS's policy, and no operator edits a file on
// every node to add or remove one.

// takeCommittee sets the node's committee (t.cfg and the transport's
// peers) from the chain: the latest committee decided, reached from the
// node's shares sh (nil if it holds none) by nothing, the first DKG, or a
// resharing.
func (t *tnode) takeCommittee(ctx context.Context, sh *threshold.Shares) error {
	cfg, err := t.committeeOnChain(ctx, sh)
	if err != nil {
		return fmt.Errorf("kms: threshold: committee_from_chain: %w", err)
	}
	t.cfg = cfg
	t.tr.SetPeers(cfg.peers())
	return nil
}

// committeeOnChain is the configuration the chain's committees give the
// node, checked as a configuration of the committee would be.
func (t *tnode) committeeOnChain(ctx context.Context, sh *threshold.Shares) (*ThresholdConfig, error) {
	latest, keySetEpoch, err := t.reader.LatestThresholdCommittee(ctx)
	if errors.Is(err, chain.ErrNoThresholdCommittee) {
		return nil, fmt.Errorf("%w: decide the first committee (dstack chain set-threshold-committee)", err)
	}
	if err != nil {
		return nil, err
	}
	cfg := &ThresholdConfig{Name: t.cfg.Name, PeerListen: t.cfg.PeerListen, DKGTimeout: t.cfg.DKGTimeout,
		CommitteeFromChain: true, CommitteePoll: t.cfg.CommitteePoll}
	// cur is the committee the roots are with: this node's shares', else
	// the key set's on chain (a node that joins).
	cur, rootEpoch := keySetEpoch, uint32(0)
	if sh != nil {
		cur, rootEpoch = sh.Committee.Epoch, sh.Committee.RootEpoch
	}
	switch {
	case cur == 0:
		// No roots yet: the first committee's DKG.
		cfg.Nodes, cfg.Threshold, cfg.dkgEpoch = nodesOf(latest), latest.Threshold, latest.Epoch
	case latest.Epoch < cur:
		return nil, fmt.Errorf("the roots are with the committee of epoch %d, and the latest committee decided on chain is of epoch %d: "+
			"is this the chain (auth.chain) the committee was decided on?", cur, latest.Epoch)
	case latest.Epoch == cur:
		if sh == nil {
			return nil, fmt.Errorf("this node (%s) holds no shares, and the roots are with the committee of epoch %d already: "+
				"a node that joins is named in a committee decided at a higher epoch (dstack chain set-threshold-committee)", t.cfg.Name, cur)
		}
		cfg.Nodes, cfg.Threshold = nodesOf(latest), latest.Threshold
	case latest.RootRotation:
		// A root rotation: new roots by a DKG among the latest committee,
		// at its epoch. A node of the old committee only keeps its own
		// and answers for the old roots until the handover ends.
		cfg.Nodes, cfg.Threshold, cfg.dkgEpoch, cfg.rotation = nodesOf(latest), latest.Threshold, latest.Epoch, true
		if !slices.ContainsFunc(latest.Members, func(m chain.ThresholdMember) bool { return m.Name == t.cfg.Name }) {
			if sh == nil {
				return nil, fmt.Errorf("this node (%s) holds no shares and is not a member of the root rotation's committee of epoch %d", t.cfg.Name, latest.Epoch)
			}
			old, err := t.reader.ThresholdCommittee(ctx, cur)
			if err != nil {
				return nil, fmt.Errorf("the roots are with the committee of epoch %d, which was not decided on chain: %w", cur, err)
			}
			cfg.Nodes, cfg.Threshold, cfg.leaving = nodesOf(old), old.Threshold, true
		}
	default:
		// A resharing from the committee of cur to the latest.
		old, err := t.reader.ThresholdCommittee(ctx, cur)
		if err != nil {
			return nil, fmt.Errorf("the roots are with the committee of epoch %d, which was not decided on chain, so its nodes cannot be reached from it: %w", cur, err)
		}
		if rootEpoch == 0 {
			ks, _, _, err := t.reader.ThresholdKeySet(ctx)
			if err != nil {
				return nil, fmt.Errorf("joining the committee of epoch %d: %w", latest.Epoch, err)
			}
			rootEpoch = ks.Epoch
		}
		cfg.Nodes, cfg.Threshold = nodesOf(old), old.Threshold
		cfg.Reshare = &ThresholdReshare{Epoch: latest.Epoch, Threshold: latest.Threshold, Nodes: nodesOf(latest),
			FromEpoch: cur, RootEpoch: rootEpoch, FromNodes: latest.FromNodes}
	}
	check := *cfg
	check.CommitteeFromChain, check.CommitteePoll = false, 0
	if err := check.validate(&Config{}); err != nil {
		return nil, fmt.Errorf("the committee of epoch %d on chain: %w", latest.Epoch, err)
	}
	return cfg, nil
}

// nodesOf are a committee's members as configured nodes.
func nodesOf(c *chain.ThresholdCommittee) []ThresholdNode {
	nodes := make([]ThresholdNode, len(c.Members))
	for i, m := range c.Members {
		nodes[i] = ThresholdNode{Name: m.Name, URL: m.URL}
	}
	return nodes
}

// follow reads the chain every CommitteePoll while the node serves and
// carries out each committee change governance decides: a resharing with
// every node of both committees, or a root rotation's DKG among the new
// committee. After a resharing the node keeps answering key requests with
// its old share until the new committee's key set is on chain (which
// CVMs check partials against), then with its new one; a node the change
// leaves out destroys its sealed shares at once and stops answering at
// that moment. After a root rotation's DKG the node answers for both root
// epochs, each while the chain honours it, serves an RPC certificate of
// the new root CA once the new key set is on chain, and destroys its
// shares of the old roots when the handover the chain records ends; a
// node the rotation leaves out answers for the old roots until then, and
// then destroys its shares. A change that fails (a node down, a timeout)
// is tried again at the next poll.
func (t *tnode) follow(ctx context.Context) {
	poll := time.Duration(t.cfg.CommitteePoll)
	if poll == 0 {
		poll = DefaultCommitteePoll
	}
	// pending are new shares sealed and not answered with yet; retiring
	// is the epoch of the committee that left this node out; leaving is
	// the epoch of the root rotation's committee this node is not a
	// member of.
	var pending *threshold.Shares
	var retiring, leaving uint64
	if t.cfg.leaving {
		leaving = t.cfg.dkgEpoch
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
		latest, keySetEpoch, err := t.reader.LatestThresholdCommittee(ctx)
		if err != nil {
			t.log.Warn("reading the threshold committee on chain", zap.Error(err))
			continue
		}
		switch {
		case retiring > 0 && keySetEpoch >= retiring:
			t.svc.setThresholdShares(nil, nil)
			t.log.Warn("the key set of the committee that left this node out is on chain: it answers no key request any more", zap.Uint64("epoch", retiring))
			return
		case retiring > 0:
			continue
		case pending != nil && keySetEpoch >= pending.Committee.Epoch:
			if t.prev != nil && t.prev.Committee.RootEpoch < pending.Committee.RootEpoch {
				// The chain's root CA is the new roots' now: so is the
				// RPC certificate.
				cert, err := t.rpcCert(ctx)
				if err != nil {
					t.log.Error("having the RPC certificate of the new root CA signed", zap.Error(err))
					continue
				}
				t.rpc.Store(cert)
			}
			if err := t.publish(pending); err != nil {
				t.log.Error("publishing the new threshold shares", zap.Error(err))
				continue
			}
			t.log.Info("the new committee's key set is on chain: answering with its shares", zap.Uint64("epoch", pending.Committee.Epoch))
			pending = nil
		}
		sh := t.node.Shares()
		if sh == nil {
			continue
		}
		switch over, err := t.handoverOver(ctx, keySetEpoch, sh, leaving); {
		case err != nil:
			t.log.Warn("reading the root rotation's handover on chain", zap.Error(err))
		case over && leaving > 0:
			if err := t.retire(); err != nil {
				t.log.Error("removing the old roots' shares", zap.Error(err))
				continue
			}
			_ = t.node.SetShares(nil)
			t.svc.setThresholdShares(nil, nil)
			t.log.Warn("the handover from this node's roots ended: its shares are destroyed, and it answers no key request any more", zap.Uint32("root_epoch", sh.Committee.RootEpoch))
			return
		case over && pending == nil:
			prevEpoch := t.prev.Committee.RootEpoch
			if err := t.dropPrevious(); err != nil {
				t.log.Error("removing the previous roots' shares", zap.Error(err))
				continue
			}
			t.prev = nil
			if err := t.publish(sh); err != nil {
				t.log.Error("publishing the threshold shares", zap.Error(err))
			}
			t.log.Info("the handover from the previous roots ended: their shares are destroyed", zap.Uint32("root_epoch", prevEpoch))
		}
		if leaving > 0 || latest.Epoch <= sh.Committee.Epoch {
			continue
		}
		t.log.Info("governance decided a new threshold committee", zap.Uint64("epoch", latest.Epoch), zap.Int("threshold", latest.Threshold),
			zap.Uint64("from_epoch", sh.Committee.Epoch), zap.Bool("root_rotation", latest.RootRotation))
		next, err := t.change(ctx, sh)
		switch {
		case errors.Is(err, ErrRetired):
			retiring = latest.Epoch
			t.log.Warn("this node is retired from the threshold committee: its shares are destroyed, and it answers with the old one in memory until the new committee's key set is on chain", zap.Error(err))
		case errors.Is(err, errLeaving):
			leaving = latest.Epoch
			t.log.Warn("the root rotation's committee leaves this node out: it answers for the old roots until the handover from them ends, then destroys its shares", zap.Uint64("epoch", latest.Epoch))
			if err := t.publish(sh); err != nil {
				t.log.Error("publishing the threshold shares", zap.Error(err))
			}
		case err != nil:
			t.log.Error("the threshold committee change failed; it is tried again at the next poll", zap.Error(err))
		default:
			pending = next
			t.log.Info("new threshold shares sealed: answering with the old ones until the new committee's key set is on chain (dstack chain set-threshold-kms)",
				zap.Uint64("epoch", next.Committee.Epoch))
		}
	}
}

// errLeaving is change's error for a node a root rotation's committee
// leaves out.
var errLeaving = errors.New("the root rotation's committee leaves this node out")

// handoverOver reports whether the handover from the old roots this node
// holds shares of ended: those of t.prev, or, for a node leaving at the
// rotation of epoch leaving, its own shares sh. It ends once the new
// committee's key set is on chain and no handover from those roots is
// under way there.
func (t *tnode) handoverOver(ctx context.Context, keySetEpoch uint64, sh *threshold.Shares, leaving uint64) (bool, error) {
	var old uint32
	switch {
	case leaving > 0 && keySetEpoch >= leaving:
		old = sh.Committee.RootEpoch
	case leaving == 0 && t.prev != nil && keySetEpoch >= sh.Committee.Epoch:
		old = t.prev.Committee.RootEpoch
	default:
		return false, nil
	}
	h, _, err := t.reader.ThresholdHandover(ctx)
	if err != nil {
		return false, err
	}
	return h == nil || h.KeySet.Epoch != old, nil
}

// change carries out the latest committee on chain from the node's shares
// sh: a resharing, or a root rotation's DKG (errLeaving for a node it
// leaves out).
func (t *tnode) change(ctx context.Context, sh *threshold.Shares) (*threshold.Shares, error) {
	if err := t.takeCommittee(ctx, sh); err != nil {
		return nil, err
	}
	var next *threshold.Shares
	var err error
	switch {
	case t.cfg.rotation && t.cfg.leaving:
		return nil, errLeaving
	case t.cfg.rotation:
		if next, err = t.rotate(ctx, sh); err != nil {
			return nil, err
		}
		t.prev = sh
		if err := t.publish(next); err != nil {
			return nil, err
		}
	default:
		if next, err = t.reshare(ctx, sh); err != nil {
			return nil, err
		}
	}
	if err := t.matches(next.Committee); err != nil {
		return nil, err
	}
	return next, nil
}
