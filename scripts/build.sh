#!/usr/bin/env bash
# Builds the tickroom binary. Usage: scripts/build.sh OUT LDFLAGS
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/tickroom}
ldflags=${2:-}
scripts/web.sh build # the browser game, embedded by go build
go mod download
go build -trimpath -ldflags "$ldflags" -o "$out" ./cmd/tickroom
echo "built $out"
