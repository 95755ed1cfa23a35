package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// The envelope of a sealed value, version 1:
//
//	magic    6 bytes  "DSTKSL"
//	version  1 byte   0x01
//	key id   8 bytes  HMAC-SHA256(aes key, "dstack_sealed key id")[:8]
//	nonce   12 bytes  random
//	sealed   AES-256-GCM(plaintext), tag included (16 bytes)
//
// The associated data is the 15 header bytes followed by the storage key's
// name, so a value moved to another name, or a header edited, does not open.
const (
	envelopeMagic   = "DSTKSL"
	envelopeVersion = 1
	keyIDLen        = 8
	headerLen       = len(envelopeMagic) + 1 + keyIDLen
	nonceLen        = 12
	tagLen          = 16
	// Overhead is how many bytes sealing adds to a value.
	Overhead = headerLen + nonceLen + tagLen
)

// The ways a stored value can fail to open. None of them is fs.ErrNotExist:
// certmagic must report them, not take the value for missing and issue anew.
var (
	// ErrNotSealed: the value does not start with the envelope's magic (a
	// value written in clear, or by something else).
	ErrNotSealed = errors.New("value is not a dstack_sealed envelope")
	// ErrVersion: an envelope version this build does not know.
	ErrVersion = errors.New("unknown dstack_sealed envelope version")
	// ErrOtherKey: the value was sealed under another sealing key.
	ErrOtherKey = errors.New("value was sealed under another key")
	// ErrTampered: the key matches but the value does not authenticate (a
	// changed byte, or a value moved from another name).
	ErrTampered = errors.New("sealed value does not authenticate (altered, or moved from another name)")
)

// hkdfInfo separates the AES key from any other use of the key material.
const hkdfInfo = "dstack_sealed aes-256-gcm v1"

// Sealer seals and opens values under one AES-256-GCM key.
type Sealer struct {
	aead  cipher.AEAD
	keyID [keyIDLen]byte
}

// NewSealer derives the AES-256 key from 32 or more bytes of key material
// (HKDF-SHA256, info "dstack_sealed aes-256-gcm v1").
func NewSealer(material []byte) (*Sealer, error) {
	if len(material) < 32 {
		return nil, fmt.Errorf("making the sealing key: need at least 32 bytes of key material, got %d", len(material))
	}
	key, err := hkdf.Key(sha256.New, material, nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("making the sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("making the sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("making the sealing key: %w", err)
	}
	s := &Sealer{aead: aead}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("dstack_sealed key id"))
	copy(s.keyID[:], mac.Sum(nil))
	return s, nil
}

// KeyID is the key's public identifier, written in every envelope, in hex.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.keyID[:]) }

func (s *Sealer) header() []byte {
	h := make([]byte, 0, headerLen)
	h = append(h, envelopeMagic...)
	h = append(h, envelopeVersion)
	return append(h, s.keyID[:]...)
}

func aad(header []byte, name string) []byte {
	return append(append(make([]byte, 0, len(header)+len(name)), header...), name...)
}

// Seal returns the envelope of value stored under name.
func (s *Sealer) Seal(name string, value []byte) ([]byte, error) {
	h := s.header()
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(value)+tagLen)
	copy(out, h)
	if _, err := rand.Read(out[headerLen:]); err != nil {
		return nil, fmt.Errorf("sealing %q: %w", name, err)
	}
	return s.aead.Seal(out, out[headerLen:], value, aad(h, name)), nil
}

// Open returns the value sealed in env under name, or an error that wraps
// ErrNotSealed, ErrVersion, ErrOtherKey or ErrTampered.
func (s *Sealer) Open(name string, env []byte) ([]byte, error) {
	if len(env) < len(envelopeMagic) || !bytes.Equal(env[:len(envelopeMagic)], []byte(envelopeMagic)) {
		return nil, fmt.Errorf("opening %q: %w", name, ErrNotSealed)
	}
	if len(env) < headerLen {
		return nil, fmt.Errorf("opening %q: envelope truncated to %d bytes: %w", name, len(env), ErrTampered)
	}
	if v := env[len(envelopeMagic)]; v != envelopeVersion {
		return nil, fmt.Errorf("opening %q: version %d: %w", name, v, ErrVersion)
	}
	id := env[len(envelopeMagic)+1 : headerLen]
	if !bytes.Equal(id, s.keyID[:]) {
		return nil, fmt.Errorf("opening %q: sealed under key id %x, this storage's key id is %s; configure the key it was sealed with: %w",
			name, id, s.KeyID(), ErrOtherKey)
	}
	if len(env) < Overhead {
		return nil, fmt.Errorf("opening %q: envelope truncated to %d bytes: %w", name, len(env), ErrTampered)
	}
	nonce := env[headerLen : headerLen+nonceLen]
	out, err := s.aead.Open(nil, nonce, env[headerLen+nonceLen:], aad(env[:headerLen], name))
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", name, ErrTampered)
	}
	return out, nil
}
