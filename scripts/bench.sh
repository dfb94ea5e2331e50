#!/usr/bin/env bash
# Go micro-benchmarks of the hot paths. Figures depend on the machine: run
# alone, and compare medians of several runs (e.g. with benchstat).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run='^$' -bench=. -benchmem -count="${COUNT:-1}" ./... | tee bench.out
