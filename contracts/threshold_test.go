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
	// A root rotation governance decided (a new DKG, root epoch = its
	// committee epoch) is accepted; after it, the older root epoch is not.
	c.send(c.kms, c.owner, K.PackSetThresholdRootRotation(4, 2, members("a", "b", "c"), 3600), "")
	rot, rotShares := thresholdRecord(4, 4, 2, 3)
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(rot, rotShares), "")
	back, backShares := thresholdRecord(1, 5, 2, 3)
	c.reverts(t, []revertCase{{"a root epoch going back", c.kms, c.owner, K.PackSetThresholdKeySet(back, backShares), "root epoch must not decrease", nil}})
	check(rot, rotShares)
}

// TestStorageLayout: the threshold record is appended after upstream's
// storage, which stays where upstream has it, and the root rotation's
// storage after the threshold record, in slots taken from the gap (the
// contract is UUPS-upgradeable: an upgrade of a deployed proxy reads the
// old slots).
func TestStorageLayout(t *testing.T) {
	c := newChain(t)
	K := c.K
	c.send(c.kms, c.owner, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: []byte("c1"), K256Pubkey: []byte("k1")}), "")
	ks, shares := thresholdRecord(1, 1, 2, 3)
	c.send(c.kms, c.owner, K.PackSetThresholdKeySet(ks, shares), "")
	c.send(c.kms, c.owner, K.PackSetThresholdRootRotation(2, 2, members("a", "b"), 3600), "")
	c.send(c.kms, c.owner, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: []byte("c2"), K256Pubkey: []byte("k2")}), "")
	rot, rotShares := thresholdRecord(2, 2, 2, 2)
	r := c.send(c.kms, c.owner, K.PackSetThresholdKeySet(rot, rotShares), "")
	c.send(c.kms, c.owner, K.PackSetGatewayAppId("gw"), "")
	slot := func(i *big.Int) []byte {
		t.Helper()
		b, err := c.client.StorageAt(context.Background(), c.kmsAddr, common.BigToHash(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	at := func(i int64) []byte { t.Helper(); return slot(big.NewInt(i)) }
	// A short bytes or string value is stored in place: its bytes, and
	// twice its length in the last byte.
	short := func(i int64, want string) {
		t.Helper()
		if b := at(i); string(b[:len(want)]) != want || int(b[31]) != 2*len(want) {
			t.Fatalf("slot %d is %x, not %q", i, b, want)
		}
	}
	packed := func(rootEpoch uint32, epoch uint64, threshold uint16) *big.Int {
		v := new(big.Int).Lsh(new(big.Int).SetUint64(uint64(threshold)), 96)
		v.Or(v, new(big.Int).Lsh(new(big.Int).SetUint64(epoch), 32))
		return v.Or(v, big.NewInt(int64(rootEpoch)))
	}
	number := func(i int64, want *big.Int, what string) {
		t.Helper()
		if v := new(big.Int).SetBytes(at(i)); v.Cmp(want) != 0 {
			t.Fatalf("slot %d is %x, not %s (%x)", i, v, what, want)
		}
	}
	// kmsInfo (4 slots), gatewayAppId (slot 4), four mappings,
	// appImplementation (slot 9).
	short(0, "k2")
	short(1, "c2")
	short(4, "gw")
	if common.BytesToAddress(at(9)) != c.AppImpl {
		t.Fatalf("slot 9 is %x, not appImplementation", at(9))
	}
	// thresholdKeySet (10-13: its packed rootEpoch, epoch and threshold,
	// derivationRoot, keySetId, envRoot), _thresholdShares (14).
	number(10, packed(2, 2, 2), "thresholdKeySet's epochs and threshold")
	if e := at(13); [32]byte(e) != rot.EnvRoot {
		t.Fatalf("slot 13 is %x, not thresholdKeySet's env root", e)
	}
	number(14, big.NewInt(2), "the number of shares")
	// thresholdCommitteeEpoch (15), _thresholdCommittees (16).
	number(15, big.NewInt(2), "thresholdCommitteeEpoch")
	// thresholdRootRotation (17): the value of key k is at keccak256(k . 17).
	key := crypto.Keccak256(common.BigToHash(big.NewInt(2)).Bytes(), common.BigToHash(big.NewInt(17)).Bytes())
	if v := new(big.Int).SetBytes(slot(new(big.Int).SetBytes(key))); v.Int64() != 3600 {
		t.Fatalf("thresholdRootRotation(2) in storage is %d, not 3600", v)
	}
	// _thresholdRootKeys (18, 19).
	short(18, "c2")
	short(19, "k2")
	// previousThresholdKeySet (20-23), _previousThresholdShares (24),
	// _previousThresholdRootKeys (25, 26), thresholdHandoverEnd (27).
	number(20, packed(1, 1, 2), "previousThresholdKeySet's epochs and threshold")
	if e := at(22); [32]byte(e) != ks.KeySetId {
		t.Fatalf("slot 22 is %x, not previousThresholdKeySet's key-set id", e)
	}
	number(24, big.NewInt(3), "the number of previous shares")
	short(25, "c1")
	short(26, "k1")
	hdr, err := c.client.HeaderByNumber(context.Background(), r.BlockNumber)
	if err != nil {
		t.Fatal(err)
	}
	number(27, new(big.Int).SetUint64(hdr.Time+3600), "thresholdHandoverEnd")
	// The gap that follows is empty up to slot 59; OpenZeppelin's
	// upgradeable parents keep their state in namespaced slots.
	for i := int64(28); i < 60; i++ {
		number(i, new(big.Int), "empty gap")
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
