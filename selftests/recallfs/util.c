// SPDX-License-Identifier: GPL-2.0
/* Harness-free helpers for recallfs_test.c; see util.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		perror("realloc");
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		perror("strdup");
		abort();
	}
	return d;
}

void path_join(char *out, size_t size, const char *a, const char *b)
{
	int n;

	if (!b[0])
		n = snprintf(out, size, "%s", a);
	else
		n = snprintf(out, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "# path too long: %s/%s\n", a, b);
		abort();
	}
}

static int cmp_dentry(const void *a, const void *b)
{
	return strcmp(((const struct dentry_rec *)a)->name,
		      ((const struct dentry_rec *)b)->name);
}

int read_dir_sorted(const char *dir, struct dentries *out)
{
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	d = opendir(dir);
	if (!d)
		return errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 32;
			out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
		}
		out->v[out->n].name = xstrdup(de->d_name);
		out->v[out->n].type = de->d_type;
		out->v[out->n].ino = de->d_ino;
		out->n++;
	}
	if (errno) {
		int err = errno;

		closedir(d);
		dentries_free(out);
		return err;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_dentry);
	return 0;
}

void dentries_free(struct dentries *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

uint64_t fnv1a(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int digest_file(const char *path, uint64_t *hash, uint64_t *len)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd, err = 0;

	*hash = FNV1A_INIT;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		*hash = fnv1a(*hash, buf, n);
		*len += n;
	}
	close(fd);
	return err;
}

int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 1 << 16;
	ssize_t n;
	int fd;

	*len = 0;
	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	*buf = xrealloc(NULL, cap);
	while ((n = read(fd, *buf + *len, cap - *len)) != 0) {
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			free(*buf);
			*buf = NULL;
			return err;
		}
		*len += n;
		if (*len == cap) {
			cap *= 2;
			*buf = xrealloc(*buf, cap);
		}
	}
	close(fd);
	return 0;
}

int list_xattrs(const char *path, struct strlist *names)
{
	ssize_t size;
	char *buf;

	memset(names, 0, sizeof(*names));
	size = llistxattr(path, NULL, 0);
	if (size < 0)
		return errno;
	buf = xrealloc(NULL, size + 1);
	size = llistxattr(path, buf, size);
	if (size < 0) {
		int err = errno;

		free(buf);
		return err;
	}
	for (ssize_t off = 0; off < size; off += strlen(buf + off) + 1)
		strlist_add(names, buf + off);
	free(buf);
	strlist_sort(names);
	return 0;
}

int get_xattr(const char *path, const char *name, char **val, size_t *len)
{
	ssize_t size;

	*val = NULL;
	*len = 0;
	size = lgetxattr(path, name, NULL, 0);
	if (size < 0)
		return errno;
	*val = xrealloc(NULL, size + 1);
	size = lgetxattr(path, name, *val, size);
	if (size < 0) {
		int err = errno;

		free(*val);
		*val = NULL;
		return err;
	}
	*len = size;
	return 0;
}

static int collect_below(const char *root, const char *rel,
			 struct strlist *paths)
{
	char dir[PATH_MAX], child[PATH_MAX];
	struct dentries d;
	int err;

	path_join(dir, sizeof(dir), root, rel);
	err = read_dir_sorted(dir, &d);
	if (err)
		return err;
	for (size_t i = 0; i < d.n && !err; i++) {
		path_join(child, sizeof(child), rel, d.v[i].name);
		if (!rel[0])
			snprintf(child, sizeof(child), "%s", d.v[i].name);
		strlist_add(paths, child);
		if (d.v[i].type == DT_DIR)
			err = collect_below(root, child, paths);
	}
	dentries_free(&d);
	return err;
}

int collect_tree(const char *root, struct strlist *paths)
{
	memset(paths, 0, sizeof(*paths));
	strlist_add(paths, "");
	return collect_below(root, "", paths);
}

static void snapshot_line(const char *root, const char *rel, char *line,
			  size_t size)
{
	char path[PATH_MAX], extra[PATH_MAX + 32] = "";
	uint64_t hash, len;
	struct stat st;
	ssize_t n;

	path_join(path, sizeof(path), root, rel);
	if (lstat(path, &st)) {
		snprintf(line, size, "%s lstat-error %d\n", rel, errno);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, extra, sizeof(extra) - 1);
		extra[n < 0 ? 0 : n] = '\0';
	} else if (S_ISREG(st.st_mode)) {
		int err = digest_file(path, &hash, &len);

		snprintf(extra, sizeof(extra), "fnv=%016llx/%llu/%d",
			 (unsigned long long)hash, (unsigned long long)len, err);
	}
	snprintf(line, size, "'%s' mode=%o uid=%u gid=%u size=%lld mtime=%lld.%09ld ctime=%lld.%09ld nlink=%lu %s\n",
		 rel, (unsigned int)st.st_mode, (unsigned int)st.st_uid,
		 (unsigned int)st.st_gid, (long long)st.st_size,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		 (unsigned long)st.st_nlink, extra);
}

char *snapshot_tree(const char *root)
{
	struct strlist paths;
	char line[2 * PATH_MAX];
	size_t len = 0, cap = 1 << 16;
	char *out;
	int err;

	err = collect_tree(root, &paths);
	if (err) {
		strlist_free(&paths);
		errno = err;
		return NULL;
	}
	out = xrealloc(NULL, cap);
	out[0] = '\0';
	for (size_t i = 0; i < paths.n; i++) {
		size_t n;

		snapshot_line(root, paths.v[i], line, sizeof(line));
		n = strlen(line);
		while (len + n + 1 > cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, line, n + 1);
		len += n;
	}
	strlist_free(&paths);
	return out;
}

void first_diff(const char *a, const char *b, char *out, size_t size)
{
	const char *la = a, *lb = b;

	/* Walk line by line until the lines differ. */
	while (*la && *lb) {
		const char *ea = strchrnul(la, '\n'), *eb = strchrnul(lb, '\n');

		if (ea - la != eb - lb || memcmp(la, lb, ea - la))
			break;
		la = *ea ? ea + 1 : ea;
		lb = *eb ? eb + 1 : eb;
	}
	snprintf(out, size, "before: %.*s | after: %.*s",
		 (int)(strchrnul(la, '\n') - la), la,
		 (int)(strchrnul(lb, '\n') - lb), lb);
}

int run_capture(const char *const argv[], const char *const envp[],
		char *out, size_t size, int *status)
{
	size_t len = 0;
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += n;
		if (len == size - 1) {
			char sink[256];

			/* Keep draining so the child cannot block. */
			while (read(pipefd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	out[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int kmsg_open_tail(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool kmsg_find(int fd, const char *prefix, const char *a, const char *b,
	       char *line, size_t size)
{
	char rec[8192];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: keep reading */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (!found && strstr(rec, prefix) &&
		    (strstr(rec, a) || strstr(rec, b))) {
			const char *msg = strchr(rec, ';');

			snprintf(line, size, "%s", msg ? msg + 1 : rec);
			line[strcspn(line, "\n")] = '\0';
			found = true;
		}
	}
	return found;
}

bool fs_registered(const char *fstype)
{
	char line[256], name[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/filesystems", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		/* Lines are "nodev\tname" or "\tname". */
		if (sscanf(line, "nodev %127s", name) == 1 ||
		    sscanf(line, " %127s", name) == 1)
			found |= !strcmp(name, fstype);
	}
	fclose(f);
	return found;
}

bool fs_mounted(const char *fstype)
{
	char line[4 * PATH_MAX], dev[PATH_MAX], mnt[PATH_MAX], type[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %4095s %127s", dev, mnt, type) == 3 &&
		    !strcmp(type, fstype))
			found = true;
	fclose(f);
	return found;
}

bool mounts_line(const char *mnt, char *out, size_t size)
{
	char line[4 * PATH_MAX], dev[PATH_MAX], dir[PATH_MAX];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %4095s", dev, dir) == 2 &&
		    !strcmp(dir, mnt)) {
			/* The last one wins: it is the top of the stack. */
			snprintf(out, size, "%s", line);
			out[strcspn(out, "\n")] = '\0';
			found = true;
		}
	fclose(f);
	return found;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
