/*
 * fold.c: a keyword value as typed fields index it.
 *
 * A keyword is matched whole, so it is not split into words nor stemmed:
 * it is normalised as the analyser normalises a word (NFKC, case
 * folding, marks stripped, default-ignorable code points removed, U+2019
 * read as an apostrophe), and its runs of white space (any Unicode
 * space, tab or line break) become one space, none at either end. So
 * "United  States", "united states" and "UNITED STATES" are one value,
 * and "Türkiye" is "turkiye", as the word is in the text.
 */
#include <string.h>
#include <utf8proc.h>

#include "format.h"
#include "stemmer.h"

#define FOLD_OPTS                                                        \
	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |         \
	 UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

static utf8proc_int32_t map_apostrophe(utf8proc_int32_t cp, void *data)
{
	(void)data;
	return cp == 0x2019 ? '\'' : cp;
}

static int is_space(utf8proc_int32_t cp)
{
	utf8proc_category_t c;

	if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f')
		return 1;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
	    c == UTF8PROC_CATEGORY_ZP;
}

att_status att_keyword_fold(size_t *out_len, char *out, size_t cap,
                            const char *s, size_t n)
{
	utf8proc_int32_t buf[256], *ucs = buf, *big = NULL;
	utf8proc_ssize_t r, i;
	size_t len = 0;
	int space = 0;

	*out_len = 0;
	r = utf8proc_decompose_custom((const utf8proc_uint8_t *)s,
	                              (utf8proc_ssize_t)n, ucs, 256, FOLD_OPTS,
	                              map_apostrophe, NULL);
	if (r > 256) {
		big = att_malloc((size_t)r * sizeof *big);
		if (big == NULL)
			return ATT_ENOMEM;
		ucs = big;
		r = utf8proc_decompose_custom((const utf8proc_uint8_t *)s,
		                              (utf8proc_ssize_t)n, ucs, r, FOLD_OPTS,
		                              map_apostrophe, NULL);
	}
	if (r < 0) {
		att_free(big);
		return ATT_EUTF8;
	}
	r = utf8proc_normalize_utf32(ucs, r, FOLD_OPTS);
	for (i = 0; r >= 0 && i < r; i++) {
		uint8_t enc[4];
		size_t k;

		if (is_space(ucs[i])) {
			space = len > 0;
			continue;
		}
		k = att_utf8_encode(enc, ucs[i]);
		if (len + space + k > cap) {
			att_free(big);
			return ATT_ELIMIT;
		}
		if (space)
			out[len++] = ' ';
		space = 0;
		memcpy(out + len, enc, k);
		len += k;
	}
	att_free(big);
	if (r < 0)
		return ATT_EUTF8;
	*out_len = len;
	return ATT_OK;
}
