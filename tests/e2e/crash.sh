#!/bin/bash
# Crash safety through the real binary (issue 4). A generated corpus of
# about 32 MB (random words, a deterministic seed) is split into batches
# whose ids partly overlap (so later batches replace documents of earlier
# ones) and which carry {"id":..,"deleted":true} records. The test runs
# `attache index --memory 4M` on batches (as many a run as take about two
# seconds) again and again, and every sixth time `attache merge`, each
# killed with SIGKILL (its PID only). Half the kills come after a seeded
# random delay over the whole run; the rest are aimed, by watching the
# directory, at the start of a flush (a new .pst/.pos/.dic), at the commit
# (MANIFEST.tmp or a new .del) or at a random moment after the commit (in
# the merges it starts). After every kill the index must open, and hold
# exactly the documents of the last commit that completed:
#   - a Python model replays the batches that committed; whether a killed
#     index run committed is read from the manifest generation (the commit
#     is its only generation step before the merges), and the documents
#     must then match that model exactly, whichever side of the commit the
#     kill fell;
#   - `attache stats --json` gives the document count;
#   - searching each batch's marker word (batchmarkerK, in every document
#     of batch K) lists exactly the live documents whose current version
#     came from batch K; an idmarkerNNNNN word per document finds live
#     documents (and its passage) and never a deleted one;
#   - `attache check`, when the binary has it, says the index is sound.
# It prints how many kills landed in each phase, told from the files the
# kill left behind.
#
# usage: crash.sh ATTACHE
# environment: CRASH_SEED (default 1), CRASH_KILLS (default 36, at least
# 30 are required), CRASH_MEMORY (default 4M), CRASH_BUDGET (seconds,
# default 300), CRASH_KEEP=DIR keeps the index of a failed run there,
# CRASH_VERBOSE=1 prints every run.
set -u
ATTACHE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

python3 - "$ATTACHE" "$T" <<'PY'
import json, os, random, shutil, signal, struct, subprocess, sys, time

ATT, T = sys.argv[1], sys.argv[2]
SEED = int(os.environ.get("CRASH_SEED", "1"))
KILLS = max(30, int(os.environ.get("CRASH_KILLS", "36")))
MEMORY = os.environ.get("CRASH_MEMORY", "4M")
BUDGET = float(os.environ.get("CRASH_BUDGET", "300"))
KEEP = os.environ.get("CRASH_KEEP")
VERBOSE = os.environ.get("CRASH_VERBOSE")
IDX = os.path.join(T, "idx")
NB, DOCS = 20, 420          # batches, documents per batch
STRIDE = DOCS * 3 // 4      # batch K adds ids [K*STRIDE, K*STRIDE+DOCS)
t_start = time.monotonic()
passes = fails = 0

def ok():
    global passes
    passes += 1

def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg, flush=True)

# ---- the corpus -----------------------------------------------------------
# Batch K: DOCS documents, a quarter of them with the ids of batch K-1's
# last quarter (replaces), each with batchmarkerK and idmarkerNNNNN; from
# batch 2 on, 12 deletion records for ids only batch K-2 had, and two for
# ids that never existed. Records are written in this order: the first
# half of the documents, the deletions, the rest.
rng = random.Random(SEED)
letters = "abcdefghiklmnoprstuvwy"
vocab = set()
while len(vocab) < 30000:
    vocab.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
vocab = sorted(vocab)
cum, acc = [], 0.0
for i in range(len(vocab)):
    acc += 1.0 / (i + 1)
    cum.append(acc)

def words(n):
    ws = rng.choices(vocab, cum_weights=cum, k=n)
    for i in range(11, n, 12):
        ws[i] += "."
    return ws

batches = []  # per batch: the records, as ("add", id) or ("del", id)
for k in range(NB):
    recs, lines = [], []
    ids = ["doc%05d" % i for i in range(k * STRIDE, k * STRIDE + DOCS)]
    dels = []
    if k >= 2:
        only = ["doc%05d" % i for i in range((k - 2) * STRIDE, (k - 1) * STRIDE)]
        dels = rng.sample(only, 12) + ["nosuch%03d%02d" % (k, j) for j in range(2)]
    for j, did in enumerate(ids):
        if j == DOCS // 2:
            for d in dels:
                recs.append(("del", d))
                lines.append(json.dumps({"id": d, "deleted": True}))
        body = words(rng.randint(350, 650))
        body.insert(rng.randrange(len(body)), "batchmarker%d" % k)
        body.insert(rng.randrange(len(body)), "idmarker%s" % did[3:])
        recs.append(("add", did))
        lines.append(json.dumps({"id": did, "title": " ".join(words(6)),
                                 "text": " ".join(body)}))
    path = os.path.join(T, "batch%02d.jsonl" % k)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    batches.append(recs)
mb = sum(os.path.getsize(os.path.join(T, "batch%02d.jsonl" % k)) for k in range(NB)) / 1e6
with open(os.path.join(T, "markers.tsv"), "w") as f:
    for k in range(NB):
        f.write("%d\tbatchmarker%d\n" % (k, k))

def apply(model, files):
    """The live documents (id -> batch) after indexing FILES in order."""
    m = dict(model)
    for k in files:
        for op, did in batches[k]:
            if op == "add":
                m[did] = k
            else:
                m.pop(did, None)
    return m

# ---- looking at the index -------------------------------------------------
def manifest():
    """(generation, the file names the MANIFEST names), or None."""
    try:
        b = open(os.path.join(IDX, "MANIFEST"), "rb").read()
        gen = struct.unpack_from("<Q", b, 8)[0]
        L = b[16]
        at = 17 + L + 1  # then the typed fields: u8 type, u8 length, name
        for _ in range(b[17 + L]):
            at += 2 + b[at + 1]
        nsegs = struct.unpack_from("<I", b, at + 4)[0]
        names = set()
        for i in range(nsegs):
            sid, _, _, g = struct.unpack_from("<IIII", b, at + 8 + 40 * i)
            names.update("seg%06u.%s" % (sid, e) for e in
                         ("dic", "pst", "pos", "doc", "sen", "sto", "val"))
            if g:
                names.add("seg%06u_%u.del" % (sid, g))
        return gen, names
    except (OSError, IndexError, struct.error):
        return None

def listing():
    try:
        return set(os.listdir(IDX))
    except OSError:
        return set()

def snapshot():
    """Each file's identity and size, to tell what a run wrote."""
    snap = {}
    for f in listing():
        try:
            st = os.stat(os.path.join(IDX, f))
            snap[f] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            pass
    return snap

def inodes():
    """Each file's inode: cheap enough to poll (no stat calls)."""
    try:
        return {e.name: e.inode() for e in os.scandir(IDX)}
    except OSError:
        return {}

def phase(kind, g0, before):
    """Where a kill landed, told from the files it left behind."""
    mf = manifest()
    if mf is None:
        return "no manifest"
    gen, named = mf
    now = snapshot()
    extra = set(now) - named - {"MANIFEST", "LOCK"}
    # what this run wrote (a writer reuses a crashed one's segment ids)
    new = {f for f in extra if before.get(f) != now[f]}
    if "MANIFEST.tmp" in extra:
        return "%s: commit (MANIFEST.tmp written)" % kind
    segs = {}
    for f in extra:
        if f.startswith("seg") and "." in f and "_" not in f:
            segs.setdefault(f.split(".")[0], set()).add(f.split(".")[1])
    dels = [f for f in extra if f.endswith(".del")]
    flushing = any(s & {"pst", "pos", "dic", "doc", "val"} and len(s) < 7
                   for s in segs.values())
    if kind == "index" and gen > g0:
        if flushing or segs:
            return "index: merge after commit (writing a segment)"
        return "index: after commit (merge commits, clean-up, exit)"
    if kind == "merge":
        if segs:
            return "merge: writing the merged segment"
        return "merge: %s" % ("between merge commits / clean-up" if gen > g0
                              else "start-up or clean-up")
    if not new:
        return "index: start-up (nothing written yet)"
    if dels:
        return "index: commit (deletions written)"
    if flushing:
        return "index: flush"
    if any(s <= {"sto", "sen"} for s in segs.values()):
        return "index: filling a segment"
    return "index: segments flushed, before commit"

def run(args, timeout=120):
    p = subprocess.run([ATT] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

has_check = subprocess.run([ATT, "check", "--help"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL).returncode == 0
vrng = random.Random(SEED * 7 + 3)

def verify(model, gen_floor, what):
    """Checks the index against MODEL; returns its generation, or None."""
    bad = fails
    rc, out, err = run(["stats", "-i", IDX, "--json"])
    if rc != 0:
        fail("%s: stats exit %d: %s" % (what, rc, err.strip()))
        return None
    st = json.loads(out)
    if st["documents"] != len(model):
        fail("%s: stats says %d documents, the last commit had %d"
             % (what, st["documents"], len(model)))
    if st["generation"] < gen_floor:
        fail("%s: generation went back from %d to %d"
             % (what, gen_floor, st["generation"]))
    # --strict: the markers exactly, never corrected to a neighbour
    rc, out, err = run(["search", "-i", IDX, "--strict", "--trec", "t",
                        "-n", "10000", "--passages", "0", "--queries",
                        os.path.join(T, "markers.tsv")])
    if rc not in (0, 1):
        fail("%s: search exit %d: %s" % (what, rc, err.strip()))
    found, seen = {}, {}
    for line in out.splitlines():
        q, _, did = line.split()[:3]
        found.setdefault(int(q), set()).add(did)
        if did in seen:
            fail("%s: %s found under batchmarker%s and batchmarker%s"
                 % (what, did, seen[did], q))
        seen[did] = q
    for k in range(NB):
        want = {d for d, b in model.items() if b == k}
        got = found.get(k, set())
        if want != got:
            fail("%s: batchmarker%d: %d documents, want %d (missing %s, "
                 "extra %s)" % (what, k, len(got), len(want),
                                sorted(want - got)[:3], sorted(got - want)[:3]))
    # a few documents by their own word: live ones with a passage that
    # holds it, deleted ones not at all
    live = sorted(model)
    probes = vrng.sample(live, min(3, len(live)))
    gone = sorted({d for b in batches for op, d in b if op == "add"} - set(model))
    probes += vrng.sample(gone, min(2, len(gone)))
    for did in probes:
        word = "idmarker" + did[3:]
        rc, out, err = run(["search", "-i", IDX, "--strict", "--json", word])
        if rc not in (0, 1):
            fail("%s: search %s exit %d: %s" % (what, word, rc, err.strip()))
            continue
        hits = json.loads(out)["hits"] if out.strip() else []
        if did in model:
            if [h["id"] for h in hits] != [did] or \
               "<mark>%s</mark>" % word not in hits[0]["passages"][0]["text"]:
                fail("%s: %s: hits %s" % (what, word, [h["id"] for h in hits]))
        elif hits:
            fail("%s: deleted %s found: %s" % (what, did, [h["id"] for h in hits]))
    if has_check:
        rc, out, err = run(["check", "-i", IDX], timeout=300)
        if rc != 0:
            fail("%s: attache check exit %d: %s" % (what, rc, (out + err).strip()[:500]))
    if fails == bad:
        ok()
    return st["generation"]

def keep():
    if KEEP and fails:
        shutil.rmtree(KEEP, ignore_errors=True)
        shutil.copytree(IDX, KEEP)
        print("index kept in", KEEP)

# ---- calibration: one whole run -------------------------------------------
model = {}
t0 = time.monotonic()
rc, out, err = run(["index", "-q", "-i", IDX, "--memory", MEMORY,
                    os.path.join(T, "batch00.jsonl")], timeout=600)
t_batch = time.monotonic() - t0
if rc != 0:
    print("FAIL: the first run: exit %d: %s" % (rc, err.strip()))
    print("crash.sh: 0 passed, 1 failed")
    sys.exit(1)
model = apply(model, [0])
gen = verify(model, 0, "first run") or 0
# A run indexes enough batches to take about two seconds.
per_run = max(1, min(NB // 2, round(2.0 / max(t_batch, 0.05))))
t_index = t_batch * per_run
t_merge = 1.0
print("corpus %.1f MB in %d batches; one batch takes %.2f s with --memory %s; "
      "%d batch(es) a run" % (mb, NB, t_batch, MEMORY, per_run), flush=True)

# ---- the kill loop --------------------------------------------------------
krng = random.Random(SEED)
phases = {}
kills = completed = it = 0
nextb = 1
while kills < KILLS and fails == 0:
    if time.monotonic() - t_start > BUDGET:
        fail("time budget of %.0f s spent after %d kills" % (BUDGET, kills))
        break
    it += 1
    is_merge = it % 6 == 0
    before = snapshot()
    before_ino = inodes()
    mf = manifest()
    g0 = mf[0] if mf else 0
    if is_merge:
        kind = "merge"
        args = ["merge", "-i", IDX]
        if krng.random() < 0.3:
            args += ["--max-segments", str(krng.randint(2, 4))]
        est = t_merge
        files = []
    else:
        kind = "index"
        files = [(nextb + j) % NB for j in range(per_run)]
        nextb = (nextb + per_run) % NB
        args = ["index", "-q", "-i", IDX, "--memory", MEMORY] + \
            [os.path.join(T, "batch%02d.jsonl" % k) for k in files]
        est = t_index
    # How the kill is aimed: 40% after a random delay over the whole run;
    # the rest when a flush starts (a new postings file), when the commit
    # is under way (a new .del file, or MANIFEST.tmp), or a moment after
    # the commit (the merges it starts). A run that ends before its moment
    # comes has completed.
    aim = krng.choices(["timed", "flush", "deletions", "manifest", "after-commit"],
                       [40, 15, 10, 15, 20])[0]
    if aim == "timed":
        delay = est * krng.uniform(0.0, 1.15)
    else:
        delay = est * krng.uniform(0.0, 0.15)
    t0 = time.monotonic()
    p = subprocess.Popen([ATT] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    fire = None if aim == "timed" else -1.0
    while p.poll() is None:
        now = time.monotonic() - t0
        if fire is None or (fire >= 0 and now >= fire):
            if fire is None and now < delay:
                time.sleep(min(0.005, delay - now))
                continue
            os.kill(p.pid, signal.SIGKILL)
            break
        if fire < 0:
            if aim == "after-commit":
                mf = manifest()
                if mf and mf[0] > g0:
                    fire = now + delay
            else:
                cur = inodes()
                fresh = [f for f in cur if before_ino.get(f) != cur[f]]
                want = {"flush": (".pst", ".pos", ".dic"), "deletions": (".del",),
                        "manifest": ("MANIFEST.tmp",)}[aim]
                if any(f.endswith(want) for f in fresh):
                    fire = now
                    continue
        time.sleep(0.002)
    killed = p.returncode is None
    if killed:
        delay = time.monotonic() - t0
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    rc = p.wait()
    took = time.monotonic() - t0
    what = "run %d (%s%s, %s)" % (it, kind, " " + ",".join(map(str, files)) if files else "",
                                  "killed (%s) at %.2f s" % (aim, delay) if killed else "completed")
    if killed:
        kills += 1
        ph = phase(kind, g0, before)
        phases[ph] = phases.get(ph, 0) + 1
        # did the commit happen? the generation says; merges keep the documents
        mf = manifest()
        if kind == "index" and mf and mf[0] > g0:
            model = apply(model, files)
    else:
        completed += 1
        if rc != 0:
            fail("%s: exit %d: %s" % (what, rc, err.strip()))
        elif kind == "index":
            model = apply(model, files)
            t_index = 0.5 * t_index + 0.5 * took
        else:
            t_merge = 0.5 * t_merge + 0.5 * took
    if killed and kind == "merge":
        t_merge = max(t_merge, 0.5 * t_merge + 0.5 * delay)
    if VERBOSE:
        print("%s, %.2f s" % (what, took), flush=True)
    g = verify(model, gen, what)
    if g is not None:
        gen = g

# ---- a last whole run and merge: everything cleaned up --------------------
if fails == 0:
    for args in (["index", "-q", "-i", IDX, "--memory", MEMORY,
                  os.path.join(T, "batch%02d.jsonl" % nextb)],
                 ["merge", "-q", "-i", IDX]):
        rc, out, err = run(args, timeout=600)
        if rc != 0:
            fail("final %s: exit %d: %s" % (args[0], rc, err.strip()))
        elif args[0] == "index":
            model = apply(model, [nextb])
    verify(model, gen, "after the final run and merge")
    mf = manifest()
    left = listing() - (mf[1] if mf else set()) - {"MANIFEST", "LOCK"}
    if left:
        fail("files no manifest names are left: %s" % sorted(left)[:8])
    else:
        ok()

print("%d kills (%d index, %d merge), %d runs completed, %d live documents, "
      "generation %d, %.0f s" % (kills, sum(v for k, v in phases.items() if not k.startswith("merge")),
                                 sum(v for k, v in phases.items() if k.startswith("merge")),
                                 completed, len(model), gen, time.monotonic() - t_start))
for ph in sorted(phases):
    print("  %3d  %s" % (phases[ph], ph))
print("attache check: %s" % ("run after every kill" if has_check else
                             "not in this binary, skipped"))
keep()
print("crash.sh: %d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
PY
