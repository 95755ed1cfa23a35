package kmsclient

import (
	"bytes"
	"errors"
	"fmt"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/kdf"
)

// VerifyEnvPubKey checks a GetAppEnvEncryptPubKey response for app appID
// as upstream's SDK and CLI do before encrypting an app's env to the key:
// a 32-byte X25519 key whose signature (and signature_v1, when present)
// recovers by k256 recovery to k256Root, the KMS's compressed k256 root
// public key (kmsInfo's k256Pubkey on chain). The same check serves the
// replicated KMS (its root key signs) and a threshold KMS (its committee
// signs with the threshold k256 root); the response needs no other
// authentication.
func VerifyEnvPubKey(res *kmsapi.PublicKeyResponse, appID, k256Root []byte) error {
	if len(res.PublicKey) != 32 {
		return fmt.Errorf("checking the env encryption key: %d bytes, want a 32-byte X25519 key", len(res.PublicKey))
	}
	check := func(ts *uint64, sig []byte) error {
		pub, err := kdf.Recover(kdf.EnvPubKeyMessage(appID, ts, res.PublicKey), sig)
		if err != nil {
			return err
		}
		if !bytes.Equal(ethcrypto.CompressPubkey(pub), k256Root) {
			return errors.New("it does not recover to the KMS's k256 root public key")
		}
		return nil
	}
	if err := check(nil, res.Signature); err != nil {
		return fmt.Errorf("checking the env encryption key's signature: %w", err)
	}
	if len(res.SignatureV1) > 0 {
		if err := check(&res.Timestamp, res.SignatureV1); err != nil {
			return fmt.Errorf("checking the env encryption key's signature_v1: %w", err)
		}
	}
	return nil
}
