/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the recallfs selftests that mount recallfs over NFS
 * (cache_test.c, trust_test.c); see rig.c. No test harness needed.
 */
#ifndef RECALLFS_RIG_H
#define RECALLFS_RIG_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define SYSFS_ROOT	"/sys/fs/recallfs"
#define NOBODY_ID	65534

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* An environment variable, NULL if unset or empty. */
const char *env(const char *name);
/* strerror, or "success" for 0. */
const char *errname(int err);

/*
 * Figures for the log. stderr: the harness ends each test's process with
 * _exit(), which would drop a buffered stdout (ksft_print_msg).
 */
#define note(fmt, ...) fprintf(stderr, "# " fmt, ##__VA_ARGS__)

/* snprintf that aborts instead of truncating (and uses its result). */
#define xsnprintf(buf, size, ...) do { \
	int _n = snprintf(buf, size, __VA_ARGS__); \
	if (_n < 0 || (size_t)_n >= (size_t)(size)) { \
		fprintf(stderr, "# %s:%d: string too long\n", __FILE__, __LINE__); \
		abort(); \
	} \
} while (0)

/* Allocation that aborts on failure (zeroed). */
void *xmalloc(size_t size);
void *xrealloc_array(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* sync, then drop the dentry and inode caches. */
void drop_caches(void);
/* A private mount namespace for this process: 0 or errno. */
int enter_private_ns(void);
/* Create or truncate path (0644) with text: 0 or errno. */
int write_text(const char *path, const char *text);

/* NFS RPC counts (ops) of the NFS mount holding a path. */
enum { RPC_LOOKUP, RPC_GETATTR, RPC_ACCESS, RPC_READDIR, RPC_READDIRPLUS,
       RPC_READLINK, RPC_OPEN, RPC_CLOSE, RPC_READ, RPC_N };
/* Their names; RPC_OPEN counts OPEN_NOATTR too, RPC_READ READ_PLUS. */
extern const char *const rpc_names[RPC_N];

struct rpcs {
	unsigned long long v[RPC_N];
};

/*
 * Ops counts of the NFS mount whose mount point is the longest prefix of
 * path.  Returns 0, ENOENT if no NFS mount holds path, or an errno.
 */
int nfs_rpcs(const char *path, struct rpcs *out, char *mnt_out, size_t mnt_size);
struct rpcs rpc_delta(const struct rpcs *a, const struct rpcs *b);
unsigned long long rpc_total(const struct rpcs *d);
void rpc_format(const struct rpcs *d, char *out, size_t size);

/* The kernel log since the last scan of fd (kmsg_open_tail()). */
struct klog {
	unsigned int recallfs_warnings;	/* "recallfs" at level <= warning */
	unsigned int bad;		/* WARN, BUG, oops, lockdep */
	unsigned int server_reports;	/* the NFS server's own (rig.c) */
	char first_warning[512];
	char first_bad[512];
	char first_server[512];
};
void klog_scan(int fd, struct klog *k);

/* Acting as another user: a child with that uid (and gid), no groups. */
enum user_op { OP_LSTAT, OP_READ, OP_OPENDIR, OP_LISTXATTR };
/*
 * errno of @op on @path as @uid (0: it worked), or -1 if the child failed.
 * OP_LISTXATTR: 0 if llistxattr() listed a name, ENODATA if it listed none.
 */
int as_user(uid_t uid, enum user_op op, const char *path);

/* /sys/fs/recallfs/NAME/ATTR: 0 or errno. */
void sysfs_path(char *out, size_t size, const char *name, const char *attr);
int sysfs_write(const char *name, const char *attr, const char *buf, size_t len);
int sysfs_puts(const char *name, const char *attr, const char *s);
int sysfs_read(const char *name, const char *attr, char *out, size_t size);

/* The "key value" lines of /sys/fs/recallfs/NAME/stats. */
#define NSTATS 27
extern const char *const stat_keys[NSTATS];
struct stats {
	long long v[NSTATS];	/* -1: missing */
	bool ok;
};
struct stats read_stats(const char *name);
long long stat_of(const struct stats *s, const char *key);

#endif
