package sealed

import (
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// UnmarshalCaddyfile reads the module from the global storage option:
//
//	storage dstack_sealed {
//		backend <storage module> [<args>] [{ … }]
//		socket            <path>
//		key_path          <path>
//		purpose           <purpose>
//		insecure_key_hex  <64 hex digits>
//		insecure_key_file <file>
//	}
func (m *Module) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if opt == "backend" {
			if m.BackendRaw != nil {
				return d.Err("backend given twice")
			}
			if !d.NextArg() {
				return d.ArgErr()
			}
			name := d.Val()
			if name == "dstack_sealed" {
				return d.Err("the backend of dstack_sealed cannot be dstack_sealed")
			}
			mod, err := caddyfile.UnmarshalModule(d, "caddy.storage."+name)
			if err != nil {
				return err
			}
			m.BackendRaw = caddyconfig.JSONModuleObject(mod, "module", name, nil)
			continue
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		var field *string
		switch opt {
		case "socket":
			field = &m.Socket
		case "key_path":
			field = &m.KeyPath
		case "purpose":
			field = &m.Purpose
		case "insecure_key_hex":
			field = &m.InsecureKeyHex
		case "insecure_key_file":
			field = &m.InsecureKeyFile
		default:
			return d.Errf("unknown dstack_sealed option %q", opt)
		}
		if *field != "" {
			return d.Errf("%s given twice", opt)
		}
		*field = val
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Module)(nil)
