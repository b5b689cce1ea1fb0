#!/usr/bin/env python3
"""attache serve through a real HTTP client (http.client, urllib).

Starts the server on a free loopback port (--listen 127.0.0.1:0, the port
read from its "listening on" line) and checks: every endpoint against the
CLI's answers on the bundled corpus; every error (status, and the JSON
{"error": {"code", "message"}}); the token; writes with and without
?commit=true, the commit interval, and searches seeing each commit;
concurrent writes and searches; SIGTERM finishing a request in flight and
committing pending writes; a write answered as committed surviving
SIGKILL; a read-only server seeing another process's commits.
Only processes this script started are signalled, by their PID.

usage: serve.py ATTACHE CORPUS_DIR
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_docs  # noqa: E402  (the corpus's files as the reader reads them)

ATT, CORPUS = sys.argv[1], sys.argv[2]
T = tempfile.mkdtemp(prefix="attache-serve-")
SEED = "000_b7587047f01f44ba"
TOKEN = "s3cret-token-for-tests-0123456789"
passes = fails = 0
lock = threading.Lock()
started = []


def ok():
    global passes
    with lock:
        passes += 1


def fail(msg):
    global fails
    with lock:
        fails += 1
        print("FAIL:", msg, flush=True)


def check(cond, msg):
    ok() if cond else fail(msg)


class Server:
    """One attache serve process."""

    def __init__(self, index, *args):
        self.log = open(os.path.join(T, "server-%d.err" % len(started)), "w+")
        self.p = subprocess.Popen([ATT, "serve", "-i", index, "--listen",
                                   "127.0.0.1:0", *args],
                                  stdout=subprocess.PIPE, stderr=self.log,
                                  text=True)
        started.append(self.p)
        line = self.p.stdout.readline()
        m = re.match(r"listening on http://127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self.log.seek(0)
            raise SystemExit("server did not start: %r %s" % (line, self.log.read()))
        self.port = int(m.group(1))

    def req(self, method, path, body=None, headers=None, token=None):
        """(status, headers, parsed JSON or raw bytes)"""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        hd = {k.lower(): v for k, v in r.getheaders()}
        if hd.get("content-type", "").startswith("application/json") and data:
            data = json.loads(data)
        return r.status, hd, data

    def get(self, path):
        return self.req("GET", path)

    def search(self, q, **params):
        params["q"] = q
        return self.get("/search?" + urllib.parse.urlencode(params))

    def stop(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)
        try:
            return self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()


def cli_json(index, *args):
    out = subprocess.run([ATT, "search", "-i", index, "--json", *args],
                         capture_output=True, text=True)
    return json.loads(out.stdout) if out.stdout.strip() else None


def expect_error(res, status, code, what):
    st, hd, body = res
    good = (st == status and isinstance(body, dict) and
            body.get("error", {}).get("code") == code and
            isinstance(body["error"].get("message"), str) and
            body["error"]["message"] != "" and
            hd.get("content-type", "").startswith("application/json"))
    check(good, "%s: want %d %s, got %d %r" % (what, status, code, st, body))


def ids(body):
    return [h["id"] for h in body["hits"]]


# ---- read-only: every read endpoint, every error ------------------------------

def test_reads(idx):
    s = Server(idx)
    st, _, body = s.get("/health")
    check(st == 200 and body["status"] == "ok" and body["writes"] is False,
          "health: %d %r" % (st, body))

    q = "defence cooperation Azerbaijan"
    st, _, body = s.search(q)
    want = cli_json(idx, q)
    check(st == 200 and body["query"] == q, "search status %d" % st)
    check(ids(body) and ids(body)[0] == SEED, "first hit %r" % ids(body)[:1])
    check(ids(body) == [h["id"] for h in want["hits"]],
          "server and CLI hits differ: %r vs %r" % (ids(body), want["hits"]))
    check(body["total"] == want["total"] and body["total_exact"] is True,
          "total %r vs %r" % (body["total"], want["total"]))
    check(isinstance(body["took_ms"], float) and body["n"] == 10 and
          body["offset"] == 0, "took_ms, n, offset: %r" % body)
    h0 = body["hits"][0]
    check(set(h0) == {"id", "title", "score", "passages", "fields"}, "hit keys %r" % set(h0))
    check(h0["fields"] == {"date": "2025-05-30T00:00:00Z", "source": ["seed article"],
                           "countries": ["azerbaijan", "india", "pakistan", "turkiye"]},
          "the seed's typed fields %r" % h0["fields"])
    p0 = h0["passages"][0]
    check(set(p0) == {"start", "end", "score", "text", "marks", "html"},
          "passage keys %r" % set(p0))
    raw = p0["text"].encode()
    check(len(raw) == p0["end"] - p0["start"], "passage length vs offsets")
    marked = {raw[a:b].decode().lower() for a, b in p0["marks"]}
    check(marked and all(re.match(r"(azerbaijan|defen[cs]e|cooperat)", m)
                         for m in marked), "marks %r" % marked)
    check("<mark>Azerbaijan</mark>" in p0["html"] and
          p0["html"].count("<mark>") == len(p0["marks"]), "html %r" % p0["html"][:200])
    # the passage is the stored text at its offsets
    st, _, doc = s.get("/documents/" + SEED)
    check(st == 200 and doc["text"].encode()[p0["start"]:p0["end"]] == raw,
          "passage offsets into /documents text")
    with open(os.path.join(CORPUS, "docs", SEED + ".txt"), encoding="utf-8") as f:
        fm, first, _ = corpus_docs.split(f.read())
    check(doc["id"] == SEED and doc["title"] == first and
          doc["fields"] == {"date": "2025-05-30", "source": "seed article",
                            "countries": json.dumps(fm["countries"], ensure_ascii=False,
                                                    separators=(",", ":"))},
          "document %r" % {k: doc.get(k) for k in ("id", "title", "fields")})

    # paging and options, against the CLI
    st, _, body = s.search(q, n=3, offset=2, passages=2)
    want = cli_json(idx, "-n", "3", "--offset", "2", "--passages", "2", q)
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]],
          "paging: %r vs %r" % (ids(body), want["hits"]))
    check(all(1 <= len(h["passages"]) <= 2 for h in body["hits"]), "passages=2")
    st, _, body = s.search(q, passages=0, n=2)
    check(st == 200 and all(h["passages"] == [] for h in body["hits"]), "passages=0")
    st, _, body = s.search("gas pipeline", **{"and": "true"})
    want = cli_json(idx, "--and", "gas pipeline")
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]], "and=true")
    st, _, body = s.search("title:azerbaijan", n=100, passages=0)
    want = cli_json(idx, "-n", "100", "--passages", "0", "title:azerbaijan")
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]], "field query")
    st, _, body = s.search("zzzznotaword")
    check(st == 200 and body["hits"] == [] and body["total"] == 0, "no hits")

    st, _, body = s.get("/stats")
    check(st == 200 and body["docs"] == 29 and body["segments"] >= 1 and
          body["server"]["writes"] is False and body["language"] == "english",
          "stats %r" % body)
    for path, ctype, needle in (("/", "text/html", b"<form"),
                                ("/app.js", "text/javascript", b"/search?"),
                                ("/app.css", "text/css", b"mark")):
        st, hd, data = s.get(path)
        check(st == 200 and hd["content-type"].startswith(ctype) and needle in data
              and "default-src 'none'" in hd.get("content-security-policy", ""),
              "page file %s: %d %s" % (path, st, hd.get("content-type")))
    st, hd, data = s.req("HEAD", "/search?q=gas")
    check(st == 200 and data == b"", "HEAD %d %r" % (st, data))

    # errors
    expect_error(s.get("/search"), 400, "missing_parameter", "no q")
    expect_error(s.search("", strict=1), 400, "empty_query", "empty q, strict")
    expect_error(s.search("gas AND", strict=1), 400, "query_parse_error",
                 "AND without a side, strict")
    expect_error(s.search("gas AND", syntax="strict"), 400, "query_parse_error",
                 "AND without a side, syntax=strict")
    expect_error(s.search("gas", syntax="loose"), 400, "invalid_parameter", "syntax")
    expect_error(s.search("gas", strict="perhaps"), 400, "invalid_parameter", "strict")
    expect_error(s.search("a" * 16385), 400, "query_too_long", "long q")
    check(s.search("gas" + " " * 16381)[0] == 200, "q of exactly the limit")
    # forgiving (the default): answers, with notes
    st, _, body = s.search("")
    check(st == 200 and body["hits"] == [] and body["total"] == 0 and
          body["notes"] == ["nothing to search for: no word in the query"],
          "empty q: %d %r" % (st, body))
    st, _, body = s.search("gas AND", explain=1)
    want = cli_json(idx, "gas")
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]] and
          body["notes"] == ["AND without something on each side ignored"] and
          body["searched"] == "gas" and
          "explanation" in body["hits"][0], "gas AND: %d %r" % (st, body.get("notes")))
    st, _, body = s.search("PIPELINE AND GAS")
    want = cli_json(idx, "pipeline gas")
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]] and
          body["notes"] == ["query in capitals: AND, OR, NOT and NEAR read as words"],
          "capitals: %d %r" % (st, body.get("notes")))
    st, _, body = s.search('"gas" AND -(pipeline', syntax="plain")
    want = cli_json(idx, "gas and pipeline")
    check(st == 200 and ids(body) == [h["id"] for h in want["hits"]] and
          "notes" not in body, "syntax=plain: %d %r" % (st, body.get("notes")))
    st, _, body = s.search("defence cooperation Azerbaijan")
    check(st == 200 and "notes" not in body and "searched" not in body and
          "suggestion" not in body, "no notes for a query that needed no repair")
    # did you mean (issue 15): the misspelt word replaced, the rest kept
    st, _, body = s.search('Azerbaijian "gas pipeline"')
    want = cli_json(idx, 'Azerbaijian "gas pipeline"')
    check(st == 200 and body.get("suggestion") == 'azerbaijan "gas pipeline"' and
          want.get("suggestion") == body.get("suggestion") and
          ids(body) == [h["id"] for h in want["hits"]],
          "suggestion: %d %r" % (st, body.get("suggestion")))
    expect_error(s.search("gas", n=101), 400, "limit_exceeded", "n over the limit")
    expect_error(s.search("gas", n="ten"), 400, "invalid_parameter", "n not a number")
    expect_error(s.search("gas", n="-1"), 400, "invalid_parameter", "n negative")
    expect_error(s.search("gas", offset=10001), 400, "limit_exceeded", "offset")
    expect_error(s.search("gas", passages=9), 400, "limit_exceeded", "passages")
    expect_error(s.search("gas", **{"and": "maybe"}), 400, "invalid_parameter", "and")
    expect_error(s.get("/search?strict=1&q=%FF"), 400, "invalid_utf8", "q not UTF-8")
    expect_error(s.get("/search?strict=1&q=gas%00x"), 400, "invalid_utf8", "q with NUL")
    st, _, body = s.get("/search?q=gas%FF")
    check(st == 200 and body["query"] == "gas\ufffd" and
          body["notes"] == ["invalid UTF-8 ignored"] and
          ids(body) == ids(s.search("gas")[2]), "q not UTF-8: %d %r" % (st, body.get("query")))
    st, _, body = s.get("/search?q=gas%00pipeline")
    check(st == 200 and body["query"] == "gas\ufffdpipeline" and
          ids(body) == ids(s.search("gas pipeline")[2]), "q with NUL: %d %r" % (st, body))
    expect_error(s.get("/documents/nosuchdoc"), 404, "not_found", "unknown id")
    expect_error(s.get("/documents/" + SEED + "%00"), 400, "invalid_id", "id with NUL")
    expect_error(s.get("/documents/"), 400, "invalid_id", "empty id")
    expect_error(s.get("/nope"), 404, "not_found", "unknown path")
    expect_error(s.get("/../../../etc/passwd"), 404, "not_found", "dot-dot path")
    expect_error(s.get("/documents/..%2F..%2F..%2Fetc%2Fpasswd"), 404,
                 "not_found", "dot-dot id")
    expect_error(s.get("/app.js/../../MANIFEST"), 404, "not_found", "file name")
    res = s.req("POST", "/search", body="{}")
    expect_error(res, 405, "method_not_allowed", "POST /search")
    check(res[1].get("allow") == "GET, HEAD", "Allow header %r" % res[1].get("allow"))
    expect_error(s.req("PATCH", "/documents/x"), 405, "method_not_allowed", "PATCH")
    expect_error(s.req("PUT", "/documents/x", body={"text": "a"}, token=TOKEN),
                 403, "writes_disabled", "PUT on a read-only server")
    expect_error(s.req("DELETE", "/documents/" + SEED), 403, "writes_disabled",
                 "DELETE on a read-only server")
    st, _, _ = s.req("GET", "/health", headers={"X-Big": "x" * 40000})
    check(400 <= st < 500, "huge header answered %d" % st)
    check(s.get("/health")[0] == 200, "health after a huge header")

    # another process commits (the server holds no lock): searches see it
    new = os.path.join(T, "extra.jsonl")
    with open(new, "w") as f:
        f.write(json.dumps({"id": "extra-1", "title": "Quokka census",
                            "text": "A quokkaword census on Rottnest."}) + "\n")
    subprocess.run([ATT, "index", "-q", "-i", idx, new], check=True)
    seen = poll(lambda: ids(s.search("quokkaword")[2]) == ["extra-1"])
    check(seen, "read-only server sees another process's commit")
    check(s.stop() == 0, "read-only server exits 0 on SIGTERM")


def poll(cond, secs=30):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


# ---- writes --------------------------------------------------------------------

def test_writes(idx, tokfile):
    s = Server(idx, "--token-file", tokfile, "--commit-interval", "3600",
               "--max-body", "64K")
    check(s.get("/health")[2]["writes"] is True, "health says writes on")
    doc = {"title": "Pelican summit", "text": "The pelicanword summit opened.",
           "source": "reuters", "year": 2024}
    expect_error(s.req("PUT", "/documents/a", body=doc), 401, "unauthorized",
                 "no token")
    res = s.req("PUT", "/documents/a", body=doc, token="wrong" + TOKEN[5:])
    expect_error(res, 401, "unauthorized", "wrong token")
    check(res[1].get("www-authenticate", "").startswith("Bearer"), "WWW-Authenticate")
    expect_error(s.req("PUT", "/documents/a", body=doc, token=TOKEN[:-1]), 401,
                 "unauthorized", "token prefix")
    expect_error(s.req("PUT", "/documents/a", body=doc,
                       headers={"Authorization": "Basic " + TOKEN}), 401,
                 "unauthorized", "Basic scheme")

    st, _, body = s.req("PUT", "/documents/a?commit=true", body=doc, token=TOKEN)
    check(st == 200 and body == {"id": "a", "result": "created", "committed": True},
          "PUT committed: %d %r" % (st, body))
    st, _, body = s.search("pelicanword")
    check(st == 200 and ids(body) == ["a"], "search sees the committed PUT: %r" % body)
    st, _, got = s.get("/documents/a")
    check(st == 200 and got == {"id": "a", "title": "Pelican summit",
                                "text": "The pelicanword summit opened.",
                                "fields": {"source": "reuters", "year": "2024"}},
          "GET /documents/a: %r" % got)
    st, _, body = s.search("pelicanword", fields="source")
    check(body["hits"][0].get("fields") == {"source": "reuters"}, "fields=source")
    st, _, body = s.search("pelicanword", fields="*")
    check(body["hits"][0].get("fields") == {"source": "reuters", "year": "2024"},
          "fields=*")
    st, _, body = s.search("source:reuters", passages=0)
    check(ids(body) == ["a"], "field query on a written field")

    doc["text"] = "The pelicanword summit closed."
    st, _, body = s.req("PUT", "/documents/a?commit=true", body=doc, token=TOKEN)
    check(st == 200 and body["result"] == "updated", "PUT replace: %r" % body)
    check(s.get("/documents/a")[2]["text"] == doc["text"], "replaced text")

    # without commit: accepted, invisible until a commit
    st, _, body = s.req("PUT", "/documents/b", token=TOKEN,
                        body={"title": "Heron", "text": "heronword heronword"})
    check(st == 202 and body == {"id": "b", "result": "created", "committed": False},
          "PUT pending: %d %r" % (st, body))
    check(s.search("heronword")[2]["total"] == 0, "pending write invisible")
    check(s.get("/stats")[2]["server"]["pending_writes"] == 1, "stats pending")
    lines = "\n".join(json.dumps(d) for d in (
        {"id": "c", "title": "Ibis", "text": "ibisword one"},
        {"id": 7, "title": "Ibis two", "text": "ibisword two", "tags": ["x", "y"]},
    )) + "\n\n"
    st, _, body = s.req("POST", "/documents?commit=true", body=lines, token=TOKEN)
    check(st == 200 and body == {"added": 2, "replaced": 0, "deleted": 0,
                                 "committed": True}, "POST: %d %r" % (st, body))
    check(ids(s.search("heronword")[2]) == ["b"], "commit included the pending PUT")
    check(sorted(ids(s.search("ibisword")[2])) == ["7", "c"], "POST documents")
    check(s.get("/documents/7")[2]["fields"] == {"tags": '["x","y"]'},
          "non-string field kept as JSON text")

    # a bad line anywhere: nothing applied
    bad = json.dumps({"id": "d", "text": "storkword"}) + "\n{not json\n"
    res = s.req("POST", "/documents?commit=true", body=bad, token=TOKEN)
    expect_error(res, 400, "invalid_json", "POST bad JSON")
    check("line 2" in res[2]["error"]["message"], "error names the line: %r" % res[2])
    res = s.req("POST", "/documents?commit=true", token=TOKEN,
                body='{"id":"e","text":"storkword"}\n{"title":"no id"}\n')
    expect_error(res, 400, "invalid_document", "POST without id")
    check("line 2" in res[2]["error"]["message"], "missing id names the line")
    check(s.search("storkword")[2]["total"] == 0, "rejected body applied nothing")
    expect_error(s.req("POST", "/documents", body="\n \n", token=TOKEN), 400,
                 "empty_body", "empty JSONL")
    expect_error(s.req("POST", "/documents", body='{"id":"x","text":5}', token=TOKEN),
                 400, "invalid_document", "text not a string")
    expect_error(s.req("PUT", "/documents/x", body="{oops", token=TOKEN), 400,
                 "invalid_json", "PUT bad JSON")
    expect_error(s.req("PUT", "/documents/x", body="[1]", token=TOKEN), 400,
                 "invalid_document", "PUT an array")

    # POST /documents in the readers' formats, by Content-Type (issue 16)
    page = ("<!DOCTYPE html><html lang='en'><head><title>Egret page</title>"
            "<meta property='article:published_time' content='2025-04-01'>"
            "</head><body><nav>navegret</nav><p>The egretword flew.</p></body></html>")
    st, _, body = s.req("POST", "/documents?id=pages/egret.html&commit=true",
                        body=page, token=TOKEN,
                        headers={"Content-Type": "text/html; charset=utf-8"})
    check(st == 200 and body == {"added": 1, "replaced": 0, "deleted": 0,
                                 "committed": True}, "POST text/html: %d %r" % (st, body))
    hits = s.search("egretword")[2]["hits"]
    check([h["id"] for h in hits] == ["pages/egret.html"] and
          hits[0]["title"] == "Egret page", "the HTML document: %r" % hits)
    check(s.search("navegret")[2]["total"] == 0, "HTML boilerplate not indexed")
    pdf_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                            "readers", "pdf", "three.pdf")
    with open(pdf_path, "rb") as f:
        pdf = f.read()
    st, _, body = s.req("POST", "/documents?id=grain.pdf&commit=true", body=pdf,
                        token=TOKEN, headers={"Content-Type": "application/pdf"})
    check(st == 200 and body["added"] == 1, "POST application/pdf: %d %r" % (st, body))
    hits = s.search('"international cargo"')[2]["hits"]
    check(len(hits) == 1 and hits[0]["id"] == "grain.pdf" and hits[0].get("page") == 2
          and hits[0]["passages"][0].get("page") == 2, "a PDF hit's page: %r" % hits)
    expect_error(s.req("POST", "/documents?id=x.png", body=b"\x89PNG", token=TOKEN,
                       headers={"Content-Type": "image/png"}), 415,
                 "unsupported_media_type", "POST image/png")
    expect_error(s.req("POST", "/documents", body=page, token=TOKEN,
                       headers={"Content-Type": "text/html"}), 400, "invalid_id",
                 "POST text/html without ?id=")
    expect_error(s.req("POST", "/documents?id=bad.pdf", body=pdf[:300], token=TOKEN,
                       headers={"Content-Type": "application/pdf"}), 400,
                 "invalid_document", "POST a damaged PDF")
    expect_error(s.req("PUT", "/documents/x", body={"id": "y", "text": "t"},
                       token=TOKEN), 400, "invalid_document", "id mismatch")
    expect_error(s.req("PUT", "/documents/x?commit=maybe", body={"text": "t"},
                       token=TOKEN), 400, "invalid_parameter", "commit=maybe")
    expect_error(s.req("PUT", "/documents/x", body={"text": "t" * 70000},
                       token=TOKEN), 413, "body_too_large", "body over --max-body")
    expect_error(s.req("PUT", "/documents/x%FF", body={"text": "t"}, token=TOKEN),
                 400, "invalid_id", "id not UTF-8")
    expect_error(s.req("GET", "/documents", token=TOKEN), 405,
                 "method_not_allowed", "GET /documents")

    # deletes, by DELETE and by a JSONL record
    st, _, body = s.req("DELETE", "/documents/a?commit=true", token=TOKEN)
    check(st == 200 and body == {"id": "a", "result": "deleted", "committed": True},
          "DELETE: %d %r" % (st, body))
    check(s.search("pelicanword")[2]["total"] == 0, "deleted document gone")
    expect_error(s.get("/documents/a"), 404, "not_found", "GET deleted")
    expect_error(s.req("DELETE", "/documents/a", token=TOKEN), 404, "not_found",
                 "DELETE twice")
    st, _, body = s.req("POST", "/documents?commit=1", token=TOKEN,
                        body=json.dumps({"id": "c", "deleted": True}) + "\n")
    check(st == 200 and body["deleted"] == 1 and ids(s.search("ibisword")[2]) == ["7"],
          "JSONL deletion record: %r" % body)

    test_concurrency(s)
    test_sigterm(s, idx)


def test_concurrency(s):
    """8 writers and 8 searchers at once: every answer right, every write
    there at the end."""
    errors = []
    stop = threading.Event()

    def writer(t):
        for i in range(20):
            commit = "?commit=true" if i % 5 == 4 else ""
            st, _, body = s.req("PUT", "/documents/w%d-%d%s" % (t, i, commit),
                                token=TOKEN, body={"title": "Writer %d" % t,
                                                   "text": "cormorantword %d %d" % (t, i)})
            if st not in (200, 202) or body["id"] != "w%d-%d" % (t, i):
                errors.append("PUT %d %r" % (st, body))

    def searcher():
        while not stop.is_set():
            st, _, body = s.search("cormorantword", n=5)
            if st != 200 or len(body["hits"]) > 5 or body["total"] > 160:
                errors.append("search %d %r" % (st, body))
            st, _, body = s.search("heronword")
            if st != 200 or ids(body) != ["b"]:
                errors.append("search heron %d %r" % (st, body))

    ws = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    ss = [threading.Thread(target=searcher) for _ in range(8)]
    for th in ws + ss:
        th.start()
    for th in ws:
        th.join()
    stop.set()
    for th in ss:
        th.join()
    check(errors == [], "concurrent errors: %r" % errors[:3])
    st, _, body = s.req("POST", "/documents?commit=true", token=TOKEN,
                        body=json.dumps({"id": "w0-0", "title": "Writer 0",
                                         "text": "cormorantword 0 0"}))
    got = set()
    for off in (0, 100):
        got |= set(ids(s.search("cormorantword", n=100, offset=off, passages=0)[2]))
    want = {"w%d-%d" % (t, i) for t in range(8) for i in range(20)}
    check(got == want, "after concurrent writes: %d of %d" % (len(got & want), len(want)))
    check(s.search("cormorantword")[2]["total"] == 160, "total 160")


def test_sigterm(s, idx):
    """SIGTERM: a request whose body is still arriving is answered, pending
    writes are committed, exit 0."""
    st, _, body = s.req("PUT", "/documents/pending1", token=TOKEN,
                        body={"text": "grebeword pending"})
    check(st == 202, "pending PUT before SIGTERM")
    payload = json.dumps({"text": "grebeword inflight"}).encode()
    sk = socket.create_connection(("127.0.0.1", s.port), timeout=60)
    sk.sendall(b"PUT /documents/inflight HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
               b"Content-Length: %d\r\n\r\n" % len(payload) + payload[:5])
    time.sleep(0.5)  # the request is in flight: headers in, body coming
    s.p.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    sk.sendall(payload[5:])
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        chunk = sk.recv(65536)
        if not chunk:
            break
        reply += chunk
    sk.close()
    check(reply.startswith(b"HTTP/1.1 202"), "in-flight PUT answered: %r" % reply[:80])
    try:
        rc = s.p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        s.p.kill()
        rc = "hung"
    check(rc == 0, "SIGTERM exit status %r" % rc)
    got = cli_json(idx, "grebeword")
    check(got is not None and sorted(h["id"] for h in got["hits"]) ==
          ["inflight", "pending1"], "pending writes committed at SIGTERM: %r" % got)


def test_sigkill(idx, tokfile):
    s = Server(idx, "--token-file", tokfile, "--commit-interval", "3600")
    st, _, body = s.req("PUT", "/documents/durable?commit=true", token=TOKEN,
                        body={"title": "Durable", "text": "albatrossword kept"})
    check(st == 200 and body["committed"] is True, "committed PUT")
    rc = s.stop(signal.SIGKILL)
    check(rc == -signal.SIGKILL, "killed")
    got = cli_json(idx, "albatrossword")
    check(got is not None and [h["id"] for h in got["hits"]] == ["durable"],
          "committed write survives SIGKILL: %r" % got)
    chk = subprocess.run([ATT, "check", "-i", idx], capture_output=True, text=True)
    check(chk.returncode == 0, "index sound after SIGKILL: %s" % chk.stdout[-300:])

    # the commit interval: a write without ?commit shows up by itself
    s = Server(idx, "--token-file", tokfile, "--commit-interval", "1")
    st, _, _ = s.req("PUT", "/documents/later", token=TOKEN,
                     body={"text": "puffinword soon"})
    check(st == 202, "PUT with the interval")
    check(poll(lambda: ids(s.search("puffinword")[2]) == ["later"]),
          "the commit thread committed it")
    check(s.stop() == 0, "exit 0")
    # a second writer is refused while one holds the index
    s = Server(idx, "--token-file", tokfile)
    p = subprocess.run([ATT, "serve", "-i", idx, "--listen", "127.0.0.1:0",
                        "--token-file", tokfile], capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 1 and "lock" in p.stderr.lower(),
          "second writer refused: %d %s" % (p.returncode, p.stderr))
    check(s.stop() == 0, "exit 0")


def test_cli_errors(idx, tokfile):
    for args, what in ((["--listen", "127.0.0.1:99999"], "bad port"),
                       (["--max-hits", "0"], "max-hits 0"),
                       (["--token-file", os.path.join(T, "nofile")], "no token file")):
        p = subprocess.run([ATT, "serve", "-i", idx, *args], capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 1, "%s: exit %d" % (what, p.returncode))
    short = os.path.join(T, "short")
    with open(short, "w") as f:
        f.write("abc\n")
    p = subprocess.run([ATT, "serve", "-i", idx, "--token-file", short],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "16 bytes" in p.stderr, "short token refused")
    p = subprocess.run([ATT, "serve", "-i", os.path.join(T, "none")],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 1, "read-only server on no index: exit %d" % p.returncode)


# ---- the Xapian backend: the same reads, when the build has it -------------

def test_xapian(tokfile):
    xidx = os.path.join(T, "xidx")
    r = subprocess.run([ATT, "index", "-q", "--backend", "xapian", "-i", xidx,
                        os.path.join(CORPUS, "docs")], capture_output=True, text=True)
    if r.returncode != 0:
        check("built without the Xapian backend" in r.stderr,
              "index --backend xapian: %s" % r.stderr)
        print("serve: Xapian backend not built: its server checks skipped")
        return
    s = Server(xidx, "--token-file", tokfile)
    st, _, body = s.search("defence cooperation Azerbaijan", n=3)
    check(st == 200 and ids(body)[0] == "000_b7587047f01f44ba" and
          "<mark>" in body["hits"][0]["passages"][0]["html"],
          "xapian search: %d %r" % (st, body))
    check(ids(body) == ids(cli_json(xidx, "-n", "3", "defence cooperation Azerbaijan")),
          "xapian search differs from attache search")
    st, _, doc = s.get("/documents/003_pakistan_imf_review")
    check(st == 200 and doc.get("id") == "003_pakistan_imf_review" and
          doc.get("text", "").strip() != "", "xapian document: %d %r" % (st, doc))
    expect_error(s.get("/documents/no-such-id"), 404, "not_found", "xapian missing id")
    st, _, body = s.req("PUT", "/documents/x1?commit=true",
                        {"title": "Xapian", "text": "A zebra crossing.",
                         "source": "test"}, token=TOKEN)
    check(st == 200, "xapian PUT: %d %r" % (st, body))
    st, _, body = s.search("zebra", fields="source")
    # the corpus's index declares source a keyword (its front matter):
    # the typed value, folded, in an array
    check(st == 200 and ids(body) == ["x1"] and
          body["hits"][0].get("fields") == {"source": ["test"]},
          "xapian write then search with fields: %d %r" % (st, body))
    rc = s.stop()
    s.log.seek(0)
    check(rc == 0, "xapian server exit status %s: %s" % (rc, s.log.read()[-2000:]))


def main():
    try:
        idx = os.path.join(T, "idx")
        subprocess.run([ATT, "index", "-q", "-i", idx,
                        os.path.join(CORPUS, "docs")], check=True)
        tokfile = os.path.join(T, "token")
        with open(tokfile, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(tokfile, 0o600)
        test_cli_errors(idx, tokfile)
        test_reads(idx)
        widx = os.path.join(T, "new-index")  # created by the server
        test_writes(widx, tokfile)
        test_sigkill(widx, tokfile)
        test_xapian(tokfile)
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(T, ignore_errors=True)
    print("serve: %d passed, %d failed" % (passes, fails))
    sys.exit(1 if fails or passes == 0 else 0)


main()
