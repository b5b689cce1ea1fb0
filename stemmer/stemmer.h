/*
 * stemmer.h: text analysis, the same at index and at query time.
 *
 * Section by section, which file implements what:
 *   utf8.c      - UTF-8 decoding, validation with the offset of the first
 *                 bad byte, and replacement of bad bytes with U+FFFD
 *   analyzer.c  - the tokenizer (words, numbers, apostrophes, hyphens,
 *                 acronyms), normalisation (utf8proc: NFKC, case folding,
 *                 accent folding), Snowball stemming (libstemmer) with a
 *                 small cache, and sentence boundaries
 *
 * The analyzer knows nothing of indexes: it turns text into tokens.
 */
#ifndef ATT_STEMMER_H
#define ATT_STEMMER_H

#include <stddef.h>
#include <stdint.h>

#include "attache.h"

/* ---- utf8.c ------------------------------------------------------------- */

/* Decodes one code point from [P, END), P < END. Returns the number of
 * bytes used (1..4) and stores the code point in *CP, or returns 0 if the
 * bytes at P are not a valid, shortest-form UTF-8 sequence for a scalar
 * value (overlongs, surrogates, > U+10FFFF and truncated sequences are
 * all invalid). Never reads at or past END. */
size_t att_utf8_decode(int32_t *cp, const uint8_t *p, const uint8_t *end);

/* Encodes CP (a Unicode scalar value) into OUT (room for 4 bytes);
 * returns the byte count. */
size_t att_utf8_encode(uint8_t *out, int32_t cp);

/* ATT_OK if [P, P+N) is valid UTF-8; otherwise ATT_EUTF8 and the offset
 * of the first invalid byte in *BAD. */
att_status att_utf8_validate(size_t *bad, const char *p, size_t n);

/* Copies [P, P+N) to a new att_malloc'd string (NUL-terminated) with each
 * maximal invalid subsequence replaced by U+FFFD (EF BF BD). *OUT_LEN gets
 * the new length. Returns ATT_OK or ATT_ENOMEM. */
att_status att_utf8_sanitize(char **out, size_t *out_len, const char *p,
                             size_t n);

/* ---- analyzer.c --------------------------------------------------------- */

/* Longest term kept, in bytes after normalisation; longer words are
 * skipped (they take no position). */
#define ATT_MAX_TERM 64

typedef struct att_analyzer att_analyzer;

/* One token. TERM (not NUL-terminated, TERM_LEN bytes) is valid only
 * during the callback. */
typedef struct att_token {
	const char *term;     /* normalised and stemmed */
	size_t term_len;
	uint32_t pos;         /* position: pos_base + index of this token */
	size_t start, end;    /* byte offsets [start, end) in the input */
	uint32_t sentence;    /* sentence number, 0-based, in this call */
	int sentence_start;   /* 1 if this token is the first of a sentence */
	size_t sentence_off;  /* if sentence_start: the byte offset where the
	                         sentence begins (before any opening quote or
	                         bracket; after the previous sentence's end and
	                         whitespace) */
} att_token;

/* Called for each token; a non-zero return stops analysis and is returned
 * by att_analyze (so pass a negative att_status to stop with an error). */
typedef int (*att_token_fn)(void *ctx, const att_token *tok);

/* Creates an analyzer for LANGUAGE: any name libstemmer knows ("english",
 * "french", "german", ... or ISO codes "en", "fr", ...), or "none" for no
 * stemming; NULL means "english". Errors: ATT_ENOTFOUND (unknown
 * language; *out is NULL), ATT_ENOMEM. One analyzer is not thread-safe;
 * use one per thread. */
att_status att_analyzer_new(att_analyzer **out, const char *language);
void att_analyzer_free(att_analyzer *a);

/* The canonical name of the analyzer's language ("english", "none"). */
const char *att_analyzer_language(const att_analyzer *a);

/* Tokenizes [TEXT, TEXT+LEN), which must be valid UTF-8, calling FN for
 * each token in order with positions starting at POS_BASE. Returns ATT_OK,
 * ATT_EUTF8 with the offset of the first bad byte in *BAD (if BAD is
 * non-NULL; the tokens before it have been delivered), ATT_ENOMEM, or the
 * callback's non-zero return. */
int att_analyze(att_analyzer *a, const char *text, size_t len,
                uint32_t pos_base, att_token_fn fn, void *ctx, size_t *bad);

/* Normalises and stems one word as att_analyze would (for query terms
 * that are already split). Writes at most CAP bytes to OUT and returns
 * the term length, or 0 if the word yields no term. */
size_t att_analyze_word(att_analyzer *a, char *out, size_t cap,
                        const char *word, size_t len);

/* ---- fold.c -------------------------------------------------------------- */

/* Folds the keyword [S, S+N) (valid UTF-8) into OUT, of CAP bytes, as
 * typed keyword fields index it (fold.c): *OUT_LEN gets its length (0
 * if nothing is left). ATT_OK, ATT_ELIMIT (longer than CAP), ATT_EUTF8
 * or ATT_ENOMEM. */
att_status att_keyword_fold(size_t *out_len, char *out, size_t cap,
                            const char *s, size_t n);

#endif
