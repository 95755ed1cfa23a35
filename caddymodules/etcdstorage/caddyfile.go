package etcdstorage

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// UnmarshalCaddyfile reads the module from the global storage option:
//
//	storage etcd [<endpoint>...] {
//		endpoints          <endpoint>...
//		prefix             <prefix>
//		ca                 <file>
//		cert               <file>
//		key                <file>
//		server_name        <name>
//		dial_timeout       <duration>
//		timeout            <duration>
//		lock_ttl           <duration>
//		insecure_plaintext
//	}
func (m *Module) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	m.Endpoints = append(m.Endpoints, d.RemainingArgs()...)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		switch opt {
		case "endpoints":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			m.Endpoints = append(m.Endpoints, args...)
			continue
		case "insecure_plaintext":
			if d.NextArg() {
				return d.ArgErr()
			}
			m.InsecurePlaintext = true
			continue
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		var field *string
		var dur *caddy.Duration
		switch opt {
		case "prefix":
			field = &m.Prefix
		case "ca":
			field = &m.CA
		case "cert":
			field = &m.Cert
		case "key":
			field = &m.Key
		case "server_name":
			field = &m.ServerName
		case "dial_timeout":
			dur = &m.DialTimeout
		case "timeout":
			dur = &m.Timeout
		case "lock_ttl":
			dur = &m.LockTTL
		default:
			return d.Errf("unknown etcd storage option %q", opt)
		}
		if dur != nil {
			if *dur != 0 {
				return d.Errf("%s given twice", opt)
			}
			v, err := caddy.ParseDuration(val)
			if err != nil {
				return d.Errf("%s %q: %v", opt, val, err)
			}
			*dur = caddy.Duration(v)
			continue
		}
		if *field != "" {
			return d.Errf("%s given twice", opt)
		}
		*field = val
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Module)(nil)
