package tkey_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/tkey"
)

// TestKeySetJSON: a key set survives its JSON, with the same id, and the
// strict reading refuses what is not exactly a consistent key set.
func TestKeySetJSON(t *testing.T) {
	d := deal(t, 2, 3)
	d.KeySet.CAPubkey, d.KeySet.K256Pubkey = []byte{0x30, 0x59}, bytes.Repeat([]byte{2}, 33)
	b, err := json.Marshal(d.KeySet)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"ca_pubkey":"3059"`) || !strings.Contains(string(b), `"id":"0000000000000000000000000000000000000000000000000000000000000001"`) {
		t.Fatalf("JSON %s", b)
	}
	k, err := tkey.ParseKeySet(b)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID() != d.KeySet.ID() {
		t.Fatal("the key set read back has another id")
	}
	noKeys := *d.KeySet
	noKeys.CAPubkey, noKeys.K256Pubkey = nil, nil
	b2, _ := json.Marshal(&noKeys)
	if k2, err := tkey.ParseKeySet(b2); err != nil || k2.ID() != noKeys.ID() {
		t.Fatalf("without root keys: %v", err)
	}
	other := deal(t, 2, 3)
	ob, _ := json.Marshal(other.KeySet.Shares[2].Point)
	for _, c := range []struct {
		name string
		b    string
		want string
	}{
		{"unknown field", strings.Replace(string(b), `"epoch"`, `"epoc":1,"epoch"`, 1), "unknown field"},
		{"unknown share field", strings.Replace(string(b), `"point"`, `"pt":"00","point"`, 1), "unknown field"},
		{"trailing data", string(b) + "{}", "trailing data"},
		{"short id", strings.Replace(string(b), `"0000000000000000000000000000000000000000000000000000000000000001"`, `"01"`, 1), "2 hex digits, want 64"},
		{"bad hex", strings.Replace(string(b), `"ca_pubkey":"3059"`, `"ca_pubkey":"zz"`, 1), "ca_pubkey"},
		{"share of another dealing", strings.Replace(string(b), string(mustJSON(t, d.KeySet.Shares[2].Point)), string(ob), 1), "not on the polynomial"},
		{"too large", `{"epoch":1` + strings.Repeat(" ", tkey.MaxKeySetJSON) + `}`, "at most"},
	} {
		if _, err := tkey.ParseKeySet([]byte(c.b)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParseKeySet: reading never panics, and what reads is a valid key
// set whose JSON reads back to the same id.
func FuzzParseKeySet(f *testing.F) {
	d := deal(f, 2, 3)
	b, _ := json.Marshal(d.KeySet)
	f.Add(b)
	f.Add([]byte(`{"epoch":1,"threshold":1,"root":"","shares":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := tkey.ParseKeySet(b)
		if err != nil {
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatal(err)
		}
		again, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := tkey.ParseKeySet(again)
		if err != nil || k2.ID() != k.ID() {
			t.Fatalf("re-reading: %v", err)
		}
	})
}

// TestKeyProviderInfo: the key-provider event names the threshold KMS and
// the key set's hash.
func TestKeyProviderInfo(t *testing.T) {
	d := deal(t, 2, 3)
	id := d.KeySet.ID()
	want := `{"name":"kms-threshold","id":"` + hex.EncodeToString(id[:]) + `"}`
	if got := string(d.KeySet.KeyProviderInfo().Marshal()); got != want {
		t.Fatalf("key-provider info %s, want %s", got, want)
	}
}
