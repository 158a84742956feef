// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: superblock, module entry points.
 *
 * recallfs is a read-only stacking filesystem: every object of a recallfs
 * mount stands for an object of the lower directory (normally on NFS), and
 * every operation is answered by the lower filesystem with the caller's
 * credentials, so the server's permission checks still apply per user.
 */
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "internal.h"

void recallfs_free_sb_info(struct recallfs_sb_info *sbi)
{
	path_put(&sbi->lower_root);
	kfree(sbi->lowerdir);
	kfree(sbi);
}

static int recallfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	int err = vfs_statfs(&RECALLFS_SB(dentry->d_sb)->lower_root, buf);

	if (!err)
		buf->f_type = RECALLFS_SUPER_MAGIC;
	return err;
}

static int recallfs_show_options(struct seq_file *m, struct dentry *root)
{
	seq_show_option(m, "lowerdir", RECALLFS_SB(root->d_sb)->lowerdir);
	return 0;
}

static const struct super_operations recallfs_super_ops = {
	.alloc_inode = recallfs_alloc_inode,
	.free_inode = recallfs_free_inode,
	.evict_inode = recallfs_evict_inode,
	.drop_inode = recallfs_drop_inode,
	.statfs = recallfs_statfs,
	.show_options = recallfs_show_options,
};

int recallfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);
	struct dentry *lower_root = sbi->lower_root.dentry;
	struct super_block *lower_sb = lower_root->d_sb;
	struct inode *root_inode;

	sb->s_flags |= SB_RDONLY;
	sb->s_magic = RECALLFS_SUPER_MAGIC;
	sb->s_op = &recallfs_super_ops;
	sb->s_xattr = recallfs_xattr_handlers;
	recallfs_set_default_d_op(sb, &recallfs_dentry_ops);
	sb->s_stack_depth = lower_sb->s_stack_depth + 1;
	sb->s_maxbytes = lower_sb->s_maxbytes;
	sb->s_time_gran = lower_sb->s_time_gran;
	sb->s_blocksize = lower_sb->s_blocksize;
	sb->s_blocksize_bits = lower_sb->s_blocksize_bits;

	root_inode = recallfs_iget(sb, d_inode(lower_root));
	if (IS_ERR(root_inode))
		return PTR_ERR(root_inode);
	sb->s_root = d_make_root(root_inode);
	if (!sb->s_root)
		return -ENOMEM;
	sb->s_root->d_fsdata = dget(lower_root);
	return 0;
}

static void recallfs_kill_sb(struct super_block *sb)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);

	kill_anon_super(sb);
	if (sbi)
		recallfs_free_sb_info(sbi);
}

struct file_system_type recallfs_fs_type = {
	.owner = THIS_MODULE,
	.name = RECALLFS_FS_NAME,
	.init_fs_context = recallfs_init_fs_context,
	.parameters = recallfs_param_specs,
	.kill_sb = recallfs_kill_sb,
};
MODULE_ALIAS_FS(RECALLFS_FS_NAME);

static int __init recallfs_init(void)
{
	int err;

	err = recallfs_inode_cache_init();
	if (err)
		return err;
	err = register_filesystem(&recallfs_fs_type);
	if (err)
		recallfs_inode_cache_destroy();
	return err;
}

static void __exit recallfs_exit(void)
{
	unregister_filesystem(&recallfs_fs_type);
	recallfs_inode_cache_destroy();
}

module_init(recallfs_init);
module_exit(recallfs_exit);

MODULE_DESCRIPTION("recallfs: read-only stacking filesystem that remembers lookups");
MODULE_AUTHOR("The recallfs developers");
MODULE_LICENSE("GPL");
