/*
 * manifest.c: the manifest, the root of a committed index.
 *
 * An index directory holds immutable segment files and one MANIFEST that
 * names the segments of the current generation. Readers open MANIFEST,
 * then exactly the segments it lists; files it does not name do not exist
 * as far as they are concerned. A writer commits by writing a complete
 * new manifest as MANIFEST.tmp, fsyncing it, renaming it over MANIFEST
 * (atomic on POSIX file systems) and fsyncing the directory, so a crash
 * at any moment leaves either the old generation or the new one.
 *
 * Layout (docs/FORMAT.md has it byte by byte): header "ATMF" + version,
 * u64 generation, u8 language length + language, u8 typed-field count
 * and per field u8 type, u8 name length, name; u32 next segment id,
 * u32 segment count, then per segment u32 id, u32 documents, u32 live
 * documents, u32 deletions generation, u64 live tokens, u64 live raw
 * bytes, u64 live title tokens; CRC-32 trailer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"

const char *const att_seg_ext[ATT_SEG_NFILES] = {
	"dic", "pst", "pos", "doc", "sen", "sto", "val"
};
const char *const att_seg_magic[ATT_SEG_NFILES] = {
	ATT_MAGIC_DICT, ATT_MAGIC_POSTINGS, ATT_MAGIC_POSITIONS,
	ATT_MAGIC_DOCS, ATT_MAGIC_SENTENCES, ATT_MAGIC_STORE, ATT_MAGIC_VALUES
};

#define SEG_ENTRY_SIZE 40u
#define MAX_SEGS 100000u

void att_seg_path(char *out, size_t cap, const char *dir, uint32_t seg,
                  enum att_seg_file f)
{
	snprintf(out, cap, "%s/seg%06u.%s", dir, (unsigned)seg, att_seg_ext[f]);
}

void att_manifest_release(att_manifest *m)
{
	att_free(m->segs);
	memset(m, 0, sizeof *m);
}

static att_status read_file(att_buf *b, const char *path, char *msg,
                            size_t msgcap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	att_status rc = ATT_OK;
	struct stat st;

	if (fd < 0) {
		snprintf(msg, msgcap, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATT_ENOTFOUND : ATT_EIO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(msg, msgcap, "%s: %s", path, strerror(errno));
		rc = ATT_EIO;
		goto done;
	}
	if (st.st_size > (1 << 26)) {
		snprintf(msg, msgcap, "%s: manifest too large", path);
		rc = ATT_ECORRUPT;
		goto done;
	}
	if (att_buf_reserve(b, (size_t)st.st_size) != 0) {
		rc = ATT_ENOMEM;
		goto done;
	}
	while (b->n < (size_t)st.st_size) {
		ssize_t r = read(fd, b->p + b->n, (size_t)st.st_size - b->n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(msg, msgcap, "%s: read: %s", path,
			         r == 0 ? "unexpected end of file" : strerror(errno));
			rc = ATT_EIO;
			goto done;
		}
		b->n += (size_t)r;
	}
done:
	close(fd);
	return rc;
}

static att_status parse(att_manifest *m, const uint8_t *p, size_t n,
                        const char *path, char *msg, size_t msgcap)
{
	att_cursor c;
	const uint8_t *lang;
	uint32_t i;

	att_cursor_init(&c, p + ATT_HEADER_SIZE,
	                n - ATT_HEADER_SIZE - ATT_TRAILER_SIZE);
	att_cursor_u64le(&c, &m->generation);
	if (c.p < c.end) {
		size_t ll = *c.p++;

		if (ll > ATT_LANG_MAX || att_cursor_bytes(&c, &lang, ll) != 0)
			goto corrupt;
		memcpy(m->language, lang, ll);
		m->language[ll] = '\0';
	}
	if (c.p < c.end) { /* the typed fields */
		uint32_t nf = *c.p++, k;

		for (k = 0; k < nf; k++) {
			const uint8_t *name;
			uint8_t t, nl;
			char err[8];

			if (c.end - c.p < 2)
				goto corrupt;
			t = *c.p++;
			nl = *c.p++;
			if (att_cursor_bytes(&c, &name, nl) != 0 ||
			    att_schema_find(&m->schema, (const char *)name, nl) >= 0 ||
			    att_schema_add(&m->schema, (const char *)name, nl, t, err,
			                   sizeof err) != ATT_OK ||
			    memcmp(m->schema.f[k].name, name, nl) != 0)
				goto corrupt;
		}
	}
	att_cursor_u32le(&c, &m->next_seg);
	att_cursor_u32le(&c, &m->nsegs);
	if (c.err || m->nsegs > MAX_SEGS ||
	    (size_t)(c.end - c.p) != (size_t)m->nsegs * SEG_ENTRY_SIZE)
		goto corrupt;
	m->segs = att_calloc(m->nsegs, sizeof *m->segs);
	if (m->segs == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < m->nsegs; i++) {
		att_seg_info *s = &m->segs[i];

		att_cursor_u32le(&c, &s->id);
		att_cursor_u32le(&c, &s->docs);
		att_cursor_u32le(&c, &s->live);
		att_cursor_u32le(&c, &s->del_gen);
		att_cursor_u64le(&c, &s->tokens);
		att_cursor_u64le(&c, &s->raw_bytes);
		att_cursor_u64le(&c, &s->title_tokens);
		if (s->id >= m->next_seg || s->live > s->docs ||
		    s->title_tokens > s->tokens ||
		    (s->del_gen == 0 && s->live != s->docs) ||
		    s->del_gen > m->generation || (i > 0 && s->id <= s[-1].id))
			goto corrupt;
		m->docs += s->live;
		m->tokens += s->tokens;
		m->raw_bytes += s->raw_bytes;
		m->title_tokens += s->title_tokens;
	}
	m->file_bytes = n;
	return ATT_OK;
corrupt:
	snprintf(msg, msgcap, "%s: corrupt manifest (bad field near offset %zu)",
	         path, (size_t)(c.p - p));
	return ATT_ECORRUPT;
}

att_status att_manifest_read(att_manifest *m, const char *dir, char *msg,
                             size_t msgcap)
{
	char path[4096];
	att_buf b;
	att_status rc;

	memset(m, 0, sizeof *m);
	att_buf_init(&b);
	snprintf(path, sizeof path, "%s/%s", dir, ATT_MANIFEST_NAME);
	rc = read_file(&b, path, msg, msgcap);
	if (rc == ATT_OK)
		rc = att_file_check(b.p, b.n, ATT_MAGIC_MANIFEST, path, msg, msgcap);
	if (rc == ATT_OK)
		rc = parse(m, b.p, b.n, path, msg, msgcap);
	if (rc != ATT_OK)
		att_manifest_release(m);
	att_buf_release(&b);
	return rc;
}

att_status att_manifest_write(const att_manifest *m, const char *dir,
                              char *msg, size_t msgcap)
{
	char tmp[4096], path[4096];
	att_fwriter fw;
	size_t ll = strlen(m->language);
	uint8_t l8 = (uint8_t)ll;
	att_status rc;
	uint32_t i;

	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, ATT_MANIFEST_NAME);
	snprintf(path, sizeof path, "%s/%s", dir, ATT_MANIFEST_NAME);
	rc = att_fw_open(&fw, tmp, ATT_MAGIC_MANIFEST);
	att_fw_u64le(&fw, m->generation);
	att_fw_write(&fw, &l8, 1);
	att_fw_write(&fw, m->language, ll);
	{
		uint8_t nf = (uint8_t)m->schema.n;

		att_fw_write(&fw, &nf, 1);
		for (i = 0; i < m->schema.n; i++) {
			uint8_t t = m->schema.f[i].type, nl = m->schema.f[i].len;

			att_fw_write(&fw, &t, 1);
			att_fw_write(&fw, &nl, 1);
			att_fw_write(&fw, m->schema.f[i].name, nl);
		}
	}
	att_fw_u32le(&fw, m->next_seg);
	att_fw_u32le(&fw, m->nsegs);
	for (i = 0; i < m->nsegs; i++) {
		att_fw_u32le(&fw, m->segs[i].id);
		att_fw_u32le(&fw, m->segs[i].docs);
		att_fw_u32le(&fw, m->segs[i].live);
		att_fw_u32le(&fw, m->segs[i].del_gen);
		att_fw_u64le(&fw, m->segs[i].tokens);
		att_fw_u64le(&fw, m->segs[i].raw_bytes);
		att_fw_u64le(&fw, m->segs[i].title_tokens);
	}
	if (rc == ATT_OK)
		rc = att_fw_finish(&fw);
	else
		att_fw_abort(&fw);
	if (rc != ATT_OK) {
		snprintf(msg, msgcap, "%s", fw.msg[0] ? fw.msg : "out of memory");
		return rc;
	}
	/* the new segment files' directory entries first, then the switch */
	rc = att_fsync_dir(dir, msg, msgcap);
	if (rc != ATT_OK) {
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) != 0) {
		snprintf(msg, msgcap, "%s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return ATT_EIO;
	}
	return att_fsync_dir(dir, msg, msgcap);
}
