#!/usr/bin/env python3
"""make.py: writes the PDF fixtures of tests/check_read_pdf.c.

A minimal PDF writer, Python 3 with no third-party modules: numbered
objects, one Helvetica (Type1, WinAnsiEncoding) font resource, an
uncompressed content stream per page (BT /F1 12 Tf x y Td (text) Tj ...
ET), an Info dictionary and a classic xref table with the exact byte
offset of every object. Encryption is the standard security handler,
revision 2: RC4 with a 40-bit key derived by MD5 (ISO 32000-1, 7.6.3,
algorithms 1, 2, 3 and 4), written here from the specification.

The files are committed beside this script, so the tests do not need
Python; run it again (from anywhere) after changing a fixture:

    python3 tests/readers/pdf/make.py

and also writes seed inputs for tests/fuzz/fuzz_pdf.c into
tests/fuzz/corpus/fuzz_pdf/.

  three.pdf      3 pages; page 2 has a hyphenated line break and two
                 paragraphs; page 3 non-ASCII (WinAnsi) text; full Info
  notitle.pdf    1 page, an Info dictionary without /Title, only a
                 /ModDate
  damaged.pdf    three.pdf cut after its first page object
  encrypted.pdf  1 page, RC4 40-bit, user password "secret"

and one more seed for the fuzzer only:

  flate.pdf      a FlateDecode content stream and a ToUnicode CMap
"""
import hashlib
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "..", "..", "fuzz", "corpus", "fuzz_pdf")

# ISO 32000-1, 7.6.3.3, algorithm 2: the password padding
PAD = bytes([
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56,
    0xFF, 0xFA, 0x01, 0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80,
    0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
])


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for b in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def padded(password):
    return (password + PAD)[:32]


class Rc4Security:
    """The standard security handler, V 1, R 2, 40-bit key."""

    def __init__(self, user, owner, file_id, perms=-4):
        self.file_id = file_id
        self.perms = perms
        okey = hashlib.md5(padded(owner)).digest()[:5]          # alg. 3
        self.o = rc4(okey, padded(user))
        h = hashlib.md5()                                         # alg. 2
        h.update(padded(user))
        h.update(self.o)
        h.update(struct.pack("<i", perms))
        h.update(file_id)
        self.key = h.digest()[:5]
        self.u = rc4(self.key, PAD)                               # alg. 4

    def object_key(self, num, gen):                              # alg. 1
        k = self.key + struct.pack("<I", num)[:3] + struct.pack("<H", gen)
        return hashlib.md5(k).digest()[:min(len(self.key) + 5, 16)]

    def encrypt(self, num, data):
        return rc4(self.object_key(num, 0), data)


def hexstr(b):
    return b"<" + b.hex().encode() + b">"


def pdf_string(s):
    """A literal string in WinAnsi (Latin-1 for what we use), escaped."""
    b = s.encode("latin-1")
    b = b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + b + b")"


def content(lines):
    """A page's content stream: LINES are (x, y, text) in points."""
    out = [b"BT", b"/F1 12 Tf"]
    px, py = 0, 0
    for x, y, text in lines:
        out.append(b"%d %d Td" % (x - px, y - py))
        out.append(pdf_string(text) + b" Tj")
        px, py = x, y
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def column(paragraphs, top=720, lead=14, gap=30):
    """Lines of text at x 72 from TOP down: LEAD points apart within a
    paragraph, GAP points between paragraphs."""
    lines, y = [], top
    for para in paragraphs:
        for text in para:
            lines.append((72, y, text))
            y -= lead
        y -= gap - lead
    return lines


def write_pdf(pages, info, security=None, file_id=b"attache-fixture!",
              flate=False, tounicode=None):
    """PAGES: a list of content streams (bytes). INFO: dict of Info keys
    to str (text strings) or bytes (written as they are, e.g. dates).
    FLATE: compress the content streams; TOUNICODE: a CMap for the font
    (written after the Info dictionary)."""
    objs = {}
    npages = len(pages)
    catalog, pages_obj, font = 1, 2, 3
    first_page = 4
    info_obj = first_page + 2 * npages
    objs[catalog] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(npages))
    objs[pages_obj] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids,
                                                                    npages)
    extra = b""
    if tounicode is not None:
        extra = b" /ToUnicode %d 0 R" % (info_obj + 1)
    objs[font] = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                  b"/Encoding /WinAnsiEncoding%s >>" % extra)
    for i, stream in enumerate(pages):
        p, c = first_page + 2 * i, first_page + 2 * i + 1
        objs[p] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                   b"/Resources << /Font << /F1 3 0 R >> >> "
                   b"/Contents %d 0 R >>" % c)
        filt = b""
        if flate:
            stream = zlib.compress(stream, 9)
            filt = b" /Filter /FlateDecode"
        if security:
            stream = security.encrypt(c, stream)
        objs[c] = (b"<< /Length %d%s >>\nstream\n" % (len(stream), filt) +
                   stream + b"\nendstream")
    entries = []
    for key, value in info.items():
        if isinstance(value, str):
            raw = value.encode("latin-1")
            if security:
                entries.append(b"/%s %s" % (key.encode(),
                               hexstr(security.encrypt(info_obj, raw))))
            else:
                entries.append(b"/%s %s" % (key.encode(), pdf_string(value)))
        else:
            if security:
                value = hexstr(security.encrypt(info_obj, value))
            else:
                value = b"(" + value + b")"
            entries.append(b"/%s %s" % (key.encode(), value))
    objs[info_obj] = b"<< " + b" ".join(entries) + b" >>"
    last = info_obj
    if tounicode is not None:
        last += 1
        objs[last] = (b"<< /Length %d >>\nstream\n" % len(tounicode) +
                      tounicode + b"\nendstream")
    encrypt_ref = b""
    if security:
        last += 1
        objs[last] = (b"<< /Filter /Standard /V 1 /R 2 /Length 40 "
                      b"/O %s /U %s /P %d >>"
                      % (hexstr(security.o), hexstr(security.u),
                         security.perms))
        encrypt_ref = b" /Encrypt %d 0 R" % last

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in range(1, last + 1):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (last + 1)
    out += b"0000000000 65535 f \n"
    for num in range(1, last + 1):
        out += b"%010d 00000 n \n" % offsets[num]
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R%s "
            b"/ID [%s %s] >>\nstartxref\n%d\n%%%%EOF\n"
            % (last + 1, info_obj, encrypt_ref, hexstr(file_id),
               hexstr(file_id), xref))
    return bytes(out)


def three():
    p1 = content(column([["Grain ships left Odesa at dawn.",
                          "Insurers raised their rates again."]]))
    p2 = content(column([["The corridor carries inter-",
                          "national cargo to the straits."],
                         ["A second paragraph starts here."]]))
    p3 = content(column([["T\u00fcrkiye abstained; caf\u00e9 prices rose",
                          "by 5- percent, and Anglo-",
                          "Saxon banks were quiet."]]))
    info = {
        "Title": "  Black Sea grain corridor \n",
        "Author": "Ayesha Khan",
        "Subject": "Shipping",
        "Keywords": "a, b",
        "CreationDate": b"D:20250529101500+02'00'",
        "ModDate": b"D:20250601000000Z",
        "Producer": "attache make.py",
    }
    return write_pdf([p1, p2, p3], info)


def notitle():
    p1 = content(column([["A page without a title."]]))
    info = {
        "Keywords": "grain; ships;; ports",
        "ModDate": b"D:20240102030405Z",
    }
    return write_pdf([p1], info)


def damaged(whole):
    cut = whole.index(b"4 0 obj")
    return whole[:cut + 40]


def encrypted():
    sec = Rc4Security(b"secret", b"owner", b"attache-fixture!")
    p1 = content(column([["This text is locked."]]))
    info = {"Title": "Locked", "CreationDate": b"D:20250529101500+02'00'"}
    return write_pdf([p1], info, security=sec)


def flate():
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Seed def /CMapType 2 def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"2 beginbfchar <61> <00E4> <66> <FB01> endbfchar\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end\n")
    p1 = content(column([["a flat file", "of fine text"],
                         ["after a gap"]]))
    info = {"Title": "Flate", "Keywords": "x;y,z",
            "CreationDate": b"D:2025"}
    return write_pdf([p1, p1], info, flate=True, tounicode=cmap)


def put(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    files = {
        "three.pdf": three(),
        "notitle.pdf": notitle(),
        "encrypted.pdf": encrypted(),
    }
    files["damaged.pdf"] = damaged(files["three.pdf"])
    for name, data in files.items():
        put(HERE, name, data)
        put(SEEDS, name, data)
    put(SEEDS, "flate.pdf", flate())


if __name__ == "__main__":
    main()
