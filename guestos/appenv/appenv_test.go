package appenv

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/tee/kdf"
)

func keyPair(t *testing.T) ([]byte, []byte) {
	t.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	pub, err := kdf.EnvPublicKey([32]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return secret, pub
}

func encrypted(t *testing.T, vars []Var, pub []byte) *hostinput.EncryptedEnv {
	t.Helper()
	b, err := Encrypt(vars, pub)
	if err != nil {
		t.Fatal(err)
	}
	e, err := hostinput.ParseEncryptedEnv(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	secret, pub := keyPair(t)
	e := encrypted(t, []Var{{"DB_PASSWORD", "s3cret"}, {"LD_PRELOAD", "/evil.so"}, {"_X1", ""}}, pub)
	d, err := Decrypt(e, secret, []string{"DB_PASSWORD", "_X1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Env) != 2 || d.Env["DB_PASSWORD"] != "s3cret" || d.Env["_X1"] != "" {
		t.Fatalf("env %v", d.Env)
	}
	if len(d.Dropped) != 1 || d.Dropped[0] != "LD_PRELOAD" {
		t.Fatalf("dropped %v", d.Dropped)
	}
}

// TestDecryptRejects: a tampered or mis-keyed file is an error, never an
// empty environment.
func TestDecryptRejects(t *testing.T) {
	secret, pub := keyPair(t)
	other, _ := keyPair(t)
	good := encrypted(t, []Var{{"A", "1"}}, pub).Bytes()
	flip := func(i int) *hostinput.EncryptedEnv {
		b := append([]byte{}, good...)
		b[i] ^= 1
		e, _ := hostinput.ParseEncryptedEnv(b)
		return e
	}
	goodEnv, _ := hostinput.ParseEncryptedEnv(good)
	cases := []struct {
		name   string
		e      *hostinput.EncryptedEnv
		secret []byte
	}{
		{"other key", goodEnv, other},
		{"flipped ephemeral key", flip(0), secret},
		{"flipped iv", flip(33), secret},
		{"flipped ciphertext", flip(45), secret},
		{"flipped tag", flip(len(good) - 1), secret},
		{"low-order ephemeral key", &hostinput.EncryptedEnv{Ciphertext: make([]byte, 16)}, secret},
	}
	for _, c := range cases {
		d, err := Decrypt(c.e, c.secret, []string{"A"})
		if !errors.Is(err, ErrDecrypt) || d != nil {
			t.Errorf("%s: %v %v", c.name, d, err)
		}
	}
	if _, err := Decrypt(goodEnv, secret[:31], nil); err == nil || !strings.Contains(err.Error(), "31 bytes") {
		t.Fatalf("short key: %v", err)
	}
}

func TestPlaintextRules(t *testing.T) {
	secret, pub := keyPair(t)
	for _, vars := range [][]Var{{{"1BAD", "x"}}, {{"A-B", "x"}}, {{"", "x"}}, make([]Var, MaxItems+1)} {
		for i := range vars {
			if vars[i].Key == "" && len(vars) > 1 {
				vars[i].Key = "A"
			}
		}
		if len(vars) > 1 {
			vars[0].Key = "A"
		}
		_, err := Decrypt(encrypted(t, vars, pub), secret, nil)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%d vars %q: %v", len(vars), vars[0].Key, err)
		}
	}
	for _, p := range []string{"", "{}", `{"env":null}`, `{"env":[]} x`, `{"env":{}}`, `[]`} {
		if _, err := ParsePlaintext([]byte(p)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", p, err)
		}
	}
	if vars, err := ParsePlaintext([]byte(`{"env":[]}`)); err != nil || len(vars) != 0 {
		t.Fatalf("empty env: %v %v", vars, err)
	}
}

func FuzzParsePlaintext(f *testing.F) {
	f.Add([]byte(`{"env":[{"key":"A","value":"1"}]}`))
	f.Add([]byte(`{"env":[{"key":"9","value":"1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		vars, err := ParsePlaintext(b)
		if err != nil {
			return
		}
		for _, v := range vars {
			if !nameRE.MatchString(v.Key) {
				t.Fatalf("bad name %q accepted", v.Key)
			}
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	secret := make([]byte, 32)
	secret[0] = 1
	pub, _ := kdf.EnvPublicKey([32]byte(secret))
	good, _ := Encrypt([]Var{{"A", "1"}}, pub)
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := hostinput.ParseEncryptedEnv(b)
		if err != nil {
			return
		}
		if d, err := Decrypt(e, secret, []string{"A"}); err == nil && d == nil {
			t.Fatal("nil result without error")
		}
	})
}

// An envelope sealed under the all-zero key (what X25519 with a low-order
// ephemeral key gives) does not open with a shared secret computed
// elsewhere either.
func TestDecryptSharedRefusesZeroSecret(t *testing.T) {
	zero := make([]byte, 32)
	gcm, err := newGCM(zero)
	if err != nil {
		t.Fatal(err)
	}
	e := &hostinput.EncryptedEnv{}
	e.Ciphertext = gcm.Seal(nil, e.IV[:], []byte(`{"env":[{"key":"K","value":"v"}]}`), nil)
	if _, err := DecryptShared(e, zero, []string{"K"}); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err %v, want ErrDecrypt", err)
	}
	if _, err := DecryptShared(e, zero[:31], []string{"K"}); err == nil {
		t.Fatal("a 31-byte secret was taken")
	}
}
