// Package kdf derives keys exactly as upstream dstack does, so that an app
// gets byte-identical keys from this KMS and from upstream's, and signs the
// key-provenance messages in upstream's secp256k1 formats.
//
// The base function is HKDF-SHA256 with salt "RATLS" and the context parts
// concatenated as info (no length prefixes: the fixed 20-byte app and
// instance ids keep contexts unambiguous). This package must never log,
// store or return a root key; it only computes.
package kdf

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
)

// Salt is upstream's HKDF salt.
const Salt = "RATLS"

// Context labels of the app keys.
const (
	ctxAppCA        = "app-ca"
	ctxDiskCryptKey = "app-disk-crypt-key"
	ctxEnvEncrypt   = "env-encrypt-key"
	ctxAppKey       = "app-key"
	ctxSeedDiskKey  = "app-disk-key"
	ctxSeedK256Key  = "app-k256-key"
)

// ErrOutOfRange means derived bytes are not a valid private scalar
// (probability about 2^-128; upstream fails the same way).
var ErrOutOfRange = errors.New("derived key is not a valid scalar")

// DeriveKey is upstream's derive_key: HKDF-SHA256(salt "RATLS", ikm,
// info = ctx[0] ‖ ctx[1] ‖ …) truncated to length bytes.
func DeriveKey(ikm []byte, length int, ctx ...[]byte) ([]byte, error) {
	var info []byte
	for _, c := range ctx {
		info = append(info, c...)
	}
	out, err := hkdf.Key(sha256.New, ikm, []byte(Salt), string(info), length)
	if err != nil {
		return nil, fmt.Errorf("deriving key: %w", err)
	}
	return out, nil
}

// P256FromScalar makes a P-256 key from a 32-byte big-endian scalar, which
// must be in [1, n).
func P256FromScalar(d []byte) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutOfRange, err)
	}
	return k, nil
}

// DeriveP256 derives a child P-256 key: IKM is the parent's 32-byte scalar
// and the 32 output bytes are the child's scalar.
func DeriveP256(parent *ecdsa.PrivateKey, ctx ...[]byte) (*ecdsa.PrivateKey, error) {
	d, err := parent.Bytes()
	if err != nil {
		return nil, fmt.Errorf("deriving P-256 key: %w", err)
	}
	// d may share memory with the key itself (crypto/ecdsa caches the
	// encoding), so it is not wiped here.
	okm, err := DeriveKey(d, 32, ctx...)
	if err != nil {
		return nil, err
	}
	defer clear(okm)
	return P256FromScalar(okm)
}

// DeriveDHSecret is upstream's derive_dh_secret: SHA-256 of the PKCS#8 DER of
// DeriveP256(parent, ctx).
func DeriveDHSecret(parent *ecdsa.PrivateKey, ctx ...[]byte) ([32]byte, error) {
	child, err := DeriveP256(parent, ctx...)
	if err != nil {
		return [32]byte{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(child)
	if err != nil {
		return [32]byte{}, fmt.Errorf("deriving secret: %w", err)
	}
	defer clear(der)
	return sha256.Sum256(der), nil
}

// AppCAKey is the key of an app's CA: DeriveP256(root CA key, app_id ‖
// "app-ca").
func AppCAKey(root *ecdsa.PrivateKey, appID []byte) (*ecdsa.PrivateKey, error) {
	return DeriveP256(root, appID, []byte(ctxAppCA))
}

// DiskCryptKey is an instance's disk encryption key: DeriveDHSecret(root CA
// key, app_id ‖ instance_id ‖ "app-disk-crypt-key"). Its hex form is the
// LUKS passphrase.
func DiskCryptKey(root *ecdsa.PrivateKey, appID, instanceID []byte) ([32]byte, error) {
	return DeriveDHSecret(root, appID, instanceID, []byte(ctxDiskCryptKey))
}

// EnvCryptKey is an app's X25519 secret for encrypted environment
// variables: DeriveDHSecret(root CA key, app_id ‖ "env-encrypt-key").
func EnvCryptKey(root *ecdsa.PrivateKey, appID []byte) ([32]byte, error) {
	return DeriveDHSecret(root, appID, []byte(ctxEnvEncrypt))
}

// EnvPublicKey is the X25519 public key of an env secret (the secret is
// clamped as X25519 does).
func EnvPublicKey(secret [32]byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(secret[:])
	if err != nil {
		return nil, fmt.Errorf("env public key: %w", err)
	}
	return k.PublicKey().Bytes(), nil
}

// AppK256Key is an app's secp256k1 key: HKDF(root k256 scalar, app_id ‖
// "app-key"), 32 bytes used directly as the scalar.
func AppK256Key(rootK256 []byte, appID []byte) ([]byte, error) {
	k, err := DeriveKey(rootK256, 32, appID, []byte(ctxAppKey))
	if err != nil {
		return nil, err
	}
	if !validK256(k) {
		return nil, ErrOutOfRange
	}
	return k, nil
}

// GuestKey is the guest agent's GetKey: HKDF(app k256 scalar, path), 32
// bytes, read by callers as a secp256k1 scalar or an ed25519 seed.
func GuestKey(appK256 []byte, path string) ([]byte, error) {
	return DeriveKey(appK256, 32, []byte(path))
}

// SeedKeys are the app keys of the local, tpm and none key providers,
// derived from a 32-byte seed.
type SeedKeys struct {
	AppKey       *ecdsa.PrivateKey // HKDF(seed, "app-key") as a P-256 scalar
	DiskKey      *ecdsa.PrivateKey // HKDF(seed, "app-disk-key")
	DiskCryptKey [32]byte          // SHA-256 of DiskKey's PKCS#8 DER
	K256Key      []byte            // HKDF(seed, "app-k256-key")
}

// FromSeed derives SeedKeys.
func FromSeed(seed []byte) (*SeedKeys, error) {
	var s SeedKeys
	var err error
	p256 := func(label string) (*ecdsa.PrivateKey, error) {
		okm, err := DeriveKey(seed, 32, []byte(label))
		if err != nil {
			return nil, err
		}
		defer clear(okm)
		return P256FromScalar(okm)
	}
	if s.AppKey, err = p256(ctxAppKey); err != nil {
		return nil, err
	}
	if s.DiskKey, err = p256(ctxSeedDiskKey); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.DiskKey)
	if err != nil {
		return nil, err
	}
	s.DiskCryptKey = sha256.Sum256(der)
	clear(der)
	if s.K256Key, err = DeriveKey(seed, 32, []byte(ctxSeedK256Key)); err != nil {
		return nil, err
	}
	return &s, nil
}
