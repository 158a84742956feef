// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: superblock, module entry points.
 *
 * recallfs is a read-only stacking filesystem: every object of a recallfs
 * mount stands for an object of the lower directory (normally on NFS), and
 * every operation is answered by the lower filesystem with the caller's
 * credentials, so the server's permission checks still apply per user. The
 * exception, where the server's answer cannot depend on who asks, is what
 * trust.c allows: answers from the index, and a file everyone may read,
 * read through one lower file opened with the mounter's credentials.
 */
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/workqueue.h>

#include "internal.h"

void recallfs_free_sb_info(struct recallfs_sb_info *sbi)
{
	path_put(&sbi->lower_root);
	if (sbi->mounter_cred)
		put_cred(sbi->mounter_cred);
	free_percpu(sbi->counters);
	kfree(sbi->lowerdir);
	kfree(sbi->journal_path);
	kfree(sbi->name);
	kfree(sbi->feed_path);
	recallfs_seeds_free(sbi);
	while (sbi->nr_seed_paths)
		kfree(sbi->seed_paths[--sbi->nr_seed_paths]);
	kfree(sbi->seed_paths);
	kfree(sbi);
}

u64 recallfs_counter_sum(struct recallfs_sb_info *sbi, enum recallfs_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(sbi->counters, cpu)->count[c];
	return sum;
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
	struct recallfs_sb_info *sbi = RECALLFS_SB(root->d_sb);
	unsigned int i;

	seq_show_option(m, "lowerdir", sbi->lowerdir);
	if (sbi->journal_path)
		seq_show_option(m, "journal", sbi->journal_path);
	seq_show_option(m, "name", sbi->name);
	for (i = 0; i < sbi->nr_seed_paths; i++)
		seq_show_option(m, "seed", sbi->seed_paths[i]);
	if (sbi->feed_path) {
		seq_show_option(m, "feed", sbi->feed_path);
		seq_printf(m, ",feed_interval=%u", READ_ONCE(sbi->feed_interval_secs));
	}
	/* The mode as mounted may have been changed through sysfs since. */
	if (recallfs_mode(sbi) == RECALLFS_MODE_IMMUTABLE)
		seq_puts(m, ",immutable");
	seq_printf(m, ",revalidate=%u,commit=%u,max_entries=%lu,min_entries=%lu",
		   READ_ONCE(sbi->revalidate_secs), READ_ONCE(sbi->commit_secs),
		   READ_ONCE(sbi->max_entries), READ_ONCE(sbi->min_entries));
	return 0;
}

static int recallfs_sync_fs(struct super_block *sb, int wait)
{
	return wait ? recallfs_journal_sync(RECALLFS_SB(sb)) : 0;
}

static const struct super_operations recallfs_super_ops = {
	.alloc_inode = recallfs_alloc_inode,
	.free_inode = recallfs_free_inode,
	.evict_inode = recallfs_evict_inode,
	.drop_inode = recallfs_drop_inode,
	.statfs = recallfs_statfs,
	.show_options = recallfs_show_options,
	.sync_fs = recallfs_sync_fs,
};

static int recallfs_make_root(struct super_block *sb)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);
	struct dentry *lower_root = sbi->lower_root.dentry;
	struct inode *root_inode;

	root_inode = recallfs_iget(sb, d_inode(lower_root));
	if (IS_ERR(root_inode))
		return PTR_ERR(root_inode);
	sb->s_root = d_make_root(root_inode);
	if (!sb->s_root)
		return -ENOMEM;
	sb->s_root->d_fsdata = dget(lower_root);
	sb->s_root->d_time = 0;		/* not answered by the index */
	recallfs_record_root_attr(sb->s_root);
	return 0;
}

/* The index, the journal replayed into it, and the sysfs directory. */
static int recallfs_setup_cache(struct super_block *sb, struct fs_context *fc)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);
	int err;

	sbi->counters = alloc_percpu(struct recallfs_counters);
	if (!sbi->counters)
		return -ENOMEM;
	if (!sbi->name) {
		sbi->name = kasprintf(GFP_KERNEL, "%u:%u", MAJOR(sb->s_dev), MINOR(sb->s_dev));
		if (!sbi->name)
			return -ENOMEM;
	}
	err = recallfs_index_create(sbi);
	if (err)
		return err;
	err = recallfs_seeds_load(sbi);
	if (err)
		return err;
	if (sbi->journal_path) {
		err = recallfs_journal_open(sbi, fc);
		if (err)
			return err;
	}
	err = recallfs_sysfs_register(sbi, fc);
	if (err)
		return err;
	sbi->sysfs_registered = true;
	return 0;
}

int recallfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);
	struct super_block *lower_sb = sbi->lower_root.dentry->d_sb;
	int err;

	sbi->sb = sb;
	sbi->mounter_cred = get_cred(fc->cred);
	sbi->release_wq = alloc_workqueue("recallfs_release", WQ_UNBOUND, 0);
	if (!sbi->release_wq)
		return -ENOMEM;
	sb->s_flags |= SB_RDONLY;
	/*
	 * Never open a device node through recallfs (a record could name any
	 * device number): opens of block and character devices get EACCES.
	 */
	sb->s_iflags |= SB_I_NODEV;
	/* ACLs are shown where the lower has them (trust.c and the lower decide access). */
	sb->s_flags |= lower_sb->s_flags & SB_POSIXACL;
	sb->s_magic = RECALLFS_SUPER_MAGIC;
	sb->s_op = &recallfs_super_ops;
	sb->s_xattr = recallfs_xattr_handlers;
	recallfs_set_default_d_op(sb, &recallfs_dentry_ops);
	sb->s_stack_depth = lower_sb->s_stack_depth + 1;
	sb->s_maxbytes = lower_sb->s_maxbytes;
	sb->s_time_gran = lower_sb->s_time_gran;
	sb->s_blocksize = lower_sb->s_blocksize;
	sb->s_blocksize_bits = lower_sb->s_blocksize_bits;

	err = recallfs_setup_cache(sb, fc);
	if (err)
		return err;
	err = recallfs_make_root(sb);
	if (err)
		return err;
	/* Its first reading invalidates, which needs the root. */
	return recallfs_feed_open(sbi, fc);
}

/* Undo recallfs_setup_cache(), whatever part of it was done. */
static void recallfs_teardown_cache(struct recallfs_sb_info *sbi)
{
	recallfs_index_stop_shrinker(sbi);
	if (sbi->journal)
		recallfs_journal_close(sbi);
	recallfs_index_destroy(sbi);
}

static void recallfs_kill_sb(struct super_block *sb)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(sb);

	/* No feed check, nor admin request, may come in while the superblock goes away. */
	if (sbi)
		recallfs_feed_close(sbi);
	if (sbi && sbi->sysfs_registered)
		recallfs_sysfs_unregister(sbi);
	kill_anon_super(sb);
	if (sbi) {
		/* Its inodes are evicted: their shared lower files are closed, or wait to be. */
		if (sbi->release_wq)
			destroy_workqueue(sbi->release_wq);
		recallfs_teardown_cache(sbi);
		recallfs_free_sb_info(sbi);
	}
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
	err = recallfs_sysfs_init();
	if (err)
		goto out_cache;
	err = register_filesystem(&recallfs_fs_type);
	if (err)
		goto out_sysfs;
	return 0;

out_sysfs:
	recallfs_sysfs_exit();
out_cache:
	recallfs_inode_cache_destroy();
	return err;
}

static void __exit recallfs_exit(void)
{
	unregister_filesystem(&recallfs_fs_type);
	recallfs_sysfs_exit();
	recallfs_inode_cache_destroy();
}

module_init(recallfs_init);
module_exit(recallfs_exit);

MODULE_DESCRIPTION("recallfs: read-only stacking filesystem that remembers lookups");
MODULE_AUTHOR("The recallfs developers");
MODULE_LICENSE("GPL");
