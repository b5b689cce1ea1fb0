#!/bin/bash
# Merges: twelve small commits trigger the tiered policy (ten segments of
# a tier become one); attache merge then brings the index to one segment
# and drops deleted documents. At every step every query gives the same
# documents and scores as one index built in one go from the same
# documents, and statistics agree.
# usage: merges.sh ATTACHE CORPUS_DIR
set -u
# corpus_docs.py (the corpus's files as the text reader reads them)
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
ATTACHE=$1
CORPUS=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 - "$CORPUS/docs" "$T" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
from corpus_docs import load
docs = load(src)
for i in range(12):  # twelve batches, a commit each
    with open("%s/batch%02d.jsonl" % (out, i), "w") as f:
        for d in docs[i::12]:
            f.write(json.dumps(d) + "\n")
with open(out + "/all.jsonl", "w") as f:
    for d in docs: f.write(json.dumps(d) + "\n")
with open(out + "/rest.jsonl", "w") as f:
    for d in docs[3:]: f.write(json.dumps(d) + "\n")
open(out + "/gone", "w").write(" ".join(d["id"] for d in docs[:3]))
PY

segments() { "$ATTACHE" stats -i "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["segments"])'; }
same_results() { # INDEX_A INDEX_B
	for idx in "$1" "$2"; do
		"$ATTACHE" search -i "$idx" --trec t -n 1000 --passages 0 \
		    --queries "$CORPUS/queries.tsv" > "$idx.run"
		"$ATTACHE" stats -i "$idx" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["documents"], s["postings"], s["positions"], s["raw_bytes"])' > "$idx.stats"
	done
	python3 - "$1.run" "$2.run" <<'PY' && cmp -s "$1.stats" "$2.stats"
import sys
def load(p):
    r = {}
    for line in open(p):
        q, _, d, _, s, _ = line.split()
        r.setdefault(q, set()).add((d, s))
    return r
assert load(sys.argv[1]) == load(sys.argv[2])
PY
}

"$ATTACHE" index -q -i "$T/one" "$T/all.jsonl" || fail "index all"
for i in 00 01 02 03 04 05 06 07 08; do
	"$ATTACHE" index -q -i "$T/many" "$T/batch$i.jsonl" || fail "batch $i"
done
[ "$(segments "$T/many")" = 9 ] && ok || fail "9 commits: $(segments "$T/many") segments"
"$ATTACHE" index -q -i "$T/many" "$T/batch09.jsonl"
n=$(segments "$T/many")
[ "$n" = 1 ] && ok || fail "the tenth commit should merge ten segments into one, got $n"
"$ATTACHE" index -q -i "$T/many" "$T/batch10.jsonl"
"$ATTACHE" index -q -i "$T/many" "$T/batch11.jsonl"
[ "$(segments "$T/many")" = 3 ] && ok || fail "12 commits: $(segments "$T/many") segments"
same_results "$T/many" "$T/one" && ok || fail "results after the policy's merge"

out=$("$ATTACHE" merge -i "$T/many")
[ "$out" = "merged 3 segments into 1" ] && ok || fail "attache merge said: $out"
same_results "$T/many" "$T/one" && ok || fail "results after attache merge"

# deletions are dropped by a merge, and scores match a rebuild without them
"$ATTACHE" delete -q -i "$T/many" $(cat "$T/gone") || fail "delete"
"$ATTACHE" index -q -i "$T/rest" "$T/rest.jsonl" || fail "index rest"
same_results "$T/many" "$T/rest" && ok || fail "results with deletions"
ls "$T/many" | grep -q '\.del$' && ok || fail "no deletion file"
"$ATTACHE" check -i "$T/many" > /dev/null && ok || fail "check with deletions"
"$ATTACHE" merge -q -i "$T/many" || fail "merge with deletions"
"$ATTACHE" check -i "$T/many" > /dev/null && ok || fail "check after merge"
same_results "$T/many" "$T/rest" && ok || fail "results after merging deletions away"
ls "$T/many" | grep -q '\.del$' && fail "deletion file left after merge" || ok
# only the files of the live generation remain
files=$(ls "$T/many" | grep -v -e '^MANIFEST$' -e '^LOCK$' | sed 's/\..*//' | sort -u | wc -l)
[ "$files" = 1 ] && ok || fail "stale segment files: $(ls "$T/many")"

echo "merges.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
