#!/usr/bin/env bash
# The browser game and JS SDK in clients/web (an npm project; the SDK,
# src/sdk, is its workspace and the npm package @tickroom/client).
#
#   scripts/web.sh build   install npm packages if needed, bundle into
#                          clients/web/dist (which go build embeds). Without
#                          Node.js it warns and does nothing: the server then
#                          serves a page saying how to build the game.
#   scripts/web.sh test    install what the tests need when it is missing
#                          (Node.js, npm packages, Chromium), then run the
#                          unit tests (with the SDK package's declarations
#                          under tsc --strict, and publint) and the
#                          end-to-end tests (headless Chromium, and the
#                          packed SDK installed in a fresh project, against
#                          a real server that they build with go).
set -euo pipefail
cd "$(dirname "$0")/../clients/web"

# esbuild needs Node.js 18; playwright-core, which drives the browser in the
# end-to-end tests, needs 20.
NODE_MIN_BUILD=18
NODE_MIN_TEST=20

# have_node MAJOR reports whether node (at least MAJOR) and npm are here.
have_node() {
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
		node -e "process.exit(Number(process.versions.node.split('.')[0]) >= $1 ? 0 : 1)"
}

. ../../scripts/apt.sh

# deps installs the locked npm packages when node_modules is missing or
# older than package-lock.json.
deps() {
	if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error
	fi
}

case "${1:-build}" in
build)
	if ! have_node $NODE_MIN_BUILD; then
		echo "web: WARNING: Node.js >= $NODE_MIN_BUILD and npm not found: the browser game is not built;" \
			"the server will serve a page saying how to build it" >&2
		exit 0
	fi
	deps
	npm run --silent build
	;;
test)
	if ! have_node $NODE_MIN_TEST; then
		# Debian's nodejs comes without npm; NodeSource's brings its own.
		command -v node >/dev/null 2>&1 || { echo "web: installing Node.js" && apt_install nodejs; }
		command -v npm >/dev/null 2>&1 || { echo "web: installing npm" && apt_install npm; }
		have_node $NODE_MIN_TEST || {
			echo "web: the tests need Node.js >= $NODE_MIN_TEST and npm; this system has node $(node --version 2>&1)" >&2
			exit 1
		}
	fi
	chromium=${CHROMIUM:-/usr/bin/chromium}
	if [ ! -x "$chromium" ]; then
		echo "web: installing Chromium for the end-to-end tests"
		apt_install chromium
	fi
	deps
	echo "== web: unit tests (node --test; the SDK package's types and publint)"
	npm test --silent
	echo "== web: end-to-end tests (headless Chromium, the packed SDK in a fresh project; real server)"
	npm run --silent e2e
	;;
*)
	echo "usage: scripts/web.sh [build|test]" >&2
	exit 2
	;;
esac
