/*
 * codec.c: the integer codecs every index file is made of.
 *
 * Three encodings live here, each with one implementation the whole
 * project uses:
 *
 *   - Varints (LEB128): seven bits a byte, least significant group first,
 *     the high bit set on every byte but the last. A uint64 takes 1 to 10
 *     bytes. The decoder is the guard against corrupt files: it never
 *     reads at or past the end it is given, and it rejects an input that
 *     ends mid-varint, runs past ten bytes, or carries bits beyond 64 (a
 *     tenth byte above 1). Non-minimal encodings (0x80 0x00 for 0) are
 *     accepted: the writer never makes them and they decode unambiguously.
 *
 *   - 128-value bit packing, the posting lists' block codec. Exactly
 *     ATT_BLOCK values of BITS bits each are laid end to end, value i in
 *     bits [i*bits, (i+1)*bits) of the block read as one little-endian
 *     integer, so a block is 16*bits bytes with no padding and no header
 *     (the block's width is stored by the caller). bits is 0..32; a
 *     0-width block takes no bytes and decodes to zeros.
 *
 *     Unpacking is the query-time hot path, so it is specialised: one
 *     function per width, generated from one always-inlined template and
 *     fully unrolled, so every shift, mask and offset is a compile-time
 *     constant. Each value is one unaligned 64-bit load (a memcpy, which
 *     compilers turn into a single mov), a shift and a mask. Unrolling
 *     costs about 1.7 KB of code per width and triples the speed (about
 *     20-25 ns a block against 70 with a loop, gcc -O2, x86-64).
 *
 *     A value starts at most 7 bits into its first byte and is at most 32
 *     bits wide, so 64 bits always hold it. Near the end of the block an
 *     8-byte load from the value's own byte would read past the 16*bits
 *     bytes the caller vouched for; there the load is moved back to the
 *     block's last 8 bytes and the shift grows to match, so the decoder
 *     never touches a byte outside the block. Packing runs at index time
 *     and is a plain 64-bit bit accumulator.
 *
 *   - CRC-32, the zlib/IEEE polynomial, by libdeflate.
 *
 * Fixed-width little-endian helpers are static inline in format.h.
 */
#include <assert.h>
#include <string.h>

#include <libdeflate.h>

#include "format.h"

/* ---- varints ------------------------------------------------------------- */

size_t att_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

size_t att_varint_get(uint64_t *v, const uint8_t *p, const uint8_t *end)
{
	uint64_t x = 0;
	size_t i;

	if (p < end && p[0] < 0x80) {
		*v = p[0];
		return 1;
	}
	for (i = 0; i < ATT_VARINT_MAX && p + i < end; i++) {
		uint8_t c = p[i];

		if (i == ATT_VARINT_MAX - 1 && c > 1)
			return 0; /* bits past 64, or an 11th byte follows */
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (c < 0x80) {
			*v = x;
			return i + 1;
		}
	}
	return 0; /* the input ended mid-varint */
}

size_t att_varint_len(uint64_t v)
{
	unsigned bits = v ? 64 - (unsigned)__builtin_clzll(v) : 1;

	return (bits + 6) / 7;
}

/* ---- bit packing --------------------------------------------------------- */

unsigned att_bits_needed(const uint32_t *v, size_t n)
{
	uint32_t all = 0;
	size_t i;

	for (i = 0; i < n; i++)
		all |= v[i];
	return all ? 32 - (unsigned)__builtin_clz(all) : 0;
}

size_t att_pack128(uint8_t *out, const uint32_t *v, unsigned bits)
{
	uint64_t acc = 0, mask;
	unsigned have = 0, i;

	assert(bits <= 32);
	if (bits == 0)
		return 0;
	mask = ((uint64_t)1 << bits) - 1;
	for (i = 0; i < ATT_BLOCK; i++) {
		assert((uint64_t)v[i] <= mask);
		acc |= ((uint64_t)v[i] & mask) << have;
		have += bits;
		while (have >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			have -= 8;
		}
	}
	assert(have == 0);
	return 16 * (size_t)bits;
}

/* An unaligned little-endian 64-bit load; one instruction on x86-64 and
 * arm64. */
static inline uint64_t load64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x;

	memcpy(&x, p, sizeof x);
	return x;
#else
	return att_get_u64le(p);
#endif
}

/*
 * The unpack template. With BITS a constant (each caller below passes a
 * literal) and both loops unrolled, start and shift fold to constants.
 * Eight values of BITS bits span exactly BITS bytes: group g covers
 * bytes [g*bits, (g+1)*bits) and value j of the group starts at bit
 * j*bits of it. The load start is clamped to the block's last 8 bytes
 * (16*bits >= 16 for bits >= 1), see the essay above.
 */
static inline __attribute__((always_inline)) void
unpack_tmpl(uint32_t *restrict v, const uint8_t *restrict in,
            const unsigned bits)
{
	const uint64_t mask = ((uint64_t)1 << bits) - 1;
	const size_t last = 16 * (size_t)bits - 8;
	unsigned g, j;

#pragma GCC unroll 16
	for (g = 0; g < 16; g++) {
#pragma GCC unroll 8
		for (j = 0; j < 8; j++) {
			size_t bit = (size_t)g * 8 * bits + (size_t)j * bits;
			size_t start = bit / 8 < last ? bit / 8 : last;

			v[g * 8 + j] = (uint32_t)((load64(in + start) >>
			                           (bit - 8 * start)) & mask);
		}
	}
}

#define UNPACK_FN(B)                                                        \
	static void unpack##B(uint32_t *restrict v,                        \
	                      const uint8_t *restrict in)                  \
	{                                                                   \
		unpack_tmpl(v, in, B);                                      \
	}

UNPACK_FN(1) UNPACK_FN(2) UNPACK_FN(3) UNPACK_FN(4) UNPACK_FN(5)
UNPACK_FN(6) UNPACK_FN(7) UNPACK_FN(8) UNPACK_FN(9) UNPACK_FN(10)
UNPACK_FN(11) UNPACK_FN(12) UNPACK_FN(13) UNPACK_FN(14) UNPACK_FN(15)
UNPACK_FN(16) UNPACK_FN(17) UNPACK_FN(18) UNPACK_FN(19) UNPACK_FN(20)
UNPACK_FN(21) UNPACK_FN(22) UNPACK_FN(23) UNPACK_FN(24) UNPACK_FN(25)
UNPACK_FN(26) UNPACK_FN(27) UNPACK_FN(28) UNPACK_FN(29) UNPACK_FN(30)
UNPACK_FN(31)

/* Width 32 is a plain copy of little-endian words. */
static void unpack32(uint32_t *restrict v, const uint8_t *restrict in)
{
	unsigned i;

	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = att_get_u32le(in + 4 * i);
}

void att_unpack128(uint32_t *v, const uint8_t *in, unsigned bits)
{
	static void (*const fn[33])(uint32_t *restrict,
	                            const uint8_t *restrict) = {
		NULL, unpack1, unpack2, unpack3, unpack4, unpack5, unpack6,
		unpack7, unpack8, unpack9, unpack10, unpack11, unpack12,
		unpack13, unpack14, unpack15, unpack16, unpack17, unpack18,
		unpack19, unpack20, unpack21, unpack22, unpack23, unpack24,
		unpack25, unpack26, unpack27, unpack28, unpack29, unpack30,
		unpack31, unpack32,
	};

	assert(bits <= 32);
	if (bits == 0) {
		memset(v, 0, ATT_BLOCK * sizeof *v);
		return;
	}
	fn[bits](v, in);
}

/* ---- impacts --------------------------------------------------------------- */

size_t att_impacts_build(uint32_t *pt, uint32_t *pd, const uint32_t *tf,
                         const uint32_t *dl, size_t n)
{
	uint32_t ft[ATT_BLOCK], fd[ATT_BLOCK];
	size_t np = 0, i, j, lo, hi;

	assert(n <= ATT_BLOCK);
	/* the frontier, by rising tf and so rising length: a posting is
	 * beaten if the first pair with tf >= its tf is no longer; else it
	 * goes in, and the pairs it beats (tf <= its tf, length >= its
	 * length: a run just below it) go out */
	for (i = 0; i < n; i++) {
		uint32_t t = tf[i], d = dl[i];

		for (hi = 0; hi < np && ft[hi] < t; hi++)
			;
		if (hi < np && fd[hi] <= d)
			continue;
		if (hi < np && ft[hi] == t)
			hi++; /* same tf, longer: it goes */
		for (lo = hi; lo > 0 && fd[lo - 1] >= d; lo--)
			;
		memmove(ft + lo + 1, ft + hi, (np - hi) * sizeof *ft);
		memmove(fd + lo + 1, fd + hi, (np - hi) * sizeof *fd);
		ft[lo] = t;
		fd[lo] = d;
		np = np - (hi - lo) + 1;
	}
	/* too many: merge the neighbours closest in length, which loosens
	 * the bound least, until ATT_IMPACTS_MAX are left */
	while (np > ATT_IMPACTS_MAX) {
		size_t best = 0;

		for (j = 1; j + 1 < np; j++)
			if (fd[j + 1] - fd[j] < fd[best + 1] - fd[best])
				best = j;
		fd[best + 1] = fd[best];
		memmove(ft + best, ft + best + 1, (np - best - 1) * sizeof *ft);
		memmove(fd + best, fd + best + 1, (np - best - 1) * sizeof *fd);
		np--;
	}
	memcpy(pt, ft, np * sizeof *pt);
	memcpy(pd, fd, np * sizeof *pd);
	return np;
}

void att_impacts_put(att_buf *b, const uint32_t *pt, const uint32_t *pd,
                     size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		att_buf_put_varint(b, i ? pt[i] - pt[i - 1] - 1 : pt[i]);
		att_buf_put_varint(b, i ? pd[i] - pd[i - 1] - 1 : pd[i]);
	}
}

size_t att_impacts_get(uint32_t *pt, uint32_t *pd, const uint8_t *p,
                       size_t n)
{
	const uint8_t *end = p + n;
	size_t np = 0, k;
	uint64_t t, d;

	while (p < end) {
		if (np == ATT_IMPACTS_MAX)
			return 0;
		if ((k = att_varint_get(&t, p, end)) == 0)
			return 0;
		p += k;
		if ((k = att_varint_get(&d, p, end)) == 0)
			return 0;
		p += k;
		if (np > 0) {
			t += (uint64_t)pt[np - 1] + 1;
			d += (uint64_t)pd[np - 1] + 1;
		}
		if (t > UINT32_MAX || d > UINT32_MAX)
			return 0;
		pt[np] = (uint32_t)t;
		pd[np] = (uint32_t)d;
		np++;
	}
	return np;
}

/* ---- Rice codes ---------------------------------------------------------- */

static unsigned bitlen(uint32_t v)
{
	return v ? 32 - (unsigned)__builtin_clz(v) : 0;
}

uint64_t att_rice_bits(const uint32_t *v, size_t n, unsigned k)
{
	uint64_t bits = (uint64_t)n * (k + 1);
	size_t i;

	for (i = 0; i < n; i++)
		bits += v[i] >> k;
	return bits;
}

unsigned att_rice_choose(const uint32_t *v, size_t n)
{
	uint64_t sum = 0, best = UINT64_MAX;
	unsigned k, m, lo, hi, bestk = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	/* for geometric gaps the best k is about log2(mean * ln 2) */
	m = n ? bitlen((uint32_t)(sum / n)) : 0;
	hi = m + 1 < ATT_RICE_KMAX ? m + 1 : ATT_RICE_KMAX;
	lo = hi > 4 ? hi - 4 : 0;
	for (k = lo; k <= hi; k++) {
		uint64_t b = att_rice_bits(v, n, k);

		if (b < best) {
			best = b;
			bestk = k;
		}
	}
	return bestk;
}

/* Appends the N (<= 32) low bits of X to the accumulator. */
static void put_bits(att_buf *b, uint64_t *acc, unsigned *have, uint64_t x,
                     unsigned n)
{
	*acc |= x << *have;
	*have += n;
	while (*have >= 8) {
		att_buf_putc(b, (uint8_t)*acc);
		*acc >>= 8;
		*have -= 8;
	}
}

/* Appends the K low bits of each of the N values. */
static void put_lows(att_buf *b, uint64_t *acc, unsigned *have,
                     const uint32_t *v, size_t n, unsigned k)
{
	size_t i;

	for (i = 0; i < n && k > 0; i++)
		put_bits(b, acc, have, v[i] & (((uint64_t)1 << k) - 1), k);
}

/* Appends each of the N values' quotients v >> K in unary. */
static void put_quotients(att_buf *b, uint64_t *acc, unsigned *have,
                          const uint32_t *v, size_t n, unsigned k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t q = v[i] >> k;

		for (; q >= 32; q -= 32)
			put_bits(b, acc, have, 0, 32);
		put_bits(b, acc, have, (uint64_t)1 << q, q + 1);
	}
}

void att_rice_put(att_buf *b, const uint32_t *v, size_t n, unsigned k)
{
	uint64_t acc = 0;
	unsigned have = 0;

	assert(k <= ATT_RICE_KMAX);
	put_bits(b, &acc, &have, k, 5);
	put_lows(b, &acc, &have, v, n, k);
	put_quotients(b, &acc, &have, v, n, k);
	if (have > 0)
		att_buf_putc(b, (uint8_t)acc);
}

void att_rice_put_pairs(att_buf *b, const uint32_t *x, const uint32_t *y,
                        size_t n)
{
	unsigned kx = att_rice_choose(x, n), ky = att_rice_choose(y, n);
	uint64_t acc = 0;
	unsigned have = 0;

	put_bits(b, &acc, &have, kx, 5);
	put_bits(b, &acc, &have, ky, 5);
	put_lows(b, &acc, &have, x, n, kx);
	put_lows(b, &acc, &have, y, n, ky);
	put_quotients(b, &acc, &have, x, n, kx);
	put_quotients(b, &acc, &have, y, n, ky);
	if (have > 0)
		att_buf_putc(b, (uint8_t)acc);
}

/* Reads N values with parameter K: quotients from HI, low bits from LO.
 * 0, or -1 if the bits run out or a value passes 2^32-1. */
static int get_values(uint32_t *v, size_t n, unsigned k, att_bits *hi,
                      att_bits *lo)
{
	uint64_t q;
	uint32_t low;
	size_t i;

	if (k == 0) { /* most tf-1 sequences: quotients alone */
		for (i = 0; i < n; i++) {
			if (att_unary_get(hi, &q) != 0)
				return -1;
			v[i] = (uint32_t)q;
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (att_unary_get(hi, &q) != 0 || q > UINT32_MAX >> k ||
		    att_bits_get(lo, k, &low) != 0)
			return -1;
		v[i] = (uint32_t)q << k | low;
	}
	return 0;
}

int att_rice_get_pairs(uint32_t *x, uint32_t *y, size_t n, const uint8_t *p,
                       size_t avail, size_t *used)
{
	uint32_t kx, ky, drop;
	att_bits lo, hi;
	uint64_t start;

	att_bits_init(&lo, p, avail);
	if (att_bits_get(&lo, 5, &kx) != 0 || att_bits_get(&lo, 5, &ky) != 0)
		return -1;
	start = 10 + (uint64_t)n * (kx + ky);
	if (start > 8 * (uint64_t)avail)
		return -1;
	att_bits_init(&hi, p + start / 8, avail - (size_t)(start / 8));
	if (att_bits_get(&hi, (unsigned)(start % 8), &drop) != 0 ||
	    get_values(x, n, kx, &hi, &lo) != 0 ||
	    get_values(y, n, ky, &hi, &lo) != 0)
		return -1;
	/* the bit after the last quotient: HI has read up to hi.p and holds
	 * hi.have bits not yet taken */
	*used = (size_t)(((uint64_t)(hi.p - p) * 8 - hi.have + 7) / 8);
	return 0;
}

/* ---- CRC-32 -------------------------------------------------------------- */

/* The zlib CRC-32 (the polynomial and convention of gzip and PNG), as
 * libdeflate computes it: with PCLMULQDQ folding where the CPU has it,
 * 0.33 us a 4 KiB page here against 1.22 us for zlib 1.2.13's crc32().
 * That speed is what lets a reader check each page as it first reads it
 * (docs/FORMAT.md 2.1.1). zlib stays for crc32_combine(). */
uint32_t att_crc32(uint32_t crc, const void *p, size_t n)
{
	if (n == 0)
		return crc;
	return libdeflate_crc32(crc, p, n);
}
