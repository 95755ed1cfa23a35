// Command caddy is Caddy with the standard modules and this project's modules,
// so that `go build ./cmd/caddy` gives the same binary as xcaddy.sh without
// needing xcaddy.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/dstack-go/dstack/caddymodules"
)

func main() {
	caddycmd.Main()
}
