#!/usr/bin/env python3
"""Generate a synthetic JSONL corpus of a chosen size, deterministically.

The scaling run of scripts/bench/run needs collections of hundreds of
megabytes to gigabytes, and how an index's cost grows with size depends on
the shape of its text: a Zipfian word distribution (a few words in every
document, a long tail in one or two), a vocabulary that keeps growing with
the collection (Heaps' law), sentences, paragraphs and titles. This script
makes such text, fast enough to stream 100 MB in well under a minute:

  Vocabulary
      With --seed-docs (e.g. the news sample), the head of the vocabulary
      is the seed collection's own words in their usual spelling
      ("Blair", "the", "broadband") with their observed frequencies; the
      Zipf exponent of the seed's rank-frequency curve is fitted and
      continued beyond the seed's last word by made-up, pronounceable
      words up to --vocab words in all, which take --tail-share (5%) of
      the tokens, so a bigger corpus keeps meeting new terms as a real
      archive does (a few percent of a large news archive's tokens are
      words outside its 30,000 most common). Sentence lengths and paragraph
      and document shapes are measured on the seed too. Without a seed,
      a built-in head of common English function words and the same
      made-up tail follow a Zipf-Mandelbrot law, with news-like shapes.
  Documents
      {"id": "syn-00000001", "title": "...", "text": "..."}: a title of
      4 to 10 words, then paragraphs of sentences (a capital, commas now
      and then, a full stop) separated by blank lines, as in the news
      sample's JSONL.
  Determinism
      One random stream (--seed) produces the documents in order, and
      the output stops at the first document that takes the file to
      --size bytes. So the same seed always gives the same file, and a
      smaller corpus is a prefix of a larger one: query sets drawn from
      the smallest size fit every size of a scaling run.

usage: gen_corpus.py --size 100M [--seed N] [--seed-docs FILE] [--vocab N] -o OUT.jsonl
"""

import argparse
import collections
import itertools
import json
import math
import os
import random
import re
import statistics
import sys
import time

TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# The built-in head: common English words in rough frequency order, used
# when no seed collection is given.
BUILTIN_HEAD = """
the of to and a in is that for it as was with be by on not he said this
are or his from at which but have an they you were her she there been one
all we their has would when if so no will can more out up who about what
its them than into some could him only other time new also two may first
any like now my these over such our man me even most made after year
government people world last back years three just before where well
between against state minister country security public week told under
police president between during foreign since market economic million
report group talks while company political through policy national
military party officials support work way still under cooperation power
""".split()


def parse_size(text):
    """'100M' -> 104857600; plain digits are bytes; K, M, G are powers of 1024."""
    m = re.fullmatch(r"(\d+)([KMG]?)B?", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError("not a size: %r" % text)
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


class Shape:
    """Sentence, paragraph and document sizes (means and spreads)."""

    def __init__(self, sent_mu=2.95, sent_sigma=0.45, sents_per_par=2.2,
                 pars_per_doc=8.0, title_words=(4, 10)):
        self.sent_mu, self.sent_sigma = sent_mu, sent_sigma
        self.sents_per_par = sents_per_par
        self.pars_per_doc = pars_per_doc
        self.title_words = title_words


def learn_seed(path):
    """Reads a JSONL collection; returns (ranked [(surface, count)], Shape)."""
    counts = collections.Counter()
    forms = collections.defaultdict(collections.Counter)
    sent_lens, pars, sents_per_par = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            paragraphs = [p for p in (rec.get("text") or "").split("\n\n") if p.strip()]
            pars.append(len(paragraphs))
            for p in paragraphs:
                sentences = [s for s in SENTENCE_END.split(p) if s.strip()]
                sents_per_par.append(len(sentences))
                for s in sentences:
                    words = TOKEN.findall(s)
                    if words:
                        sent_lens.append(len(words))
                    for w in words:
                        low = w.lower()
                        counts[low] += 1
                        forms[low][w] += 1
    if not counts:
        sys.exit("gen_corpus: %s holds no text" % path)
    ranked = [(forms[w].most_common(1)[0][0], c) for w, c in counts.most_common()]
    logs = [math.log(n) for n in sent_lens]
    shape = Shape(sent_mu=statistics.fmean(logs), sent_sigma=statistics.pstdev(logs),
                  sents_per_par=statistics.fmean(sents_per_par),
                  pars_per_doc=statistics.fmean(pars))
    return ranked, shape


def fit_zipf(counts):
    """Least-squares slope of log(count) on log(rank) over the middle of
    the curve (ranks 100 to a quarter of the vocabulary): the exponent s of
    count ~ rank^-s. Falls back to 1.0 on a tiny vocabulary."""
    lo, hi = 100, len(counts) // 4
    if hi - lo < 50:
        return 1.0
    xs = [math.log(r) for r in range(lo, hi)]
    ys = [math.log(counts[r - 1]) for r in range(lo, hi)]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return max(0.7, min(1.6, -sxy / sxx))


def made_up_words(rng, taken, n):
    """N new pronounceable words of 2 to 4 syllables, none in TAKEN (a set
    of lower-cased words, which grows). Drawn in bulk: a million in about
    a second."""
    onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl pr st tr ch sh th".split()
    vowels = "a e i o u a e i o ai ea ou".split()
    syllables = [o + v for o in onsets for v in vowels]
    codas = [""] * 8 + "n r s l m t nd st ng".split()
    out = []
    while len(out) < n:
        want = int((n - len(out)) * 1.1) + 16
        lengths = rng.choices((2, 3, 4), weights=(5, 4, 1), k=want)
        parts = rng.choices(syllables, k=4 * want)
        ends = rng.choices(codas, k=want)
        for i, k in enumerate(lengths):
            w = "".join(parts[4 * i:4 * i + k]) + ends[i]
            if w not in taken:
                taken.add(w)
                out.append(w)
                if len(out) == n:
                    break
    return out


def build_vocabulary(rng, seed_docs, vocab, tail_share):
    """Returns (words, cumulative weights, Shape).

    With a seed, its words keep their observed relative frequencies and
    share 1 - TAIL_SHARE of all tokens; made-up words continue the seed's
    fitted Zipf curve and share the rest. Without one, the built-in head
    and the made-up words follow 1 / (rank + 2.7)^1.1 together."""
    if seed_docs:
        ranked, shape = learn_seed(seed_docs)
        words = [w for w, _ in ranked]
        weights = [float(c) for _, c in ranked]
        s = fit_zipf(weights)
    else:
        shape = Shape()
        words = list(dict.fromkeys(BUILTIN_HEAD))
        weights = []
        s = 1.1
    start = len(words)
    extra = max(0, vocab - start)
    words += made_up_words(rng, set(w.lower() for w in words), extra)
    if seed_docs:
        head = sum(weights)
        tail = [(start + k) ** -s for k in range(1, extra + 1)]
        scale = head * tail_share / (1.0 - tail_share) / (sum(tail) or 1.0)
        weights += [t * scale for t in tail]
    else:
        weights = [(r + 2.7) ** -s for r in range(1, len(words) + 1)]
    # A fifth of the made-up words are names: capitalised, as in the seed.
    for i in range(start, len(words)):
        if rng.random() < 0.2:
            words[i] = words[i].capitalize()
    return words, list(itertools.accumulate(weights)), shape


class Generator:
    """Produces documents from one random stream."""

    def __init__(self, rng, words, cum, shape):
        self.rng, self.words, self.cum, self.shape = rng, words, cum, shape

    def _words(self, k):
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)

    def _count(self, mean):
        """A positive count with the given mean (geometric-ish spread)."""
        return max(1, int(self.rng.expovariate(1.0 / mean) + 0.5))

    def _sentence(self, ws):
        n = len(ws)
        if n > 6 and self.rng.random() < 0.5:
            i = self.rng.randrange(2, n - 2)
            ws[i] += ","
        first = ws[0]
        ws[0] = first[:1].upper() + first[1:]
        return " ".join(ws) + "."

    def document(self, number):
        rng, sh = self.rng, self.shape
        npars = max(1, int(rng.gauss(sh.pars_per_doc, sh.pars_per_doc / 3)))
        plan = []  # sentences per paragraph, then words per sentence
        for _ in range(npars):
            plan.append([max(3, int(rng.lognormvariate(sh.sent_mu, sh.sent_sigma)))
                         for _ in range(self._count(sh.sents_per_par))])
        nt = rng.randint(*sh.title_words)
        ws = self._words(nt + sum(sum(p) for p in plan))
        title = ws[:nt]
        title[0] = title[0][:1].upper() + title[0][1:]
        pos, paragraphs = nt, []
        for sentences in plan:
            out = []
            for n in sentences:
                out.append(self._sentence(ws[pos:pos + n]))
                pos += n
            paragraphs.append(" ".join(out))
        return {"id": "syn-%08d" % number, "title": " ".join(title),
                "text": "\n\n".join(paragraphs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, required=True,
                    help="bytes of JSONL to write: 100M, 1G (K/M/G = 2^10/2^20/2^30)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--seed-docs", help="JSONL collection to learn words and shapes from")
    ap.add_argument("--vocab", type=int, default=1000000,
                    help="words in the vocabulary, seed words included (1000000)")
    ap.add_argument("--tail-share", type=float, default=0.05,
                    help="with --seed-docs: share of tokens drawn from made-up "
                         "words beyond the seed's vocabulary (0.05)")
    ap.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
    args = ap.parse_args()

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    words, cum, shape = build_vocabulary(rng, args.seed_docs, args.vocab, args.tail_share)
    gen = Generator(rng, words, cum, shape)
    tmp = args.output + ".tmp" if args.output != "-" else None
    out = open(tmp, "w", encoding="utf-8") if tmp else sys.stdout
    written, ndocs, batch = 0, 0, []
    while written < args.size:
        ndocs += 1
        line = json.dumps(gen.document(ndocs), ensure_ascii=False) + "\n"
        written += len(line.encode("utf-8"))
        batch.append(line)
        if len(batch) >= 512:
            out.write("".join(batch))
            batch = []
    out.write("".join(batch))
    if tmp:
        out.close()
        os.replace(tmp, args.output)
    print("gen_corpus: %d documents, %d bytes, vocabulary %d, in %.1f s" % (
        ndocs, written, len(words), time.monotonic() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
