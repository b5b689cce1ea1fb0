#!/bin/bash
# Builds the libFuzzer targets (fuzz_index, fuzz_query, fuzz_xdata: the
# Xapian backend's document data and sentence tables; fuzz_html,
# fuzz_markdown, fuzz_pdf, fuzz_mail: the document readers) with clang,
# ASan and UBSan; runs each file of tests/fuzz/regressions/ named
# TARGET-* through its target once (inputs that once broke a promise:
# any crash fails the run); then fuzzes each target for SECONDS (default
# 30) and exits non-zero if any crashed, leaked or hung. Crashing inputs
# are kept in the artifacts directory, printed at the end.
#
# Each target's working corpus, BUILD/corpus-TARGET, starts from the
# seeds the target writes itself (see ATT_FUZZ_SEEDS in the sources)
# and a copy of the committed corpus tests/fuzz/corpus/TARGET/; the
# fuzzer adds to the copy, never to the repository. To refresh the
# committed corpus after a long run, minimise into an empty directory
# and replace the folder with it (fuzz_query: add -max_len=9000):
#   TMPDIR=BUILD/tmp BUILD/TARGET -merge=1 -len_control=0 NEW \
#       BUILD/corpus-TARGET
# A new crashing input, once fixed, goes to tests/fuzz/regressions/ as
# TARGET-NAME.
#
# usage: tests/fuzz/run.sh [SECONDS]
# environment: ATT_FUZZ_BUILD (build and corpus directory; default a new
# directory under /tmp), ATT_FUZZ_ARTIFACTS (default BUILD/artifacts),
# CC (default clang), ATT_FUZZ_JOBS (parallel compiles, default 2).
# Needs clang and libclang-rt-14-dev (the libFuzzer runtime).
set -u
SECS=${1:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-clang}
BUILD=${ATT_FUZZ_BUILD:-$(mktemp -d /tmp/attache-fuzz.XXXXXX)}
ART=${ATT_FUZZ_ARTIFACTS:-$BUILD/artifacts}
JOBS=${ATT_FUZZ_JOBS:-2}
mkdir -p "$BUILD/obj" "$ART"

# The library's sources, as CMakeLists.txt lists them in ATT_SOURCES.
SOURCES=$(sed -n '/^set(ATT_SOURCES/,/)/p' "$ROOT/CMakeLists.txt" |
          sed 's/set(ATT_SOURCES//; s/)//' | tr -s ' \n' '\n' | grep '\.c$')
if [ -z "$SOURCES" ]; then
	echo "run.sh: no ATT_SOURCES in $ROOT/CMakeLists.txt" >&2
	exit 2
fi
DEPS_CFLAGS=$(pkg-config --cflags zlib libdeflate libzstd libutf8proc jansson gumbo md4c)
DEPS_LIBS="$(pkg-config --libs zlib libdeflate libzstd libutf8proc jansson gumbo md4c) -lstemmer -lm -ldl -lpthread"
TARGETS="fuzz_index fuzz_query fuzz_xdata fuzz_html fuzz_markdown fuzz_pdf fuzz_mail"
# the readers built as modules (indexer/readers/modules.c) are linked
# into their targets directly, with their libraries
extra_src() {
	case $1 in
	fuzz_pdf) echo "$ROOT/indexer/readers/pdf.c" ;;
	fuzz_mail) echo "$ROOT/indexer/readers/mail.c" ;;
	esac
}
extra_libs() {
	case $1 in
	fuzz_pdf) pkg-config --cflags --libs poppler-glib ;;
	fuzz_mail) pkg-config --cflags --libs gmime-3.0 ;;
	esac
}
SAN=address,undefined
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
        -D_GNU_SOURCE -I$ROOT/include -I$ROOT/format -I$ROOT/stemmer
        -I$ROOT/indexer -I$ROOT/searcher $DEPS_CFLAGS"

echo "building in $BUILD"
# the bundled gazetteer, compiled in as CMakeLists.txt does it
cmake -DSRC="$ROOT/searcher/gazetteer/gazetteer.txt" -DOUT="$BUILD/gazetteer.c" \
      -P "$ROOT/searcher/gazetteer/embed.cmake" || exit 2
$CC $CFLAGS -fsanitize=fuzzer-no-link,$SAN -c "$BUILD/gazetteer.c" \
    -o "$BUILD/obj/gazetteer.o" || exit 2
export CC CFLAGS SAN ROOT BUILD
# shellcheck disable=SC2016
if ! echo "$SOURCES" | xargs -P "$JOBS" -I{} sh -c '
	o="$BUILD/obj/$(echo {} | tr / _).o"
	$CC $CFLAGS -fsanitize=fuzzer-no-link,$SAN -c "$ROOT/{}" -o "$o"'; then
	echo "run.sh: compiling the library failed" >&2
	exit 2
fi
for t in $TARGETS; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -I"$ROOT/indexer/readers" -fsanitize=fuzzer,$SAN \
	    "$ROOT/tests/fuzz/$t.c" $(extra_src $t) \
	    "$BUILD"/obj/*.o $DEPS_LIBS $(extra_libs $t) -o "$BUILD/$t" || {
		echo "run.sh: linking $t failed" >&2
		exit 2
	}
done

# the targets build their indexes under TMPDIR; libFuzzer ends without
# running atexit handlers, so they are removed here
export TMPDIR="$BUILD/tmp"
mkdir -p "$TMPDIR"
status=0
for t in $TARGETS; do
	corpus="$BUILD/corpus-$t"
	mkdir -p "$corpus"
	# the index targets write their seeds while they build their index;
	# the readers' seeds are the committed corpus alone
	ATT_FUZZ_SEEDS="$corpus" "$BUILD/$t" -runs=0 "$corpus" > /dev/null 2>&1
	rm -rf "$TMPDIR"/att-fuzz-*
	if [ -d "$ROOT/tests/fuzz/corpus/$t" ]; then
		cp "$ROOT/tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
	fi
	n=$(ls "$corpus" | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "run.sh: $t has no seeds" >&2
		status=1
		continue
	fi
	for reg in "$ROOT"/tests/fuzz/regressions/"$t"-*; do
		[ -f "$reg" ] || continue
		"$BUILD/$t" -timeout=20 -rss_limit_mb=2048 "$reg" \
		    > "$BUILD/$t.regression.log" 2>&1
		rc=$?
		rm -rf "$TMPDIR"/att-fuzz-*
		if [ $rc -ne 0 ]; then
			echo "FAIL: $t on $reg exited $rc; log $BUILD/$t.regression.log"
			grep -A40 -m1 -E '^==[0-9]+==ERROR|runtime error|deadly signal|timeout' \
			    "$BUILD/$t.regression.log" | head -60
			status=1
		else
			echo "== $t: regression $(basename "$reg") ok"
		fi
	done
	echo "== $t: $SECS s from $n inputs"
	# full-length inputs from the start (the index files are a few KB;
	# queries go past the 8 KB limit)
	extra=-len_control=0
	[ $t = fuzz_query ] && extra="$extra -max_len=9000"
	# shellcheck disable=SC2086
	"$BUILD/$t" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$ART/$t-" $extra "$corpus" \
	    > "$BUILD/$t.log" 2>&1
	rc=$?
	rm -rf "$TMPDIR"/att-fuzz-*
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' \
	    "$BUILD/$t.log"
	if [ $rc -ne 0 ]; then
		echo "FAIL: $t exited $rc; log $BUILD/$t.log"
		grep -A40 -m1 -E '^==[0-9]+==ERROR|runtime error|deadly signal|timeout' \
		    "$BUILD/$t.log" | head -60
		status=1
	fi
done
if ls "$ART" | grep -q .; then
	echo "crashing inputs:"
	ls -l "$ART"
fi
echo "run.sh: $( [ $status -eq 0 ] && echo ok || echo FAILED ) (build: $BUILD)"
exit $status
