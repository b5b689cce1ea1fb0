#!/usr/bin/env python3
"""Generates gazetteer.txt, attache's bundled synonym groups of country
names, and checks synonym files (README.md beside this script).

    python3 make_gazetteer.py               # writes gazetteer.txt here
    python3 make_gazetteer.py -o FILE       # writes FILE ('-': stdout)
    python3 make_gazetteer.py --check FILE  # validates a synonym file
    python3 make_gazetteer.py --overlaps FILE  # phrases inside other groups'

A country's group is made of, in this order: iso-codes' short name
(name), common name and official name; the entries that extra.txt adds
for its ISO alpha-2 code; then the translations of its short and common
names in the country's main languages (LANGS below), taken from
iso-codes' .mo files. Entries are compared after fold(), and the first
of a group's equal entries is kept. After the countries come the groups
that extra.txt marks ORG, in the order written.

Python 3 standard library only. The output depends only on the inputs:
running the script twice gives the same bytes.
"""

import argparse
import gettext
import json
import os
import re
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ISO_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
LOCALE_DIR = "/usr/share/locale"
MO_NAME = "iso_3166-1.mo"

# The main language(s) of each country or territory whose local name is
# taken from iso-codes' translations, as gettext locale names of
# /usr/share/locale. Only languages that have an iso_3166-1.mo file are
# of use; a country left out here, or whose languages have no file, gets
# no local name (English-speaking ones need none).
LANGS = {
    "AD": ["ca"], "AE": ["ar"], "AF": ["ps", "fa"], "AL": ["sq"],
    "AM": ["hy"], "AO": ["pt"], "AR": ["es"], "AT": ["de"],
    "AW": ["nl", "pap"], "AX": ["sv"], "AZ": ["az"],
    "BA": ["bs", "hr", "sr"], "BD": ["bn"], "BE": ["nl", "fr", "de"],
    "BF": ["fr"], "BG": ["bg"], "BH": ["ar"], "BI": ["fr"], "BJ": ["fr"],
    "BL": ["fr"], "BN": ["ms"], "BO": ["es"], "BQ": ["nl", "pap"],
    "BR": ["pt_BR"], "BT": ["dz"], "BV": ["nb"], "BY": ["be", "ru"],
    "CA": ["fr"], "CD": ["fr"], "CF": ["fr"], "CG": ["fr"],
    "CH": ["de", "fr", "it"], "CI": ["fr"], "CL": ["es"], "CM": ["fr"],
    "CN": ["zh_CN"], "CO": ["es"], "CR": ["es"], "CU": ["es"],
    "CV": ["pt"], "CW": ["nl", "pap"], "CY": ["el", "tr"], "CZ": ["cs"],
    "DE": ["de"], "DJ": ["fr", "ar"], "DK": ["da"], "DO": ["es"],
    "DZ": ["ar"], "EC": ["es"], "EE": ["et"], "EG": ["ar"], "EH": ["ar"],
    "ER": ["ti", "ar"], "ES": ["es"], "ET": ["am"], "FI": ["fi", "sv"],
    "FO": ["fo", "da"], "FR": ["fr"], "GA": ["fr"], "GE": ["ka"],
    "GF": ["fr"], "GL": ["kl", "da"], "GN": ["fr"], "GP": ["fr"],
    "GQ": ["es", "fr", "pt"], "GR": ["el"], "GT": ["es"], "GU": ["ch"],
    "GW": ["pt"], "HK": ["zh_HK"], "HN": ["es"], "HR": ["hr"],
    "HT": ["fr", "ht"], "HU": ["hu"], "ID": ["id"], "IE": ["ga"],
    "IL": ["he"], "IM": ["gv"], "IN": ["hi"], "IQ": ["ar", "ckb"],
    "IR": ["fa"], "IS": ["is"], "IT": ["it"], "JO": ["ar"], "JP": ["ja"],
    "KE": ["sw"], "KG": ["ky", "ru"], "KH": ["km"], "KM": ["ar", "fr"],
    "KP": ["ko"], "KR": ["ko"], "KW": ["ar"], "KZ": ["kk", "ru"],
    "LA": ["lo"], "LB": ["ar"], "LI": ["de"], "LK": ["si", "ta"],
    "LT": ["lt"], "LU": ["fr", "de"], "LV": ["lv"], "LY": ["ar"],
    "MA": ["ar"], "MC": ["fr"], "MD": ["ro"], "ME": ["sr", "sr@latin"],
    "MF": ["fr"], "MG": ["fr"], "MK": ["mk"], "ML": ["fr"], "MM": ["my"],
    "MN": ["mn"], "MO": ["zh_HK", "pt"], "MP": ["ch"], "MQ": ["fr"],
    "MR": ["ar"], "MT": ["mt"], "MV": ["dv"], "MX": ["es"], "MY": ["ms"],
    "MZ": ["pt"], "NC": ["fr"], "NE": ["fr"], "NI": ["es"], "NL": ["nl"],
    "NO": ["nb", "nn"], "NP": ["ne"], "NR": ["na"], "NZ": ["mi"],
    "OM": ["ar"], "PA": ["es"], "PE": ["es"], "PF": ["fr"], "PH": ["fil"],
    "PK": ["ur"], "PL": ["pl"], "PM": ["fr"], "PR": ["es"], "PS": ["ar"],
    "PT": ["pt"], "PY": ["es", "gn"], "QA": ["ar"], "RE": ["fr"],
    "RO": ["ro"], "RS": ["sr", "sr@latin"], "RU": ["ru"], "RW": ["rw", "fr"],
    "SA": ["ar"], "SC": ["fr"], "SD": ["ar"], "SE": ["sv"],
    "SG": ["ms", "zh_CN", "ta"], "SI": ["sl"], "SJ": ["nb"], "SK": ["sk"],
    "SM": ["it"], "SN": ["fr"], "SO": ["so", "ar"], "SR": ["nl"],
    "ST": ["pt"], "SV": ["es"], "SX": ["nl"], "SY": ["ar"], "TD": ["fr", "ar"],
    "TF": ["fr"], "TG": ["fr"], "TH": ["th"], "TJ": ["tg"], "TL": ["pt"],
    "TM": ["tk"], "TN": ["ar"], "TR": ["tr"], "TW": ["zh_TW"], "TZ": ["sw"],
    "UA": ["uk"], "UY": ["es"], "UZ": ["uz"], "VA": ["it"], "VE": ["es"],
    "VN": ["vi"], "VU": ["bi", "fr"], "WF": ["fr"], "YE": ["ar"],
    "YT": ["fr"], "ZA": ["af", "zu", "xh"],
}

# Words that an entry must not fold to: a query holding one would expand
# to a country or an organisation. Dotted acronyms lose their dots first,
# as in the engine's analyser, so "U.S." folds to "us" and is refused.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be been
before being below between both but by can could did do does doing down
during each few for from further go had has have having he her here hers
him his how i if in into is it its itself just me may might mine more most
must my no nor not now of off oh ok on once one only or other our ours out
over own per same shall she should so some such than that the their theirs
them then there these they this those through to too under until up upon
us very via was we were what when where which while who whom why will with
would yes you your yours
""".split())

# Short ASCII entries (one or two letters) that may stand: forms common in
# running text. Anything else that short is refused, as are entries equal
# to an ISO alpha-3 code (many are English words: "can", "and", "are",
# "per"), except those listed here.
SHORT_OK = frozenset(["uk", "un", "eu", "g7"])
ALPHA3_OK = frozenset(["usa", "lao"])   # "Lao" is Laos' adjective too

ACRONYM = re.compile(r"(?<![^\W_])[a-z](?:\.[a-z])+\.?(?![^\W_])")


def _wordchar(c):
    return unicodedata.category(c)[0] in "LNM"


def fold(entry):
    """The form entries are compared in: marks stripped, case folded,
    dotted acronyms without their dots, words (runs of letters and
    digits, an apostrophe between letters joining) joined by one space.
    A simple stand-in for the engine's analysis, without stemming."""
    s = unicodedata.normalize("NFKD", entry)
    s = "".join(c for c in s if unicodedata.category(c)[0] != "M")
    s = unicodedata.normalize("NFKC", s).casefold().replace("\u2019", "'")
    s = ACRONYM.sub(lambda m: m.group(0).replace(".", ""), s)
    words, cur = [], []
    for i, c in enumerate(s):
        if _wordchar(c):
            cur.append(c)
        elif (c == "'" and cur and i + 1 < len(s) and s[i + 1].isalpha()):
            cur.append(c)
        elif cur:
            words.append("".join(cur))
            cur = []
    if cur:
        words.append("".join(cur))
    return " ".join(words)


def plural_fold(key):
    """fold() with a final 's or s dropped from each word, to warn of
    entries that stemming may join."""
    out = []
    for w in key.split(" "):
        if w.endswith("'s"):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return " ".join(out)


def escape(entry):
    return entry.replace("\\", "\\\\").replace(",", "\\,")


def split_entries(text):
    """Splits a group's text at unescaped commas; returns (entries, error),
    entries trimmed, error None or a message."""
    entries, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 == len(text) or text[i + 1] not in ",\\":
                return None, "column %d: '\\' must be followed by ',' or '\\'" % (i + 1)
            cur.append(text[i + 1])
            i += 2
            continue
        if c == ",":
            entries.append("".join(cur).strip(" \t\r\f\v"))
            cur = []
        else:
            cur.append(c)
        i += 1
    entries.append("".join(cur).strip(" \t\r\f\v"))
    return entries, None


# ---- inputs -------------------------------------------------------------------

def load_countries(path):
    with open(path, encoding="utf-8") as f:
        return sorted(json.load(f)["3166-1"], key=lambda e: e["alpha_2"])


def load_extra(path, codes):
    """Reads extra.txt: "XX: a, b" adds entries to country XX, "-XX: a, b"
    drops entries (compared after fold) from what iso-codes gives it, and
    "ORG: a, b" is a group of its own. Returns (add, drop, orgs)."""
    add, drop, orgs = {}, {}, []
    errors = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"\s*(-?)([A-Z]{2}|ORG)\s*:(.*)$", line)
            if not m:
                errors.append("%s:%d: expected 'XX:', '-XX:' or 'ORG:'" % (path, n))
                continue
            minus, key, rest = m.groups()
            entries, err = split_entries(rest)
            if err:
                errors.append("%s:%d: %s" % (path, n, err))
                continue
            if any(not e for e in entries):
                errors.append("%s:%d: empty entry" % (path, n))
                continue
            if key == "ORG":
                if minus:
                    errors.append("%s:%d: '-ORG' means nothing" % (path, n))
                else:
                    orgs.append(entries)
                continue
            if key not in codes:
                errors.append("%s:%d: %s is no ISO 3166-1 alpha-2 code" % (path, n, key))
                continue
            (drop if minus else add).setdefault(key, []).extend(entries)
    if errors:
        sys.exit("\n".join(errors))
    return add, drop, orgs


_catalogs = {}


def catalog(locale_dir, lang):
    if lang not in _catalogs:
        path = os.path.join(locale_dir, lang, "LC_MESSAGES", MO_NAME)
        try:
            with open(path, "rb") as f:
                _catalogs[lang] = gettext.GNUTranslations(f)
        except OSError:
            _catalogs[lang] = None
    return _catalogs[lang]


def iso_codes_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "iso-codes"],
                             capture_output=True, text=True, check=True).stdout
        return out.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ---- generating ---------------------------------------------------------------

def generate(iso_json, locale_dir, extra_path, version):
    countries = load_countries(iso_json)
    codes = {e["alpha_2"] for e in countries}
    add, drop, orgs = load_extra(extra_path, codes)
    out = [
        "# attache's bundled gazetteer: one synonym group a line (README.md).",
        "# Generated by make_gazetteer.py from iso-codes %s (LGPL-2.1+) and" % version,
        "# extra.txt: edit those, not this file.",
        "",
    ]
    for e in countries:
        cc = e["alpha_2"]
        entries = [e["name"]]
        for k in ("common_name", "official_name"):
            if k in e:
                entries.append(e[k])
        have = {fold(x) for x in entries}
        for x in add.get(cc, []):
            if fold(x) in have:
                print("warning: %s: %s: %r is already in the group"
                      % (extra_path, cc, x), file=sys.stderr)
            have.add(fold(x))
            entries.append(x)
        for lang in LANGS.get(cc, []):
            cat = catalog(locale_dir, lang)
            if cat is None:
                continue
            for k in ("name", "common_name"):
                if k in e:
                    t = cat.gettext(e[k]).strip()
                    if t and t != e[k]:
                        entries.append(t)
        dropped = {fold(x) for x in drop.get(cc, [])}
        out.append("# " + cc)
        out.append(", ".join(escape(x) for x in unique(entries, dropped)))
    out.append("")
    out.append("# organisations")
    for g in orgs:
        out.append(", ".join(escape(x) for x in unique(g, set())))
    return "\n".join(out) + "\n"


def unique(entries, dropped):
    seen, kept = set(dropped), []
    for x in entries:
        k = fold(x)
        if k and k not in seen:
            seen.add(k)
            kept.append(x)
    return kept


# ---- checking -----------------------------------------------------------------

def check(text, name, iso_json=None, warn=True):
    """Validates synonym file TEXT; returns the list of errors, and prints
    warnings (with WARN) to stderr. With ISO_JSON, entries equal to an ISO
    alpha-2 or alpha-3 code are refused, and a file with '# XX' code
    comments must have one group under each code, in order, for all of
    them."""
    errors, warnings = [], []
    alpha = set()
    all_codes = []
    if iso_json and os.path.exists(iso_json):
        cs = load_countries(iso_json)
        all_codes = [e["alpha_2"] for e in cs]
        alpha = {e["alpha_2"].lower() for e in cs} | {e["alpha_3"].lower() for e in cs}
    owner = {}      # fold -> (line, entry)
    plural = {}     # plural_fold -> (group line, entry)
    groups = 0
    nentries = 0
    codes_seen = []
    pending = None  # a '# XX' comment waiting for its group
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    for n, line in enumerate(lines, 1):
        where = "%s:%d" % (name, n)
        s = line.strip(" \t\r\f\v")
        if not s:
            continue
        if s.startswith("#"):
            m = re.fullmatch(r"#\s*([A-Z]{2})", s)
            if m:
                if pending is not None:
                    errors.append("%s: no group under '# %s'" % (where, pending))
                pending = m.group(1)
                codes_seen.append(pending)
            continue
        pending = None
        entries, err = split_entries(line)
        if err:
            errors.append("%s: %s" % (where, err))
            continue
        groups += 1
        if any(not e for e in entries):
            errors.append("%s: empty entry" % where)
        entries = [e for e in entries if e]
        nentries += len(entries)
        if len(entries) < 2:
            errors.append("%s: a group needs two entries or more" % where)
        mine = set()
        for e in entries:
            k = fold(e)
            if not k:
                errors.append("%s: %r has no word" % (where, e))
                continue
            if k in STOP_WORDS:
                errors.append("%s: %r folds to the common word %r" % (where, e, k))
            elif re.fullmatch(r"[a-z0-9]{1,2}", k) and k not in SHORT_OK:
                errors.append("%s: %r is too short" % (where, e))
            elif k in alpha and k not in ALPHA3_OK and k not in SHORT_OK:
                errors.append("%s: %r is an ISO 3166-1 code" % (where, e))
            if k in mine:
                warnings.append("%s: %r twice in the group" % (where, e))
                continue
            mine.add(k)
            if k in owner:
                errors.append("%s: %r is also in the group of line %d (%r)"
                              % (where, e, owner[k][0], owner[k][1]))
            else:
                owner[k] = (n, e)
        for k in sorted(mine):
            p = plural_fold(k)
            if p in plural and plural[p][0] != n and plural[p][1] != k:
                warnings.append("%s: %r may stem like %r of line %d"
                                % (where, k, plural[p][1], plural[p][0]))
            else:
                plural.setdefault(p, (n, k))
    if pending is not None:
        errors.append("%s: no group under '# %s'" % (name, pending))
    if codes_seen:
        if codes_seen != sorted(codes_seen) or len(set(codes_seen)) != len(codes_seen):
            errors.append("%s: the '# XX' codes are not sorted and unique" % name)
        if all_codes:
            missing = sorted(set(all_codes) - set(codes_seen))
            unknown = sorted(set(codes_seen) - set(all_codes))
            if missing:
                errors.append("%s: no group for %s" % (name, " ".join(missing)))
            if unknown:
                errors.append("%s: unknown codes %s" % (name, " ".join(unknown)))
    if warn:
        for w in warnings:
            print("warning: " + w, file=sys.stderr)
    return errors, groups, nentries


def overlaps(text):
    """Entries of two words or more whose words run, in order, inside an
    entry of another group ("Republic of Korea" in "Democratic People's
    Republic of Korea"): a query for the first group then also matches
    text about the second. Returns lines to print."""
    groups = []
    for line in text.split("\n"):
        s = line.strip()
        if s and not s.startswith("#"):
            entries, err = split_entries(line)
            if not err:
                groups.append([fold(e) for e in entries if e and fold(e)])
    out = []
    for i, g in enumerate(groups):
        for k in g:
            if " " not in k:
                continue
            for j, h in enumerate(groups):
                if j == i:
                    continue
                for other in h:
                    if other != k and (" " + k + " ") in (" " + other + " "):
                        out.append("%r (group of %r) runs inside %r (group of %r)"
                                   % (k, g[0], other, h[0]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "gazetteer.txt"),
                    help="the file to write ('-': standard output)")
    ap.add_argument("--check", metavar="FILE",
                    help="validate the synonym file FILE instead of generating")
    ap.add_argument("--overlaps", metavar="FILE",
                    help="list multi-word entries of FILE that run inside"
                         " another group's entry")
    ap.add_argument("--iso-json", default=ISO_JSON)
    ap.add_argument("--locale-dir", default=LOCALE_DIR)
    ap.add_argument("--extra", default=os.path.join(HERE, "extra.txt"))
    args = ap.parse_args()

    if args.overlaps:
        with open(args.overlaps, encoding="utf-8") as f:
            for line in overlaps(f.read()):
                print(line)
        return

    if args.check:
        with open(args.check, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            sys.exit("%s: invalid UTF-8 at byte %d" % (args.check, exc.start + 1))
        if text.startswith("\ufeff"):
            text = text[1:]
        errors, groups, n = check(text, args.check, args.iso_json)
        for e in errors:
            print(e, file=sys.stderr)
        print("%s: %d groups, %d entries, %d errors" % (args.check, groups, n, len(errors)))
        sys.exit(1 if errors else 0)

    text = generate(args.iso_json, args.locale_dir, args.extra, iso_codes_version())
    errors, groups, n = check(text, "(generated)", args.iso_json)
    if errors:
        sys.exit("\n".join(errors) + "\nnot written: %d errors" % len(errors))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        tmp = args.output + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.output)
        print("%s: %d groups, %d entries" % (args.output, groups, n), file=sys.stderr)


if __name__ == "__main__":
    main()
