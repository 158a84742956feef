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
	char *journal;
	char *name;
	char *seeds[RECALLFS_SEEDS_MAX];
	unsigned int nr_seeds;
	char *feed;
	unsigned int feed_interval_secs;
	bool feed_interval_set;
	bool immutable;
	unsigned int revalidate_secs;
	unsigned int commit_secs;
	unsigned int max_entries;
	unsigned int min_entries;
	/* Given in this fs_context: a remount changes only what it names. */
	bool revalidate_set;
	bool commit_set;
	bool max_entries_set;
	bool min_entries_set;
};

#define RECALLFS_DEFAULT_REVALIDATE	1		/* seconds */
#define RECALLFS_DEFAULT_COMMIT		5		/* seconds */
#define RECALLFS_DEFAULT_FEED_INTERVAL	30		/* seconds */
#define RECALLFS_DEFAULT_MAX_ENTRIES	1000000		/* about 200 MiB at most */
#define RECALLFS_MAX_INTERVAL		86400		/* seconds */
#define RECALLFS_NAME_MAX		64

enum recallfs_param {
	Opt_lowerdir,
	Opt_journal,
	Opt_name,
	Opt_seed,
	Opt_feed,
	Opt_feed_interval,
	Opt_immutable,
	Opt_revalidate,
	Opt_commit,
	Opt_max_entries,
	Opt_min_entries,
};

const struct fs_parameter_spec recallfs_param_specs[] = {
	fsparam_string("lowerdir", Opt_lowerdir),
	fsparam_string("journal", Opt_journal),
	fsparam_string("name", Opt_name),
	fsparam_string("seed", Opt_seed),
	fsparam_string("feed", Opt_feed),
	fsparam_u32("feed_interval", Opt_feed_interval),
	fsparam_flag("immutable", Opt_immutable),
	fsparam_u32("revalidate", Opt_revalidate),
	fsparam_u32("commit", Opt_commit),
	fsparam_u32("max_entries", Opt_max_entries),
	fsparam_u32("min_entries", Opt_min_entries),
	{}
};

/* Take the string value of @param into *@slot. */
static void recallfs_take_string(char **slot, struct fs_parameter *param)
{
	kfree(*slot);
	*slot = param->string;
	param->string = NULL;
}

/* A sysfs directory name: one path component, not a reserved one. */
static int recallfs_check_name(struct fs_context *fc, const char *name)
{
	if (strlen(name) > RECALLFS_NAME_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "features"))
		return invalfc(fc, "name=%s: not a valid name (one path component, at most %d bytes, not \"features\")",
			       name, RECALLFS_NAME_MAX);
	return 0;
}

static int recallfs_check_interval(struct fs_context *fc, const char *key,
				   unsigned int secs, unsigned int min)
{
	if (secs < min || secs > RECALLFS_MAX_INTERVAL)
		return invalfc(fc, "%s=%u: must be between %u and %u seconds", key, secs,
			       min, RECALLFS_MAX_INTERVAL);
	return 0;
}

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
		recallfs_take_string(&ctx->lowerdir, param);
		return 0;
	case Opt_journal:
		recallfs_take_string(&ctx->journal, param);
		return 0;
	case Opt_name:
		recallfs_take_string(&ctx->name, param);
		return recallfs_check_name(fc, ctx->name);
	case Opt_seed:
		if (ctx->nr_seeds == RECALLFS_SEEDS_MAX)
			return invalfc(fc, "seed=%s: at most %d seeds per mount", param->string,
				       RECALLFS_SEEDS_MAX);
		recallfs_take_string(&ctx->seeds[ctx->nr_seeds++], param);
		return 0;
	case Opt_feed:
		recallfs_take_string(&ctx->feed, param);
		return 0;
	case Opt_feed_interval:
		ctx->feed_interval_secs = result.uint_32;
		ctx->feed_interval_set = true;
		return recallfs_check_interval(fc, "feed_interval", result.uint_32, 1);
	case Opt_immutable:
		ctx->immutable = true;
		return 0;
	case Opt_revalidate:
		ctx->revalidate_secs = result.uint_32;
		ctx->revalidate_set = true;
		return recallfs_check_interval(fc, "revalidate", result.uint_32, 0);
	case Opt_commit:
		ctx->commit_secs = result.uint_32;
		ctx->commit_set = true;
		return recallfs_check_interval(fc, "commit", result.uint_32, 1);
	case Opt_max_entries:
		ctx->max_entries = result.uint_32;
		ctx->max_entries_set = true;
		return 0;
	case Opt_min_entries:
		ctx->min_entries = result.uint_32;
		ctx->min_entries_set = true;
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

/* The seed= paths move into the superblock's info. */
static int recallfs_take_seeds(struct recallfs_sb_info *sbi, struct recallfs_fs_context *ctx)
{
	if (!ctx->nr_seeds)
		return 0;
	sbi->seed_paths = kmemdup(ctx->seeds, ctx->nr_seeds * sizeof(char *), GFP_KERNEL);
	if (!sbi->seed_paths)
		return -ENOMEM;
	sbi->nr_seed_paths = ctx->nr_seeds;
	ctx->nr_seeds = 0;
	return 0;
}

/* Move the parsed options into the new superblock's info. */
static void recallfs_apply_options(struct recallfs_sb_info *sbi, struct recallfs_fs_context *ctx)
{
	sbi->lowerdir = ctx->lowerdir;
	ctx->lowerdir = NULL;
	sbi->journal_path = ctx->journal;
	ctx->journal = NULL;
	sbi->name = ctx->name;
	ctx->name = NULL;
	sbi->feed_path = ctx->feed;
	ctx->feed = NULL;
	sbi->feed_interval_secs = ctx->feed_interval_secs;
	sbi->mode = ctx->immutable ? RECALLFS_MODE_IMMUTABLE : RECALLFS_MODE_VERIFY;
	sbi->revalidate_secs = ctx->revalidate_secs;
	sbi->commit_secs = ctx->commit_secs;
	sbi->max_entries = ctx->max_entries;
	/* By default memory pressure can take back three quarters of the index. */
	sbi->min_entries = ctx->min_entries_set ? ctx->min_entries : ctx->max_entries / 4;
	sbi->min_entries_given = ctx->min_entries_set;
}

static int recallfs_get_tree(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	struct recallfs_sb_info *sbi;
	int err;

	if (!ctx->lowerdir)
		return invalfc(fc, "missing lowerdir=PATH, the directory to stack on");
	if (ctx->min_entries_set && ctx->min_entries > ctx->max_entries)
		return invalfc(fc, "min_entries=%u: more than max_entries=%u", ctx->min_entries,
			       ctx->max_entries);

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	err = recallfs_resolve_lowerdir(fc, ctx->lowerdir, &sbi->lower_root);
	if (err) {
		kfree(sbi);
		return err;
	}
	err = recallfs_take_seeds(sbi, ctx);
	if (err) {
		path_put(&sbi->lower_root);
		kfree(sbi);
		return err;
	}
	recallfs_apply_options(sbi, ctx);

	/* sget_fc() hands it to the superblock; until then fc owns it. */
	fc->s_fs_info = sbi;
	return get_tree_nodev(fc, recallfs_fill_super);
}

static bool recallfs_string_changed(const char *given, const char *mounted)
{
	return given && (!mounted || strcmp(given, mounted) != 0);
}

/* A remount that names seeds must name the mount's, in order (as /proc/mounts shows them). */
static bool recallfs_seeds_changed(const struct recallfs_fs_context *ctx,
				   const struct recallfs_sb_info *sbi)
{
	unsigned int i;

	if (!ctx->nr_seeds)
		return false;
	if (ctx->nr_seeds != sbi->nr_seed_paths)
		return true;
	for (i = 0; i < ctx->nr_seeds; i++)
		if (strcmp(ctx->seeds[i], sbi->seed_paths[i]))
			return true;
	return false;
}

/*
 * The index limits after a remount: what it gives, else what the mount has.
 * A min_entries that was never given follows max_entries as at mount;
 * *@given says whether it is given from now on.
 */
static int recallfs_remount_limits(struct fs_context *fc, const struct recallfs_sb_info *sbi,
				   unsigned long *max, unsigned long *min, bool *given)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	bool min_given = ctx->min_entries_set;

	/*
	 * /proc/mounts shows min_entries whether given or not, and a remount
	 * may pass those options back: the value it shows is not a new one.
	 */
	if (min_given && !sbi->min_entries_given && ctx->min_entries == sbi->min_entries)
		min_given = false;
	*max = ctx->max_entries_set ? ctx->max_entries : sbi->max_entries;
	if (min_given)
		*min = ctx->min_entries;
	else
		*min = sbi->min_entries_given ? sbi->min_entries : *max / 4;
	*given = min_given;
	if (*min > *max)
		return invalfc(fc, "min_entries=%lu: more than max_entries=%lu", *min, *max);
	return 0;
}

/*
 * recallfs is always read-only. What names the mount's state (lowerdir,
 * journal, name) cannot change. The intervals and limits a remount names
 * replace the mount's (s_umount is held for writing: remounts are
 * serialized; their readers use READ_ONCE). `immutable` switches to
 * immutable mode; its absence changes nothing, because a remount may be
 * given back the options of /proc/mounts or fstab: verify mode is set
 * through sysfs.
 */
static int recallfs_reconfigure(struct fs_context *fc)
{
	struct recallfs_fs_context *ctx = fc->fs_private;
	struct recallfs_sb_info *sbi = RECALLFS_SB(fc->root->d_sb);
	unsigned long max, min;
	bool min_given;
	int err;

	if (recallfs_string_changed(ctx->lowerdir, sbi->lowerdir))
		return invalfc(fc, "lowerdir= cannot be changed by a remount");
	if (recallfs_string_changed(ctx->journal, sbi->journal_path))
		return invalfc(fc, "journal= cannot be changed by a remount");
	if (recallfs_string_changed(ctx->name, sbi->name))
		return invalfc(fc, "name= cannot be changed by a remount");
	if (recallfs_seeds_changed(ctx, sbi))
		return invalfc(fc, "seed= cannot be changed by a remount");
	if (recallfs_string_changed(ctx->feed, sbi->feed_path))
		return invalfc(fc, "feed= cannot be changed by a remount");
	err = recallfs_remount_limits(fc, sbi, &max, &min, &min_given);
	if (err)
		return err;
	if (ctx->immutable && recallfs_mode(sbi) != RECALLFS_MODE_IMMUTABLE) {
		err = recallfs_set_mode(sbi, RECALLFS_MODE_IMMUTABLE);
		if (err)
			return err;
	}
	if (ctx->revalidate_set)
		WRITE_ONCE(sbi->revalidate_secs, ctx->revalidate_secs);
	if (ctx->commit_set)
		WRITE_ONCE(sbi->commit_secs, ctx->commit_secs);
	if (ctx->feed_interval_set) {
		WRITE_ONCE(sbi->feed_interval_secs, ctx->feed_interval_secs);
		recallfs_feed_rearm(sbi);
	}
	WRITE_ONCE(sbi->max_entries, max);
	WRITE_ONCE(sbi->min_entries, min);
	sbi->min_entries_given |= min_given;
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
		kfree(ctx->journal);
		kfree(ctx->name);
		kfree(ctx->feed);
		while (ctx->nr_seeds)
			kfree(ctx->seeds[--ctx->nr_seeds]);
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
	ctx->revalidate_secs = RECALLFS_DEFAULT_REVALIDATE;
	ctx->commit_secs = RECALLFS_DEFAULT_COMMIT;
	ctx->feed_interval_secs = RECALLFS_DEFAULT_FEED_INTERVAL;
	ctx->max_entries = RECALLFS_DEFAULT_MAX_ENTRIES;
	fc->fs_private = ctx;
	fc->ops = &recallfs_context_ops;
	fc->sb_flags |= SB_RDONLY;
	return 0;
}
