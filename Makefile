# Run `make` or `make help` for the list of targets.
GO       ?= go
FUZZTIME ?= 60s
# No package's tests may take longer than this in `make test`.
TEST_TIMEOUT ?= 5m
# Conformance: TARGET (base URL with the server's path prefix), TOKEN_CMD, LABELS (a Ginkgo label filter).
TARGET    ?=
TOKEN_CMD ?=
LABELS    ?=
# Extra flags for `make mock`, e.g. ARGS='--reuse-grace 2s --seed'; for `make conformance`, Ginkgo's
# flags, e.g. ARGS="--focus='generations old' -v".
ARGS      ?=
# Packages for `make mutate`, e.g. MUTATE='session token' (default: all of session token redis-store refresh-rules conformance-judge).
MUTATE    ?=
# Extra flags for `make bench`, e.g. BENCH_ARGS='--rounds 9 --generator go' (go run ./cmd/bench --help).
BENCH_ARGS ?=

# Release builds: VERSION and COMMIT are stamped into both binaries (--version).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
IMAGE     ?= appmaker-mock
# make e2e: the browser, and ports of their own so that a `make mock` on 5001 is left alone.
CHROMIUM      ?= /usr/bin/chromium
E2E_MOCK_PORT ?= 5011
E2E_APP_PORT  ?= 5183

# TARGET and TOKEN_CMD reach the suite through the environment as typed: $(value ...) keeps make
# from expanding the $VARIABLES of a token command, which its shell expands when it runs. The
# token command runs, and relative paths start, where make was started (PWD, not suites/).
conformance: export CONFORMANCE_WORKDIR ?= $(or $(PWD),$(CURDIR))
conformance: export CONFORMANCE_REPORT_DIR ?= $(CURDIR)/reports
ifneq ($(value TARGET),)
conformance: export CONFORMANCE_TARGET = $(value TARGET)
endif
ifneq ($(value TOKEN_CMD),)
conformance: export CONFORMANCE_TOKEN_CMD = $(value TOKEN_CMD)
endif

.DEFAULT_GOAL := help
.PHONY: help build test readme mock conformance conformance-bin bench lint fuzz dist image image-test e2e mutate FORCE

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/appmaker-mock
	$(GO) build -o bin/ ./cmd/...

# -vet=all runs every go vet check inside go test, on the packages the race build has
# just compiled: a separate go vet would compile the module once more (over a minute).
# The fuzz targets' seed corpora run as ordinary tests here; `make fuzz` explores further.
# -timeout bounds every package, so a test that hangs fails CI in minutes, not hours.
test: ## go vet and every test with -race (fuzz seed corpora included), and make e2e when npm and chromium are there (what CI runs)
	$(GO) test -race -vet=all -count=1 -timeout=$(TEST_TIMEOUT) ./...
	@if command -v npm >/dev/null 2>&1 && test -x '$(CHROMIUM)'; then $(MAKE) --no-print-directory e2e; \
	else echo "SKIPPED make e2e (the Playwright recipe): it needs npm and Chromium at $(CHROMIUM): sudo apt-get install chromium (CHROMIUM= for another path)"; fi

# The README tests link the mock's binary with -race, as make test compiles it: after a
# make test that is a link, not a second compile of libopenapi.
readme: ## run README.md's sh blocks against a mock of their own, and check its flags tables against the programs (make test runs it too)
	$(GO) test -race -count=1 -timeout=$(TEST_TIMEOUT) -run '^TestREADME' ./cmd/appmaker-mock

mock: ## run the mock on localhost:5001 (ARGS='--seed' for a ready session)
	$(GO) run ./cmd/appmaker-mock $(ARGS)

conformance: ## run the conformance suite with the Ginkgo CLI (TARGET=, TOKEN_CMD=, LABELS=, ARGS= Ginkgo flags); reports in reports/
	@mkdir -p reports
	$(GO) tool ginkgo $(if $(LABELS),--label-filter='$(LABELS)') \
		--junit-report=junit.xml --json-report=report.json --output-dir=reports $(ARGS) ./suites

conformance-bin: ## build bin/conformance, the suite as one binary for machines without Go
	$(GO) test -c -o bin/conformance ./suites

bench: ## the mock (memory, diagnostics off, Redis) side by side with the minting reference under load (wrk if installed), memory per session, in-process benchmarks; about 6 minutes
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

# -trimpath: no path of the build machine in the binaries; -s -w: no symbol table or DWARF.
# The image test (cmd/appmaker-mock/image_test.go) builds with the same CGO_ENABLED=0
# -trimpath, so it and `make dist` share go's build cache.
VERSION_PKG   = github.com/appmaker/refresh-conformance/internal/version
RELEASE_FLAGS = -trimpath -ldflags='-s -w -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).commit=$(COMMIT)'
DIST_BINARIES = $(foreach p,$(PLATFORMS),$(foreach b,appmaker-mock conformance,dist/$(b)_$(subst /,_,$(p))$(if $(findstring windows,$(p)),.exe)))
dist_os       = $(word 1,$(subst _, ,$(basename $(1))))
dist_arch     = $(word 2,$(subst _, ,$(basename $(1))))
HOST_ARCH     = $(shell $(GO) env GOARCH)
# docker only when an engine answers (the docker client alone cannot build), else podman.
ENGINE        = $(shell if docker info >/dev/null 2>&1; then echo docker; elif command -v podman >/dev/null 2>&1; then echo podman; fi)
SHA256        = $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo 'shasum -a 256')

dist: $(DIST_BINARIES) ## static binaries of the mock and the suite for PLATFORMS in dist/, and dist/SHA256SUMS (-j2 helps)
	cd dist && $(SHA256) $(notdir $(DIST_BINARIES)) > SHA256SUMS
	@echo "dist/: $(words $(DIST_BINARIES)) binaries of $(VERSION) ($(COMMIT)); check with: cd dist && $(SHA256) -c SHA256SUMS"

dist/appmaker-mock_%: FORCE
	CGO_ENABLED=0 GOOS=$(call dist_os,$*) GOARCH=$(call dist_arch,$*) $(GO) build $(RELEASE_FLAGS) -o $@ ./cmd/appmaker-mock

dist/conformance_%: FORCE
	CGO_ENABLED=0 GOOS=$(call dist_os,$*) GOARCH=$(call dist_arch,$*) $(GO) test -c $(RELEASE_FLAGS) -o $@ ./suites

FORCE:

image: ## the mock's container image appmaker-mock:VERSION from scratch, with docker or podman (builds its linux binary first)
	@test -n "$(ENGINE)" || { echo "make image needs docker with a running engine, or podman (sudo apt-get install podman)"; exit 1; }
	$(MAKE) dist/appmaker-mock_linux_$(HOST_ARCH)
	$(ENGINE) build $(if $(filter podman,$(ENGINE)),--format docker) --build-arg TARGETARCH=$(HOST_ARCH) \
		--build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) -t $(IMAGE):latest .

image-test: ## build the container image from a static binary and check its entrypoint, user and port (needs podman)
	APPMAKER_IMAGE_TEST=1 $(GO) test -count=1 -run '^TestContainerImage$$' ./cmd/appmaker-mock

# The mock for e2e is built with -race: after `go test -race ./...` every package is in the
# build cache that way, so it only links (seconds, where a plain build compiles them all
# again), and a race under the browser's traffic fails the run too.
e2e: ## the Playwright recipe in examples/playwright: a real mock, the tiny app and Debian's chromium (needs npm)
	@command -v npm >/dev/null 2>&1 || { echo "make e2e needs npm (Node.js 20 or newer)"; exit 1; }
	@test -x '$(CHROMIUM)' || { echo "make e2e needs Chromium at $(CHROMIUM): sudo apt-get install chromium (or CHROMIUM=/path/to/chrome)"; exit 1; }
	$(GO) build -race -o bin/e2e/appmaker-mock ./cmd/appmaker-mock
	cd examples/playwright && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	cd examples/playwright && CI=1 MOCK_BIN='$(abspath bin/e2e/appmaker-mock)' CHROMIUM_PATH='$(CHROMIUM)' \
		MOCK_PORT=$(E2E_MOCK_PORT) APP_PORT=$(E2E_APP_PORT) npx playwright test
mutate: ## mutation testing (gremlins) of the refresh rules, tokens, sessions and the judge; under 45 minutes; docs/TESTING.md
	GO=$(GO) sh scripts/mutate.sh $(MUTATE)
