/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for recallfs_test.c that need no test harness: directory listing,
 * content digests, xattrs, tree snapshots, running a program, /dev/kmsg.
 * Functions return 0 or a positive errno value unless stated otherwise.
 */
#ifndef RECALLFS_UTIL_H
#define RECALLFS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A debug kernel (KASAN, lockdep, kmemleak) runs the same tests several times slower:
 * check.sh builds their selftests with TIME_SCALE=N, which multiplies every harness
 * timeout. What a test asserts does not change.
 */
#ifndef RECALLFS_TIME_SCALE
#define RECALLFS_TIME_SCALE 1
#endif

/*
 * The few tests that repeat one kind of lookup thousands of times (to fill a limit, to
 * model a big start-up, to check many concurrent answers) run WORK(n) of them: n, or n
 * divided by WORK_DIVISOR=N for a debug kernel, where under TCG each lookup costs about
 * ten times as much (cache.warm_remount_immutable_zero_rpcs over NFSv3: 34 s on trixie's
 * own kernel, 428 s on the debug kernel). Every path still runs, and each assertion is made for the
 * scaled volume. A race against sysfs writes is not scaled: there the race is the point.
 */
#ifndef RECALLFS_WORK_DIVISOR
#define RECALLFS_WORK_DIVISOR 1
#endif
#define WORK(n) ((n) / RECALLFS_WORK_DIVISOR)

struct dentry_rec {
	char *name;
	unsigned char type;	/* d_type */
	ino_t ino;		/* d_ino */
};

struct dentries {
	struct dentry_rec *v;
	size_t n, cap;
};

struct strlist {
	char **v;
	size_t n, cap;
};

/* "a" + "/" + "b"; b may be "" (gives a).  Aborts if it does not fit. */
void path_join(char *out, size_t size, const char *a, const char *b);

/* All entries except "." and "..", sorted by name. */
int read_dir_sorted(const char *dir, struct dentries *out);
void dentries_free(struct dentries *d);

void strlist_add(struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);
void strlist_free(struct strlist *l);

/* 64-bit FNV-1a over a whole file, and the number of bytes read(2) gave. */
int digest_file(const char *path, uint64_t *hash, uint64_t *len);
uint64_t fnv1a(uint64_t h, const void *buf, size_t len);
#define FNV1A_INIT 0xcbf29ce484222325ULL

/* Whole file into a malloc'ed buffer. */
int read_file(const char *path, char **buf, size_t *len);

/* Sorted llistxattr() names of a path (no symlink following). */
int list_xattrs(const char *path, struct strlist *names);
/* lgetxattr() value into a malloc'ed buffer. */
int get_xattr(const char *path, const char *name, char **val, size_t *len);

/* Every path below root (relative, "" for root itself), depth first, sorted. */
int collect_tree(const char *root, struct strlist *paths);

/*
 * Text snapshot of a tree: one line per object with type, mode, owner,
 * size, mtime, ctime, nlink and the symlink target or content digest.
 * Returns a malloc'ed string or NULL (errno set).
 */
char *snapshot_tree(const char *root);
/* Describe the first line where two snapshots differ. */
void first_diff(const char *a, const char *b, char *out, size_t size);

/*
 * fork + execve(argv[0]) with envp; stdout and stderr go to out
 * (NUL-terminated, truncated to size).  *status is the wait status.
 * Returns 0, or the errno of a failed fork/pipe; exec failure shows as
 * exit status 127.
 */
int run_capture(const char *const argv[], const char *const envp[],
		char *out, size_t size, int *status);

/* /dev/kmsg opened non-blocking and positioned after the last record. */
int kmsg_open_tail(void);
/*
 * Read the records logged since the last call; true if one contains prefix
 * and also a or b (either may be "" to accept any record with prefix).
 * The message text of the first match is copied to line.
 */
bool kmsg_find(int fd, const char *prefix, const char *a, const char *b,
	       char *line, size_t size);

/* rm -r of a directory tree, not following symlinks or crossing mounts. */
void remove_tree(const char *path);

/* Whether /proc/filesystems lists fstype. */
bool fs_registered(const char *fstype);
/* Whether any mount of fstype is visible in /proc/self/mounts. */
bool fs_mounted(const char *fstype);
/* The /proc/self/mounts line whose mount point is mnt, or false. */
bool mounts_line(const char *mnt, char *line, size_t size);

#endif
