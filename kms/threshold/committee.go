package threshold

import (
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/ipfs/go-log"
)

// Root names one of a threshold KMS's four root secrets, each made by its
// own DKG: a secret is never used by two protocols.
type Root string

// The roots.
const (
	// RootDerivation (P-256) is used only for threshold key derivation
	// (2HashDH): DerivationShare.
	RootDerivation Root = "derivation"
	// RootCA (P-256) is the KMS root CA key: it signs the root CA
	// certificate and app CA certificates by threshold ECDSA.
	RootCA Root = "ca"
	// RootK256 (secp256k1) signs the recoverable dstack-kms-issued and
	// dstack-env-encrypt-pubkey signatures by threshold ECDSA.
	RootK256 Root = "k256"
	// RootEnv (edwards25519) is used only for threshold X25519 of app env
	// encryption (tee/tecdh): made by tss-lib's EdDSA key generation, it
	// is kept apart from the ECDSA roots (Shares.Env).
	RootEnv Root = "env"
)

// Roots lists the ECDSA roots in the order a DKG makes them; RootEnv comes
// after them.
var Roots = []Root{RootDerivation, RootCA, RootK256}

// p256Name is the name P-256 is registered under in tss-lib's curve
// registry, which serialises an ECPoint's curve by name.
const p256Name tss.CurveName = "P-256"

func init() {
	// tss-lib knows secp256k1 and ed25519 only; an ECPoint on an
	// unregistered curve cannot be serialised.
	tss.RegisterCurve(p256Name, elliptic.P256())
	// tss-lib logs every round at info level.
	_ = log.SetLogLevel("tss-lib", "error")
}

// Curve is the root's curve.
func (r Root) Curve() (elliptic.Curve, error) {
	switch r {
	case RootDerivation, RootCA:
		return elliptic.P256(), nil
	case RootK256:
		return tss.S256(), nil
	case RootEnv:
		return tss.Edwards(), nil
	}
	return nil, fmt.Errorf("unknown root %q", r)
}

// Member is one node of a committee.
type Member struct {
	// Node is the node's name, unique in the committee; transports route
	// and authenticate by it.
	Node string `json:"node"`
	// ID is the member's Shamir evaluation point (tss-lib's party key).
	// It is never zero and never reused by a later committee.
	ID *big.Int `json:"id"`
}

// Committee is a set of nodes that hold shares of the roots, Threshold of
// which cooperate to sign or derive.
type Committee struct {
	// Epoch numbers the committee; resharing moves the roots to a
	// committee with a higher epoch. Members' IDs are made from it, so
	// that shares of two committees never combine.
	Epoch uint64 `json:"epoch"`
	// RootEpoch numbers the roots the committee holds: the Epoch of the
	// committee whose DKG made them. Resharing keeps it; only a new DKG
	// (a root rotation) starts another. It is threshold key derivation's
	// epoch (tkey.KeySet.Epoch), part of every derived key's context, so
	// resharing leaves every app key as it was.
	RootEpoch uint32 `json:"root_epoch"`
	// Threshold is t: the number of members needed to sign or derive.
	Threshold int `json:"threshold"`
	// Members are in increasing ID order.
	Members []Member `json:"members"`
}

// maxMembers bounds a committee (IDs are epoch<<16 | position).
const maxMembers = 1 << 12

// NewCommittee returns the committee of nodes (in this order) that makes
// new roots by a DKG at epoch, t of which are needed: its RootEpoch is
// epoch, which must fit in 32 bits. Member i gets ID epoch·2^16 + i + 1,
// so that two epochs never share an ID.
func NewCommittee(epoch uint64, t int, nodes ...string) (*Committee, error) {
	if epoch > math.MaxUint32 {
		return nil, fmt.Errorf("committee of epoch %d: a DKG's epoch starts a root epoch, which must fit in 32 bits", epoch)
	}
	return newCommittee(epoch, uint32(epoch), t, nodes)
}

// Reshared returns the committee of nodes (in this order) at epoch, t of
// which are needed, that takes over c's roots by resharing: it keeps c's
// RootEpoch, and so every derived key. Member IDs are made as in
// NewCommittee.
func (c *Committee) Reshared(epoch uint64, t int, nodes ...string) (*Committee, error) {
	return newCommittee(epoch, c.RootEpoch, t, nodes)
}

func newCommittee(epoch uint64, rootEpoch uint32, t int, nodes []string) (*Committee, error) {
	c := &Committee{Epoch: epoch, RootEpoch: rootEpoch, Threshold: t}
	for i, n := range nodes {
		id := new(big.Int).Lsh(new(big.Int).SetUint64(epoch), 16)
		c.Members = append(c.Members, Member{Node: n, ID: id.Add(id, big.NewInt(int64(i+1)))})
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the committee's shape.
func (c *Committee) Validate() error {
	n := len(c.Members)
	switch {
	case n < 2 || n > maxMembers:
		return fmt.Errorf("committee of epoch %d: %d members; between 2 and %d are needed", c.Epoch, n, maxMembers)
	case c.Threshold < 2 || c.Threshold > n:
		return fmt.Errorf("committee of epoch %d: threshold %d of %d members; it must be at least 2 and at most the number of members", c.Epoch, c.Threshold, n)
	case c.RootEpoch == 0 || uint64(c.RootEpoch) > c.Epoch:
		return fmt.Errorf("committee of epoch %d: root epoch %d; it must be at least 1 and at most the committee's epoch (the epoch of the DKG that made the roots)", c.Epoch, c.RootEpoch)
	}
	names := map[string]bool{}
	for i, m := range c.Members {
		if m.Node == "" || names[m.Node] {
			return fmt.Errorf("committee of epoch %d: member %d has an empty or repeated name %q", c.Epoch, i, m.Node)
		}
		names[m.Node] = true
		if m.ID == nil || m.ID.Sign() <= 0 || m.ID.BitLen() > 128 {
			return fmt.Errorf("committee of epoch %d: member %s has no valid ID", c.Epoch, m.Node)
		}
		if i > 0 && c.Members[i-1].ID.Cmp(m.ID) >= 0 {
			return fmt.Errorf("committee of epoch %d: member IDs must increase", c.Epoch)
		}
	}
	return nil
}

// Index returns the position of node in the committee, or -1.
func (c *Committee) Index(node string) int {
	for i, m := range c.Members {
		if m.Node == node {
			return i
		}
	}
	return -1
}

// Nodes returns the members' names.
func (c *Committee) Nodes() []string {
	out := make([]string, len(c.Members))
	for i, m := range c.Members {
		out[i] = m.Node
	}
	return out
}

// Digest identifies the committee: sessions run among nodes that agree on
// it byte for byte.
func (c *Committee) Digest() string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], c.Epoch)
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(c.RootEpoch))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(c.Threshold))
	h.Write(b[:])
	for _, m := range c.Members {
		binary.BigEndian.PutUint64(b[:], uint64(len(m.Node)))
		h.Write(b[:])
		h.Write([]byte(m.Node))
		id := m.ID.FillBytes(make([]byte, 16))
		h.Write(id)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// subset returns the committee restricted to nodes (which must be
// members), keeping the IDs and order.
func (c *Committee) subset(nodes []string) (*Committee, error) {
	want := map[string]bool{}
	for _, n := range nodes {
		if c.Index(n) < 0 {
			return nil, fmt.Errorf("%s is not a member of the committee of epoch %d", n, c.Epoch)
		}
		want[n] = true
	}
	sub := &Committee{Epoch: c.Epoch, RootEpoch: c.RootEpoch, Threshold: c.Threshold}
	for _, m := range c.Members {
		if want[m.Node] {
			sub.Members = append(sub.Members, m)
		}
	}
	if len(sub.Members) != len(nodes) {
		return nil, errors.New("a node is named twice")
	}
	return sub, nil
}

// partyIDs returns fresh tss-lib party IDs for the members, sorted (which
// sets their indices). Fresh every time: tss.SortPartyIDs writes the
// indices of the IDs it is given.
func (c *Committee) partyIDs() tss.SortedPartyIDs {
	ids := make(tss.UnSortedPartyIDs, len(c.Members))
	for i, m := range c.Members {
		ids[i] = tss.NewPartyID(m.Node, m.Node, new(big.Int).Set(m.ID))
	}
	return tss.SortPartyIDs(ids)
}
