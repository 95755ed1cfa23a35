// Package seal encrypts a KMS's secrets at rest under its sealing key (the
// KMS's own disk key from its key provider): AES-256-GCM under
// SHA-256(magic ‖ ":" ‖ sealing key), the magic as additional data, in a
// JSON envelope {magic, nonce, ciphertext}. The magic names what is sealed,
// so a file sealed as one kind of secret never opens as another.
//
// It must never write anything to disk or log what it seals; callers own
// the files.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
)

// MinKeySize is the shortest sealing key accepted.
const MinKeySize = 32

// ErrOpen means a sealed file could not be opened: another sealing key, a
// damaged file, or a file sealed as something else.
var ErrOpen = errors.New("cannot unseal")

// envelope is the at-rest format.
type envelope struct {
	Magic      string `json:"magic"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// Seal encrypts plain under sealingKey, labelled magic.
func Seal(magic string, sealingKey, plain []byte) ([]byte, error) {
	aead, err := newAEAD(magic, sealingKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing %s: %w", magic, err)
	}
	return json.Marshal(envelope{Magic: magic, Nonce: nonce, Ciphertext: aead.Seal(nil, nonce, plain, []byte(magic))})
}

// Open decrypts what Seal produced with the same magic and sealing key.
// Every failure wraps ErrOpen and says which of the likely causes applies.
func Open(magic string, sealingKey, sealed []byte) ([]byte, error) {
	var f envelope
	if err := json.Unmarshal(sealed, &f); err != nil || f.Magic != magic {
		return nil, fmt.Errorf("%w: not a sealed %s file", ErrOpen, magic)
	}
	aead, err := newAEAD(magic, sealingKey)
	if err != nil {
		return nil, err
	}
	if len(f.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("%w: bad nonce", ErrOpen)
	}
	plain, err := aead.Open(nil, f.Nonce, f.Ciphertext, []byte(magic))
	if err != nil {
		return nil, fmt.Errorf("%w: wrong sealing key or damaged file (a file is readable only with the sealing key of the KMS that wrote it)", ErrOpen)
	}
	return plain, nil
}

func newAEAD(magic string, sealingKey []byte) (cipher.AEAD, error) {
	if len(sealingKey) < MinKeySize {
		return nil, fmt.Errorf("sealing %s: the sealing key must be at least %d bytes, got %d", magic, MinKeySize, len(sealingKey))
	}
	sum := sha256.Sum256(append([]byte(magic+":"), sealingKey...))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
