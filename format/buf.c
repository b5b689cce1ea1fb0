/*
 * buf.c: the growable byte buffer all encoders write into.
 *
 * An att_buf is a pointer, a length and a capacity, plus a sticky status:
 * after the first failed allocation every append becomes a no-op and rc
 * says ATT_ENOMEM, so an encoder appends freely and checks once at the
 * end (the SQLite FTS5 writer's habit). Capacity grows by half again,
 * which keeps appends amortised O(1) without doubling huge buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

void att_buf_init(att_buf *b)
{
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
	b->rc = ATT_OK;
}

void att_buf_release(att_buf *b)
{
	att_free(b->p);
	att_buf_init(b);
}

void att_buf_clear(att_buf *b)
{
	b->n = 0;
}

int att_buf_reserve(att_buf *b, size_t extra)
{
	size_t want, cap;
	uint8_t *p;

	if (b->rc != ATT_OK)
		return -1;
	if (extra <= b->cap - b->n)
		return 0;
	if (extra > SIZE_MAX - b->n - 1) {
		b->rc = ATT_ENOMEM;
		return -1;
	}
	want = b->n + extra + 1; /* +1 keeps room for a NUL after printf */
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 3 * 2 ? want : cap + cap / 2;
	p = att_realloc(b->p, cap);
	if (p == NULL) {
		b->rc = ATT_ENOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void att_buf_append(att_buf *b, const void *p, size_t n)
{
	if (n == 0 || att_buf_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

void att_buf_putc(att_buf *b, uint8_t c)
{
	if (att_buf_reserve(b, 1) != 0)
		return;
	b->p[b->n++] = c;
}

void att_buf_put_u16le(att_buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	att_buf_append(b, t, 2);
}

void att_buf_put_u32le(att_buf *b, uint32_t v)
{
	uint8_t t[4];

	att_put_u32le(t, v);
	att_buf_append(b, t, 4);
}

void att_buf_put_u64le(att_buf *b, uint64_t v)
{
	att_buf_put_u32le(b, (uint32_t)v);
	att_buf_put_u32le(b, (uint32_t)(v >> 32));
}

void att_buf_put_varint(att_buf *b, uint64_t v)
{
	if (att_buf_reserve(b, ATT_VARINT_MAX) != 0)
		return;
	b->n += att_varint_put(b->p + b->n, v);
}

void att_buf_printf(att_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || att_buf_reserve(b, (size_t)len + 1) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
}
