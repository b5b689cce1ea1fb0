#!/bin/bash
# The search page in a real browser: indexes the bundled corpus, starts
# attache serve on a free loopback port, and runs search.mjs with
# Debian's Chromium through playwright-core (installed by
# scripts/setup.sh: npm ci --prefix tests/browser). Screenshots go to
# OUTDIR. Without Chromium, node or playwright-core it says so and exits
# 77 (CTest: skipped), unless CI is set, where it fails.
# usage: run.sh ATTACHE CORPUS_DIR OUTDIR
set -u
ATTACHE=$1
CORPUS=$2
OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
missing() {
	echo "browser test NOT RUN: $1 (scripts/setup.sh installs it)"
	if [ -n "${CI:-}" ]; then exit 1; fi
	exit 77
}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || missing "no chromium"
command -v node >/dev/null || missing "no node"
[ -d "$HERE/node_modules/playwright-core" ] ||
	missing "no playwright-core in $HERE/node_modules (npm ci --prefix tests/browser)"
# Debian's /usr/bin/chromium is a wrapper script; the binary is beside it
[ -x /usr/lib/chromium/chromium ] && CHROMIUM=/usr/lib/chromium/chromium

T=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$OUT"
"$ATTACHE" index -q -i "$T/idx" "$CORPUS/docs" || exit 1
"$ATTACHE" serve -i "$T/idx" --listen 127.0.0.1:0 >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 1 100); do
	grep -q '^listening on ' "$T/out" && break
	sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$T/out")
[ -n "$URL" ] || { echo "server did not start"; cat "$T/err"; exit 1; }
HOME="$T" node "$HERE/search.mjs" "$URL/" "$CHROMIUM" "$OUT"
rc=$?
kill -TERM "$PID"
wait "$PID"
src=$?
PID=
[ "$src" -eq 0 ] || { echo "FAIL: server exit $src"; rc=1; }
exit $rc
