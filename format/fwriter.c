/*
 * fwriter.c: writing an index file durably.
 *
 * Index files are written once, front to back, and never changed. An
 * att_fwriter stages output in a 256 KiB buffer, keeps a running CRC-32 of
 * every byte (so the trailer costs no second pass), and remembers the
 * first error: an encoder writes without checking each call and asks
 * att_fw_finish once, which appends the trailer, flushes, fsyncs and
 * closes. A paged file (format.h, ATT_PAGE) also gets a CRC of each page,
 * computed as it streams; the file's own CRC is then combined from the
 * pages' (crc32_combine), so the bytes are still read once. Making the file part of the index is the committer's job (the
 * manifest rename); a file that is never committed is harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "format.h"

#define STAGE_SIZE (256u << 10)

static void fail_errno(att_fwriter *fw, const char *what)
{
	if (fw->rc != ATT_OK)
		return;
	fw->rc = ATT_EIO;
	snprintf(fw->msg, sizeof fw->msg, "%s: %s: %s", fw->path, what,
	         strerror(errno));
}

static void flush_stage(att_fwriter *fw)
{
	size_t done = 0;

	while (fw->rc == ATT_OK && done < fw->stage.n) {
		ssize_t w = write(fw->fd, fw->stage.p + done, fw->stage.n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fail_errno(fw, "write");
			break;
		}
		done += (size_t)w;
	}
	att_buf_clear(&fw->stage);
}

att_status att_fw_open(att_fwriter *fw, const char *path, const char *magic)
{
	uint8_t hdr[ATT_HEADER_SIZE];

	memset(fw, 0, sizeof *fw);
	fw->fd = -1;
	att_buf_init(&fw->stage);
	att_buf_init(&fw->pages);
	fw->paged = att_magic_paged(magic);
	fw->path = att_strndup(path, strlen(path));
	if (fw->path == NULL)
		return fw->rc = ATT_ENOMEM;
	fw->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fw->fd < 0) {
		fail_errno(fw, "cannot create");
		return fw->rc;
	}
	if (att_buf_reserve(&fw->stage, STAGE_SIZE) != 0)
		return fw->rc = ATT_ENOMEM;
	memcpy(hdr, magic, 4);
	att_put_u32le(hdr + 4, ATT_FORMAT_VERSION);
	att_fw_write(fw, hdr, sizeof hdr);
	return fw->rc;
}

/* Ends the open page: its CRC joins the table and the file's CRC. */
static void end_page(att_fwriter *fw)
{
	att_buf_put_u32le(&fw->pages, fw->page_crc);
	fw->crc = (uint32_t)crc32_combine(fw->crc, fw->page_crc, fw->page_fill);
	fw->page_crc = 0;
	fw->page_fill = 0;
}

static void page_crcs(att_fwriter *fw, const uint8_t *s, size_t n)
{
	while (n > 0) {
		size_t take = ATT_PAGE - fw->page_fill;

		if (take > n)
			take = n;
		fw->page_crc = att_crc32(fw->page_crc, s, take);
		fw->page_fill += (uint32_t)take;
		s += take;
		n -= take;
		if (fw->page_fill == ATT_PAGE)
			end_page(fw);
	}
}

void att_fw_write(att_fwriter *fw, const void *p, size_t n)
{
	const uint8_t *s = p;

	if (fw->rc != ATT_OK || n == 0)
		return;
	if (fw->paged)
		page_crcs(fw, s, n);
	else
		fw->crc = att_crc32(fw->crc, s, n);
	fw->off += n;
	while (n > 0 && fw->rc == ATT_OK) {
		size_t room = STAGE_SIZE - fw->stage.n, take = n < room ? n : room;

		att_buf_append(&fw->stage, s, take);
		s += take;
		n -= take;
		if (fw->stage.n == STAGE_SIZE)
			flush_stage(fw);
	}
}

void att_fw_varint(att_fwriter *fw, uint64_t v)
{
	uint8_t t[ATT_VARINT_MAX];

	att_fw_write(fw, t, att_varint_put(t, v));
}

void att_fw_u32le(att_fwriter *fw, uint32_t v)
{
	uint8_t t[4];

	att_put_u32le(t, v);
	att_fw_write(fw, t, 4);
}

void att_fw_u64le(att_fwriter *fw, uint64_t v)
{
	att_fw_u32le(fw, (uint32_t)v);
	att_fw_u32le(fw, (uint32_t)(v >> 32));
}

static void release(att_fwriter *fw)
{
	if (fw->fd >= 0)
		close(fw->fd);
	fw->fd = -1;
	att_buf_release(&fw->stage);
	att_buf_release(&fw->pages);
	att_free(fw->path);
	fw->path = NULL;
}

att_status att_fw_finish(att_fwriter *fw)
{
	att_status rc;
	uint8_t t[4];

	if (fw->rc == ATT_OK && fw->paged) {
		uint32_t npages;

		if (fw->page_fill > 0)
			end_page(fw);
		npages = (uint32_t)(fw->pages.n / 4);
		att_buf_put_u32le(&fw->pages, npages);
		if (fw->pages.rc != ATT_OK) {
			fw->rc = ATT_ENOMEM;
		} else {
			fw->paged = 0; /* the table is not in pages */
			att_fw_write(fw, fw->pages.p, fw->pages.n);
			att_fw_u32le(fw, att_crc32(0, fw->pages.p, fw->pages.n));
		}
	}
	if (fw->rc == ATT_OK && fw->stage.rc != ATT_OK)
		fw->rc = ATT_ENOMEM;
	if (fw->rc == ATT_OK) {
		att_put_u32le(t, fw->crc);
		att_buf_append(&fw->stage, t, 4);
		fw->off += 4;
		flush_stage(fw);
	}
	if (fw->rc == ATT_OK && fsync(fw->fd) != 0)
		fail_errno(fw, "fsync");
	if (fw->fd >= 0 && close(fw->fd) != 0)
		fail_errno(fw, "close");
	fw->fd = -1;
	rc = fw->rc;
	if (rc != ATT_OK && fw->path != NULL)
		unlink(fw->path);
	release(fw);
	return rc;
}

void att_fw_abort(att_fwriter *fw)
{
	if (fw->path != NULL && fw->fd >= 0)
		unlink(fw->path);
	release(fw);
}

att_status att_fsync_dir(const char *dir, char *msg, size_t msgcap)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		snprintf(msg, msgcap, "%s: fsync of directory: %s", dir,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return ATT_EIO;
	}
	close(fd);
	return ATT_OK;
}
