// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: directory listing. readdir is the lower directory's readdir:
 * names, d_type and d_ino (the lower inode numbers) pass through unchanged.
 */
#include "internal.h"

static int recallfs_dir_open(struct inode *inode, struct file *file)
{
	return recallfs_open_lower(file, true);
}

static int recallfs_iterate_shared(struct file *file, struct dir_context *ctx)
{
	struct file *lower = file->private_data;
	int err;

	/* iterate_dir() starts at the lower file's position: keep it in step. */
	lower->f_pos = ctx->pos;
	err = iterate_dir(lower, ctx);
	fsstack_copy_attr_atime(file_inode(file), file_inode(lower));
	return err;
}

const struct file_operations recallfs_dir_fops = {
	.open = recallfs_dir_open,
	.release = recallfs_release_lower,
	.llseek = recallfs_llseek,
	.read = generic_read_dir,
	.iterate_shared = recallfs_iterate_shared,
	.fsync = recallfs_fsync,
};
