package verification

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/tee/ratls"
)

// raTLSCert makes a certificate from the mock TD: opts changed by change,
// its attestation binding bindKey's public key (the certificate's own when
// nil), signed by signer (self-signed when nil).
func raTLSCert(t *testing.T, td *mockTD, change func(*ratls.CertOptions), bindKey, signer *ecdsa.PrivateKey) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bindKey == nil {
		bindKey = key
	}
	spki, err := x509.MarshalPKIXPublicKey(&bindKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	opts := ratls.CertOptions{Subject: "app", SubjectAltNames: []string{"app.example"}, ServerAuth: true,
		Attestation: td.attest(t, ratls.ReportData(spki))}
	if change != nil {
		change(&opts)
	}
	if signer == nil {
		signer = key
	}
	der, err := ratls.CreateCertificate(opts, &key.PublicKey, nil, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestVerifyCertificate(t *testing.T) {
	td := newMockTD(t)
	opts := td.options(false).Attestation
	der := raTLSCert(t, td, nil, nil, nil)
	for form, raw := range map[string][]byte{"DER": der, "PEM": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})} {
		cert, err := ParseCertificate(raw)
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		v, err := VerifyCertificate(context.Background(), cert, opts)
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		if hex.EncodeToString(v.AppID) != strings.Repeat("aa", 20) {
			t.Fatalf("%s: app id %x", form, v.AppID)
		}
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := map[string]struct {
		der  []byte
		opts func(*ratls.CertOptions)
		want string
	}{
		"bound to another key": {der: raTLSCert(t, td, nil, other, nil), want: ratls.ErrKeyBinding.Error()},
		"not self-signed":      {der: raTLSCert(t, td, nil, nil, other), want: "self-signature"},
		"no attestation":       {der: raTLSCert(t, td, func(o *ratls.CertOptions) { o.Attestation = nil }, nil, nil), want: ratls.ErrNoAttestation.Error()},
		"no TLS usage":         {der: raTLSCert(t, td, func(o *ratls.CertOptions) { o.ServerAuth = false }, nil, nil), want: "neither server nor client"},
		"no SAN":               {der: raTLSCert(t, td, func(o *ratls.CertOptions) { o.SubjectAltNames = nil }, nil, nil), want: "no subject alternative name"},
		"expired": {der: raTLSCert(t, td, func(o *ratls.CertOptions) {
			o.NotBefore, o.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
		}, nil, nil), want: ratls.ErrCertificateTime.Error()},
		"tampered quote": {der: raTLSCert(t, td, func(o *ratls.CertOptions) {
			o.Attestation.TDX.Quote[len(o.Attestation.TDX.Quote)-100] ^= 1
		}, nil, nil), want: "verifying TDX attestation"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cert, err := ParseCertificate(c.der)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyCertificate(context.Background(), cert, opts); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
	// A certificate whose key may not sign, carrying the same attestation.
	good, _ := x509.ParseCertificate(der)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: good.NotBefore, NotAfter: good.NotAfter,
		KeyUsage: x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"app.example"}}
	for _, e := range good.Extensions {
		if e.Id.Equal(ratls.OIDAttestation) {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noSign, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err := x509.ParseCertificate(noSign); err != nil {
		t.Fatal(err)
	} else if _, err := VerifyCertificate(context.Background(), cert, opts); err == nil || !strings.Contains(err.Error(), "does not permit digital signatures") {
		t.Fatalf("key usage without digital signature: %v", err)
	}
	// A flipped bit in the signed part breaks the self-signature.
	tampered := append([]byte{}, der...)
	cert, _ := x509.ParseCertificate(der)
	i := strings.Index(string(tampered), string(cert.RawSubject))
	tampered[i+len(cert.RawSubject)-1] ^= 1
	if cert, err := ParseCertificate(tampered); err != nil {
		t.Fatal(err)
	} else if _, err := VerifyCertificate(context.Background(), cert, opts); err == nil || !strings.Contains(err.Error(), "self-signature") {
		t.Fatalf("tampered subject: %v", err)
	}
	// Without the mock roots the same certificate is refused.
	cert, _ = ParseCertificate(der)
	if _, err := VerifyCertificate(context.Background(), cert, td.options(false).Attestation); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyCertificate(context.Background(), cert, Options{}.Attestation); err == nil {
		t.Fatal("mock evidence verified with the vendors' roots")
	}
	for name, raw := range map[string][]byte{
		"garbage":   []byte("hello"),
		"PEM key":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}),
		"truncated": der[:len(der)/2],
	} {
		if _, err := ParseCertificate(raw); err == nil || !strings.Contains(err.Error(), "reading certificate") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
