package threshold

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/crypto"
	"github.com/bnb-chain/tss-lib/v2/eddsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"

	"github.com/dstack-go/dstack/kms/seal"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

// envAppA is an app id for the env tests.
var envAppA = bytes.Repeat([]byte{0xaa}, 20)

// eddsaKeygen runs tss-lib's EdDSA key generation among n parties in
// process, messages routed in memory, with threshold t (t parties needed).
func eddsaKeygen(tb testing.TB, t, n int) []*keygen.LocalPartySaveData {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var ids tss.UnSortedPartyIDs
	for i := 1; i <= n; i++ {
		k := big.NewInt(int64(1000 + i))
		ids = append(ids, tss.NewPartyID(k.String(), k.String(), k))
	}
	sorted := tss.SortPartyIDs(ids)
	pctx := tss.NewPeerContext(sorted)
	out := make(chan tss.Message, 16*n)
	end := make(chan *keygen.LocalPartySaveData, n)
	errs := make(chan error, 4*n)
	parties := make([]tss.Party, n)
	for i := range sorted {
		parties[i] = keygen.NewLocalParty(tss.NewParameters(tss.Edwards(), pctx, sorted[i], n, t-1), out, end)
	}
	for _, p := range parties {
		go func() {
			if err := p.Start(); err != nil {
				errs <- err
			}
		}()
	}
	deliver := func(p tss.Party, m tss.Message) {
		b, _, err := m.WireBytes()
		if err != nil {
			errs <- err
			return
		}
		if _, err := p.UpdateFromBytes(b, m.GetFrom(), m.IsBroadcast()); err != nil {
			errs <- err
		}
	}
	var saves []*keygen.LocalPartySaveData
	for len(saves) < n {
		select {
		case m := <-out:
			if to := m.GetTo(); to != nil {
				for _, d := range to {
					go deliver(parties[d.Index], m)
				}
				continue
			}
			for _, p := range parties {
				if p.PartyID().Index != m.GetFrom().Index {
					go deliver(p, m)
				}
			}
		case s := <-end:
			saves = append(saves, s)
		case err := <-errs:
			tb.Fatalf("EdDSA key generation: %v", err)
		case <-ctx.Done():
			tb.Fatal("EdDSA key generation did not finish")
		}
	}
	return saves
}

// The committee's shares from tss-lib's EdDSA DKG serve env decryption:
// every node's view of the key set is the same, and any t of its partials
// open an envelope to the app's key.
func TestEnvKeygenSharesDecrypt(t *testing.T) {
	const tt, n = 2, 3
	saves := eddsaKeygen(t, tt, n)
	var shares []tecdh.Share
	var keys *tecdh.KeySet
	for _, s := range saves {
		share, ks, err := EnvFromKeygen(s, tt)
		if err != nil {
			t.Fatal(err)
		}
		if keys != nil && (ks.Root != keys.Root || len(ks.Shares) != n) {
			t.Fatal("two nodes read different key sets from the DKG")
		}
		keys = ks
		shares = append(shares, *share)
	}
	pk, err := keys.AppPublicKey(envAppA)
	if err != nil {
		t.Fatal(err)
	}
	// The envelope's side: an ephemeral X25519 key and the shared secret
	// with the app's env public key.
	ephKey, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	appPub, err := ecdh.X25519().NewPublicKey(pk[:])
	if err != nil {
		t.Fatal(err)
	}
	want, err := ephKey.ECDH(appPub)
	if err != nil {
		t.Fatal(err)
	}
	eph := ephKey.PublicKey().Bytes()
	var ps []*tecdh.Partial
	for _, s := range shares {
		p, err := s.Partial(envAppA, eph, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for _, sub := range tkeytest.Subsets(n, tt) {
		secret, _, err := keys.Combine(envAppA, eph, tkeytest.Pick(ps, sub))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(secret[:], want) {
			t.Fatalf("subset %v: the combined secret is not the envelope's X25519 secret", sub)
		}
	}

	// A save data whose share is not its public share's is refused.
	bad := *saves[0]
	bad.Xi = new(big.Int).Add(bad.Xi, big.NewInt(1))
	if _, _, err := EnvFromKeygen(&bad, tt); err == nil {
		t.Fatal("a share that does not match its public share was read")
	}
	// So is one read with a lower threshold than its polynomial's (a
	// higher one only asks for more partials than needed).
	if _, _, err := EnvFromKeygen(saves[0], tt-1); err == nil {
		t.Fatal("a DKG of threshold 2 was read as of threshold 1")
	}
	// And a point given with another x than its own (same y, same sign).
	bad = *saves[0]
	pub := bad.EDDSAPub
	bad.EDDSAPub = crypto.NewECPointNoCurveCheck(tss.Edwards(), new(big.Int).Add(pub.X(), big.NewInt(2)), pub.Y())
	if _, _, err := EnvFromKeygen(&bad, tt); err == nil {
		t.Fatal("a root with a wrong x was read")
	}
}

func BenchmarkEnvKeygen(b *testing.B) {
	for _, c := range []struct{ t, n int }{{2, 3}, {3, 5}} {
		b.Run(fmt.Sprintf("%dof%d", c.t, c.n), func(b *testing.B) {
			for b.Loop() {
				eddsaKeygen(b, c.t, c.n)
			}
		})
	}
}

// envShare is a node's env share and the committee's env key set.
func envShare(t *testing.T, n *Node) (*tecdh.Share, *tecdh.KeySet) {
	t.Helper()
	s, ks, err := n.Shares().EnvShare()
	if err != nil {
		t.Fatal(err)
	}
	return s, ks
}

// envSecret is the X25519 secret an envelope to app with ephemeral key
// eph opens with, from the partials of shares under ks.
func envSecret(t *testing.T, ks *tecdh.KeySet, app, eph []byte, shares ...*tecdh.Share) ([32]byte, error) {
	t.Helper()
	var ps []*tecdh.Partial
	for _, s := range shares {
		p, err := s.Partial(app, eph, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	secret, _, err := ks.Combine(app, eph, ps)
	return secret, err
}

// envelopeSecret is tkeytest.EnvEnvelope, failing the test on an error.
func envelopeSecret(t testing.TB, ks *tecdh.KeySet, appID []byte) (eph, secret []byte) {
	t.Helper()
	eph, secret, err := tkeytest.EnvEnvelope(ks, appID)
	if err != nil {
		t.Fatal(err)
	}
	return eph, secret
}

// The DKG's env root serves env encryption: every node reads the same env
// key set (the one in its tkey key set), and any two nodes' partials open
// an envelope to the app's env public key; one node's do not.
func TestDKGEnvRoot(t *testing.T) {
	c := loaded(t)
	eph, want := envelopeSecret(t, keySet(t, c.nodes["kms-a"]).Env, envAppA)
	var shares []*tecdh.Share
	var first *tecdh.KeySet
	for _, name := range []string{"kms-a", "kms-b", "kms-c"} {
		s, ks := envShare(t, c.nodes[name])
		if first != nil && !reflect.DeepEqual(ks, first) {
			t.Fatalf("%s reads another env key set", name)
		}
		if tk := keySet(t, c.nodes[name]); !reflect.DeepEqual(tk.Env, ks) {
			t.Fatalf("%s's key set does not carry its env key set", name)
		}
		first = ks
		shares = append(shares, s)
	}
	for _, sub := range tkeytest.Subsets(3, 2) {
		got, err := envSecret(t, first, envAppA, eph, tkeytest.Pick(shares, sub)...)
		if err != nil || !bytes.Equal(got[:], want) {
			t.Fatalf("nodes %v: %v", sub, err)
		}
	}
	if _, err := envSecret(t, first, envAppA, eph, shares[1]); !errors.Is(err, tecdh.ErrNotEnough) {
		t.Fatalf("one node's partial: %v", err)
	}
}

// Sealed shares keep the env root: unsealed (a restart), they give the
// same env share and key set; an env share that is not the node's public
// share, or missing, is refused on load; shares of the format without the
// env root are ErrSharesV1, which says what to do.
func TestSealedEnvRoot(t *testing.T) {
	c := loaded(t)
	sh := c.nodes["kms-b"].Shares()
	wantShare, wantKS := envShare(t, c.nodes["kms-b"])
	sealed, err := sh.Seal(sealKey)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnsealShares(sealed, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	gotShare, gotKS, err := back.EnvShare()
	if err != nil || *gotShare != *wantShare || !reflect.DeepEqual(gotKS, wantKS) {
		t.Fatalf("the env share did not survive sealing: %v", err)
	}

	bad := *sh
	env := *sh.Env
	env.Xi = new(big.Int).Add(env.Xi, big.NewInt(1))
	bad.Env = &env
	if b, err := bad.Seal(sealKey); err != nil {
		t.Fatal(err)
	} else if _, err := UnsealShares(b, sealKey); !errors.Is(err, ErrUnseal) || !strings.Contains(err.Error(), "public share") {
		t.Fatalf("an env share off its public share: %v", err)
	}
	bad.Env = nil
	if b, err := bad.Seal(sealKey); err != nil {
		t.Fatal(err)
	} else if _, err := UnsealShares(b, sealKey); !errors.Is(err, ErrUnseal) || !strings.Contains(err.Error(), "env root") {
		t.Fatalf("shares without the env root: %v", err)
	}

	v1, err := seal.Seal(sharesMagicV1, sealKey, []byte(`{"self":"kms-b"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnsealShares(v1, sealKey); !errors.Is(err, ErrSharesV1) || !strings.Contains(err.Error(), "DKG") {
		t.Fatalf("v1 shares: %v", err)
	}
}
