#!/bin/bash
# Parity of the two backends (issue 6): corpus/ indexed natively and into
# a Xapian database, every query of corpus/queries.tsv run on both; the
# top-10 documents must overlap by at least 90% on average, with the
# default ranking (BM25 then passage and proximity re-ranking) and with
# document BM25 alone (--passage-weight 0 --proximity-weight 0). The
# figures are printed. What still differs
# (Xapian's idf and its document lengths, which count field terms) is
# docs/XAPIAN.md's "Parity".
# usage: parity.sh ATTACHE CORPUS_DIR
set -u
ATTACHE=$1
CORPUS=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0

"$ATTACHE" index -q -i "$T/native" "$CORPUS/docs" || { echo "FAIL: index"; exit 1; }
"$ATTACHE" index -q --backend xapian -i "$T/xapian" "$CORPUS/docs" ||
    { echo "FAIL: index --backend xapian"; exit 1; }
for mode in default bm25; do
	args=()
	[ "$mode" = bm25 ] && args=(--passage-weight 0 --proximity-weight 0)
	for b in native xapian; do
		"$ATTACHE" search -i "$T/$b" --trec t -n 10 -p 0 "${args[@]}" \
		    --queries "$CORPUS/queries.tsv" > "$T/$b.$mode" ||
		    { echo "FAIL: search $b $mode"; fails=$((fails + 1)); }
	done
	if python3 - "$T/native.$mode" "$T/xapian.$mode" "$mode" <<'PY'
import sys
def load(p):
    r = {}
    for line in open(p):
        q, _, d, _, _, _ = line.split()
        r.setdefault(q, []).append(d)
    return r
a, b = load(sys.argv[1]), load(sys.argv[2])
qs = sorted(set(a) | set(b))
over = [len(set(a.get(q, [])) & set(b.get(q, []))) /
        max(len(a.get(q, [])), len(b.get(q, []))) for q in qs]
first = sum(1 for q in qs if a.get(q, [None])[0] == b.get(q, [None])[0])
mean = sum(over) / len(over)
print("%s: %d queries, top-10 overlap %.1f%% (lowest %.0f%%), same first hit"
      " %d of %d" % (sys.argv[3], len(qs), 100 * mean, 100 * min(over), first,
                     len(qs)))
sys.exit(0 if len(qs) >= 20 and mean >= 0.9 else 1)
PY
	then
		passes=$((passes + 1))
	else
		echo "FAIL: $mode: overlap under 90%"
		fails=$((fails + 1))
	fi
done
echo "parity.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
