#!/bin/bash
# Installs the build into a temporary prefix and builds examples/search.c
# against it with pkg-config, as an embedding program would; runs it.
# usage: install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]
set -eu
BUILD=$1
SRC=$2
EXTRA=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/prefix" > /dev/null
libdir=$(ls -d "$T"/prefix/lib*/ | head -1)
test -f "$T/prefix/include/attache.h"
test -x "$T/prefix/bin/attache"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Werror $EXTRA "$SRC/examples/search.c" \
    $(pkg-config --define-variable=prefix="$T/prefix" --cflags --libs attache) \
    -o "$T/search"
out=$(LD_LIBRARY_PATH="$libdir" "$T/search" "$T/idx" 'defence cooperation')
echo "$out"
echo "$out" | head -1 | grep -q '^baku: Pakistan and Azerbaijan deepen defence ties'
echo "$out" | grep -q 'signed a \[defence\] \[cooperation\] memorandum in Baku\.'
# and statically, with the private dependencies
cc -std=c11 $EXTRA "$SRC/examples/search.c" -I"$T/prefix/include" \
    "$libdir/libattache.a" $(pkg-config --define-variable=prefix="$T/prefix" --static --libs attache | sed 's/-lattache//') \
    -o "$T/search-static"
"$T/search-static" "$T/idx2" 'LNG Qatar' | head -1 | grep -q '^lng: '
echo "install.sh: 3 passed, 0 failed"
