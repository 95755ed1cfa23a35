// Package contracts holds the governance contracts of dstack — DstackKms
// (OS images, KMS instances, app registry, published KMS root keys) and
// DstackApp (one app's allowed compose hashes and devices) — as Solidity
// sources (src/), compiled artifacts (artifacts/) and Go bindings
// (bindings/), ABI-compatible with upstream dstack. `make contracts`
// rebuilds them; CI fails if the committed outputs differ from a rebuild.
package contracts
