// Package dstack is a Go implementation of dstack, the zero-trust platform for
// confidential containers: apps described by docker-compose run inside
// confidential VMs (Intel TDX, AMD SEV-SNP), receive their keys from a KMS only
// when their attested measurements are allowed by governance contracts on
// chain, and are reached through a gateway that proves to itself, by
// attestation, what it is talking to.
//
// The repository is one Go module. Its parts:
//
//   - tee: the shared vocabulary: evidence, its verification, RA-TLS
//     certificates, application identity and key derivation.
//   - caddymodules: the gateway and KMS as Caddy modules.
//
// This root package only blank-imports ./caddymodules, so that
//
//	xcaddy build --with github.com/dstack-go/dstack@v0.0.0=.
//
// builds a Caddy that carries every module of the project.
package dstack

import _ "github.com/dstack-go/dstack/caddymodules"
