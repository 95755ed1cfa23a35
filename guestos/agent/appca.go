package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// appCASigner signs the CVM's leaf certificates with its own app CA (a
// threshold KMS certified it at boot), as the KMS's SignCert would: the
// same CSR checks and certificate profile, and the chain [leaf, app CA,
// root CA].
type appCASigner struct {
	ca   *boot.AppCA
	app  []byte
	opts attest.Options
}

// SignCert implements CertSigner.
func (s appCASigner) SignCert(ctx context.Context, req *kmsapi.SignCertRequest) (*kmsapi.SignCertResponse, error) {
	if req.APIVersion != 2 {
		return nil, prpc.Errorf("api_version %d: the app CA signs version 2 CSRs", req.APIVersion)
	}
	csr, err := wire.DecodeCSRV2(req.CSR)
	if err != nil {
		return nil, prpc.Public("invalid CSR", err)
	}
	k, err := x509.ParsePKIXPublicKey(csr.PubKey)
	pub, ok := k.(*ecdsa.PublicKey)
	if err != nil || !ok {
		return nil, prpc.Errorf("CSR public key must be ECDSA P-256")
	}
	digest := sha256.Sum256(req.CSR)
	if !ecdsa.VerifyASN1(pub, digest[:], req.Signature) {
		return nil, prpc.Errorf("CSR signature does not verify")
	}
	att, _, err := wire.Decode(csr.Attestation)
	if err != nil {
		return nil, prpc.Public("invalid CSR attestation", err)
	}
	if att.ReportData != ratls.ReportData(csr.PubKey) {
		return nil, prpc.Errorf("the attestation does not bind the CSR key")
	}
	var info *wire.AppInfo
	if csr.Config.ExtAppInfo {
		ev, err := attest.Verify(ctx, att, s.opts)
		if err != nil {
			return nil, prpc.Public("verifying the CSR attestation", err)
		}
		i := ev.AppInfo(true)
		info = &i
	}
	der, err := ratls.CreateCertificate(ratls.LeafOptions(csr.Config, s.app, att, info, s.ca.Cert), pub, s.ca.Cert, s.ca.Key)
	if err != nil {
		return nil, prpc.Public("signing failed", err)
	}
	enc := func(der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return &kmsapi.SignCertResponse{CertificateChain: []string{enc(der), enc(s.ca.Cert.Raw), enc(s.ca.Root.Raw)}}, nil
}
