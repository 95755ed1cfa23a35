package verification

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// ParseCertificate reads one X.509 certificate, PEM ("CERTIFICATE" block,
// the first if there are several) or DER.
func ParseCertificate(raw []byte) (*x509.Certificate, error) {
	der := raw
	if t := bytes.TrimSpace(raw); bytes.HasPrefix(t, []byte("-----BEGIN")) {
		for rest := t; ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				return nil, errors.New("reading certificate: no PEM CERTIFICATE block")
			}
			if block.Type == "CERTIFICATE" {
				der = block.Bytes
				break
			}
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	return cert, nil
}

// VerifyCertificate verifies an RA-TLS certificate on its own, as
// upstream's `dstack-verifier --verify-cert` does
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/verifier/src/main.rs):
// the certificate must be self-signed (its signature verifies with its own
// key, the key the attestation binds, so the attested holder issued these
// names and dates), valid at opts.Now, usable for TLS (digital-signature key
// usage, server or client authentication, at least one subject alternative
// name), and carry an attestation (OID 1.8) that verifies and whose
// report_data binds the certificate's public key. It returns what the
// attestation proves.
func VerifyCertificate(ctx context.Context, cert *x509.Certificate, opts attest.Options) (*attest.Verified, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := checkCertificateProfile(cert); err != nil {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", err)
	}
	v := &ratls.Verifier{Attestation: opts, Now: func() time.Time { return now }}
	claims, err := v.VerifyChain(ctx, [][]byte{cert.Raw})
	if err != nil {
		return nil, err
	}
	return claims.Evidence, nil
}

// checkCertificateProfile is upstream's verify_certificate_profile, less
// the validity period, which ratls checks.
func checkCertificateProfile(cert *x509.Certificate) error {
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return fmt.Errorf("certificate self-signature verification failed (only a self-signed RA-TLS certificate can be checked on its own): %w", err)
	}
	if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errors.New("certificate key usage does not permit digital signatures")
	}
	tlsUsage := false
	for _, u := range cert.ExtKeyUsage {
		tlsUsage = tlsUsage || u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageClientAuth
	}
	if !tlsUsage {
		return errors.New("certificate extended key usage permits neither server nor client authentication")
	}
	if len(cert.DNSNames)+len(cert.IPAddresses)+len(cert.URIs)+len(cert.EmailAddresses) == 0 {
		return errors.New("certificate has no subject alternative name")
	}
	return nil
}
