// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: journal files. Reading maps the whole file and decodes it with
 * the module's codec (fs/recallfs/journal_format.c), stopping where a mount's
 * replay would stop; writing goes to a temporary file that is renamed into
 * place only once it is complete and on stable storage, so a crash or a full
 * disk leaves the old journal as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recallctl.h"

int rc_journal_open(struct rc_journal *j, const char *path)
{
	const struct recallfs_journal_header *h;
	struct stat st;
	int fd, ret;

	memset(j, 0, sizeof(*j));
	j->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = errno;
		if (fd >= 0)
			close(fd);
		rc_error("%s: %s", path, strerror(ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		rc_error("%s: not a regular file", path);
		return EINVAL;
	}
	j->size = (size_t)st.st_size;
	if (j->size) {
		void *p = mmap(NULL, j->size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED) {
			ret = errno;
			close(fd);
			rc_error("%s: cannot map it: %s", path, strerror(ret));
			return ret;
		}
		j->buf = p;
	}
	close(fd);
	if (!j->size)
		return 0;
	ret = recallfs_header_decode(j->buf, j->size > UINT32_MAX ? UINT32_MAX : (__u32)j->size,
				     &j->id);
	if (ret < 0) {
		__le32 magic = cpu_to_le32(RECALLFS_JOURNAL_MAGIC);

		/* Short and not even the magic: not a journal cut short, not a journal. */
		if (ret == RECALLFS_DECODE_SHORT &&
		    memcmp(j->buf, &magic, j->size < sizeof(magic) ? j->size : sizeof(magic)))
			ret = RECALLFS_DECODE_CORRUPT;
		j->header_status = ret;
		return 0;
	}
	j->header_size = (uint32_t)ret;
	h = (const void *)j->buf;
	j->incompat = le32_to_cpu(h->incompat_features);
	j->compat = le32_to_cpu(h->compat_features);
	return 0;
}

void rc_journal_close(struct rc_journal *j)
{
	if (j->buf)
		munmap((void *)j->buf, j->size);
	j->buf = NULL;
}

const char *rc_header_problem(int status)
{
	switch (status) {
	case RECALLFS_DECODE_SHORT:
		return "the file ends inside the header";
	case RECALLFS_DECODE_UNSUPPORTED:
		return "written by a newer recallfs (a version or feature this code does not know)";
	default:
		return "no valid journal header (magic, size or CRC)";
	}
}

/* What is wrong with the record at @p that did not decode, as far as its head tells. */
static void rc_explain_corrupt(const unsigned char *p, size_t avail, char *why, size_t size)
{
	const struct recallfs_journal_rec_head *head = (const void *)p;
	uint32_t len, crc;

	if (avail < sizeof(*head)) {
		snprintf(why, size, "a record head cut short");
		return;
	}
	len = le32_to_cpu(head->rec_len);
	if (len < sizeof(*head) || len % RECALLFS_JOURNAL_ALIGN || len > RECALLFS_JOURNAL_RECORD_MAX) {
		snprintf(why, size, "record length %u out of range", len);
		return;
	}
	crc = recallfs_journal_crc(p + 4, len - 4);
	if (crc != le32_to_cpu(head->rec_crc)) {
		snprintf(why, size, "CRC mismatch (stored 0x%08x, computed 0x%08x), type %u",
			 le32_to_cpu(head->rec_crc), crc, le16_to_cpu(head->type));
		return;
	}
	snprintf(why, size, "CRC good but a field is invalid (type %u, flags 0x%x, %u bytes)",
		 le16_to_cpu(head->type), le16_to_cpu(head->flags), len);
}

int rc_journal_scan(const struct rc_journal *j, rc_record_fn fn, void *arg, struct rc_scan *scan)
{
	size_t off = j->header_size;

	memset(scan, 0, sizeof(*scan));
	scan->good_end = off;
	while (off < j->size) {
		struct recallfs_record rec;
		size_t avail = j->size - off;
		__u32 len = 0;
		int ret;

		ret = recallfs_record_decode(j->buf + off, avail > UINT32_MAX ? UINT32_MAX : (__u32)avail,
					     &rec, &len);
		if (ret == RECALLFS_DECODE_SKIP) {
			scan->skipped++;
		} else if (ret == RECALLFS_DECODE_OK) {
			scan->records++;
			ret = fn ? fn(&rec, off, arg) : 0;
			if (ret)
				return ret;
		} else {
			scan->stop = ret == RECALLFS_DECODE_SHORT ? RC_STOP_TORN :
				     ret == RECALLFS_DECODE_UNSUPPORTED ? RC_STOP_NEWER : RC_STOP_CORRUPT;
			if (scan->stop == RC_STOP_CORRUPT)
				rc_explain_corrupt(j->buf + off, avail, scan->why, sizeof(scan->why));
			return 0;
		}
		off += len;
		scan->good_end = off;
	}
	return 0;
}

/* ---- writing ---- */

#define RC_WRITE_CHUNK	(1u << 20)

static int rc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int rc_writer_flush(struct rc_writer *w)
{
	if (!w->err && w->used)
		w->err = rc_write_all(w->fd, w->buf, w->used);
	w->used = 0;
	return w->err;
}

int rc_writer_start(struct rc_writer *w, const char *dest, const struct recallfs_journal_identity *id,
		    mode_t mode)
{
	struct recallfs_journal_identity ours = *id;
	__u32 hsize;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->cap = RC_WRITE_CHUNK;
	w->buf = malloc(w->cap);
	w->dest = strdup(dest);
	if (!w->buf || !w->dest || asprintf(&w->tmp, "%s.recallctl-%d", dest, (int)getpid()) < 0) {
		w->tmp = NULL;
		rc_writer_abort(w);
		return rc_error("out of memory"), ENOMEM;
	}
	/* A journal is root's and no one else may write it: the module checks that at mount. */
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (w->fd >= 0 && fchmod(w->fd, mode)) {
		close(w->fd);
		w->fd = -1;
		unlink(w->tmp);
	}
	if (w->fd < 0) {
		int err = errno;

		free(w->tmp);
		w->tmp = NULL;
		rc_writer_abort(w);
		rc_error("%s.recallctl-%d: cannot create it: %s", dest, (int)getpid(), strerror(err));
		return err;
	}
	if (!ours.created)
		ours.created = (__u64)time(NULL);
	hsize = recallfs_header_encode(&ours, w->buf, (__u32)w->cap);
	if (!hsize) {
		rc_writer_abort(w);
		rc_error("%s: the identity is too large for a journal header", dest);
		return EINVAL;
	}
	w->used = hsize;
	return 0;
}

int rc_writer_add(const struct recallfs_record *rec, void *writer)
{
	struct rc_writer *w = writer;
	__u32 size = recallfs_record_size(rec), n;

	if (!size) {
		rc_error("%s: a record that cannot be encoded (type %u)", w->dest, rec->type);
		return w->err = EINVAL;
	}
	if (w->cap - w->used < size && rc_writer_flush(w))
		return w->err;
	n = recallfs_record_encode(rec, w->buf + w->used, (__u32)(w->cap - w->used));
	if (n != size) {
		rc_error("%s: encoding a record failed", w->dest);
		return w->err = EINVAL;
	}
	w->used += n;
	w->records++;
	return 0;
}

static int rc_fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

int rc_writer_finish(struct rc_writer *w)
{
	int err = rc_writer_flush(w);

	if (!err && fsync(w->fd))
		err = errno;
	if (!err && close(w->fd))
		err = errno;
	w->fd = -1;
	if (!err && rename(w->tmp, w->dest))
		err = errno;
	if (!err)
		err = rc_fsync_dir_of(w->dest);
	if (err) {
		rc_error("%s: writing it failed: %s (the file is unchanged)", w->dest, strerror(err));
		rc_writer_abort(w);
		return err;
	}
	free(w->tmp);
	w->tmp = NULL;
	rc_writer_abort(w);
	return 0;
}

void rc_writer_abort(struct rc_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->dest);
	free(w->buf);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}
