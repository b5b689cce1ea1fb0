#!/bin/bash
# Replace and delete by id change results and statistics exactly as a
# rebuild from scratch would: an index updated in three commits (a
# replaced document, a JSONL deletion record, attache delete, a new
# document) must give the same scores for every query, and the same
# statistics, as one index built from the final documents.
# usage: updates.sh ATTACHE CORPUS_DIR
set -u
# corpus_docs.py (the corpus's files as the text reader reads them)
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
ATTACHE=$1
CORPUS=$2
# ATTACHE_BACKEND=xapian runs the same checks on the Xapian backend
BACKEND=${ATTACHE_BACKEND:-native}
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
changed = dict(docs[5], text=docs[5]["text"] + "\n\nA late paragraph on defence cooperation with Azerbaijan and Georgia.")
new = {"id": "new-1", "title": "Caspian ministers meet", "text": "Ministers from the Caspian states met in Aktau. They discussed shipping and defence cooperation."}
with open(out + "/all.jsonl", "w") as f:
    for d in docs: f.write(json.dumps(d) + "\n")
with open(out + "/update.jsonl", "w") as f:
    f.write(json.dumps(changed) + "\n")
    f.write(json.dumps({"id": docs[10]["id"], "deleted": True}) + "\n")
    f.write(json.dumps(new) + "\n")
final = [changed if d["id"] == changed["id"] else d for d in docs
         if d["id"] not in (docs[10]["id"], docs[20]["id"])] + [new]
with open(out + "/final.jsonl", "w") as f:
    for d in final: f.write(json.dumps(d) + "\n")
open(out + "/deleted-id", "w").write(docs[20]["id"])
PY

"$ATTACHE" index -q -i "$T/upd" "$T/all.jsonl" || fail "index all"
out=$("$ATTACHE" index -i "$T/upd" "$T/update.jsonl") || fail "index update"
echo "$out" | grep -q "indexed 2 documents.*replaced 1; deleted 1" && ok || fail "update summary: $out"
"$ATTACHE" delete -q -i "$T/upd" "$(cat "$T/deleted-id")" || fail "attache delete"
"$ATTACHE" delete -i "$T/upd" no-such-id > /dev/null 2> "$T/err"
[ $? -eq 1 ] && grep -q "no-such-id: no such document" "$T/err" && ok || fail "missing id"
"$ATTACHE" index -q -i "$T/fresh" "$T/final.jsonl" || fail "index final"
"$ATTACHE" check -i "$T/upd" > "$T/check" && grep -q sound "$T/check" && ok \
    || fail "attache check after updates: $(cat "$T/check")"

# statistics: the same documents, postings, tokens and raw bytes
python3 - "$ATTACHE" "$T/upd" "$T/fresh" "$BACKEND" <<'PY' && ok || fail "statistics differ"
import json, subprocess, sys
a, b = (json.loads(subprocess.check_output([sys.argv[1], "stats", "-i", d, "--json"]))
        for d in sys.argv[2:4])
if sys.argv[4] == "native":
    for k in ("documents", "postings", "positions", "raw_bytes"):  # terms: summed per segment
        assert a[k] == b[k], (k, a[k], b[k])
    assert a["segments"] == 2 and b["segments"] == 1, (a["segments"], b["segments"])
else:
    for k in ("documents", "terms", "postings", "positions"):
        assert a[k] == b[k], (k, a[k], b[k])
PY

# every query, every match: the same documents with the same scores
for idx in upd fresh; do
	"$ATTACHE" search -i "$T/$idx" --trec t -n 1000 --passages 0 \
	    --passage-weight 0 --queries "$CORPUS/queries.tsv" > "$T/$idx.run"
	printf 'x\tdefence cooperation Azerbaijan Georgia Caspian\n' |
	    "$ATTACHE" search -i "$T/$idx" --trec t -n 1000 --queries - >> "$T/$idx.run"
done
python3 - "$T/upd.run" "$T/fresh.run" <<'PY' && ok || fail "scores differ"
import sys
def load(p):
    r = {}
    for line in open(p):
        q, _, d, _, s, _ = line.split()
        r.setdefault(q, set()).add((d, s))
    return r
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a == b, [(q, a.get(q, set()) ^ b.get(q, set())) for q in set(a) | set(b) if a.get(q) != b.get(q)][:3]
assert any(d == "new-1" for d, s in a["x"]), a["x"]
PY
grep -q "$(cat "$T/deleted-id")" "$T/upd.run" && fail "a deleted document was found" || ok

echo "updates.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
