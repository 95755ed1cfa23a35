package attest

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-sev-guest/verify/trust"
)

// ParseTrustRootsPEM reads replacement roots of trust from PEM: every
// certificate joins the TDX root pool, and AMD-style pairs — an ARK whose
// common name is "ARK-<line>" and an ASK "SEV-<line>" it signed — become the
// SEV-SNP roots of that product line. It is for mock PKIs; the result is
// meant for Options.InsecureTrustRoots.
func ParseTrustRootsPEM(data []byte) (*TrustRoots, error) {
	roots := &TrustRoots{TDX: x509.NewCertPool()}
	arks := map[string]*x509.Certificate{}
	asks := map[string]*x509.Certificate{}
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing trust roots: certificate %d: %w", n+1, err)
		}
		n++
		roots.TDX.AddCert(cert)
		cn := cert.Subject.CommonName
		switch {
		case strings.HasPrefix(cn, "ARK-"):
			arks[strings.TrimPrefix(cn, "ARK-")] = cert
		case strings.HasPrefix(cn, "SEV-"):
			asks[strings.TrimPrefix(cn, "SEV-")] = cert
		}
	}
	if n == 0 {
		return nil, errors.New("parsing trust roots: no PEM CERTIFICATE found")
	}
	for line, ark := range arks {
		ask, ok := asks[line]
		if !ok {
			continue
		}
		if err := ask.CheckSignatureFrom(ark); err != nil {
			return nil, fmt.Errorf("parsing trust roots: ASK of %s is not signed by its ARK: %w", line, err)
		}
		if roots.SNP == nil {
			roots.SNP = map[string][]*trust.AMDRootCerts{}
		}
		roots.SNP[line] = append(roots.SNP[line], &trust.AMDRootCerts{
			ProductLine:  line,
			ProductCerts: &trust.ProductCerts{Ark: ark, Ask: ask},
		})
	}
	return roots, nil
}
