# Podium — developer tasks. `make` (or `make help`) lists them.
#
# A local PostgreSQL for `run`, `test` and `bench` is set up by scripts/dev-postgres.sh unless
# you point Podium elsewhere: PODIUM_DATABASE_URL (or DATABASE_URL) for the server,
# PODIUM_TEST_DATABASE_URL for the tests.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

GO      ?= go
BIN     := bin/podium
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# GOFLAGS applies to every go command; a value from your environment wins. -mod=readonly keeps
# builds and tests from rewriting go.mod/go.sum behind your back (`make tidy` is for that).
GOFLAGS ?= -mod=readonly
export GOFLAGS

# Arguments for the server in `make run`, e.g. `make run ARGS='migrate version'`.
ARGS ?= serve

# Go files to check with gofmt: all of the repository's but generated vendor/node trees.
GOFILES = find . -type f -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' \
	-not -path './vendor/*' -not -path '*/testdata/*' -print0

# Shell snippets shared by several targets.
define ensure_test_db
if [ -z "$${PODIUM_TEST_DATABASE_URL:-}" ]; then bash scripts/dev-postgres.sh; fi
endef

# The SDK compatibility test (cmd/server/sdk_test.go) runs sdk-test/ with Node: install its npm
# packages when they are missing or older than the lockfile.
define ensure_sdk_deps
if [ ! -d sdk-test/node_modules ] || [ sdk-test/package-lock.json -nt sdk-test/node_modules ]; then \
	if ! command -v npm >/dev/null 2>&1; then \
		echo "make: npm not found; the SDK test (sdk-test/) needs Node.js 18+ with npm" >&2; \
		exit 1; \
	fi; \
	echo "npm ci --prefix sdk-test"; \
	npm ci --prefix sdk-test --no-audit --no-fund --loglevel=error >/dev/null; \
	touch sdk-test/node_modules; \
fi
endef

# The console's browser tests (console/browser_test.go) drive Chromium: install Debian's when
# missing and allowed to (root with apt), else say what is needed. PODIUM_CHROMIUM names another.
define ensure_chromium
if [ -z "$${PODIUM_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install chromium"; \
		DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null; \
		DEBIAN_FRONTEND=noninteractive apt-get -qq -y install --no-install-recommends chromium >/dev/null; \
	else \
		echo "make: chromium not found; the console's browser tests need it (apt-get install chromium, or set PODIUM_CHROMIUM)" >&2; \
		exit 1; \
	fi; \
fi
endef

define gofmt_check
unformatted=$$($(GOFILES) | xargs -0 -r gofmt -l); \
if [ -n "$$unformatted" ]; then \
	echo "gofmt: these files need formatting (run gofmt -w on them):" >&2; \
	printf '%s\n' "$$unformatted" | sed 's/^/  /' >&2; \
	exit 1; \
fi
endef

.PHONY: help run build test fuzz bench lint vet fmt-check tidy docker clean

help: ## Show this help
	@echo 'Usage: make <target> [VAR=value]'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo 'Variables: VERSION=$(VERSION)  GOFLAGS=$(GOFLAGS)  ARGS=$(ARGS)'

run: ## Build and start the server in the foreground (sets up a local PostgreSQL unless PODIUM_DATABASE_URL/DATABASE_URL is set)
	@if [ -z "$${PODIUM_DATABASE_URL:-}$${DATABASE_URL:-}" ]; then bash scripts/dev-postgres.sh; fi
	@$(MAKE) --no-print-directory build
	exec ./$(BIN) $(ARGS)

build: ## Build bin/podium, stamped with VERSION (git describe, else dev)
	@mkdir -p $(dir $(BIN))
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/server

test: ## Lint (vet, gofmt, golangci-lint with the import-direction rules) and run all tests with -race (sets up a local PostgreSQL unless PODIUM_TEST_DATABASE_URL is set; installs sdk-test's npm packages and Chromium when missing)
	@$(ensure_test_db)
	@$(ensure_sdk_deps)
	@$(ensure_chromium)
	@$(MAKE) --no-print-directory lint
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout 8m ./...
	@$(MAKE) --no-print-directory fuzz

# How many parallel tests of one package run at once. Most wait on PostgreSQL or HTTP, so more
# than the 2 cores' default (GOMAXPROCS) of them fit: the api package takes 190 s instead of 300.
TEST_PARALLEL ?= 4

# How many inputs `make fuzz` (and so `make test`) feeds each fuzzer: a count (about 2 to 4 s
# each here), not a duration, since Go 1.26's fuzzing coordinator can report a spurious
# "context deadline exceeded" failure when a -fuzztime duration runs out (golang/go#75804).
FUZZTIME ?= 20000x

fuzz: ## Run each fuzzer on FUZZTIME (20000x) inputs: search grammar, request decoder, expressions, masking (one -fuzz per go test run)
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuery$$' -fuzztime $(FUZZTIME) ./internal/search
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./api
	$(GO) test -run '^$$' -fuzz '^FuzzTemplate$$' -fuzztime $(FUZZTIME) ./internal/expr
	$(GO) test -run '^$$' -fuzz '^FuzzParsePath$$' -fuzztime $(FUZZTIME) ./internal/expr
	$(GO) test -run '^$$' -fuzz '^FuzzRedactor$$' -fuzztime $(FUZZTIME) ./internal/secret

bench: ## Run the Go benchmarks, then the load tool (cmd/bench) against a fresh local server
	@$(ensure_test_db)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bash scripts/bench.sh $(BENCH_ARGS)

# golangci-lint, pinned: built once into bin/tools (about two minutes), then reused.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := bin/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)

lint: vet fmt-check golangci ## Run go vet, the gofmt check and golangci-lint (.golangci.yml: depguard import rules, errcheck, staticcheck, revive, gocritic)

golangci: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	@mkdir -p bin/tools
	GOFLAGS= GOBIN=$(abspath bin/tools) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv bin/tools/golangci-lint $@

vet:
	$(GO) vet ./...

fmt-check:
	@$(gofmt_check)

tidy: ## Tidy go.mod and go.sum
	$(GO) mod tidy

docker: ## Build the image and run PostgreSQL + Podium with docker compose (needs a Docker engine)
	VERSION=$(VERSION) docker compose up --build

clean: ## Remove build outputs (bin/, test binaries, coverage files); keeps data/
	rm -rf bin
	rm -f ./*.test ./*.out
