# The project's build, test and check entry points. `make test` is the test
# command of the README and of CI (.ci/run).

GO        ?= go
FUZZTIME  ?= 5s
BENCHTIME ?= 1s
BENCH_DURATION ?= 3s
BENCH_REPS ?= 3
BENCH_WORKERS ?= 16
BENCH_RATE ?= 200
BENCH_COUNT ?= 3
STATICCHECK_VERSION := v0.8.2

.PHONY: all build test lint bench fuzz demo contracts contracts-check clean

all: build

## build: compile every package and the binaries into ./bin
build:
	$(GO) build ./...
	$(GO) build -o bin/ ./cmd/dstack ./cmd/caddy ./kms/cmd/dstack-kms

## test: every test of the module (unit, integration and end-to-end)
test:
	$(GO) test -count=1 -timeout 30m ./...

## lint: gofmt, go vet and staticcheck
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: one run of test/bench — the backend direct and through nginx, plain
## Caddy and the attested gateway (req/s, p50, p99, spread over BENCH_REPS
## interleaved repetitions of BENCH_DURATION per phase), then the KMS, guest
## agent and tee/ microbenchmarks (BENCHTIME, BENCH_COUNT; among them TDX lite
## verification with the OS image binding beside the same without it, and the
## difference) and the gateway cluster's (registration-to-routable time across
## two nodes; requests through two nodes against one, and each node of two's CPU
## time per request against a lone node's, served side by side; the failed
## requests and the gap when a node is killed, beside a phase without); markdown
## tables on stdout and in .bench/results.md; then the guest OS image: its size,
## build time and a dev stack CVM's boot to system-ready as a qemu VM (TCG) beside
## process mode.
## Installs nginx (Debian package) if it is missing.
bench:
	@command -v nginx >/dev/null || apt-get install -y nginx
	$(GO) build -o bin/ ./cmd/dstack ./cmd/caddy
	$(GO) build -o bin/bench ./test/bench
	bin/bench -duration $(BENCH_DURATION) -reps $(BENCH_REPS) -workers $(BENCH_WORKERS) -rate $(BENCH_RATE) \
		-benchtime $(BENCHTIME) -count $(BENCH_COUNT) -go $(GO) -out .bench/results.md

## fuzz: a short run of every fuzz target (FUZZTIME each). A run that ends
## with "context deadline exceeded" and no failing input (the fuzzing engine
## timing out on a loaded machine) is repeated once; a failing input is not.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$target"; \
			if ! $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg > .fuzz.log 2>&1; then \
				cat .fuzz.log; \
				if grep -q "Failing input written" .fuzz.log || ! grep -q "context deadline exceeded" .fuzz.log; then rm -f .fuzz.log; exit 1; fi; \
				echo "fuzz engine timed out; running $$target again"; \
				$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
			else tail -n 2 .fuzz.log; fi; \
		done; \
	done; rm -f .fuzz.log

## demo: the local development stack with a simulated TEE
demo:
	@echo "building bin/dstack (the first build compiles for minutes)"
	$(GO) build -o bin/dstack ./cmd/dstack
	./bin/dstack dev up

## contracts: compile the Solidity contracts and regenerate the Go bindings
contracts:
	contracts/build.sh

## contracts-check: recompile and fail if the committed artifacts differ
contracts-check:
	contracts/build.sh --check

clean:
	rm -rf bin caddy
