package tkey_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

var (
	appID      = bytes.Repeat([]byte{0xa1}, 20)
	instanceID = bytes.Repeat([]byte{0xb2}, 20)
)

func deal(t testing.TB, thr, n int) *tkeytest.Dealt {
	t.Helper()
	d, err := tkeytest.Deal(thr, n, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.KeySet.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

func answers(t testing.TB, d *tkeytest.Dealt, ctxs []tkey.Context) []*tkey.Answer {
	t.Helper()
	var out []*tkey.Answer
	for _, s := range d.Shares {
		a, err := s.Partials(d.KeySet.Epoch, ctxs, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func expected(t testing.TB, d *tkeytest.Dealt, ctxs []tkey.Context) [][tkey.KeySize]byte {
	t.Helper()
	var out [][tkey.KeySize]byte
	for _, c := range ctxs {
		k, err := tkeytest.Key(d.Secret, c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// TestEverySubset: every t-subset of nodes combines to the keys of s·H,
// and every (t−1)-subset neither passes Combine nor, interpolated anyway,
// gives those keys.
func TestEverySubset(t *testing.T) {
	for _, c := range []struct{ t, n int }{{2, 3}, {3, 5}, {1, 2}, {4, 4}} {
		t.Run(fmt.Sprintf("%d-of-%d", c.t, c.n), func(t *testing.T) {
			d := deal(t, c.t, c.n)
			ctxs := tkey.AppContexts(d.KeySet.Epoch, appID, instanceID)
			all := answers(t, d, ctxs)
			want := expected(t, d, ctxs)
			for _, s := range tkeytest.Subsets(c.n, c.t) {
				got, skipped, err := d.KeySet.Combine(ctxs, tkeytest.Pick(all, s))
				if err != nil || len(skipped) != 0 {
					t.Fatalf("subset %v: %v %v", s, err, skipped)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("subset %v: %s key differs from the root secret's", s, ctxs[i].Purpose)
					}
				}
			}
			if c.t == 1 {
				return
			}
			for _, s := range tkeytest.Subsets(c.n, c.t-1) {
				_, _, err := d.KeySet.Combine(ctxs, tkeytest.Pick(all, s))
				if !errors.Is(err, tkey.ErrNotEnough) {
					t.Fatalf("subset %v of t−1: %v, want ErrNotEnough", s, err)
				}
				got, err := tkey.CombineUnchecked(ctxs, tkeytest.Pick(all, s))
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if got[i] == want[i] {
						t.Fatalf("subset %v of t−1 nodes interpolates to the %s key", s, ctxs[i].Purpose)
					}
				}
			}
		})
	}
}

// TestKeysAreDistinct: the four purposes, another app, another instance and
// another epoch all give other keys, and every call the same.
func TestKeysAreDistinct(t *testing.T) {
	d := deal(t, 2, 3)
	combineKeys := func(ctxs []tkey.Context) [][tkey.KeySize]byte {
		keys, _, err := d.KeySet.Combine(ctxs, answers(t, d, ctxs))
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	base := combineKeys(tkey.AppContexts(7, appID, instanceID))
	again := combineKeys(tkey.AppContexts(7, appID, instanceID))
	seen := map[[tkey.KeySize]byte]string{}
	for i, k := range base {
		if again[i] != k {
			t.Fatalf("%v key differs between two calls", tkey.AppPurposes[i])
		}
		seen[k] = tkey.AppPurposes[i].String()
	}
	if len(seen) != 4 {
		t.Fatalf("purposes share keys: %v", seen)
	}
	otherApp := combineKeys(tkey.AppContexts(7, bytes.Repeat([]byte{1}, 20), instanceID))
	otherInst := combineKeys(tkey.AppContexts(7, appID, bytes.Repeat([]byte{1}, 20)))
	for i, k := range otherApp {
		if _, dup := seen[k]; dup {
			t.Errorf("another app has the %v key", tkey.AppPurposes[i])
		}
	}
	if otherInst[0] == base[0] {
		t.Error("another instance has the same disk key")
	}
	for i := 1; i < 4; i++ {
		if otherInst[i] != base[i] {
			t.Errorf("the per-app %v key depends on the instance", tkey.AppPurposes[i])
		}
	}
	// Another epoch is another key set; the same shares at epoch 8 give
	// other keys.
	d.KeySet.Epoch = 8
	for i, k := range combineKeys(tkey.AppContexts(8, appID, instanceID)) {
		if _, dup := seen[k]; dup {
			t.Errorf("epoch 8 has epoch 7's %v key", tkey.AppPurposes[i])
		}
	}
}

// forge answers as node i with a scalar other than its share, with a proof
// that verifies for that scalar (against its own public point).
func forge(t testing.TB, d *tkeytest.Dealt, i int, ctxs []tkey.Context) *tkey.Answer {
	t.Helper()
	bad := d.Shares[i]
	x := new(big.Int).SetBytes(bad.Secret[:])
	x.Add(x, big.NewInt(1)).FillBytes(bad.Secret[:])
	a, err := bad.Partials(d.KeySet.Epoch, ctxs, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// The proof is valid for x+1 and G·(x+1): a valid-looking proof for
	// another public share.
	pub, _ := bad.Public()
	ks := *d.KeySet
	ks.Shares = append([]tkey.PublicShare(nil), ks.Shares...)
	ks.Shares[i] = pub
	if err := ks.Verify(a, ctxs); err != nil {
		t.Fatalf("the forged proof does not even verify against its own point: %v", err)
	}
	return a
}

// TestForgedPartial: a node answering with another scalar, or with its own
// scalar for another context, is rejected and skipped; t honest nodes
// still give the keys.
func TestForgedPartial(t *testing.T) {
	d := deal(t, 2, 3)
	ctxs := tkey.AppContexts(7, appID, instanceID)
	want := expected(t, d, ctxs)
	honest := answers(t, d, ctxs)
	forged := forge(t, d, 0, ctxs)
	if err := d.KeySet.Verify(forged, ctxs); !errors.Is(err, tkey.ErrInvalidProof) {
		t.Fatalf("forged partial: %v, want ErrInvalidProof", err)
	}
	// The right scalar on another app's bases, relabelled.
	other, err := d.Shares[0].Partials(7, tkey.AppContexts(7, bytes.Repeat([]byte{9}, 20), instanceID), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.KeySet.Verify(other, ctxs); !errors.Is(err, tkey.ErrInvalidProof) {
		t.Fatalf("another context's partial: %v, want ErrInvalidProof", err)
	}
	// An honest node's partials with the proof of another answer.
	swapped := *honest[0]
	swapped.Proof = forged.Proof
	// A partial point replaced by another node's.
	mixed := *honest[0]
	mixed.Partials = append([]tkey.Partial(nil), mixed.Partials...)
	mixed.Partials[1] = honest[1].Partials[1]
	for name, a := range map[string]*tkey.Answer{"proof of another answer": &swapped, "mixed points": &mixed} {
		if err := d.KeySet.Verify(a, ctxs); !errors.Is(err, tkey.ErrInvalidProof) {
			t.Errorf("%s: %v, want ErrInvalidProof", name, err)
		}
	}
	keys, skipped, err := d.KeySet.Combine(ctxs, []*tkey.Answer{forged, other, &swapped, honest[1], honest[2]})
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 3 {
		t.Fatalf("skipped %d answers, want 3: %v", len(skipped), skipped)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatal("the honest nodes' keys differ from the root secret's")
		}
	}
	// With the forger and one honest node only: not enough.
	if _, _, err := d.KeySet.Combine(ctxs, []*tkey.Answer{forged, honest[1]}); !errors.Is(err, tkey.ErrNotEnough) {
		t.Fatalf("forged + 1 honest of 2: %v", err)
	}
	// The same honest node twice counts once.
	if _, _, err := d.KeySet.Combine(ctxs, []*tkey.Answer{honest[1], honest[1]}); !errors.Is(err, tkey.ErrNotEnough) {
		t.Fatalf("one node twice: %v", err)
	}
}

// TestVerifyRefuses: the checks Verify makes besides the proof.
func TestVerifyRefuses(t *testing.T) {
	d := deal(t, 2, 3)
	ctxs := tkey.AppContexts(7, appID, instanceID)
	good := answers(t, d, ctxs)[0]
	stranger, err := tkeytest.Deal(2, 4, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := stranger.Shares[3].Partials(7, ctxs, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	epoch := *good
	epoch.Epoch = 8
	fewer := *good
	fewer.Partials = fewer.Partials[:3]
	for _, c := range []struct {
		name string
		a    *tkey.Answer
		ctxs []tkey.Context
		want string
	}{
		{"another epoch", &epoch, ctxs, "epoch 8"},
		{"node not in the set", foreign, ctxs, "not in the key set"},
		{"fewer partials", &fewer, ctxs, "3 partials for 4"},
		{"other purposes", good, tkey.AppContexts(7, appID, instanceID)[1:], "3 keys asked"},
		{"contexts of another epoch", good, tkey.AppContexts(8, appID, instanceID), "a context of epoch 8"},
	} {
		if err := d.KeySet.Verify(c.a, c.ctxs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	swapped := tkey.AppContexts(7, appID, instanceID)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	if err := d.KeySet.Verify(good, swapped); err == nil || !strings.Contains(err.Error(), "is for app-disk, app-env was asked") {
		t.Errorf("purposes out of order: %v", err)
	}
	if err := d.KeySet.Verify(good, ctxs); err != nil {
		t.Fatal(err)
	}
}

// TestPartialsRefuses: a share answers only well-formed requests.
func TestPartialsRefuses(t *testing.T) {
	d := deal(t, 2, 3)
	s := d.Shares[0]
	ctxs := tkey.AppContexts(7, appID, instanceID)
	rev := []tkey.Context{ctxs[1], ctxs[0]}
	shortInst := tkey.AppContexts(7, appID, instanceID[:19])
	for _, c := range []struct {
		name string
		ctxs []tkey.Context
		want string
	}{
		{"none", nil, "0 contexts"},
		{"another epoch", tkey.AppContexts(8, appID, instanceID), "epoch 8"},
		{"unordered", rev, "increasing order"},
		{"short instance id", shortInst, "instance id is 19 bytes"},
		{"short app id", tkey.AppContexts(7, appID[:19], instanceID), "app id is 19 bytes"},
	} {
		if _, err := s.Partials(7, c.ctxs, rand.Reader); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	zero := s
	zero.Secret = [32]byte{}
	if _, err := zero.Partials(7, ctxs, rand.Reader); !errors.Is(err, tkey.ErrMalformed) {
		t.Errorf("zero share: %v", err)
	}
}

// TestContextBytes: contexts encode injectively and refuse bad ids.
func TestContextBytes(t *testing.T) {
	seen := map[string]bool{}
	for _, epoch := range []uint32{0, 1, 1 << 24} {
		for _, a := range [][]byte{appID, instanceID} {
			for _, c := range append(tkey.AppContexts(epoch, a, instanceID), tkey.AppContexts(epoch, a, nil)[0]) {
				b, err := c.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				if seen[string(b)] {
					t.Fatalf("two contexts encode to %x", b)
				}
				seen[string(b)] = true
			}
		}
	}
	for _, c := range []tkey.Context{
		{Purpose: 0, AppID: appID},
		{Purpose: 5, AppID: appID},
		{Purpose: tkey.PurposeEnv, AppID: appID, InstanceID: instanceID},
		{Purpose: tkey.PurposeDisk, AppID: appID, InstanceID: appID[:10]},
		{Purpose: tkey.PurposeK256, AppID: nil},
	} {
		if _, err := c.Bytes(); err == nil {
			t.Errorf("%+v encodes", c)
		}
	}
}

// TestKeySetValidate: a key set whose shares are not of one polynomial of
// the stated degree, or are malformed, is refused.
func TestKeySetValidate(t *testing.T) {
	d := deal(t, 3, 5)
	other := deal(t, 3, 5)
	lower := deal(t, 2, 5)
	mutate := func(f func(*tkey.KeySet)) *tkey.KeySet {
		k := *d.KeySet
		k.Shares = append([]tkey.PublicShare(nil), k.Shares...)
		f(&k)
		return &k
	}
	for _, c := range []struct {
		name string
		k    *tkey.KeySet
		want string
	}{
		{"threshold 0", mutate(func(k *tkey.KeySet) { k.Threshold = 0 }), "threshold 0 of 5"},
		{"threshold above n", mutate(func(k *tkey.KeySet) { k.Threshold = 6 }), "threshold 6 of 5"},
		{"threshold too low", mutate(func(k *tkey.KeySet) { k.Threshold = 2 }), "interpolate to the root"},
		{"another root", mutate(func(k *tkey.KeySet) { k.Root = other.KeySet.Root }), "interpolate to the root"},
		{"a share of another dealing", mutate(func(k *tkey.KeySet) { k.Shares[4] = other.KeySet.Shares[4] }), "not on the polynomial"},
		{"duplicate id", mutate(func(k *tkey.KeySet) { k.Shares[1].ID = k.Shares[0].ID }), "increasing order"},
		{"unordered", mutate(func(k *tkey.KeySet) { k.Shares[0], k.Shares[1] = k.Shares[1], k.Shares[0] }), "increasing order"},
		{"zero id", mutate(func(k *tkey.KeySet) { k.Shares[0].ID = tkey.NodeID{} }), "not a scalar"},
		{"bad point", mutate(func(k *tkey.KeySet) { k.Shares[2].Point[0] = 4 }), "not a compressed P-256 point"},
		{"bad root", mutate(func(k *tkey.KeySet) { k.Root = tkey.Point{} }), "not a compressed P-256 point"},
		{"no shares", mutate(func(k *tkey.KeySet) { k.Shares = nil }), "threshold 3 of 0"},
		{"huge CA key", mutate(func(k *tkey.KeySet) { k.CAPubkey = make([]byte, 2000) }), "longer than 1024"},
		{"env of another threshold", mutate(func(k *tkey.KeySet) { k.Env = lower.KeySet.Env }), "the env key set is 2 of 5"},
		{"env of other nodes", mutate(func(k *tkey.KeySet) { k.Env = envOf(t, 3, 2, 3, 4, 5, 6) }), "is not the derivation root's node"},
		{"env share of another dealing", mutate(func(k *tkey.KeySet) {
			e := *k.Env
			e.Shares = append([]tecdh.PublicShare(nil), e.Shares...)
			e.Shares[4] = other.KeySet.Env.Shares[4]
			k.Env = &e
		}), "not on the polynomial"},
	} {
		if err := c.k.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if err := lower.KeySet.Validate(); err != nil {
		t.Fatal(err)
	}
}

// envOf deals an env key set of threshold t for the node ids.
func envOf(t *testing.T, thr int, ids ...int64) *tecdh.KeySet {
	t.Helper()
	var bs []*big.Int
	for _, id := range ids {
		bs = append(bs, big.NewInt(id))
	}
	_, ks, err := tkeytest.DealEnv(thr, bs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// TestKeySetID: the id changes with every field it covers.
func TestKeySetID(t *testing.T) {
	d := deal(t, 2, 3)
	base := d.KeySet.ID()
	if d.KeySet.ID() != base {
		t.Fatal("ID is not deterministic")
	}
	for name, f := range map[string]func(*tkey.KeySet){
		"epoch":     func(k *tkey.KeySet) { k.Epoch++ },
		"threshold": func(k *tkey.KeySet) { k.Threshold++ },
		"root":      func(k *tkey.KeySet) { k.Root[5] ^= 1 },
		"share":     func(k *tkey.KeySet) { k.Shares[2].Point[9] ^= 1 },
		"share id":  func(k *tkey.KeySet) { k.Shares[2].ID[31] ^= 1 },
		"one fewer": func(k *tkey.KeySet) { k.Shares = k.Shares[:2] },
		"ca key":    func(k *tkey.KeySet) { k.CAPubkey = []byte{1} },
		"k256 key":  func(k *tkey.KeySet) { k.K256Pubkey = []byte{1} },
		"no env":    func(k *tkey.KeySet) { k.Env = nil },
		"env root":  func(k *tkey.KeySet) { e := *k.Env; e.Root[3] ^= 1; k.Env = &e },
		"env share": func(k *tkey.KeySet) {
			e := *k.Env
			e.Shares = slices.Clone(e.Shares)
			e.Shares[1].Point[7] ^= 1
			k.Env = &e
		},
		"env threshold": func(k *tkey.KeySet) { e := *k.Env; e.Threshold++; k.Env = &e },
	} {
		k := *d.KeySet
		k.Shares = append([]tkey.PublicShare(nil), k.Shares...)
		f(&k)
		if k.ID() == base {
			t.Errorf("%s: same id", name)
		}
	}
	ca, k256 := *d.KeySet, *d.KeySet
	ca.CAPubkey, k256.K256Pubkey = []byte{1}, []byte{1}
	if ca.ID() == k256.ID() {
		t.Error("the same bytes as CA key or as k256 key give one id")
	}
}

// TestAnswerByteFlip: flipping any bit of an encoded answer makes it either
// fail to decode or fail to verify; none still verifies.
func TestAnswerByteFlip(t *testing.T) {
	d := deal(t, 2, 3)
	ctxs := tkey.AppContexts(7, appID, instanceID)
	a := answers(t, d, ctxs)[1]
	enc, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := tkey.ParseAnswer(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.KeySet.Verify(back, ctxs); err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(enc)
			b[i] ^= mask
			got, err := tkey.ParseAnswer(b)
			if err != nil {
				if !errors.Is(err, tkey.ErrMalformed) {
					t.Fatalf("byte %d ^ %#x: %v is not ErrMalformed", i, mask, err)
				}
				continue
			}
			if err := d.KeySet.Verify(got, ctxs); err == nil {
				t.Fatalf("byte %d ^ %#x: the altered answer verifies", i, mask)
			}
		}
	}
	for _, n := range []int{0, 1, 37, 38, len(enc) - 1} {
		if _, err := tkey.ParseAnswer(enc[:n]); !errors.Is(err, tkey.ErrMalformed) {
			t.Errorf("truncated to %d: %v", n, err)
		}
	}
	if _, err := tkey.ParseAnswer(append(bytes.Clone(enc), 0)); !errors.Is(err, tkey.ErrMalformed) {
		t.Error("a trailing byte is accepted")
	}
}

// TestParseAnswerRefuses: the strict decoding's cases.
func TestParseAnswerRefuses(t *testing.T) {
	d := deal(t, 2, 3)
	a := answers(t, d, tkey.AppContexts(7, appID, instanceID))[0]
	enc, _ := a.MarshalBinary()
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(enc)
		copy(b[off:], v)
		return b
	}
	order := bytes.Repeat([]byte{0xff}, 32)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"version", set(0, 2), "version 2"},
		{"zero id", set(5, make([]byte, 32)...), "not a scalar"},
		{"id above order", set(5, order...), "not a scalar"},
		{"count 0", set(37, 0), "0 partials"},
		{"count 9", set(37, 9), "9 partials"},
		{"count 3 for 4", set(37, 3), "for 3 partials"},
		{"unknown purpose", set(38, 9), "unknown purpose 9"},
		{"repeated purpose", set(38+34, 1), "increasing order"},
		{"identity point", set(39, 0), "not a compressed"},
		{"uncompressed prefix", set(39, 4), "not a compressed"},
		{"proof c above order", set(len(enc)-64, order...), "proof scalar"},
		{"proof s above order", set(len(enc)-32, order...), "proof scalar"},
	} {
		if _, err := tkey.ParseAnswer(c.b); !errors.Is(err, tkey.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := (&tkey.Answer{}).MarshalBinary(); err == nil {
		t.Error("an empty answer encodes")
	}
}

// FuzzParseAnswer: decoding never panics, and what decodes re-encodes to
// the same bytes (one encoding per answer).
func FuzzParseAnswer(f *testing.F) {
	d := deal(f, 2, 3)
	for _, ctxs := range [][]tkey.Context{tkey.AppContexts(7, appID, instanceID), tkey.AppContexts(7, appID, instanceID)[2:]} {
		a := answers(f, d, ctxs)[0]
		enc, _ := a.MarshalBinary()
		f.Add(enc)
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := tkey.ParseAnswer(b)
		if err != nil {
			return
		}
		again, err := a.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
		_ = d.KeySet.Verify(a, tkey.AppContexts(7, appID, instanceID))
	})
}

// BenchmarkRelease2of3 is one key release's cryptography in process: two
// nodes answer the four app keys (partials and proof) and the client
// verifies both answers and combines them.
func BenchmarkRelease2of3(b *testing.B) {
	d := deal(b, 2, 3)
	ctxs := tkey.AppContexts(7, appID, instanceID)
	b.Run("node-partials", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Shares[0].Partials(7, ctxs, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	as := answers(b, d, ctxs)[:2]
	b.Run("client-verify-combine", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := d.KeySet.Combine(ctxs, as); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("release", func(b *testing.B) {
		for b.Loop() {
			var as []*tkey.Answer
			for _, s := range d.Shares[:2] {
				a, err := s.Partials(7, ctxs, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				as = append(as, a)
			}
			if _, _, err := d.KeySet.Combine(ctxs, as); err != nil {
				b.Fatal(err)
			}
		}
	})
}
