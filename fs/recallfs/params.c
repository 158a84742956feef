// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: mount options, through the mount API (fs_context). Every option
 * is in recallfs_param_specs; errors name the option and go to the fs_context
 * log (dmesg for mount(2), the fsopen() descriptor for fsconfig(2) users).
 */
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "internal.h"

/* Options gathered while parsing, before a superblock exists. */
struct recallfs_fs_context {
	char *lowerdir;
};

enum recallfs_param {
	Opt_lowerdir,
};

const struct fs_parameter_spec recallfs_param_specs[] = {
	fsparam_string("lowerdir", Opt_lowerdir),
	{}
};

static int recallfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, recallfs_param_specs, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_lowerdir:
		kfree(ctx->lowerdir);
		ctx->lowerdir = param->string;
		param->string = NULL;
		return 0;
	}
	return -EINVAL;
}

/* Resolve lowerdir= and check that recallfs can stack on it. */
static int recallfs_resolve_lowerdir(struct fs_context *fc, const char *name,
				     struct path *path)
{
	struct super_block *lower_sb;
	int err;

	err = kern_path(name, LOOKUP_FOLLOW, path);
	if (err == -ENOENT) {
		errorfc(fc, "lowerdir=%s: no such directory", name);
		return err;
	}
	if (err) {
		errorfc(fc, "lowerdir=%s: cannot be resolved (error %d)", name, err);
		return err;
	}

	lower_sb = path->mnt->mnt_sb;
	if (!d_is_dir(path->dentry)) {
		errorfc(fc, "lowerdir=%s: not a directory", name);
		err = -ENOTDIR;
	} else if (lower_sb->s_type == &recallfs_fs_type) {
		errorfc(fc, "lowerdir=%s: is on a recallfs mount; recallfs does not stack on itself",
			name);
		err = -EINVAL;
	} else if (lower_sb->s_stack_depth >= FILESYSTEM_MAX_STACK_DEPTH) {
		errorfc(fc, "lowerdir=%s: stacked too deeply (maximum %d)", name,
			FILESYSTEM_MAX_STACK_DEPTH);
		err = -EINVAL;
	}
	if (err)
		path_put(path);
	return err;
}

static int recallfs_get_tree(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	struct recallfs_sb_info *sbi;
	int err;

	if (!ctx->lowerdir)
		return invalfc(fc, "missing lowerdir=PATH, the directory to stack on");

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	err = recallfs_resolve_lowerdir(fc, ctx->lowerdir, &sbi->lower_root);
	if (err) {
		kfree(sbi);
		return err;
	}
	sbi->lowerdir = ctx->lowerdir;
	ctx->lowerdir = NULL;

	/* sget_fc() hands it to the superblock; until then fc owns it. */
	fc->s_fs_info = sbi;
	return get_tree_nodev(fc, recallfs_fill_super);
}

/* recallfs is always read-only; the stacked directory cannot change. */
static int recallfs_reconfigure(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	struct recallfs_sb_info *sbi = RECALLFS_SB(fc->root->d_sb);

	if (ctx->lowerdir && strcmp(ctx->lowerdir, sbi->lowerdir) != 0)
		return invalfc(fc, "lowerdir= cannot be changed by a remount");
	fc->sb_flags |= SB_RDONLY;
	return 0;
}

static void recallfs_free_fc(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx = fc->fs_private;

	if (fc->s_fs_info)
		recallfs_free_sb_info(fc->s_fs_info);
	if (ctx) {
		kfree(ctx->lowerdir);
		kfree(ctx);
	}
}

static const struct fs_context_operations recallfs_context_ops = {
	.parse_param = recallfs_parse_param,
	.get_tree = recallfs_get_tree,
	.reconfigure = recallfs_reconfigure,
	.free = recallfs_free_fc,
};

int recallfs_init_fs_context(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	fc->fs_private = ctx;
	fc->ops = &recallfs_context_ops;
	fc->sb_flags |= SB_RDONLY;
	return 0;
}
