# fedgate build and test entry points. `make test` is what CI runs first.
GO      ?= go
NPM     ?= npm
PKGS    ?= ./...
BENCHTIME ?= 2s

.PHONY: all build test vet e2e-deps fuzz bench test-ad test-all clean

all: build

build:
	$(GO) build -o bin/ ./cmd/...

# Unit, integration and acceptance tests: needs only Go and Node. Suites
# whose real parts (xmlsec1, Chromium, PostgreSQL) are missing skip with a
# message locally and fail under CI=true.
test: e2e-deps vet
	$(GO) test -count=1 $(PKGS)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)

e2e-deps: e2e/node_modules/.package-lock.json

e2e/node_modules/.package-lock.json: e2e/package.json e2e/package-lock.json
	cd e2e && $(NPM) ci --no-audit --no-fund --loglevel=error

# Short coverage-guided runs of every native fuzz target.
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Throughput: WS-Fed tokens/s next to raw RSA-2048 signatures/s in the same
# run, the directory bind path, and passive sign-in requests/s through
# fedgate-proxy next to direct (same run).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./idp/token/ ./idp/wsfed/ ./ldapauth/
	$(GO) test -run '^$$' -bench 'Passive(Direct|ViaProxy)$$' -benchmem -benchtime $(BENCHTIME) ./cmd/internal/demo/
	$(GO) run ./internal/benchreport -benchtime $(BENCHTIME)
	$(GO) run ./ldapauth/internal/bindratio -benchtime $(BENCHTIME)

# The ldapauth suite against a throwaway Samba AD DC on loopback (root; installs
# samba with apt-get when missing). The same lab script is in deploy/.
ADDIR ?= /tmp/fedgate-ad
test-ad:
	ADDIR=$(ADDIR) bash deploy/samba-ad-lab.sh start
	FEDGATE_AD_ENV=$(ADDIR)/env FEDGATE_AD_REQUIRED=1 $(GO) test -count=1 -run Samba -v ./ldapauth/... ./e2e/; \
	  rc=$$?; ADDIR=$(ADDIR) bash deploy/samba-ad-lab.sh stop; exit $$rc

# Everything CI runs (needs root for apt-get): see .ci/run.
test-all:
	bash .ci/run

clean:
	rm -rf bin e2e/out
