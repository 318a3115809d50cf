# zeroplug's build, test and benchmark entry points. `make test` is what CI runs (.ci/run).
#
#   make build   Go commands into bin/, plus bin/zmqpeer (the libzmq reference peer) and
#                the transport plugins (static, CGO_ENABLED=0), which zeroplug finds there
#   make proto   regenerates the plugin protocol's Go code (needs protoc)
#   make deps    the Debian packages the tests need and zeromq.js, the draft-API peer, in the
#                user's cache (scripts/install-deps.sh; root for the packages)
#   make deps-demo  the fewer the demo needs (scripts/install-deps.sh demo; root)
#   make test    deps, gofmt check, go vet, test-race, test-mingo
#   make test-race  go test -race (interop tests included, and the vsock and tipc tests in a
#                qemu VM: internal/vmtest's TestGuest)
#   make test-mingo  builds and runs the tests (no -race, no VM) with the oldest Go that
#                go.mod allows, which the go command downloads from the module proxy
#   make fuzz    every fuzz target for FUZZTIME (default 30s) each
#   make bench   the benchmarks
#   make bench-vm  vsock and tipc in the qemu VM: the plugins against plain socket programs
#   make demo    deps-demo, build, then scripts/demo.sh
#   make clean   removes bin/
#
# PKGS (default ./...) narrows vet, test, fuzz and bench; TESTFLAGS adds go test flags.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Go is found even when /usr/local/go/bin is not on PATH (fresh machines, sudo, CI).
export PATH := /usr/local/go/bin:$(PATH)

GO        ?= go
GOFMT     ?= gofmt
CC        ?= cc
BIN       := bin
FUZZTIME  ?= 30s
TESTFLAGS ?=
PKGS      ?= ./...

.PHONY: all build plugins proto deps deps-demo test test-race test-mingo fmt vet fuzz bench bench-vm demo clean

all: build

build: $(BIN)/zmqpeer plugins
	$(GO) build -o $(BIN)/ ./cmd/...

# Every plugin main: plugins/<name>/cmd/zeroplug-transport-<scheme>, and the examples'.
PLUGIN_MAINS := $(wildcard plugins/*/cmd/zeroplug-transport-* sdk/examples/*/cmd/zeroplug-transport-*)

plugins:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ $(addprefix ./,$(PLUGIN_MAINS))

# proto regenerates sdk/internal/transportpb from transport.proto with the code generators
# that match the grpc and protobuf modules go-plugin v1.8.0 requires. The generated files
# are committed: a build never needs protoc.
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.6
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.3.0
PROTO_TOOLS        := $(abspath $(BIN))/proto-tools

proto:
	@command -v protoc >/dev/null || { echo "proto: protoc is missing (apt-get install protobuf-compiler)"; exit 1; }
	GOBIN=$(PROTO_TOOLS) $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(PROTO_TOOLS) $(GO) install $(PROTOC_GEN_GO_GRPC)
	cd sdk/internal/transportpb && PATH=$(PROTO_TOOLS):$$PATH protoc --proto_path=. \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative transport.proto

$(BIN)/zmqpeer: cmd/zmqpeer/zmqpeer.c
	@mkdir -p $(BIN)
	$(CC) -O2 -o $@ $< -lzmq -lpthread

# zmqpeer-draft is zmqpeer on zeromq.js's libzmq 4.3.5, which has the draft API (make deps
# installs zeromq.js): the draft-socket columns of make bench.
$(BIN)/zmqpeer-draft: cmd/zmqpeer/zmqpeer.c scripts/build-zmqpeer-draft.sh
	bash scripts/build-zmqpeer-draft.sh $@

deps:
	bash scripts/install-deps.sh

deps-demo:
	bash scripts/install-deps.sh demo

# fmt fails, listing them, when files are not gofmt-formatted.
fmt:
	@echo "== gofmt"
	@bad=$$($(GOFMT) -l $$(find . -name '*.go' -not -path './.git/*' -not -path './$(BIN)/*')); \
	if [ -n "$$bad" ]; then \
		echo "gofmt: not formatted (run gofmt -w on them):"; echo "$$bad"; exit 1; \
	fi

vet:
	@echo "== go vet"
	$(GO) vet $(PKGS)

test: deps fmt vet test-race test-mingo

test-race:
	@echo "== go test -race"
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; status=0; \
	$(GO) test -race -count=1 -timeout 15m $(TESTFLAGS) $(PKGS) 2>&1 | tee "$$log" || status=$$?; \
	ok=$$(grep -c '^ok ' "$$log" || true); \
	failed=$$(grep -cE '^FAIL[[:space:]]' "$$log" || true); \
	notests=$$(grep -c '^? ' "$$log" || true); \
	echo "== go test summary: $$ok packages ok, $$failed failed, $$notests without tests"; \
	grep -E '^(--- FAIL|FAIL[[:space:]])' "$$log" || true; \
	exit $$status

# test-mingo proves go.mod's go line: the module builds and its tests pass with that
# release, the oldest a user may have (GOTOOLCHAIN makes the go command fetch it). Without
# -race, which would only repeat test-race, and without internal/vmtest and its guest
# tests, whose VM test-race has booted already.
MINGO := go$(shell sed -n 's/^go //p' go.mod)

test-mingo:
	@echo "== go test with $(MINGO)"
	GOTOOLCHAIN=$(MINGO) $(GO) version
	GOTOOLCHAIN=$(MINGO) $(GO) build ./...
	GOTOOLCHAIN=$(MINGO) $(GO) test -count=1 -timeout 15m $(TESTFLAGS) \
		$$(GOTOOLCHAIN=$(MINGO) $(GO) list $(PKGS) | grep -v '/internal/vmtest')

# fuzz discovers the fuzz targets with `go test -list` and runs each for FUZZTIME.
fuzz:
	@targets=$$($(GO) test -list '^Fuzz' $(PKGS) | awk '/^Fuzz/ { names[n++] = $$1; next } \
		/^ok / { for (i = 0; i < n; i++) print $$2, names[i]; n = 0 }'); \
	if [ -z "$$targets" ]; then echo "fuzz: no fuzz targets"; exit 0; fi; \
	while read -r pkg name; do \
		echo "== fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	done <<< "$$targets"

# bench measures zeroplug, libzmq (zmqpeer) and go-zeromq/zmq4 (zmq4peer) side by side and
# prints Markdown tables: in one process, CURVE, sender and receiver in two processes beside a raw
# socket, and the draft sockets beside libzmq 4.3.5 with the draft API, zeromq.js's
# (cmd/benchtable; BENCHFLAGS adds its flags, e.g. -rounds 5 -scale 0.5, or -curve=false
# -split=false -draft=false).
# The Go benchmarks: go test -run '^$' -bench . ./...
BENCHFLAGS ?=
bench: deps build $(BIN)/zmqpeer-draft
	$(GO) run ./cmd/benchtable -zeroplug $(BIN)/zeroplug -zmqpeer $(BIN)/zmqpeer -zmq4peer $(BIN)/zmq4peer \
		-zmqpeer-draft $(BIN)/zmqpeer-draft -curve -split -draft $(BENCHFLAGS)

# bench-vm boots the test VM of internal/vmtest (qemu, software emulation) and compares there,
# over vsock and tipc, zeroplug through the plugins, zeroplug with the driver linked in and a
# plain Go socket program (median of ROUNDS, default 3; a few minutes).
ROUNDS ?= 3
bench-vm: deps
	$(GO) run ./internal/vmtest/benchvm -rounds $(ROUNDS)

# demo shows PUB/SUB, REQ/REP and PUSH/PULL with bin/zeroplug, and interop with bin/zmqpeer
# (which needs libzmq3-dev: deps-demo installs it).
demo: deps-demo build
	bash scripts/demo.sh

clean:
	rm -rf $(BIN)
	rm -f cmd/zmqpeer/zmqpeer
