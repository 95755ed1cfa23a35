// Package caddymodules registers every Caddy module of the project. Importing
// it (as the root package and cmd/caddy do) is what plugs the modules into a
// Caddy build; each module family lives in a sub-package of its own and is
// blank-imported here, with caddy-l4's standard layer4 modules, which the
// gateway's passthrough and terminated TCP routes run in.
package caddymodules

import (
	_ "github.com/mholt/caddy-l4"

	_ "github.com/dstack-go/dstack/caddymodules/cloudflare"
	_ "github.com/dstack-go/dstack/caddymodules/etcdstorage"
	_ "github.com/dstack-go/dstack/caddymodules/gateway"
	_ "github.com/dstack-go/dstack/caddymodules/kmsapp"
	_ "github.com/dstack-go/dstack/caddymodules/rfc2136"
	_ "github.com/dstack-go/dstack/caddymodules/sealed"
	_ "github.com/dstack-go/dstack/caddymodules/verifier"
	_ "github.com/dstack-go/dstack/caddymodules/ztacme"
)
