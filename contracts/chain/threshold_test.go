package chain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/testchain"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

// TestThresholdKeySet: the key set read from chain is the one published,
// with kmsInfo's root keys; none published, or parts of two committees,
// are refused.
func TestThresholdKeySet(t *testing.T) {
	c := testchain.New(t)
	r, err := New(context.Background(), c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, _, err := r.ThresholdKeySet(ctx); !errors.Is(err, ErrNoThresholdKeySet) {
		t.Fatalf("nothing published: %v", err)
	}
	d, err := tkeytest.Deal(2, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	ks := d.KeySet
	ks.CAPubkey, ks.K256Pubkey = []byte("ca key"), []byte("k256 key")
	send := func(data []byte) {
		t.Helper()
		if _, err := c.Send(c.KmsInst, c.Owner, data); err != nil {
			t.Fatal(err)
		}
	}
	point := func(b byte) []byte { p := make([]byte, 33); p[0], p[32] = 2, b; return p }
	send(c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: ks.CAPubkey, K256Pubkey: ks.K256Pubkey}))
	rec, shares := ThresholdRecord(ks, 3)
	for i := range shares {
		shares[i].Node, shares[i].Ca, shares[i].K256 = "node", point(1), point(2)
	}
	send(c.K.PackSetThresholdKeySet(rec, shares))
	got, epoch, _, err := r.ThresholdKeySet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != ks.ID() || epoch != 3 {
		t.Fatalf("read key set %x of epoch %d, published %x of epoch 3", got.ID(), epoch, ks.ID())
	}
	// Another KMS's root keys in kmsInfo: the key-set id no longer covers
	// them.
	send(c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: []byte("another ca key"), K256Pubkey: ks.K256Pubkey}))
	if _, _, _, err := r.ThresholdKeySet(ctx); err == nil || !strings.Contains(err.Error(), "not one committee's") {
		t.Fatalf("kmsInfo of another KMS: %v", err)
	}
	send(c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: ks.CAPubkey, K256Pubkey: ks.K256Pubkey}))
	// Shares that are not one polynomial with the root: refused.
	rec, shares = ThresholdRecord(ks, 4)
	shares[2].Derivation = shares[1].Derivation
	for i := range shares {
		shares[i].Ca, shares[i].K256 = point(1), point(2)
	}
	send(c.K.PackSetThresholdKeySet(rec, shares))
	if _, _, _, err := r.ThresholdKeySet(ctx); err == nil || !strings.Contains(err.Error(), "polynomial") {
		t.Fatalf("inconsistent shares: %v", err)
	}
	// The same for the env shares: one swapped for another's.
	rec, shares = ThresholdRecord(ks, 5)
	shares[2].Env = shares[1].Env
	for i := range shares {
		shares[i].Ca, shares[i].K256 = point(1), point(2)
	}
	send(c.K.PackSetThresholdKeySet(rec, shares))
	if _, _, _, err := r.ThresholdKeySet(ctx); err == nil || !strings.Contains(err.Error(), "env key set") {
		t.Fatalf("inconsistent env shares: %v", err)
	}
	// An env root of another committee under the same key-set id: the id
	// covers the env key set.
	other, err := tkeytest.Deal(2, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, shares = ThresholdRecord(ks, 6)
	rec.EnvRoot = other.KeySet.Env.Root
	for i := range shares {
		shares[i].Ca, shares[i].K256, shares[i].Env = point(1), point(2), other.KeySet.Env.Shares[i].Point
	}
	send(c.K.PackSetThresholdKeySet(rec, shares))
	if _, _, _, err := r.ThresholdKeySet(ctx); err == nil || !strings.Contains(err.Error(), "not one committee's") {
		t.Fatalf("another env key set under the key-set id: %v", err)
	}
}

// TestThresholdRootRotation: the reader gives a committee's root-rotation
// flag and handover, and during the handover the key set the rotation
// replaced — the one ThresholdKeySet gave before it, with the root keys it
// was published with though kmsInfo holds the new ones — until the end,
// judged by the chain's clock: nil once the chain's time passes the end,
// before anyone ends the handover, and not before whatever the local clock
// says.
func TestThresholdRootRotation(t *testing.T) {
	c := testchain.New(t)
	ctx := context.Background()
	// The local clock is two days ahead of the chain's: it must not end the
	// handover.
	r, err := New(ctx, c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: HeadEveryCall, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	send := func(data []byte) *types.Receipt {
		t.Helper()
		rc, err := c.Send(c.KmsInst, c.Owner, data)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	point := func(b byte) []byte { p := make([]byte, 33); p[0], p[32] = 2, b; return p }
	publish := func(rootEpoch uint32, epoch uint64, ca, k256 string) *tkey.KeySet {
		t.Helper()
		d, err := tkeytest.Deal(2, 3, rootEpoch, nil)
		if err != nil {
			t.Fatal(err)
		}
		ks := d.KeySet
		ks.CAPubkey, ks.K256Pubkey = []byte(ca), []byte(k256)
		send(c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: ks.CAPubkey, K256Pubkey: ks.K256Pubkey}))
		rec, shares := ThresholdRecord(ks, epoch)
		for i := range shares {
			shares[i].Node, shares[i].Ca, shares[i].K256 = string(rune('a'+i)), point(1), point(2)
		}
		send(c.K.PackSetThresholdKeySet(rec, shares))
		return ks
	}
	handover := func() *ThresholdHandover {
		t.Helper()
		h, _, err := r.ThresholdHandover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	members := []dstackkms.DstackKmsThresholdMember{{Name: "a", Url: "https://a:1"}, {Name: "b", Url: "https://b:1"}, {Name: "c", Url: "https://c:1"}}

	publish(1, 1, "ca1", "k1")
	if h := handover(); h != nil {
		t.Fatalf("a handover before any rotation: %+v", h)
	}
	send(c.K.PackSetThresholdCommittee(2, 2, members, nil))
	if cm, err := r.ThresholdCommittee(ctx, 2); err != nil || cm.RootRotation || cm.Handover != 0 {
		t.Fatalf("a resharing reads as %+v, %v", cm, err)
	}
	old := publish(1, 2, "ca1", "k1")
	before, _, _, err := r.ThresholdKeySet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send(c.K.PackSetThresholdRootRotation(3, 2, members, 3600))
	latest, keySetEpoch, err := r.LatestThresholdCommittee(ctx)
	if err != nil || latest.Epoch != 3 || !latest.RootRotation || latest.Handover != time.Hour || len(latest.Members) != 3 || keySetEpoch != 2 {
		t.Fatalf("the latest committee reads %+v (key set epoch %d), %v", latest, keySetEpoch, err)
	}
	if cm, err := r.ThresholdCommittee(ctx, 3); err != nil || !cm.RootRotation || cm.Handover != time.Hour {
		t.Fatalf("committee 3 reads %+v, %v", cm, err)
	}
	if h := handover(); h != nil {
		t.Fatalf("a handover before the rotation's key set: %+v", h)
	}

	rotated := publish(3, 3, "ca3", "k3")
	hdr, err := c.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, block, err := r.ThresholdHandover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		t.Fatal("no handover after the rotation's key set")
	}
	if h.KeySet.ID() != before.ID() || h.KeySet.ID() != old.ID() || h.Epoch != 2 || h.KeySet.Epoch != 1 || string(h.KeySet.CAPubkey) != "ca1" || string(h.KeySet.K256Pubkey) != "k1" {
		t.Fatalf("the handover's key set is %x of epoch %d (root epoch %d, ca %q), want %x of epoch 2", h.KeySet.ID(), h.Epoch, h.KeySet.Epoch, h.KeySet.CAPubkey, before.ID())
	}
	if want := time.Unix(int64(hdr.Time)+3600, 0); !h.End.Equal(want) || block != hdr.Number.Uint64() {
		t.Fatalf("the handover ends %v at block %d, want %v at block %d", h.End, block, want, hdr.Number)
	}
	if now, _, _, err := r.ThresholdKeySet(ctx); err != nil || now.ID() != rotated.ID() {
		t.Fatalf("the key set on chain after the rotation: %v", err)
	}

	// At the end by the chain's clock, the handover is over though the
	// previous key set is still stored.
	if err := c.AdjustTime(time.Hour); err != nil {
		t.Fatal(err)
	}
	if h := handover(); h != nil {
		t.Fatalf("a handover after its end: %+v", h)
	}
	if prev, err := bind.Call(c.KmsInst, nil, c.K.PackPreviousThresholdKeySet(), c.K.UnpackPreviousThresholdKeySet); err != nil || prev.Epoch != 2 {
		t.Fatalf("the previous key set is no longer stored (%+v, %v): the test proves nothing", prev, err)
	}

	// A handover the owner cuts short is over at once.
	send(c.K.PackSetThresholdRootRotation(4, 2, members, 3600))
	publish(4, 4, "ca4", "k4")
	if h := handover(); h == nil || h.KeySet.ID() != rotated.ID() {
		t.Fatalf("the second rotation's handover: %+v", h)
	}
	send(c.K.PackEndThresholdHandover())
	if h := handover(); h != nil {
		t.Fatalf("a handover the owner ended: %+v", h)
	}
}
