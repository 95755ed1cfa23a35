package kms

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/kms/threshold"
)

// fixturePublic is the public record of the test fixture's kms-a.
func fixturePublic(t testing.TB) []byte {
	t.Helper()
	sealed, err := os.ReadFile("threshold/testdata/dkg-2of3/kms-a.sealed")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := threshold.UnsealShares(sealed, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := NewThresholdPublic(sh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestThresholdPublicChainRecord: the chain record of a committee's public
// record carries its key set and every member's shares; a record whose
// shares are not its key set's is refused.
func TestThresholdPublicChainRecord(t *testing.T) {
	b := fixturePublic(t)
	pub, err := ParseThresholdPublic(b)
	if err != nil {
		t.Fatal(err)
	}
	rec, shares, err := pub.ChainRecord()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Epoch != 1 || rec.RootEpoch != 1 || rec.Threshold != 2 || len(shares) != 3 || rec.KeySetId != pub.KeySet.ID() {
		t.Fatalf("record %+v, %d shares", rec, len(shares))
	}
	for i, s := range shares {
		if s.Node != pub.Shares[i].Node || len(s.Ca) != 33 || len(s.K256) != 33 || bytes.Equal(s.Ca, s.Derivation) {
			t.Fatalf("share %d: %+v", i, s)
		}
	}
	swapped := *pub
	swapped.Shares = []threshold.MemberShares{pub.Shares[1], pub.Shares[0], pub.Shares[2]}
	if _, _, err := swapped.ChainRecord(); err == nil || !strings.Contains(err.Error(), "not the key set's") {
		t.Fatalf("swapped members: %v", err)
	}
	old := *pub
	old.Shares, old.Epoch = nil, 0
	if _, _, err := old.ChainRecord(); err == nil || !strings.Contains(err.Error(), "restart the node") {
		t.Fatalf("a record without shares: %v", err)
	}
}

// FuzzParseThresholdPublic: a threshold-public.json, as an operator hands
// it to `dstack chain set-threshold-kms`, is read or refused, never a
// panic, and its chain record likewise.
func FuzzParseThresholdPublic(f *testing.F) {
	b := fixturePublic(f)
	f.Add(b)
	f.Add([]byte(`{"key_set":null}`))
	f.Add([]byte(`{"key_set":{"epoch":1,"threshold":1,"root":"","shares":[]},"shares":[{"id":1,"points":{"derivation":""}}],"epoch":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		pub, err := ParseThresholdPublic(in)
		if err != nil {
			return
		}
		_, _, _ = pub.ChainRecord()
	})
}

// TestParseThresholdPublicByteFlips: every single-byte change of a record
// is read as another record or refused, never a panic.
func TestParseThresholdPublicByteFlips(t *testing.T) {
	b := fixturePublic(t)
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		if pub, err := ParseThresholdPublic(c); err == nil {
			_, _, _ = pub.ChainRecord()
		}
	}
}
