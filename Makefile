# featherd: lighttpd's core in Go. `make run` serves ./www on
# http://127.0.0.1:8080 with the built-in configuration; `make test` runs
# the whole suite.
GO      ?= go
BIN     := bin/featherd
PKGS    := ./...

.PHONY: build run test bench vet fmt fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/featherd

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
