# featherd: lighttpd's core in Go. `make run` serves ./www on
# http://127.0.0.1:8080 with the built-in configuration; `make test` runs
# the whole suite.
GO      ?= go
BIN     := bin/featherd
BENCH   := bin/featherd-bench
PKGS    := ./...

.PHONY: build run test bench vet fmt fuzz clean

# A static binary (no cgo): no dynamic loader at exec, which a restart
# pays for each new generation, and 1.5 MiB less resident per process.
# server.username and groupname are then looked up in /etc/passwd and
# /etc/group only, not through NSS.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/featherd
	CGO_ENABLED=0 $(GO) build -o $(BENCH) ./cmd/featherd-bench

run: build
	./$(BIN) -D

# The suite runs with the race detector: every package that shares state
# between goroutines must stay clean under it.
test: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -race -timeout 8m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

# Fuzz the configuration parser for FUZZTIME (go test -fuzz takes one
# target at a time).
FUZZTIME ?= 1m
fuzz:
	$(GO) test ./config -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
