package kdf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// upstreamRoot is the P-256 root key (PKCS#8) of upstream's pinned
// derive_dh_secret vector (ra-tls/src/kdf.rs).
const upstreamRoot = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02" +
	"01010420f57527cea4ab7ffb49af99b158cdc0e3ec06398f528349ea236b7d2a" +
	"fe19cec1a1440342000491f50522407ce29dce3ed7d31a15d80c1c42f13a2355" +
	"2d2b33a0ce09ee11e47bce95936f3e7f80d195f879e28e1b144ef37ac9ab8e36" +
	"a690cbf930b775897b27"

func rootKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	der, _ := hex.DecodeString(upstreamRoot)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

func TestUpstreamVector(t *testing.T) {
	got, err := DeriveDHSecret(rootKey(t), []byte("context one"), []byte("context two"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got[:]) != "663afd58820be8ad645f9c035e93199d114ab16f738db62393bc1d7d623e8813" {
		t.Fatalf("derive_dh_secret = %x", got)
	}
}

// hkdfByHand is RFC 5869 HKDF-SHA256 written out, to cross-check the
// library path.
func hkdfByHand(ikm, salt, info []byte, n int) []byte {
	ext := hmac.New(sha256.New, salt)
	ext.Write(ikm)
	prk := ext.Sum(nil)
	var out, prev []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, prk)
		m.Write(prev)
		m.Write(info)
		m.Write([]byte{i})
		prev = m.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}

func TestDeriveKeyMatchesRFC5869(t *testing.T) {
	for _, n := range []int{16, 32, 64, 100} {
		got, err := DeriveKey([]byte("input key material"), n, []byte("context one"), []byte("two"))
		if err != nil {
			t.Fatal(err)
		}
		want := hkdfByHand([]byte("input key material"), []byte("RATLS"), []byte("context onetwo"), n)
		if !bytes.Equal(got, want) {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
	}
}

func TestAppKeys(t *testing.T) {
	root := rootKey(t)
	appID := bytes.Repeat([]byte{0xa1}, 20)
	inst1, inst2 := bytes.Repeat([]byte{1}, 20), bytes.Repeat([]byte{2}, 20)

	ca, err := AppCAKey(root, appID)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := root.Bytes()
	want := hkdfByHand(d, []byte("RATLS"), append(bytes.Clone(appID), "app-ca"...), 32)
	if got, _ := ca.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("app CA scalar %x, want %x", got, want)
	}

	k1, _ := DiskCryptKey(root, appID, inst1)
	k2, _ := DiskCryptKey(root, appID, inst2)
	if k1 == k2 {
		t.Fatal("two instances share a disk key")
	}
	child, _ := P256FromScalar(hkdfByHand(d, []byte("RATLS"), append(append(bytes.Clone(appID), inst1...), "app-disk-crypt-key"...), 32))
	der, _ := x509.MarshalPKCS8PrivateKey(child)
	if k1 != sha256.Sum256(der) {
		t.Fatalf("disk key is not SHA-256 of the child PKCS#8: %x %x %x", k1, sha256.Sum256(der), d)
	}

	env, _ := EnvCryptKey(root, appID)
	pub, err := EnvPublicKey(env)
	if err != nil || len(pub) != 32 {
		t.Fatal(err)
	}
	other, _ := EnvCryptKey(root, bytes.Repeat([]byte{0xa2}, 20))
	if env == other {
		t.Fatal("two apps share an env key")
	}
}

func TestK256Signatures(t *testing.T) {
	rootK256, _ := crypto.GenerateKey()
	appID := bytes.Repeat([]byte{7}, 20)
	appScalar, err := AppK256Key(crypto.FromECDSA(rootK256), appID)
	if err != nil {
		t.Fatal(err)
	}
	if want := hkdfByHand(crypto.FromECDSA(rootK256), []byte("RATLS"), append(bytes.Clone(appID), "app-key"...), 32); !bytes.Equal(appScalar, want) {
		t.Fatal("app k256 key")
	}
	appKey, err := K256FromScalar(appScalar)
	if err != nil {
		t.Fatal(err)
	}
	msg := KmsIssuedMessage(appID, &appKey.PublicKey)
	if !bytes.HasPrefix(msg, []byte("dstack-kms-issued:")) || len(msg) != 18+20+33 {
		t.Fatalf("message %x", msg)
	}
	sig, err := Sign(rootK256, msg)
	if err != nil || len(sig) != 65 || sig[64] > 1 {
		t.Fatal(err)
	}
	pub, err := Recover(msg, sig)
	if err != nil || !pub.Equal(&rootK256.PublicKey) {
		t.Fatalf("recovered %v, %v", pub, err)
	}
	ts := uint64(0x0102030405060708)
	m1 := EnvPubKeyMessage(appID, &ts, []byte{9})
	if !bytes.Contains(m1, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}) || bytes.Equal(m1, EnvPubKeyMessage(appID, nil, []byte{9})) {
		t.Fatalf("env message %x", m1)
	}
	if string(GetKeyMessage("ethereum", []byte{0xab})) != "ethereum:ab" {
		t.Fatal("GetKey message")
	}
	bad := bytes.Clone(sig)
	bad[64] = 27
	if _, err := Recover(msg, bad); !errors.Is(err, ErrBadSignature) {
		t.Fatal(err)
	}
	bad = bytes.Clone(sig)
	bad[10] ^= 1
	if pub, err := Recover(msg, bad); err == nil && pub.Equal(&rootK256.PublicKey) {
		t.Fatal("tampered signature recovered the signer")
	}
	if _, err := K256FromScalar(make([]byte, 32)); !errors.Is(err, ErrOutOfRange) {
		t.Fatal("zero scalar accepted")
	}
}

func TestFromSeed(t *testing.T) {
	s, err := FromSeed(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(s.DiskKey)
	if s.DiskCryptKey != sha256.Sum256(der) || len(s.K256Key) != 32 || s.AppKey.Equal(s.DiskKey) {
		t.Fatal("seed keys")
	}
	g, _ := GuestKey(s.K256Key, "wallet/eth")
	g2, _ := GuestKey(s.K256Key, "wallet/btc")
	if len(g) != 32 || bytes.Equal(g, g2) {
		t.Fatal("guest keys")
	}
}
