/*
 * utf8.c: decoding, validating and repairing UTF-8.
 *
 * Everything here follows the well-formed byte sequences of the Unicode
 * Standard (chapter 3, table 3-7):
 *
 *   U+0000..U+007F     00..7F
 *   U+0080..U+07FF     C2..DF 80..BF
 *   U+0800..U+0FFF     E0     A0..BF 80..BF
 *   U+1000..U+CFFF     E1..EC 80..BF 80..BF
 *   U+D000..U+D7FF     ED     80..9F 80..BF
 *   U+E000..U+FFFF     EE..EF 80..BF 80..BF
 *   U+10000..U+3FFFF   F0     90..BF 80..BF 80..BF
 *   U+40000..U+FFFFF   F1..F3 80..BF 80..BF 80..BF
 *   U+100000..U+10FFFF F4     80..8F 80..BF 80..BF
 *
 * Checking the second byte against a range that depends on the lead byte
 * rejects overlong forms, surrogates and values above U+10FFFF without
 * assembling the code point first; every later byte is a plain 80..BF
 * continuation. The one helper, seq_len(), measures the valid sequence or
 * the maximal invalid subpart at a position and never reads at or past
 * the end, so a buffer whose last byte starts a multi-byte sequence is
 * safe to decode.
 *
 * Repair uses the "substitution of maximal subparts" practice (Unicode
 * chapter 3, U+FFFD substitution): a maximal prefix of a well-formed
 * sequence that cannot be completed becomes one U+FFFD, and any other bad
 * byte becomes one U+FFFD of its own. So "E1 80 41" gives FFFD 'A', while
 * "E0 80" (80 cannot follow E0) gives FFFD FFFD. Browsers and Python do
 * the same, so a repaired document reads as users expect.
 */
#include <assert.h>
#include <string.h>

#include "format.h"
#include "stemmer.h"

/* The range the second byte of a sequence led by C must fall in. */
static void second_range(uint8_t c, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c == 0xE0)
		*lo = 0xA0;
	else if (c == 0xED)
		*hi = 0x9F;
	else if (c == 0xF0)
		*lo = 0x90;
	else if (c == 0xF4)
		*hi = 0x8F;
}

/* The full length of a sequence led by C (1..4), or 0 if C cannot lead. */
static size_t lead_len(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	if (c < 0xF5)
		return 4;
	return 0;
}

/*
 * Looks at the bytes from P (P < END). If they start a well-formed
 * sequence, returns its length and sets *OK to 1. Otherwise sets *OK to
 * 0 and returns the length of the maximal invalid subpart (at least 1).
 */
static size_t seq_len(int *ok, const uint8_t *p, const uint8_t *end)
{
	size_t want = lead_len(p[0]);
	size_t avail = (size_t)(end - p);
	uint8_t lo, hi;
	size_t k;

	*ok = 0;
	if (want == 0)
		return 1;
	if (want == 1) {
		*ok = 1;
		return 1;
	}
	second_range(p[0], &lo, &hi);
	if (avail < 2 || p[1] < lo || p[1] > hi)
		return 1;
	for (k = 2; k < want; k++) {
		if (k >= avail || (p[k] & 0xC0) != 0x80)
			return k;
	}
	*ok = 1;
	return want;
}

size_t att_utf8_decode(int32_t *cp, const uint8_t *p, const uint8_t *end)
{
	int ok;
	size_t len;
	int32_t v;

	assert(p < end);
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	len = seq_len(&ok, p, end);
	if (!ok)
		return 0;
	if (len == 2)
		v = (int32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	else if (len == 3)
		v = (int32_t)(p[0] & 0x0F) << 12 | (int32_t)(p[1] & 0x3F) << 6 |
		    (p[2] & 0x3F);
	else
		v = (int32_t)(p[0] & 0x07) << 18 | (int32_t)(p[1] & 0x3F) << 12 |
		    (int32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	*cp = v;
	return len;
}

size_t att_utf8_encode(uint8_t *out, int32_t cp)
{
	assert(cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* The offset of the first invalid byte in [P, P+N), or N if none. */
static size_t first_invalid(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	size_t i = 0, len;
	uint64_t w;
	int ok;

	while (i < n) {
		/* eight ASCII bytes at a time: the common case */
		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = seq_len(&ok, p + i, end);
		if (!ok)
			return i;
		i += len;
	}
	return n;
}

att_status att_utf8_validate(size_t *bad, const char *p, size_t n)
{
	size_t at = first_invalid((const uint8_t *)p, n);

	if (at == n)
		return ATT_OK;
	*bad = at;
	return ATT_EUTF8;
}

/*
 * Copies [P, P+N) to OUT (if not NULL) with each maximal invalid subpart
 * replaced by EF BF BD; returns the length of the result either way.
 */
static size_t repair(uint8_t *out, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	size_t i = 0, o = 0, len;
	int ok;

	while (i < n) {
		len = seq_len(&ok, p + i, end);
		if (ok) {
			if (out != NULL)
				memcpy(out + o, p + i, len);
			o += len;
		} else {
			if (out != NULL)
				memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
		i += len;
	}
	return o;
}

att_status att_utf8_sanitize(char **out, size_t *out_len, const char *p,
                             size_t n)
{
	const uint8_t *u = (const uint8_t *)p;
	int valid = first_invalid(u, n) == n;
	size_t len = valid ? n : repair(NULL, u, n);
	char *s;

	*out = NULL;
	s = att_malloc(len + 1);
	if (s == NULL)
		return ATT_ENOMEM;
	if (valid) {
		if (n > 0)
			memcpy(s, p, n);
	} else {
		repair((uint8_t *)s, u, n);
	}
	s[len] = '\0';
	*out = s;
	*out_len = len;
	return ATT_OK;
}
