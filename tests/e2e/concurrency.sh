#!/bin/bash
# One writer, many readers (issue 4). For about 20 seconds a writer
# commits batches (`attache index`, with replaces and {"deleted":true}
# records), deletes (`attache delete`) and merges (`attache merge`, and
# the tiered merges commits start), while two readers search:
#   - tests/concurrent_reader.c (READER, through the public API) keeps one
#     searcher open the whole time, which must keep answering as at the
#     start, and opens a fresh one every few iterations, which must see a
#     whole generation: a document count some commit made, matched by the
#     word every document holds; never an error;
#   - a loop of `attache stats --json` and `attache search --queries`
#     through the CLI: exit 0 (or 1, no hits), never 2, and the same
#     checks on the counts.
# Before each step that changes the documents, the writer appends the
# count it will leave to COUNTS, so any count a reader can see is there.
# With ATTACHE_BACKEND=xapian the same runs on the Xapian backend, whose
# long-lived searcher is not pinned but must still see whole generations
# (concurrent_reader.c), and whose `attache merge` has nothing to do.
# usage: concurrency.sh ATTACHE [READER [SECONDS]]
# Without READER only the CLI reader runs.
set -u
ATTACHE=$1
READER=${2:-}
SECONDS_RUN=${3:-20}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

python3 - "$ATTACHE" "$T" "$READER" "$SECONDS_RUN" <<'PY'
import json, os, random, subprocess, sys, threading, time

ATT, T, READER, SECS = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
IDX = os.path.join(T, "idx")
COUNTS = os.path.join(T, "counts")
NB, DOCS, STRIDE = 24, 120, 90
passes = fails = 0
lock = threading.Lock()

def ok():
    global passes
    with lock:
        passes += 1

def fail(msg):
    global fails
    with lock:
        fails += 1
        if fails <= 20:
            print("FAIL:", msg, flush=True)

rng = random.Random(4)
vocab = ["world", "ministers", "trade", "agreement", "grain", "corridor",
         "talks", "summit", "sanctions", "border", "energy", "pipeline"]
vocab += ["".join(rng.choice("abcdefghiklmnoprstuvwy") for _ in range(rng.randint(3, 9)))
          for _ in range(4000)]
batches = []
for k in range(NB):
    recs, lines = [], []
    for j, i in enumerate(range(k * STRIDE, k * STRIDE + DOCS)):
        if j == DOCS // 2 and k >= 2:
            for i2 in rng.sample(range((k - 2) * STRIDE, (k - 1) * STRIDE), 8):
                recs.append(("del", "d%05d" % i2))
                lines.append(json.dumps({"id": "d%05d" % i2, "deleted": True}))
        body = rng.choices(vocab, k=rng.randint(150, 400))
        body[rng.randrange(len(body))] += " allmarker batchmarker%d." % k
        recs.append(("add", "d%05d" % i))
        lines.append(json.dumps({"id": "d%05d" % i, "title": " ".join(rng.choices(vocab, k=5)),
                                 "text": " ".join(body)}))
    with open(os.path.join(T, "b%02d.jsonl" % k), "w") as f:
        f.write("\n".join(lines) + "\n")
    batches.append(recs)
with open(os.path.join(T, "queries.tsv"), "w") as f:
    f.write("1\tallmarker\n2\tworld trade\n3\t\"grain corridor\" -batchmarker2\n"
            "4\t+ministers +batchmarker5\n")

live = set()

def announce(n):
    with open(COUNTS, "a") as f:
        f.write("%d\n" % n)

def att(*args):
    p = subprocess.run([ATT] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()

def index(k, memory):
    after = set(live)
    for op, did in batches[k]:
        (after.add if op == "add" else after.discard)(did)
    announce(len(after))
    rc, out, err = att("index", "-q", "-i", IDX, "--memory", memory,
                       os.path.join(T, "b%02d.jsonl" % k))
    if rc != 0:
        fail("index b%02d: exit %d: %s" % (k, rc, err.strip()))
        return
    live.clear()
    live.update(after)

def counts():
    try:
        with open(COUNTS) as f:
            return {int(l) for l in f.read().split("\n")[:-1]}
    except OSError:
        return set()

# the first commit, then the readers
index(0, "64M")
stop = threading.Event()

def cli_reader():
    n = 0
    while not stop.is_set():
        n += 1
        rc, out, err = att("stats", "-i", IDX, "--json")
        if rc != 0:
            fail("cli reader: stats exit %d: %s" % (rc, err.strip()))
            continue
        docs = json.loads(out)["documents"]
        if docs not in counts():
            fail("cli reader: stats saw %d documents, a count no commit made" % docs)
        rc, out, err = att("search", "-i", IDX, "--trec", "t", "-n", "10",
                           "--queries", os.path.join(T, "queries.tsv"))
        if rc not in (0, 1) or err.strip():
            fail("cli reader: search exit %d: %s" % (rc, err.strip()))
        rc, out, err = att("search", "-i", IDX, "--json", "-n", "1",
                           "--exhaustive", "allmarker")
        if rc not in (0, 1):
            fail("cli reader: search exit %d: %s" % (rc, err.strip()))
        elif json.loads(out)["total"] not in counts():
            fail("cli reader: allmarker matched %d, a count no commit made"
                 % json.loads(out)["total"])
    print("cli reader: %d rounds" % n)
    if n >= 5:
        ok()
    else:
        fail("the cli reader ran only %d rounds" % n)

rd = None
if READER:
    rd = subprocess.Popen([READER, IDX, COUNTS, str(SECS), "3"])
th = threading.Thread(target=cli_reader)
th.start()

t_end = time.monotonic() + SECS
step = commits = merges = deletes = 0
wrng = random.Random(9)
k = 1
while time.monotonic() < t_end:
    step += 1
    if step % 4 == 0:
        args = ["merge", "-q", "-i", IDX]
        if step % 8 == 0:
            args += ["--max-segments", "3"]
        rc, out, err = att(*args)
        if rc != 0:
            fail("merge: exit %d: %s" % (rc, err.strip()))
        merges += 1
    elif step % 7 == 0 and live:
        gone = wrng.sample(sorted(live), 3)
        announce(len(live) - 3)
        rc, out, err = att("delete", "-q", "-i", IDX, *gone)
        if rc != 0:
            fail("delete: exit %d: %s" % (rc, err.strip()))
        else:
            live.difference_update(gone)
        deletes += 1
    else:
        index(k, "4M" if step % 2 else "64M")
        k = (k + 1) % NB
        commits += 1
stop.set()
th.join()
if rd is not None:
    rc = rd.wait()
    if rc == 0:
        ok()
    else:
        fail("concurrent_reader exit %d" % rc)
# at the end, the index holds exactly the writer's documents
rc, out, err = att("stats", "-i", IDX, "--json")
if rc == 0 and json.loads(out)["documents"] == len(live):
    ok()
else:
    fail("final stats: exit %d, %s; want %d documents" % (rc, out.strip(), len(live)))
print("writer: %d index commits, %d merges, %d deletes; %d documents"
      % (commits, merges, deletes, len(live)))
print("concurrency.sh: %d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
PY
