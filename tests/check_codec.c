/*
 * check_codec.c: unit tests for format/codec.c.
 *
 * Varints are checked on exact encodings, on round trips over the edges
 * of every 7-bit group and of 64 bits, and on each kind of bad input
 * (truncated, more than ten bytes, bits beyond 64). Inputs are copied
 * into heap buffers of exactly their size, so under ASan a decoder that
 * reads one byte too far fails the test rather than passing by luck.
 *
 * Bit packing is checked against a bit-at-a-time reference extractor for
 * every width 0..32, on random values (a fixed-seed xorshift, so every
 * platform sees the same numbers) and on adversarial blocks; and on a few
 * hand-worked byte images, which pin the on-disk layout.
 *
 * Rice codes (positions blocks) are checked on round trips over random
 * values of many ranges with outliers, every parameter, skips by
 * counting one bits, FORMAT.md's worked example byte for byte, and
 * inputs that end before a code does.
 *
 * CRC-32 is checked on known values and against zlib's crc32() over
 * every short length, alignment and a stream cut into pieces.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <zlib.h>

#include "format.h"

/* xorshift64: deterministic test values without rand(). */
static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* A heap copy of exactly N bytes (at least one allocated) so that ASan
 * flags any read past the end. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

static uint32_t width_max(unsigned bits)
{
	return bits == 32 ? UINT32_MAX : (uint32_t)((1u << bits) - 1);
}

/* ---- varints ---------------------------------------------------------- */

static void check_round_trip(uint64_t v)
{
	uint8_t tmp[ATT_VARINT_MAX + 2], *q;
	uint64_t got = ~v;
	size_t n = att_varint_put(tmp, v), m;

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, ATT_VARINT_MAX);
	ck_assert_uint_eq(att_varint_len(v), n);
	q = exact_copy(tmp, n);
	m = att_varint_get(&got, q, q + n);
	ck_assert_uint_eq(m, n);
	ck_assert_uint_eq(got, v);
	/* every proper prefix is truncated */
	for (m = 0; m < n; m++) {
		uint8_t *r = exact_copy(tmp, m);

		ck_assert_uint_eq(att_varint_get(&got, r, r + m), 0);
		free(r);
	}
	free(q);
}

START_TEST(varint_round_trips)
{
	static const uint64_t edges[] = {
		0, 1, 127, 128, 255, 256, 300, 16383, 16384, 2097151, 2097152,
		UINT32_MAX, (uint64_t)UINT32_MAX + 1, (uint64_t)1 << 56,
		((uint64_t)1 << 63) - 1, (uint64_t)1 << 63, UINT64_MAX - 1,
		UINT64_MAX,
	};
	uint64_t seed = 0x9E3779B97F4A7C15u;
	size_t i;
	unsigned k;

	for (i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_round_trip(edges[i]);
	for (k = 0; k < 64; k++) {
		check_round_trip((uint64_t)1 << k);
		check_round_trip(((uint64_t)1 << k) - 1);
		check_round_trip(((uint64_t)1 << k) + 1);
	}
	for (i = 0; i < 2000; i++)
		check_round_trip(xorshift(&seed) >> (i % 64));
}
END_TEST

static void check_encoding(uint64_t v, const uint8_t *want, size_t n)
{
	uint8_t tmp[ATT_VARINT_MAX];

	ck_assert_uint_eq(att_varint_put(tmp, v), n);
	ck_assert_mem_eq(tmp, want, n);
}

START_TEST(varint_exact_bytes)
{
	static const uint8_t e0[] = { 0x00 }, e1[] = { 0x01 },
	                     e127[] = { 0x7f }, e128[] = { 0x80, 0x01 },
	                     e300[] = { 0xac, 0x02 },
	                     e16384[] = { 0x80, 0x80, 0x01 },
	                     e32[] = { 0xff, 0xff, 0xff, 0xff, 0x0f },
	                     e63[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	                               0x80, 0x80, 0x80, 0x80, 0x01 },
	                     emax[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	                                0xff, 0xff, 0xff, 0xff, 0x01 };

	check_encoding(0, e0, sizeof e0);
	check_encoding(1, e1, sizeof e1);
	check_encoding(127, e127, sizeof e127);
	check_encoding(128, e128, sizeof e128);
	check_encoding(300, e300, sizeof e300);
	check_encoding(16384, e16384, sizeof e16384);
	check_encoding(UINT32_MAX, e32, sizeof e32);
	check_encoding((uint64_t)1 << 63, e63, sizeof e63);
	check_encoding(UINT64_MAX, emax, sizeof emax);
}
END_TEST

/* Decodes the N bytes at P from an exact heap copy; returns the count. */
static size_t get_exact(uint64_t *v, const uint8_t *p, size_t n)
{
	uint8_t *q = exact_copy(p, n);
	size_t m = att_varint_get(v, q, q + n);

	free(q);
	return m;
}

START_TEST(varint_bad_inputs)
{
	static const uint8_t overlong[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	                                    0x80, 0x80, 0x80, 0x80, 0x00 },
	                     cont10[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                  0xff, 0xff, 0xff, 0x81, 0x00 },
	                     over2[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	                                 0xff, 0xff, 0xff, 0xff, 0x02 },
	                     over7f[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	                                  0x80, 0x80, 0x80, 0x80, 0x7f },
	                     mid[] = { 0xac }, contonly[] = { 0x80, 0x80 };
	uint64_t v;

	ck_assert_uint_eq(get_exact(&v, NULL, 0), 0);
	ck_assert_uint_eq(get_exact(&v, mid, sizeof mid), 0);
	ck_assert_uint_eq(get_exact(&v, contonly, sizeof contonly), 0);
	ck_assert_uint_eq(get_exact(&v, overlong, sizeof overlong), 0);
	ck_assert_uint_eq(get_exact(&v, overlong, 10), 0);
	ck_assert_uint_eq(get_exact(&v, cont10, sizeof cont10), 0);
	ck_assert_uint_eq(get_exact(&v, over2, sizeof over2), 0);
	ck_assert_uint_eq(get_exact(&v, over7f, sizeof over7f), 0);
}
END_TEST

START_TEST(varint_stops_at_its_end)
{
	static const uint8_t two[] = { 0xac, 0x02, 0x05 },
	                     nonminimal[] = { 0x80, 0x00 },
	                     ten[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	                               0xff, 0xff, 0xff, 0xff, 0x01, 0x7f };
	uint64_t v = 0;

	ck_assert_uint_eq(get_exact(&v, two, sizeof two), 2);
	ck_assert_uint_eq(v, 300);
	/* non-minimal encodings are accepted (the writer never makes them) */
	ck_assert_uint_eq(get_exact(&v, nonminimal, sizeof nonminimal), 2);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(get_exact(&v, ten, sizeof ten), 10);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

/* ---- bit packing ------------------------------------------------------ */

/* Value I of a block packed at BITS, one bit at a time: the reference
 * reading of the documented layout. */
static uint32_t ref_get(const uint8_t *p, unsigned bits, size_t i)
{
	uint32_t x = 0;
	unsigned k;

	for (k = 0; k < bits; k++) {
		size_t bit = i * bits + k;

		x |= (uint32_t)((p[bit / 8] >> (bit % 8)) & 1) << k;
	}
	return x;
}

/* Packs V at BITS, checks size, no write past the block, the layout
 * against ref_get, and that unpacking from an exact-size copy gives V. */
static void check_block(const uint32_t *v, unsigned bits)
{
	uint8_t out[16 * 32 + 16], *in;
	uint32_t got[ATT_BLOCK + 1];
	size_t n, i, bad_tail = 0, bad_layout = 0;

	memset(out, 0xa5, sizeof out);
	n = att_pack128(out, v, bits);
	ck_assert_uint_eq(n, 16 * bits);
	/* counted, then asserted once: Check's asserts are slow in loops */
	for (i = n; i < sizeof out; i++)
		bad_tail += out[i] != 0xa5;
	ck_assert_uint_eq(bad_tail, 0);
	for (i = 0; i < ATT_BLOCK; i++)
		bad_layout += ref_get(out, bits, i) != v[i];
	ck_assert_uint_eq(bad_layout, 0);
	in = exact_copy(out, n);
	memset(got, 0xee, sizeof got);
	att_unpack128(got, in, bits);
	free(in);
	ck_assert_mem_eq(got, v, ATT_BLOCK * sizeof *v);
	ck_assert_uint_eq(got[ATT_BLOCK], 0xeeeeeeeeu);
	ck_assert_uint_eq(att_bits_needed(v, ATT_BLOCK) <= bits, 1);
}

START_TEST(pack_random_every_width)
{
	uint64_t seed = 0x2545F4914F6CDD1Du + (uint64_t)_i;
	uint32_t v[ATT_BLOCK];
	unsigned bits = (unsigned)_i, round;
	size_t i;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < ATT_BLOCK; i++)
			v[i] = (uint32_t)xorshift(&seed) & width_max(bits);
		check_block(v, bits);
	}
}
END_TEST

START_TEST(pack_adversarial_every_width)
{
	unsigned bits = (unsigned)_i;
	uint32_t v[ATT_BLOCK], max = width_max(bits);
	size_t i, pos;

	memset(v, 0, sizeof v);
	check_block(v, bits);
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = max;
	check_block(v, bits);
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = bits ? 1 : 0;
	check_block(v, bits);
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = i % 2 ? max : 0;
	check_block(v, bits);
	/* a single huge value among zeros, at every position */
	for (pos = 0; pos < ATT_BLOCK; pos++) {
		memset(v, 0, sizeof v);
		v[pos] = max;
		check_block(v, bits);
	}
	/* and a single zero among huge values */
	for (pos = 0; pos < ATT_BLOCK; pos += 7) {
		for (i = 0; i < ATT_BLOCK; i++)
			v[i] = max;
		v[pos] = 0;
		check_block(v, bits);
	}
}
END_TEST

START_TEST(pack_exact_bytes)
{
	static const uint8_t bits3[] = { 0xd1, 0x58, 0x1f };
	static const uint8_t bits5[] = { 0x20, 0x88, 0x41, 0x8a, 0x39 };
	uint32_t v[ATT_BLOCK];
	uint8_t out[16 * 32];
	size_t i;

	/* bits=1, 1,0,1,0...: value i is bit i, so every byte is 0b01010101 */
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = i % 2 == 0;
	ck_assert_uint_eq(att_pack128(out, v, 1), 16);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(out[i], 0x55);
	/* bits=4, i % 16: value 2k in the low nibble of byte k */
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = i % 16;
	ck_assert_uint_eq(att_pack128(out, v, 4), 64);
	for (i = 0; i < 64; i++)
		ck_assert_uint_eq(out[i], (2 * i % 16) | (2 * i + 1) % 16 << 4);
	/* bits=3, 1,2,3,4,5,6,7,0 repeated: 24 bits
	 * 000 111 110 101 100 011 010 001 = 0x1f58d1 */
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = (i + 1) % 8;
	ck_assert_uint_eq(att_pack128(out, v, 3), 48);
	for (i = 0; i < 48; i += 3)
		ck_assert_mem_eq(out + i, bits3, 3);
	/* bits=5, i % 32: crosses byte boundaries at every other value */
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = i % 32;
	ck_assert_uint_eq(att_pack128(out, v, 5), 80);
	ck_assert_mem_eq(out, bits5, sizeof bits5);
	/* bits=32 is little-endian words */
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = 0x01020304u + (uint32_t)i;
	ck_assert_uint_eq(att_pack128(out, v, 32), 512);
	ck_assert_uint_eq(out[0], 0x04);
	ck_assert_uint_eq(out[3], 0x01);
	ck_assert_uint_eq(out[4], 0x05);
	ck_assert_uint_eq(att_get_u32le(out + 4 * 127), 0x01020304u + 127);
	/* bits=0 writes nothing and unpacks zeros */
	memset(out, 0x77, sizeof out);
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = 0;
	ck_assert_uint_eq(att_pack128(out, v, 0), 0);
	ck_assert_uint_eq(out[0], 0x77);
	for (i = 0; i < ATT_BLOCK; i++)
		v[i] = 99;
	att_unpack128(v, out, 0);
	for (i = 0; i < ATT_BLOCK; i++)
		ck_assert_uint_eq(v[i], 0);
}
END_TEST

/* ---- Rice codes (positions blocks, FORMAT.md 5.4) -------------------- */

/* Reads back N values written by att_rice_put from an exact-size copy of
 * B: k, then the low bits, then the quotients, as a reader does; skips
 * the first SKIP values by counting one bits. */
static void rice_read(uint32_t *got, const att_buf *b, size_t n, size_t skip,
                      unsigned want_k)
{
	uint8_t *in = exact_copy(b->p, b->n);
	uint64_t hi, q;
	uint32_t k, low, drop;
	att_bits lo, h;
	size_t i;

	att_bits_init(&lo, in, b->n);
	ck_assert_int_eq(att_bits_get(&lo, 5, &k), 0);
	ck_assert_uint_eq(k, want_k);
	hi = 5 + (uint64_t)n * k;
	ck_assert_uint_le(hi, 8 * (uint64_t)b->n);
	att_bits_init(&h, in + hi / 8, b->n - hi / 8);
	ck_assert_int_eq(att_bits_get(&h, (unsigned)(hi % 8), &drop), 0);
	ck_assert_int_eq(att_unary_skip(&h, skip), 0);
	for (i = 0; i < skip; i++)
		ck_assert_int_eq(att_bits_get(&lo, k, &low), 0);
	for (i = skip; i < n; i++) {
		ck_assert_int_eq(att_unary_get(&h, &q), 0);
		ck_assert_int_eq(att_bits_get(&lo, k, &low), 0);
		got[i] = (uint32_t)(q << k | low);
	}
	/* nothing but padding is left */
	ck_assert_uint_lt(h.have + 8 * (size_t)(h.end - h.p), 8);
	ck_assert_uint_eq(h.w & ((1u << h.have) - 1), 0);
	free(in);
}

START_TEST(rice_round_trips)
{
	static const uint32_t spread[] = { 0, 1, 7, 100, 1000, 70000, 1u << 20 };
	uint64_t seed = 0x9E3779B97F4A7C15u;
	uint32_t v[700], got[700];
	unsigned k;
	size_t n, i, r;
	att_buf b;

	att_buf_init(&b);
	for (r = 0; r < 200; r++) {
		uint32_t range = spread[r % 7];

		n = 1 + (size_t)xorshift(&seed) % 700;
		for (i = 0; i < n; i++)
			v[i] = range ? (uint32_t)(xorshift(&seed) % range) : 0;
		if (r % 5 == 0) /* an outlier the parameter does not fit */
			v[n / 2] = range * 40 + 3;
		k = r % 3 ? att_rice_choose(v, n) : (unsigned)(r % 32);
		ck_assert_uint_le(k, ATT_RICE_KMAX);
		att_buf_clear(&b);
		att_rice_put(&b, v, n, k);
		ck_assert_int_eq(b.rc, ATT_OK);
		ck_assert_uint_eq(b.n, (5 + att_rice_bits(v, n, k) + 7) / 8);
		memset(got, 0xee, sizeof got);
		rice_read(got, &b, n, r % 4 ? 0 : n / 3, k);
		ck_assert_mem_eq(got + (r % 4 ? 0 : n / 3), v + (r % 4 ? 0 : n / 3),
		                 (n - (r % 4 ? 0 : n / 3)) * sizeof *v);
	}
	/* the extremes: 2^32-1 at every k, and quotients past a window */
	for (k = 0; k <= ATT_RICE_KMAX; k++) {
		v[0] = UINT32_MAX >> (k < 20 ? 20 - k : 0) << 0;
		v[1] = 0;
		v[2] = k ? (uint32_t)(((uint64_t)1 << k) - 1) : 0;
		att_buf_clear(&b);
		att_rice_put(&b, v, 3, k);
		rice_read(got, &b, 3, k % 2, k);
		ck_assert_mem_eq(got + k % 2, v + k % 2, (3 - k % 2) * sizeof *v);
	}
	att_buf_release(&b);
}
END_TEST

START_TEST(rice_exact_bytes)
{
	/* FORMAT.md 5.4's example: gas, values 0 17 17 0, k = 2 */
	static const uint32_t gas[] = { 0, 17, 17, 0 };
	static const uint8_t gas_bytes[] = { 0x82, 0x22, 0x84, 0x01 };
	uint32_t one = 19, zero = 0;
	att_buf b;

	att_buf_init(&b);
	ck_assert_uint_eq(att_rice_choose(gas, 4), 2);
	ck_assert_uint_eq(att_rice_bits(gas, 4, 2), 20);
	att_rice_put(&b, gas, 4, 2);
	ck_assert_uint_eq(b.n, sizeof gas_bytes);
	ck_assert_mem_eq(b.p, gas_bytes, sizeof gas_bytes);
	/* one value 19: k = 3, 5 + 3 + 3 bits: 63 04 */
	att_buf_clear(&b);
	ck_assert_uint_eq(att_rice_choose(&one, 1), 3);
	att_rice_put(&b, &one, 1, 3);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(b.p[0], 0x63);
	ck_assert_uint_eq(b.p[1], 0x04);
	/* one value 0: k = 0, then a one bit */
	att_buf_clear(&b);
	ck_assert_uint_eq(att_rice_choose(&zero, 1), 0);
	att_rice_put(&b, &zero, 1, 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_uint_eq(b.p[0], 0x20);
	att_buf_release(&b);
}
END_TEST

START_TEST(rice_bad_inputs)
{
	uint8_t zeros[40] = { 0 }, *in;
	uint8_t big[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x02 }; /* quotient 65 */
	uint64_t q;
	uint32_t v;
	att_bits r;

	/* no one bit: the quotient never ends */
	in = exact_copy(zeros, sizeof zeros);
	att_bits_init(&r, in, sizeof zeros);
	ck_assert_int_eq(att_unary_get(&r, &q), -1);
	att_bits_init(&r, in, sizeof zeros);
	ck_assert_int_eq(att_unary_skip(&r, 1), -1);
	/* too few bits */
	att_bits_init(&r, in, 1);
	ck_assert_int_eq(att_bits_get(&r, 9, &v), -1);
	att_bits_init(&r, in, 0);
	ck_assert_int_eq(att_bits_get(&r, 1, &v), -1);
	free(in);
	/* a quotient across several refills */
	in = exact_copy(big, sizeof big);
	att_bits_init(&r, in, sizeof big);
	ck_assert_int_eq(att_unary_get(&r, &q), 0);
	ck_assert_uint_eq(q, 65);
	ck_assert_int_eq(att_unary_get(&r, &q), -1);
	free(in);
}
END_TEST

/* Partial postings blocks (FORMAT.md 5.3): pairs of Rice sequences in
 * one string, read back from an exact-size copy; every shorter copy
 * fails. */
START_TEST(rice_pairs_round_trips)
{
	static const uint32_t spread[] = { 0, 1, 3, 50, 2225, 1u << 24 };
	uint64_t seed = 0xD1B54A32D192ED03u;
	uint32_t x[127], y[127], gx[127], gy[127];
	size_t n, i, r, used;
	uint8_t *in;
	att_buf b;

	att_buf_init(&b);
	for (r = 0; r < 300; r++) {
		uint32_t rx = spread[r % 6], ry = spread[(r / 6) % 6];

		n = 1 + (size_t)xorshift(&seed) % 127;
		for (i = 0; i < n; i++) {
			x[i] = rx ? (uint32_t)(xorshift(&seed) % rx) : 0;
			y[i] = ry ? (uint32_t)(xorshift(&seed) % ry) : 0;
		}
		if (r % 7 == 0) { /* the extremes */
			x[0] = UINT32_MAX;
			y[n - 1] = UINT32_MAX;
		}
		att_buf_clear(&b);
		att_rice_put_pairs(&b, x, y, n);
		ck_assert_int_eq(b.rc, ATT_OK);
		ck_assert_uint_eq(b.n, (10 + att_rice_bits(x, n, att_rice_choose(x, n)) +
		                        att_rice_bits(y, n, att_rice_choose(y, n)) + 7) / 8);
		in = exact_copy(b.p, b.n);
		ck_assert_int_eq(att_rice_get_pairs(gx, gy, n, in, b.n, &used), 0);
		ck_assert_uint_eq(used, b.n);
		ck_assert_mem_eq(gx, x, n * sizeof *x);
		ck_assert_mem_eq(gy, y, n * sizeof *y);
		free(in);
		if (r % 10 == 0) { /* every cut fails, none reads past it */
			size_t cut;

			for (cut = 0; cut < b.n; cut++) {
				in = exact_copy(b.p, cut);
				ck_assert_int_eq(att_rice_get_pairs(gx, gy, n, in, cut,
				                                    &used), -1);
				free(in);
			}
		}
	}
	att_buf_release(&b);
}
END_TEST

START_TEST(rice_pairs_exact_bytes)
{
	/* FORMAT.md 8: gas, gaps 0 0 0, tf-1 1 0 0 */
	static const uint32_t gaps[] = { 0, 0, 0 }, tfm1[] = { 1, 0, 0 };
	static const uint8_t gas[] = { 0x00, 0xDC, 0x01 };
	/* one pair, kx 31 and ky 0: x's 31 low bits all ones, then x's
	 * quotient 2 (001) and y's 0 (1): 2 << 31 | low passes 32 bits */
	static const uint8_t wide[] = { 0x1F, 0xFC, 0xFF, 0xFF, 0xFF, 0x19 };
	uint8_t fits[sizeof wide];
	uint32_t x[3], y[3];
	size_t used;
	att_buf b;

	att_buf_init(&b);
	att_rice_put_pairs(&b, gaps, tfm1, 3);
	ck_assert_uint_eq(b.n, sizeof gas);
	ck_assert_mem_eq(b.p, gas, sizeof gas);
	ck_assert_int_eq(att_rice_get_pairs(x, y, 3, gas, sizeof gas, &used), 0);
	ck_assert_uint_eq(used, 3);
	ck_assert_mem_eq(y, tfm1, sizeof tfm1);
	ck_assert_int_eq(att_rice_get_pairs(x, y, 1, wide, sizeof wide, &used),
	                 -1);
	/* with x's quotient 0 (1) instead it reads: 2^31-1, then 0 */
	memcpy(fits, wide, sizeof wide);
	fits[5] = 0x07; /* bit 40 low, 41 x's quotient 0, 42 y's */
	ck_assert_int_eq(att_rice_get_pairs(x, y, 1, fits, sizeof fits, &used),
	                 0);
	ck_assert_uint_eq(x[0], 0x7FFFFFFFu);
	ck_assert_uint_eq(y[0], 0);
	ck_assert_uint_eq(used, 6);
	att_buf_release(&b);
}
END_TEST

START_TEST(bits_needed_cases)
{
	uint32_t v[ATT_BLOCK];
	unsigned k;

	memset(v, 0, sizeof v);
	ck_assert_uint_eq(att_bits_needed(v, 0), 0);
	ck_assert_uint_eq(att_bits_needed(v, ATT_BLOCK), 0);
	v[0] = 1;
	ck_assert_uint_eq(att_bits_needed(v, 1), 1);
	v[0] = 2;
	ck_assert_uint_eq(att_bits_needed(v, 1), 2);
	v[0] = 3;
	ck_assert_uint_eq(att_bits_needed(v, 1), 2);
	v[0] = 255;
	ck_assert_uint_eq(att_bits_needed(v, 1), 8);
	v[0] = 256;
	ck_assert_uint_eq(att_bits_needed(v, 1), 9);
	v[0] = 0x80000000u;
	ck_assert_uint_eq(att_bits_needed(v, 1), 32);
	v[0] = UINT32_MAX;
	ck_assert_uint_eq(att_bits_needed(v, 1), 32);
	for (k = 0; k < 32; k++) {
		memset(v, 0, sizeof v);
		v[ATT_BLOCK - 1] = (uint32_t)1 << k;
		v[3] = 1;
		ck_assert_uint_eq(att_bits_needed(v, ATT_BLOCK), k + 1);
		/* n limits what is looked at */
		ck_assert_uint_eq(att_bits_needed(v, ATT_BLOCK - 1), 1);
	}
}
END_TEST

/* ---- impacts (FORMAT.md 5.3) -------------------------------------------- */

/* 1 if posting (T, D) beats or ties pair (PT, PD) in both ways */
static int beaten_by(uint32_t pt, uint32_t pd, uint32_t t, uint32_t d)
{
	return pt >= t && pd <= d;
}

/* The frontier by brute force: postings no other posting beats (a
 * distinct one with tf >= and length <=), duplicates once, by rising
 * tf; returns how many. */
static size_t brute_frontier(uint32_t *ft, uint32_t *fd, const uint32_t *tf,
                             const uint32_t *dl, size_t n)
{
	size_t i, j, k, np = 0;

	for (i = 0; i < n; i++) {
		int out = 0;

		for (j = 0; j < n && !out; j++)
			out = (tf[j] != tf[i] || dl[j] != dl[i]) &&
			    beaten_by(tf[j], dl[j], tf[i], dl[i]);
		for (k = 0; k < np && !out; k++)
			out = ft[k] == tf[i] && fd[k] == dl[i];
		if (out)
			continue;
		for (k = np++; k > 0 && ft[k - 1] > tf[i]; k--) {
			ft[k] = ft[k - 1];
			fd[k] = fd[k - 1];
		}
		ft[k] = tf[i];
		fd[k] = dl[i];
	}
	return np;
}

START_TEST(impacts_against_brute_force)
{
	uint32_t tf[ATT_BLOCK], dl[ATT_BLOCK], ft[ATT_BLOCK], fd[ATT_BLOCK];
	uint32_t pt[ATT_IMPACTS_MAX], pd[ATT_IMPACTS_MAX];
	uint32_t gt[ATT_IMPACTS_MAX], gd[ATT_IMPACTS_MAX];
	uint32_t x = 88172645u, round, merged = 0, exact = 0;
	size_t n, np, nf, i, k, ends[ATT_IMPACTS_MAX];
	uint8_t zeros[2 * ATT_IMPACTS_MAX + 2];
	att_buf b;

	att_buf_init(&b);
	for (round = 0; round < 3000; round++) {
		uint32_t tmax = 1 + round % 40, dmax = 1 + (round * 7) % 3000;

		n = 1 + round % ATT_BLOCK;
		for (i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			tf[i] = 1 + x % tmax;
			/* round % 5 == 0: length grows with tf, so that every
			 * posting is on the frontier and pairs must merge */
			dl[i] = round % 5 == 0 ? tf[i] * 10 + (x >> 20) % 5
			                       : 1 + (x >> 8) % dmax;
		}
		np = att_impacts_build(pt, pd, tf, dl, n);
		nf = brute_frontier(ft, fd, tf, dl, n);
		ck_assert_uint_ge(np, 1);
		ck_assert_uint_le(np, ATT_IMPACTS_MAX);
		for (k = 1; k < np; k++) { /* rising in both */
			ck_assert_uint_gt(pt[k], pt[k - 1]);
			ck_assert_uint_gt(pd[k], pd[k - 1]);
		}
		if (nf <= ATT_IMPACTS_MAX) { /* exact */
			ck_assert_uint_eq(np, nf);
			for (k = 0; k < np; k++) {
				ck_assert_uint_eq(pt[k], ft[k]);
				ck_assert_uint_eq(pd[k], fd[k]);
			}
			exact++;
		} else {
			ck_assert_uint_eq(np, ATT_IMPACTS_MAX);
			merged++;
		}
		/* a bound all the same: each posting is beaten by a pair, and
		 * each pair by a frontier point's tf and another's length */
		for (i = 0; i < n; i++) {
			for (k = 0; k < np && !beaten_by(pt[k], pd[k], tf[i], dl[i]); k++)
				;
			ck_assert_uint_lt(k, np);
		}
		ck_assert_uint_eq(pt[np - 1], ft[nf - 1]); /* highest tf */
		ck_assert_uint_eq(pd[0], fd[0]);           /* shortest */
		/* bytes and back; a cut after pair j reads j+1 pairs, a cut
		 * inside a pair reads as damage */
		att_buf_clear(&b);
		for (k = 0; k < np; k++) {
			att_impacts_put(&b, pt, pd, k + 1);
			ends[k] = b.n;
			att_buf_clear(&b);
		}
		att_impacts_put(&b, pt, pd, np);
		ck_assert_uint_eq(b.n, ends[np - 1]);
		ck_assert_uint_eq(att_impacts_get(gt, gd, b.p, b.n), np);
		ck_assert_mem_eq(gt, pt, np * sizeof *pt);
		ck_assert_mem_eq(gd, pd, np * sizeof *pd);
		for (i = 1, k = 0; i < b.n; i++) {
			while (k < np && ends[k] < i)
				k++;
			ck_assert_uint_eq(att_impacts_get(gt, gd, b.p, i),
			                  ends[k] == i ? k + 1 : 0);
		}
	}
	ck_assert_uint_gt(merged, 100);
	ck_assert_uint_gt(exact, 1000);
	/* exact bytes: (1, 40), (3, 41), (7, 90) */
	pt[0] = 1, pd[0] = 40, pt[1] = 3, pd[1] = 41, pt[2] = 7, pd[2] = 90;
	att_buf_clear(&b);
	att_impacts_put(&b, pt, pd, 3);
	ck_assert_uint_eq(b.n, 6);
	ck_assert_mem_eq(b.p, "\x01\x28\x01\x00\x03\x30", 6);
	/* refused: nothing, a varint cut, one pair too many, a value past
	 * 32 bits */
	ck_assert_uint_eq(att_impacts_get(gt, gd, b.p, 0), 0);
	ck_assert_uint_eq(att_impacts_get(gt, gd, (const uint8_t *)"\x01\x80", 2), 0);
	memset(zeros, 0, sizeof zeros);
	ck_assert_uint_eq(att_impacts_get(gt, gd, zeros, 2 * ATT_IMPACTS_MAX + 2), 0);
	ck_assert_uint_eq(att_impacts_get(gt, gd, zeros, 2 * ATT_IMPACTS_MAX),
	                  ATT_IMPACTS_MAX);
	ck_assert_uint_eq(gt[ATT_IMPACTS_MAX - 1], ATT_IMPACTS_MAX - 1);
	ck_assert_uint_eq(att_impacts_get(gt, gd, (const uint8_t *)
	                                  "\xff\xff\xff\xff\x0f\x00\x00\x00",
	                                  8), 0);
	att_buf_release(&b);
}
END_TEST

/* ---- CRC-32 ----------------------------------------------------------- */

START_TEST(crc32_known_values)
{
	const char *s = "123456789";
	uint32_t c;

	ck_assert_uint_eq(att_crc32(0, s, 9), 0xCBF43926u);
	ck_assert_uint_eq(att_crc32(0, s, 0), 0);
	ck_assert_uint_eq(att_crc32(0, NULL, 0), 0);
	c = att_crc32(0, s, 4);
	ck_assert_uint_eq(att_crc32(c, s + 4, 5), 0xCBF43926u);
	ck_assert_uint_eq(att_crc32(0, "a", 1), 0xE8B7BE43u);
}
END_TEST

/* libdeflate's folding paths (by 16, 64 and more bytes, unaligned heads
 * and tails) against zlib's table-driven crc32(), which wrote every index
 * before format 6 and still combines the pages' CRCs (format/fwriter.c) */
START_TEST(crc32_matches_zlib)
{
	enum { BIG = (1 << 20) + 77 };
	unsigned char *b = malloc(BIG + 64);
	uint32_t x = 2463534242u;
	size_t i, off, n;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < BIG + 64; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		b[i] = (unsigned char)x;
	}
	for (off = 0; off < 16; off++)
		for (n = 0; n <= 600; n++)
			ck_assert_uint_eq(att_crc32(0, b + off, n),
			                  (uint32_t)crc32(0, b + off, (uInt)n));
	for (n = 4096 - 3; n <= 4096 + 3; n++)
		ck_assert_uint_eq(att_crc32(0x12345678u, b + 5, n),
		                  (uint32_t)crc32(0x12345678u, b + 5, (uInt)n));
	ck_assert_uint_eq(att_crc32(0, b + 3, BIG),
	                  (uint32_t)crc32(0, b + 3, BIG));
	/* a running CRC carried across pieces, as the writer streams */
	x = 0;
	for (off = 0; off < BIG; off += n) {
		n = off % 7919 + 1;
		if (n > BIG - off)
			n = BIG - off;
		x = att_crc32(x, b + off, n);
	}
	ck_assert_uint_eq(x, (uint32_t)crc32(0, b, BIG));
	free(b);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("varint");

	tcase_add_test(tc, varint_round_trips);
	tcase_add_test(tc, varint_exact_bytes);
	tcase_add_test(tc, varint_bad_inputs);
	tcase_add_test(tc, varint_stops_at_its_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("pack");
	tcase_add_loop_test(tc, pack_random_every_width, 0, 33);
	tcase_add_loop_test(tc, pack_adversarial_every_width, 0, 33);
	tcase_add_test(tc, pack_exact_bytes);
	tcase_add_test(tc, bits_needed_cases);
	tcase_add_test(tc, rice_round_trips);
	tcase_add_test(tc, rice_exact_bytes);
	tcase_add_test(tc, rice_bad_inputs);
	tcase_add_test(tc, rice_pairs_round_trips);
	tcase_add_test(tc, rice_pairs_exact_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("impacts");
	tcase_add_test(tc, impacts_against_brute_force);
	suite_add_tcase(s, tc);
	tc = tcase_create("crc32");
	tcase_add_test(tc, crc32_known_values);
	tcase_add_test(tc, crc32_matches_zlib);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
