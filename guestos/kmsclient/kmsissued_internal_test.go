package kmsclient

import (
	"bytes"
	"errors"
	"testing"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/kdf"
)

// TestCheckKmsIssued: only the k256 root's signature over this app id and
// this key passes.
func TestCheckKmsIssued(t *testing.T) {
	root, _ := ethcrypto.GenerateKey()
	other, _ := ethcrypto.GenerateKey()
	app, _ := ethcrypto.GenerateKey()
	appID := bytes.Repeat([]byte{1}, 20)
	sign := func(k []byte, id []byte) []byte {
		priv := root
		if k != nil {
			priv = other
		}
		sig, err := ethcrypto.Sign(ethcrypto.Keccak256(kdf.KmsIssuedMessage(id, &app.PublicKey)), priv)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	rootPub := ethcrypto.CompressPubkey(&root.PublicKey)
	if err := checkKmsIssued(rootPub, appID, &app.PublicKey, sign(nil, appID)); err != nil {
		t.Fatalf("the root's signature: %v", err)
	}
	flipped := sign(nil, appID)
	flipped[10] ^= 1
	for name, sig := range map[string][]byte{
		"another key's signature": sign([]byte{1}, appID),
		"another app's signature": sign(nil, bytes.Repeat([]byte{2}, 20)),
		"a flipped byte":          flipped,
		"a truncated signature":   sign(nil, appID)[:64],
		"no signature":            nil,
	} {
		if err := checkKmsIssued(rootPub, appID, &app.PublicKey, sig); !errors.Is(err, ErrUntrustedKMS) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
