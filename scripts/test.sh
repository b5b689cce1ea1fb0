#!/bin/bash
# Builds and runs the whole test suite (Check unit tests and end-to-end
# tests, through CTest), warnings as errors. With --sanitize, the same
# suite built with AddressSanitizer and UndefinedBehaviorSanitizer, in
# build-asan/. Both builds include the Xapian wrapper (xapian/) and its
# tests. Needs the packages scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTACHE_WERROR=ON -DATTACHE_BENCH=ON
       -DATTACHE_WITH_XAPIAN=ON)
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	flags=(-DCMAKE_BUILD_TYPE=Debug -DATTACHE_WERROR=ON -DATTACHE_SANITIZE=ON
	       -DATTACHE_WITH_XAPIAN=ON)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}"
cmake --build "$dir" -j"$(nproc)"
cd "$dir"
ctest --output-on-failure -j"$(nproc)"
