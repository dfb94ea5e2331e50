#!/usr/bin/env bash
# Runs the Python client in clients/python, written from docs/protocol.md
# alone, against a real server: every check of the protocol it makes must
# pass. Installs Debian's python3-msgpack and python3-websockets when they
# are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt.sh

py=/usr/bin/python3 # Debian's, which the Debian packages are for
[ -x "$py" ] || apt_install python3
if ! "$py" -c 'import msgpack, websockets' 2>/dev/null; then
	echo "conformance: installing python3-msgpack and python3-websockets"
	apt_install python3-msgpack python3-websockets
fi

tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/tickroom" ./cmd/tickroom

# run ARGS... starts a server with ARGS on a free port, runs every check
# against it, and stops it.
run() {
	"$tmp/tickroom" serve --addr 127.0.0.1:0 --log-format text --data-dir "$tmp/data" \
		--ping-interval 500ms --pong-timeout 3s "$@" 2>"$tmp/log" &
	server=$!
	local addr=
	for _ in $(seq 100); do
		addr=$(grep -o 'msg="tickroom serving" addr=127\.0\.0\.1:[0-9]*' "$tmp/log" | head -1 | sed "s/.*addr=//") && [ -n "$addr" ] && break
		sleep 0.1
	done
	[ -n "$addr" ] || { cat "$tmp/log" >&2; echo "conformance: the server did not start" >&2; exit 1; }
	"$py" clients/python/tickroom_conformance.py --url "http://$addr" --pong-timeout 3 "${extra[@]}"
	kill "$server"
	wait "$server" 2>/dev/null || true
	server=
}

echo "== conformance: default server"
extra=()
run
echo "== conformance: area of interest, join secret"
extra=(--join-secret s3cret)
run --area-of-interest --board-width 128 --board-height 96 --join-secret s3cret
