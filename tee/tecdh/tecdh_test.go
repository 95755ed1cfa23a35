package tecdh_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"filippo.io/edwards25519"

	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

// dealt is a trusted dealing of an env root for tests. The distributed key
// generation among KMS nodes is not this package's; a dealer knows k_env,
// which a deployment's nodes must never let one party know.
type dealt struct {
	root   *edwards25519.Scalar
	shares []tecdh.Share
	keys   *tecdh.KeySet
}

func randScalar(t testing.TB) *edwards25519.Scalar {
	t.Helper()
	var b [64]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	s, err := edwards25519.NewScalar().SetUniformBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func nodeID(i int) tecdh.NodeID {
	var id tecdh.NodeID
	id[31] = byte(i)
	return id
}

func deal(tb testing.TB, t, n int) *dealt {
	tb.Helper()
	coeffs := make([]*edwards25519.Scalar, t)
	for i := range coeffs {
		coeffs[i] = randScalar(tb)
	}
	d := &dealt{root: coeffs[0], keys: &tecdh.KeySet{Threshold: t}}
	d.keys.Root = [32]byte(new(edwards25519.Point).ScalarBaseMult(coeffs[0]).Bytes())
	for i := 1; i <= n; i++ {
		id := nodeID(i)
		x, err := tecdh.IDScalar(id)
		if err != nil {
			tb.Fatal(err)
		}
		y := edwards25519.NewScalar()
		for j := len(coeffs) - 1; j >= 0; j-- {
			y.MultiplyAdd(y, x, coeffs[j])
		}
		s := tecdh.Share{ID: id, Secret: [32]byte(y.Bytes())}
		pub, err := s.Public()
		if err != nil {
			tb.Fatal(err)
		}
		d.shares = append(d.shares, s)
		d.keys.Shares = append(d.keys.Shares, pub)
	}
	if err := d.keys.Validate(); err != nil {
		tb.Fatal(err)
	}
	return d
}

var (
	appA = bytes.Repeat([]byte{0xaa}, tecdh.AppIDSize)
	appB = bytes.Repeat([]byte{0xbb}, tecdh.AppIDSize)
)

func partials(t testing.TB, d *dealt, appID, eph []byte) []*tecdh.Partial {
	t.Helper()
	var out []*tecdh.Partial
	for _, s := range d.shares {
		p, err := s.Partial(appID, eph, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// envelope encrypts vars to app's env public key with the same function
// deployment tooling uses (upstream's format).
func envelope(t *testing.T, d *dealt, appID []byte, vars []appenv.Var) *hostinput.EncryptedEnv {
	t.Helper()
	pk, err := d.keys.AppPublicKey(appID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := appenv.Encrypt(vars, pk[:])
	if err != nil {
		t.Fatal(err)
	}
	return envelopeOf(t, b)
}

func envelopeOf(t *testing.T, b []byte) *hostinput.EncryptedEnv {
	t.Helper()
	e, err := hostinput.ParseEncryptedEnv(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAppPublicKeyIsTheTweakedRoot(t *testing.T) {
	d := deal(t, 2, 3)
	pk, err := d.keys.AppPublicKey(appA)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := tecdh.AppScalar(appA)
	want := new(edwards25519.Point).ScalarBaseMult(edwards25519.NewScalar().Multiply(h, d.root)).BytesMontgomery()
	if !bytes.Equal(pk[:], want) {
		t.Fatalf("app public key %x, want u(h·k_env·B) %x", pk, want)
	}
	pkB, _ := d.keys.AppPublicKey(appB)
	if pk == pkB {
		t.Fatal("two apps share an env public key")
	}
	if _, err := ecdh.X25519().NewPublicKey(pk[:]); err != nil {
		t.Fatalf("the app's env key is not an X25519 public key: %v", err)
	}
}

// Every t-subset of partials opens an envelope written with the deployers'
// encrypt function; the secret is the one crypto/ecdh's X25519 gives the
// sender.
func TestEnvelopeDecryptsWithEveryThresholdSubset(t *testing.T) {
	const tt, n = 3, 5
	d := deal(t, tt, n)
	vars := []appenv.Var{{Key: "DB_PASSWORD", Value: "hunter2"}, {Key: "DROPPED", Value: "x"}}
	e := envelope(t, d, appA, vars)
	ps := partials(t, d, appA, e.EphemeralPublic[:])
	for _, sub := range tkeytest.Subsets(n, tt) {
		secret, skipped, err := d.keys.Combine(appA, e.EphemeralPublic[:], tkeytest.Pick(ps, sub))
		if err != nil || len(skipped) != 0 {
			t.Fatalf("subset %v: %v (skipped %v)", sub, err, skipped)
		}
		got, err := appenv.DecryptShared(e, secret[:], []string{"DB_PASSWORD"})
		if err != nil {
			t.Fatalf("subset %v: %v", sub, err)
		}
		if got.Env["DB_PASSWORD"] != "hunter2" || len(got.Env) != 1 || !slices.Equal(got.Dropped, []string{"DROPPED"}) {
			t.Fatalf("subset %v: decrypted %+v", sub, got)
		}
	}

	// The same with a sender using crypto/ecdh directly.
	pk, _ := d.keys.AppPublicKey(appA)
	peer, err := ecdh.X25519().NewPublicKey(pk[:])
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		eph, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		want, err := eph.ECDH(peer)
		if err != nil {
			t.Fatal(err)
		}
		ephPub := eph.PublicKey().Bytes()
		got, _, err := d.keys.Combine(appA, ephPub, partials(t, d, appA, ephPub)[2:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:], want) {
			t.Fatalf("combined secret %x, X25519 gives the sender %x", got, want)
		}
	}
}

func TestFewerThanThresholdFails(t *testing.T) {
	const tt, n = 3, 5
	d := deal(t, tt, n)
	e := envelope(t, d, appA, []appenv.Var{{Key: "K", Value: "v"}})
	ps := partials(t, d, appA, e.EphemeralPublic[:])
	for _, sub := range tkeytest.Subsets(n, tt-1) {
		_, _, err := d.keys.Combine(appA, e.EphemeralPublic[:], tkeytest.Pick(ps, sub))
		if !errors.Is(err, tecdh.ErrNotEnough) {
			t.Fatalf("subset %v of %d: err %v, want ErrNotEnough", sub, tt-1, err)
		}
	}
	// A node answering twice counts once.
	_, skipped, err := d.keys.Combine(appA, e.EphemeralPublic[:], []*tecdh.Partial{ps[0], ps[1], ps[1]})
	if !errors.Is(err, tecdh.ErrNotEnough) || len(skipped) != 1 {
		t.Fatalf("a duplicate partial: err %v, skipped %v, want tecdh.ErrNotEnough and one skipped", err, skipped)
	}
}

func TestForgedPartialsAreRejected(t *testing.T) {
	const tt, n = 2, 3
	d := deal(t, tt, n)
	e := envelope(t, d, appA, []appenv.Var{{Key: "K", Value: "v"}})
	eph := e.EphemeralPublic[:]
	ps := partials(t, d, appA, eph)

	// A node answering with another scalar and a proof valid for it.
	wrong := d.shares[0]
	wrong.Secret = [32]byte(randScalar(t).Bytes())
	wrongScalar, err := wrong.Partial(appA, eph, nil)
	if err != nil {
		t.Fatal(err)
	}
	// An honest point with a tampered proof.
	badProof := *ps[0]
	badProof.Proof[40] ^= 1
	// Another node's honest answer under this node's id.
	swapped := *ps[1]
	swapped.ID = ps[0].ID
	// A random point with the honest proof.
	randPoint := *ps[0]
	randPoint.Point = [32]byte(new(edwards25519.Point).ScalarBaseMult(randScalar(t)).Bytes())
	// A node not in the key set.
	stranger := *ps[0]
	stranger.ID = nodeID(9)

	for name, f := range map[string]*tecdh.Partial{"wrong scalar": wrongScalar, "tampered proof": clone(&badProof), "swapped": &swapped, "random point": &randPoint, "stranger": &stranger} {
		if err := d.keys.Verify(appA, eph, f); err == nil {
			t.Fatalf("%s: a forged partial verifies", name)
		}
		// Forged first, then t honest: the forged one is skipped and the
		// envelope still opens.
		secret, skipped, err := d.keys.Combine(appA, eph, []*tecdh.Partial{f, ps[1], ps[2]})
		if err != nil || len(skipped) != 1 {
			t.Fatalf("%s: err %v, skipped %v", name, err, skipped)
		}
		if _, err := appenv.DecryptShared(e, secret[:], []string{"K"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Forged and one honest: not enough.
		if _, _, err := d.keys.Combine(appA, eph, []*tecdh.Partial{f, ps[2]}); !errors.Is(err, tecdh.ErrNotEnough) {
			t.Fatalf("%s with one honest partial: err %v, want ErrNotEnough", name, err)
		}
	}
	for _, p := range ps {
		if err := d.keys.Verify(appA, eph, p); err != nil {
			t.Fatalf("an honest partial: %v", err)
		}
	}
}

func clone(p *tecdh.Partial) *tecdh.Partial { c := *p; return &c }

func TestPartialsForAnotherAppDoNotOpen(t *testing.T) {
	d := deal(t, 2, 3)
	e := envelope(t, d, appA, []appenv.Var{{Key: "K", Value: "v"}})
	eph := e.EphemeralPublic[:]
	psB := partials(t, d, appB, eph)
	// Checked as app A's: every proof fails.
	if _, skipped, err := d.keys.Combine(appA, eph, psB); !errors.Is(err, tecdh.ErrNotEnough) || len(skipped) != 3 {
		t.Fatalf("app B's partials combined as app A's: err %v, skipped %d", err, len(skipped))
	}
	// Combined as what they are: app B's secret, which does not open A's
	// envelope.
	secret, _, err := d.keys.Combine(appB, eph, psB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appenv.DecryptShared(e, secret[:], []string{"K"}); !errors.Is(err, appenv.ErrDecrypt) {
		t.Fatalf("app B's secret on app A's envelope: err %v, want ErrDecrypt", err)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func le(b []byte) []byte { c := bytes.Clone(b); slices.Reverse(c); return c }

// badEphemerals are X25519 keys a node must refuse: the points of small
// order (the list libsodium refuses), non-canonical encodings, u = −1, a
// twist point and a point with a small-order component.
func badEphemerals(t *testing.T) map[string][]byte {
	p := le(mustHex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed"))
	add := func(b []byte, v byte) []byte { c := bytes.Clone(b); c[0] += v; return c }
	m := map[string][]byte{
		"u=0":                 make([]byte, 32),
		"u=1":                 append([]byte{1}, make([]byte, 31)...),
		"order 8 (a)":         mustHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
		"order 8 (b)":         mustHex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
		"u=p−1":               add(p, 0xff),
		"u=p":                 p,
		"u=p+1":               add(p, 1),
		"high bit set":        nil,
		"short":               make([]byte, 31),
		"point with torsion":  nil,
		"twist point (u = 2)": append([]byte{2}, make([]byte, 31)...),
	}
	// A valid key with the top bit set: X25519 would mask it, we refuse.
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hb := bytes.Clone(eph.PublicKey().Bytes())
	hb[31] |= 0x80
	m["high bit set"] = hb
	// E + T with T of order 8.
	T, err := new(edwards25519.Point).SetBytes(mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
	if err != nil {
		t.Fatal(err)
	}
	if T.Equal(edwards25519.NewIdentityPoint()) == 1 || new(edwards25519.Point).MultByCofactor(T).Equal(edwards25519.NewIdentityPoint()) != 1 {
		t.Fatal("T is not of small order")
	}
	E := new(edwards25519.Point).ScalarBaseMult(randScalar(t))
	m["point with torsion"] = new(edwards25519.Point).Add(E, T).BytesMontgomery()
	return m
}

func TestBadEphemeralKeysAreRefused(t *testing.T) {
	d := deal(t, 2, 3)
	for name, u := range badEphemerals(t) {
		if _, err := tecdh.LiftX25519(u); !errors.Is(err, tecdh.ErrEphemeral) {
			t.Errorf("%s: lift: err %v, want ErrEphemeral", name, err)
		}
		if _, err := d.shares[0].Partial(appA, u, nil); !errors.Is(err, tecdh.ErrEphemeral) {
			t.Errorf("%s: a node answered: err %v", name, err)
		}
	}
	// Honest keys lift to a point with their u.
	for range 32 {
		eph, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		u := eph.PublicKey().Bytes()
		P, err := tecdh.LiftX25519(u)
		if err != nil {
			t.Fatalf("honest key %x: %v", u, err)
		}
		if !bytes.Equal(P.BytesMontgomery(), u) {
			t.Fatalf("lifted %x to a point of u %x", u, P.BytesMontgomery())
		}
	}
}

func TestValidate(t *testing.T) {
	d := deal(t, 2, 3)
	mutate := map[string]func(k *tecdh.KeySet){
		"share off the polynomial": func(k *tecdh.KeySet) {
			k.Shares[2].Point = [32]byte(new(edwards25519.Point).ScalarBaseMult(randScalar(t)).Bytes())
		},
		"root off the polynomial": func(k *tecdh.KeySet) {
			k.Root = [32]byte(new(edwards25519.Point).ScalarBaseMult(randScalar(t)).Bytes())
		},
		"threshold above n":   func(k *tecdh.KeySet) { k.Threshold = 4 },
		"threshold 0":         func(k *tecdh.KeySet) { k.Threshold = 0 },
		"ids out of order":    func(k *tecdh.KeySet) { k.Shares[0], k.Shares[1] = k.Shares[1], k.Shares[0] },
		"id zero":             func(k *tecdh.KeySet) { k.Shares[0].ID = tecdh.NodeID{} },
		"identity root":       func(k *tecdh.KeySet) { k.Root = [32]byte(edwards25519.NewIdentityPoint().Bytes()) },
		"threshold too small": func(k *tecdh.KeySet) { k.Threshold = 1 },
	}
	for name, f := range mutate {
		k := &tecdh.KeySet{Threshold: d.keys.Threshold, Root: d.keys.Root, Shares: slices.Clone(d.keys.Shares)}
		f(k)
		if err := k.Validate(); err == nil {
			t.Errorf("%s: the key set validates", name)
		}
	}
}

func TestPartialWireRoundTripAndByteFlips(t *testing.T) {
	d := deal(t, 2, 3)
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u := eph.PublicKey().Bytes()
	p, err := d.shares[1].Partial(appA, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.MarshalBinary()
	q, err := tecdh.ParsePartial(b)
	if err != nil || *q != *p {
		t.Fatalf("round trip: %v", err)
	}
	if err := d.keys.Verify(appA, u, q); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		for _, bit := range []byte{0x01, 0x80} {
			c := bytes.Clone(b)
			c[i] ^= bit
			q, err := tecdh.ParsePartial(c)
			if err != nil {
				continue
			}
			if err := d.keys.Verify(appA, u, q); err == nil {
				t.Fatalf("flipping bit %#x of byte %d: the partial still verifies", bit, i)
			}
		}
	}
	bad := map[string]func(c []byte){
		"zero id": func(c []byte) { clear(c[:32]) },
		"id ℓ": func(c []byte) {
			copy(c[:32], le(mustHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")))
		},
		"non-canonical c":     func(c []byte) { copy(c[64:96], bytes.Repeat([]byte{0xff}, 32)) },
		"non-canonical z":     func(c []byte) { copy(c[96:], bytes.Repeat([]byte{0xff}, 32)) },
		"point off the curve": func(c []byte) { clear(c[32:64]); c[32] = 2 }, // y = 2 is on no point of edwards25519
		"identity point":      func(c []byte) { copy(c[32:64], edwards25519.NewIdentityPoint().Bytes()) },
	}
	for name, f := range bad {
		c := bytes.Clone(b)
		f(c)
		if _, err := tecdh.ParsePartial(c); !errors.Is(err, tecdh.ErrMalformed) {
			t.Fatalf("%s: err %v, want ErrMalformed", name, err)
		}
	}
	for _, n := range []int{0, tecdh.PartialSize - 1, tecdh.PartialSize + 1} {
		if _, err := tecdh.ParsePartial(make([]byte, n)); !errors.Is(err, tecdh.ErrMalformed) {
			t.Fatalf("%d bytes: err %v", n, err)
		}
	}
}

func FuzzParsePartial(f *testing.F) {
	d := deal(f, 2, 3)
	eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
	p, err := d.shares[0].Partial(appA, eph.PublicKey().Bytes(), nil)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := p.MarshalBinary()
	f.Add(b)
	f.Add(make([]byte, tecdh.PartialSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := tecdh.ParsePartial(b)
		if err != nil {
			if !errors.Is(err, tecdh.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		out, _ := p.MarshalBinary()
		if !bytes.Equal(out, b) {
			t.Fatalf("parsed %x, re-encoded %x", b, out)
		}
		_ = d.keys.Verify(appA, eph.PublicKey().Bytes(), p)
	})
}

func FuzzLiftX25519(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(mustHex("0900000000000000000000000000000000000000000000000000000000000000"))
	f.Fuzz(func(t *testing.T, u []byte) {
		P, err := tecdh.LiftX25519(u)
		if err != nil {
			return
		}
		if !tecdh.PrimeOrder(P) || !bytes.Equal(P.BytesMontgomery(), u) {
			t.Fatalf("lifted %x to a bad point", u)
		}
	})
}

func TestAppIDMustBe20Bytes(t *testing.T) {
	d := deal(t, 2, 3)
	eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
	for _, n := range []int{0, 19, 21, 32} {
		id := make([]byte, n)
		if _, err := d.keys.AppPublicKey(id); !errors.Is(err, tecdh.ErrMalformed) {
			t.Fatalf("%d-byte app id: err %v", n, err)
		}
		if _, err := d.shares[0].Partial(id, eph.PublicKey().Bytes(), nil); !errors.Is(err, tecdh.ErrMalformed) {
			t.Fatalf("%d-byte app id: a node answered: err %v", n, err)
		}
	}
}

// A partial's point must be a point of the prime-order subgroup: a small
// order component would survive the combination and change the secret.
func TestPartialPointOutsideSubgroupIsRefused(t *testing.T) {
	d := deal(t, 2, 3)
	eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
	u := eph.PublicKey().Bytes()
	p, err := d.shares[0].Partial(appA, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	P, _ := new(edwards25519.Point).SetBytes(p.Point[:])
	T, _ := new(edwards25519.Point).SetBytes(mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
	bad := []([]byte){
		new(edwards25519.Point).Add(P, T).Bytes(),
		T.Bytes(),
		edwards25519.NewIdentityPoint().Bytes(),
	}
	// The non-canonical encodings: y + p for y < 19, and x = 0 with the
	// sign bit set.
	for y := range 19 {
		for _, sign := range []byte{0, 0x80} {
			b := bytes.Repeat([]byte{0xff}, 32)
			b[0], b[31] = 0xed+byte(y), 0x7f|sign
			bad = append(bad, b)
		}
	}
	for _, b := range bad {
		q := *p
		q.Point = [32]byte(b)
		wire, _ := q.MarshalBinary()
		if _, err := tecdh.ParsePartial(wire); err == nil {
			t.Fatalf("point %x parsed", b)
		}
		if err := d.keys.Verify(appA, u, &q); err == nil {
			t.Fatalf("point %x verified", b)
		}
	}
}

// A key set that did not pass Validate (its shares interpolate to a zero
// root) gives no secret rather than the all-zero one.
func TestCombineRefusesTheIdentity(t *testing.T) {
	c := randScalar(t)
	k := &tecdh.KeySet{Threshold: 2}
	var shares []tecdh.Share
	for i := 1; i <= 2; i++ {
		x, _ := tecdh.IDScalar(nodeID(i))
		s := tecdh.Share{ID: nodeID(i), Secret: [32]byte(edwards25519.NewScalar().Multiply(c, x).Bytes())}
		pub, err := s.Public()
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, s)
		k.Shares = append(k.Shares, pub)
	}
	if err := k.Validate(); err == nil {
		t.Fatal("a key set of root zero validates")
	}
	eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
	u := eph.PublicKey().Bytes()
	var ps []*tecdh.Partial
	for _, s := range shares {
		p, err := s.Partial(appA, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if _, _, err := k.Combine(appA, u, ps); err == nil {
		t.Fatal("combined the identity into a secret")
	}
}

func BenchmarkPartial(b *testing.B) {
	d := deal(b, 2, 3)
	eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
	u := eph.PublicKey().Bytes()
	for b.Loop() {
		if _, err := d.shares[0].Partial(appA, u, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCombine(b *testing.B) {
	for _, c := range []struct{ t, n int }{{2, 3}, {3, 5}} {
		b.Run(fmt.Sprintf("%dof%d", c.t, c.n), func(b *testing.B) {
			d := deal(b, c.t, c.n)
			eph, _ := ecdh.X25519().GenerateKey(rand.Reader)
			u := eph.PublicKey().Bytes()
			ps := partials(b, d, appA, u)
			for b.Loop() {
				if _, _, err := d.keys.Combine(appA, u, ps); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestKeySetJSON: a key set survives its JSON (ids and points in hex), and
// the strict reading refuses unknown fields and ids or points of another
// length.
func TestKeySetJSON(t *testing.T) {
	d := deal(t, 2, 3)
	b, err := json.Marshal(d.keys)
	if err != nil {
		t.Fatal(err)
	}
	var back tecdh.KeySet
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, d.keys) {
		t.Fatalf("read back %+v: %v", back, err)
	}
	root := hex.EncodeToString(d.keys.Root[:])
	for name, bad := range map[string]string{
		"unknown field": strings.Replace(string(b), `"threshold"`, `"x":1,"threshold"`, 1),
		"short root":    strings.Replace(string(b), root, root[:62], 1),
		"bad hex":       strings.Replace(string(b), root, "zz"+root[2:], 1),
		"short id":      strings.Replace(string(b), `"id":"`+strings.Repeat("0", 62), `"id":"`+strings.Repeat("0", 60), 1),
		"too many":      `{"threshold":1,"root":"` + root + `","shares":[` + strings.Repeat(`{"id":"","point":""},`, tecdh.MaxNodes) + `{"id":"","point":""}]}`,
	} {
		var k tecdh.KeySet
		if err := json.Unmarshal([]byte(bad), &k); !errors.Is(err, tecdh.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzKeySetJSON: reading never panics, and what reads writes back to the
// same key set.
func FuzzKeySetJSON(f *testing.F) {
	d := deal(f, 2, 3)
	b, _ := json.Marshal(d.keys)
	f.Add(b)
	f.Add([]byte(`{"threshold":1,"root":"","shares":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var k tecdh.KeySet
		if json.Unmarshal(b, &k) != nil {
			return
		}
		again, err := json.Marshal(&k)
		if err != nil {
			t.Fatal(err)
		}
		var k2 tecdh.KeySet
		if err := json.Unmarshal(again, &k2); err != nil || !reflect.DeepEqual(k, k2) {
			t.Fatalf("re-reading %s: %v", again, err)
		}
	})
}
