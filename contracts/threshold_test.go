package contracts_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
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
	c.send(c.kms, c.owner, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: []byte("ca"), K256Pubkey: []byte("k256")}), "")
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
	// The implementation's runtime code must stay under EIP-170's 24576
	// bytes, or it cannot be deployed.
	impl, err := c.client.StorageAt(context.Background(), c.kmsAddr, common.HexToHash("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"), nil)
	if err != nil {
		t.Fatal(err)
	}
	code, err := c.client.CodeAt(context.Background(), common.BytesToAddress(impl), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DstackKms runtime code: %d bytes of 24576", len(code))
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

// TestThresholdRootRotation: governance decides a root rotation (a
// committee, as setThresholdCommittee decides one, with a handover); the
// key set of new roots that follows moves the one it replaces, with its
// shares and the root keys it was published with, to the previous key set
// until the handover's end; a resharing meanwhile leaves it alone; another
// rotation waits for the end; anyone ends the handover after its end, the
// owner before it, nobody else.
func TestThresholdRootRotation(t *testing.T) {
	c := newChain(t)
	K := c.K
	o, s := c.owner, c.stranger
	ctx := context.Background()
	call := func(data []byte) []byte {
		t.Helper()
		out, err := c.client.CallContract(ctx, ethereumCall(c.kmsAddr, data), nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	handoverEnd := func() uint64 {
		t.Helper()
		v, err := K.UnpackThresholdHandoverEnd(call(K.PackThresholdHandoverEnd()))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rootKeys := func(previous bool) dstackkms.DstackKmsThresholdRootKeys {
		t.Helper()
		pack, unpack := K.PackThresholdRootKeys, K.UnpackThresholdRootKeys
		if previous {
			pack, unpack = K.PackPreviousThresholdRootKeys, K.UnpackPreviousThresholdRootKeys
		}
		v, err := unpack(call(pack()))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	previous := func() (dstackkms.PreviousThresholdKeySetOutput, []dstackkms.DstackKmsThresholdShare) {
		t.Helper()
		ks, err := K.UnpackPreviousThresholdKeySet(call(K.PackPreviousThresholdKeySet()))
		if err != nil {
			t.Fatal(err)
		}
		shares, err := K.UnpackPreviousThresholdShares(call(K.PackPreviousThresholdShares()))
		if err != nil {
			t.Fatal(err)
		}
		return ks, shares
	}
	blockTime := func(r *types.Receipt) uint64 {
		t.Helper()
		h, err := c.client.HeaderByNumber(ctx, r.BlockNumber)
		if err != nil {
			t.Fatal(err)
		}
		return h.Time
	}
	info := func(ca, k256 string) {
		t.Helper()
		c.send(c.kms, o, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: []byte(ca), K256Pubkey: []byte(k256)}), "")
	}
	abc := members("a", "b", "c")

	// Nothing to rotate from yet, nor a handover to end.
	c.reverts(t, []revertCase{
		{"a root rotation before any key set", c.kms, o, K.PackSetThresholdRootRotation(2, 2, abc, 3600), "no threshold key set on chain to rotate from", nil},
		{"endThresholdHandover with none", c.kms, o, K.PackEndThresholdHandover(), "no threshold handover to end", nil},
	})
	// A key set stored without both root keys (kmsInfo empty or half
	// empty, or an older implementation's) cannot have its roots rotated:
	// the previous key set could not be read.
	for _, keys := range []dstackkms.DstackKmsKmsInfo{{CaPubkey: []byte("ca")}, {K256Pubkey: []byte("k256")}} {
		bare := newChain(t)
		bare.send(bare.kms, bare.owner, K.PackSetKmsInfo(keys), "")
		bareKs, bareShares := thresholdRecord(1, 1, 2, 3)
		bare.send(bare.kms, bare.owner, K.PackSetThresholdKeySet(bareKs, bareShares), "")
		bare.reverts(t, []revertCase{{fmt.Sprintf("a rotation of a key set without all root keys (%q, %q)", keys.CaPubkey, keys.K256Pubkey), bare.kms, bare.owner,
			K.PackSetThresholdRootRotation(2, 2, abc, 3600), "the threshold key set on chain has no root keys kept with it: publish it again by a resharing first", nil}})
	}

	info("ca1", "k1")
	ks1, shares1 := thresholdRecord(1, 1, 2, 3)
	c.send(c.kms, o, K.PackSetThresholdKeySet(ks1, shares1), "")
	if got := rootKeys(false); string(got.CaPubkey) != "ca1" || string(got.K256Pubkey) != "k1" {
		t.Fatalf("thresholdRootKeys after the first key set: %q %q", got.CaPubkey, got.K256Pubkey)
	}

	// New roots that governance did not decide as a rotation: refused,
	// with no committee decided and with a resharing decided.
	ks2, shares2 := thresholdRecord(2, 2, 2, 3)
	c.reverts(t, []revertCase{{"new roots with no committee decided", c.kms, o, K.PackSetThresholdKeySet(ks2, shares2), "new roots, but governance decided no root rotation for this epoch", nil}})
	c.send(c.kms, o, K.PackSetThresholdCommittee(2, 2, abc, nil), "")
	c.reverts(t, []revertCase{{"new roots of a resharing", c.kms, o, K.PackSetThresholdKeySet(ks2, shares2), "new roots, but governance decided no root rotation for this epoch", nil}})

	// The rotation's checks, its own and setThresholdCommittee's.
	c.reverts(t, []revertCase{
		{"setThresholdRootRotation by a stranger", c.kms, s, K.PackSetThresholdRootRotation(3, 2, abc, 3600), unauthorized, nil},
		{"an epoch above a root epoch", c.kms, o, K.PackSetThresholdRootRotation(1<<32, 2, abc, 3600), "a root rotation's epoch must fit a root epoch (uint32)", nil},
		{"no handover", c.kms, o, K.PackSetThresholdRootRotation(3, 2, abc, 0), "handover must be 1 second to 365 days", nil},
		{"a handover over a year", c.kms, o, K.PackSetThresholdRootRotation(3, 2, abc, 365*24*3600+1), "handover must be 1 second to 365 days", nil},
		{"a rotation at an epoch decided", c.kms, o, K.PackSetThresholdRootRotation(2, 2, abc, 3600), "committee epoch must increase", nil},
		{"a rotation to one member", c.kms, o, K.PackSetThresholdRootRotation(3, 2, members("a"), 3600), "a committee has 2 to 64 members", nil},
		{"a rotation of threshold one", c.kms, o, K.PackSetThresholdRootRotation(3, 1, abc, 3600), "invalid threshold", nil},
		{"a rotation with a repeated name", c.kms, o, K.PackSetThresholdRootRotation(3, 2, members("a", "b", "a"), 3600), "repeated member name", nil},
	})
	const handover = 7 * 24 * 3600
	r := c.send(c.kms, o, K.PackSetThresholdRootRotation(3, 2, abc, handover), "")
	t.Logf("gas setThresholdRootRotation 2-of-3: %d", r.GasUsed)
	rotEv, committeeEv, policy := logged(r, K.UnpackThresholdRootRotationSetEvent), logged(r, K.UnpackThresholdCommitteeSetEvent), logged(r, K.UnpackPolicyChangedEvent)
	if rotEv == nil || rotEv.Epoch != 3 || rotEv.HandoverSeconds != handover || committeeEv == nil || committeeEv.Epoch != 3 || committeeEv.Threshold != 2 ||
		policy == nil || policy.Policy != crypto.Keccak256Hash([]byte("threshold-committee")) || policy.Value != committeeEv.CommitteeHash {
		t.Fatalf("events: %+v %+v %+v", rotEv, committeeEv, policy)
	}
	if got, err := K.UnpackThresholdCommittee(call(K.PackThresholdCommittee(3))); err != nil || got.Threshold != 2 || len(got.Members) != 3 || got.Members[2] != abc[2] || len(got.FromNodes) != 0 {
		t.Fatalf("committee 3 reads %+v, %v", got, err)
	}
	for epoch, want := range map[uint64]uint64{1: 0, 2: 0, 3: handover} {
		if got, err := K.UnpackThresholdRootRotation(call(K.PackThresholdRootRotation(epoch))); err != nil || got != want {
			t.Fatalf("thresholdRootRotation(%d) = %d, %v; want %d", epoch, got, err, want)
		}
	}

	// The key set of the rotation must be of new roots, at its epoch.
	old3, oldShares3 := thresholdRecord(1, 3, 2, 3)
	mid3, midShares3 := thresholdRecord(2, 3, 2, 3)
	c.reverts(t, []revertCase{
		{"the old roots at a rotation", c.kms, o, K.PackSetThresholdKeySet(old3, oldShares3), "governance decided a root rotation for this epoch: its key set must be of new roots", nil},
		{"new roots of another root epoch", c.kms, o, K.PackSetThresholdKeySet(mid3, midShares3), "a root rotation's root epoch must be its committee epoch", nil},
	})
	if _, shares := previous(); handoverEnd() != 0 || len(shares) != 0 {
		t.Fatal("a handover is stored before the rotation's key set")
	}
	info("ca3", "k3")
	ks3, shares3 := thresholdRecord(3, 3, 2, 3)
	r = c.send(c.kms, o, K.PackSetThresholdKeySet(ks3, shares3), "")
	t.Logf("gas setThresholdKeySet 2-of-3, starting a handover: %d", r.GasUsed)
	end := blockTime(r) + handover
	started := logged(r, K.UnpackThresholdHandoverStartedEvent)
	if started == nil || started.PreviousRootEpoch != 1 || started.RootEpoch != 3 || started.End != end {
		t.Fatalf("ThresholdHandoverStarted: %+v, want 1 → 3 until %d", started, end)
	}
	checkPrevious := func() {
		t.Helper()
		prev, prevShares := previous()
		if prev.RootEpoch != 1 || prev.Epoch != 1 || prev.KeySetId != ks1.KeySetId || prev.EnvRoot != ks1.EnvRoot || string(prev.DerivationRoot) != string(ks1.DerivationRoot) {
			t.Fatalf("previousThresholdKeySet reads %+v, want %+v", prev, ks1)
		}
		if len(prevShares) != len(shares1) {
			t.Fatalf("%d previous shares, %d published", len(prevShares), len(shares1))
		}
		for i := range prevShares {
			a, b := prevShares[i], shares1[i]
			if a.Node != b.Node || a.Id != b.Id || string(a.Derivation) != string(b.Derivation) || string(a.Ca) != string(b.Ca) || string(a.K256) != string(b.K256) || a.Env != b.Env {
				t.Fatalf("previous share %d reads %+v, want %+v", i, a, b)
			}
		}
		// The root keys the previous key set was published with, though
		// kmsInfo holds the new ones now.
		if got := rootKeys(true); string(got.CaPubkey) != "ca1" || string(got.K256Pubkey) != "k1" {
			t.Fatalf("previousThresholdRootKeys: %q %q", got.CaPubkey, got.K256Pubkey)
		}
		if got := handoverEnd(); got != end {
			t.Fatalf("thresholdHandoverEnd = %d, want %d", got, end)
		}
	}
	checkPrevious()
	if got := rootKeys(false); string(got.CaPubkey) != "ca3" || string(got.K256Pubkey) != "k3" {
		t.Fatalf("thresholdRootKeys after the rotation: %q %q", got.CaPubkey, got.K256Pubkey)
	}

	// During the handover: another rotation waits; a resharing of the new
	// roots leaves the previous key set and the end alone; nobody but the
	// owner ends it.
	c.reverts(t, []revertCase{
		{"a rotation during a handover", c.kms, o, K.PackSetThresholdRootRotation(4, 2, abc, 3600), "a threshold handover is under way: end it first (endThresholdHandover)", nil},
	})
	c.send(c.kms, o, K.PackSetThresholdCommittee(4, 2, members("a", "b"), []string{"a", "b"}), "")
	ks4, shares4 := thresholdRecord(3, 4, 2, 2)
	c.send(c.kms, o, K.PackSetThresholdKeySet(ks4, shares4), "")
	checkPrevious()
	c.reverts(t, []revertCase{
		{"endThresholdHandover by a stranger before the end", c.kms, s, K.PackEndThresholdHandover(), "the threshold handover is under way: only the owner may end it before thresholdHandoverEnd", nil},
	})
	checkPrevious()

	// After the end, anyone ends it, even before anyone has: a rotation is
	// no longer held up by it.
	c.adjustTime(t, handover*time.Second)
	r = c.send(c.kms, s, K.PackEndThresholdHandover(), "")
	ended, policy := logged(r, K.UnpackThresholdHandoverEndedEvent), logged(r, K.UnpackPolicyChangedEvent)
	if ended == nil || ended.PreviousRootEpoch != 1 || policy == nil || policy.Policy != crypto.Keccak256Hash([]byte("threshold-handover")) ||
		policy.Value != ks1.KeySetId || policy.Enabled || policy.Actor != crypto.PubkeyToAddress(s.PublicKey) {
		t.Fatalf("events: %+v %+v", ended, policy)
	}
	prev, prevShares := previous()
	if prev.Epoch != 0 || prev.KeySetId != ([32]byte{}) || len(prevShares) != 0 || handoverEnd() != 0 || len(rootKeys(true).CaPubkey) != 0 {
		t.Fatalf("the handover's records outlive its end: %+v, %d shares, end %d", prev, len(prevShares), handoverEnd())
	}
	c.reverts(t, []revertCase{{"endThresholdHandover twice", c.kms, s, K.PackEndThresholdHandover(), "no threshold handover to end", nil}})

	// A second rotation; the owner cuts its handover short.
	c.send(c.kms, o, K.PackSetThresholdRootRotation(5, 2, abc, 3600), "")
	info("ca5", "k5")
	ks5, shares5 := thresholdRecord(5, 5, 2, 3)
	c.send(c.kms, o, K.PackSetThresholdKeySet(ks5, shares5), "")
	if prev, _ := previous(); prev.KeySetId != ks4.KeySetId || string(rootKeys(true).CaPubkey) != "ca3" {
		t.Fatalf("previousThresholdKeySet after the second rotation: %+v", prev)
	}
	c.reverts(t, []revertCase{{"a stranger cutting a handover short", c.kms, s, K.PackEndThresholdHandover(), "the threshold handover is under way: only the owner may end it before thresholdHandoverEnd", o}})
	if prev, _ := previous(); prev.Epoch != 0 || handoverEnd() != 0 {
		t.Fatalf("the owner's endThresholdHandover left %+v until %d", prev, handoverEnd())
	}

	// A handover past its end that nobody ended holds up no rotation, and
	// the next rotation's key set replaces it.
	c.send(c.kms, o, K.PackSetThresholdRootRotation(6, 2, abc, 60), "")
	info("ca6", "k6")
	ks6, shares6 := thresholdRecord(6, 6, 2, 3)
	c.send(c.kms, o, K.PackSetThresholdKeySet(ks6, shares6), "")
	c.adjustTime(t, time.Minute)
	c.send(c.kms, o, K.PackSetThresholdRootRotation(7, 2, abc, 60), "")
	info("ca7", "k7")
	ks7, shares7 := thresholdRecord(7, 7, 2, 3)
	r = c.send(c.kms, o, K.PackSetThresholdKeySet(ks7, shares7), "")
	endedStale := logged(r, K.UnpackThresholdHandoverEndedEvent)
	if prev, _ := previous(); prev.KeySetId != ks6.KeySetId || string(rootKeys(true).CaPubkey) != "ca6" || endedStale == nil || endedStale.PreviousRootEpoch != 5 {
		t.Fatalf("previousThresholdKeySet after a rotation over a stale handover: %+v, ended %+v", prev, endedStale)
	}
	var endedPolicy bool
	for _, l := range r.Logs {
		if e, err := K.UnpackPolicyChangedEvent(l); err == nil && e.Policy == crypto.Keccak256Hash([]byte("threshold-handover")) && e.Value == ks5.KeySetId && !e.Enabled {
			endedPolicy = true
		}
	}
	if !endedPolicy {
		t.Fatal("no PolicyChanged records the end of the stale handover")
	}
}

// logged is the last event of a receipt that unpack takes, nil if none.
func logged[T any](r *types.Receipt, unpack func(*types.Log) (*T, error)) *T {
	var last *T
	for _, l := range r.Logs {
		if e, err := unpack(l); err == nil {
			last = e
		}
	}
	return last
}
