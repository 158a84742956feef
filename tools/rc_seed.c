// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: seed journals, for seed= mounts. `seed` walks a published tree
 * and names every directory in it that everyone may list; `export` names the
 * directories a node recorded (where its lookups, missing names included,
 * went) under one path.
 *
 * A mount takes only the directories from a seed (and lists each on its
 * first lookup there): a seed is written by publishers, and nothing in it is
 * trusted. So a seed holds one DIR record per directory, and no names, file
 * handles or complete marks: a mount would use none of them, and a forged
 * handle would reach any object of the lower filesystem. The file is 0644:
 * every client reads it, as root squashed to nobody on NFS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "recallctl.h"

/* A relative directory path for sysfs and records: no leading or trailing '/', no "." or "..". */
int rc_clean_under(const char *under, char *out, size_t size)
{
	const char *p = under;
	size_t n = 0;

	while (*p == '/')
		p++;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (!len || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return EINVAL;
		if (n + len + 2 > size)
			return ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, p, len);
		n += len;
		p += len;
		while (*p == '/')
			p++;
	}
	out[n] = '\0';
	return 0;
}

/* ---- seed: walking a tree ---- */

struct rc_walk {
	int root_fd;
	dev_t dev;			/* the tree's filesystem: mounts below it are not walked */
	struct rc_writer *w;
	char **stack;			/* directories still to list, relative to the root */
	size_t depth, cap;
	size_t dirs, entries, skipped;
	size_t private;			/* directories others may not list: left out, not entered */
	bool progress;
};

/* Queue directory @dir/@name (@name NULL: @dir itself) to be listed. */
static int rc_walk_push(struct rc_walk *walk, const char *dir, const char *name)
{
	char *path;
	int n;

	if (walk->depth == walk->cap) {
		char **s = realloc(walk->stack, (walk->cap = walk->cap ? 2 * walk->cap : 64) *
				   sizeof(*s));

		if (!s)
			return ENOMEM;
		walk->stack = s;
	}
	if (name)
		n = asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", name);
	else
		n = asprintf(&path, "%s", dir);
	if (n < 0)
		return ENOMEM;
	walk->stack[walk->depth++] = path;
	return 0;
}

static void rc_dir_record(struct recallfs_record *rec, const char *dir, const struct stat *st)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = RECALLFS_REC_DIR;
	rec->dir = dir;
	rec->dir_len = (__u32)strlen(dir);
	rec->stamp.ino = st->st_ino;
	rec->stamp.mtime_sec = st->st_mtim.tv_sec;
	rec->stamp.mtime_nsec = (__u32)st->st_mtim.tv_nsec;
	rec->stamp.ctime_sec = st->st_ctim.tv_sec;
	rec->stamp.ctime_nsec = (__u32)st->st_ctim.tv_nsec;
	rec->flags = recallfs_dir_rec_flags(0, 0, &rec->stamp);
}

/*
 * A seed is read by every client, so it names only directories everyone may
 * list and search: a name from any other would tell its readers what its
 * owner may hide, and recallfs could not list it for them anyway.
 */
static bool rc_listable_by_all(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && (st->st_mode & (S_IROTH | S_IXOTH)) == (S_IROTH | S_IXOTH);
}

/* A name of directory @dir (open as @dfd): if a directory on the tree's filesystem, list it later. */
static int rc_walk_name(struct rc_walk *walk, int dfd, const char *dir, const struct dirent *de)
{
	struct stat st;

	walk->entries++;
	if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
		return 0;
	if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
		/* Gone since the listing (a tree being published meanwhile). */
		walk->skipped++;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || st.st_dev != walk->dev ||
	    strlen(dir) + strlen(de->d_name) + 1 >= RECALLFS_JOURNAL_PATH_MAX)
		return 0;
	return rc_walk_push(walk, dir, de->d_name);
}

/* Name directory @dir in the seed, and queue the directories in it. */
static int rc_walk_dir(struct rc_walk *walk, const char *dir)
{
	struct recallfs_record rec;
	struct dirent *de;
	struct stat st;
	int dfd, err = 0;
	DIR *d;

	dfd = openat(walk->root_fd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st)) {
		rc_warn("%s: %s: not seeded", *dir ? dir : ".", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		walk->skipped++;
		return 0;
	}
	if (!rc_listable_by_all(&st)) {
		close(dfd);
		walk->private++;
		return 0;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return errno;
	}
	rc_dir_record(&rec, dir, &st);
	err = rc_writer_add(&rec, walk->w);
	while (!err && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		err = rc_walk_name(walk, dirfd(d), dir, de);
	}
	if (!err && errno)
		rc_warn("%s: listing it failed: %s", *dir ? dir : ".", strerror(errno));
	closedir(d);
	walk->dirs++;
	if (walk->progress && walk->dirs % 1000 == 0)
		fprintf(stderr, "\rseed: %zu directories, %zu entries", walk->dirs, walk->entries);
	return err;
}

static int rc_walk_tree(struct rc_walk *walk, const char *start)
{
	int err = rc_walk_push(walk, start, NULL);

	while (!err && walk->depth) {
		char *dir = walk->stack[--walk->depth];

		err = rc_walk_dir(walk, dir);
		free(dir);
	}
	while (walk->depth)
		free(walk->stack[--walk->depth]);
	free(walk->stack);
	if (walk->progress)
		fprintf(stderr, "\r\033[K");
	return err;
}

/* The type of the filesystem @path (a real path) is on, as the kernel names it (mountinfo's). */
static int rc_fstype_of(const char *path, char *out, size_t size)
{
	const struct rc_mount *mnt;
	struct rc_mounts m;

	if (rc_mounts_read(&m))
		return EIO;
	mnt = rc_mount_at(&m, path, NULL);
	if (mnt)
		snprintf(out, size, "%s", mnt->fstype);
	rc_mounts_free(&m);
	return mnt ? 0 : ENOENT;
}

/* What a mount with lowerdir=@root would call its lower tree (recallfs_lower_identity()). */
int rc_identity_of(const char *root, struct recallfs_journal_identity *id, char *fstype,
			  size_t fstype_size, unsigned char *fh)
{
	struct file_handle *h = (struct file_handle *)fh;
	int mount_id;

	memset(id, 0, sizeof(*id));
	id->lowerdir = root;
	id->lowerdir_len = (__u32)strlen(root);
	if (rc_fstype_of(root, fstype, fstype_size))
		return rc_error("%s: its filesystem type is not in /proc/self/mountinfo", root);
	if (!strcmp(fstype, RECALLFS_FS_NAME))
		return rc_error("%s: is on recallfs; seed the lower tree itself", root);
	id->fstype = fstype;
	id->fstype_len = (__u32)strlen(fstype);
	h->handle_bytes = RECALLFS_JOURNAL_FH_MAX;
	if (!name_to_handle_at(AT_FDCWD, root, h, &mount_id, 0)) {
		id->fh = h->f_handle;
		id->fh_len = h->handle_bytes;
		id->fh_type = (__u32)h->handle_type;
	} else if (errno != EOPNOTSUPP) {
		return rc_error("%s: no file handle: %s", root, strerror(errno));
	}
	return 0;
}

int rc_cmd_seed(int argc, char **argv)
{
	unsigned char fh[sizeof(struct file_handle) + RECALLFS_JOURNAL_FH_MAX];
	char root[PATH_MAX], under[RECALLFS_JOURNAL_PATH_MAX], fstype[64];
	const char *tree = NULL, *out = NULL, *under_arg = "";
	struct recallfs_journal_identity id;
	struct rc_walk walk = { 0 };
	struct rc_writer w;
	struct stat st;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--under") && i + 1 < argc)
			under_arg = argv[++i];
		else if (argv[i][0] == '-' || tree)
			return rc_error("seed: unexpected argument '%s' (usage: seed TREE -o SEED [--under DIR])",
					argv[i]);
		else
			tree = argv[i];
	}
	if (!tree || !out)
		return rc_error("seed: usage: seed TREE -o SEED [--under DIR]");
	if (rc_clean_under(under_arg, under, sizeof(under)))
		return rc_error("seed: --under %s: not a relative path without '.' or '..'", under_arg);
	if (!realpath(tree, root))
		return rc_error("seed: %s: %s", tree, strerror(errno));
	if (rc_identity_of(root, &id, fstype, sizeof(fstype), fh))
		return RC_EXIT_ERROR;
	walk.root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (walk.root_fd < 0 || fstat(walk.root_fd, &st))
		return rc_error("seed: %s: %s", root, strerror(errno));
	walk.dev = st.st_dev;
	walk.progress = isatty(STDERR_FILENO);
	if (rc_writer_start(&w, out, &id, 0644)) {
		close(walk.root_fd);
		return RC_EXIT_ERROR;
	}
	walk.w = &w;
	err = rc_walk_tree(&walk, under);
	close(walk.root_fd);
	if (err) {
		rc_writer_abort(&w);
		return rc_error("seed: %s: %s; no seed written", root, strerror(err));
	}
	if (rc_writer_finish(&w))
		return RC_EXIT_ERROR;
	printf("%s: %zu directories, %zu entries of %s%s%s", out, walk.dirs, walk.entries, root,
	       *under ? "/" : "", under);
	if (walk.private)
		printf("; %zu directories others may not list left out", walk.private);
	if (walk.skipped)
		printf(" (%zu names gone or unreadable during the walk)", walk.skipped);
	printf("\n");
	return RC_EXIT_OK;
}

/* ---- export: a journal's directories as a seed ---- */

/*
 * A mount takes only directories from a seed: each directory's state, once,
 * without its handle (which a forger could point anywhere) or complete mark.
 * A journal records only directories everyone may search.
 */
static int rc_export_record(const struct recallfs_record *rec, void *writer)
{
	struct recallfs_record copy;

	if (rec->type != RECALLFS_REC_DIR || (rec->flags & RECALLFS_DIR_COMPLETE))
		return 0;
	copy = *rec;
	copy.fh = NULL;
	copy.fh_len = 0;
	copy.fh_type = 0;
	return rc_writer_add(&copy, writer);
}

int rc_cmd_export(int argc, char **argv)
{
	char under[RECALLFS_JOURNAL_PATH_MAX];
	const char *journal = NULL, *out = NULL, *under_arg = "";
	struct rc_journal j;
	struct rc_index *ix;
	struct rc_scan scan;
	struct rc_writer w;
	size_t records = 0;
	int i, ret = RC_EXIT_ERROR;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--under") && i + 1 < argc)
			under_arg = argv[++i];
		else if (argv[i][0] == '-' || journal)
			return rc_error("export: unexpected argument '%s' (usage: export JOURNAL -o SEED [--under DIR])",
					argv[i]);
		else
			journal = argv[i];
	}
	if (!journal || !out)
		return rc_error("export: usage: export JOURNAL -o SEED [--under DIR]");
	if (rc_clean_under(under_arg, under, sizeof(under)))
		return rc_error("export: --under %s: not a relative path without '.' or '..'",
				under_arg);
	if (rc_journal_open(&j, journal))
		return RC_EXIT_ERROR;
	ix = rc_index_new();
	if (!j.header_size)
		rc_error("%s: %s", journal, j.size ? rc_header_problem(j.header_status) : "empty");
	else if (!ix || rc_journal_scan(&j, rc_index_apply, ix, &scan))
		rc_error("out of memory");
	else if (!rc_writer_start(&w, out, &j.id, 0644)) {
		if (scan.stop != RC_STOP_END)
			rc_warn("%s: records from offset %zu on do not decode; exported what came before",
				journal, scan.good_end);
		if (rc_index_for_each(ix, under, rc_export_record, &w)) {
			rc_writer_abort(&w);
		} else {
			records = w.records;
			if (!rc_writer_finish(&w))
				ret = RC_EXIT_OK;
		}
	}
	if (!ret)
		printf("%s: %zu records under %s of %s\n", out, records, *under ? under : "/",
		       journal);
	rc_index_free(ix);
	rc_journal_close(&j);
	return ret;
}
