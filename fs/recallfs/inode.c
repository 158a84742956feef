// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: inodes. One recallfs inode stands for one lower inode and
 * mirrors its attributes; permission and getattr ask the lower inode.
 */
#include <linux/slab.h>
#include <linux/namei.h>

#include "internal.h"

static struct kmem_cache *recallfs_inode_cachep;

struct inode *recallfs_alloc_inode(struct super_block *sb)
{
	struct recallfs_inode *ri;

	ri = kmem_cache_alloc(recallfs_inode_cachep, GFP_KERNEL);
	if (!ri)
		return NULL;
	ri->lower = NULL;
	return &ri->vfs_inode;
}

void recallfs_free_inode(struct inode *inode)
{
	kmem_cache_free(recallfs_inode_cachep, RECALLFS_I(inode));
}

/*
 * The lower pointer is left in place: RCU path walk may still read it, and
 * the lower inode itself is freed only after an RCU grace period.
 */
void recallfs_evict_inode(struct inode *inode)
{
	struct inode *lower = recallfs_lower_inode(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (lower)
		iput(lower);
}

static void recallfs_inode_init_once(void *obj)
{
	struct recallfs_inode *ri = obj;

	inode_init_once(&ri->vfs_inode);
}

int recallfs_inode_cache_init(void)
{
	recallfs_inode_cachep = kmem_cache_create("recallfs_inode",
						  sizeof(struct recallfs_inode), 0,
						  SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
						  recallfs_inode_init_once);
	return recallfs_inode_cachep ? 0 : -ENOMEM;
}

void recallfs_inode_cache_destroy(void)
{
	/* Inodes are freed after an RCU grace period: wait for them. */
	rcu_barrier();
	kmem_cache_destroy(recallfs_inode_cachep);
}

/* Mirror the lower inode's attributes (mode, owner, times, size, nlink). */
void recallfs_copy_attr(struct inode *inode)
{
	struct inode *lower = recallfs_lower_inode(inode);

	fsstack_copy_attr_all(inode, lower);
	fsstack_copy_inode_size(inode, lower);
}

int recallfs_permission(RECALLFS_IDMAP_PARAM struct inode *inode, int mask)
{
	/* Checked by the lower filesystem with the caller's credentials. */
	return inode_permission(RECALLFS_NOP_IDMAP recallfs_lower_inode(inode), mask);
}

int recallfs_getattr(RECALLFS_IDMAP_PARAM const struct path *path,
		     struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct dentry *dentry = path->dentry;
	struct path lower_path;
	int err;

	recallfs_lower_path(dentry, &lower_path);
	err = recallfs_getattr_lower(&lower_path, stat, request_mask, flags);
	if (err)
		return err;
	/* st_ino and everything else are the lower's; the device is ours. */
	stat->dev = dentry->d_sb->s_dev;
	recallfs_copy_attr(d_inode(dentry));
	return 0;
}

int recallfs_setattr(RECALLFS_IDMAP_PARAM struct dentry *dentry, struct iattr *attr)
{
	return -EROFS;
}

static const char *recallfs_get_link(struct dentry *dentry, struct inode *inode,
				     struct delayed_call *done)
{
	/* The lower filesystem may sleep to read the target: not in RCU walk. */
	if (!dentry)
		return ERR_PTR(-ECHILD);
	return vfs_get_link(recallfs_lower_dentry(dentry), done);
}

static const struct inode_operations recallfs_file_iops = {
	.permission = recallfs_permission,
	.getattr = recallfs_getattr,
	.setattr = recallfs_setattr,
	.listxattr = recallfs_listxattr,
};

static const struct inode_operations recallfs_symlink_iops = {
	.get_link = recallfs_get_link,
	.permission = recallfs_permission,
	.getattr = recallfs_getattr,
	.setattr = recallfs_setattr,
	.listxattr = recallfs_listxattr,
};

/* Devices, FIFOs and sockets: the same operations as regular files. */
#define recallfs_special_iops recallfs_file_iops

static void recallfs_init_inode(struct inode *inode, struct inode *lower)
{
	inode->i_ino = lower->i_ino;
	recallfs_copy_attr(inode);
	switch (lower->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &recallfs_dir_iops;
		inode->i_fop = &recallfs_dir_fops;
		break;
	case S_IFREG:
		inode->i_op = &recallfs_file_iops;
		inode->i_fop = &recallfs_file_fops;
		break;
	case S_IFLNK:
		inode->i_op = &recallfs_symlink_iops;
		break;
	default:
		inode->i_op = &recallfs_special_iops;
		init_special_inode(inode, lower->i_mode, lower->i_rdev);
		break;
	}
}

static int recallfs_inode_test(struct inode *inode, void *lower)
{
	return recallfs_lower_inode(inode) == lower;
}

static int recallfs_inode_set(struct inode *inode, void *lower)
{
	ihold(lower);
	RECALLFS_I(inode)->lower = lower;
	return 0;
}

/* The recallfs inode for @lower, created on first use. */
struct inode *recallfs_iget(struct super_block *sb, struct inode *lower)
{
	struct inode *inode;

	inode = iget5_locked(sb, lower->i_ino, recallfs_inode_test,
			     recallfs_inode_set, lower);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (recallfs_inode_is_new(inode)) {
		recallfs_init_inode(inode, lower);
		unlock_new_inode(inode);
	}
	return inode;
}
