/*
 * files.c: the frame every index file shares, and the checked reader.
 *
 * Every file attache writes is
 *
 *     magic    4 bytes, e.g. "ATDI" (the ATT_MAGIC_* constants)
 *     version  u32le, ATT_FORMAT_VERSION
 *     body     whatever the file kind defines (docs/FORMAT.md)
 *     crc      u32le CRC-32 of every byte before it, header included
 *
 * A writer builds the whole image in an att_buf (header, body, trailer)
 * and writes it out; a reader maps the file and calls att_file_check
 * once before trusting any byte of it. The check goes from cheap to
 * thorough: size, magic, checksum, version. The checksum comes before the
 * version so that a flipped bit anywhere, the version field included,
 * reads as ATT_ECORRUPT; ATT_EVERSION is kept for a file that is intact
 * but was written by another format version. When both the checksum and
 * the version are off, the message says so, in case the stranger is a
 * future format whose trailer moved.
 *
 * After the check the body is read through an att_cursor: a pointer and
 * an end with a sticky error, in the manner of the SQLite FTS5 readers.
 * Every get checks its bounds, so a body that lies about its own lengths
 * (a bug, or damage the CRC happened to miss) fails cleanly instead of
 * reading past the mapping; the caller checks err once after a run of
 * gets and reports ATT_ECORRUPT.
 */
#include <assert.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "format.h"

/* ---- cursor -------------------------------------------------------------- */

/* Marks C failed; always returns -1 for the caller to pass on. */
static int cursor_fail(att_cursor *c)
{
	c->err = 1;
	return -1;
}

/* Reads one varint into *V (0 on failure). Returns 0, or -1 if the cursor
 * had failed, the bytes end mid-varint or the varint is malformed. */
int att_cursor_varint_slow(att_cursor *c, uint64_t *v)
{
	size_t n;

	*v = 0;
	if (c->err)
		return -1;
	n = att_varint_get(v, c->p, c->end);
	if (n == 0)
		return cursor_fail(c);
	c->p += n;
	return 0;
}

/* As att_cursor_varint, and also fails on a value above UINT32_MAX. */
int att_cursor_varint32_slow(att_cursor *c, uint32_t *v)
{
	uint64_t x;

	*v = 0;
	if (att_cursor_varint(c, &x) != 0)
		return -1;
	if (x > UINT32_MAX)
		return cursor_fail(c);
	*v = (uint32_t)x;
	return 0;
}

/* Reads a little-endian u32 into *V (0 on failure). */
int att_cursor_u32le(att_cursor *c, uint32_t *v)
{
	*v = 0;
	if (c->err)
		return -1;
	if (c->end - c->p < 4)
		return cursor_fail(c);
	*v = att_get_u32le(c->p);
	c->p += 4;
	return 0;
}

/* Reads a little-endian u64 into *V (0 on failure). */
int att_cursor_u64le(att_cursor *c, uint64_t *v)
{
	*v = 0;
	if (c->err)
		return -1;
	if (c->end - c->p < 8)
		return cursor_fail(c);
	*v = att_get_u64le(c->p);
	c->p += 8;
	return 0;
}

/* Points *P at the next N bytes (borrowed from the cursor's memory) and
 * skips them; *P is NULL on failure. */
int att_cursor_bytes(att_cursor *c, const uint8_t **p, size_t n)
{
	*p = NULL;
	if (c->err)
		return -1;
	if ((size_t)(c->end - c->p) < n)
		return cursor_fail(c);
	*p = c->p;
	c->p += n;
	return 0;
}

/* ---- header and trailer -------------------------------------------------- */

/* Appends MAGIC (exactly 4 characters) and the format version to B. A
 * no-op if B has failed. */
void att_file_header(att_buf *b, const char *magic)
{
	assert(strlen(magic) == 4);
	att_buf_append(b, magic, 4);
	att_buf_put_u32le(b, ATT_FORMAT_VERSION);
}

/* Appends the CRC-32 of B's bytes so far. A no-op if B has failed: its
 * contents are then incomplete and must not be sealed. */
void att_file_trailer(att_buf *b)
{
	if (b->rc != ATT_OK)
		return;
	att_buf_put_u32le(b, att_crc32(0, b->p, b->n));
}

/* The file kind a magic stands for, for messages. */
static const char *magic_kind(const char *magic)
{
	static const char *const kinds[][2] = {
		{ ATT_MAGIC_MANIFEST, "manifest" },
		{ ATT_MAGIC_DICT, "dictionary" },
		{ ATT_MAGIC_POSTINGS, "postings" },
		{ ATT_MAGIC_POSITIONS, "positions" },
		{ ATT_MAGIC_DOCS, "documents" },
		{ ATT_MAGIC_SENTENCES, "sentences" },
		{ ATT_MAGIC_STORE, "store" },
	};
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (memcmp(kinds[i][0], magic, 4) == 0)
			return kinds[i][1];
	return magic;
}

/*
 * Checks the frame of the file image [P, P+N) against MAGIC (4 chars).
 * Returns ATT_OK; ATT_ECORRUPT if the image is shorter than a header and
 * trailer, has another magic, or fails its CRC; ATT_EVERSION if it is
 * intact but of another format version. On error a message starting with
 * NAME goes into MSG (truncated to MSGCAP bytes, NUL-terminated; MSG may
 * be NULL if MSGCAP is 0); on success MSG is set to "".
 */
att_status att_file_check(const uint8_t *p, size_t n, const char *magic,
                          const char *name, char *msg, size_t msgcap)
{
	uint32_t version, stored, computed;

	assert(strlen(magic) == 4);
	if (msgcap > 0)
		msg[0] = '\0';
	if (n < ATT_HEADER_SIZE + ATT_TRAILER_SIZE) {
		if (msgcap > 0)
			snprintf(msg, msgcap, "%s: truncated (%zu bytes)", name, n);
		return ATT_ECORRUPT;
	}
	if (memcmp(p, magic, 4) != 0) {
		if (msgcap > 0)
			snprintf(msg, msgcap,
			         "%s: not an attache %s file (bad magic at offset 0)",
			         name, magic_kind(magic));
		return ATT_ECORRUPT;
	}
	version = att_get_u32le(p + 4);
	stored = att_get_u32le(p + n - ATT_TRAILER_SIZE);
	computed = att_crc32(0, p, n - ATT_TRAILER_SIZE);
	if (stored != computed) {
		if (msgcap > 0)
			snprintf(msg, msgcap,
			         "%s: checksum mismatch (stored 0x%08" PRIx32
			         ", computed 0x%08" PRIx32 ")%s",
			         name, stored, computed,
			         version != ATT_FORMAT_VERSION
			             ? "; the header names another format version"
			             : "");
		return ATT_ECORRUPT;
	}
	if (version != ATT_FORMAT_VERSION) {
		if (msgcap > 0)
			snprintf(msg, msgcap,
			         "%s: format version %" PRIu32 ", this attache "
			         "reads %u; rebuild the index from the source "
			         "documents",
			         name, version, ATT_FORMAT_VERSION);
		return ATT_EVERSION;
	}
	return ATT_OK;
}

/* Opens and maps PATH whole, read-only: ATT_OK, ATT_ECORRUPT (missing or
 * shorter than MIN bytes) or ATT_EIO. */
static att_status map_whole(uint8_t **out, size_t *out_n, const char *path,
                            size_t min, char *msg, size_t msgcap)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	*out = NULL;
	*out_n = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = errno;
		snprintf(msg, msgcap, "%s: %s (named by the manifest)", path,
		         strerror(err));
		if (fd >= 0)
			close(fd);
		return err == ENOENT ? ATT_ECORRUPT : ATT_EIO;
	}
	if (st.st_size < (off_t)min) {
		snprintf(msg, msgcap, "%s: truncated (%lld bytes)", path,
		         (long long)st.st_size);
		close(fd);
		return ATT_ECORRUPT;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(msg, msgcap, "%s: mmap: %s", path, strerror(errno));
		return ATT_EIO;
	}
	*out = p;
	*out_n = (size_t)st.st_size;
	return ATT_OK;
}

att_status att_file_map(const uint8_t **out, size_t *out_n, const char *path,
                        const char *magic, char *msg, size_t msgcap)
{
	att_status rc;
	uint8_t *p;
	size_t n;

	*out = NULL;
	*out_n = 0;
	rc = map_whole(&p, &n, path, ATT_HEADER_SIZE + ATT_TRAILER_SIZE, msg,
	               msgcap);
	if (rc != ATT_OK)
		return rc;
	rc = att_file_check(p, n, magic, path, msg, msgcap);
	if (rc != ATT_OK) {
		munmap(p, n);
		return rc;
	}
	/* the checksum touched every page; let them go from our resident set
	 * (they stay in the page cache, a touch away) */
	madvise(p, n, MADV_DONTNEED);
	*out = p;
	*out_n = n;
	return ATT_OK;
}

/* ---- paged files --------------------------------------------------------- */

size_t att_lazy_min = 1u << 20;

int att_magic_paged(const char *magic)
{
	return strcmp(magic, ATT_MAGIC_DICT) == 0 ||
	       strcmp(magic, ATT_MAGIC_POSTINGS) == 0 ||
	       strcmp(magic, ATT_MAGIC_POSITIONS) == 0 ||
	       strcmp(magic, ATT_MAGIC_DOCS) == 0 ||
	       strcmp(magic, ATT_MAGIC_SENTENCES) == 0 ||
	       strcmp(magic, ATT_MAGIC_STORE) == 0 ||
	       strcmp(magic, ATT_MAGIC_VALUES) == 0;
}

/* Checks page I of P; 0 if sound. */
static int check_page(const att_pages *pg, const uint8_t *p, uint32_t i)
{
	uint8_t st = __atomic_load_n(&pg->ok[i], __ATOMIC_RELAXED);
	size_t at, len;

	if (st == 0) {
		at = (size_t)i * ATT_PAGE;
		len = pg->body_end - at < ATT_PAGE ? pg->body_end - at : ATT_PAGE;
		st = att_crc32(0, p + at, len) ==
		             att_get_u32le(pg->crcs + (size_t)i * 4)
		         ? 1
		         : 2;
		__atomic_store_n(&pg->ok[i], st, __ATOMIC_RELAXED);
	}
	return st == 1 ? 0 : -1;
}

att_status att_pages_check(const att_pages *pg, const uint8_t *p, uint64_t off,
                           uint64_t len)
{
	uint64_t i, last;

	if (pg->n == 0 || len == 0 || off >= pg->body_end)
		return ATT_OK;
	if (len > pg->body_end - off)
		len = pg->body_end - off;
	last = (off + len - 1) / ATT_PAGE;
	for (i = off / ATT_PAGE; i <= last; i++)
		if (check_page(pg, p, (uint32_t)i) != 0)
			return ATT_ECORRUPT;
	return ATT_OK;
}

uint32_t att_pages_bad(const att_pages *pg)
{
	uint32_t i;

	for (i = 0; i < pg->n; i++)
		if (__atomic_load_n(&pg->ok[i], __ATOMIC_RELAXED) == 2)
			return i;
	return UINT32_MAX;
}

void att_pages_free(att_pages *pg)
{
	att_free(pg->ok);
	memset(pg, 0, sizeof *pg);
}

/* The page table of the paged image [P, P+N): 0, or -1 if it is cut or
 * fails its own CRC. */
static int read_table(att_pages *pg, const uint8_t *p, size_t n)
{
	uint64_t np, body;

	if (n < ATT_HEADER_SIZE + 4 + ATT_PAGED_TAIL)
		return -1;
	np = att_get_u32le(p + n - ATT_PAGED_TAIL);
	if (np * 4 > n - ATT_PAGED_TAIL - ATT_HEADER_SIZE)
		return -1;
	body = n - ATT_PAGED_TAIL - np * 4;
	if (np != (body + ATT_PAGE - 1) / ATT_PAGE ||
	    att_crc32(0, p + body, (size_t)np * 4 + 4) !=
	        att_get_u32le(p + n - 8))
		return -1;
	pg->n = (uint32_t)np;
	pg->body_end = (size_t)body;
	pg->crcs = p + body;
	return 0;
}

att_status att_file_map_paged(const uint8_t **out, size_t *out_n,
                              att_pages *pg, const char *path,
                              const char *magic, char *msg, size_t msgcap)
{
	att_status rc;
	uint32_t version;
	uint8_t *p;
	size_t n;

	*out = NULL;
	*out_n = 0;
	memset(pg, 0, sizeof *pg);
	rc = map_whole(&p, &n, path, ATT_HEADER_SIZE + ATT_TRAILER_SIZE, msg,
	               msgcap);
	if (rc != ATT_OK)
		return rc;
	if (memcmp(p, magic, 4) != 0) {
		snprintf(msg, msgcap,
		         "%s: not an attache %s file (bad magic at offset 0)", path,
		         magic_kind(magic));
		munmap(p, n);
		return ATT_ECORRUPT;
	}
	version = att_get_u32le(p + 4);
	if (read_table(pg, p, n) != 0) {
		/* an older format has no table: its own CRC tells intact from
		 * damaged, and intact means another version */
		rc = att_file_check(p, n, magic, path, msg, msgcap);
		if (rc == ATT_OK) {
			snprintf(msg, msgcap, "%s: truncated or damaged page table",
			         path);
			rc = ATT_ECORRUPT;
		}
		munmap(p, n);
		memset(pg, 0, sizeof *pg);
		return rc;
	}
	pg->ok = att_calloc(pg->n, 1);
	if (pg->ok == NULL) {
		munmap(p, n);
		memset(pg, 0, sizeof *pg);
		return ATT_ENOMEM;
	}
	if (att_pages_check(pg, p, 0, n < att_lazy_min ? pg->body_end : 1) !=
	    ATT_OK) {
		uint32_t bad = att_pages_bad(pg);

		snprintf(msg, msgcap,
		         "%s: checksum mismatch in page %" PRIu32 " (bytes %zu to "
		         "%zu)%s",
		         path, bad, (size_t)bad * ATT_PAGE,
		         (size_t)bad * ATT_PAGE + ATT_PAGE - 1,
		         version != ATT_FORMAT_VERSION
		             ? "; the header names another format version"
		             : "");
		rc = ATT_ECORRUPT;
	} else if (version != ATT_FORMAT_VERSION) {
		snprintf(msg, msgcap,
		         "%s: format version %" PRIu32 ", this attache reads %u; "
		         "rebuild the index from the source documents",
		         path, version, ATT_FORMAT_VERSION);
		rc = ATT_EVERSION;
	}
	if (rc != ATT_OK) {
		munmap(p, n);
		att_pages_free(pg);
		return rc;
	}
	if (n < att_lazy_min)
		madvise(p, n, MADV_DONTNEED);
	*out = p;
	*out_n = n;
	return ATT_OK;
}
