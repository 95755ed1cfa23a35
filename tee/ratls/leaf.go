package ratls

import (
	"crypto/x509"
	"time"

	"github.com/dstack-go/dstack/tee/wire"
)

// LeafOptions are the options of an app's leaf certificate as the KMS's
// SignCert issues it under the app CA issuer, from the CSR's config: the
// subject, names and usages asked for, the app id and the app-custom
// usage, the validity asked for but never past the issuer's, and, when
// asked, the attestation (ext_quote) and the app info (ext_app_info,
// from verified evidence).
func LeafOptions(cfg wire.CertConfigV2, appID []byte, att *wire.Attestation, info *wire.AppInfo, issuer *x509.Certificate) CertOptions {
	opts := CertOptions{
		Subject: cfg.Subject, SubjectAltNames: cfg.SubjectAltNames,
		ServerAuth: cfg.UsageServerAuth, ClientAuth: cfg.UsageClientAuth,
		AppID: appID, SpecialUsage: UsageAppCustom,
	}
	if cfg.OrgName != nil {
		opts.OrgName = *cfg.OrgName
	}
	if cfg.NotBefore != nil {
		opts.NotBefore = time.Unix(int64(*cfg.NotBefore), 0)
	}
	if cfg.NotAfter != nil {
		opts.NotAfter = time.Unix(int64(*cfg.NotAfter), 0)
	}
	// A leaf is of no use past its issuer: a longer request (upstream's
	// agents ask for ten years) ends with the app CA.
	if opts.NotAfter.After(issuer.NotAfter) {
		opts.NotAfter = issuer.NotAfter
	}
	if cfg.ExtQuote {
		opts.Attestation = att
	}
	if cfg.ExtAppInfo {
		opts.AppInfo = info
	}
	return opts
}
