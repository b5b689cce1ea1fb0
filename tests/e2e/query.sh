#!/bin/bash
# The query language and the search options through the real binary, on
# the bundled corpus: a field query finds exactly the documents whose
# titles have the word; pruning and --exhaustive give the same runs;
# --explain, --title-weight, --feedback and --keep-stop-words do what
# they say; a parse error exits 1 naming the column.
# usage: query.sh ATTACHE CORPUS_DIR
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
search() { "$ATTACHE" search -i "$T/idx" "$@"; }

"$ATTACHE" index -q -i "$T/idx" "$CORPUS/docs" || fail "index exited $?"

# title:azerbaijan: exactly the documents with the word in their title
# line (the first line of each file)
want=$(for f in "$CORPUS"/docs/*.txt; do
	python3 -c 'import sys; from corpus_docs import split; print(split(open(sys.argv[1]).read())[1])' "$f" |
	    grep -qiw azerbaijan && basename "$f" .txt
done | sort | tr '\n' ' ')
got=$(search --trec t -n 100 title:azerbaijan | awk '{print $3}' | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ] && ok || fail "title:azerbaijan: got {$got} want {$want}"

# every operator parses and answers; pruned and exhaustive runs agree
cat > "$T/q.tsv" <<'Q'
or	defence cooperation Azerbaijan
and	gas AND pipeline
not	gas NOT Russia
group	(sanctions OR embargo) AND oil
near	gas NEAR/5 corridor
slop	"corridor gas"~3
prefix	negotiat* ceasefire
field	title:summit Baku
boost	pipeline^3 Azerbaijan
stop	the Middle Corridor
required	+Azerbaijan -Armenia energy
Q
search --trec t -n 10 --queries "$T/q.tsv" > "$T/pruned" 2> "$T/err1" || fail "pruned run exited $?"
search --trec t -n 10 --exhaustive --queries "$T/q.tsv" > "$T/exh" 2> "$T/err2" || fail "exhaustive run exited $?"
[ ! -s "$T/err1" ] && [ ! -s "$T/err2" ] && ok || fail "query errors: $(cat "$T/err1" "$T/err2")"
cmp -s "$T/pruned" "$T/exh" && ok || fail "pruned and exhaustive runs differ"
n=$(awk '{print $1}' "$T/pruned" | sort -u | wc -l)
[ "$n" -ge 10 ] && ok || fail "only $n of 11 queries found anything"

# --explain: the explanation adds up to the score it explains
search --json -n 3 --explain "defence cooperation Azerbaijan" > "$T/x.json" || fail "explain exited $?"
python3 - "$T/x.json" "$BACKEND" <<'PY' && ok || fail "--explain"
import json, re, sys
r = json.load(open(sys.argv[1]))
for h in r["hits"]:
    x = h["explanation"]
    head = re.match(r"([0-9.]+) = ([0-9.]+) document \+ ([0-9.]+) x ([0-9.]+) "
                    r"passage \+ ([0-9.]+) x ([0-9.]+) proximity\n", x)
    assert head, x
    total, doc, pw, passage, xw, prox = map(float, head.groups())
    assert (pw, xw) == (0.5, 0.5), x  # the default weights
    assert abs(total - h["score"]) < 1e-3 and abs(doc - h["doc_score"]) < 1e-3, x
    assert abs(total - (doc + pw * passage + xw * prox)) < 2e-3, x
    assert "proximity: BM25TP k1 1.2 b 0.75" in x, x
    assert "document score: BM25 k1 1.2 b 0.75" in x, x
    assert "defenc: idf" in x, x
x = r["hits"][0]["explanation"]
assert "azerbaijan: idf" in x and "cooper: idf" in x, x
assert "= group" in x or sys.argv[2] == "xapian", x
PY
search -n 1 --explain "defence" | grep -q '^   | document score: BM25' && ok || fail "--explain text"
# --proximity-weight: its weight in the blend, none at 0
search -n 1 --explain --proximity-weight 2 "defence cooperation" |
    grep -q '^   | [0-9.]* = .* passage + 2 x [0-9.]* proximity$' && ok ||
    fail "--proximity-weight 2"
search -n 1 --explain --proximity-weight 0 "defence cooperation" > "$T/p0"
grep -q 'passage$' "$T/p0" && ! grep -q proximity "$T/p0" && ok ||
    fail "--proximity-weight 0: $(cat "$T/p0")"

if [ "$BACKEND" = native ]; then
# --title-weight: BM25F changes document scores, and says so
a=$(search --trec t -n 1 --passage-weight 0 "Azerbaijan" | awk '{print $5}')
b=$(search --trec t -n 1 --passage-weight 0 --title-weight 3 "Azerbaijan" | awk '{print $5}')
[ -n "$a" ] && [ "$a" != "$b" ] && ok || fail "--title-weight 3 kept score $a"
search -n 1 --explain --title-weight 3 "Azerbaijan" | grep -q 'BM25F' && ok || fail "BM25F explain"
else
# the Xapian backend refuses BM25F (no per-field lengths), naming the
# native backend
search --title-weight 3 "Azerbaijan" > /dev/null 2> "$T/err"
[ $? -eq 1 ] && grep -q "needs the native backend" "$T/err" && ok \
    || fail "--title-weight 3 on xapian: $(cat "$T/err")"
fi

# --feedback adds words: at least as many matches, exact counts compared
t0=$(search --json --exhaustive "corridor" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
t1=$(search --json --exhaustive --feedback 3 "corridor" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$t1" -gt "$t0" ] && ok || fail "--feedback 3: $t1 matches, without $t0"
# ... but never widens a required word
t2=$(search --json --exhaustive --feedback 3 "+corridor gas" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$t2" -eq "$t0" ] && ok || fail "--feedback 3 on +corridor: $t2 matches, want $t0"

# stop words: dropped when optional, kept with --keep-stop-words
t0=$(search --json --exhaustive "the corridor" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
t1=$(search --json --exhaustive --keep-stop-words "the corridor" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
t2=$(search --json --exhaustive "the" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$t1" -gt "$t0" ] && [ "$t2" -gt 20 ] && ok || fail "stop words: $t0 / $t1 / $t2"

# a parse error under --strict: exit 1, the column on stderr, nothing on
# stdout; by default the bracket is ignored, and said so
search --strict "gas AND (oil" > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q "column 9: unclosed bracket" "$T/err" && [ ! -s "$T/out" ] \
    && ok || fail "parse error: exit $rc, $(cat "$T/err")"
[ "$(search --trec t "gas AND (oil")" = "$(search --trec t "gas AND oil")" ] \
    && [ "$(search --json --explain "gas AND (oil" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["notes"], o["searched"])')" = \
         "['unmatched bracket ignored'] (+gas +oil)" ] \
    && ok || fail "forgiving: gas AND (oil"
# the capitals rule: in a query in capitals AND is a word
[ "$(search --trec t "PIPELINE AND GAS")" = "$(search --trec t "pipeline gas")" ] \
    && [ "$(search --trec t "pipeline AND gas")" = "$(search --trec t "+pipeline +gas")" ] \
    && [ "$(search --trec t "pipeline AND gas")" != "$(search --trec t "pipeline gas")" ] \
    && ok || fail "the capitals rule"
# plain words: no syntax at all
[ "$(search --plain --trec t '"gas" AND -(pipeline')" = "$(search --trec t 'gas and pipeline')" ] \
    && ok || fail "--plain"

echo "query.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
