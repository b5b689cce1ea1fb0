#!/bin/bash
# Bounded memory: indexing a generated corpus ten times larger than the
# memory budget M (--memory 4M, 42 MB of text) keeps attache's peak
# resident memory under M + 24 MiB (the fixed part: program, libraries
# (libxapian and libstdc++ too, in a build with the Xapian backend: about
# 3 MiB more), the stemmer's cache, file buffers, a merge's working
# set), by flushing
# segments and merging them as it goes; and the index gives the same
# results as one built with no tight budget.
# usage: memory.sh ATTACHE [sanitized]  (under ASan resident memory means
# nothing, and the bound is not checked)
set -u
ATTACHE=$1
SANITIZED=${2:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 - "$T" <<'PY'
import json, random, sys
r = random.Random(11)
words = ["w%d" % i for i in range(40000)]
weights = [1.0 / (i + 1) for i in range(len(words))]
with open(sys.argv[1] + "/docs.jsonl", "w") as f:
    for d in range(18000):
        text = " ".join(r.choices(words, weights, k=480)) + "."
        f.write(json.dumps({"id": "d%d" % d, "title": "doc %d" % d, "text": text}) + "\n")
with open(sys.argv[1] + "/queries.tsv", "w") as f:
    for q in range(40):
        f.write("q%d\t%s\n" % (q, " ".join(r.choices(words[50:5000], k=2))))
PY
size=$(stat -c %s "$T/docs.jsonl")
[ "$size" -gt 40000000 ] || fail "corpus only $size bytes"

out=$("$ATTACHE" index -i "$T/small" --memory 4M "$T/docs.jsonl") || fail "index 4M"
peak=$(echo "$out" | sed -n 's/.*peak memory \([0-9.]*\) MiB.*/\1/p')
segs=$(echo "$out" | sed -n 's/.*; \([0-9]*\) segments written.*/\1/p')
echo "--memory 4M: $out"
if [ -n "$SANITIZED" ]; then
	echo "skipped: the peak memory bound (a sanitizer build)"
else
	python3 -c "import sys; sys.exit(0 if float('$peak') < 4 + 24 else 1)" \
	    && ok || fail "peak memory $peak MiB over 4 + 24 MiB"
fi
[ "${segs:-0}" -gt 10 ] && ok || fail "only ${segs:-?} segments flushed: the budget did not bind"
n=$("$ATTACHE" stats -i "$T/small" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["segments"])')
[ "$n" -lt "$segs" ] && ok || fail "no merging: $n segments of $segs flushed"

"$ATTACHE" index -q -i "$T/big" "$T/docs.jsonl" || fail "index unbounded"
for idx in small big; do
	"$ATTACHE" search -i "$T/$idx" --trec t -n 50 --queries "$T/queries.tsv" > "$T/$idx.run"
done
cmp -s "$T/small.run" "$T/big.run" && ok || fail "results differ: $(diff "$T/small.run" "$T/big.run" | head -4)"
"$ATTACHE" check -i "$T/small" > /dev/null && ok || fail "check of the bounded index"

echo "memory.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
