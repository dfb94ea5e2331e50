#!/usr/bin/env bash
# gofmt, go vet and staticcheck (installed at a pinned version when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
# The module proxy serves staticcheck by its module version (v0.8.2), which
# -version prints in parentheses after the release name (2026.2.2).
STATICCHECK_VERSION=0.8.2
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" $unformatted >&2
	exit 1
fi
go vet ./...
sc=$(go env GOPATH)/bin/staticcheck
if ! "$sc" -version 2>/dev/null | grep -qF "($STATICCHECK_VERSION)"; then
	go install "honnef.co/go/tools/cmd/staticcheck@v$STATICCHECK_VERSION"
fi
"$sc" ./...
