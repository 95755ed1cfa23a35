package chain

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/testchain"
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
