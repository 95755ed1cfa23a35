#!/usr/bin/env bash
# Builds a Caddy binary with this project's modules through xcaddy.
#
#   ./xcaddy.sh [OUTPUT]        (default ./caddy)
#
# The local module is given a pinned pseudo-version (@v0.0.0=.): without it
# xcaddy asks the module proxy for the project's own path, and a proxy that
# answers anything but 404/410 for an unknown path makes the build fail.
# `go build ./cmd/caddy` produces an equivalent binary without xcaddy.
set -euo pipefail
cd "$(dirname "$0")"
XCADDY_VERSION=v0.4.5
CADDY_VERSION=$(go list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2)
MODULE=$(go list -m)
out=${1:-./caddy}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
exec go run "github.com/caddyserver/xcaddy/cmd/xcaddy@${XCADDY_VERSION}" build "$CADDY_VERSION" \
	--output "$out" \
	--with "${MODULE}@v0.0.0=$PWD"
