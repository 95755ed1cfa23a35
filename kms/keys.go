package kms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/kms/seal"
	"github.com/dstack-go/dstack/tee/ratls"
)

// Subjects of the KMS certificates, as upstream issues them.
const (
	rootCASubject   = "Dstack KMS CA"
	tempCASubject   = "Dstack Client Temp CA"
	orgName         = "Dstack"
	caValidity      = 10 * 365 * 24 * time.Hour
	sealedKeysMagic = "dstack-kms-sealed-keys-v1"
)

// RootKeys are the KMS's root secrets and certificates. Every app key is
// derived from CAKey (P-256) and K256 (secp256k1). They exist in clear only
// in this process's memory; at rest they are sealed (Seal).
type RootKeys struct {
	// CAKey and CACert are the root CA ("Dstack KMS CA").
	CAKey  *ecdsa.PrivateKey
	CACert *x509.Certificate
	// K256 is the root secp256k1 key.
	K256 *ecdsa.PrivateKey
	// TempCAKey and TempCACert are the temporary client CA, whose private
	// key is handed to every caller of GetTempCaCert on purpose: clients sign
	// their own RA-TLS client certificates with it, and the trust comes from
	// the attestation inside those certificates, not from this CA.
	TempCAKey  *ecdsa.PrivateKey
	TempCACert *x509.Certificate
}

// GenerateRootKeys creates fresh root keys and their certificates.
func GenerateRootKeys(now time.Time) (*RootKeys, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating root CA key: %w", err)
	}
	k256, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generating root k256 key: %w", err)
	}
	tmpKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating temp CA key: %w", err)
	}
	k := &RootKeys{CAKey: caKey, K256: k256, TempCAKey: tmpKey}
	if err := k.issueCACerts(now); err != nil {
		return nil, err
	}
	return k, nil
}

// issueCACerts (re)creates the root and temp CA certificates for the keys.
func (k *RootKeys) issueCACerts(now time.Time) error {
	nb := now.Add(-time.Hour).Truncate(time.Second)
	der, err := ratls.CreateCertificate(ratls.CertOptions{
		Subject: rootCASubject, OrgName: orgName, IsCA: true, PathLen: 1,
		NotBefore: nb, NotAfter: nb.Add(caValidity),
	}, &k.CAKey.PublicKey, nil, k.CAKey)
	if err != nil {
		return fmt.Errorf("issuing root CA certificate: %w", err)
	}
	if k.CACert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	der, err = ratls.CreateCertificate(ratls.CertOptions{
		Subject: tempCASubject, OrgName: orgName, IsCA: true, PathLen: 0,
		NotBefore: nb, NotAfter: nb.Add(caValidity),
	}, &k.TempCAKey.PublicKey, nil, k.TempCAKey)
	if err != nil {
		return fmt.Errorf("issuing temp CA certificate: %w", err)
	}
	k.TempCACert, err = x509.ParseCertificate(der)
	return err
}

// CAPublicKeyDER is the root CA's SubjectPublicKeyInfo DER: what guests pin
// as the key-provider id and what setKmsInfo publishes.
func (k *RootKeys) CAPublicKeyDER() []byte { return k.CACert.RawSubjectPublicKeyInfo }

// K256PublicKey is the compressed (33-byte) root secp256k1 public key.
func (k *RootKeys) K256PublicKey() []byte { return crypto.CompressPubkey(&k.K256.PublicKey) }

// sealedKeys is the plaintext layout of sealed root keys.
type sealedKeys struct {
	CAKey      []byte `json:"ca_key"` // PKCS#8 DER
	CACert     []byte `json:"ca_cert"`
	K256       []byte `json:"k256"` // 32-byte scalar
	TempCAKey  []byte `json:"temp_ca_key"`
	TempCACert []byte `json:"temp_ca_cert"`
}

// ErrUnseal means sealed keys could not be opened: wrong sealing key, or a
// damaged or foreign file.
var ErrUnseal = errors.New("cannot unseal root keys")

// Seal encrypts the root keys under sealingKey (the KMS's own disk key
// from its key provider) as package seal does.
func (k *RootKeys) Seal(sealingKey []byte) ([]byte, error) {
	caKey, err := x509.MarshalPKCS8PrivateKey(k.CAKey)
	if err != nil {
		return nil, fmt.Errorf("sealing root keys: %w", err)
	}
	tmpKey, err := x509.MarshalPKCS8PrivateKey(k.TempCAKey)
	if err != nil {
		return nil, fmt.Errorf("sealing root keys: %w", err)
	}
	plain, err := json.Marshal(sealedKeys{
		CAKey: caKey, CACert: k.CACert.Raw, K256: crypto.FromECDSA(k.K256),
		TempCAKey: tmpKey, TempCACert: k.TempCACert.Raw,
	})
	if err != nil {
		return nil, fmt.Errorf("sealing root keys: %w", err)
	}
	sealed, err := seal.Seal(sealedKeysMagic, sealingKey, plain)
	if err != nil {
		return nil, fmt.Errorf("sealing root keys: %w", err)
	}
	clear(plain)
	clear(caKey)
	clear(tmpKey)
	return sealed, nil
}

// UnsealRootKeys opens what Seal produced.
func UnsealRootKeys(sealed, sealingKey []byte) (*RootKeys, error) {
	plain, err := seal.Open(sealedKeysMagic, sealingKey, sealed)
	if errors.Is(err, seal.ErrOpen) {
		return nil, fmt.Errorf("%w: %w", ErrUnseal, err)
	}
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	var s sealedKeys
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnseal, err)
	}
	k := &RootKeys{}
	if k.CAKey, err = parseP256(s.CAKey); err != nil {
		return nil, fmt.Errorf("%w: root CA key: %v", ErrUnseal, err)
	}
	if k.TempCAKey, err = parseP256(s.TempCAKey); err != nil {
		return nil, fmt.Errorf("%w: temp CA key: %v", ErrUnseal, err)
	}
	if k.K256, err = crypto.ToECDSA(s.K256); err != nil {
		return nil, fmt.Errorf("%w: k256 key: %v", ErrUnseal, err)
	}
	if k.CACert, err = x509.ParseCertificate(s.CACert); err != nil {
		return nil, fmt.Errorf("%w: root CA certificate: %v", ErrUnseal, err)
	}
	if k.TempCACert, err = x509.ParseCertificate(s.TempCACert); err != nil {
		return nil, fmt.Errorf("%w: temp CA certificate: %v", ErrUnseal, err)
	}
	return k, nil
}

func parseP256(der []byte) (*ecdsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 key")
	}
	return ec, nil
}

// pemCert encodes a certificate as PEM.
func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// pemKey encodes a P-256 key as PKCS#8 PEM.
func pemKey(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// pemBytes returns the DER of the first PEM block of the given type.
func pemBytes(s, typ string) ([]byte, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != typ {
		return nil, fmt.Errorf("no PEM %s", typ)
	}
	return block.Bytes, nil
}
