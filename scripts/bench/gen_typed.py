#!/usr/bin/env python3
"""Give a JSONL collection typed fields, and make the typed query sets.

The typed benchmark (scripts/bench/typed) measures filters, sorting and
facets, which need typed values; the news sample has none. This script
adds them deterministically, so that every engine indexes the same
values and every run the same ones:

  date      SYNTHETIC: a date-time drawn from the record's id alone
            (SHA-1 of "date:" + id), uniform over 2000-01-01T00:00:00Z ..
            2009-12-31T23:59:59Z, written "YYYY-MM-DDTHH:MM:SSZ". It has
            nothing to do with when a story was written.
  category  the record's category from --meta (the news sample's
            meta.jsonl: business, entertainment, politics, sport, tech);
            without --meta, or for an id it does not list, one of eight
            made-up categories drawn from the id ("cat-0" .. "cat-7",
            skewed: cat-0 the most frequent), as for a gen_corpus.py corpus.

  derive DOCS.jsonl OUT.jsonl [--meta META.jsonl]
      writes the records with "date" and "category" added (other fields
      kept as they are).

  queries QDIR OUTDIR [--count N] [--seed S]
      from gen_queries.py's words2.tsv and common.tsv in QDIR, writes
        filter.tsv    a words2 query plus a date range of 365 days
                      (about 10% of the ten years) starting at a random
                      day: "w1 w2 date:2003-04-17..2004-04-15"
        sort.tsv      one common word (common.tsv)
        facet.tsv     one common word (common.tsv)
        facetall.tsv  "*" (every document), --all-count times
      --count lines each (except facetall), deterministic for a seed.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import sys

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
END = datetime.datetime(2010, 1, 1, tzinfo=datetime.timezone.utc)
SPAN = int((END - EPOCH).total_seconds())
DAYS = (END - EPOCH).days
RANGE_DAYS = 365


def h(kind, ident):
    return int.from_bytes(hashlib.sha1(("%s:%s" % (kind, ident)).encode()).digest()[:8], "big")


def date_of(ident):
    t = EPOCH + datetime.timedelta(seconds=h("date", ident) % SPAN)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def category_of(ident):
    # skewed: cat-k with weight 8-k
    r = h("category", ident) % 36
    k = 0
    while r >= 8 - k:
        r -= 8 - k
        k += 1
    return "cat-%d" % k


def derive(args):
    cats = {}
    if args.meta:
        with open(args.meta, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    m = json.loads(line)
                    if "category" in m:
                        cats[str(m["id"])] = m["category"]
    n = 0
    tmp = args.output + ".tmp"
    with open(args.docs, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            d = json.loads(line)
            ident = str(d["id"])
            d["date"] = date_of(ident)
            d["category"] = cats.get(ident) or category_of(ident)
            dst.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, args.output)
    print("gen_typed: %d records, synthetic dates, %s categories -> %s"
          % (n, "meta" if cats else "made-up", args.output), file=sys.stderr)


def read_set(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, tab, q = line.rstrip("\n").partition("\t")
            if tab and q.strip():
                out.append(q.strip())
    return out


def queries(args):
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    words2 = read_set(os.path.join(args.qdir, "words2.tsv"))
    common = read_set(os.path.join(args.qdir, "common.tsv"))

    def write(name, prefix, qs):
        with open(os.path.join(args.outdir, name + ".tsv"), "w", encoding="utf-8") as f:
            for i, q in enumerate(qs, 1):
                f.write("%s-%04d\t%s\n" % (prefix, i, q))

    filt = []
    for i in range(args.count):
        start = EPOCH + datetime.timedelta(days=rng.randrange(DAYS - RANGE_DAYS))
        end = start + datetime.timedelta(days=RANGE_DAYS - 1)
        filt.append("%s date:%s..%s" % (words2[i % len(words2)], start.strftime("%Y-%m-%d"),
                                        end.strftime("%Y-%m-%d")))
    write("filter", "f", filt)
    com = [common[i % len(common)] for i in range(args.count)]
    write("sort", "s", com)
    write("facet", "g", com)
    write("facetall", "all", ["*"] * args.all_count)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("derive")
    d.add_argument("docs")
    d.add_argument("output")
    d.add_argument("--meta")
    q = sub.add_parser("queries")
    q.add_argument("qdir")
    q.add_argument("outdir")
    q.add_argument("--count", type=int, default=200)
    q.add_argument("--all-count", type=int, default=50)
    q.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    derive(args) if args.cmd == "derive" else queries(args)


if __name__ == "__main__":
    main()
