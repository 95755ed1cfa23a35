package kmsclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/tee/wire"
)

type noAttester struct{}

func (noAttester) Attest(context.Context, [64]byte) (*wire.Attestation, error) {
	return nil, errors.New("no TEE")
}

// TestNewRefuses: no chain, no attester, or a non-RA-TLS URL is refused
// before anything is sent.
func TestNewRefuses(t *testing.T) {
	r := &chain.Reader{}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "https://kms", Attester: noAttester{}}, "chain reader is required"},
		{Config{URL: "https://kms", Chain: r}, "attester is required"},
		{Config{URL: "http://kms", Attester: noAttester{}, Chain: r}, "must be https"},
		{Config{URL: "https://kms", Attester: noAttester{}, Chain: r}, "no TEE"},
	} {
		if _, err := New(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

func selfSigned(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "root"}, NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestParseRoot: only the published key is accepted as the root CA.
func TestParseRoot(t *testing.T) {
	root, p := selfSigned(t)
	other, _ := selfSigned(t)
	if c, err := parseRoot(p, root.RawSubjectPublicKeyInfo); err != nil || !c.Equal(root) {
		t.Fatal(err)
	}
	for _, c := range []struct{ pem, want string }{
		{"", "no root CA"},
		{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "root CA"},
	} {
		if _, err := parseRoot(c.pem, root.RawSubjectPublicKeyInfo); !errors.Is(err, ErrUntrustedKMS) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v", c.pem, err)
		}
	}
	if _, err := parseRoot(p, other.RawSubjectPublicKeyInfo); !errors.Is(err, ErrUntrustedKMS) || !strings.Contains(err.Error(), "not the one published") {
		t.Fatalf("other root: %v", err)
	}
}
