/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recallfs: private definitions shared by the module's source files.
 */
#ifndef _RECALLFS_INTERNAL_H
#define _RECALLFS_INTERNAL_H

#undef pr_fmt
#define pr_fmt(fmt) "recallfs: " fmt

#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/path.h>
#include <linux/mount.h>
#include <linux/version.h>

#include "recallfs_fs.h"
#include "compat.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "recallfs needs Linux 5.10 or later"
#endif

/* Per superblock: the lower directory this mount stacks on. */
struct recallfs_sb_info {
	struct path lower_root;		/* pinned for the life of the mount */
	char *lowerdir;			/* the lowerdir= option as given */
};

/*
 * Per inode: one recallfs inode per lower inode (hashed by the lower inode
 * pointer), so hard links on the lower filesystem stay hard links here.
 */
struct recallfs_inode {
	struct inode vfs_inode;
	struct inode *lower;		/* referenced; dropped at eviction */
};

static inline struct recallfs_sb_info *RECALLFS_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct recallfs_inode *RECALLFS_I(const struct inode *inode)
{
	return container_of(inode, struct recallfs_inode, vfs_inode);
}

static inline struct inode *recallfs_lower_inode(const struct inode *inode)
{
	return RECALLFS_I(inode)->lower;
}

/*
 * Each recallfs dentry holds a reference to its lower dentry (positive or
 * negative) in d_fsdata. The pointer is set before the dentry is hashed and
 * never changes, so RCU path walk may read it: d_release drops the reference
 * and lower dentries are themselves freed after an RCU grace period.
 */
static inline struct dentry *recallfs_lower_dentry(const struct dentry *dentry)
{
	return READ_ONCE(dentry->d_fsdata);
}

/* All lower objects live on the mount of lowerdir: recallfs does not cross mounts. */
static inline void recallfs_lower_path(const struct dentry *dentry, struct path *path)
{
	path->mnt = RECALLFS_SB(dentry->d_sb)->lower_root.mnt;
	path->dentry = recallfs_lower_dentry(dentry);
}

/* super.c */
extern struct file_system_type recallfs_fs_type;
int recallfs_fill_super(struct super_block *sb, struct fs_context *fc);
void recallfs_free_sb_info(struct recallfs_sb_info *sbi);

/* params.c */
int recallfs_init_fs_context(struct fs_context *fc);
extern const struct fs_parameter_spec recallfs_param_specs[];

/* inode.c */
struct inode *recallfs_iget(struct super_block *sb, struct inode *lower);
void recallfs_copy_attr(struct inode *inode);
int recallfs_inode_cache_init(void);
void recallfs_inode_cache_destroy(void);
struct inode *recallfs_alloc_inode(struct super_block *sb);
void recallfs_free_inode(struct inode *inode);
void recallfs_evict_inode(struct inode *inode);

/* namei.c */
extern const struct inode_operations recallfs_dir_iops;
extern const struct dentry_operations recallfs_dentry_ops;

/* dir.c */
extern const struct file_operations recallfs_dir_fops;

/* file.c: also the open, seek and fsync of directories */
extern const struct file_operations recallfs_file_fops;
int recallfs_open_lower(struct file *file, bool is_dir);
int recallfs_release_lower(struct inode *inode, struct file *file);
loff_t recallfs_llseek(struct file *file, loff_t offset, int whence);
int recallfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);

/* xattr.c */
extern RECALLFS_XATTR_HANDLER_ARRAY recallfs_xattr_handlers[];
ssize_t recallfs_listxattr(struct dentry *dentry, char *list, size_t size);

/* inode.c: operations shared by every inode type */
int recallfs_permission(RECALLFS_IDMAP_PARAM struct inode *inode, int mask);
int recallfs_getattr(RECALLFS_IDMAP_PARAM const struct path *path,
		     struct kstat *stat, u32 request_mask, unsigned int flags);
int recallfs_setattr(RECALLFS_IDMAP_PARAM struct dentry *dentry, struct iattr *attr);

#endif /* _RECALLFS_INTERNAL_H */
