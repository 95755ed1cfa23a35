package wire

import (
	"fmt"
)

// CSRConfirm is the fixed confirmation string that opens every CSR.
const CSRConfirm = "please sign cert:"

// CertConfigV2 is what a CSR asks the KMS to put in the certificate.
type CertConfigV2 struct {
	OrgName         *string
	Subject         string
	SubjectAltNames []string
	UsageServerAuth bool
	UsageClientAuth bool
	ExtQuote        bool
	ExtAppInfo      bool
	NotBefore       *uint64 // Unix seconds
	NotAfter        *uint64
}

// CertSigningRequestV2 is the SCALE CSR of SignCert api_version 2. The
// attestation is the raw VersionedAttestation to the end of the input, with
// no length prefix.
type CertSigningRequestV2 struct {
	Confirm     string
	PubKey      []byte // SubjectPublicKeyInfo DER
	Config      CertConfigV2
	Attestation []byte
}

// Encode returns the SCALE bytes, which the CSR key signs.
func (c *CertSigningRequestV2) Encode() []byte {
	cfg := c.Config
	b := appendCSRHead(nil, c.Confirm, c.PubKey, cfg.OrgName, cfg.Subject, cfg.SubjectAltNames, cfg.UsageServerAuth, cfg.UsageClientAuth)
	b = appendBool(b, cfg.ExtQuote)
	b = appendBool(b, cfg.ExtAppInfo)
	for _, t := range []*uint64{cfg.NotBefore, cfg.NotAfter} {
		if t != nil {
			b = appendU64(append(b, 1), *t)
		} else {
			b = append(b, 0)
		}
	}
	return append(b, c.Attestation...)
}

// DecodeCSRV2 decodes a V2 CSR. The confirmation string must be CSRConfirm.
func DecodeCSRV2(b []byte) (*CertSigningRequestV2, error) {
	d, h, err := decodeCSRHead(b)
	if err != nil {
		return nil, err
	}
	c := &CertSigningRequestV2{Confirm: h.confirm, PubKey: h.pub, Config: CertConfigV2{
		OrgName: h.org, Subject: h.subject, SubjectAltNames: h.sans, UsageServerAuth: h.server, UsageClientAuth: h.client,
	}}
	for _, dst := range []*bool{&c.Config.ExtQuote, &c.Config.ExtAppInfo} {
		if *dst, err = d.boolean("CSR extension flag"); err != nil {
			return nil, err
		}
	}
	for _, dst := range []**uint64{&c.Config.NotBefore, &c.Config.NotAfter} {
		some, err := d.option("CSR validity")
		if err != nil {
			return nil, err
		}
		if some {
			v, err := d.u64("CSR validity")
			if err != nil {
				return nil, err
			}
			*dst = &v
		}
	}
	c.Attestation = append([]byte{}, b[d.off:]...)
	return c, nil
}

// CertSigningRequestV1 is the CSR of SignCert api_version 1: a shorter
// config, then a TDX quote and a JSON event log.
type CertSigningRequestV1 struct {
	Confirm         string
	PubKey          []byte
	OrgName         *string
	Subject         string
	SubjectAltNames []string
	UsageServerAuth bool
	UsageClientAuth bool
	Quote           []byte
	EventLog        []byte // JSON TdxEvent array
}

// Encode returns the SCALE bytes of a V1 CSR, which the CSR key signs.
func (c *CertSigningRequestV1) Encode() []byte {
	b := appendCSRHead(nil, c.Confirm, c.PubKey, c.OrgName, c.Subject, c.SubjectAltNames, c.UsageServerAuth, c.UsageClientAuth)
	b = appendBytes(b, c.Quote)
	return appendBytes(b, c.EventLog)
}

// DecodeCSRV1 decodes a V1 CSR.
func DecodeCSRV1(b []byte) (*CertSigningRequestV1, error) {
	d, h, err := decodeCSRHead(b)
	if err != nil {
		return nil, err
	}
	c := &CertSigningRequestV1{Confirm: h.confirm, PubKey: h.pub, OrgName: h.org, Subject: h.subject,
		SubjectAltNames: h.sans, UsageServerAuth: h.server, UsageClientAuth: h.client}
	if c.Quote, err = d.bytes("CSR quote"); err != nil {
		return nil, err
	}
	if c.EventLog, err = d.bytes("CSR event log"); err != nil {
		return nil, err
	}
	if d.remaining() != 0 {
		return nil, d.fail("CSR", "%d trailing bytes", d.remaining())
	}
	return c, nil
}

// csrHead is what V1 and V2 CSRs share.
type csrHead struct {
	confirm        string
	pub            []byte
	org            *string
	subject        string
	sans           []string
	server, client bool
}

// decodeCSRHead reads the shared head of a CSR; the confirmation string
// must be CSRConfirm.
func decodeCSRHead(b []byte) (*scaleDecoder, csrHead, error) {
	var h csrHead
	if len(b) > MaxSize {
		return nil, h, fmt.Errorf("%w: CSR of %d bytes", ErrMalformed, len(b))
	}
	d := &scaleDecoder{b: b}
	var err error
	if h.confirm, err = d.str("CSR confirm"); err != nil {
		return nil, h, err
	}
	if h.confirm != CSRConfirm {
		return nil, h, d.fail("CSR confirm", "%q is not %q", h.confirm, CSRConfirm)
	}
	if h.pub, err = d.bytes("CSR public key"); err != nil {
		return nil, h, err
	}
	some, err := d.option("CSR org name")
	if err != nil {
		return nil, h, err
	}
	if some {
		var s string
		if s, err = d.str("CSR org name"); err != nil {
			return nil, h, err
		}
		h.org = &s
	}
	if h.subject, err = d.str("CSR subject"); err != nil {
		return nil, h, err
	}
	n, err := d.length("CSR subject alt names", 1)
	if err != nil {
		return nil, h, err
	}
	for i := 0; i < n; i++ {
		s, err := d.str("CSR subject alt name")
		if err != nil {
			return nil, h, err
		}
		h.sans = append(h.sans, s)
	}
	if h.server, err = d.boolean("CSR server auth"); err != nil {
		return nil, h, err
	}
	if h.client, err = d.boolean("CSR client auth"); err != nil {
		return nil, h, err
	}
	return d, h, nil
}

// appendCSRHead encodes what V1 and V2 CSRs share: the confirmation, the
// key, and the V1 part of the certificate configuration.
func appendCSRHead(b []byte, confirm string, pub []byte, org *string, subject string, sans []string, server, client bool) []byte {
	b = appendStr(b, confirm)
	b = appendBytes(b, pub)
	if org != nil {
		b = appendStr(append(b, 1), *org)
	} else {
		b = append(b, 0)
	}
	b = appendStr(b, subject)
	b = appendCompact(b, uint64(len(sans)))
	for _, s := range sans {
		b = appendStr(b, s)
	}
	b = appendBool(b, server)
	return appendBool(b, client)
}
