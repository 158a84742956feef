/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A lower filesystem the tests control request by request: a FUSE server in
 * a child process of the test, speaking the kernel's protocol on /dev/fuse
 * directly (no libfuse). Its tree lives in memory; the test changes it as a server
 * would, and can hold one request unanswered to stop a recallfs operation at
 * a known point. It caches like an NFS mount with long attribute timeouts:
 * names, missing names and attributes stay valid in the client for an hour
 * unless a request is forced, or the server tells the client (a removal).
 */
#ifndef RECALLFS_FUSE_LOWER_H
#define RECALLFS_FUSE_LOWER_H

#include <stdbool.h>
#include <sys/types.h>

struct fuse_lower;

/* Mount an empty tree at @mnt and serve it: NULL (errno set) on failure. */
struct fuse_lower *fuse_lower_start(const char *mnt);
/* Release what is held, unmount, stop serving, free. */
void fuse_lower_stop(struct fuse_lower *fl);

/*
 * Server-side changes, seen by the client only when it asks. @path is
 * relative to the root; its parent must exist. 0 or an errno.
 */
int fuse_lower_add(struct fuse_lower *fl, const char *path, mode_t mode);
/* A symlink to @target. */
int fuse_lower_symlink(struct fuse_lower *fl, const char *path, const char *target);
/* Added without the parent's change stamp moving (two changes in one tick). */
int fuse_lower_add_unseen(struct fuse_lower *fl, const char *path, mode_t mode);
/* Removed, and the client told to forget the name (FUSE_NOTIFY_INVAL_ENTRY). */
int fuse_lower_remove(struct fuse_lower *fl, const char *path);
/* Mode bits changed (the client sees them when it asks for attributes). */
int fuse_lower_chmod(struct fuse_lower *fl, const char *path, mode_t mode);
/* @path is found by LOOKUP but never listed by READDIR (as NetApp's .snapshot). */
int fuse_lower_hide(struct fuse_lower *fl, const char *path);

/* READDIR replies carry at most @n names each (0: as many as fit). */
void fuse_lower_set_readdir_batch(struct fuse_lower *fl, unsigned int n);

enum fuse_lower_op { FUSE_LOWER_GETATTR, FUSE_LOWER_READLINK };

/*
 * Hold the first @op request of any of @paths after @pass of them were
 * answered. fuse_lower_wait_held() gives the index in @paths of the one
 * held, or -1 after @timeout seconds; fuse_lower_passed() the index of the
 * first answered (-1 if none); fuse_lower_release() answers the held one,
 * as the object it named is then, and holds nothing more.
 */
int fuse_lower_hold(struct fuse_lower *fl, enum fuse_lower_op op, const char *const paths[],
		    int n, unsigned int pass);
int fuse_lower_wait_held(struct fuse_lower *fl, int timeout);
int fuse_lower_passed(struct fuse_lower *fl);
void fuse_lower_release(struct fuse_lower *fl);

/* Requests served so far; fuse_lower_lookups_of(): the LOOKUPs of one name. */
struct fuse_lower_counts {
	unsigned long lookups;
	unsigned long readdirs;
};
void fuse_lower_counts(struct fuse_lower *fl, struct fuse_lower_counts *out);
unsigned long fuse_lower_lookups_of(struct fuse_lower *fl, const char *name);

#endif
