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
#include <linux/posix_acl.h>
#include <linux/shrinker.h>
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

/*
 * An inode's POSIX ACL of @type through the filesystem's ACL cache: NULL
 * when it has none (or the filesystem has no POSIX ACLs), else referenced.
 * get_inode_acl() since 6.2; get_acl() before (6.2 gave that name to the
 * dentry-based call, which 6.2+ filesystems no longer answer for xattrs).
 */
static inline struct posix_acl *recallfs_get_inode_acl(struct inode *inode, int type)
{
#ifdef HAVE_GET_INODE_ACL
	return get_inode_acl(inode, type);
#else
	return get_acl(inode, type);
#endif
}

/*
 * Since 6.2 POSIX ACLs are read through the ->get_acl inode operation (for
 * filesystems that set SB_POSIXACL), not through the xattr handlers; before,
 * recallfs' catch-all handler forwards system.posix_acl_* like any xattr.
 */
#ifdef HAVE_GET_INODE_ACL
struct posix_acl *recallfs_get_acl(RECALLFS_IDMAP_PARAM struct dentry *dentry, int type);
#define RECALLFS_GET_ACL_OP	.get_acl = recallfs_get_acl,
#else
#define RECALLFS_GET_ACL_OP
#endif

/* Timestamps: fields up to 6.5, accessors after. */
static inline void recallfs_inode_set_times(struct inode *inode, const struct timespec64 *atime,
					    const struct timespec64 *mtime,
					    const struct timespec64 *ctime)
{
#ifdef HAVE_INODE_SET_MTIME_TO_TS
	inode_set_atime_to_ts(inode, *atime);
	inode_set_mtime_to_ts(inode, *mtime);
	inode_set_ctime_to_ts(inode, *ctime);
#else
	inode->i_atime = *atime;
	inode->i_mtime = *mtime;
	inode->i_ctime = *ctime;
#endif
}

/* The return of a readdir actor: bool (true = go on) or int (0 = go on). */
#ifdef HAVE_FILLDIR_BOOL
#define RECALLFS_FILLDIR_RET		bool
#define RECALLFS_FILLDIR_CONTINUE	true
#define RECALLFS_FILLDIR_STOP		false
#else
#define RECALLFS_FILLDIR_RET		int
#define RECALLFS_FILLDIR_CONTINUE	0
#define RECALLFS_FILLDIR_STOP		(-ENOMEM)
#endif

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

/* The lower's change cookie (i_version, NFSv4 change attribute), since 6.3. */
#ifdef HAVE_STATX_CHANGE_COOKIE
#define RECALLFS_STATX_MASK	(STATX_BASIC_STATS | STATX_CHANGE_COOKIE)

static inline bool recallfs_kstat_change_cookie(const struct kstat *stat, u64 *cookie)
{
	if (!(stat->result_mask & STATX_CHANGE_COOKIE))
		return false;
	*cookie = stat->change_cookie;
	return true;
}
#else
#define RECALLFS_STATX_MASK	STATX_BASIC_STATS

static inline bool recallfs_kstat_change_cookie(const struct kstat *stat, u64 *cookie)
{
	return false;
}
#endif

/*
 * A shrinker with private data: allocated by the core since 6.7, embedded
 * before (named since 6.0). Callbacks get their data back through
 * recallfs_shrinker_data().
 */

#ifdef HAVE_SHRINKER_ALLOC
struct recallfs_shrinker {
	struct shrinker *shrinker;
};

static inline int recallfs_shrinker_register(struct recallfs_shrinker *rs,
	unsigned long (*count)(struct shrinker *, struct shrink_control *),
	unsigned long (*scan)(struct shrinker *, struct shrink_control *),
	void *data, const char *name)
{
	struct shrinker *s = shrinker_alloc(0, "recallfs-%s", name);

	if (!s)
		return -ENOMEM;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = data;
	shrinker_register(s);
	rs->shrinker = s;
	return 0;
}

static inline void recallfs_shrinker_unregister(struct recallfs_shrinker *rs)
{
	shrinker_free(rs->shrinker);	/* NULL: a no-op */
	rs->shrinker = NULL;
}

static inline void *recallfs_shrinker_data(struct shrinker *s)
{
	return s->private_data;
}
#else
struct recallfs_shrinker {
	struct shrinker shrinker;
	void *data;
	bool registered;
};

static inline int recallfs_shrinker_register(struct recallfs_shrinker *rs,
	unsigned long (*count)(struct shrinker *, struct shrink_control *),
	unsigned long (*scan)(struct shrinker *, struct shrink_control *),
	void *data, const char *name)
{
	int err;

	rs->shrinker.count_objects = count;
	rs->shrinker.scan_objects = scan;
	rs->shrinker.seeks = DEFAULT_SEEKS;
	rs->data = data;
#ifdef HAVE_REGISTER_SHRINKER_NAME
	err = register_shrinker(&rs->shrinker, "recallfs-%s", name);
#else
	err = register_shrinker(&rs->shrinker);
#endif
	rs->registered = !err;
	return err;
}

static inline void recallfs_shrinker_unregister(struct recallfs_shrinker *rs)
{
	if (rs->registered)
		unregister_shrinker(&rs->shrinker);
	rs->registered = false;
}

static inline void *recallfs_shrinker_data(struct shrinker *s)
{
	return container_of(s, struct recallfs_shrinker, shrinker)->data;
}
#endif

#ifdef HAVE_CONST_XATTR_HANDLER_ARRAY
#define RECALLFS_XATTR_HANDLER_ARRAY	const struct xattr_handler * const
#else
#define RECALLFS_XATTR_HANDLER_ARRAY	const struct xattr_handler *
#endif

/* file.c: keeps the recallfs inode's atime in step with the lower file. */
void recallfs_file_accessed(struct file *file);

/*
 * Lower files of regular files. Where the kernel has backing files, a lower
 * file opened for one recallfs file is one (so /proc/PID/maps shows the
 * recallfs path and the kernel's own helpers forward read, splice and mmap);
 * elsewhere, and for a lower file shared by many opens (a backing file would
 * pin the recallfs path it shows, and so the mount), it is a plain open of
 * the lower path, and recallfs forwards by hand.
 */
static inline bool recallfs_lower_is_backing(const struct file *lower)
{
#ifdef HAVE_BACKING_FILE
	return lower->f_mode & FMODE_BACKING;
#else
	return false;
#endif
}
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
	ssize_t ret;

#ifdef HAVE_BACKING_FILE
	if (recallfs_lower_is_backing(lower)) {
		struct backing_file_ctx ctx = recallfs_backing_ctx(file);

		return backing_file_read_iter(lower, to, iocb, iocb->ki_flags, &ctx);
	}
#endif
	/* A synchronous read of the lower file; it would block, so refuse NOWAIT. */
	if (iocb->ki_flags & IOCB_NOWAIT)
		return -EAGAIN;
	ret = vfs_iter_read(lower, to, &iocb->ki_pos, 0);
	recallfs_file_accessed(file);
	return ret;
}

static inline ssize_t recallfs_splice_lower(struct file *file, struct file *lower,
					    loff_t *ppos, struct pipe_inode_info *pipe,
					    size_t len, unsigned int flags)
{
#if defined(HAVE_BACKING_FILE_SPLICE_READ_IOCB)
	if (recallfs_lower_is_backing(lower)) {
		struct backing_file_ctx ctx = recallfs_backing_ctx(file);
		struct kiocb iocb;
		ssize_t ret;

		init_sync_kiocb(&iocb, file);
		iocb.ki_pos = *ppos;
		ret = backing_file_splice_read(lower, &iocb, pipe, len, flags, &ctx);
		*ppos = iocb.ki_pos;
		return ret;
	}
#elif defined(HAVE_BACKING_FILE)
	if (recallfs_lower_is_backing(lower)) {
		struct backing_file_ctx ctx = recallfs_backing_ctx(file);

		return backing_file_splice_read(lower, ppos, pipe, len, flags, &ctx);
	}
#endif
#if defined(HAVE_GENERIC_FILE_SPLICE_READ)
	/* Goes through recallfs' ->read_iter, which reads the lower file. */
	return generic_file_splice_read(file, ppos, pipe, len, flags);
#else
	return copy_splice_read(file, ppos, pipe, len, flags);
#endif
}

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

/* Map @file into @vma: through ->mmap_prepare where the kernel has it. */
static inline int recallfs_call_mmap(struct file *file, struct vm_area_struct *vma)
{
#ifdef HAVE_VFS_MMAP
	if (!file->f_op->mmap && !file->f_op->mmap_prepare)
		return -ENODEV;
	return vfs_mmap(file, vma);
#else
	if (!file->f_op->mmap)
		return -ENODEV;
	return call_mmap(file, vma);
#endif
}

/*
 * Map the lower file's pages directly: executables and shared libraries run
 * from the lower page cache, and recallfs keeps no page cache of its own.
 */
static inline int recallfs_mmap_lower(struct file *file, struct file *lower,
				      struct vm_area_struct *vma)
{
	int ret;

#ifdef HAVE_BACKING_FILE
	if (recallfs_lower_is_backing(lower)) {
		struct backing_file_ctx ctx = recallfs_backing_ctx(file);

		return backing_file_mmap(lower, vma, &ctx);
	}
#endif
	recallfs_vma_set_file(vma, lower);
	ret = recallfs_call_mmap(lower, vma);
	if (ret)
		recallfs_vma_set_file(vma, file);
	else
		recallfs_file_accessed(file);
	return ret;
}

/* ---- sysfs.c ---------------------------------------------------------- */

/*
 * kobject_init_and_add() and struct kobject take a const struct kobj_type
 * where the kernel allows it; on older kernels (5.10) passing a const one
 * discards the qualifier, so the ktype stays writable there.
 */
#ifdef HAVE_CONST_KOBJ_TYPE
#define RECALLFS_KOBJ_TYPE	const struct kobj_type
#else
#define RECALLFS_KOBJ_TYPE	struct kobj_type
#endif

/* ---- journal.c: renaming the journal file (owned by the journal code) ---- */

/*
 * Rename @old_name to @new_name inside the directory @dir, as rename(2)
 * with @flags (0 or RENAME_NOREPLACE) would. The caller holds write access
 * to dir->mnt (mnt_want_write). Lookup and locking moved into
 * start_renaming() in 7.x; before, lock_rename() on the one parent and
 * lookup_one_len() of each name.
 */
static inline int recallfs_rename_in_dir(const struct path *dir, const char *old_name,
					 const char *new_name, unsigned int flags)
{
#ifdef HAVE_START_RENAMING
	struct qstr old_last = QSTR_INIT(old_name, strlen(old_name));
	struct qstr new_last = QSTR_INIT(new_name, strlen(new_name));
	struct renamedata rd = {
		.mnt_idmap = mnt_idmap(dir->mnt),
		.old_parent = dir->dentry,
		.new_parent = dir->dentry,
		.flags = flags,
	};
	int err;

	err = start_renaming(&rd, 0, &old_last, &new_last);
	if (err)
		return err;
	if ((flags & RENAME_NOREPLACE) && d_is_positive(rd.new_dentry))
		err = -EEXIST;
	else
		err = vfs_rename(&rd);
	end_renaming(&rd);
	return err;
#else
	struct renamedata rd = {
		.old_dir = d_inode(dir->dentry),
		.new_dir = d_inode(dir->dentry),
		.flags = flags,
#if defined(HAVE_RENAMEDATA_MNT_IDMAP)
		.old_mnt_idmap = mnt_idmap(dir->mnt),
		.new_mnt_idmap = mnt_idmap(dir->mnt),
#elif defined(HAVE_RENAMEDATA_MNT_USERNS)
		.old_mnt_userns = mnt_user_ns(dir->mnt),
		.new_mnt_userns = mnt_user_ns(dir->mnt),
#endif
	};
	struct dentry *old, *new;
	int err;

	lock_rename(dir->dentry, dir->dentry);
	old = lookup_one_len(old_name, dir->dentry, strlen(old_name));
	err = PTR_ERR_OR_ZERO(old);
	if (err)
		goto unlock;
	new = lookup_one_len(new_name, dir->dentry, strlen(new_name));
	err = PTR_ERR_OR_ZERO(new);
	if (err)
		goto put_old;
	if (d_is_negative(old))
		err = -ENOENT;
	else if ((flags & RENAME_NOREPLACE) && d_is_positive(new))
		err = -EEXIST;
	if (!err) {
		rd.old_dentry = old;
		rd.new_dentry = new;
		err = vfs_rename(&rd);
	}
	dput(new);
put_old:
	dput(old);
unlock:
	unlock_rename(dir->dentry, dir->dentry);
	return err;
#endif
}

#endif /* _RECALLFS_COMPAT_H */
