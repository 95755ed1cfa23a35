package kdf

import (
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/crypto"
)

// The secp256k1 signatures that prove where a key came from are 65 bytes,
// r ‖ s ‖ v with v in {0, 1}, over Keccak-256 of a message.

// secp256k1N is the order of secp256k1.
var secp256k1N, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

func validK256(k []byte) bool {
	d := new(big.Int).SetBytes(k)
	return d.Sign() > 0 && d.Cmp(secp256k1N) < 0
}

// K256FromScalar makes a secp256k1 key from a 32-byte scalar.
func K256FromScalar(d []byte) (*ecdsa.PrivateKey, error) {
	if len(d) != 32 || !validK256(d) {
		return nil, ErrOutOfRange
	}
	return crypto.ToECDSA(d)
}

// KmsIssuedMessage is what the KMS root k256 key signs for an app key:
// "dstack-kms-issued" ‖ ":" ‖ app_id ‖ compressed app public key (33 bytes).
func KmsIssuedMessage(appID []byte, appPub *ecdsa.PublicKey) []byte {
	m := append([]byte("dstack-kms-issued:"), appID...)
	return append(m, crypto.CompressPubkey(appPub)...)
}

// EnvPubKeyMessage is what the KMS root k256 key signs for an app's env
// encryption key: "dstack-env-encrypt-pubkey" ‖ ":" ‖ app_id [‖ BE64(ts)] ‖
// public key. The form with a timestamp is signature_v1.
func EnvPubKeyMessage(appID []byte, timestamp *uint64, pub []byte) []byte {
	m := append([]byte("dstack-env-encrypt-pubkey:"), appID...)
	if timestamp != nil {
		m = binary.BigEndian.AppendUint64(m, *timestamp)
	}
	return append(m, pub...)
}

// GetKeyMessage is what an app k256 key signs for a GetKey-derived key:
// purpose ‖ ":" ‖ hex(public key).
func GetKeyMessage(purpose string, pub []byte) []byte {
	return []byte(purpose + ":" + hex.EncodeToString(pub))
}

// Sign returns the 65-byte recoverable signature of Keccak256(msg).
func Sign(key *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	sig, err := crypto.Sign(crypto.Keccak256(msg), key)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return sig, nil
}

// ErrBadSignature means a signature does not recover to a key.
var ErrBadSignature = errors.New("invalid recoverable signature")

// Recover returns the public key that made sig over Keccak256(msg).
func Recover(msg, sig []byte) (*ecdsa.PublicKey, error) {
	if len(sig) != 65 || sig[64] > 1 {
		return nil, fmt.Errorf("%w: want 65 bytes ending in 0 or 1", ErrBadSignature)
	}
	pub, err := crypto.SigToPub(crypto.Keccak256(msg), sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return pub, nil
}
