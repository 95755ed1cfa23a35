package ztacme

import (
	"encoding/json"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// UnmarshalCaddyfile reads the issuer in a tls directive or the cert_issuer
// global option:
//
//	issuer dstack_acme {
//		base_domain    <name>
//		zone           <zone>
//		caa_identity   <CA domain>
//		check_interval <duration>
//		acme {
//			<the acme issuer's options: dir, email, trusted_roots, dns <provider> {…}, resolvers, propagation_timeout, …>
//		}
//	}
func (iss *Issuer) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if opt == "acme" {
			if iss.ACME != nil {
				return d.Err("acme given twice")
			}
			mod, err := caddyfile.UnmarshalModule(d, "tls.issuance.acme")
			if err != nil {
				return err
			}
			raw, err := json.Marshal(mod)
			if err != nil {
				return d.Errf("acme: %v", err)
			}
			iss.ACME = raw
			continue
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch opt {
		case "base_domain":
			iss.BaseDomain = val
		case "zone":
			iss.Zone = val
		case "caa_identity":
			iss.CAAIdentity = val
		case "check_interval":
			dur, err := caddy.ParseDuration(val)
			if err != nil {
				return d.Errf("check_interval: %v", err)
			}
			iss.CheckInterval = caddy.Duration(dur)
		default:
			return d.Errf("unknown dstack_acme option %q", opt)
		}
	}
	if iss.BaseDomain == "" {
		return d.Err("dstack_acme: base_domain is required")
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Issuer)(nil)
