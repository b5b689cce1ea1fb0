#!/bin/bash
# scripts/eval through the real binary on the bundled corpus: the
# single-collection usage prints the measures; several collections (or
# --table) print one table per collection with the rows docs/EVAL.md
# describes, in text and in Markdown; a collection without data is named,
# the others still scored, and the exit status is 1; --lowercase-queries
# reads queries typed in capitals as plain words.
# usage: evalscript.sh ATTACHE SOURCE_DIR
set -u
ATTACHE=$1
SRC=$2
EVAL="$SRC/scripts/eval"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# the original usage: one collection, one configuration
"$EVAL" --attache "$ATTACHE" "$SRC/corpus" > "$T/one" 2> "$T/one.err" ||
    fail "one collection exited $?: $(cat "$T/one.err")"
grep -q '^all  *36 ' "$T/one" && ok || fail "one collection: $(cat "$T/one")"
"$EVAL" --attache "$ATTACHE" --out "$T/o" "$SRC/corpus" -- --passage-weight 0 \
    > /dev/null 2>&1 && [ -d "$T/o/index" ] && [ -s "$T/o/eval.txt" ] && ok ||
    fail "--out keeps the index and the scores"

# several collections: a table each; an absent one is named, exit 1
"$EVAL" --attache "$ATTACHE" --out "$T/tab" "$SRC/corpus" "$T/nothing-here" \
    > "$T/tab.out" 2> "$T/tab.err"
rc=$?
[ $rc -eq 1 ] && ok || fail "an absent collection: exit $rc, want 1"
grep -q "nothing-here: data absent" "$T/tab.out" &&
    grep -q "nothing-here' does not exist" "$T/tab.err" && ok ||
    fail "the absent collection is not named: $(cat "$T/tab.out")"
python3 - "$T/tab.out" <<'PY' && ok || fail "the table: $(cat "$T/tab.out")"
import re, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S.*?)\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d\.\d{4})", line)
    if m:
        rows[m.group(1)] = tuple(map(float, m.groups()[1:]))
for want in ("default", "BM25 alone", "BM25 alone, stop words kept",
             "default, stop words kept",
             "default without passages (proximity alone)",
             "default without proximity (passages alone)",
             "proximity weight 1", "re-rank depth 100",
             "default + BM25F, title weight 2",
             "default + RM3, 10 docs, 10 terms, weight 0.5"):
    assert want in rows, (want, sorted(rows))
assert rows["default"][0] > 0.9, rows["default"]  # the corpus is easy
PY
# --table on one collection, in Markdown, reusing the index
"$EVAL" --attache "$ATTACHE" --out "$T/tab" --markdown "$SRC/corpus" \
    > "$T/md" 2> "$T/md.err" || fail "--markdown exited $?"
grep -q '^| configuration | MAP | P@10 | nDCG@10 | MAP vs BM25 |$' "$T/md" &&
    grep -q '^| default | ' "$T/md" && grep -q "reusing the index" "$T/md.err" &&
    ok || fail "--markdown: $(cat "$T/md")"

# --lowercase-queries: capitals are words, as the same query lower-cased
mkdir -p "$T/caps"
cp -r "$SRC/corpus/docs" "$SRC/corpus/qrels.txt" "$T/caps/"
awk -F'\t' 'BEGIN { OFS = "\t" } { $2 = toupper($2); print }' \
    "$SRC/corpus/queries.tsv" > "$T/caps/queries.tsv"
a=$("$EVAL" --attache "$ATTACHE" "$SRC/corpus" 2> /dev/null | awk '$1 == "all"')
b=$("$EVAL" --attache "$ATTACHE" --lowercase-queries "$T/caps" 2> /dev/null |
    awk '$1 == "all"')
[ -n "$a" ] && [ "$a" = "$b" ] && ok || fail "--lowercase-queries: [$a] [$b]"

# misuse
"$EVAL" --attache "$ATTACHE" --per-query "$SRC/corpus" "$SRC/corpus" \
    > /dev/null 2> "$T/err"
[ $? -eq 1 ] && grep -q "one collection" "$T/err" && ok ||
    fail "--per-query with two collections"

echo "evalscript.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
