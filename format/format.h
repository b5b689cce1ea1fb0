/*
 * format.h: what the writer and the reader of an index share.
 *
 * Section by section, which file implements what:
 *   alloc.c   - the one allocation wrapper (att_malloc, ...), which a test
 *               can make fail on the Nth call
 *   buf.c     - the growable byte buffer with a sticky error, used for all
 *               encoding
 *   codec.c   - byte-order helpers, the varint codec, 128-value bit
 *               packing, CRC-32 (zlib)
 *   files.c   - file names, magics, the header/trailer every file has,
 *               and the checked-read cursor
 *   fwriter.c - a buffered, checksumming file writer that fsyncs, and
 *               directory fsync
 *   manifest.c- the manifest: the list of committed segments, collection
 *               statistics and analyser settings
 *   segread.c - one committed segment, mapped read-only: dictionary
 *               look-up and iteration, postings cursors with block
 *               skipping, positions, document lengths, sentence tables,
 *               stored records; every read bounds-checked
 *
 * The on-disk format itself is specified in docs/FORMAT.md.
 */
#ifndef ATT_FORMAT_H
#define ATT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "attache.h"

/* ---- alloc.c ------------------------------------------------------------ */

/* Thin wrappers over malloc/realloc/calloc/free. In builds with
 * ATT_ALLOC_TESTING defined, att_alloc_fail_after(n) makes the n-th
 * following allocation (and every one after it) return NULL, and
 * att_alloc_fail_after(-1) turns that off. */
void *att_malloc(size_t n);
void *att_calloc(size_t count, size_t size);
void *att_realloc(void *p, size_t n);
void att_free(void *p);
char *att_strndup(const char *s, size_t n);
void att_alloc_fail_after(long n);

/* ---- buf.c -------------------------------------------------------------- */

/* A growable byte buffer. After an allocation failure rc is ATT_ENOMEM
 * and every later append is a no-op: check rc once at the end. */
typedef struct att_buf {
	uint8_t *p;
	size_t n;    /* bytes used */
	size_t cap;  /* bytes allocated */
	int rc;      /* sticky status, ATT_OK until something fails */
} att_buf;

void att_buf_init(att_buf *b);
void att_buf_release(att_buf *b);          /* frees memory, resets */
void att_buf_clear(att_buf *b);            /* n = 0, keeps memory and rc */
int att_buf_reserve(att_buf *b, size_t extra); /* 0 ok, -1 on failure */
void att_buf_append(att_buf *b, const void *p, size_t n);
void att_buf_putc(att_buf *b, uint8_t c);
void att_buf_put_u16le(att_buf *b, uint16_t v);
void att_buf_put_u32le(att_buf *b, uint32_t v);
void att_buf_put_u64le(att_buf *b, uint64_t v);
void att_buf_put_varint(att_buf *b, uint64_t v);
/* Appends printf-formatted text (not NUL-counted in n, but NUL-kept). */
void att_buf_printf(att_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- codec.c ------------------------------------------------------------ */

static inline uint16_t att_get_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t att_get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}
static inline uint64_t att_get_u64le(const uint8_t *p)
{
	return (uint64_t)att_get_u32le(p) | (uint64_t)att_get_u32le(p + 4) << 32;
}
static inline void att_put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void att_put_u64le(uint8_t *p, uint64_t v)
{
	att_put_u32le(p, (uint32_t)v);
	att_put_u32le(p + 4, (uint32_t)(v >> 32));
}

/* Big-endian 64-bit: the byte order of a sortable key (typed fields'
 * keys in Xapian's value slots and facet tables). */
static inline void att_put_u64be(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static inline uint64_t att_get_u64be(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Varints: 7 bits a byte, least significant group first, high bit set on
 * every byte but the last (the LEB128 layout). At most 10 bytes. */
#define ATT_VARINT_MAX 10

/* Encodes V at P (which has room for ATT_VARINT_MAX bytes); returns the
 * number of bytes written. */
size_t att_varint_put(uint8_t *p, uint64_t v);

/* Decodes one varint from [P, END). Returns the bytes consumed, or 0 if
 * the input ends first or the varint is longer than 10 bytes or overflows
 * 64 bits. Never reads at or past END. */
size_t att_varint_get(uint64_t *v, const uint8_t *p, const uint8_t *end);

/* The number of bytes att_varint_put would write for V. */
size_t att_varint_len(uint64_t v);

/* Bit packing of exactly ATT_BLOCK (128) 32-bit values. */
#define ATT_BLOCK 128

/* The bits needed for the largest of the N values (0 if all are 0). */
unsigned att_bits_needed(const uint32_t *v, size_t n);

/* Packs 128 values of BITS bits each (0 <= bits <= 32, each value fits)
 * into 16 * BITS bytes at OUT, little-endian bit order: value i occupies
 * bits [i*bits, (i+1)*bits) of the output read as one little-endian
 * integer. Returns 16 * bits. */
size_t att_pack128(uint8_t *out, const uint32_t *v, unsigned bits);

/* Unpacks 128 values of BITS bits from IN, which must hold 16 * BITS
 * readable bytes (the caller checks). */
void att_unpack128(uint32_t *v, const uint8_t *in, unsigned bits);

/*
 * Impacts (FORMAT.md 5.3): the (tf, document length) pairs of a block of
 * postings that no other posting of the block beats in both, a higher or
 * equal tf at a shorter or equal length. Every posting's BM25 score, for
 * any k1, b and average length, is at most the best of its block's
 * pairs', so they bound the block exactly where (highest tf, shortest
 * length) alone bounds it loosely. At most ATT_IMPACTS_MAX pairs are
 * kept: beyond that, neighbours merge into (the higher tf, the shorter
 * length), still a bound. Pairs go by rising tf (and so rising length).
 */
#define ATT_IMPACTS_MAX 16

/* The block's pairs from its N postings' TF and DL into PT, PD (room for
 * ATT_IMPACTS_MAX); returns how many (1..ATT_IMPACTS_MAX; 0 if N is 0). */
size_t att_impacts_build(uint32_t *pt, uint32_t *pd, const uint32_t *tf,
                         const uint32_t *dl, size_t n);
/* Appends NP pairs to B: tf and length of the first as varints, then of
 * each later one its rise minus 1 in both. */
void att_impacts_put(att_buf *b, const uint32_t *pt, const uint32_t *pd,
                     size_t np);
/* Reads the pairs of [P, P+N) into PT, PD (room for ATT_IMPACTS_MAX).
 * Returns how many, or 0 if the bytes are not 1..ATT_IMPACTS_MAX pairs
 * exactly, or a value passes 2^32-1. */
size_t att_impacts_get(uint32_t *pt, uint32_t *pd, const uint8_t *p,
                       size_t n);

/*
 * Rice codes, the positions codec (FORMAT.md 5.4). N values with
 * parameter k (0 <= k <= ATT_RICE_KMAX) are written as k in 5 bits,
 * then the k low bits of every value, then every value's quotient
 * v >> k in unary (that many zero bits, then a one bit), then zero bits
 * to a whole byte. Bits run LSB first within each byte. With the low
 * bits at fixed places and the quotients ended by one bits, a reader
 * skips codes by counting bits instead of decoding them.
 */
#define ATT_RICE_KMAX 31u

/* The bits the N values take as Rice codes with parameter K, the 5 bits
 * of K and the final padding excluded. */
uint64_t att_rice_bits(const uint32_t *v, size_t n, unsigned k);
/* A parameter that makes the N values small (the best of a few near
 * their mean's bit length): what the writer stores. */
unsigned att_rice_choose(const uint32_t *v, size_t n);
/* Appends the N values as Rice codes with parameter K to B, the layout
 * above: a positions block. */
void att_rice_put(att_buf *b, const uint32_t *v, size_t n, unsigned k);
/* Appends N pairs (X[i], Y[i]) as one bit string, a partial postings
 * block (FORMAT.md 5.3): X's parameter and Y's in 5 bits each (each
 * chosen by att_rice_choose), X's low bits, Y's, X's quotients, Y's,
 * zero bits to a whole byte. */
void att_rice_put_pairs(att_buf *b, const uint32_t *x, const uint32_t *y,
                        size_t n);
/* Reads what att_rice_put_pairs wrote from [P, P+AVAIL): the N pairs
 * into X and Y, the bytes the string takes into *USED. 0, or -1 if the
 * bits run out or a value passes 2^32-1. */
int att_rice_get_pairs(uint32_t *x, uint32_t *y, size_t n, const uint8_t *p,
                       size_t avail, size_t *used);

/* A bounds-checked bit reader over [p, end), LSB first. w holds the next
 * HAVE bits, at most 63 (and possibly, above them, copies of the bytes
 * at p, which a refill ORs in again unchanged). */
typedef struct att_bits {
	const uint8_t *p, *end;
	uint64_t w;
	unsigned have;
} att_bits;

static inline void att_bits_init(att_bits *r, const uint8_t *p, size_t n)
{
	r->p = p;
	r->end = p + n;
	r->w = 0;
	r->have = 0;
}

/* Tops W up to at least 56 bits (at most 63), or to every bit left. */
static inline void att_bits_refill(att_bits *r)
{
	if (r->end - r->p >= 8) {
		uint64_t x;
		unsigned n = (63 - r->have) >> 3;

		memcpy(&x, r->p, sizeof x);
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		x = att_get_u64le(r->p);
#endif
		r->w |= x << r->have;
		r->p += n;
		r->have += 8 * n;
		return;
	}
	while (r->have <= 55 && r->p < r->end) {
		r->w |= (uint64_t)*r->p++ << r->have;
		r->have += 8;
	}
}

/* Drops the next N (<= HAVE) bits. */
static inline void att_bits_drop(att_bits *r, unsigned n)
{
	r->w >>= n;
	r->have -= n;
}

/* Reads N (<= 32) bits into *V: 0, or -1 if they run out. */
static inline int att_bits_get(att_bits *r, unsigned n, uint32_t *v)
{
	if (r->have < n)
		att_bits_refill(r);
	if (r->have < n)
		return -1;
	*v = (uint32_t)(r->w & (((uint64_t)1 << n) - 1));
	att_bits_drop(r, n);
	return 0;
}

/* Reads one unary quotient (zero bits ended by a one bit) into *Q: 0, or
 * -1 if the bits run out or Q passes 2^32-1. The window is refilled only
 * when the quotient's end is not in it. */
static inline int att_unary_get(att_bits *r, uint64_t *q)
{
	uint64_t z = 0;
	unsigned t;

	if (r->w != 0 && (t = (unsigned)__builtin_ctzll(r->w)) < r->have) {
		att_bits_drop(r, t + 1);
		*q = t;
		return 0;
	}
	for (;;) {
		att_bits_refill(r);
		if (r->have == 0 || z > UINT32_MAX)
			return -1;
		if (r->w != 0 && (t = (unsigned)__builtin_ctzll(r->w)) < r->have) {
			att_bits_drop(r, t + 1);
			*q = z + t;
			return *q > UINT32_MAX ? -1 : 0;
		}
		z += r->have;
		att_bits_drop(r, r->have);
	}
}

/* Skips N unary quotients: 0, or -1 if the bits run out first. */
static inline int att_unary_skip(att_bits *r, uint64_t n)
{
	while (n > 0) {
		uint64_t live;
		unsigned c;

		if (r->have < 57)
			att_bits_refill(r);
		if (r->have == 0)
			return -1;
		live = r->w & (((uint64_t)1 << r->have) - 1);
		c = (unsigned)__builtin_popcountll(live);
		if (c < n) {
			n -= c;
			att_bits_drop(r, r->have);
			continue;
		}
		while (--n > 0) /* the n-th one bit ends the last quotient */
			live &= live - 1;
		att_bits_drop(r, (unsigned)__builtin_ctzll(live) + 1);
	}
	return 0;
}

/* CRC-32 (the zlib/IEEE polynomial); crc starts at 0. */
uint32_t att_crc32(uint32_t crc, const void *p, size_t n);

/* ---- files.c ------------------------------------------------------------ */

/* Every index file: 8-byte header (4-byte magic, u32le version), the
 * body, and a 4-byte trailer (u32le CRC-32 of every byte before it). */
/* 2: manifest entries carry live counts and a deletions generation;
 * .del files; document id terms.
 * 3: field terms; title lengths in document rows, skip entries (highest
 * title tf) and manifest entries.
 * 4: .pst, .pos and .sto are paged files (ATT_PAGE), checked a page at a
 * time as they are read.
 * 5: the store's blocks are zstd frames against a per-segment dictionary.
 * 6: .dic, .doc and .sen are paged files too.
 * 7: skip entries of 28 bytes, pointing at each block's impacts. */
#define ATT_FORMAT_VERSION 8u
/* A postings skip entry's bytes (FORMAT.md 5.3). */
#define ATT_SKIP_ENTRY 28
#define ATT_HEADER_SIZE 8
#define ATT_TRAILER_SIZE 4

#define ATT_MAGIC_MANIFEST "ATMF"
#define ATT_MAGIC_DICT "ATDI"
#define ATT_MAGIC_POSTINGS "ATPO"
#define ATT_MAGIC_POSITIONS "ATPS"
#define ATT_MAGIC_DOCS "ATDO"
#define ATT_MAGIC_SENTENCES "ATSE"
#define ATT_MAGIC_STORE "ATST"
#define ATT_MAGIC_VALUES "ATVA"
#define ATT_MAGIC_DELETES "ATDL"

/*
 * Paged files (all six segment files; not the manifest nor .del) carry a
 * CRC-32 of every ATT_PAGE bytes besides the file's own, so that a reader
 * can check each page when it first reads it instead of the whole file
 * at open:
 *
 *   [0, B)         header and body, in pages of ATT_PAGE bytes from 0
 *   [B, B + 4P)    P u32 page CRCs, P = ceil(B / ATT_PAGE)
 *   B + 4P         u32 P
 *   B + 4P + 4     u32 CRC-32 of [B, B + 4P + 4): the table's own
 *   n - 4          u32 CRC-32 of [0, n - 4), as in every file
 */
#define ATT_PAGE 4096u
#define ATT_PAGED_TAIL 12u /* count, table CRC, file CRC */

/* Whether files with MAGIC are paged. */
int att_magic_paged(const char *magic);

/* What a reader knows of a paged file's pages. ok[i]: 0 unchecked,
 * 1 checked and sound, 2 checked and damaged; read and written with
 * relaxed atomics (searchers share segments across threads; checking a
 * page twice is harmless). */
typedef struct att_pages {
	uint32_t n;            /* pages; 0 for a file that is not paged */
	size_t body_end;       /* B */
	const uint8_t *crcs;   /* the table, in the mapping */
	uint8_t *ok;           /* n bytes, att_calloc'd */
} att_pages;

/* The store (docs/FORMAT.md 5.7): its zstd frames are written without
 * their first ATT_STORE_ZMAGIC bytes, the magic number, and its
 * dictionary holds at most ATT_STORE_DICT bytes. */
#define ATT_STORE_ZMAGIC 4u
#define ATT_STORE_DICT (64u * 1024u)

/* A bounds-checked read cursor over [p, end). Every get fails (returns
 * -1 and sets err) rather than read past end; after the first failure
 * the cursor stays failed. */
typedef struct att_cursor {
	const uint8_t *p;
	const uint8_t *end;
	int err;
} att_cursor;

static inline void att_cursor_init(att_cursor *c, const uint8_t *p, size_t n)
{
	c->p = p;
	c->end = p + n;
	c->err = 0;
}
int att_cursor_varint_slow(att_cursor *c, uint64_t *v);
/* One-byte varints (most gaps, counts and offsets) are read inline. */
static inline int att_cursor_varint(att_cursor *c, uint64_t *v)
{
	if (c->p < c->end && *c->p < 0x80 && !c->err) {
		*v = *c->p++;
		return 0;
	}
	return att_cursor_varint_slow(c, v);
}
int att_cursor_varint32_slow(att_cursor *c, uint32_t *v);
/* As att_cursor_varint, and fails on a value above UINT32_MAX. */
static inline int att_cursor_varint32(att_cursor *c, uint32_t *v)
{
	if (c->p < c->end && *c->p < 0x80 && !c->err) {
		*v = *c->p++;
		return 0;
	}
	return att_cursor_varint32_slow(c, v);
}
int att_cursor_u32le(att_cursor *c, uint32_t *v);
int att_cursor_u64le(att_cursor *c, uint64_t *v);
int att_cursor_bytes(att_cursor *c, const uint8_t **p, size_t n);

/* Checks the header (magic, version) and trailer (CRC) of the whole file
 * image [P, P+N). Returns ATT_OK, ATT_ECORRUPT (too short, wrong magic,
 * CRC mismatch) or ATT_EVERSION, with a message naming NAME written into
 * MSG (of MSGCAP bytes). */
att_status att_file_check(const uint8_t *p, size_t n, const char *magic,
                          const char *name, char *msg, size_t msgcap);

/* Maps the index file PATH read-only and checks it as att_file_check
 * does; *OUT and *OUT_N get the mapping (munmap it) on success only. A
 * missing file is ATT_ECORRUPT (a manifest named it), other failures
 * ATT_EIO; the message names PATH. */
/* Maps the paged file PATH (see ATT_PAGE) read-only and checks its page
 * table and its first page, or every page if it is smaller than
 * att_lazy_min bytes; the rest are left to att_pages_check. Otherwise as
 * att_file_map. */
att_status att_file_map_paged(const uint8_t **out, size_t *out_n,
                              att_pages *pg, const char *path,
                              const char *magic, char *msg, size_t msgcap);
/* Files at least this big are checked a page at a time as they are read
 * (1 MiB; tests lower it to reach the lazy path on small indexes). */
extern size_t att_lazy_min;
/* Checks the pages of [P, P+N) that overlap [OFF, OFF+LEN): ATT_OK, or
 * ATT_ECORRUPT if one fails its CRC (remembered: later reads fail too). */
att_status att_pages_check(const att_pages *pg, const uint8_t *p, uint64_t off,
                           uint64_t len);
/* The first damaged page found, or UINT32_MAX. */
uint32_t att_pages_bad(const att_pages *pg);
void att_pages_free(att_pages *pg);

att_status att_file_map(const uint8_t **out, size_t *out_n, const char *path,
                        const char *magic, char *msg, size_t msgcap);

/* Appends the 8-byte header to B. */
void att_file_header(att_buf *b, const char *magic);

/* Appends the CRC-32 trailer of B's current contents. */
void att_file_trailer(att_buf *b);


/* ---- fwriter.c ---------------------------------------------------------- */

/* A file being written: output is staged in a buffer, a running CRC-32
 * covers every byte, and the first error (errno-based, or ATT_ENOMEM) is
 * sticky: later writes are no-ops and att_fw_finish reports it. */
typedef struct att_fwriter {
	int fd;
	char *path;        /* att_malloc'd copy, for messages and cleanup */
	att_buf stage;
	uint64_t off;      /* bytes written so far, header included */
	uint32_t crc;
	int rc;
	int paged;         /* ATT_PAGE CRCs kept in pages (att_magic_paged) */
	uint32_t page_crc, page_fill;
	att_buf pages;
	char msg[256];
} att_fwriter;

/* Creates PATH (truncating it) and writes the header with MAGIC. */
att_status att_fw_open(att_fwriter *fw, const char *path, const char *magic);
void att_fw_write(att_fwriter *fw, const void *p, size_t n);
void att_fw_varint(att_fwriter *fw, uint64_t v);
void att_fw_u32le(att_fwriter *fw, uint32_t v);
void att_fw_u64le(att_fwriter *fw, uint64_t v);
/* Appends the CRC trailer, flushes, fsyncs and closes. On any error the
 * message is in fw->msg. Always releases the writer's resources. */
att_status att_fw_finish(att_fwriter *fw);
/* Closes and removes a file that will not be finished. */
void att_fw_abort(att_fwriter *fw);
/* fsyncs the directory DIR, so renames and new files in it are durable. */
att_status att_fsync_dir(const char *dir, char *msg, size_t msgcap);

/* ---- manifest.c --------------------------------------------------------- */

/* The longest term a dictionary holds: analysed terms are at most 64
 * bytes, but document-id terms (ATT_ID_PREFIX + the id) reach 1025. */
#define ATT_TERM_BYTES_MAX 1040
/* Each document's external id is indexed as one more term, this byte
 * followed by the id, so deletes and replaces find it in the dictionary.
 * The analyser never produces a term starting with a control byte. */
#define ATT_ID_PREFIX '\x01'
#define ATT_ID_MAX 1024

/* Each document is also indexed under field terms: this byte, a field's
 * name (lowercased), ':', then an analysed term of that field, as in
 * "\x02title:summit". The title is one field; so is every extra field
 * whose name att_field_name accepts. A field term's positions count from
 * 0 within its field. Sorting before every analysed term, field terms
 * are never matched by a plain word. */
#define ATT_FIELD_PREFIX '\x02'
#define ATT_FIELD_NAME_MAX 32
/* prefix, name, ':', and an analysed term (ATT_MAX_TERM, stemmer.h) */
#define ATT_FIELD_TERM_MAX (ATT_FIELD_NAME_MAX + 2 + 64)

/* Writes NAME lowercased into OUT (ATT_FIELD_NAME_MAX bytes) and returns
 * its length, or 0 if a field of that name is not indexed: the name must
 * be 1 to 32 ASCII letters, digits, '_', '-' or '.'. Callers that index
 * extra fields also skip "id", "title" and "text" (see docan.c). */
static inline size_t att_field_name(char *out, const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > ATT_FIELD_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || ch == '.'))
			return 0;
		out[i] = ch;
	}
	return len;
}

/* Writes the field term of NAME (as att_field_name gives it, NLEN bytes)
 * and TERM (TLEN bytes) into OUT, of CAP bytes; returns its length, or 0
 * if it does not fit. */
static inline size_t att_field_term(char *out, size_t cap, const char *name,
                                    size_t nlen, const char *term, size_t tlen)
{
	if (nlen + tlen + 2 > cap)
		return 0;
	out[0] = ATT_FIELD_PREFIX;
	memcpy(out + 1, name, nlen);
	out[1 + nlen] = ':';
	memcpy(out + 2 + nlen, term, tlen);
	return nlen + tlen + 2;
}

/* ---- fields.c: typed fields ------------------------------------------------ */

/* A typed field (att_field_type, attache.h) is declared once for an
 * index and kept in its manifest: its values go into each segment's
 * columns (.val, docs/FORMAT.md 5.11) for filters, sorts and facets. A
 * keyword field's values are indexed as field terms of the whole folded
 * value; dates and numbers have no terms. */
#define ATT_SCHEMA_MAX 64
/* A keyword value's bytes after folding, at most. */
#define ATT_KEYWORD_MAX 256

typedef struct att_schema {
	uint32_t n;
	struct {
		char name[ATT_FIELD_NAME_MAX + 1]; /* lowercased, NUL-ended */
		uint8_t len;
		uint8_t type;                      /* ATT_FIELD_KEYWORD... */
	} f[ATT_SCHEMA_MAX];
} att_schema;

/* "keyword", "date", "number"; the type named NAME, or -1. */
const char *att_field_type_name(unsigned type);
int att_field_type_of(const char *name, size_t len);
/* The index of the field named NAME (lowercased), or -1. */
int att_schema_find(const att_schema *s, const char *name, size_t len);
/* Declares NAME (lowercased) as TYPE; ATT_OK if it already is;
 * ATT_EINVAL (a bad name, or declared as another type) or ATT_ELIMIT
 * with a message. */
att_status att_schema_add(att_schema *s, const char *name, size_t len,
                          unsigned type, char *msg, size_t msgcap);

/* Parses a date (fields.c has the forms): *LO and *HI get the first and
 * last second of the period it names, in seconds since 1970 UTC.
 * ATT_OK or ATT_EINVAL. */
att_status att_date_parse(int64_t *lo, int64_t *hi, const char *s, size_t n);
/* "YYYY-MM-DDTHH:MM:SSZ" into OUT; its length, or 0 if CAP is short. */
size_t att_date_format(char *out, size_t cap, int64_t t);
int64_t att_days_from_civil(int64_t y, int m, int d);
/* The civil date of day Z since 1970-01-01. */
void att_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* The first second of the year ('y'), month ('m') or day ('d') of T. */
int64_t att_date_bucket(int64_t t, char unit);
/* Adds DECL[0..N) to S: a field S has keeps its type (ATT_EINVAL, as
 * att_schema_add says), and a new one needs an index without documents
 * (HAS_DOCS 0; else ATT_EINVAL naming PATH). S is unchanged on error. */
att_status att_schema_declare(att_schema *s, const att_field_decl *decl,
                              size_t n, int has_docs, const char *path,
                              char *msg, size_t cap);
/* An integer or decimal number; ATT_OK or ATT_EINVAL. */
att_status att_number_parse(double *v, const char *s, size_t n);
/* A whole number under 10^15 in digits, else the shortest text that
 * reads back as V; its length, or 0. */
size_t att_number_format(char *out, size_t cap, double v);
/* 64-bit keys that sort as the values do. */
uint64_t att_key_of_date(int64_t t);
int64_t att_date_of_key(uint64_t k);
uint64_t att_key_of_number(double v);
double att_number_of_key(uint64_t k);

/* Packed arrays: N values of W bits (0 to 64), LSB first in u64le
 * words, ceil(N * W / 64) of them. */
unsigned att_bitlen64(uint64_t v);
void att_pack_put(att_buf *b, const uint64_t *v, size_t n, unsigned w);
static inline size_t att_pack_bytes(uint64_t n, unsigned w)
{
	return (size_t)((n * w + 63) / 64 * 8);
}
/* Value I of the packed array at P (of att_pack_bytes(n, W) bytes). */
static inline uint64_t att_pack_get(const uint8_t *p, uint64_t i, unsigned w)
{
	uint64_t bit = i * w, v;
	unsigned sh = (unsigned)(bit & 63);

	if (w == 0)
		return 0;
	v = att_get_u64le(p + (bit >> 6) * 8) >> sh;
	if (sh + w > 64)
		v |= att_get_u64le(p + (bit >> 6) * 8 + 8) << (64 - sh);
	return w == 64 ? v : v & ((UINT64_C(1) << w) - 1);
}

#define ATT_MANIFEST_NAME "MANIFEST"
#define ATT_LOCK_NAME "LOCK"
/* An index's own synonym file, beside its manifest (docs/QUERY.md) */
#define ATT_SYNONYMS_NAME "synonyms.txt"
#define ATT_LANG_MAX 31

/* The files of one segment: DIR/segNNNNNN.EXT. */
enum att_seg_file {
	ATT_SEG_DICT,
	ATT_SEG_POSTINGS,
	ATT_SEG_POSITIONS,
	ATT_SEG_DOCS,
	ATT_SEG_SENTENCES,
	ATT_SEG_STORE,
	ATT_SEG_VALUES,
	ATT_SEG_NFILES
};

extern const char *const att_seg_ext[ATT_SEG_NFILES];
extern const char *const att_seg_magic[ATT_SEG_NFILES];

/* Writes DIR/segNNNNNN.EXT into OUT (of CAP bytes). */
void att_seg_path(char *out, size_t cap, const char *dir, uint32_t seg,
                  enum att_seg_file f);
/* Writes DIR/segNNNNNN_G.del, the deletions of generation G. */
void att_del_path(char *out, size_t cap, const char *dir, uint32_t seg,
                  uint32_t gen);

typedef struct att_seg_info {
	uint32_t id;
	uint32_t docs;      /* documents stored, deleted ones included */
	uint32_t live;      /* documents not deleted */
	uint32_t del_gen;   /* 0: nothing deleted; else segNNNNNN_G.del */
	uint64_t tokens;    /* sum of the live documents' lengths */
	uint64_t raw_bytes; /* bytes of the live documents' titles and texts */
	uint64_t title_tokens; /* sum of the live documents' title lengths */
} att_seg_info;

typedef struct att_manifest {
	uint64_t generation;
	char language[ATT_LANG_MAX + 1];
	uint32_t next_seg;  /* the id the next new segment takes */
	uint32_t nsegs;
	att_seg_info *segs; /* att_malloc'd */
	uint64_t docs, tokens, raw_bytes, title_tokens; /* live sums over
	                                                   segments */
	uint64_t file_bytes;
	att_schema schema;  /* the typed fields */
} att_manifest;

/* Reads DIR/MANIFEST. ATT_ENOTFOUND if there is none; ATT_ECORRUPT or
 * ATT_EVERSION (message in MSG) if it is damaged. */
att_status att_manifest_read(att_manifest *m, const char *dir, char *msg,
                             size_t msgcap);
/* Writes M as DIR/MANIFEST.tmp, fsyncs it, renames it over DIR/MANIFEST
 * and fsyncs DIR. */
att_status att_manifest_write(const att_manifest *m, const char *dir,
                              char *msg, size_t msgcap);
void att_manifest_release(att_manifest *m);

/* ---- deletes.c ----------------------------------------------------------- */

/* How much a segment's deleted documents take off one term's statistics,
 * so that BM25 sees exactly what a rebuild without them would. */
typedef struct att_del_adj {
	const uint8_t *term;
	size_t len;
	uint32_t ddf;       /* deleted documents containing the term */
	uint64_t dcf;       /* their occurrences of it */
} att_del_adj;

/* A segment's deletions, mapped: a bitmap (bit d of byte d/8 set for a
 * deleted document d) and the adjustments, sorted by term. */
typedef struct att_deletes {
	const uint8_t *map;
	size_t map_n;
	const uint8_t *bits;   /* NULL when nothing is deleted */
	uint32_t ndocs, ndeleted;
	att_del_adj *adj;      /* att_malloc'd, pointing into map */
	uint32_t nadj;
} att_deletes;

/* Opens DIR/segNNNNNN_G.del for a segment of NDOCS documents; GEN 0
 * means none (an empty att_deletes). ATT_ECORRUPT with a message naming
 * the file if it is damaged or does not match NDOCS. */
att_status att_deletes_open(att_deletes *d, const char *dir, uint32_t seg,
                            uint32_t gen, uint32_t ndocs, char *msg,
                            size_t msgcap);
void att_deletes_close(att_deletes *d);

static inline int att_deleted(const att_deletes *d, uint32_t doc)
{
	return d->bits != NULL && (d->bits[doc >> 3] >> (doc & 7) & 1);
}

/* The adjustment for TERM, or NULL. */
const att_del_adj *att_deletes_find(const att_deletes *d, const char *term,
                                    size_t len);

/* Writes DIR/segNNNNNN_G.del: BITS (NDOCS bits) and ADJ (NADJ entries,
 * sorted by term, no duplicates), durably. */
att_status att_deletes_write(const char *dir, uint32_t seg, uint32_t gen,
                             const uint8_t *bits, uint32_t ndocs,
                             const att_del_adj *adj, uint32_t nadj, char *msg,
                             size_t msgcap);

/* ---- segread.c ----------------------------------------------------------- */

#define ATT_DOC_END UINT32_MAX

typedef struct att_segment {
	uint32_t id;
	uint32_t ndocs;
	char path[4096];     /* DIR/segNNNNNN, for messages */
	struct {
		const uint8_t *p;
		size_t n;
		size_t end;  /* the body's end: before the trailer or page table */
		att_pages pg; /* checked a page at a time */
	} f[ATT_SEG_NFILES]; /* whole files, mapped */
	const uint8_t *dict_sample;
	uint32_t ngroups;
	uint64_t nterms;
	uint64_t dict_body_end;
	const uint8_t *rows;    /* documents table */
	const uint8_t *names;   /* ids and titles */
	size_t names_n;
	const uint8_t *store_index;
	uint32_t nblocks;
	uint64_t store_index_off;
	struct att_store_dict *sdict; /* the store's dictionary, read when a
	                               * block first needs it (segread.c) */
	att_deletes del;
	struct att_valcol *vcols; /* the typed-field columns (.val) */
	uint32_t nvcols;
} att_segment;

/* A typed field's column in a segment (docs/FORMAT.md 5.11), its layout
 * read at open. */
typedef struct att_valcol {
	uint8_t type, len;              /* ATT_FIELD_*, name length */
	char name[ATT_FIELD_NAME_MAX + 1];
	uint64_t off, size;             /* its bytes in .val */
	const uint8_t *p;
	uint64_t base;                  /* dates, numbers: keys are base + */
	unsigned width;                 /* packed - 1, 0 packed for none */
	const uint8_t *packed;
	uint32_t nvalues;               /* keywords: distinct values */
	uint64_t nords, vbytes_len;     /* ordinals in all; the values' bytes */
	const uint8_t *voff, *vbytes;   /* nvalues + 1 u32 offsets; bytes */
	unsigned wstart, word;          /* widths of starts and ordinals */
	const uint8_t *starts, *ords;
	int checked;                    /* its pages verified (atomic) */
} att_valcol;

/* Maps and checks every file of the segment INFO describes, in DIR, and
 * its deletions if it has any. */
att_status att_segment_open(att_segment *seg, const char *dir,
                            const att_seg_info *info, char *msg,
                            size_t msgcap);
void att_segment_close(att_segment *seg);
/* Checks bytes [OFF, OFF+LEN) of file F against its page CRCs (pages
 * already checked cost a flag each): ATT_OK or ATT_ECORRUPT. */
static inline att_status att_segment_check(const att_segment *seg,
                                           enum att_seg_file f, uint64_t off,
                                           uint64_t len)
{
	const att_pages *pg = &seg->f[f].pg;
	uint64_t i = off / ATT_PAGE;

	/* the common case inline: bytes within one page found sound before */
	if (len > 0 && i == (off + len - 1) / ATT_PAGE && i < pg->n &&
	    __atomic_load_n(&pg->ok[i], __ATOMIC_RELAXED) == 1)
		return ATT_OK;
	return att_pages_check(pg, seg->f[f].p, off, len);
}
/* Column I of SEG, its pages checked the first time (ATT_ECORRUPT if
 * one fails, or there is no column I). */
att_status att_segment_column(const att_valcol **out, const att_segment *seg,
                              uint32_t i);
/* The column of field NAME (lowercased), or -1. */
int att_segment_column_find(const att_segment *seg, const char *name,
                            size_t len);
/* A date or number column's key for DOC: 1 and *KEY, or 0 if none. */
static inline int att_valcol_num(uint64_t *key, const att_valcol *c,
                                 uint32_t doc)
{
	uint64_t v = att_pack_get(c->packed, doc, c->width);

	*key = c->base + v - 1;
	return v != 0;
}
/* A keyword column: DOC's ordinals are [*FIRST, *FIRST + *N) of the
 * column's sequence; att_valcol_ord reads one, att_valcol_value gives an
 * ordinal's bytes. ATT_ECORRUPT if out of bounds. */
att_status att_valcol_doc(uint64_t *first, uint32_t *n, const att_valcol *c,
                          uint32_t doc);
att_status att_valcol_ord(uint32_t *ord, const att_valcol *c, uint64_t i);
att_status att_valcol_value(const uint8_t **p, size_t *len, const att_valcol *c,
                            uint32_t ord);

/* If a page of one of SEG's files failed its CRC: 1, with "FILE:
 * checksum mismatch in page P (bytes A to B)" in MSG; else 0. */
int att_segment_damage(const att_segment *seg, char *msg, size_t msgcap);

/* Drops the segment's mapped pages from the process's resident set
 * (they stay in the page cache): for readers that sweep a segment once,
 * such as merges, to keep resident memory bounded. */
void att_segment_release_pages(const att_segment *seg);

typedef struct att_term_info {
	uint32_t df;
	uint64_t cf;
	uint64_t post_off, post_len, pos_off, pos_len;
} att_term_info;

/* Looks TERM up: ATT_OK and *found 1 or 0, or ATT_ECORRUPT. */
att_status att_segment_lookup(att_term_info *ti, int *found,
                              const att_segment *seg, const char *term,
                              size_t len, char *msg, size_t msgcap);

/* Walks a segment's dictionary in term order. */
typedef struct att_dict_iter {
	const att_segment *seg;
	uint64_t i;               /* the next term's index */
	att_cursor c;
	uint8_t term[ATT_TERM_BYTES_MAX];
	size_t len;
	att_term_info ti;
	int held;                 /* a seek decoded the next term already */
} att_dict_iter;

void att_dict_iter_init(att_dict_iter *it, const att_segment *seg);
/* Moves to the next term: ATT_OK with *has 1 (it->term, it->len, it->ti
 * describe it) or 0 at the end, or ATT_ECORRUPT. */
att_status att_dict_iter_next(att_dict_iter *it, int *has);
/* Positions IT on SEG so that the next att_dict_iter_next gives the first
 * term >= KEY (LEN bytes) in byte order, or the end: a binary search of
 * the groups' first terms, then a scan of one group. ATT_OK or
 * ATT_ECORRUPT. Prefix queries seek to their prefix and read on while
 * the terms start with it. */
att_status att_dict_iter_seek(att_dict_iter *it, const att_segment *seg,
                              const uint8_t *key, size_t len);
/* As att_dict_iter_seek on IT's segment, searching forward from IT's
 * current term when that is before KEY: galloping over the groups from
 * the current one (1, 2, 4, ... ahead, then a bisection of the last
 * step), and reading on in the current group when KEY is there. For a
 * walk whose seeks go forward, often nearby: the fuzzy walk seeks before
 * most of the terms it reads, and on the 1 GB generated corpus this
 * nearly halves its time against a binary search each time. */
att_status att_dict_iter_seek_ahead(att_dict_iter *it, const uint8_t *key,
                                    size_t len);

/* What the skip table says of one block of postings: enough to bound the
 * block's best score without decoding it. */
typedef struct att_block_bound {
	uint32_t last_doc;        /* last document of the block */
	uint32_t max_tf, min_dl, max_title_tf;
	const uint8_t *imp;       /* its impacts (att_impacts_get), or NULL
	                             where there are none: a list of one
	                             block, or a whole list's bound */
	uint32_t imp_len;
} att_block_bound;

/* A cursor over one term's postings in one segment. */
typedef struct att_postings {
	const att_segment *seg;
	const uint8_t *skip;      /* nblocks entries, if nblocks > 1 */
	const uint8_t *data, *data_end; /* the blocks */
	const uint8_t *imp, *imp_end;   /* the impacts, if nblocks > 1 */
	const uint8_t *pos_base, *pos_end;
	uint32_t df, nblocks, block;
	uint32_t n, i;            /* postings in the decoded block, index */
	uint32_t doc;             /* current document, or ATT_DOC_END */
	const uint8_t *pos_blk, *pos_blk_end; /* the block's positions */
	att_bits pos_hi;          /* at the quotient of posting pos_i */
	uint64_t pos_lo;          /* the bit of its low bits in the block */
	uint32_t pos_i;
	unsigned pos_k;           /* the block's Rice parameter */
	int pos_open;             /* pos_k read and pos_bits set */
	int err;                  /* ATT_ECORRUPT once a read fails */
	uint32_t bound_block;     /* the block att_postings_shallow found
	                             last */
	att_block_bound one;      /* a one-block list's bound */
	/* A full block's tfs stay packed until a reader needs them all (its
	 * positions, a one-block bound): most decoded blocks of an AND or a
	 * pruned OR have few documents scored, and one packed tf is a load
	 * and a shift (att_postings_tf). */
	const uint8_t *tf_in;     /* the packed tf-1s, if tfs_packed */
	unsigned tf_bits;         /* their width, 0..31 */
	int tfs_packed;           /* tfs[] not yet filled */
	uint32_t docs[ATT_BLOCK], tfs[ATT_BLOCK];
} att_postings;

/* Positions the cursor on the term's first posting. */
att_status att_postings_init(att_postings *pc, const att_segment *seg,
                             const att_term_info *ti);
/* Moves to the next posting / the first posting with doc >= TARGET. Both
 * leave doc at ATT_DOC_END at the end, and return the new doc. On a
 * corrupt block pc->err is set and doc becomes ATT_DOC_END. */
uint32_t att_postings_next(att_postings *pc);
uint32_t att_postings_advance(att_postings *pc, uint32_t target);
/* Value I of a block of 128 values packed BITS (1..32) bits each, as
 * att_unpack128 reads it: a 64-bit load clamped to the block's last 8
 * bytes. */
static inline uint32_t att_unpack_one(const uint8_t *in, unsigned bits,
                                      uint32_t i)
{
	size_t bit = (size_t)i * bits, start = bit / 8, last = 16 * (size_t)bits - 8;
	uint64_t x;

	if (start > last)
		start = last;
	x = att_get_u64le(in + start);
	return (uint32_t)((x >> (bit - 8 * start)) & (((uint64_t)1 << bits) - 1));
}

static inline uint32_t att_postings_tf(const att_postings *pc)
{
	if (pc->tfs_packed)
		return pc->tf_bits == 0
		           ? 1
		           : att_unpack_one(pc->tf_in, pc->tf_bits, pc->i) + 1;
	return pc->tfs[pc->i];
}
/* Describes the block that holds the first posting >= TARGET (TARGET >=
 * the cursor's current doc), from the skip table, without decoding or
 * moving the cursor. Returns 0 (and leaves *OUT alone) if no posting >=
 * TARGET exists. A list of one block has no skip table: its bound is
 * computed once, at init, from the decoded block (max tf; min length over
 * its documents' rows; max_title_tf = max tf, a valid upper bound) and
 * covers the whole list with last_doc = its last document. Cheap: it
 * searches forward (galloping) from the entry it found last, since
 * targets only grow. */
int att_postings_shallow(att_block_bound *out, att_postings *pc,
                         uint32_t target);
/* The maxima over every block of the list (the bound of its best
 * document), from the skip table, or the one-block bound. A fresh walk:
 * it neither uses nor moves what att_postings_shallow remembers. */
void att_postings_max_bound(att_block_bound *out, const att_postings *pc);
/* Decodes the current posting's positions into *OUT (att_realloc'd,
 * capacity *CAP); *N gets the count. ATT_OK, ATT_ECORRUPT or ATT_ENOMEM.
 * Positions are decoded forward through each block, so asking for the
 * postings of a block in order costs each code once; asking for an
 * earlier posting of the block again re-reads the block from its start. */
att_status att_postings_positions(uint32_t **out, size_t *cap, uint32_t *n,
                                  att_postings *pc);

/* A documents-table row: u32 length, u32 store block, u32 offset in the
 * block, u32 record length, u32 sentence-table offset, u32 names offset,
 * u32 title length. */
#define ATT_DOC_ROW 28
#define ATT_ROW_TITLELEN 24

/* The length in tokens of DOC (< ndocs). */
static inline uint32_t att_segment_doclen(const att_segment *seg, uint32_t doc)
{
	return att_get_u32le(seg->rows + (size_t)doc * ATT_DOC_ROW);
}

/* The length in tokens of DOC's title (< ndocs): its title tokens have
 * positions 0 .. titlelen-1, so a posting's title tf is the number of its
 * positions below it. */
static inline uint32_t att_segment_titlelen(const att_segment *seg,
                                            uint32_t doc)
{
	return att_get_u32le(seg->rows + (size_t)doc * ATT_DOC_ROW +
	                     ATT_ROW_TITLELEN);
}


/* A document's title tokens take positions 0 .. title_len - 1 and its
 * text's start at title_len + ATT_TEXT_GAP, so no phrase spans the two
 * (FORMAT.md 5.1). */
#define ATT_TEXT_GAP 16

/* One sentence boundary: first token position and byte offset. */
typedef struct att_sentence {
	uint32_t pos;
	uint32_t byte;
} att_sentence;

/* Decodes DOC's sentence table: *N sentences plus the end sentinel, so
 * (*out)[*n] exists. */
att_status att_segment_sentences(att_sentence **out, size_t *cap, uint32_t *n,
                                 const att_segment *seg, uint32_t doc);
/* As att_segment_sentences, but stops at the first sentence (after the
 * first) that starts at position STOP or later, which then stands as the
 * end sentinel: *N counts the sentences before it. Passage scoring needs
 * the table only a window's length past the last hit. */
att_status att_segment_sentences_until(att_sentence **out, size_t *cap,
                                       uint32_t *n, const att_segment *seg,
                                       uint32_t doc, uint32_t stop);

/* The store's dictionary (FORMAT.md 5.7) in *P and *N (0 bytes if the
 * segment has none), decompressed the first time any thread asks and
 * kept until the segment is closed. ATT_ECORRUPT if it is damaged, then
 * and every later time, with the same message. */
att_status att_segment_store_dict(const uint8_t **p, size_t *n,
                                  const att_segment *seg, char *msg,
                                  size_t msgcap);

/* A stored record, pointing into the decompressed block. */
typedef struct att_record {
	const char *id, *title, *text;
	size_t id_len, title_len, text_len;
	const uint8_t *raw;       /* the whole record, fields included */
	size_t raw_len;
} att_record;

/* DOC's id and title, kept uncompressed beside the rows so that a page
 * of hits needs no decompressing unless it shows passages. ATT_ECORRUPT if
 * the row points outside the names area. */
att_status att_segment_names(att_record *rec, const att_segment *seg,
                             uint32_t doc);

/* A one-block cache of decompressed store blocks, with the zstd context
 * that decompresses them: one per thread. Zero-filled, or with BUF
 * att_buf_init'd, it is empty; att_block_cache_release frees it. */
typedef struct att_block_cache {
	const att_segment *seg;
	uint32_t block;
	att_buf buf;
	att_buf zin;              /* a frame with its magic put back */
	void *zd;                 /* ZSTD_DCtx, created at the first fetch */
} att_block_cache;

void att_block_cache_release(att_block_cache *cache);

/* As att_segment_fetch, but only the first UPTO bytes of the text need
 * to be there: rec->text_len is then at least min(UPTO, the text's
 * length), and rec->raw is not the whole record. Snippets need the text
 * only as far as their passages reach. (The block is decompressed whole,
 * a zstd frame being one piece; the bound spares the parse.) */
att_status att_segment_fetch_text(att_record *rec, att_block_cache *cache,
                                  const att_segment *seg, uint32_t doc,
                                  size_t upto, char *msg, size_t msgcap);
att_status att_segment_fetch(att_record *rec, att_block_cache *cache,
                             const att_segment *seg, uint32_t doc, char *msg,
                             size_t msgcap);

/* ---- xdata.c: index kinds, stored records, the Xapian backend's data --- */

/* What a path holds (xdata.c explains each). */
typedef enum att_index_kind {
	ATT_KIND_NONE,     /* nothing, or nothing attache knows */
	ATT_KIND_NATIVE,   /* a directory with a MANIFEST */
	ATT_KIND_XAPIAN,   /* a Xapian database directory */
	ATT_KIND_XSHARDS,  /* a directory of shards listed by its XAPIANDB */
	ATT_KIND_XSTUB     /* a regular file: a Xapian stub */
} att_index_kind;

att_index_kind att_index_kind_of(const char *path);
/* "an attache index", "a Xapian database", ... */
const char *att_index_kind_str(att_index_kind k);

/* Appends DOC's stored record (id, title, text, fields) to B. */
void att_record_put(att_buf *b, const att_doc *doc);
/* Reads a whole stored record from P, N. ATT_OK or ATT_ECORRUPT. */
att_status att_record_parse(att_record *rec, const uint8_t *p, size_t n);
/* The document a whole stored record REC holds (fetched whole, by
 * att_segment_fetch or att_record_parse): its fields go into *FIELDS
 * (att_realloc'd, capacity *CAP); D points into REC and *FIELDS.
 * ATT_OK, ATT_ECORRUPT (the fields do not decode) or ATT_ENOMEM. */
att_status att_doc_from_record(att_doc *d, att_field **fields, size_t *cap,
                               const att_record *rec);

#define ATT_XDATA_VERSION 1
/* Positions are stored this much higher in a Xapian database: Xapian
 * 1.4.22 reads a position list of exactly {0, 1} back as {1}. */
#define ATT_XPOS_SHIFT 1
/* The value slot of a Xapian document's sentence table. */
#define ATT_XVALUE_SENTENCES 0

/* A Xapian document's data, parsed: pointers into the data. */
typedef struct att_xdata {
	uint32_t title_tokens;
	att_record rec;
} att_xdata;

/* Appends the data of DOC: its title's token count and its record. */
void att_xdata_put(att_buf *b, const att_doc *doc, uint32_t title_tokens);
/* Appends a sentence table of NSENT sentences (SEN, SEN_LEN: the pairs
 * as docan makes them), as att_sentences_decode reads it. */
void att_xsentences_put(att_buf *b, uint32_t nsent, const uint8_t *sen,
                        size_t sen_len);
/* ATT_OK, ATT_ECORRUPT, or ATT_EVERSION (another data version). */
att_status att_xdata_parse(att_xdata *out, const uint8_t *p, size_t n);

/* The attache status of a wrapper status (attache_xapian.h's att_xstatus,
 * passed as an int so that this header needs no Xapian): locked, corrupt,
 * version, not found and out of memory map to their own; invalid and bad
 * query to ATT_EINVAL; the rest (modified, I/O, network, internal) to
 * ATT_EIO, the message saying which. Built with ATTACHE_WITH_XAPIAN. */
att_status att_status_of_x(int xstatus);

/* Decodes a sentence table (a varint count, then count + 1 pairs of
 * deltas) from P, LEN as att_segment_sentences_until does; *USED (if not
 * NULL) gets the bytes read, up to an early stop. */
att_status att_sentences_decode(att_sentence **out, size_t *cap, uint32_t *n,
                                const uint8_t *p, size_t len, uint32_t stop,
                                size_t *used);

#endif
