"""The bundled corpus's .txt files as the text reader reads them.

A file may start with a front-matter block (docs/QUERY.md, "Typed
fields"): "---", "key: value" lines ([a, b] a list), "---". Then the
first line is the title and the rest the text. The e2e scripts use this
to build JSONL copies of the corpus and to find a passage's bytes.
"""
import os


def split(raw):
    """(fields, title, text) of a file's contents RAW (str or bytes)."""
    nl = b"\n" if isinstance(raw, bytes) else "\n"
    fence = b"---" if isinstance(raw, bytes) else "---"
    fields = {}
    if raw.startswith(fence + nl):
        end = raw.index(nl + fence + nl, 3)
        for line in raw[4:end].split(nl):
            if isinstance(line, bytes):
                line = line.decode("utf-8")
            key, _, value = line.partition(":")
            value = value.strip()
            if value.startswith("[") and value.endswith("]"):
                value = [v.strip().strip('"') for v in value[1:-1].split(",") if v.strip()]
            fields[key.strip().lower()] = value
        raw = raw[end + 5:]
    title, _, text = raw.partition(nl)
    return fields, title.strip(), text


def load(directory, id_prefix=""):
    """Every .txt file of DIRECTORY, by name, as JSONL-ready dicts."""
    docs = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            fields, title, text = split(f.read())
        doc = {"id": id_prefix + name[:-4], "title": title, "text": text}
        doc.update(fields)
        docs.append(doc)
    return docs
