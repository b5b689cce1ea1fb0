#!/bin/bash
# Typed fields end to end (docs/QUERY.md, "Typed fields"): declared with
# --field, their values come back with each hit in text and JSON, bad
# values are reported with file, line, field and value (and counted under
# --skip-bad), declarations are kept, merges and check keep the columns
# exact, and ranges, `*` and --filter select the right documents.
# usage: fields.sh ATTACHE
set -u
ATTACHE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { passes=$((passes + 1)); }

cat > "$T/a.jsonl" <<'J'
{"id":"a","title":"Oil summit","text":"Ministers met in Ankara.","date":"1987-03-01T04:00:48Z","places":["USA","Japan"],"price":12.5,"source":"Reuters"}
{"id":"b","title":"Gas deal","text":"A gas deal was signed.","date":"1987-03","places":"T\u00fcrkiye","price":"-3"}
{"id":"c","title":"No fields","text":"Nothing typed here, only rail."}
J
cat > "$T/bad.jsonl" <<'J'
{"id":"d","title":"Rail","text":"Rail freight grows.","date":"1987-04-02"}
{"id":"e","title":"Bad","text":"rail","date":"1987-02-30"}
{"id":"f","title":"Worse","text":"rail","price":"twelve"}
J
"$ATTACHE" index -q -i "$T/i" --field date:date --field places:keyword \
    --field price:number "$T/a.jsonl" || fail "index with --field"

# JSON: typed values under "fields", keywords as arrays, numbers as numbers
"$ATTACHE" search -i "$T/i" --json 'places:"usa"' | python3 -c '
import json, sys
o = json.load(sys.stdin)
h = o["hits"]
assert [x["id"] for x in h] == ["a"], h
assert h[0]["fields"] == {"date": "1987-03-01T04:00:48Z",
                          "places": ["japan", "usa"], "price": 12.5}, h[0]
' && ok || fail "JSON fields of places:usa"
"$ATTACHE" search -i "$T/i" --json 'places:TÜRKIYE gas' | python3 -c '
import json, sys
h = json.load(sys.stdin)["hits"]
assert h[0]["id"] == "b" and h[0]["fields"] == {"date": "1987-03-01T00:00:00Z",
    "places": ["turkiye"], "price": -3}, h
' && ok || fail "JSON fields of places:TÜRKIYE"
# text: a line of values under the id; an undeclared field stays text
"$ATTACHE" search -i "$T/i" source:reuters > "$T/out"
grep -q '^   date 1987-03-01T04:00:48Z  places japan, usa  price 12.5$' "$T/out" \
    && ok || fail "text output: $(cat "$T/out")"

# a bad value: file, line, field and value; nothing half-written
"$ATTACHE" index -q -i "$T/i" "$T/bad.jsonl" 2> "$T/err"
[ $? -ne 0 ] && grep -q "bad.jsonl:2: document \"e\": field \"date\": \"1987-02-30\" is not a date" "$T/err" \
    && ok || fail "bad date: $(cat "$T/err")"
n=$("$ATTACHE" stats -i "$T/i" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[ "$n" = 3 ] && ok || fail "a failed run changed the index: $n documents"
"$ATTACHE" index -i "$T/i" --skip-bad "$T/bad.jsonl" > "$T/out" 2> "$T/err"
grep -q "skipped 2 bad records" "$T/out" && grep -q 'bad.jsonl:3: document "f": field "price": "twelve" is not a number' "$T/err" \
    && ok || fail "--skip-bad: $(cat "$T/out" "$T/err")"
# the declarations were kept (no --field given): d has its date
"$ATTACHE" search -i "$T/i" --json freight | grep -q '"fields":{"date":"1987-04-02T00:00:00Z"}' \
    && ok || fail "declarations kept"
# another type, or a new field for an index with documents: refused
"$ATTACHE" index -q -i "$T/i" --field places:date "$T/a.jsonl" 2> "$T/err"
[ $? -ne 0 ] && grep -q 'field "places" is declared as keyword, not date' "$T/err" \
    && ok || fail "retyped field: $(cat "$T/err")"
"$ATTACHE" index -q -i "$T/i" --field topic:keyword "$T/a.jsonl" 2> "$T/err"
[ $? -ne 0 ] && grep -q 'typed fields are declared when an index is created' "$T/err" \
    && ok || fail "new field: $(cat "$T/err")"
"$ATTACHE" index -q -i "$T/x" --field 'bad name:keyword' "$T/a.jsonl" 2> "$T/err"
rc=$?
[ "$rc" -ne 0 ] && grep -q "cannot be typed" "$T/err" \
    && ok || fail "bad declaration ($rc): $(cat "$T/err")"
"$ATTACHE" index -q -i "$T/x" --field 'name:text' "$T/a.jsonl" 2> "$T/err"
rc=$?
[ "$rc" -ne 0 ] && grep -q "give NAME:TYPE" "$T/err" \
    && ok || fail "bad type ($rc): $(cat "$T/err")"

# merged into one segment, checked: the values are the same
"$ATTACHE" merge -i "$T/i" > /dev/null || fail "merge"
"$ATTACHE" check -i "$T/i" > "$T/out" && grep -q sound "$T/out" \
    && ok || fail "check: $(cat "$T/out")"
"$ATTACHE" search -i "$T/i" --json 'places:japan' | grep -q '"fields":{"date":"1987-03-01T04:00:48Z","places":\["japan","usa"\],"price":12.5}' \
    && ok || fail "after merge"
"$ATTACHE" stats -i "$T/i" | grep -q '^typed fields ' && ok || fail "stats"

# ranges and filters (docs/QUERY.md, "Ranges", "Filters")
ids() { python3 -c 'import json,sys; print(",".join(sorted(h["id"] for h in json.load(sys.stdin)["hits"])))'; }
got=$("$ATTACHE" search -i "$T/i" --json 'date:1987-03' | ids)
[ "$got" = "a,b" ] && ok || fail "date:1987-03: $got"
got=$("$ATTACHE" search -i "$T/i" --json 'date:1987-03-02..' | ids)
[ "$got" = "d" ] && ok || fail "date:1987-03-02..: $got"
got=$("$ATTACHE" search -i "$T/i" --json 'price:..0' | ids)
[ "$got" = "b" ] && ok || fail "price:..0: $got"
got=$("$ATTACHE" search -i "$T/i" --json '* -places:usa' | ids)
[ "$got" = "b,c,d" ] && ok || fail "* -places:usa: $got"
got=$("$ATTACHE" search -i "$T/i" --json --filter 'date:1987' --filter 'price:..20' | ids)
[ "$got" = "a,b" ] && ok || fail "--filter alone: $got"
"$ATTACHE" search -i "$T/i" --json --filter 'date:1987-03' 'rail OR gas' | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert [h["id"] for h in o["hits"]] == ["b"] and o["hits"][0]["score"] > 0, o
' && ok || fail "--filter with words"
"$ATTACHE" search -i "$T/i" --strict --filter 'price:cheap' gas 2> "$T/err" > /dev/null
[ $? -ne 0 ] && grep -q 'filter 1: column 7: price:cheap is not a number range' "$T/err" \
    && ok || fail "bad filter, strict: $(cat "$T/err")"
"$ATTACHE" search -i "$T/i" 'gas date:bogus' > "$T/out" 2>&1
grep -q 'note: date:bogus is not a date range: left out' "$T/out" \
    && ok || fail "bad range, forgiving: $(cat "$T/out")"

# sort: by date, newest first, no date last; a keyword field refused
order() { python3 -c 'import json,sys; print(",".join(h["id"] for h in json.load(sys.stdin)["hits"]))'; }
got=$("$ATTACHE" search -i "$T/i" --json --sort date:desc '*' | order)
[ "$got" = "d,a,b,c" ] && ok || fail "--sort date:desc: $got"
got=$("$ATTACHE" search -i "$T/i" --json --sort price '*' | order)
[ "$got" = "b,a,c,d" ] && ok || fail "--sort price: $got"
"$ATTACHE" search -i "$T/i" --sort places gas 2> "$T/err" > /dev/null
[ $? -ne 0 ] && grep -q '"places" is a keyword field' "$T/err" \
    && ok || fail "--sort places: $(cat "$T/err")"

# facets: counts over every match, in JSON and text
"$ATTACHE" search -i "$T/i" --json -n 0 --facet places --facet date:month \
    --facet price:ranges=0,20 '*' | python3 -c '
import json, sys
o = json.load(sys.stdin)
f = o["facets"]
assert o["total"] == 4 and o["total_exact"], o
assert f["places"] == [{"value": "japan", "count": 1}, {"value": "turkiye", "count": 1},
                       {"value": "usa", "count": 1}], f
assert f["date:month"] == [{"value": "1987-03", "count": 2},
                           {"value": "1987-04", "count": 1}], f
assert f["price"] == [{"value": "..0", "count": 1, "to": 0},
                      {"value": "0..20", "count": 1, "from": 0, "to": 20},
                      {"value": "20..", "count": 0, "from": 20}], f
' && ok || fail "--facet JSON"
"$ATTACHE" search -i "$T/i" -n 0 --facet date:year --filter 'date:1987' > "$T/out"
grep -q '^date:year: 1987 3$' "$T/out" && ok || fail "--facet text: $(cat "$T/out")"
"$ATTACHE" search -i "$T/i" --facet date gas 2> "$T/err" > /dev/null
[ $? -ne 0 ] && grep -q 'a date field takes :year, :month or :day' "$T/err" \
    && ok || fail "--facet date: $(cat "$T/err")"

# a tree of text files with front matter: a new index types its fields
mkdir -p "$T/fm"
printf -- '---\ndate: 2025-05-29\nsource: Dawn\ncountries: [Pakistan, T\303\274rkiye]\nkind: analysis\n---\nTour ends\nThe tour ended in Baku.\n' > "$T/fm/a.txt"
printf 'No block\nBaku again.\n' > "$T/fm/b.txt"
"$ATTACHE" index -q -i "$T/fmi" "$T/fm" || fail "index front matter"
"$ATTACHE" search -i "$T/fmi" --json --facet countries baku | python3 -c '
import json, sys
o = json.load(sys.stdin)
h = {x["id"]: x for x in o["hits"]}
assert h["a"]["title"] == "Tour ends", h
assert h["a"]["fields"] == {"date": "2025-05-29T00:00:00Z", "source": ["dawn"],
                            "countries": ["pakistan", "turkiye"]}, h["a"]
assert "fields" not in h["b"], h["b"]
assert o["facets"]["countries"] == [{"value": "pakistan", "count": 1},
                                    {"value": "turkiye", "count": 1}], o
' && ok || fail "front matter fields"
got=$("$ATTACHE" search -i "$T/fmi" --json 'kind:analysis' | ids)
[ "$got" = "a" ] && ok || fail "an untyped front-matter key is text: $got"
printf -- '---\ndate: 2025-02-30\n---\nBad\nx\n' > "$T/fm/c.txt"
"$ATTACHE" index -q -i "$T/fmi" "$T/fm" 2> "$T/err"
[ $? -ne 0 ] && grep -q 'c.txt:.*field "date": "2025-02-30" is not a date' "$T/err" \
    && ok || fail "bad front-matter date: $(cat "$T/err")"

# a keyword field of few values over many documents: its ordinals take
# a bit each or none, fewer bytes than there are ordinals; several
# segments (two threads) are merged and searched (a column read refused
# this as corrupt)
python3 -c '
import json
for i in range(3000):
    print(json.dumps({"id": "k%d" % i, "text": "envoy %s" % ("x " * 300),
                      "tags": ["news", "sample"], "one": "same"}))' > "$T/few.jsonl"
"$ATTACHE" index -q -i "$T/few" --threads 2 --memory 4M --field tags:keyword \
    --field one:keyword "$T/few.jsonl" && \
    [ "$("$ATTACHE" search -i "$T/few" --json -n 1 'envoy tags:sample one:same' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 3000 ] && \
    "$ATTACHE" check -i "$T/few" > /dev/null && ok || fail "a keyword field of few values"

echo "fields.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
