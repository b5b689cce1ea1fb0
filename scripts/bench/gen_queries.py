#!/usr/bin/env python3
"""Generate benchmark query sets from a JSONL collection, deterministically.

The benchmark's latencies are only as meaningful as its queries. Hand-
written queries are few and biased toward what the author knows is in the
index; random dictionary words mostly miss. This script draws queries from
the collection's own text, the way people query a news archive:

  words2.tsv, words3.tsv
      2- and 3-word queries. A document is picked at random and the words
      are drawn from *its* mid-frequency vocabulary (document frequency
      between --min-df and --max-df-frac of the collection, stop words
      excluded), weighted by tf^2 * idf within that document: people query
      the words a story is about ("abortion archbishop", "files data"),
      the words it repeats and others do not, rather than the filler
      every story shares ("several", "particularly"). Drawing from one
      document keeps the words topically related, so AND queries usually
      match something, as a real user's do.
  common.tsv
      Single common terms, the most frequent words by document frequency
      ("the", "said", "year", "government", ...): the longest posting
      lists, where pruning and decoding speed show.
  phrases.tsv
      2- and 3-word phrases cut from real sentences (consecutive
      alphabetic words separated by single spaces, not all stop words),
      so every phrase occurs at least once.
  pastes.tsv
      --paste-count pasted paragraphs: 300 consecutive words of a random
      story, as a person pastes a passage into the search box (stop words,
      repeats and all). A long query must stay fast.
  adjacent.tsv
      --adjacent-count runs of 2 or 3 adjacent words from a random story,
      each word in 0.2% to 25% of the stories (--adjacent-df), stop words
      allowed. Unlike words2/words3, whose mid-frequency words flatter an
      engine that prunes well, these are the words a person copies out of
      a headline ("prime minister said", "oil prices"): often common,
      correlated, with long posting lists that overlap. This is the set
      on which attache was measured slower than Xapian (issue 13).

Each file holds --count "qid<TAB>query" lines (qids w2-0001, w3-0001,
c-0001, p-0001, x-0001, a-0001), lower-cased words only, no operators: each engine's
harness adds its own syntax (OR, AND, quotes). The same --seed and input
always give the same files. Only the first --max-bytes of the input are
read, so a query set for a multi-gigabyte synthetic corpus costs seconds;
such a corpus is homogeneous, so its head is a fair sample.

usage: gen_queries.py [--count N] [--seed S] [--max-bytes SIZE]
                      [--paste-count N] [--adjacent-count N] [--adjacent-df LO,HI]
                      DOCS.jsonl OUTDIR
"""

import argparse
import collections
import json
import math
import os
import random
import re
import sys

WORD = re.compile(r"[A-Za-z]+")
# Runs of 2 or 3 alphabetic words separated by single spaces.
PHRASE = re.compile(r"(?=\b([A-Za-z]+(?: [A-Za-z]+){1,2})\b)")

# English function words, kept out of the 2-3 word queries (not out of the
# index, nor out of common.tsv, where they belong).
STOP = frozenset("""
a about above after again against all also am an and any are as at be
because been before being below between both but by can could did do does
doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our
ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves mr mrs ms says said
one two new s t
""".split())


def parse_size(text):
    """'50M' -> 52428800; plain digits are bytes; K, M, G are powers of 1024."""
    m = re.fullmatch(r"(\d+)([KMG]?)B?", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError("not a size: %r" % text)
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


def read_docs(path, max_bytes):
    """Returns the texts (title + text) of the first max_bytes of PATH."""
    docs, seen = [], 0
    with open(path, "rb") as f:
        for line in f:
            seen += len(line)
            if seen > max_bytes and docs:
                break
            if not line.strip():
                continue
            rec = json.loads(line)
            docs.append("%s\n%s" % (rec.get("title") or "", rec.get("text") or ""))
    return docs


def document_frequencies(docs):
    """Maps each lower-cased word to its document frequency; also returns
    each document's word counts."""
    df = collections.Counter()
    per_doc = []
    for text in docs:
        tf = collections.Counter(w.lower() for w in WORD.findall(text))
        per_doc.append(tf)
        df.update(tf.keys())
    return df, per_doc


def word_queries(rng, df, per_doc, ndocs, k, count, min_df, max_df_frac):
    """COUNT queries of K words, each from one random document's
    mid-frequency words, drawn without replacement weighted by tf^2 idf."""
    max_df = max(min_df, int(max_df_frac * ndocs))
    out, tries = [], 0
    while len(out) < count and tries < 100 * count:
        tries += 1
        tf = per_doc[rng.randrange(ndocs)]
        words = sorted(w for w in tf
                       if min_df <= df[w] <= max_df and w not in STOP and len(w) > 2)
        if len(words) < k:
            continue
        weights = [tf[w] ** 2 * math.log(ndocs / df[w]) for w in words]
        picked = []
        for _ in range(k):
            i = rng.choices(range(len(words)), weights=weights)[0]
            picked.append(words.pop(i))
            weights.pop(i)
        out.append(" ".join(picked))
    return out


def common_queries(df, count):
    """The COUNT words of highest document frequency, most frequent first."""
    ranked = sorted((w for w in df if len(w) > 1), key=lambda w: (-df[w], w))
    return ranked[:count]


def phrase_queries(rng, docs, count):
    """COUNT 2-3 word phrases cut from random sentences of DOCS."""
    out, tries = [], 0
    while len(out) < count and tries < 100 * count:
        tries += 1
        text = docs[rng.randrange(len(docs))]
        starts = [m.start(1) for m in PHRASE.finditer(text)]
        if not starts:
            continue
        pos = starts[rng.randrange(len(starts))]
        k = rng.choice((2, 2, 3))
        words = WORD.findall(text[pos:pos + 200])[:k]
        candidate = text[pos:pos + len(" ".join(words))]
        if candidate != " ".join(words) or len(words) < 2:
            continue  # punctuation or a line break inside: not a phrase
        words = [w.lower() for w in words]
        if all(w in STOP for w in words) or max(len(w) for w in words) < 3:
            continue
        out.append(" ".join(words))
    return out


def paste_queries(rng, docs, count, words=300):
    """COUNT runs of WORDS consecutive words, each from a random document
    long enough to have them."""
    long_docs = [d for d in docs if len(WORD.findall(d)) >= words]
    out = []
    for _ in range(count if long_docs else 0):
        ws = WORD.findall(long_docs[rng.randrange(len(long_docs))])
        at = rng.randrange(len(ws) - words + 1)
        out.append(" ".join(w.lower() for w in ws[at:at + words]))
    return out


def adjacent_queries(rng, docs, df, count, lo_frac=0.002, hi_frac=0.25):
    """COUNT runs of 2 or 3 consecutive words of a random document, every
    word with a document frequency in [lo_frac, hi_frac] of DOCS."""
    lo, hi = max(1, math.ceil(lo_frac * len(docs))), hi_frac * len(docs)
    out, tries = [], 0
    while len(out) < count and tries < 1000 * count:
        tries += 1
        ws = [w.lower() for w in WORD.findall(docs[rng.randrange(len(docs))])]
        k = rng.choice((2, 3))
        if len(ws) < k:
            continue
        at = rng.randrange(len(ws) - k + 1)
        run = ws[at:at + k]
        if all(lo <= df[w] <= hi for w in run) and len(set(run)) == k:
            out.append(" ".join(run))
    return out


def write_set(path, prefix, queries):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for i, q in enumerate(queries, 1):
            f.write("%s-%04d\t%s\n" % (prefix, i, q))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("docs", help="JSONL collection: {\"id\",\"title\",\"text\"} a line")
    ap.add_argument("outdir", help="directory for words2/words3/common/phrases/pastes.tsv")
    ap.add_argument("--count", type=int, default=200, help="queries per set (200)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--paste-count", type=int, default=50,
                    help="300-word pastes (50)")
    ap.add_argument("--adjacent-count", type=int, default=100,
                    help="runs of adjacent words (100)")
    ap.add_argument("--adjacent-df", type=lambda t: tuple(float(x) for x in t.split(",")),
                    default=(0.002, 0.25), metavar="LO,HI",
                    help="document frequency range of their words, as "
                         "fractions of the documents (0.002,0.25)")
    ap.add_argument("--max-bytes", type=parse_size, default=parse_size("64M"),
                    help="read at most this much of the input (64M)")
    ap.add_argument("--min-df", type=int, default=3,
                    help="lowest document frequency of a query word (3)")
    ap.add_argument("--max-df-frac", type=float, default=0.10,
                    help="highest document frequency of a query word, as a "
                         "fraction of the documents (0.10)")
    args = ap.parse_args()

    docs = read_docs(args.docs, args.max_bytes)
    if not docs:
        sys.exit("gen_queries: %s has no documents" % args.docs)
    df, per_doc = document_frequencies(docs)
    os.makedirs(args.outdir, exist_ok=True)
    rng = random.Random(args.seed)
    sets = {
        "words2": ("w2", word_queries(rng, df, per_doc, len(docs), 2, args.count,
                                      args.min_df, args.max_df_frac)),
        "words3": ("w3", word_queries(rng, df, per_doc, len(docs), 3, args.count,
                                      args.min_df, args.max_df_frac)),
        "common": ("c", common_queries(df, args.count)),
        "phrases": ("p", phrase_queries(rng, docs, args.count)),
    }
    # its own generator, so that the other sets stay as they were
    sets["pastes"] = ("x", paste_queries(random.Random(args.seed + 1), docs,
                                         args.paste_count))
    lo, hi = args.adjacent_df
    sets["adjacent"] = ("a", adjacent_queries(random.Random(args.seed + 2), docs,
                                              df, args.adjacent_count, lo, hi))
    wanted = {"pastes": args.paste_count, "adjacent": args.adjacent_count}
    for name, (prefix, queries) in sets.items():
        if len(queries) < wanted.get(name, args.count):
            print("gen_queries: only %d %s queries could be drawn"
                  % (len(queries), name), file=sys.stderr)
        write_set(os.path.join(args.outdir, name + ".tsv"), prefix, queries)
    print("gen_queries: %d documents read, %s" % (
        len(docs), ", ".join("%s %d" % (n, len(q)) for n, (_, q) in sets.items())),
        file=sys.stderr)


if __name__ == "__main__":
    main()
