// Package appenv decrypts an app's encrypted environment (upstream's
// .encrypted-env): an ephemeral X25519 public key, a 12-byte IV and the
// AES-256-GCM ciphertext of {"env":[{"key":…,"value":…}]}, keyed with the
// raw X25519 shared secret (no KDF, no AAD), as upstream's clients write it.
//
// A file that does not decrypt (tampered, truncated, encrypted to another
// key) or whose plaintext breaks upstream's rules is an error, never an
// empty environment. The env is not authenticated: anyone can encrypt to the
// app's public key, so only the names the app-compose allows are kept. The
// package must never log or return a value it dropped.
package appenv

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"

	"github.com/dstack-go/dstack/guestos/hostinput"
)

// Upstream's limits on the plaintext.
const (
	MaxItems     = 1024
	MaxPlaintext = 1 << 20
)

// ErrDecrypt is returned when the ciphertext does not open with the key.
var ErrDecrypt = errors.New("encrypted env does not decrypt with the app's env key (tampered, or encrypted to another app or KMS)")

// ErrInvalid is returned for a plaintext that breaks upstream's rules.
var ErrInvalid = errors.New("invalid env plaintext")

var nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Var is one variable.
type Var struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Decrypted is a decrypted environment.
type Decrypted struct {
	// Env maps the kept names to their values.
	Env map[string]string
	// Dropped are the names not in allowed_envs, sorted; their values are
	// discarded.
	Dropped []string
}

// Decrypt opens e with the app's env secret (env_crypt_key from the KMS)
// and keeps the variables whose names are in allowed.
func Decrypt(e *hostinput.EncryptedEnv, secret []byte, allowed []string) (*Decrypted, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("decrypting env: env key of %d bytes, want 32", len(secret))
	}
	priv, err := ecdh.X25519().NewPrivateKey(secret)
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w", err)
	}
	peer, err := ecdh.X25519().NewPublicKey(e.EphemeralPublic[:])
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w: ephemeral key: %v", ErrDecrypt, err)
	}
	// ECDH refuses a low-order peer key (an all-zero shared secret).
	shared, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w: %v", ErrDecrypt, err)
	}
	return DecryptShared(e, shared, allowed)
}

// DecryptShared opens e with the X25519 shared secret of its ephemeral key
// and the app's env key, computed elsewhere (a threshold KMS's CVM
// combines it from the nodes' partials), and keeps the variables whose
// names are in allowed.
func DecryptShared(e *hostinput.EncryptedEnv, shared []byte, allowed []string) (*Decrypted, error) {
	if len(shared) != 32 {
		return nil, fmt.Errorf("decrypting env: shared secret of %d bytes, want 32", len(shared))
	}
	if bytes.Equal(shared, make([]byte, 32)) {
		return nil, fmt.Errorf("decrypting env: %w: an all-zero shared secret (a low-order ephemeral key)", ErrDecrypt)
	}
	gcm, err := newGCM(shared)
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w", err)
	}
	if len(e.Ciphertext) > MaxPlaintext+gcm.Overhead() {
		return nil, fmt.Errorf("decrypting env: %w: plaintext larger than %d bytes", ErrInvalid, MaxPlaintext)
	}
	plain, err := gcm.Open(nil, e.IV[:], e.Ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w", ErrDecrypt)
	}
	vars, err := ParsePlaintext(plain)
	if err != nil {
		return nil, fmt.Errorf("decrypting env: %w", err)
	}
	ok := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		ok[a] = true
	}
	d := &Decrypted{Env: map[string]string{}}
	for _, v := range vars {
		if !ok[v.Key] {
			d.Dropped = append(d.Dropped, v.Key)
			continue
		}
		d.Env[v.Key] = v.Value
	}
	sort.Strings(d.Dropped)
	return d, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParsePlaintext parses {"env":[{"key","value"}…]}: at most MaxItems
// variables in MaxPlaintext bytes, names matching ^[a-zA-Z_][a-zA-Z0-9_]*$.
func ParsePlaintext(b []byte) ([]Var, error) {
	if len(b) > MaxPlaintext {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrInvalid, len(b), MaxPlaintext)
	}
	var doc struct {
		Env *[]Var `json:"env"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the JSON value", ErrInvalid)
	}
	if doc.Env == nil {
		return nil, fmt.Errorf("%w: no \"env\" list", ErrInvalid)
	}
	vars := *doc.Env
	if len(vars) > MaxItems {
		return nil, fmt.Errorf("%w: %d variables, at most %d", ErrInvalid, len(vars), MaxItems)
	}
	for _, v := range vars {
		if !nameRE.MatchString(v.Key) {
			return nil, fmt.Errorf("%w: variable name %q (want [a-zA-Z_][a-zA-Z0-9_]*)", ErrInvalid, v.Key)
		}
	}
	return vars, nil
}

// Encrypt encrypts vars to an app's X25519 env public key, as upstream's
// SDKs (EncryptEnvVars) do; deployment tooling and tests use it.
func Encrypt(vars []Var, publicKey []byte) ([]byte, error) {
	if vars == nil {
		vars = []Var{}
	}
	plain, err := json.Marshal(struct {
		Env []Var `json:"env"`
	}{vars})
	if err != nil {
		return nil, fmt.Errorf("encrypting env: %w", err)
	}
	peer, err := ecdh.X25519().NewPublicKey(publicKey)
	if err != nil {
		return nil, fmt.Errorf("encrypting env: app env public key: %w", err)
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("encrypting env: %w", err)
	}
	shared, err := eph.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("encrypting env: %w", err)
	}
	gcm, err := newGCM(shared)
	if err != nil {
		return nil, fmt.Errorf("encrypting env: %w", err)
	}
	out := append([]byte{}, eph.PublicKey().Bytes()...)
	iv := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("encrypting env: %w", err)
	}
	out = append(out, iv...)
	return gcm.Seal(out, iv, plain, nil), nil
}
