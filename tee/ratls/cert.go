package ratls

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/wire"
)

// ReportDataTag is the QuoteContentType tag that binds a certificate key.
const ReportDataTag = "ratls-cert"

// DefaultValidity is the lifetime of a certificate whose CertOptions give no
// NotAfter. Upstream issues ten-year certificates; evidence inside a
// certificate is only as fresh as the certificate, so ours are short-lived.
const DefaultValidity = 7 * 24 * time.Hour

// CertOptions describe a certificate to create.
type CertOptions struct {
	// Subject is the common name.
	Subject string
	// OrgName, when set, becomes the O= attribute.
	OrgName string
	// SubjectAltNames become IP SANs when they parse as IP addresses, DNS
	// SANs otherwise.
	SubjectAltNames []string
	// ServerAuth and ClientAuth add the matching extended key usages.
	ServerAuth, ClientAuth bool
	// IsCA makes a CA certificate with the given path length.
	IsCA    bool
	PathLen int
	// NotBefore defaults to one minute before now; NotAfter to NotBefore
	// plus DefaultValidity.
	NotBefore, NotAfter time.Time
	// Serial, when set, is the serial number; by default it is random (a
	// certificate signed by several parties needs one they all know).
	Serial *big.Int
	// AppID, SpecialUsage and AppInfo fill OIDs 1.3, 1.4 and 1.9 when set.
	AppID        []byte
	SpecialUsage string
	AppInfo      *wire.AppInfo
	// Attestation fills OID 1.8; it must bind this certificate's key (see
	// ReportData). It is stripped before it is embedded.
	Attestation *wire.Attestation
}

// ReportData is the report_data that binds a certificate whose public key
// has the given SubjectPublicKeyInfo DER: SHA-512("ratls-cert:" ‖ SPKI).
func ReportData(spkiDER []byte) [64]byte {
	return identity.ReportData(ReportDataTag, spkiDER)
}

// CreateCertificate creates a certificate for pub signed by signer: as
// parent's key, or self-signed (signer holding pub's private key) when
// parent is nil. It returns the DER.
func CreateCertificate(opts CertOptions, pub crypto.PublicKey, parent *x509.Certificate, signer crypto.Signer) ([]byte, error) {
	serial := opts.Serial
	if serial == nil {
		var err error
		if serial, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)); err != nil {
			return nil, fmt.Errorf("creating certificate: serial: %w", err)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: opts.Subject},
		NotBefore:    opts.NotBefore,
		NotAfter:     opts.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Minute).Truncate(time.Second)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = tmpl.NotBefore.Add(DefaultValidity)
	}
	if opts.OrgName != "" {
		tmpl.Subject.Organization = []string{opts.OrgName}
	}
	for _, san := range opts.SubjectAltNames {
		if ip := net.ParseIP(san); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, san)
		}
	}
	if opts.ServerAuth {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if opts.ClientAuth {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if opts.IsCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.MaxPathLen, tmpl.MaxPathLenZero = opts.PathLen, opts.PathLen == 0
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	add := func(id []int, content []byte) error {
		ext, err := extension(id, content)
		if err == nil {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
		}
		return err
	}
	if opts.AppID != nil {
		if err := add(OIDAppID, opts.AppID); err != nil {
			return nil, err
		}
	}
	if opts.SpecialUsage != "" {
		if err := add(OIDSpecialUsage, []byte(opts.SpecialUsage)); err != nil {
			return nil, err
		}
	}
	if opts.Attestation != nil {
		raw, err := wire.Encode(opts.Attestation.Stripped())
		if err != nil {
			return nil, fmt.Errorf("creating certificate: encoding attestation: %w", err)
		}
		if err := add(OIDAttestation, raw); err != nil {
			return nil, err
		}
	}
	if opts.AppInfo != nil {
		raw, err := opts.AppInfo.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("creating certificate: encoding app info: %w", err)
		}
		if err := add(OIDAppInfo, raw); err != nil {
			return nil, err
		}
	}
	if signer == nil {
		return nil, errors.New("creating certificate: no signing key")
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("creating certificate: %w", err)
	}
	return der, nil
}

// Issue generates a fresh P-256 key, has attester attest it, and returns a
// TLS certificate whose OID 1.8 carries that evidence. The certificate is
// self-signed unless parent and parentKey are given. opts.Attestation is
// ignored.
func Issue(ctx context.Context, attester attest.Attester, opts CertOptions, parent *x509.Certificate, parentKey crypto.Signer) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("issuing RA-TLS certificate: %w", err)
	}
	return IssueFor(ctx, attester, key, opts, parent, parentKey)
}

// IssueFor is Issue for a key the caller keeps (a node's long-lived
// identity key, which its peers know it by).
func IssueFor(ctx context.Context, attester attest.Attester, key *ecdsa.PrivateKey, opts CertOptions, parent *x509.Certificate, parentKey crypto.Signer) (*tls.Certificate, error) {
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("issuing RA-TLS certificate: %w", err)
	}
	att, err := attester.Attest(ctx, ReportData(spki))
	if err != nil {
		return nil, fmt.Errorf("issuing RA-TLS certificate: attesting key: %w", err)
	}
	opts.Attestation = att
	signer := crypto.Signer(key)
	if parent != nil {
		signer = parentKey
	}
	der, err := CreateCertificate(opts, key.Public(), parent, signer)
	if err != nil {
		return nil, fmt.Errorf("issuing RA-TLS certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issuing RA-TLS certificate: %w", err)
	}
	chain := [][]byte{der}
	if parent != nil {
		chain = append(chain, parent.Raw)
	}
	return &tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}
