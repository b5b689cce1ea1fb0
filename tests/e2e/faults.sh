#!/bin/bash
# Faults (issue 4): each must give a clear error (exit 2, or 1 for a user
# error, never a signal or a status above 2), and leave the last committed
# index intact: the same statistics, the same search results and, when
# the binary has `attache check`, a sound index.
#   - disk full, by RLIMIT_FSIZE (`ulimit -f`, SIGXFSZ ignored so writes
#     fail with EFBIG), while indexing (at several limits) and while
#     merging (`attache merge`); a tiered merge that fails after its commit
#     leaves the commit in place; then, with no limit, indexing works;
#   - a read-only index directory (as root, a read-only bind mount in a
#     private mount namespace; "skipped" when that is not possible):
#     writers fail naming the problem, readers still work;
#   - a segment file named by the manifest missing, one of each kind;
#   - a truncated MANIFEST, at several lengths, and a bit flipped in each
#     kind of file: readers fail naming the file, and a writer refuses the
#     index rather than replace it.
# usage: faults.sh ATTACHE
set -u
ATTACHE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
skips=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
has_check=0
"$ATTACHE" check --help > /dev/null 2>&1 && has_check=1

python3 - "$T" <<'PY'
import json, random, sys
out = sys.argv[1]
rng = random.Random(11)
vocab = ["".join(rng.choice("abcdefghiklmnoprstuvwy") for _ in range(rng.randint(3, 9)))
         for _ in range(8000)] + ["grain", "corridor", "ministers", "talks"]
def doc(i, tag):
    return {"id": "d%05d" % i, "title": " ".join(rng.choices(vocab, k=5)),
            "text": " ".join(rng.choices(vocab, k=rng.randint(200, 600))) +
            ". grain corridor talks %s idmarker%05d." % (tag, i)}
def write(name, recs):
    with open("%s/%s.jsonl" % (out, name), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
write("base", [doc(i, "base") for i in range(300)])
# the big batch: new documents, replaces of base ones, deletions
big = [doc(i, "big") for i in range(250, 2500)]
big[1000:1000] = [{"id": "d%05d" % i, "deleted": True} for i in range(0, 40)]
write("big", big)
for k in range(10):
    write("s%02d" % k, [doc(i, "small%d" % k) for i in range(3000 + 40 * k, 3040 + 40 * k)])
with open(out + "/queries.tsv", "w") as f:
    f.write("1\tgrain corridor\n2\tbase\n3\tbig\n4\t\"corridor talks\" ministers\n"
            "5\tidmarker00100\n6\tsmall3\n")
PY

# The state a reader sees: statistics and the results of a few queries.
state() { # INDEX
	"$ATTACHE" stats -i "$1" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("generation", s["generation"])
print(s["documents"], s["postings"], s["positions"], s["raw_bytes"])' &&
	"$ATTACHE" search -i "$1" --trec t -n 100 --passages 1 \
	    --queries "$T/queries.tsv"
}
sound() { # INDEX WHAT
	if [ $has_check = 1 ]; then
		"$ATTACHE" check -i "$1" > "$T/check.out" 2>&1 && ok ||
		    fail "$2: attache check: $(head -5 "$T/check.out")"
	fi
}
# Runs ATTACHE ARGS... under a file size limit of KIB KiB, SIGXFSZ ignored.
limited() { # KIB ARGS...
	local kib=$1
	shift
	bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$kib" "$ATTACHE" "$@"
}
# Checks the last command's exit status RC and its stderr (file ERR):
# RC must be WANT (a list like "2" or "1 2"), no signal, and the message
# must match PATTERN.
expect() { # WHAT RC WANT PATTERN ERRFILE
	local what=$1 rc=$2 want=$3 pat=$4 err=$5
	if [ "$rc" -gt 2 ]; then
		fail "$what: exit $rc (a signal or a bad status): $(head -3 "$err")"
	elif ! [[ " $want " == *" $rc "* ]]; then
		fail "$what: exit $rc, want $want: $(head -3 "$err")"
	elif ! grep -Eq "$pat" "$err"; then
		fail "$what: message does not match /$pat/: $(head -3 "$err")"
	else
		ok
	fi
}

# ---- disk full while indexing ---------------------------------------------
# Under a limit a run either fails (exit 2, naming the file, the index as
# it was) or, when every file it writes fits, succeeds (exit 0, the index
# exactly as an unlimited run leaves it; a merge that fails after the
# commit does not fail the run). The smallest limits must fail.
IDX=$T/full
"$ATTACHE" index -q -i "$IDX" "$T/base.jsonl" || fail "index base"
state "$IDX" > "$T/before" || fail "state before"
cp -a "$IDX" "$T/full.pristine"
cp -a "$IDX" "$T/full.ref"
"$ATTACHE" index -q -i "$T/full.ref" --memory 64M "$T/big.jsonl" || fail "index big"
state "$T/full.ref" | sed 1d > "$T/ref"
failed_runs=0
for kib in 1 16 256 1500; do
	for mem in 4M 64M; do
		what="index under ulimit -f $kib (--memory $mem)"
		limited "$kib" index -q -i "$IDX" --memory "$mem" "$T/big.jsonl" 2> "$T/err"
		rc=$?
		[ -n "${VERBOSE:-}" ] && echo "$what: exit $rc: $(head -1 "$T/err")"
		if [ $rc = 0 ] && [ "$kib" -gt 16 ]; then
			# it fitted: the documents as the unlimited run's
			state "$IDX" | sed 1d > "$T/after" && cmp -s "$T/ref" "$T/after" && ok ||
			    fail "$what: exit 0 but results differ from an unlimited run"
			sound "$IDX" "$what"
			rm -rf "$IDX" && cp -a "$T/full.pristine" "$IDX"
			continue
		fi
		failed_runs=$((failed_runs + 1))
		expect "$what" $rc 2 "$IDX/(seg[0-9]+[._]|MANIFEST|LOCK)" "$T/err"
		grep -q "File too large" "$T/err" && ok ||
		    fail "$what: the message does not say why: $(head -2 "$T/err")"
		state "$IDX" > "$T/after" && cmp -s "$T/before" "$T/after" && ok ||
		    fail "$what changed the index"
	done
done
[ $failed_runs -ge 5 ] && ok || fail "only $failed_runs runs met the limit"
sound "$IDX" "after failed runs"
# with room again, the index takes the batch and holds exactly the new set
"$ATTACHE" index -q -i "$IDX" --memory 4M "$T/big.jsonl" || fail "index with room"
state "$IDX" | sed 1d > "$T/after" && cmp -s "$T/ref" "$T/after" && ok ||
    fail "after failed runs, a run with room gives other results than a clean index"
left=$(ls "$IDX" | grep -v -e '^MANIFEST$' -e '^LOCK$' | sed 's/[._].*//' | sort -u | wc -l)
segs=$("$ATTACHE" stats -i "$IDX" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["segments"])')
[ "$left" = "$segs" ] && ok || fail "files of failed runs left behind: $(ls "$IDX" | head -20)"
sound "$IDX" "after a run with room"

# ---- disk full while merging ------------------------------------------------
IDX=$T/merge
for k in 00 01 02 03; do
	"$ATTACHE" index -q -i "$IDX" "$T/s$k.jsonl" || fail "index s$k"
done
"$ATTACHE" index -q -i "$IDX" "$T/base.jsonl" || fail "index base"
state "$IDX" > "$T/before"
# room for every existing file, not for the merged one
big_kib=$(( $(ls -l "$IDX" | awk '{ if ($5 > m) m = $5 } END { print m }') / 1024 + 2 ))
segs_before=$(ls "$IDX" | grep -c '\.dic$')
limited "$big_kib" merge -i "$IDX" 2> "$T/err"
expect "merge under ulimit -f $big_kib" $? 2 "$IDX/seg[0-9]+[._]" "$T/err"
# (the merge's own first commit may have raised the generation)
state "$IDX" | sed 1d > "$T/after" && sed 1d "$T/before" | cmp -s - "$T/after" && ok ||
    fail "a failed merge changed the index: $(diff "$T/before" "$T/after" | head -5)"
[ "$(ls "$IDX" | grep -c '\.dic$')" = "$segs_before" ] && ok ||
    fail "a failed merge left files behind or took segments: $(ls "$IDX" | head -30)"
sound "$IDX" "after a failed merge"
"$ATTACHE" merge -q -i "$IDX" && ok || fail "merge with room"
state "$IDX" | sed -n 2p > "$T/after" && sed -n 2p "$T/before" | cmp -s - "$T/after" &&
    ok || fail "the merge with room changed the documents"

# a tiered merge that fails after its commit: the commit stays
IDX=$T/tier
for k in 00 01 02 03 04 05 06 07 08; do
	"$ATTACHE" index -q -i "$IDX" "$T/s$k.jsonl" || fail "index s$k"
done
kib=$(( $(ls -l "$IDX" | awk '{ if ($5 > m) m = $5 } END { print m }') / 1024 * 3 / 2 + 2 ))
limited "$kib" index -q -i "$IDX" "$T/s09.jsonl" 2> "$T/err"
rc=$?
docs=$("$ATTACHE" stats -i "$IDX" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["documents"], s["segments"])')
if [ $rc -gt 2 ]; then
	fail "tenth commit under ulimit -f $kib: exit $rc"
elif [ "${docs% *}" = 400 ]; then
	ok # committed; the merge failed (exit 0 as documented) or fit
	echo "tiered merge under ulimit -f $kib: exit $rc, ${docs#* } segments: $(head -1 "$T/err")"
else
	fail "tenth commit under ulimit -f $kib: exit $rc, $docs (documents segments), want 400: $(head -2 "$T/err")"
fi
sound "$IDX" "after a failed tiered merge"

# ---- a read-only index directory -------------------------------------------
IDX=$T/ro
"$ATTACHE" index -q -i "$IDX" "$T/base.jsonl" || fail "index base"
state "$IDX" > "$T/before"
ro() { # ARGS...: runs attache with IDX read-only
	if [ "$(id -u)" != 0 ]; then
		"$ATTACHE" "$@"
	else
		unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		    shift && exec "$@"' _ "$IDX" "$ATTACHE" "$@"
	fi
}
can_ro=1
if [ "$(id -u)" != 0 ]; then
	chmod a-w "$IDX"
elif ! unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
        ! touch "$1/probe"' _ "$IDX" 2> /dev/null; then
	can_ro=0
fi
rm -f "$IDX/probe"
if [ $can_ro = 1 ]; then
	ro index -q -i "$IDX" "$T/s00.jsonl" 2> "$T/err"
	expect "index into a read-only directory" $? 2 "$IDX.*(Read-only|Permission denied)" "$T/err"
	ro delete -q -i "$IDX" d00001 2> "$T/err"
	expect "delete in a read-only directory" $? 2 "$IDX.*(Read-only|Permission denied)" "$T/err"
	ro merge -q -i "$IDX" 2> "$T/err"
	expect "merge in a read-only directory" $? 2 "$IDX.*(Read-only|Permission denied)" "$T/err"
	ro stats -i "$IDX" > /dev/null 2> "$T/err" && ok ||
	    fail "stats on a read-only index: $(cat "$T/err")"
	ro search -i "$IDX" grain > /dev/null 2> "$T/err" && ok ||
	    fail "search on a read-only index: $(cat "$T/err")"
	[ "$(id -u)" != 0 ] && chmod u+w "$IDX"
	state "$IDX" > "$T/after" && cmp -s "$T/before" "$T/after" && ok ||
	    fail "the read-only attempts changed the index"
else
	echo "read-only directory: skipped (root, and no read-only bind mount here)"
	skips=$((skips + 1))
fi

# ---- damaged files ------------------------------------------------------------
IDX=$T/dmg
"$ATTACHE" index -q -i "$IDX" "$T/base.jsonl" || fail "index base"
"$ATTACHE" index -q -i "$IDX" "$T/s00.jsonl" || fail "index s00"
"$ATTACHE" delete -q -i "$IDX" d00007 d00008 || fail "delete"
del=$(cd "$IDX" && ls *.del | head -1)
seg=$(cd "$IDX" && ls *.dic | head -1)
seg=${seg%.dic}
[ -n "$del" ] && [ -n "$seg" ] || fail "the index has no .del or no segment"
cp -a "$IDX" "$T/pristine"
restore() { rm -rf "$IDX" && cp -a "$T/pristine" "$IDX"; }
readers_fail() { # WHAT FILE-PATTERN
	"$ATTACHE" stats -i "$IDX" > /dev/null 2> "$T/err"
	expect "stats, $1" $? 2 "$2" "$T/err"
	"$ATTACHE" search -i "$IDX" grain corridor > /dev/null 2> "$T/err"
	expect "search, $1" $? 2 "$2" "$T/err"
	if [ $has_check = 1 ]; then
		"$ATTACHE" check -i "$IDX" > "$T/err" 2>&1
		expect "check, $1" $? "1 2" "$2" "$T/err"
	fi
}
writer_refuses() { # WHAT
	local before
	before=$(md5sum "$IDX/MANIFEST" 2> /dev/null)
	"$ATTACHE" index -q -i "$IDX" "$T/s01.jsonl" 2> "$T/err"
	expect "index, $1" $? 2 "$IDX/" "$T/err"
	[ "$(md5sum "$IDX/MANIFEST" 2> /dev/null)" = "$before" ] && ok ||
	    fail "index, $1: the writer replaced the MANIFEST"
}

for f in "$seg.dic" "$seg.pst" "$seg.pos" "$seg.doc" "$seg.sen" "$seg.sto" "$del"; do
	restore
	rm "$IDX/$f"
	readers_fail "$f missing" "$f"
	# a writer may not need the file; if it fails, it must say which
	"$ATTACHE" index -q -i "$IDX" "$T/s01.jsonl" 2> "$T/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		expect "index with $f missing" $rc 2 "$f" "$T/err"
	else
		ok
	fi
done

n=$(stat -c %s "$T/pristine/MANIFEST")
for len in 0 4 11 12 20 $((n - 4)) $((n - 1)); do
	restore
	truncate -s "$len" "$IDX/MANIFEST"
	readers_fail "MANIFEST cut to $len bytes" "MANIFEST"
	writer_refuses "MANIFEST cut to $len bytes"
done

for f in MANIFEST "$seg.dic" "$seg.pst" "$seg.pos" "$seg.doc" "$seg.sen" "$seg.sto" "$del"; do
	restore
	python3 - "$IDX/$f" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x10
open(p, "wb").write(bytes(b))
PY
	readers_fail "a bit flipped in $f" "$f"
done

echo "faults.sh: $passes passed, $fails failed$( [ $skips -gt 0 ] && echo ", $skips skipped")"
[ "$fails" -eq 0 ]
