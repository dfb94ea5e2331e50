#!/usr/bin/env bash
# Runs every test: formatting and vet checks, then the Go tests with the race
# detector. Installs what the tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" $unformatted >&2
	exit 1
fi
go vet ./...

# The store's tests run a real PostgreSQL server of their own
# (store/storetest): they fail, never skip, without its binaries.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
	. scripts/apt.sh
	echo "test: installing PostgreSQL"
	apt_install postgresql
fi

# Packages run in parallel: the tests of timeouts run on a fake clock
# (internal/fakeclock), and the ones that watch real tick timing allow for
# a busy machine.
go test -race -count=1 -timeout 15m ./... 2>&1 | tee /tmp/tickroom-go-test.log

# A client in another language, written from docs/protocol.md alone,
# against the real server (installs Debian's Python packages when missing).
scripts/conformance.sh

# The browser game and JS SDK: unit tests, then end-to-end in headless
# Chromium against the real server (installs Node, npm packages and
# Chromium when missing).
scripts/web.sh test
