# Run `make` or `make help` for the list of targets.
GO       ?= go
FUZZTIME ?= 60s
# No package's tests may take longer than this in `make test`.
TEST_TIMEOUT ?= 5m
# Conformance: TARGET (base URL with the server's path prefix), TOKEN_CMD, LABELS (a Ginkgo label filter).
TARGET    ?=
TOKEN_CMD ?=
LABELS    ?=
# Extra flags for `make mock`, e.g. ARGS='--reuse-grace 2s --seed'.
ARGS      ?=
# Packages for `make mutate`, e.g. MUTATE='session token' (default: all four).
MUTATE    ?=
# Extra flags for `make bench`, e.g. BENCH_ARGS='--rounds 5 --generator go' (go run ./cmd/bench --help).
BENCH_ARGS ?=

CONFORMANCE_ENV = $(if $(TARGET),CONFORMANCE_TARGET='$(TARGET)') $(if $(TOKEN_CMD),CONFORMANCE_TOKEN_CMD='$(TOKEN_CMD)')

.DEFAULT_GOAL := help
.PHONY: help build test mock conformance conformance-bin bench lint fuzz mutate

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/appmaker-mock
	$(GO) build -o bin/ ./cmd/...

# -vet=all runs every go vet check inside go test, on the packages the race build has
# just compiled: a separate go vet would compile the module once more (over a minute).
# The fuzz targets' seed corpora run as ordinary tests here; `make fuzz` explores further.
# -timeout bounds every package, so a test that hangs fails CI in minutes, not hours.
test: ## go vet and every test with -race, fuzz seed corpora included (what CI runs)
	$(GO) test -race -vet=all -count=1 -timeout=$(TEST_TIMEOUT) ./...

mock: ## run the mock on localhost:5001 (ARGS='--seed' for a ready session)
	$(GO) run ./cmd/appmaker-mock $(ARGS)

conformance: ## run the conformance suite with the Ginkgo CLI (TARGET=, TOKEN_CMD=, LABELS=); reports in reports/
	@mkdir -p reports
	$(CONFORMANCE_ENV) $(GO) tool ginkgo $(if $(LABELS),--label-filter='$(LABELS)') \
		--junit-report=junit.xml --json-report=report.json --output-dir=reports ./suites

conformance-bin: ## build bin/conformance, the suite as one binary for machines without Go
	$(GO) test -c -o bin/conformance ./suites

bench: ## benchmarks, the mock against a bare net/http server under load (wrk if installed), memory per session; a few minutes
	$(GO) run ./cmd/bench $(BENCH_ARGS)

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "run gofmt -w on the files above"; exit 1; }
	$(GO) vet ./...

fuzz: ## run every fuzz target for FUZZTIME each (default 60s); a failing input is written to testdata/fuzz/
	@out=$$(mktemp); trap 'rm -f "$$out" "$$out.rc" "$$out.sum"' EXIT; : >"$$out.sum"; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
			echo "== $$dir $$target"; \
			{ $(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$dir; echo $$? >"$$out.rc"; } 2>&1 | tee "$$out"; \
			execs=$$(grep -o 'execs: [0-9]*' "$$out" | tail -n 1 | cut -d' ' -f2); \
			printf '%-52s %-20s %s\n' "$$target" "$$dir" "$${execs:-0}" >>"$$out.sum"; \
			test "$$(cat "$$out.rc")" = 0 && continue; \
			if grep -q 'Failing input written' "$$out" || ! grep -qx '    context deadline exceeded' "$$out"; then exit 1; fi; \
			echo "== $$target: no failing input; Go's fuzz coordinator missed its own -fuzztime deadline (not a finding)"; \
		done; \
	done; \
	echo "== executions per target in $(FUZZTIME) each"; cat "$$out.sum"

mutate: ## mutation testing (gremlins) of the refresh rules, tokens, sessions and the judge; under 45 minutes; docs/TESTING.md
	GO=$(GO) sh scripts/mutate.sh $(MUTATE)
