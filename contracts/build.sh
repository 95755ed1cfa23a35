#!/usr/bin/env bash
# Compiles the Solidity contracts (solc-js, pinned in package-lock.json) and
# regenerates the Go bindings (abigen v2, pinned to the go-ethereum version of
# go.mod). With --check, fails if the committed artifacts or bindings differ
# from a fresh build.
set -euo pipefail
cd "$(dirname "$0")"
GETH_VERSION=$(cd .. && go list -m -f '{{.Version}}' github.com/ethereum/go-ethereum)
npm ci --silent --no-audit --no-fund
node build.mjs
for c in DstackKms DstackApp DstackGovernance ERC1967Proxy; do
	lower=$(echo "$c" | tr '[:upper:]' '[:lower:]')
	mkdir -p "bindings/$lower"
	go run "github.com/ethereum/go-ethereum/cmd/abigen@${GETH_VERSION}" --v2 \
		--abi "artifacts/$c.abi" --bin "artifacts/$c.bin" --pkg "$lower" --type "$c" --out "bindings/$lower/$lower.go"
done
if [ "${1:-}" = "--check" ]; then
	if ! git diff --exit-code -- artifacts bindings; then
		echo "contracts: committed artifacts or bindings differ from a fresh build; run 'make contracts' and commit" >&2
		exit 1
	fi
	untracked=$(git ls-files --others --exclude-standard -- artifacts bindings)
	if [ -n "$untracked" ]; then
		echo "contracts: uncommitted build outputs: $untracked" >&2
		exit 1
	fi
fi
