#!/usr/bin/env bash
# make bench: a short arena benchmark (steps of 1, 25 and 50 rooms, a few
# minutes at most): tickroom bench starts tickroom serve on a free loopback
# port, ramps Snake bots up, and prints the table; the JSON and the plot go to
# bench/out/. Set PIN=1 to run the server on CPU 0 and the bots on CPU 1, and
# BENCH_ARGS for more flags (e.g. BENCH_ARGS="--steps 1,25,50,100").
#
# make microbench (scripts/bench.sh micro): the Go micro-benchmarks of the
# hot paths. Figures depend on the machine: run alone, and compare medians
# of several runs (e.g. with benchstat).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = micro ]; then
	go test -run='^$' -bench=. -benchmem -count="${COUNT:-1}" ./... | tee bench.out
	exit
fi

bin=bin/tickroom-bench
go build -o "$bin" ./cmd/tickroom
stamp=$(date +%Y%m%d-%H%M%S)
pin=()
if [ "${PIN:-}" = 1 ]; then
	pin=(--pin)
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
"$bin" bench --scenario arena --steps 1,25,50 --warmup 3s --window 5s "${pin[@]}" \
	--out "bench/out/arena-short-$stamp.json" --plot "bench/out/arena-short-$stamp.svg" ${BENCH_ARGS:-}
