/*
 * analyzer.c: from text to terms, the same at index and at query time.
 *
 * One pass over the bytes does everything: it splits words, turns each
 * into a term (normalised, then stemmed), and tracks sentence boundaries,
 * calling the caller back once per kept token. Nothing is allocated per
 * token: the analyzer owns a small normalisation buffer and a stem cache
 * that every call reuses.
 *
 * Words. A word is a run of letters, digits and combining marks (Unicode
 * categories L*, N*, M*, looked up with utf8proc_category; ASCII bytes go
 * through a table). Inside a run, three things join instead of split:
 *   - an apostrophe (' or U+2019) with a letter on each side, so
 *     "Pakistan's" and "don't" are one word (U+2019 becomes ' first);
 *   - one '.' or ',' with a digit on each side, so "2.5", "1,500" and
 *     "192.168.0.1" are one word (kept as written: "1,500" is not 1500);
 *   - a format character such as a soft hyphen or a zero-width joiner,
 *     which normalisation then drops.
 * Everything else splits: hyphens, slashes, '$', '%', '_'. Letters and
 * digits mix freely, so "7th" and "$1.13bn" give "7th" and "1.13bn". A
 * dotted acronym, two or more single ASCII letters each followed by a
 * dot (the last dot optional), is one word spelled without its dots:
 * "U.S." gives "us" and "e.g." gives "eg"; the token's span includes the
 * final dot. Han ideographs and kana are one word each, since those
 * scripts do not separate words with spaces.
 *
 * Terms. A word with only ASCII bytes (U+2019 apostrophes allowed) is
 * lowercased in place, without utf8proc; one of letters and digits only,
 * most words, is lowered and hashed for the stem cache by the same loop
 * that finds its end. Any other word goes through
 * utf8proc_decompose_custom into a reusable buffer with NFKC, case
 * folding, mark stripping and default-ignorable removal, so "Erdoğan",
 * "ﬁnance" and "TÜRKIYE" become "erdogan", "finance" and "turkiye".
 * Mark stripping also removes the vowel signs of Indic scripts; that
 * loses distinctions but is applied alike to documents and queries. A
 * word whose normalised form is longer than ATT_MAX_TERM bytes, or whose
 * raw form is longer than MAX_RAW bytes (checked before any work, so a
 * megabyte of letters costs one scan), is skipped and takes no position.
 * Words with a digit are not stemmed; the rest go to the Snowball
 * stemmer through a cache keyed by the normalised word: CACHE_SLOTS
 * entries of one 64-byte line each (words and stems up to 31 bytes;
 * longer ones bypass it), two ways to a set, the most recently used
 * first. Snowball is most of the cost of analysis, and news text repeats
 * its words: on the BBC sample a direct-mapped cache of 4,096 slots
 * missed about 18% of lookups and ran at 82 MB/s, 16,384 slots (1 MiB
 * per analyzer) missed about 8% and ran at 109 MB/s; two ways of the
 * same 16,384 slots miss 5.7% (49,129 stems for 861,471 words, where
 * direct mapping needed 74,208).
 *
 * Sentences. A sentence ends:
 *   - at '.', '!', '?' or U+2026 (a run of them, then any closing quotes
 *     or brackets) when whitespace follows and then an uppercase or
 *     caseless letter, a digit, an opening quote or bracket, or the end
 *     of the text;
 *   - at a blank line (two newlines with only spaces, tabs or CRs
 *     between) or U+2029;
 *   - at U+3002, U+FF01 or U+FF1F, whatever follows.
 * A single '.' right after a word in the TITLES list ("Mr", "Dr", "vs")
 * never ends a sentence. After a word in the WEAK list ("Inc", "etc",
 * "Jan"), a single capital letter ("J. Smith") or a dotted acronym
 * ("U.S."), it ends one only if the next word is one of a few common
 * sentence openers ("The", "It", "They", ...) or the text ends: so "U.S.
 * officials" and "U.S. President" stay one sentence while "in the U.S.
 * The next day" is two. A new sentence begins at the first non-space
 * byte after the end (an opening quote belongs to it); the first one at
 * the first non-space byte of the text. Ends with no token in between
 * count once. Every token carries its sentence's number and start
 * offset; sentence_start marks the first token of each.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "format.h"
#include "stemmer.h"

#define MAX_RAW (4 * ATT_MAX_TERM) /* longest raw word normalised */
#define CACHE_SLOTS 16384          /* a power of two: 1 MiB */
#define CACHE_WORD 31              /* longest word or stem cached */
#define UCS_INIT 512               /* code points in the initial buffer */

#define NORM_OPTS                                                        \
	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |         \
	 UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

/* What a code point is to the tokenizer. */
enum kind {
	K_OTHER,  /* punctuation, symbols, controls: splits words */
	K_SPACE,  /* whitespace */
	K_LETTER,
	K_DIGIT,
	K_MARK,   /* combining mark: continues a word */
	K_IDEO,   /* Han or kana: a word by itself */
	K_JOINER, /* format character inside a word, dropped later */
	K_BAD     /* invalid UTF-8 or end of text */
};

/* Flags a word collects while it is scanned. */
#define W_NONASCII 1u /* needs utf8proc */
#define W_CURLY 2u    /* has U+2019 (and is otherwise ASCII) */
#define W_DIGIT 4u    /* has a digit: not stemmed */
#define W_ACRONYM 8u  /* dotted acronym: dots are dropped */
#define W_READY 16u   /* ASCII letters and digits only, already lowered
                       * into a->norm and hashed by word_end */

/* What a word before a '.' says about the dot. */
enum abbrev { A_NONE, A_WEAK, A_TITLE };

static const uint8_t ascii_kind[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, /* \t \n \v \f \r */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* space */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, /* 0-9 */
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* A-O */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, /* P-Z */
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* a-o */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, /* p-z */
};

/* Each ASCII letter and digit as a term holds it (letters lowered: an
 * ASCII letter or digit ORed with 0x20); every other byte 0. */
#define WL(c) [c] = (c) | 0x20
#define WL4(c) WL(c), WL((c) + 1), WL((c) + 2), WL((c) + 3)
static const uint8_t word_lower[256] = {
	WL4('0'), WL4('4'), WL('8'), WL('9'),
	WL4('A'), WL4('E'), WL4('I'), WL4('M'), WL4('Q'), WL4('U'), WL('Y'), WL('Z'),
	WL4('a'), WL4('e'), WL4('i'), WL4('m'), WL4('q'), WL4('u'), WL('y'), WL('z'),
};
#undef WL4
#undef WL

static const char *const TITLES[] = {
	"Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt",
	"Col", "Capt", "Sgt", "Maj", "Adm", "Brig", "Rev", "Hon", "Messrs",
	"Mt", "vs", NULL
};

static const char *const WEAK[] = {
	"St", "Jr", "Sr", "etc", "Inc", "Ltd", "Co", "Corp", "Bros", "No",
	"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
	"Nov", "Dec", NULL
};

static const char *const OPENERS[] = {
	"The", "A", "An", "It", "Its", "He", "She", "They", "We", "I", "This",
	"That", "These", "There", "But", "And", "In", "On", "At", "His",
	"Her", "Their", "However", "After", NULL
};

/* ISO 639 codes libstemmer accepts, for the canonical name. */
static const char *const ALIASES[][2] = {
	{ "ar", "arabic" }, { "ara", "arabic" }, { "hy", "armenian" },
	{ "hye", "armenian" }, { "arm", "armenian" }, { "eu", "basque" },
	{ "eus", "basque" }, { "baq", "basque" }, { "ca", "catalan" },
	{ "cat", "catalan" }, { "da", "danish" }, { "dan", "danish" },
	{ "nl", "dutch" }, { "dut", "dutch" }, { "nld", "dutch" },
	{ "en", "english" }, { "eng", "english" }, { "fi", "finnish" },
	{ "fin", "finnish" }, { "fr", "french" }, { "fre", "french" },
	{ "fra", "french" }, { "de", "german" }, { "ger", "german" },
	{ "deu", "german" }, { "el", "greek" }, { "gre", "greek" },
	{ "ell", "greek" }, { "hi", "hindi" }, { "hin", "hindi" },
	{ "hu", "hungarian" }, { "hun", "hungarian" }, { "id", "indonesian" },
	{ "ind", "indonesian" }, { "ga", "irish" }, { "gle", "irish" },
	{ "it", "italian" }, { "ita", "italian" }, { "lt", "lithuanian" },
	{ "lit", "lithuanian" }, { "ne", "nepali" }, { "nep", "nepali" },
	{ "no", "norwegian" }, { "nor", "norwegian" }, { "pt", "portuguese" },
	{ "por", "portuguese" }, { "ro", "romanian" }, { "rum", "romanian" },
	{ "ron", "romanian" }, { "ru", "russian" }, { "rus", "russian" },
	{ "sr", "serbian" }, { "srp", "serbian" }, { "es", "spanish" },
	{ "esl", "spanish" }, { "spa", "spanish" }, { "sv", "swedish" },
	{ "swe", "swedish" }, { "ta", "tamil" }, { "tam", "tamil" },
	{ "tr", "turkish" }, { "tur", "turkish" }, { "yi", "yiddish" },
	{ "yid", "yiddish" }, { NULL, NULL }
};

/* One cache entry: a normalised word and its stem, one cache line. */
struct cache_slot {
	uint8_t klen; /* 0: empty */
	uint8_t slen;
	char key[CACHE_WORD];
	char stem[CACHE_WORD];
};

struct att_analyzer {
	struct sb_stemmer *stemmer; /* NULL for "none" */
	struct cache_slot *cache;   /* CACHE_SLOTS, NULL for "none" */
	utf8proc_int32_t *ucs;      /* normalisation scratch */
	size_t ucs_cap;             /* its size in code points */
	char lang[32];
	char norm[MAX_RAW];         /* the current normalised word */
};

/* The state of one att_analyze call. */
struct scan {
	att_analyzer *a;
	const uint8_t *p;
	size_t n;
	size_t i;            /* next byte to look at */
	uint64_t pos;        /* position of the next token */
	uint32_t sentence;   /* current sentence number */
	int started;         /* a token has been delivered */
	int pending;         /* the next token begins a sentence */
	size_t pending_off;  /* where that sentence begins */
	size_t sentence_off; /* where the current sentence began */
	size_t word_start;   /* the last word scanned, kept or not */
	size_t word_end;
	size_t bad;          /* offset of invalid UTF-8, if rc says so */
	int bad_set;
	att_token_fn fn;
	void *ctx;
};

/* ---- characters --------------------------------------------------------- */

static int is_ideograph(int32_t cp)
{
	return (cp >= 0x3040 && cp <= 0x30FF) ||  /* hiragana, katakana */
	    (cp >= 0x31F0 && cp <= 0x31FF) ||     /* katakana extension */
	    (cp >= 0x3400 && cp <= 0x4DBF) ||     /* Han extension A */
	    (cp >= 0x4E00 && cp <= 0x9FFF) ||     /* Han */
	    (cp >= 0xF900 && cp <= 0xFAFF) ||     /* compatibility */
	    (cp >= 0xFF66 && cp <= 0xFF9F) ||     /* half-width kana */
	    (cp >= 0x20000 && cp <= 0x3FFFF);     /* Han extensions B.. */
}

static enum kind cp_kind(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
		return K_LETTER;
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return is_ideograph(cp) ? K_IDEO : K_LETTER;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return K_MARK;
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return K_DIGIT;
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return K_SPACE;
	case UTF8PROC_CATEGORY_CF:
		/* soft hyphen, ZWNJ, ZWJ, word joiner; ZWSP separates */
		return cp == 0xAD || cp == 0x200C || cp == 0x200D ||
		    cp == 0x2060 ? K_JOINER : K_OTHER;
	default:
		return K_OTHER;
	}
}

/* The kind of the character at I, its code point and byte length. At
 * the end of the text or on invalid UTF-8, K_BAD with *LEN 0. */
static enum kind kind_at(int32_t *cp, size_t *len, const uint8_t *p,
                         size_t n, size_t i)
{
	if (i >= n) {
		*cp = -1;
		*len = 0;
		return K_BAD;
	}
	if (p[i] < 0x80) {
		*cp = p[i];
		*len = 1;
		return (enum kind)ascii_kind[p[i]];
	}
	*len = att_utf8_decode(cp, p + i, p + n);
	if (*len == 0) {
		*cp = -1;
		return K_BAD;
	}
	return cp_kind(*cp);
}

static int is_wordish(enum kind k)
{
	return k == K_LETTER || k == K_DIGIT || k == K_MARK || k == K_IDEO;
}

/* The first byte at or after I that is not whitespace. */
static size_t skip_space(const uint8_t *p, size_t n, size_t i)
{
	int32_t cp;
	size_t len;

	while (i < n) {
		if (p[i] < 0x80) {
			if (ascii_kind[p[i]] != K_SPACE)
				break;
			i++;
		} else if (kind_at(&cp, &len, p, n, i) == K_SPACE) {
			i += len;
		} else {
			break;
		}
	}
	return i;
}

/* ---- words -------------------------------------------------------------- */

/* If a dotted acronym ("U.S.", "e.g", "U.S.A.") starts at I, returns
 * its end (after the final dot, if any); otherwise 0. */
static size_t acronym_end(const uint8_t *p, size_t n, size_t i)
{
	size_t letters = 0, len;
	int32_t cp;

	while (i + 1 < n && p[i] < 0x80 && ascii_kind[p[i]] == K_LETTER &&
	       p[i + 1] == '.') {
		letters++;
		i += 2;
	}
	if (letters == 0)
		return 0;
	if (i < n && p[i] < 0x80 && ascii_kind[p[i]] == K_LETTER &&
	    !is_wordish(kind_at(&cp, &len, p, n, i + 1))) {
		letters++;
		i++;
	}
	if (letters < 2 || is_wordish(kind_at(&cp, &len, p, n, i)))
		return 0;
	return i;
}

/* If the character at I (an apostrophe, '.' or ',') joins the word whose
 * last letter or digit was of kind PREV, returns its length; else 0. */
static size_t joiner_len(const uint8_t *p, size_t n, size_t i,
                         enum kind prev)
{
	size_t len = 0, next_len;
	int32_t cp;
	enum kind next;

	if (p[i] == '\'')
		len = 1;
	else if (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
	         p[i + 2] == 0x99)
		len = 3;
	if (len > 0) {
		next = kind_at(&cp, &next_len, p, n, i + len);
		return prev == K_LETTER && next == K_LETTER ? len : 0;
	}
	if (p[i] == '.' || p[i] == ',') {
		next = kind_at(&cp, &next_len, p, n, i + 1);
		return prev == K_DIGIT && next == K_DIGIT ? 1 : 0;
	}
	return 0;
}

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

/* The cache's hash of a normalised word: FNV-1a, its high bits folded. */
static uint32_t hash_word(const char *w, size_t n)
{
	uint32_t h = FNV_BASIS;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)w[i]) * FNV_PRIME;
	return h ^ h >> 16;
}

/* Scans the word starting at I (a word character); returns its end and
 * ORs what it saw into *FLAGS. A word of ASCII letters and digits only
 * (most words) is also lowered into NORM (MAX_RAW bytes) and hashed
 * (hash_word) into *HASH on the way, and gets W_READY. */
static size_t word_end(unsigned *flags, uint32_t *hash, char *norm,
                       const uint8_t *p, size_t n, size_t i)
{
	size_t start = i, lim = n - i > MAX_RAW ? i + MAX_RAW : n, len, run;
	enum kind k, prev = K_OTHER;
	unsigned f = 0; /* *FLAGS in a register: P's bytes may alias it */
	uint32_t h = FNV_BASIS;
	uint8_t c, all = 0xFF;
	int32_t cp;

	while (i < lim && (c = word_lower[p[i]]) != 0) {
		norm[i - start] = (char)c;
		h = (h ^ c) * FNV_PRIME;
		all &= c; /* bit 0x40: set in every letter, in no digit */
		i++;
	}
	if (!(all & 0x40))
		f |= W_DIGIT;
	run = i;
	if (i > start)
		prev = (enum kind)ascii_kind[p[i - 1]];
	while (i < n) {
		if (p[i] < 0x80 && ascii_kind[p[i]] >= K_LETTER) {
			/* the common case, an ASCII letter or digit, in short:
			 * ascii_kind has no kind above K_DIGIT */
			prev = (enum kind)ascii_kind[p[i]];
			f |= prev == K_DIGIT ? W_DIGIT : 0;
			i++;
			continue;
		}
		k = kind_at(&cp, &len, p, n, i);
		if (k == K_LETTER || k == K_DIGIT) {
			prev = k;
		} else if (k == K_IDEO) {
			if (i == start) {
				f |= W_NONASCII;
				i += len;
			}
			break;
		} else if (k == K_MARK || (k == K_JOINER && i > start)) {
			/* continues the word; PREV stays */
		} else if (k == K_OTHER) {
			len = joiner_len(p, n, i, prev);
			if (len == 0)
				break;
			f |= len == 3 ? W_CURLY : 0;
			i += len;
			continue;
		} else {
			break;
		}
		if (k == K_DIGIT)
			f |= W_DIGIT;
		if (cp >= 0x80)
			f |= W_NONASCII;
		i += len;
	}
	if (i == run && run > start) { /* nothing past the fast run */
		f |= W_READY;
		*hash = h ^ h >> 16;
	}
	*flags |= f;
	return i;
}

/* ---- terms -------------------------------------------------------------- */

static utf8proc_int32_t map_apostrophe(utf8proc_int32_t cp, void *data)
{
	(void)data;
	return cp == 0x2019 ? '\'' : cp;
}

/* Normalises the non-ASCII word [W, W+N) into a->norm and sets *LEN;
 * *LEN is ATT_MAX_TERM + 1 if the result is too long. */
static int normalise(size_t *len, att_analyzer *a, const uint8_t *w, size_t n)
{
	utf8proc_ssize_t r;
	utf8proc_int32_t *bigger;
	size_t cap;

	*len = 0;
	for (;;) {
		r = utf8proc_decompose_custom(w, (utf8proc_ssize_t)n, a->ucs,
		                              (utf8proc_ssize_t)a->ucs_cap,
		                              NORM_OPTS, map_apostrophe, NULL);
		if (r < 0)
			return ATT_OK; /* not on valid input; no term */
		if ((size_t)r < a->ucs_cap) /* reencode needs one spare */
			break;
		cap = (size_t)r * 2;
		bigger = att_realloc(a->ucs, cap * sizeof *a->ucs);
		if (bigger == NULL)
			return ATT_ENOMEM;
		a->ucs = bigger;
		a->ucs_cap = cap;
	}
	r = utf8proc_reencode(a->ucs, r, NORM_OPTS);
	if (r < 0)
		return ATT_OK;
	if ((size_t)r > ATT_MAX_TERM) {
		*len = ATT_MAX_TERM + 1;
		return ATT_OK;
	}
	memcpy(a->norm, a->ucs, (size_t)r);
	*len = (size_t)r;
	return ATT_OK;
}

/* Lowercases the ASCII word [W, W+N) into a->norm, turning U+2019 into
 * ' and dropping the dots of an acronym; returns the length, and its
 * hash_word in *HASH. */
static size_t lower_ascii(uint32_t *hash, att_analyzer *a, const uint8_t *w,
                          size_t n, unsigned flags)
{
	size_t i, o = 0;
	uint32_t h = FNV_BASIS;
	uint8_t c;

	if (!(flags & (W_CURLY | W_ACRONYM))) {
		/* letters and digits only: one pass lowers and hashes */
		for (i = 0; i < n; i++) {
			c = w[i];
			c = (uint8_t)(c + ((unsigned)(c - 'A') < 26 ? 'a' - 'A' : 0));
			a->norm[i] = (char)c;
			h = (h ^ c) * FNV_PRIME;
		}
		*hash = h ^ h >> 16;
		return n;
	}
	for (i = 0; i < n; i++) {
		c = w[i];
		if (c >= 'A' && c <= 'Z') {
			c = (uint8_t)(c + ('a' - 'A'));
		} else if (c == 0xE2) { /* U+2019, the only non-ASCII here */
			c = '\'';
			i += 2;
		} else if (c == '.' && (flags & W_ACRONYM)) {
			continue;
		}
		a->norm[o++] = (char)c;
	}
	*hash = hash_word(a->norm, o);
	return o;
}

/* Stems a->norm[0..LEN), whose hash_word is HASH, through the cache;
 * *TERM and *TLEN get the stem (*TLEN is 0 if there is none to keep). */
static int stem(const char **term, size_t *tlen, att_analyzer *a, size_t len,
                uint32_t hash)
{
	struct cache_slot *slot = NULL;
	const sb_symbol *r;
	int rlen;

	if (len <= CACHE_WORD) {
		slot = &a->cache[(hash & (CACHE_SLOTS / 2 - 1)) * 2];
		if (slot[0].klen == len && memcmp(slot[0].key, a->norm, len) == 0) {
			*term = slot[0].stem;
			*tlen = slot[0].slen;
			return ATT_OK;
		}
		if (slot[1].klen == len && memcmp(slot[1].key, a->norm, len) == 0) {
			struct cache_slot t = slot[1];

			slot[1] = slot[0];
			slot[0] = t;
			*term = slot[0].stem;
			*tlen = slot[0].slen;
			return ATT_OK;
		}
		slot[1] = slot[0]; /* the older way goes; slot[0] is filled below */
		slot[0].klen = 0;
	}
	r = sb_stemmer_stem(a->stemmer, (const sb_symbol *)a->norm, (int)len);
	if (r == NULL)
		return ATT_ENOMEM;
	rlen = sb_stemmer_length(a->stemmer);
	if (rlen <= 0 || rlen > ATT_MAX_TERM)
		return ATT_OK;
	if (slot != NULL && rlen <= CACHE_WORD) {
		slot->klen = (uint8_t)len;
		slot->slen = (uint8_t)rlen;
		memcpy(slot->key, a->norm, len);
		memcpy(slot->stem, r, (size_t)rlen);
	}
	*term = (const char *)r;
	*tlen = (size_t)rlen;
	return ATT_OK;
}

/* The term for the word [W, W+N) scanned with FLAGS (and HASH, if it
 * has W_READY); *TLEN is 0 if the word yields none (too long, or nothing
 * left after normalisation). */
static int make_term(const char **term, size_t *tlen, att_analyzer *a,
                     const uint8_t *w, size_t n, unsigned flags,
                     uint32_t hash)
{
	size_t len;
	int rc;

	*tlen = 0;
	if (n > MAX_RAW)
		return ATT_OK;
	if (flags & W_READY) {
		len = n; /* word_end lowered it into a->norm */
	} else if (flags & W_NONASCII) {
		rc = normalise(&len, a, w, n);
		if (rc != ATT_OK)
			return rc;
		if (len <= ATT_MAX_TERM)
			hash = hash_word(a->norm, len);
	} else {
		len = lower_ascii(&hash, a, w, n, flags);
	}
	if (len == 0 || len > ATT_MAX_TERM)
		return ATT_OK;
	if (a->stemmer == NULL || (flags & W_DIGIT)) {
		*term = a->norm;
		*tlen = len;
		return ATT_OK;
	}
	return stem(term, tlen, a, len, hash);
}

/* ---- sentences ---------------------------------------------------------- */

/* Notes that a sentence has ended; the next begins at the first
 * non-space byte from I on. Ends with no token between count once. */
static void sentence_break(struct scan *s, size_t i)
{
	if (s->pending)
		return;
	s->pending = 1;
	s->pending_off = skip_space(s->p, s->n, i);
}

/* The length of a sentence terminator at I (. ! ? U+2026), or 0. */
static size_t terminator_len(const uint8_t *p, size_t n, size_t i)
{
	if (p[i] == '.' || p[i] == '!' || p[i] == '?')
		return 1;
	if (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] == 0xA6)
		return 3;
	return 0;
}

/* The length of a closing quote or bracket at I, or 0. */
static size_t closer_len(const uint8_t *p, size_t n, size_t i)
{
	int32_t cp;
	size_t len;

	kind_at(&cp, &len, p, n, i);
	switch (cp) {
	case '"': case '\'': case ')': case ']': case '}':
	case 0x2019: case 0x201D: case 0xBB: case 0x203A:
		return len;
	default:
		return 0;
	}
}

/* Whether the character at K may begin a sentence: an uppercase or
 * caseless letter, a digit, or an opening quote or bracket. */
static int may_begin(const uint8_t *p, size_t n, size_t k)
{
	int32_t cp;
	size_t len;
	utf8proc_category_t cat;

	if (kind_at(&cp, &len, p, n, k) == K_BAD)
		return 0;
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
		    cp == '"' || cp == '\'' || cp == '(' || cp == '[';
	if (cp == 0x201C || cp == 0x2018 || cp == 0x201E || cp == 0xAB ||
	    cp == 0x2039)
		return 1;
	cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
	    cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_ND;
}

/* Whether [W, W+N) is one of the NULL-terminated LIST, case-sensitive. */
static int in_list(const char *const *list, const uint8_t *w, size_t n)
{
	if (n == 0)
		return 0;
	for (; *list != NULL; list++) {
		if ((*list)[0] == w[0] && strlen(*list) == n &&
		    memcmp(*list, w, n) == 0)
			return 1;
	}
	return 0;
}

/* Whether an ASCII word from OPENERS starts at K. */
static int opener_at(const uint8_t *p, size_t n, size_t k)
{
	size_t e = k, len;
	int32_t cp;

	while (e < n && p[e] < 0x80 && ascii_kind[p[e]] == K_LETTER)
		e++;
	if (is_wordish(kind_at(&cp, &len, p, n, e)))
		return 0;
	return in_list(OPENERS, p + k, e - k);
}

/* What the word [W, W+N) says about a '.' right after it. */
static enum abbrev abbrev_of(const uint8_t *w, size_t n)
{
	int32_t cp;
	size_t len;

	if (in_list(TITLES, w, n))
		return A_TITLE;
	if (in_list(WEAK, w, n))
		return A_WEAK;
	if (kind_at(&cp, &len, w, n, 0) == K_LETTER && len == n &&
	    utf8proc_category(cp) == UTF8PROC_CATEGORY_LU)
		return A_WEAK; /* an initial, as in "J. Smith" */
	return A_NONE;
}

/*
 * Looks at the terminator at AT and what follows, and notes a sentence
 * end if the rules in the opening comment say so. AB is what the word
 * before AT says about a '.' (A_NONE if no word is right before it).
 * Returns the offset after the terminators and closing quotes.
 */
static size_t sentence_end(struct scan *s, size_t at, enum abbrev ab)
{
	const uint8_t *p = s->p;
	size_t n = s->n, i = at, len, k, run = 0;
	int32_t cp;

	while (i < n && (len = terminator_len(p, n, i)) > 0) {
		i += len;
		run++;
	}
	while (i < n && (len = closer_len(p, n, i)) > 0)
		i += len;
	if (i < n && kind_at(&cp, &len, p, n, i) != K_SPACE)
		return i;
	k = skip_space(p, n, i);
	if (k < n && !may_begin(p, n, k))
		return i;
	if (run == 1 && p[at] == '.' && ab != A_NONE) {
		if (ab == A_TITLE || (k < n && !opener_at(p, n, k)))
			return i;
	}
	sentence_break(s, k);
	return i;
}

/* After a newline at I - 1: a blank line ends the sentence. */
static void paragraph(struct scan *s, size_t i)
{
	while (i < s->n && (s->p[i] == ' ' || s->p[i] == '\t' ||
	                    s->p[i] == '\r' || s->p[i] == '\f' ||
	                    s->p[i] == '\v'))
		i++;
	if (i < s->n && s->p[i] == '\n')
		sentence_break(s, i);
}

/* ---- the scan ----------------------------------------------------------- */

/* Turns the word [START, END) into a token and delivers it. */
static int emit(struct scan *s, size_t start, size_t end, unsigned flags,
                uint32_t hash)
{
	att_token tok;
	const char *term = NULL;
	size_t tlen;
	int rc;

	rc = make_term(&term, &tlen, s->a, s->p + start, end - start, flags,
	               hash);
	if (rc != ATT_OK || tlen == 0)
		return rc;
	if (s->pos > UINT32_MAX)
		return ATT_ELIMIT;
	tok.sentence_start = s->pending;
	if (s->pending) {
		if (s->started)
			s->sentence++;
		s->sentence_off = s->pending_off;
		s->pending = 0;
	}
	tok.term = term;
	tok.term_len = tlen;
	tok.pos = (uint32_t)s->pos++;
	tok.start = start;
	tok.end = end;
	tok.sentence = s->sentence;
	tok.sentence_off = s->sentence_off;
	s->started = 1;
	return s->fn(s->ctx, &tok);
}

/* Scans the word at s->i, delivers it, and moves past it. */
static int word(struct scan *s)
{
	size_t start = s->i, end;
	unsigned flags = 0;
	uint32_t hash = 0;
	enum abbrev ab;
	int rc;

	end = acronym_end(s->p, s->n, start);
	if (end > 0)
		flags = W_ACRONYM;
	else
		end = word_end(&flags, &hash, s->a->norm, s->p, s->n, start);
	s->word_start = start;
	s->word_end = end;
	s->i = end;
	rc = emit(s, start, end, flags, hash);
	if (rc == 0 && (flags & W_ACRONYM) && s->p[end - 1] == '.') {
		ab = A_WEAK;
		if (end - start == 4 && (memcmp(s->p + start, "e.g.", 4) == 0 ||
		                         memcmp(s->p + start, "i.e.", 4) == 0))
			ab = A_TITLE;
		s->i = sentence_end(s, end - 1, ab);
	}
	return rc;
}

/* Handles the non-ASCII character at s->i. */
static int unicode_step(struct scan *s)
{
	int32_t cp;
	size_t len;
	enum kind k = kind_at(&cp, &len, s->p, s->n, s->i);

	if (k == K_BAD) {
		s->bad = s->i;
		s->bad_set = 1;
		return ATT_EUTF8;
	}
	if (is_wordish(k))
		return word(s);
	if (cp == 0x2026) {
		s->i = sentence_end(s, s->i, A_NONE);
		return ATT_OK;
	}
	if (cp == 0x2029 || cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F)
		sentence_break(s, s->i + len);
	s->i += len;
	return ATT_OK;
}

/* The main loop: words, terminators, newlines; other bytes are skipped. */
static int scan_text(struct scan *s)
{
	const uint8_t *p = s->p;
	enum abbrev ab;
	uint8_t c;
	int rc;

	while (s->i < s->n) {
		c = p[s->i];
		if (c >= 0x80) {
			rc = unicode_step(s);
		} else if (ascii_kind[c] == K_LETTER ||
		           ascii_kind[c] == K_DIGIT) {
			rc = word(s);
		} else if (c == '.' || c == '!' || c == '?') {
			ab = A_NONE;
			if (c == '.' && s->word_end == s->i &&
			    s->word_end > s->word_start)
				ab = abbrev_of(p + s->word_start,
				               s->word_end - s->word_start);
			s->i = sentence_end(s, s->i, ab);
			continue;
		} else {
			if (c == '\n')
				paragraph(s, s->i + 1);
			s->i++;
			continue;
		}
		if (rc != 0)
			return rc;
	}
	return ATT_OK;
}

int att_analyze(att_analyzer *a, const char *text, size_t len,
                uint32_t pos_base, att_token_fn fn, void *ctx, size_t *bad)
{
	struct scan s;
	int rc;

	assert(a != NULL && fn != NULL && (text != NULL || len == 0));
	memset(&s, 0, sizeof s);
	s.a = a;
	s.p = (const uint8_t *)text;
	s.n = len;
	s.pos = pos_base;
	s.pending = 1;
	s.pending_off = skip_space(s.p, len, 0);
	s.fn = fn;
	s.ctx = ctx;
	rc = scan_text(&s);
	if (rc == ATT_EUTF8 && s.bad_set && bad != NULL)
		*bad = s.bad;
	return rc;
}

/* The callback of att_analyze_word: keeps the first term, then stops. */
struct first_term {
	char *out;
	size_t cap;
	size_t len;
};

static int take_first(void *ctx, const att_token *tok)
{
	struct first_term *f = ctx;

	f->len = tok->term_len;
	memcpy(f->out, tok->term, f->len < f->cap ? f->len : f->cap);
	return 1;
}

/* Runs the tokenizer over WORD and keeps the first token's term, so a
 * query word gets exactly the term the indexed text got ("U.S." -> "us",
 * "Pakistan’s" -> "pakistan"); a word that splits ("a-b") yields its
 * first part. If the term is longer than CAP, CAP bytes are written and
 * the full length is returned. Invalid UTF-8 or no memory yields 0. */
size_t att_analyze_word(att_analyzer *a, char *out, size_t cap,
                        const char *word, size_t len)
{
	struct first_term f = { out, cap, 0 };

	att_analyze(a, word, len, 0, take_first, &f, NULL);
	return f.len;
}

/* ---- the analyzer ------------------------------------------------------- */

/* Whether NAME is a canonical libstemmer name; *CANON gets the canonical
 * name of a known alias or name, else NAME itself. */
static int known_language(const char **canon, const char *name)
{
	const char **list = sb_stemmer_list();
	size_t i;

	*canon = name;
	for (i = 0; ALIASES[i][0] != NULL; i++) {
		if (strcmp(ALIASES[i][0], name) == 0)
			name = ALIASES[i][1];
	}
	for (; *list != NULL; list++) {
		if (strcmp(*list, name) == 0) {
			*canon = *list;
			return 1;
		}
	}
	return 0;
}

att_status att_analyzer_new(att_analyzer **out, const char *language)
{
	att_analyzer *a;
	const char *canon = "none";
	att_status rc = ATT_ENOMEM;

	*out = NULL;
	if (language == NULL)
		language = "english";
	a = att_calloc(1, sizeof *a);
	if (a == NULL)
		return ATT_ENOMEM;
	if (strcmp(language, "none") != 0) {
		int known = known_language(&canon, language);

		a->stemmer = sb_stemmer_new(language, "UTF_8");
		if (a->stemmer == NULL) {
			rc = known ? ATT_ENOMEM : ATT_ENOTFOUND;
			goto done;
		}
		a->cache = att_calloc(CACHE_SLOTS, sizeof *a->cache);
		if (a->cache == NULL)
			goto done;
	}
	snprintf(a->lang, sizeof a->lang, "%s", canon);
	a->ucs = att_malloc(UCS_INIT * sizeof *a->ucs);
	if (a->ucs == NULL)
		goto done;
	a->ucs_cap = UCS_INIT;
	*out = a;
	a = NULL;
	rc = ATT_OK;
done:
	att_analyzer_free(a);
	return rc;
}

void att_analyzer_free(att_analyzer *a)
{
	if (a == NULL)
		return;
	sb_stemmer_delete(a->stemmer);
	att_free(a->cache);
	att_free(a->ucs);
	att_free(a);
}

const char *att_analyzer_language(const att_analyzer *a)
{
	return a->lang;
}
