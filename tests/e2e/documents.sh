#!/bin/bash
# Documents as people keep them (issue 16), through the real binary: a
# mixed folder of text, HTML, Markdown, PDF, e-mail and an mbox, with a
# binary file and a damaged PDF among them, is indexed; each document is
# found by a phrase from its body, with its title, date and fields; a PDF
# hit says its page; a page gumbo fails an assertion on is skipped; the bad files are reported and skipped (and stop the
# run under --strict). Then --sync: added, changed, renamed and removed
# files, an unchanged folder (nothing committed), and a kill in the
# middle of a sync, after which the index holds the old state or the new.
# usage: documents.sh ATTACHE SOURCE_DIR
set -u
ATTACHE=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# the ids of the hits of a query, one a line, in rank order
ids() { "$ATTACHE" search -i "$1" --json -n 20 "$2" | python3 -c '
import json, sys
for h in json.load(sys.stdin)["hits"]: print(h["id"])'; }
# one key of the first hit: title, page, or fields.NAME
first() { "$ATTACHE" search -i "$1" --json "$2" | python3 -c '
import json, sys
h = json.load(sys.stdin)["hits"]
if not h: print("<none>"); sys.exit()
v = h[0]
for k in sys.argv[1].split("."): v = v.get(k, "<absent>") if isinstance(v, dict) else v
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$3"; }

D=$T/docs
mkdir -p "$D/pages" "$D/mail" "$D/notes" "$D/reports"
cat > "$D/plain.txt" <<'EOF'
Tea prices in Colombo
Auction rooms in Colombo reported record bids for highland tea.
EOF
cat > "$D/pages/baku.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Baku talks | Example News</title>
<meta property="og:title" content="Pipeline talks open in Baku">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2025-03-04T09:15:00Z">
<style>.x { color: red }</style><script>var hidden = "scriptword";</script>
</head><body>
<nav>Home | World | navword</nav>
<article><h1>Pipeline talks</h1>
<p>Negotiators discussed the Caspian&nbsp;pipeline tariff &amp; transit fees.</p>
<p>A second paragraph about gas.</p></article>
<footer>Copyright footerword</footer>
</body></html>
EOF
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><title>Menu</title></head><body><p>Le caf\xe9 du port serves mint tea.</p></body></html>\n' \
    > "$D/pages/cafe.htm"
cat > "$D/notes/summit.md" <<'EOF'
---
title: Notes from the summit
date: 2025-06-01
tags: [energy, caspian]
---
# Summit notes

The delegates agreed on **renewable quotas** for the region.
See [the communique](http://example.org/secretlinktarget.pdf) for details.
EOF
cat > "$D/mail/memo.eml" <<'EOF'
From: Alice Example <alice@example.org>
To: bob@example.net, carol@example.com
Subject: =?UTF-8?Q?Caf=C3=A9_talks?=
Date: Tue, 4 Mar 2025 09:15:00 +0100
Message-ID: <memo-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

The ministers met over saffron coffee and agreed to resume the=
 ferry service.
EOF
cat > "$D/mail/inbox.mbox" <<'EOF'
From alice@example.org Tue Mar  4 09:15:00 2025
From: alice@example.org
To: bob@example.net
Subject: First message
Date: Tue, 4 Mar 2025 09:15:00 +0000

The harbour master counted nineteen tankers.

From bob@example.net Wed Mar  5 10:00:00 2025
From: bob@example.net
To: alice@example.org
Subject: Second message
Date: Wed, 5 Mar 2025 10:00:00 +0000

The lighthouse keeper reported fog over the strait.
EOF
cp "$SRC/tests/readers/pdf/three.pdf" "$D/reports/grain.pdf"
cp "$SRC/tests/readers/pdf/notitle.pdf" "$D/reports/saved.html"   # a PDF, misnamed
printf 'Bin\x00ary\x00data' > "$D/reports/blob.dat"
cp "$SRC/tests/readers/pdf/damaged.pdf" "$D/reports/broken.pdf"
printf 'just some bytes\n' > "$D/reports/unknown.xyz"

I=$T/idx
"$ATTACHE" index -i "$I" "$D" > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 0 ] && pass || fail "index exit $rc: $(cat "$T/err")"
grep -q 'indexed 9 documents' "$T/out" && grep -q 'skipped 3 unreadable files' "$T/out" \
    && pass || fail "summary: $(cat "$T/out")"
grep -q 'reports/blob.dat: binary file' "$T/err" && grep -q 'reports/broken.pdf: damaged PDF' "$T/err" \
    && grep -q 'reports/unknown.xyz: unsupported kind of file' "$T/err" \
    && pass || fail "skipped files not named: $(cat "$T/err")"

check() {   # QUERY ID: the first hit
	local got
	got=$(ids "$I" "$1" | head -1)
	[ "$got" = "$2" ] && pass || fail "'$1': first hit '$got', not '$2'"
}
check '"record bids for highland tea"' plain
check '"caspian pipeline tariff"' pages/baku.html
check '"renewable quotas"' notes/summit.md
check '"saffron coffee"' mail/memo.eml
check '"nineteen tankers"' 'mail/inbox.mbox#1'
check '"fog over the strait"' 'mail/inbox.mbox#2'
check '"international cargo"' reports/grain.pdf
check 'café port mint' pages/cafe.htm
check '"a page without a title"' reports/saved.html   # sniffed: read as the PDF it is
for w in scriptword navword footerword secretlinktarget; do
	[ -z "$(ids "$I" "$w")" ] && pass || fail "'$w' (boilerplate or a link target) was indexed"
done
[ "$(first "$I" caspian title)" = "Pipeline talks open in Baku" ] && pass || fail "HTML title"
[ "$(first "$I" caspian fields.date)" = "2025-03-04T09:15:00Z" ] && pass || fail "HTML date"
[ "$(first "$I" caspian fields.source)" = '["example news"]' ] && pass || fail "HTML source"
[ "$(first "$I" 'renewable quotas' title)" = "Notes from the summit" ] && pass || fail "Markdown title"
[ "$(first "$I" 'renewable quotas' fields.tags)" = '["caspian", "energy"]' ] && pass \
    || fail "Markdown tags: $(first "$I" 'renewable quotas' fields.tags)"
[ "$(first "$I" saffron title)" = "Café talks" ] && pass || fail "mail subject"
[ "$(first "$I" saffron fields.date)" = "2025-03-04T08:15:00Z" ] && pass || fail "mail date"
[ "$(first "$I" saffron fields.to)" = '["bob@example.net", "carol@example.com"]' ] && pass \
    || fail "mail to: $(first "$I" saffron fields.to)"
[ "$(first "$I" 'international cargo' title)" = "Black Sea grain corridor" ] && pass || fail "PDF title"
[ "$(first "$I" 'international cargo' page)" = "2" ] && pass \
    || fail "PDF page: $(first "$I" 'international cargo' page)"
[ "$(first "$I" 'odesa dawn' page)" = "1" ] && pass || fail "PDF page 1"
"$ATTACHE" search -i "$I" 'international cargo' | grep -q '\[p\. 2, ' && pass \
    || fail "the CLI does not print p. 2"
# typed with nothing declared: a filter and a facet on the readers' fields
[ "$(ids "$I" 'date:2025-03 -saffron' | sort | tr '\n' ' ')" = 'mail/inbox.mbox#1 mail/inbox.mbox#2 pages/baku.html ' ] \
    && pass || fail "date filter: $(ids "$I" 'date:2025-03 -saffron' | tr '\n' ' ')"
[ "$(ids "$I" 'from:bob@example.net')" = 'mail/inbox.mbox#2' ] && pass || fail "from: filter"

# --strict: the first bad file stops the run, nothing committed
"$ATTACHE" index -i "$T/strict" --strict "$D" > /dev/null 2> "$T/err"
[ $? -eq 1 ] && grep -q 'binary file' "$T/err" && [ ! -e "$T/strict/MANIFEST" ] && pass \
    || fail "--strict: $(cat "$T/err")"
# a single file given by name
"$ATTACHE" index -q -i "$T/one" "$D/reports/grain.pdf" && \
    [ "$(ids "$T/one" odesa)" = grain.pdf ] && pass || fail "a single PDF"
# a missing module is a reported, skipped file: the program alone, with
# no module beside it (nor installed, unless this machine has one)
mkdir -p "$T/bin" "$T/nomod" "$T/nm"
cp "$ATTACHE" "$T/bin/attache"
cp "$D/reports/grain.pdf" "$D/plain.txt" "$T/nm/"
ATTACHE_MODULE_DIR=$T/nomod "$T/bin/attache" index -i "$T/nmidx" "$T/nm" > "$T/out" 2> "$T/err"
if grep -q 'cannot read PDF files: attache-pdf.so is not installed' "$T/err" &&
   grep -q 'indexed 1 documents.*skipped 1 unreadable file;' "$T/out"; then
	pass
elif grep -q 'indexed 2 documents' "$T/out"; then
	echo "documents.sh: a module is installed on this machine: not tested without it"
else
	fail "missing module: $(cat "$T/out" "$T/err")"
fi

# a PDF that would keep poppler busy for minutes is refused at the time
# bound, and the rest is indexed
mkdir -p "$T/bomb"
python3 "$SRC/tests/readers/pdf/bomb.py" 7 10 > "$T/bomb/bomb.pdf"
cp "$D/plain.txt" "$T/bomb/"
ATTACHE_READER_TIMEOUT=2 "$ATTACHE" index -i "$T/bidx" "$T/bomb" > "$T/out" 2> "$T/err"
grep -q 'bomb.pdf: PDF refused: reading it took more than 2 s' "$T/err" &&
    grep -q 'indexed 1 documents.*skipped 1 unreadable file;' "$T/out" && pass \
    || fail "a hostile PDF: $(cat "$T/out" "$T/err")"
# and an HTML page nested 80,000 deep (gumbo's time grows with depth
# times tags: some 15 s), the same
python3 -c 'import sys; n = 80000
sys.stdout.write("<!DOCTYPE html><html><body>" + "<div>" * n + "x" + "</div>" * n)' \
    > "$T/bomb/deep.html"
rm "$T/bomb/bomb.pdf"
rm -rf "$T/bidx"
ATTACHE_READER_TIMEOUT=2 "$ATTACHE" index -i "$T/bidx" "$T/bomb" > "$T/out" 2> "$T/err"
grep -q 'deep.html: HTML refused: reading it took more than 2 s' "$T/err" &&
    grep -q 'indexed 1 documents.*skipped 1 unreadable file;' "$T/out" && pass \
    || fail "a hostile HTML page: $(cat "$T/out" "$T/err")"

# a page on which gumbo fails an assert(): that page refused, the run
# goes on and commits the rest
mkdir -p "$T/gumbo"
printf '<table><svg><select><title><select><tfoot>' > "$T/gumbo/assert.html"
cp "$D/plain.txt" "$T/gumbo/"
"$ATTACHE" index -i "$T/gidx" "$T/gumbo" > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q 'assert.html: the HTML parser (gumbo) failed an internal assertion' "$T/err" &&
    grep -q 'indexed 1 documents.*skipped 1 unreadable file;' "$T/out" &&
    [ "$(ids "$T/gidx" '"record bids for highland tea"')" = plain ] && pass \
    || fail "a page gumbo asserts on: exit $rc: $(cat "$T/out" "$T/err")"

# ---- --sync ----
S=$T/sync
cp -r "$D" "$S"
rm "$S/reports/blob.dat" "$S/reports/broken.pdf" "$S/reports/unknown.xyz" \
    "$S/reports/saved.html"
J=$T/sidx
"$ATTACHE" index -i "$J" --sync "$S" > "$T/out" 2> "$T/err" && \
    grep -q 'synced .*: 7 added, 0 changed, 0 removed, 0 unchanged' "$T/out" && pass \
    || fail "first sync: $(cat "$T/out" "$T/err")"
gen() { "$ATTACHE" stats -i "$J" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
g1=$(gen)
"$ATTACHE" index -i "$J" --sync "$S" > "$T/out" && \
    grep -q '0 added, 0 changed, 0 removed, 7 unchanged; 0 documents indexed' "$T/out" && \
    [ "$(gen)" = "$g1" ] && pass || fail "unchanged sync: $(cat "$T/out"); generation $g1 -> $(gen)"
touch "$S/plain.txt"   # same bytes, new time: hashed, not re-indexed
"$ATTACHE" index -i "$J" --sync "$S" > "$T/out" && \
    grep -q '0 changed, 0 removed, 7 unchanged; 0 documents' "$T/out" && pass \
    || fail "touched: $(cat "$T/out")"
sed -i 's/saffron coffee/cardamom tea/' "$S/mail/memo.eml"
mv "$S/notes/summit.md" "$S/notes/summit-2025.md"
rm "$S/pages/cafe.htm"
printf 'Added later\nThe observers counted ballots in Tbilisi.\n' > "$S/new.txt"
head -7 "$S/mail/inbox.mbox" > "$S/mail/inbox.tmp" && mv "$S/mail/inbox.tmp" "$S/mail/inbox.mbox"
"$ATTACHE" index -i "$J" --sync "$S" > "$T/out" 2> "$T/err"
grep -q '2 added, 2 changed, 2 removed, 3 unchanged' "$T/out" && pass \
    || fail "changes: $(cat "$T/out" "$T/err")"
[ -z "$(ids "$J" saffron)" ] && [ "$(ids "$J" cardamom)" = mail/memo.eml ] && pass \
    || fail "changed file not replaced"
[ "$(ids "$J" renewable)" = notes/summit-2025.md ] && pass || fail "renamed: $(ids "$J" renewable)"
[ -z "$(ids "$J" mint)" ] && pass || fail "removed file still found"
[ "$(ids "$J" tbilisi)" = new ] && pass || fail "new file"
[ "$(ids "$J" tankers)" = 'mail/inbox.mbox#1' ] && [ -z "$(ids "$J" lighthouse)" ] && pass \
    || fail "shrunk mbox: $(ids "$J" lighthouse)"
[ "$("$ATTACHE" stats -i "$J" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')" = 7 ] \
    && pass || fail "document count after the changes"

# a kill in the middle of a sync: the old state or the new one
K=$T/kill
mkdir -p "$K"
for i in $(seq 1 400); do
	printf 'Story %d\nThe envoy number %d met the delegation of wordold%d.\n' "$i" "$i" "$i" > "$K/s$i.txt"
done
"$ATTACHE" index -q -i "$T/kidx" --sync "$K"
for i in $(seq 1 400); do sed -i "s/wordold$i/wordnew$i/" "$K/s$i.txt"; done
for i in $(seq 401 600); do
	printf 'Story %d\nThe envoy number %d met wordnew%d.\n' "$i" "$i" "$i" > "$K/s$i.txt"
done
killed=0
for delay in 0.05 0.1 0.2 0.3; do
	"$ATTACHE" index -q -i "$T/kidx" --sync "$K" 2> /dev/null &
	pid=$!
	sleep $delay
	kill -9 $pid 2> /dev/null && killed=$((killed + 1))
	wait $pid 2> /dev/null
	old=$("$ATTACHE" search -i "$T/kidx" --json -n 1 'wordold7' | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	new=$("$ATTACHE" search -i "$T/kidx" --json -n 1 'wordnew7' | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	docs=$("$ATTACHE" stats -i "$T/kidx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
	if { [ "$old" = 1 ] && [ "$new" = 0 ] && [ "$docs" = 400 ]; } ||
	   { [ "$old" = 0 ] && [ "$new" = 1 ] && [ "$docs" = 600 ]; }; then
		pass
	else
		fail "after a kill at $delay s: wordold7 $old, wordnew7 $new, $docs documents"
	fi
done
"$ATTACHE" index -q -i "$T/kidx" --sync "$K" && \
    [ "$("$ATTACHE" stats -i "$T/kidx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')" = 600 ] && \
    [ "$(ids "$T/kidx" wordnew399)" = s399 ] && [ -z "$(ids "$T/kidx" wordold399)" ] && pass \
    || fail "the sync after the kills"
"$ATTACHE" check -i "$T/kidx" > /dev/null && pass || fail "check after the kills"
echo "documents.sh: $passes passed, $fails failed ($killed runs killed)"
[ "$fails" -eq 0 ]
