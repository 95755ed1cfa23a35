package contracts_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
)

// point is a 33-byte stand-in for a compressed public key.
func point(b byte) []byte {
	p := make([]byte, 33)
	p[0], p[32] = 2, b
	return p
}

func thresholdRecord(rootEpoch uint32, epoch uint64, t uint16, n int) (dstackkms.DstackKmsThresholdKeySet, []dstackkms.DstackKmsThresholdShare) {
	ks := dstackkms.DstackKmsThresholdKeySet{RootEpoch: rootEpoch, Epoch: epoch, Threshold: t, DerivationRoot: point(0), KeySetId: h(byte(epoch)), EnvRoot: h(0xe0)}
	var shares []dstackkms.DstackKmsThresholdShare
	for i := range n {
		id := new(big.Int).Lsh(new(big.Int).SetUint64(epoch), 16)
		id.Add(id, big.NewInt(int64(i+1)))
		shares = append(shares, dstackkms.DstackKmsThresholdShare{Node: string(rune('a' + i)), Id: [32]byte(id.FillBytes(make([]byte, 32))),
			Derivation: point(byte(3 * i)), Ca: point(byte(3*i + 1)), K256: point(byte(3*i + 2)), Env: h(byte(0xe1 + i))})
	}
	return ks, shares
}

// TestThresholdKeySet: the owner publishes a threshold committee's key set
// and public shares, which read back as written with an event; a later
// committee (a resharing) replaces them entirely; an older committee, and
// malformed records, are refused.
func TestThresholdKeySet(t *testing.T) {
	c := newChain(t)
	K := c.K
	ks, shares := thresholdRecord(1, 1, 2, 3)
	r := c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks, shares), "")
	t.Logf("gas setThresholdKeySet 2-of-3: %d", r.GasUsed)
	var got *dstackkms.DstackKmsThresholdKeySetSet
	var policy *dstackkms.DstackKmsPolicyChanged
	for _, l := range r.Logs {
		if e, err := K.UnpackThresholdKeySetSetEvent(l); err == nil {
			got = e
		}
		if e, err := K.UnpackPolicyChangedEvent(l); err == nil {
			policy = e
		}
	}
	if got == nil || got.RootEpoch != 1 || got.Epoch != 1 || got.KeySetId != ks.KeySetId {
		t.Fatalf("ThresholdKeySetSet event: %+v", got)
	}
	if policy == nil || policy.Policy != crypto.Keccak256Hash([]byte("threshold-key-set")) || policy.Value != ks.KeySetId || !policy.Enabled ||
		policy.Actor != crypto.PubkeyToAddress(c.owner.PublicKey) {
		t.Fatalf("PolicyChanged event: %+v", policy)
	}
	check := func(ks dstackkms.DstackKmsThresholdKeySet, shares []dstackkms.DstackKmsThresholdShare) {
		t.Helper()
		rec, err := bind.Call(c.kms, nil, K.PackThresholdKeySet(), K.UnpackThresholdKeySet)
		if err != nil {
			t.Fatal(err)
		}
		if rec.RootEpoch != ks.RootEpoch || rec.Epoch != ks.Epoch || rec.Threshold != ks.Threshold || string(rec.DerivationRoot) != string(ks.DerivationRoot) || rec.KeySetId != ks.KeySetId {
			t.Fatalf("thresholdKeySet reads %+v, want %+v", rec, ks)
		}
		out, err := bind.Call(c.kms, nil, K.PackThresholdShares(), K.UnpackThresholdShares)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(shares) {
			t.Fatalf("%d shares read, %d written", len(out), len(shares))
		}
		for i := range out {
			a, b := out[i], shares[i]
			if a.Node != b.Node || a.Id != b.Id || string(a.Derivation) != string(b.Derivation) || string(a.Ca) != string(b.Ca) || string(a.K256) != string(b.K256) {
				t.Fatalf("share %d reads %+v, want %+v", i, a, b)
			}
		}
	}
	check(ks, shares)

	// A resharing to a 3-of-4 committee replaces every share.
	ks2, shares2 := thresholdRecord(1, 2, 3, 4)
	r2 := c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks2, shares2), "")
	t.Logf("gas setThresholdKeySet 3-of-4, replacing 2-of-3: %d", r2.GasUsed)
	check(ks2, shares2)
	// And back to fewer members: none of the old is left.
	ks3, shares3 := thresholdRecord(1, 3, 2, 2)
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks3, shares3), "")
	check(ks3, shares3)

	bad := func(edit func(*dstackkms.DstackKmsThresholdKeySet, []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare) []byte {
		ks, shares := thresholdRecord(1, 4, 2, 3)
		shares = edit(&ks, shares)
		return K.PackSetThresholdKeySet(ks, shares)
	}
	keep := func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
		return s
	}
	old, oldShares := thresholdRecord(1, 2, 2, 3)
	c.reverts(t, []revertCase{
		{"setThresholdKeySet by a stranger", c.kms, c.stranger, bad(keep), unauthorized, nil},
		{"an older committee again", c.kms, c.owner, K.PackSetThresholdKeySet(old, oldShares), "committee epoch must increase", nil},
		{"the same committee again", c.kms, c.owner, K.PackSetThresholdKeySet(ks3, shares3), "committee epoch must increase", nil},
		{"threshold above the members", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			ks.Threshold = 4
			return s
		}), "invalid threshold", nil},
		{"threshold zero", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			ks.Threshold = 0
			return s
		}), "invalid threshold", nil},
		{"root epoch after the committee's", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			ks.RootEpoch = 5
			return s
		}), "invalid root epoch", nil},
		{"a short derivation root", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			ks.DerivationRoot = ks.DerivationRoot[:32]
			return s
		}), "invalid derivation root", nil},
		{"share ids out of order", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			s[1], s[2] = s[2], s[1]
			return s
		}), "share ids must increase", nil},
		{"a repeated share id", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			s[1].Id = s[0].Id
			return s
		}), "share ids must increase", nil},
		{"a short k256 share", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			s[2].K256 = s[2].K256[:20]
			return s
		}), "invalid public share", nil},
		{"no env root", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			ks.EnvRoot = [32]byte{}
			return s
		}), "invalid env root", nil},
		{"no env share", c.kms, c.owner, bad(func(ks *dstackkms.DstackKmsThresholdKeySet, s []dstackkms.DstackKmsThresholdShare) []dstackkms.DstackKmsThresholdShare {
			s[1].Env = [32]byte{}
			return s
		}), "invalid public share", nil},
	})
	// A root rotation (a new DKG, root epoch = its committee epoch) is
	// accepted; after it, the older root epoch is not.
	rot, rotShares := thresholdRecord(4, 4, 2, 3)
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(rot, rotShares), "")
	back, backShares := thresholdRecord(1, 5, 2, 3)
	c.reverts(t, []revertCase{{"a root epoch going back", c.kms, c.owner, K.PackSetThresholdKeySet(back, backShares), "root epoch must not decrease", nil}})
	check(rot, rotShares)
}

// TestStorageLayout: the threshold record is appended after upstream's
// storage, which stays where upstream has it (the contract is
// UUPS-upgradeable: an upgrade of a deployed proxy reads the old slots).
func TestStorageLayout(t *testing.T) {
	c := newChain(t)
	ks, shares := thresholdRecord(1, 1, 2, 3)
	c.send(c.kms, c.owner, c.K.PackSetThresholdKeySet(ks, shares), "")
	c.send(c.kms, c.owner, c.K.PackSetGatewayAppId("gw"), "")
	slot := func(i int64) []byte {
		t.Helper()
		b, err := c.client.StorageAt(context.Background(), c.kmsAddr, common.BigToHash(big.NewInt(i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// kmsInfo (4 slots), gatewayAppId (slot 4, a short string in place:
	// its bytes and twice its length), four mappings, appImplementation
	// (slot 9).
	if gw := slot(4); string(gw[:2]) != "gw" || gw[31] != 4 {
		t.Fatalf("slot 4 is %x, not gatewayAppId", gw)
	}
	if common.BytesToAddress(slot(9)) != c.AppImpl {
		t.Fatalf("slot 9 is %x, not appImplementation", slot(9))
	}
	// thresholdKeySet's packed rootEpoch, epoch, threshold: slot 10.
	if s := new(big.Int).SetBytes(slot(10)); s.Cmp(new(big.Int).Or(big.NewInt(1), new(big.Int).Or(new(big.Int).Lsh(big.NewInt(1), 32), new(big.Int).Lsh(big.NewInt(2), 96)))) != 0 {
		t.Fatalf("slot 10 is %x, not thresholdKeySet's epochs and threshold", slot(10))
	}
	// thresholdKeySet's envRoot: slot 13 (derivationRoot and keySetId
	// are 11 and 12).
	if e := slot(13); [32]byte(e) != ks.EnvRoot {
		t.Fatalf("slot 13 is %x, not thresholdKeySet's env root", e)
	}
	// _thresholdShares's length: slot 14.
	if n := new(big.Int).SetBytes(slot(14)); n.Int64() != 3 {
		t.Fatalf("slot 14 is %x, not the number of shares", slot(14))
	}
}

func members(names ...string) []dstackkms.DstackKmsThresholdMember {
	var m []dstackkms.DstackKmsThresholdMember
	for i, n := range names {
		m = append(m, dstackkms.DstackKmsThresholdMember{Name: n, Url: "https://127.0.0.1:" + string(rune('1'+i)) + "443"})
	}
	return m
}

// TestThresholdCommittee: the owner decides a committee per epoch, which
// reads back with its members, threshold and fromNodes and an event; an
// epoch is never decided twice, nor below the key set's; the key set of an
// epoch with a decided committee must be of it (threshold, number and
// names of its members).
func TestThresholdCommittee(t *testing.T) {
	c := newChain(t)
	K := c.K
	read := func(epoch uint64) dstackkms.DstackKmsThresholdCommittee {
		t.Helper()
		got, err := bind.Call(c.kms, nil, K.PackThresholdCommittee(epoch), K.UnpackThresholdCommittee)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := read(1); len(got.Members) != 0 || got.Threshold != 0 {
		t.Fatalf("an undecided epoch reads %+v", got)
	}
	r := c.send(c.kms, c.owner, K.PackSetThresholdCommittee(1, 2, members("a", "b", "c"), nil), "")
	t.Logf("gas setThresholdCommittee 2-of-3: %d", r.GasUsed)
	var ev *dstackkms.DstackKmsThresholdCommitteeSet
	var policy *dstackkms.DstackKmsPolicyChanged
	for _, l := range r.Logs {
		if e, err := K.UnpackThresholdCommitteeSetEvent(l); err == nil {
			ev = e
		}
		if e, err := K.UnpackPolicyChangedEvent(l); err == nil {
			policy = e
		}
	}
	if ev == nil || ev.Epoch != 1 || ev.Threshold != 2 || policy == nil || policy.Policy != crypto.Keccak256Hash([]byte("threshold-committee")) || policy.Value != ev.CommitteeHash {
		t.Fatalf("events: %+v, %+v", ev, policy)
	}
	got := read(1)
	if got.Threshold != 2 || len(got.Members) != 3 || got.Members[1] != members("a", "b", "c")[1] || len(got.FromNodes) != 0 {
		t.Fatalf("committee 1 reads %+v", got)
	}
	if e, err := bind.Call(c.kms, nil, K.PackThresholdCommitteeEpoch(), K.UnpackThresholdCommitteeEpoch); err != nil || e != 1 {
		t.Fatalf("thresholdCommitteeEpoch = %d, %v", e, err)
	}

	// The key set of epoch 1 must be the decided committee's.
	ks, shares := thresholdRecord(1, 1, 2, 3) // nodes a, b, c
	wrongT, _ := thresholdRecord(1, 1, 3, 3)
	_, four := thresholdRecord(1, 1, 2, 4)
	renamed := append([]dstackkms.DstackKmsThresholdShare(nil), shares...)
	renamed[2].Node = "x"
	c.reverts(t, []revertCase{
		{"a key set of another threshold", c.kms, c.owner, K.PackSetThresholdKeySet(wrongT, shares), "not the committee governance set for this epoch", nil},
		{"a key set of more members", c.kms, c.owner, K.PackSetThresholdKeySet(ks, four), "not the committee governance set for this epoch", nil},
		{"a key set with a share of another node", c.kms, c.owner, K.PackSetThresholdKeySet(ks, renamed), "a share of a node not in the committee governance set for this epoch", nil},
	})
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks, shares), "")

	// A resharing decided: b, c, d, 2 of 3, with b and c taking part.
	c.send(c.kms, c.owner, K.PackSetThresholdCommittee(2, 2, members("b", "c", "d"), []string{"b", "c"}), "")
	if got := read(2); len(got.FromNodes) != 2 || got.FromNodes[1] != "c" || got.Members[2].Name != "d" {
		t.Fatalf("committee 2 reads %+v", got)
	}
	if got := read(1); len(got.Members) != 3 || got.Members[0].Name != "a" {
		t.Fatalf("committee 1 changed: %+v", got)
	}
	c.reverts(t, []revertCase{
		{"setThresholdCommittee by a stranger", c.kms, c.stranger, K.PackSetThresholdCommittee(3, 2, members("a", "b"), nil), unauthorized, nil},
		{"an epoch decided already", c.kms, c.owner, K.PackSetThresholdCommittee(2, 2, members("a", "b"), nil), "committee epoch must increase", nil},
		{"an epoch below the latest", c.kms, c.owner, K.PackSetThresholdCommittee(1, 2, members("a", "b"), nil), "committee epoch must increase", nil},
		{"one member", c.kms, c.owner, K.PackSetThresholdCommittee(3, 2, members("a"), nil), "a committee has 2 to 64 members", nil},
		{"threshold one", c.kms, c.owner, K.PackSetThresholdCommittee(3, 1, members("a", "b"), nil), "invalid threshold", nil},
		{"threshold above the members", c.kms, c.owner, K.PackSetThresholdCommittee(3, 3, members("a", "b"), nil), "invalid threshold", nil},
		{"a repeated name", c.kms, c.owner, K.PackSetThresholdCommittee(3, 2, members("a", "b", "a"), nil), "repeated member name", nil},
		{"a member without a url", c.kms, c.owner, K.PackSetThresholdCommittee(3, 2, []dstackkms.DstackKmsThresholdMember{{Name: "a", Url: "https://h:1"}, {Name: "b"}}, nil), "member without name or url", nil},
	})
	// Once committees are decided, a key set is of the latest: not of one a
	// later decision superseded, nor of an epoch never decided.
	c.send(c.kms, c.owner, K.PackSetThresholdCommittee(3, 2, members("a", "b"), nil), "")
	ks2, shares2 := thresholdRecord(1, 2, 2, 3)
	shares2[0].Node, shares2[1].Node, shares2[2].Node = "b", "c", "d"
	ks5, shares5 := thresholdRecord(1, 5, 2, 3)
	c.reverts(t, []revertCase{
		{"a key set of a superseded committee", c.kms, c.owner, K.PackSetThresholdKeySet(ks2, shares2), "not the latest committee governance decided", nil},
		{"a key set of an epoch never decided", c.kms, c.owner, K.PackSetThresholdKeySet(ks5, shares5), "not the latest committee governance decided", nil},
	})
	ks3, shares3 := thresholdRecord(1, 3, 2, 2)
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks3, shares3), "")
	c.reverts(t, []revertCase{{"a committee at the key set's epoch", c.kms, c.owner, K.PackSetThresholdCommittee(3, 2, members("a", "b"), nil), "committee epoch must increase", nil}})
}
