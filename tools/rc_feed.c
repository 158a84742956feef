// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: publishing to an invalidation feed (the feed= mount option). A
 * feed is a journal of INVALIDATE records on the shared tree. Publishers
 * append under a write lock on the whole file, an open file description lock
 * (F_OFD_SETLKW: NLM or NFSv4 locks on NFS), which closing another
 * descriptor of the file does not drop, so two never interleave; one that
 * died in the middle of an append left a record cut short, which mounts wait
 * behind and the next publisher cuts off before appending. The records go in
 * one write, then fsync. A new feed is written whole beside its name and
 * linked into place. --rotate starts the feed again in place, with a new
 * creation time in its header: mounts see that and forget everything once.
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

#define RC_PUBLISH_SEEDS_MAX	64	/* --seed options in one append */

struct rc_publish {
	const char *feed;
	const char *root;		/* --root: the tree, needed to start a feed */
	bool tree;
	bool rotate;
	char **dirs;
	int ndirs;
	char *seeds[RC_PUBLISH_SEEDS_MAX];	/* --seed: seed files for mounts to load */
	int nseeds;
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
		else if (!strcmp(argv[i], "--rotate"))
			p->rotate = true;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc && p->nseeds == RC_PUBLISH_SEEDS_MAX)
			return rc_error("publish: at most %d --seed in one append", RC_PUBLISH_SEEDS_MAX);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			p->seeds[p->nseeds++] = argv[++i];
		else if (argv[i][0] == '-')
			return rc_error("publish: unexpected argument '%s'", argv[i]);
		else
			p->dirs[p->ndirs++] = argv[i];
	}
	if (!p->feed || (!p->ndirs && !p->nseeds && !p->rotate))
		return rc_error("publish: usage: publish --feed FILE [--root TREE] [--tree] [--rotate] [--seed SEED]... DIR...");
	if (p->rotate && !p->root)
		return rc_error("publish: --rotate writes a new header: it needs --root TREE");
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

/*
 * A seed the feed names, checked where it can be found here (an absolute
 * path, or one under --root): a journal of the feed's tree. Mounts check it
 * again; this only catches a mistake before every node logs it.
 */
static int rc_feed_seed_check(const struct rc_publish *p, const char *given, const char *rel,
			      const struct recallfs_journal_identity *tree)
{
	struct rc_journal j;
	char *path = NULL;
	int ret = 0;

	if (given[0] == '/')
		path = strdup(given);
	else if (p->root && asprintf(&path, "%s/%s", p->root, rel) < 0)
		path = NULL;
	if (!path)
		return given[0] == '/' || p->root ? rc_error("out of memory") : 0;
	if (rc_journal_open(&j, path)) {
		free(path);
		return RC_EXIT_ERROR;
	}
	if (!j.header_size)
		ret = rc_error("publish: --seed %s: not a seed: %s", given,
			       rc_header_problem(j.header_status));
	else if (tree && !recallfs_identity_same_tree(&j.id, tree))
		ret = rc_error("publish: --seed %s: a seed of another tree than the feed's", given);
	rc_journal_close(&j);
	free(path);
	return ret;
}

/* A new feed's header, for the tree at --root, created after @after. */
static int rc_feed_header(const struct rc_publish *p, __u64 after, unsigned char *buf, size_t size,
			  __u32 *len)
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
	/* Mounts tell a rotated feed by this: never the same twice. */
	id.created = (__u64)time(NULL) > after ? (__u64)time(NULL) : after + 1;
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
		return rc_error("publish: %s: offset %zu: %s; mounts reading it forget everything: start it again with --rotate",
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

/* One SEED record per --seed, checked against the feed's tree (@tree, if known), at @buf. */
static int rc_feed_seed_records(const struct rc_publish *p,
				const struct recallfs_journal_identity *tree, unsigned char *buf,
				size_t size, __u32 *used)
{
	char rel[RECALLFS_JOURNAL_PATH_MAX];
	int i;

	for (i = 0; i < p->nseeds; i++) {
		struct recallfs_record rec = { .type = RECALLFS_REC_SEED, .dir = rel };
		__u32 n;

		if (rc_feed_dir(p, p->seeds[i], rel, sizeof(rel)))
			return RC_EXIT_ERROR;
		if (!rel[0])
			return rc_error("publish: --seed %s: the tree's root is not a file", p->seeds[i]);
		if (rc_feed_seed_check(p, p->seeds[i], rel, tree))
			return RC_EXIT_ERROR;
		rec.dir_len = (__u32)strlen(rel);
		n = recallfs_record_encode(&rec, buf + *used, (__u32)(size - *used));
		if (!n)
			return rc_error("publish: too many seeds for one append");
		*used += n;
	}
	return 0;
}

/*
 * With @header, a header created after @after; then one INVALIDATE record
 * per directory and one SEED record per seed, into @buf. @tree: the feed's
 * identity, NULL if it has none yet.
 */
static int rc_feed_records(const struct rc_publish *p, bool header, __u64 after,
			   const struct recallfs_journal_identity *tree, unsigned char *buf,
			   size_t size, size_t *len)
{
	char dir[RECALLFS_JOURNAL_PATH_MAX];
	struct recallfs_journal_identity id;
	__u32 used = 0;
	int i;

	if (header && rc_feed_header(p, after, buf, size, &used))
		return RC_EXIT_ERROR;
	if (header && recallfs_header_decode(buf, used, &id) > 0)
		tree = &id;
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
	if (rc_feed_seed_records(p, tree, buf, size, &used))
		return RC_EXIT_ERROR;
	*len = used;
	return 0;
}

/* A new feed: its header written whole beside it, then linked into place (EEXIST: another's). */
static int rc_feed_create(const struct rc_publish *p)
{
	static unsigned char hdr[RECALLFS_JOURNAL_HEADER_MAX];
	char *tmp;
	__u32 len;
	int fd, err;

	if (!p->root)
		return rc_error("publish: %s does not exist: starting a feed needs --root TREE", p->feed);
	if (rc_feed_header(p, 0, hdr, sizeof(hdr), &len))
		return RC_EXIT_ERROR;
	/* Publishers on several hosts share the directory: a name no other can take. */
	if (asprintf(&tmp, "%s.recallctl-XXXXXX", p->feed) < 0)
		return rc_error("out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		free(tmp);
		return rc_error("publish: %s: creating it: %s", p->feed, strerror(err));
	}
	err = fchmod(fd, 0644) ? errno : rc_write_at(fd, hdr, len, 0);
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	/* EEXIST: another publisher's feed is there first; append to it. */
	if (!err && link(tmp, p->feed) && errno != EEXIST)
		err = errno;
	unlink(tmp);
	free(tmp);
	return err ? rc_error("publish: %s: creating it: %s", p->feed, strerror(err)) : 0;
}

/* --rotate: the creation time of the feed being replaced, 0 if it has none. */
static __u64 rc_feed_created(const struct rc_publish *p)
{
	struct rc_journal j;
	__u64 created = 0;

	if (!rc_journal_open(&j, p->feed)) {
		if (j.header_size)
			created = j.id.created;
		rc_journal_close(&j);
	}
	return created;
}

static int rc_feed_lock(int fd)
{
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int err;

	while ((err = fcntl(fd, F_OFD_SETLKW, &lock) ? errno : 0) == EINTR)
		;
	return err;
}

int rc_cmd_publish(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	struct rc_journal feed = { 0 };
	bool feed_open = false;
	struct rc_publish p;
	struct stat st;
	off_t end = 0;
	size_t len = 0;
	__u64 after = 0;
	int fd, err, ret = RC_EXIT_ERROR;

	if (rc_publish_args(argc, argv, &p))
		return RC_EXIT_ERROR;
	fd = open(p.feed, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (rc_feed_create(&p))
			return RC_EXIT_ERROR;
		fd = open(p.feed, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		return rc_error("publish: %s: %s", p.feed, strerror(errno));
	err = rc_feed_lock(fd);
	if (err) {
		rc_error("publish: %s: cannot lock it: %s", p.feed, strerror(err));
		goto out;
	}
	if (fstat(fd, &st)) {
		rc_error("publish: %s: %s", p.feed, strerror(errno));
		goto out;
	}
	if (p.rotate)
		after = rc_feed_created(&p);
	else if (!st.st_size) {
		rc_error("publish: %s is empty: start it again with --rotate --root TREE", p.feed);
		goto out;
	} else if (rc_feed_end(fd, &p, &end)) {
		goto out;
	}
	/* Seeds must be of the feed's tree: a rotation's new header says it, else the feed's. */
	if (!p.rotate && p.nseeds) {
		if (rc_journal_open(&feed, p.feed))
			goto out;
		feed_open = true;
	}
	/* Everything to write is ready before a rotation empties the feed. */
	if (rc_feed_records(&p, p.rotate, after, feed_open ? &feed.id : NULL, buf, sizeof(buf),
			    &len))
		goto out;
	if (p.rotate && ftruncate(fd, 0)) {
		rc_error("publish: %s: cutting it: %s", p.feed, strerror(errno));
		goto out;
	}
	err = rc_write_at(fd, buf, len, end);
	if (!err && fsync(fd))
		err = errno;
	if (err) {
		rc_error("publish: %s: writing it failed: %s", p.feed, strerror(err));
		goto out;
	}
	printf("%s: %s%d invalidation%s%s, %d seed%s appended; the feed is %lld bytes\n", p.feed,
	       p.rotate ? "rotated; " : "", p.ndirs, p.ndirs == 1 ? "" : "s",
	       p.tree ? " (trees)" : "", p.nseeds, p.nseeds == 1 ? "" : "s",
	       (long long)(end + (off_t)len));
	ret = RC_EXIT_OK;
out:
	if (feed_open)
		rc_journal_close(&feed);
	close(fd);	/* and the lock with it */
	return ret;
}
