/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recallfs: the one place that adapts to kernel API differences (5.10 to 7.x).
 *
 * Every difference is detected by a compile probe (scripts/probes/, run by
 * scripts/kernel-probes.sh at build time) and named after the feature, never
 * after a kernel version: distribution kernels backport APIs.
 */
#ifndef _RECALLFS_COMPAT_H
#define _RECALLFS_COMPAT_H

#include <linux/fs.h>
#include <linux/fs_stack.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/splice.h>
#include <linux/uio.h>

#include "recallfs_probes.h"

#ifdef HAVE_BACKING_FILE
#include <linux/backing-file.h>
#endif
#ifdef HAVE_MNT_IDMAP
#include <linux/mnt_idmapping.h>
#endif

/*
 * The id-mapping argument of inode operations and VFS helpers: a struct
 * mnt_idmap, a struct user_namespace before it, nothing on 5.10. recallfs
 * does not support id-mapped mounts, so it always passes the identity map.
 */
#if defined(HAVE_MNT_IDMAP)
#define RECALLFS_IDMAP_PARAM	struct mnt_idmap *idmap,
#define RECALLFS_NOP_IDMAP	&nop_mnt_idmap,
#elif defined(HAVE_USER_NS_ARGS)
#define RECALLFS_IDMAP_PARAM	struct user_namespace *mnt_userns,
#define RECALLFS_NOP_IDMAP	&init_user_ns,
#else
#define RECALLFS_IDMAP_PARAM
#define RECALLFS_NOP_IDMAP
#endif

/*
 * Look a name up in a lower directory, taking the lower directory's lock
 * and checking MAY_EXEC on it with the caller's credentials.
 */
static inline struct dentry *recallfs_lookup_one(struct dentry *base,
						 const struct qstr *name)
{
#if defined(HAVE_LOOKUP_ONE_LEN_UNLOCKED)
	return lookup_one_len_unlocked((const char *)name->name, base, name->len);
#elif defined(HAVE_LOOKUP_ONE_UNLOCKED_QSTR)
	/* The helper writes the hash into the qstr: give it a copy. */
	struct qstr this = QSTR_INIT(name->name, name->len);

	return lookup_one_unlocked(&nop_mnt_idmap, &this, base);
#else
#error "recallfs: no known lower lookup helper in this kernel"
#endif
}

/*
 * Some kernels (6.8 to 6.12) tell a stacking filesystem's ->getattr that the
 * security check was already done (AT_GETATTR_NOSEC) and WARN if it then calls
 * vfs_getattr(), which would check again.
 */
static inline int recallfs_getattr_lower(const struct path *path, struct kstat *stat,
					 u32 request_mask, unsigned int flags)
{
#ifdef AT_GETATTR_NOSEC
	if (flags & AT_GETATTR_NOSEC)
		return vfs_getattr_nosec(path, stat, request_mask, flags);
#endif
	return vfs_getattr(path, stat, request_mask, flags);
}

/* ->d_revalidate gained the parent inode and a stable name. */
#ifdef HAVE_D_REVALIDATE_DIR_NAME
#define RECALLFS_D_REVALIDATE_PARAMS \
	struct inode *dir, const struct qstr *name, struct dentry *dentry, unsigned int flags
#else
#define RECALLFS_D_REVALIDATE_PARAMS struct dentry *dentry, unsigned int flags
#endif

/* Call the lower filesystem's ->d_revalidate on a lower dentry. */
static inline int recallfs_revalidate_lower(struct dentry *lower, unsigned int flags)
{
#ifdef HAVE_D_REVALIDATE_DIR_NAME
	struct name_snapshot snap;
	struct dentry *parent;
	struct inode *dir;
	int ret;

	if (flags & LOOKUP_RCU) {
		parent = READ_ONCE(lower->d_parent);
		dir = d_inode_rcu(parent);
		if (!dir)
			return -ECHILD;
	} else {
		parent = dget_parent(lower);
		dir = d_inode(parent);
	}
	take_dentry_name_snapshot(&snap, lower);
	ret = lower->d_op->d_revalidate(dir, &snap.name, lower, flags);
	release_dentry_name_snapshot(&snap);
	if (!(flags & LOOKUP_RCU))
		dput(parent);
	return ret;
#else
	return lower->d_op->d_revalidate(lower, flags);
#endif
}

static inline void recallfs_set_default_d_op(struct super_block *sb,
					     const struct dentry_operations *ops)
{
#ifdef HAVE_SET_DEFAULT_D_OP
	set_default_d_op(sb, ops);
#else
	sb->s_d_op = ops;
#endif
}

static inline bool recallfs_inode_is_new(struct inode *inode)
{
#ifdef HAVE_INODE_STATE_READ_ONCE
	return inode_state_read_once(inode) & I_NEW;
#else
	return inode->i_state & I_NEW;
#endif
}

/* Drop an unused recallfs inode at once: its lower inode is cached below. */
#ifdef HAVE_INODE_JUST_DROP
#define recallfs_drop_inode	inode_just_drop
#else
#define recallfs_drop_inode	generic_delete_inode
#endif

#ifdef HAVE_CONST_XATTR_HANDLER_ARRAY
#define RECALLFS_XATTR_HANDLER_ARRAY	const struct xattr_handler * const
#else
#define RECALLFS_XATTR_HANDLER_ARRAY	const struct xattr_handler *
#endif

/* file.c: keeps the recallfs inode's atime in step with the lower file. */
void recallfs_file_accessed(struct file *file);

/*
 * Lower files of regular files. Where the kernel has backing files, the lower
 * file is one (so /proc/PID/maps shows the recallfs path and the kernel's own
 * helpers forward read, splice and mmap); elsewhere it is a plain open of the
 * lower path, and recallfs forwards by hand.
 */
#ifdef HAVE_BACKING_FILE
static inline struct backing_file_ctx recallfs_backing_ctx(struct file *file)
{
	struct backing_file_ctx ctx = {
		.cred = file->f_cred,
		.accessed = recallfs_file_accessed,
	};
#ifdef HAVE_BACKING_FILE_CTX_USER_FILE
	ctx.user_file = file;
#endif
	return ctx;
}
#endif

static inline struct file *recallfs_open_lower_file(struct file *file,
						    const struct path *lower_path,
						    int flags)
{
#if defined(HAVE_BACKING_FILE_OPEN_USER_FILE)
	return backing_file_open(file, flags, lower_path, file->f_cred);
#elif defined(HAVE_BACKING_FILE)
	return backing_file_open(&file->f_path, flags, lower_path, file->f_cred);
#else
	return dentry_open(lower_path, flags, file->f_cred);
#endif
}

static inline ssize_t recallfs_read_lower(struct file *file, struct file *lower,
					  struct kiocb *iocb, struct iov_iter *to)
{
#ifdef HAVE_BACKING_FILE
	struct backing_file_ctx ctx = recallfs_backing_ctx(file);

	return backing_file_read_iter(lower, to, iocb, iocb->ki_flags, &ctx);
#else
	ssize_t ret;

	/* A synchronous read of the lower file; it would block, so refuse NOWAIT. */
	if (iocb->ki_flags & IOCB_NOWAIT)
		return -EAGAIN;
	ret = vfs_iter_read(lower, to, &iocb->ki_pos, 0);
	recallfs_file_accessed(file);
	return ret;
#endif
}

static inline ssize_t recallfs_splice_lower(struct file *file, struct file *lower,
					    loff_t *ppos, struct pipe_inode_info *pipe,
					    size_t len, unsigned int flags)
{
#if defined(HAVE_BACKING_FILE_SPLICE_READ_IOCB)
	struct backing_file_ctx ctx = recallfs_backing_ctx(file);
	struct kiocb iocb;
	ssize_t ret;

	init_sync_kiocb(&iocb, file);
	iocb.ki_pos = *ppos;
	ret = backing_file_splice_read(lower, &iocb, pipe, len, flags, &ctx);
	*ppos = iocb.ki_pos;
	return ret;
#elif defined(HAVE_BACKING_FILE)
	struct backing_file_ctx ctx = recallfs_backing_ctx(file);

	return backing_file_splice_read(lower, ppos, pipe, len, flags, &ctx);
#elif defined(HAVE_GENERIC_FILE_SPLICE_READ)
	/* Goes through recallfs' ->read_iter, which reads the lower file. */
	return generic_file_splice_read(file, ppos, pipe, len, flags);
#else
	return copy_splice_read(file, ppos, pipe, len, flags);
#endif
}

#ifndef HAVE_BACKING_FILE
/* Point a mapping at another file, moving the file reference with it. */
static inline void recallfs_vma_set_file(struct vm_area_struct *vma, struct file *file)
{
#ifdef HAVE_VMA_SET_FILE
	vma_set_file(vma, file);
#else
	struct file *old = vma->vm_file;

	vma->vm_file = get_file(file);
	fput(old);
#endif
}
#endif

/*
 * Map the lower file's pages directly: executables and shared libraries run
 * from the lower page cache, and recallfs keeps no page cache of its own.
 */
static inline int recallfs_mmap_lower(struct file *file, struct file *lower,
				      struct vm_area_struct *vma)
{
#ifdef HAVE_BACKING_FILE
	struct backing_file_ctx ctx = recallfs_backing_ctx(file);

	return backing_file_mmap(lower, vma, &ctx);
#else
	int ret;

	if (!lower->f_op->mmap)
		return -ENODEV;
	recallfs_vma_set_file(vma, lower);
	ret = call_mmap(lower, vma);
	if (ret)
		recallfs_vma_set_file(vma, file);
	else
		recallfs_file_accessed(file);
	return ret;
#endif
}

#endif /* _RECALLFS_COMPAT_H */
