#!/bin/bash
# Bad input end to end: damaged index files, bad queries, malformed and
# binary input. Each must give a clear message and the documented exit
# status (1 user error / no result, 2 internal), never a crash, and a
# failed indexing run must leave the last commit intact.
# usage: errors.sh ATTACHE CORPUS_DIR
set -u
ATTACHE=$1
CORPUS=$2
# ATTACHE_BACKEND=xapian runs the same checks on the Xapian backend
BACKEND=${ATTACHE_BACKEND:-native}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS PATTERN CMD...: exit status STATUS and stderr matching
# PATTERN; with EXPECT_ON=out, standard output matching it (expect_out)
expect() {
	local want=$1 pat=$2 on=${EXPECT_ON:-err}
	shift 2
	"$@" > "$T/out" 2> "$T/err"
	local got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$* exited $got, wanted $want; stderr: $(head -c 300 "$T/err")"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$T/$on"; then
		fail "$*: std$on lacks /$pat/: $(head -c 300 "$T/$on")"
	else
		passes=$((passes + 1))
	fi
}
expect_out() { EXPECT_ON=out expect "$@"; }

"$ATTACHE" index -q -i "$T/good" "$CORPUS/docs" || fail "index"
if [ "$BACKEND" = native ]; then
seg=$(ls "$T/good"/seg000001.pst >/dev/null && echo "$T/good/seg000001")

# damaged files: truncated and bit-flipped, each file kind
for ext in dic pst pos doc sen val sto; do
	rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
	f="$T/bad/seg000001.$ext"
	truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
	expect 2 "seg000001\.$ext: .*(truncat|checksum|corrupt)" \
	    "$ATTACHE" search -i "$T/bad" defence
	rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
	size=$(stat -c %s "$f")
	off=$((size / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 16)))" |
	    dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	expect 2 "seg000001\.$ext: checksum mismatch" \
	    "$ATTACHE" search -i "$T/bad" defence
done
# attache check: a bit flip is reported with its file; a change with a
# recomputed checksum (a writer's bug, not a disk's) is caught by comparing
# the postings with the stored documents (or, if the Rice codes no longer
# decode, by the decoding)
"$ATTACHE" check -i "$T/bad" > "$T/out"
[ $? -eq 1 ] && grep -q "seg000001.sto: checksum mismatch" "$T/out" \
    && passes=$((passes + 1)) || fail "check of a flipped bit: $(cat "$T/out")"
rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
python3 - "$T/bad/seg000001.pos" <<'PY'
import sys, zlib
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01  # one position delta changes
# the checksums made right again (docs/FORMAT.md 2.1): the pages', the
# page table's, the file's
n = len(b)
np = int.from_bytes(b[n - 12:n - 8], "little")
body = n - 12 - 4 * np
for i in range(np):
    crc = zlib.crc32(bytes(b[i * 4096:min((i + 1) * 4096, body)]))
    b[body + 4 * i:body + 4 * i + 4] = crc.to_bytes(4, "little")
b[n - 8:n - 4] = zlib.crc32(bytes(b[body:n - 8])).to_bytes(4, "little")
b[-4:] = zlib.crc32(bytes(b[:-4])).to_bytes(4, "little")
open(p, "wb").write(b)
PY
"$ATTACHE" check -i "$T/bad" > "$T/out"
[ $? -eq 1 ] && grep -Eq "seg000001.pst: offset [0-9]*: term .*(postings differ from the stored documents|postings or positions do not decode)" "$T/out" \
    && passes=$((passes + 1)) || fail "check of a rewritten position: $(cat "$T/out")"
rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
truncate -s 10 "$T/bad/MANIFEST"
expect 2 "MANIFEST" "$ATTACHE" search -i "$T/bad" defence
rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
rm "$T/bad/seg000001.pos"
expect 2 "seg000001\.pos" "$ATTACHE" search -i "$T/bad" defence
else
# damaged Xapian tables, each truncated to half: attache check reports
# each (Xapian's own check finds the missing blocks) and exits 1; a search
# that reads a damaged block exits 2 naming the database, never crashes
for t in postlist position termlist docdata; do
	rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"
	f="$T/bad/$t.glass"
	truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
	"$ATTACHE" check -i "$T/bad" > "$T/out" 2>&1
	[ $? -eq 1 ] && grep -q "Xapian's check: DatabaseError: EOF reading block" "$T/out" \
	    && passes=$((passes + 1)) || fail "check of a truncated $t: $(cat "$T/out")"
	"$ATTACHE" search -i "$T/bad" -n 29 defence > /dev/null 2> "$T/err"
	st=$?
	[ $st -eq 0 ] || { [ $st -eq 2 ] && grep -q "$T/bad: .*EOF reading block" "$T/err"; } \
	    && passes=$((passes + 1)) || fail "search of a truncated $t: $st $(cat "$T/err")"
done
expect 2 "$T/bad: .*EOF reading block" "$ATTACHE" search -i "$T/bad" -n 29 defence
# (a document whose terms disagree with its stored text: check_xbackend)
fi
expect 1 "no attache index" "$ATTACHE" search -i "$T/nothing" defence

# bad queries: --strict names the problem, the default repairs it
expect 1 "column 9: unterminated quote" "$ATTACHE" search -i "$T/good" --strict 'defence "cooperation'
expect_out 0 "^note: unmatched quote read as a phrase" "$ATTACHE" search -i "$T/good" 'defence "cooperation'
# a lone - is punctuation: the same hits as without it
[ "$("$ATTACHE" search -i "$T/good" --trec t 'defence - cooperation')" = \
  "$("$ATTACHE" search -i "$T/good" --trec t 'defence cooperation')" ] \
    && passes=$((passes + 1)) || fail "lone '-' changed the results"
expect 1 "no searchable words" "$ATTACHE" search -i "$T/good" --strict ''
expect 1 "no searchable words" "$ATTACHE" search -i "$T/good" --strict '... ,,, !!!'
expect 1 "only excluded" "$ATTACHE" search -i "$T/good" --strict -- '-defence'
expect 1 "over the limit" "$ATTACHE" search -i "$T/good" --strict "$(head -c 9000 /dev/zero | tr '\0' a)"
expect_out 1 "^note: nothing to search for" "$ATTACHE" search -i "$T/good" ''
expect_out 1 "^0 of 0 matching" "$ATTACHE" search -i "$T/good" '... ,,, !!!'
expect_out 0 "^note: only excluded words: read as words" "$ATTACHE" search -i "$T/good" -- '-defence'
expect_out 1 "^note: query cut to its first 8192 bytes" "$ATTACHE" search -i "$T/good" "$(head -c 9000 /dev/zero | tr '\0' a)"
[ "$("$ATTACHE" search -i "$T/good" --json '' | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["total"], o["hits"], o["notes"])')" = \
  "0 [] ['nothing to search for: no word in the query']" ] \
    && passes=$((passes + 1)) || fail "an empty query's JSON"
[ "$("$ATTACHE" search -i "$T/good" --json 'defence cooperation' | python3 -c 'import json,sys; print("notes" in json.load(sys.stdin))')" = False ] \
    && passes=$((passes + 1)) || fail "notes in the JSON of a query without repairs"
expect 1 "" "$ATTACHE" search -i "$T/good" zzzzunknownword
expect 1 "invalid option value" "$ATTACHE" search -i "$T/good" -n many defence
expect 1 "-i INDEX is required" "$ATTACHE" search defence

# malformed input: nothing committed, the index keeps its last commit
before=$("$ATTACHE" stats -i "$T/good" --json)
printf '{"id":"a","text":"fine"}\n{"id":"b","text":\n{"id":"c","text":"also fine"}\n' > "$T/bad.jsonl"
expect 1 "bad\.jsonl:2: " "$ATTACHE" index -i "$T/good" "$T/bad.jsonl"
[ "$("$ATTACHE" stats -i "$T/good" --json)" = "$before" ] && passes=$((passes + 1)) \
    || fail "a failed run changed the index"
"$ATTACHE" index -i "$T/good" --skip-bad "$T/bad.jsonl" > "$T/out" 2> "$T/err"
[ $? -eq 0 ] && grep -q "indexed 2 documents.*skipped 1 bad records" "$T/out" \
    && passes=$((passes + 1)) || fail "--skip-bad: $(cat "$T/out" "$T/err")"

mkdir -p "$T/txt/sub"
printf 'Title\nsome text\n' > "$T/txt/a.txt"
printf 'Bin\x00ary\n' > "$T/txt/sub/b.txt"
printf 'Bad\ncaf\xe9 au lait\n' > "$T/txt/sub/c.txt"
expect 1 "sub/b\.txt: binary file" "$ATTACHE" index -i "$T/t1" "$T/txt"
expect 1 "sub/c\.txt.*invalid UTF-8 in text at byte 3" \
    "$ATTACHE" index -i "$T/t1" "$T/txt/sub/c.txt"
expect 0 "sub/c\.txt:1: .*invalid UTF-8" \
    "$ATTACHE" index -i "$T/t1" --skip-bad "$T/txt"
grep -q "sub/b\.txt: binary file (NUL byte at offset 3)" "$T/err" &&
    grep -q "indexed 1 documents.*skipped 1 bad records; skipped 1 unreadable file;" "$T/out" \
    && passes=$((passes + 1)) || fail "--skip-bad count: $(cat "$T/out")"
# in a folder, an unreadable file is skipped without --skip-bad (and
# stops the run under --strict); a document the index refuses is not
rm "$T/txt/sub/c.txt"
expect 0 "sub/b\.txt: binary file \(NUL byte at offset 3\) \(skipped\)" \
    "$ATTACHE" index -i "$T/t5" "$T/txt"
grep -q "indexed 1 documents.*skipped 1 unreadable file;" "$T/out" \
    && passes=$((passes + 1)) || fail "unreadable file count: $(cat "$T/out")"
expect 1 "sub/b\.txt: binary file" "$ATTACHE" index -i "$T/t6" --strict "$T/txt"
printf 'Bad\ncaf\xe9 au lait\n' > "$T/txt/sub/c.txt"
"$ATTACHE" index -q -i "$T/t2" --skip-bad --replace-invalid-utf8 "$T/txt" 2>/dev/null \
    || fail "--replace-invalid-utf8 run"
"$ATTACHE" search -i "$T/t2" --json caf | grep -q $'</mark>\xef\xbf\xbd au lait' \
    && passes=$((passes + 1)) || fail "U+FFFD not stored"
expect 1 "unknown language" "$ATTACHE" index -i "$T/t3" --language klingon "$T/txt/a.txt"
expect 1 "No such file" "$ATTACHE" index -i "$T/t4" "$T/missing.jsonl"

echo "errors.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
