// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: which recallfs mount a command means. Mounts come from
 * /proc/self/mountinfo: recallfs shows lowerdir=, journal= and name= among
 * its superblock options (fs/recallfs/super.c), escaped as the kernel escapes
 * option values (octal \ooo for ',', '=', whitespace and '\\'). A path is
 * mapped to the mount that is on top at its longest mount point, and to the
 * directory path relative to that filesystem's root that sysfs expects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recallctl.h"

#define RC_SYSFS_ROOT	"/sys/fs/recallfs"

/* Undo the kernel's octal escapes in place; returns @s. */
static char *rc_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

/* The recallfs options of @opts (a superblock options field, modified). */
static int rc_parse_options(struct rc_mount *mnt, char *opts)
{
	char *save = NULL, *opt;

	for (opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '='), **to = NULL;

		if (!eq) {
			if (!strcmp(opt, "immutable"))
				mnt->immutable = true;
			continue;
		}
		*eq = '\0';
		if (!strcmp(opt, "lowerdir"))
			to = &mnt->lowerdir;
		else if (!strcmp(opt, "journal"))
			to = &mnt->journal;
		else if (!strcmp(opt, "name"))
			to = &mnt->name;
		else if (!strcmp(opt, "feed"))
			to = &mnt->feed;
		if (to && !(*to = strdup(rc_unescape(eq + 1))))
			return ENOMEM;
	}
	return 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS". */
static int rc_parse_mountinfo_line(char *line, struct rc_mount *mnt)
{
	char *field[6], *save = NULL, *tok, *fstype, *superopts;
	int i;

	memset(mnt, 0, sizeof(*mnt));
	for (i = 0; i < 6; i++) {
		field[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!field[i])
			return EINVAL;
	}
	do {
		tok = strtok_r(NULL, " ", &save);
	} while (tok && strcmp(tok, "-"));
	fstype = strtok_r(NULL, " ", &save);
	if (!tok || !fstype || !strtok_r(NULL, " ", &save))
		return EINVAL;
	superopts = strtok_r(NULL, " \n", &save);
	mnt->mnt_id = strtoull(field[0], NULL, 10);
	mnt->root = strdup(rc_unescape(field[3]));
	mnt->mountpoint = strdup(rc_unescape(field[4]));
	mnt->fstype = strdup(rc_unescape(fstype));
	if (!mnt->root || !mnt->mountpoint || !mnt->fstype)
		return ENOMEM;
	mnt->is_recallfs = !strcmp(mnt->fstype, RECALLFS_FS_NAME);
	if (mnt->is_recallfs && superopts)
		return rc_parse_options(mnt, superopts);
	return 0;
}

static void rc_mount_free(struct rc_mount *mnt)
{
	free(mnt->mountpoint);
	free(mnt->root);
	free(mnt->fstype);
	free(mnt->name);
	free(mnt->lowerdir);
	free(mnt->journal);
	free(mnt->feed);
}

int rc_mounts_read(struct rc_mounts *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0, room = 0;
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (!f) {
		err = errno;
		rc_error("/proc/self/mountinfo: %s", strerror(err));
		return err;
	}
	while (!err && getline(&line, &cap, f) > 0) {
		if (m->n == room) {
			struct rc_mount *v = realloc(m->v, (room = room ? 2 * room : 64) * sizeof(*v));

			if (!v) {
				err = ENOMEM;
				break;
			}
			m->v = v;
		}
		err = rc_parse_mountinfo_line(line, &m->v[m->n]);
		if (err == EINVAL)
			err = 0;	/* a line of a format this code does not know: not ours */
		else if (!err)
			m->n++;
		else
			rc_mount_free(&m->v[m->n]);
	}
	free(line);
	fclose(f);
	if (err) {
		rc_mounts_free(m);
		rc_error("reading /proc/self/mountinfo: %s", strerror(err));
	}
	return err;
}

void rc_mounts_free(struct rc_mounts *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		rc_mount_free(&m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Is @mp (a mount point) @path or a directory above it? */
static bool rc_path_under(const char *path, const char *mp)
{
	size_t n = strlen(mp);

	if (!strcmp(mp, "/"))
		return true;
	return !strncmp(path, mp, n) && (path[n] == '\0' || path[n] == '/');
}

static bool rc_sysfs_name_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, "features"))
		return false;
	snprintf(path, sizeof(path), RC_SYSFS_ROOT "/%s", name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static const struct rc_mount *rc_mount_by_name(const struct rc_mounts *m, const char *name)
{
	const struct rc_mount *found = NULL;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct rc_mount *mnt = &m->v[i];

		if (mnt->is_recallfs && mnt->name && !strcmp(mnt->name, name) &&
		    (!found || !strcmp(mnt->root, "/")))
			found = mnt;
	}
	return found;
}

/* "ROOT/REST" without the leading '/' sysfs does not need; "" for the root. */
static int rc_relative(const char *root, const char *rest, char *rel, size_t size)
{
	int n;

	while (*root == '/')
		root++;
	while (*rest == '/')
		rest++;
	n = snprintf(rel, size, "%s%s%s", root, *root && *rest ? "/" : "", rest);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

/* The mount statx() says @real is on: right under overmounts too. NULL if it cannot say. */
static const struct rc_mount *rc_mount_by_id(const struct rc_mounts *m, const char *real)
{
#ifdef STATX_MNT_ID
	struct statx stx;
	size_t i;

	if (statx(AT_FDCWD, real, AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return NULL;
	for (i = 0; i < m->n; i++)
		if (m->v[i].mnt_id == stx.stx_mnt_id)
			return &m->v[i];
#endif
	return NULL;
}

const struct rc_mount *rc_mount_at(const struct rc_mounts *m, const char *real, size_t *mp_len)
{
	const struct rc_mount *top = rc_mount_by_id(m, real);
	size_t i, best = 0;

	if (top) {
		if (mp_len)
			*mp_len = strlen(top->mountpoint);
		return top;
	}
	/* Without the mount ID: the longest mount point, the last of equal ones on top. */
	for (i = 0; i < m->n; i++) {
		size_t len = strlen(m->v[i].mountpoint);

		if (rc_path_under(real, m->v[i].mountpoint) && len >= best) {
			top = &m->v[i];
			best = len;
		}
	}
	if (mp_len)
		*mp_len = best;
	return top;
}

const struct rc_mount *rc_mount_find(const struct rc_mounts *m, const char *arg,
				     char *rel, size_t rel_size)
{
	static struct rc_mount unlisted = { .mountpoint = "-", .root = "/", .fstype = "recallfs",
					    .is_recallfs = true };
	const struct rc_mount *top = NULL;
	char real[PATH_MAX];
	size_t best = 0;

	if (!rel && !strchr(arg, '/') && rc_sysfs_name_exists(arg)) {
		top = rc_mount_by_name(m, arg);
		if (!top) {
			/* Mounted in another mount namespace: sysfs is all there is. */
			unlisted.name = (char *)arg;
			top = &unlisted;
		}
		return top;
	}
	if (!realpath(arg, real)) {
		rc_error("%s: %s (neither a path nor the name of a recallfs mount in " RC_SYSFS_ROOT ")",
			 arg, strerror(errno));
		return NULL;
	}
	top = rc_mount_at(m, real, &best);
	if (!top || !top->is_recallfs || !top->name) {
		rc_error("%s: not under a recallfs mount (it is on %s, type %s)", arg,
			 top ? top->mountpoint : "?", top ? top->fstype : "?");
		return NULL;
	}
	if (rel && rc_relative(top->root, real + (best > 1 ? best : 0), rel, rel_size)) {
		rc_error("%s: path too long", arg);
		return NULL;
	}
	return top;
}

const struct rc_mount *rc_mount_of_journal(const struct rc_mounts *m, const char *path)
{
	char want[PATH_MAX], real[PATH_MAX];
	size_t i;

	if (!realpath(path, want))
		return NULL;
	for (i = 0; i < m->n; i++) {
		const char *j = m->v[i].journal;

		if (m->v[i].is_recallfs && j && (!strcmp(j, want) ||
						  (realpath(j, real) && !strcmp(real, want))))
			return &m->v[i];
	}
	return NULL;
}

int rc_sysfs_read(const char *name, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	size_t used = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), RC_SYSFS_ROOT "/%s/%s", name, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	while (used + 1 < size) {
		ssize_t n = read(fd, buf + used, size - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	return err;
}

int rc_sysfs_write(const char *name, const char *file, const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), RC_SYSFS_ROOT "/%s/%s", name, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	/* One write: sysfs hands the store method one buffer, and it acts on all of it. */
	n = write(fd, text, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	return err;
}
