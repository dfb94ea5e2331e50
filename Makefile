# tickroom: `make run` builds everything and serves the Snake game on
# http://localhost:8080; `make test` runs every test, installing what the
# tests need when it is missing.

GO      ?= go
BIN     := bin/tickroom
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
ADDR    ?= :8080
# make run keeps its players and leaderboards here, in the checkout (bin/
# is ignored by git), not in ~/.local/share/tickroom.
DATA_DIR ?= bin/data

.PHONY: all build run test test-go lint fmt bench microbench fuzz clean

all: build

build:
	scripts/build.sh $(BIN) "$(LDFLAGS)"

run: build
	$(BIN) serve --addr $(ADDR) --data-dir $(DATA_DIR)

test:
	scripts/test.sh

lint:
	scripts/lint.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	scripts/bench.sh

microbench:
	scripts/bench.sh micro

fuzz:
	scripts/fuzz.sh

clean:
	rm -rf bin dist clients/web/test-results clients/web/dist/assets clients/web/dist/index.html
