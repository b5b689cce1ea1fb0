#!/bin/bash
# Installs attache's build dependencies from Debian's packages and builds
# it into build/, with the benchmark's peer programs (SQLite FTS5 and
# Xapian, scripts/bench). xapian-tools brings xapian-tcpsrv, xapian-delve
# and xapian-check, for the Xapian backend's tests. libmicrohttpd is the
# server's; wrk, Chromium, node and playwright-core (tests/browser) are
# for its load run and browser test. gumbo, md4c, poppler-glib and GMime
# are the document readers' (HTML, Markdown, PDF, e-mail: docs/READERS.md).
# Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential cmake pkg-config \
    libstemmer-dev zlib1g-dev libdeflate-dev libzstd-dev libutf8proc-dev libjansson-dev check \
    python3 g++ libsqlite3-dev libxapian-dev xapian-tools gnuplot-nox \
    clang libclang-rt-14-dev \
    libmicrohttpd-dev wrk chromium curl \
    libgumbo-dev libmd4c-dev libpoppler-glib-dev libgmime-3.0-dev
# attache serve's browser test: playwright-core from npm drives Chromium
if ! command -v npm >/dev/null; then
	$SUDO apt-get install -y --no-install-recommends nodejs npm
fi
npm ci --prefix tests/browser --no-audit --no-fund
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTACHE_BENCH=ON
cmake --build build -j"$(nproc)"
