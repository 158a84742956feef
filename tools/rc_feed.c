// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: publishing to an invalidation feed (the feed= mount option). A
 * feed is a journal of INVALIDATE records on the shared tree. Publishers
 * append under a write lock on the whole file (fcntl: NLM or NFSv4 locks on
 * NFS), so two never interleave; one that died in the middle of an append
 * left a record cut short, which mounts wait behind and the next publisher
 * cuts off before appending. The records go in one write, then fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recallctl.h"

struct rc_publish {
	const char *feed;
	const char *root;		/* --root: the tree, needed to start a feed */
	bool tree;
	char **dirs;
	int ndirs;
};

static int rc_publish_args(int argc, char **argv, struct rc_publish *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->dirs = argv;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--feed") && i + 1 < argc)
			p->feed = argv[++i];
		else if (!strcmp(argv[i], "--root") && i + 1 < argc)
			p->root = argv[++i];
		else if (!strcmp(argv[i], "--tree"))
			p->tree = true;
		else if (argv[i][0] == '-')
			return rc_error("publish: unexpected argument '%s'", argv[i]);
		else
			p->dirs[p->ndirs++] = argv[i];
	}
	if (!p->feed || !p->ndirs)
		return rc_error("publish: usage: publish --feed FILE [--root TREE] [--tree] DIR...");
	return 0;
}

/* @dir as the feed's records name it: relative to @root (absolute paths under it are accepted). */
static int rc_feed_dir(const struct rc_publish *p, const char *dir, char *out, size_t size)
{
	size_t n = p->root ? strlen(p->root) : 0;

	if (dir[0] == '/' && p->root && !strncmp(dir, p->root, n) &&
	    (dir[n] == '/' || dir[n] == '\0'))
		dir += n;
	else if (dir[0] == '/' && strcmp(dir, "/"))
		return rc_error("publish: %s: an absolute path must be under --root", dir);
	if (rc_clean_under(dir, out, size))
		return rc_error("publish: %s: not a directory path without '.' or '..'", dir);
	return 0;
}

/* A new feed's header, for the tree at --root. */
static int rc_feed_header(const struct rc_publish *p, unsigned char *buf, size_t size, __u32 *len)
{
	unsigned char fh[sizeof(struct file_handle) + RECALLFS_JOURNAL_FH_MAX];
	struct recallfs_journal_identity id;
	char real[PATH_MAX], fstype[64];

	if (!p->root)
		return rc_error("publish: %s is empty: starting a feed needs --root TREE", p->feed);
	if (!realpath(p->root, real))
		return rc_error("publish: --root %s: %s", p->root, strerror(errno));
	if (rc_identity_of(real, &id, fstype, sizeof(fstype), fh))
		return RC_EXIT_ERROR;
	id.created = (__u64)time(NULL);
	*len = recallfs_header_encode(&id, buf, (__u32)size);
	return *len ? 0 : rc_error("publish: the identity of %s is too large", real);
}

/*
 * Under the lock: where to append. The end of the last whole record; a
 * record cut short by a publisher that died is cut off first.
 */
static int rc_feed_end(int fd, const struct rc_publish *p, off_t *end)
{
	struct rc_journal j;
	struct rc_scan scan;
	int err;

	if (rc_journal_open(&j, p->feed))
		return RC_EXIT_ERROR;
	if (!j.header_size) {
		rc_journal_close(&j);
		return rc_error("publish: %s: not a feed: %s", p->feed,
				rc_header_problem(j.header_status));
	}
	rc_journal_scan(&j, NULL, NULL, &scan);
	rc_journal_close(&j);
	if (scan.stop == RC_STOP_CORRUPT || scan.stop == RC_STOP_NEWER)
		return rc_error("publish: %s: offset %zu: %s; mounts reading it forget everything: replace the feed",
				p->feed, scan.good_end, scan.stop == RC_STOP_NEWER ?
				"a record of a newer format" : scan.why);
	if (scan.stop == RC_STOP_TORN) {
		rc_warn("%s: cutting a record left unfinished at offset %zu", p->feed, scan.good_end);
		if (ftruncate(fd, (off_t)scan.good_end)) {
			err = errno;
			return rc_error("publish: %s: cutting it: %s", p->feed, strerror(err));
		}
	}
	*end = (off_t)scan.good_end;
	return 0;
}

static int rc_write_at(int fd, const unsigned char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The header if the feed is new, then one INVALIDATE record per directory, into @buf. */
static int rc_feed_records(const struct rc_publish *p, bool fresh, unsigned char *buf, size_t size,
			   size_t *len)
{
	char dir[RECALLFS_JOURNAL_PATH_MAX];
	__u32 used = 0;
	int i;

	if (fresh && rc_feed_header(p, buf, size, &used))
		return RC_EXIT_ERROR;
	for (i = 0; i < p->ndirs; i++) {
		struct recallfs_record rec = { .type = RECALLFS_REC_INVALIDATE,
			.flags = p->tree ? RECALLFS_INVALIDATE_TREE : 0, .dir = dir };
		__u32 n;

		if (rc_feed_dir(p, p->dirs[i], dir, sizeof(dir)))
			return RC_EXIT_ERROR;
		rec.dir_len = (__u32)strlen(dir);
		n = recallfs_record_encode(&rec, buf + used, (__u32)(size - used));
		if (!n)
			return rc_error("publish: too many directories for one append");
		used += n;
	}
	*len = used;
	return 0;
}

int rc_cmd_publish(int argc, char **argv)
{
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	static unsigned char buf[1 << 20];
	struct rc_publish p;
	struct stat st;
	off_t end = 0;
	size_t len;
	int fd, err, ret = RC_EXIT_ERROR;

	if (rc_publish_args(argc, argv, &p))
		return RC_EXIT_ERROR;
	fd = open(p.feed, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return rc_error("publish: %s: %s", p.feed, strerror(errno));
	while ((err = fcntl(fd, F_SETLKW, &lock) ? errno : 0) == EINTR)
		;
	if (err) {
		rc_error("publish: %s: cannot lock it: %s", p.feed, strerror(err));
		goto out;
	}
	if (fstat(fd, &st)) {
		rc_error("publish: %s: %s", p.feed, strerror(errno));
		goto out;
	}
	if (st.st_size && rc_feed_end(fd, &p, &end))
		goto out;
	if (rc_feed_records(&p, !st.st_size, buf, sizeof(buf), &len))
		goto out;
	err = rc_write_at(fd, buf, len, end);
	if (!err && fsync(fd))
		err = errno;
	if (err) {
		rc_error("publish: %s: writing it failed: %s", p.feed, strerror(err));
		goto out;
	}
	printf("%s: %d invalidation%s%s appended; the feed is %lld bytes\n", p.feed, p.ndirs,
	       p.ndirs == 1 ? "" : "s", p.tree ? " (trees)" : "", (long long)(end + (off_t)len));
	ret = RC_EXIT_OK;
out:
	close(fd);	/* and the lock with it */
	return ret;
}
