// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: /sys/fs/recallfs, the administrator's interface.
 *
 *   /sys/fs/recallfs/features      what this module supports (world-readable)
 *   /sys/fs/recallfs/<name>/       one directory per mount (root only):
 *       stats, mode, invalidate, invalidate_tree, sync, compact
 *
 * Documentation/ABI/testing/sysfs-fs-recallfs describes every file.
 *
 * Lifetime: each mount's kobject is embedded in its recallfs_sb_info. Removing
 * the directory (kobject_del) waits for running show/store calls to finish and
 * refuses new ones, so a store never sees a superblock being torn down as long
 * as recallfs_sysfs_unregister() runs first in ->kill_sb. The kobject's release
 * only signals kobj_unregister: the sb_info is freed by its owner afterwards.
 */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/kobject.h>
#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"
#include "recallfs_journal.h"

static struct kset *recallfs_kset;

/*
 * Held from "is the name free?" to kobject_add(), so two mounts cannot both
 * find a name free; kobject_add() of a taken name would also work (-EEXIST)
 * but logs a stack trace.
 */
static DEFINE_MUTEX(recallfs_sysfs_names);

static struct recallfs_sb_info *kobj_to_sbi(struct kobject *kobj)
{
	return container_of(kobj, struct recallfs_sb_info, kobj);
}

/* ---- /sys/fs/recallfs/features ---------------------------------------- */

static const char * const recallfs_feature_names[] = {
	"immutable",		/* mode immutable */
	"verify",		/* mode verify */
	"negative",		/* records "no such name" */
	"positive",		/* records found names with their attributes */
	"complete_listing",	/* answers misses from a fully recorded directory */
	"crc32c",		/* journal records are checksummed */
	"seed",			/* seed= mount options */
	"feed",			/* feed= and feed_interval= mount options */
	"feed_seed",		/* a feed's SEED records are loaded as seeds */
};

static ssize_t features_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	int len;
	size_t i;

	len = sysfs_emit(buf, "journal_version %u\n",
			 (unsigned int)RECALLFS_JOURNAL_VERSION);
	for (i = 0; i < ARRAY_SIZE(recallfs_feature_names); i++)
		len += sysfs_emit_at(buf, len, "%s\n", recallfs_feature_names[i]);
	return len;
}

static struct kobj_attribute recallfs_features_attr = __ATTR(features, 0444, features_show, NULL);

/* ---- parsing what an administrator writes ----------------------------- */

/*
 * sysfs hands a store the bytes written plus a NUL it appends; a NUL inside
 * them would make the C string shorter than what was written, and the part
 * after it would be ignored silently.
 */
static bool recallfs_has_nul(const char *buf, size_t count)
{
	return memchr(buf, '\0', count) != NULL;
}

/* "1" (with or without a newline) and nothing else. */
static int recallfs_parse_one(const char *buf, size_t count)
{
	unsigned int val;

	if (recallfs_has_nul(buf, count) || kstrtouint(buf, 10, &val) || val != 1)
		return -EINVAL;
	return 0;
}

static bool recallfs_component_ok(const char *name, size_t len)
{
	if (len == 0)					/* "a//b" */
		return false;
	if (len == 1 && name[0] == '.')
		return false;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return false;
	return true;
}

/* A relative path without leading or trailing '/'; "" is not one. */
bool recallfs_relative_path_ok(const char *path, size_t len)
{
	const char *end = path + len;
	const char *slash;

	if (len == 0 || len >= PATH_MAX)
		return false;
	for (;;) {
		slash = memchr(path, '/', end - path);
		if (!recallfs_component_ok(path, (slash ? slash : end) - path))
			return false;
		if (!slash)
			return true;
		path = slash + 1;
	}
}

/*
 * Turn what was written to invalidate or invalidate_tree into the form
 * recallfs_invalidate() and the journal use: relative to the mount root,
 * without leading or trailing '/', "" for the root. One trailing newline
 * (echo's) and one leading and one trailing '/' are dropped; nothing else is
 * rewritten. The root must be written as "/": an empty write (an unset shell
 * variable) is refused rather than taken to mean the whole tree.
 * Returns a kmalloc'ed string or an ERR_PTR.
 */
static char *recallfs_parse_path(const char *buf, size_t count)
{
	size_t len = count;
	char *path;

	if (recallfs_has_nul(buf, count))
		return ERR_PTR(-EINVAL);
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 1 && buf[0] == '/') {
		len = 0;
	} else {
		if (len && buf[0] == '/') {
			buf++;
			len--;
		}
		if (len && buf[len - 1] == '/')
			len--;
		if (!recallfs_relative_path_ok(buf, len))
			return ERR_PTR(-EINVAL);
	}
	path = kmemdup_nul(buf, len, GFP_KERNEL);
	return path ? path : ERR_PTR(-ENOMEM);
}

/* ---- /sys/fs/recallfs/<name>/ ------------------------------------------ */

struct recallfs_stat_counter {
	const char *key;
	enum recallfs_counter counter;
};

static const struct recallfs_stat_counter recallfs_lookup_stats[] = {
	{ "lookups",		RECALLFS_LOOKUPS },
	{ "negative_hits",	RECALLFS_NEGATIVE_HITS },
	{ "positive_hits",	RECALLFS_POSITIVE_HITS },
	{ "lower_lookups",	RECALLFS_LOWER_LOOKUPS },
	{ "handle_binds",	RECALLFS_HANDLE_BINDS },
	{ "lower_opens",	RECALLFS_LOWER_OPENS },
	{ "shared_opens",	RECALLFS_SHARED_OPENS },
	{ "revalidations",	RECALLFS_REVALIDATIONS },
	{ "invalidations",	RECALLFS_INVALIDATIONS },
	{ "not_admitted",	RECALLFS_NOT_ADMITTED },
	{ "evicted",		RECALLFS_EVICTED },
	{ "shrunk",		RECALLFS_SHRUNK },
};

static const struct recallfs_stat_counter recallfs_journal_stats[] = {
	{ "records",		RECALLFS_JOURNAL_RECORDS },
	{ "replayed",		RECALLFS_JOURNAL_REPLAYED },
	{ "truncated",		RECALLFS_JOURNAL_TRUNCATED },
	{ "errors",		RECALLFS_JOURNAL_ERRORS },
};

static const struct recallfs_stat_counter recallfs_seed_feed_stats[] = {
	{ "seed_listings",	RECALLFS_SEED_LISTINGS },
	{ "feed_checks",	RECALLFS_FEED_CHECKS },
	{ "feed_invalidations",	RECALLFS_FEED_INVALIDATIONS },
	{ "feed_resets",	RECALLFS_FEED_RESETS },
};

static int recallfs_emit_counters(struct recallfs_sb_info *sbi, char *buf, int len,
				  const struct recallfs_stat_counter *stats, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%s %llu\n", stats[i].key,
				     recallfs_counter_sum(sbi, stats[i].counter));
	return len;
}

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct recallfs_sb_info *sbi = kobj_to_sbi(kobj);
	struct recallfs_index_usage usage = {};
	unsigned long seed_dirs;
	unsigned int seeds;
	int len;

	recallfs_index_usage(sbi, &usage);
	len = recallfs_emit_counters(sbi, buf, 0, recallfs_lookup_stats,
				     ARRAY_SIZE(recallfs_lookup_stats));
	len += sysfs_emit_at(buf, len, "entries %lu\n", usage.entries);
	len += sysfs_emit_at(buf, len, "directories %lu\n", usage.directories);
	len += sysfs_emit_at(buf, len, "memory_bytes %lu\n", usage.memory_bytes);
	len += sysfs_emit_at(buf, len, "entry_bytes %lu\n",
			     usage.entries ? usage.entry_memory_bytes / usage.entries : 0);
	len += sysfs_emit_at(buf, len, "journal_bytes %llu\n", recallfs_journal_bytes(sbi));
	len = recallfs_emit_counters(sbi, buf, len, recallfs_journal_stats,
				     ARRAY_SIZE(recallfs_journal_stats));
	recallfs_seeds_usage(sbi, &seeds, &seed_dirs);
	len += sysfs_emit_at(buf, len, "seeds %u\n", seeds);
	len += sysfs_emit_at(buf, len, "seed_dirs %lu\n", seed_dirs);
	return recallfs_emit_counters(sbi, buf, len, recallfs_seed_feed_stats,
				      ARRAY_SIZE(recallfs_seed_feed_stats));
}

static ssize_t recallfs_invalidate_store(struct kobject *kobj, const char *buf,
					 size_t count, bool tree)
{
	char *path;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	path = recallfs_parse_path(buf, count);
	if (IS_ERR(path))
		return PTR_ERR(path);
	err = recallfs_invalidate(kobj_to_sbi(kobj), path, tree);
	kfree(path);
	if (err)
		return err;
	return count;
}

static ssize_t invalidate_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	return recallfs_invalidate_store(kobj, buf, count, false);
}

static ssize_t invalidate_tree_store(struct kobject *kobj, struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	return recallfs_invalidate_store(kobj, buf, count, true);
}

static const char * const recallfs_mode_names[] = {
	[RECALLFS_MODE_OFF]		= "off",
	[RECALLFS_MODE_VERIFY]		= "verify",
	[RECALLFS_MODE_IMMUTABLE]	= "immutable",
};

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	unsigned int mode = recallfs_mode(kobj_to_sbi(kobj));

	if (mode >= ARRAY_SIZE(recallfs_mode_names))
		return -EIO;
	return sysfs_emit(buf, "%s\n", recallfs_mode_names[mode]);
}

static ssize_t mode_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int mode, err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (recallfs_has_nul(buf, count))
		return -EINVAL;
	mode = sysfs_match_string(recallfs_mode_names, buf);
	if (mode < 0)
		return -EINVAL;
	err = recallfs_set_mode(kobj_to_sbi(kobj), mode);
	if (err)
		return err;
	return count;
}

/* Without a journal there is nothing to write out: "sync" succeeds. */
static ssize_t sync_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct recallfs_sb_info *sbi = kobj_to_sbi(kobj);
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = recallfs_parse_one(buf, count);
	if (!err && sbi->journal)
		err = recallfs_journal_sync(sbi);
	if (err)
		return err;
	return count;
}

/*
 * Without a journal "compact" fails with EOPNOTSUPP: unlike sync, the request
 * cannot be met, and an administrator who asks probably expected a journal.
 */
static ssize_t compact_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct recallfs_sb_info *sbi = kobj_to_sbi(kobj);
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = recallfs_parse_one(buf, count);
	if (err)
		return err;
	if (!sbi->journal)
		return -EOPNOTSUPP;
	err = recallfs_journal_compact(sbi);
	if (err)
		return err;
	return count;
}

/*
 * Root only: the counters trace other users' activity, and every control
 * changes what all users of the mount see.
 */
static struct kobj_attribute recallfs_stats_attr = __ATTR(stats, 0400, stats_show, NULL);
static struct kobj_attribute recallfs_mode_attr = __ATTR(mode, 0600, mode_show, mode_store);
static struct kobj_attribute recallfs_invalidate_attr =
	__ATTR(invalidate, 0200, NULL, invalidate_store);
static struct kobj_attribute recallfs_invalidate_tree_attr =
	__ATTR(invalidate_tree, 0200, NULL, invalidate_tree_store);
static struct kobj_attribute recallfs_sync_attr = __ATTR(sync, 0200, NULL, sync_store);
static struct kobj_attribute recallfs_compact_attr = __ATTR(compact, 0200, NULL, compact_store);

static struct attribute *recallfs_mount_attrs[] = {
	&recallfs_stats_attr.attr,
	&recallfs_mode_attr.attr,
	&recallfs_invalidate_attr.attr,
	&recallfs_invalidate_tree_attr.attr,
	&recallfs_sync_attr.attr,
	&recallfs_compact_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(recallfs_mount);

static void recallfs_mount_release(struct kobject *kobj)
{
	complete(&kobj_to_sbi(kobj)->kobj_unregister);
}

static RECALLFS_KOBJ_TYPE recallfs_mount_ktype = {
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= recallfs_mount_groups,
	.release	= recallfs_mount_release,
};

/*
 * A name that can be a directory of its own in /sys/fs/recallfs: the kobject
 * core would turn a '/' into '!', and "features" is the file beside them.
 */
static bool recallfs_sysfs_name_ok(const char *name)
{
	return name && name[0] && strlen(name) <= NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..") && strcmp(name, "features");
}

/* Add the kobject under the name lock; -EEXIST if another mount has the name. */
static int recallfs_sysfs_add(struct recallfs_sb_info *sbi)
{
	struct kobject *taken;
	int err;

	mutex_lock(&recallfs_sysfs_names);
	taken = kset_find_obj(recallfs_kset, sbi->name);
	if (taken) {
		mutex_unlock(&recallfs_sysfs_names);
		kobject_put(taken);
		return -EEXIST;
	}
	sbi->kobj.kset = recallfs_kset;
	err = kobject_init_and_add(&sbi->kobj, &recallfs_mount_ktype, NULL, "%s", sbi->name);
	mutex_unlock(&recallfs_sysfs_names);
	if (err) {
		/* Initialised all the same: the put frees the name and calls release. */
		kobject_put(&sbi->kobj);
		wait_for_completion(&sbi->kobj_unregister);
	}
	return err;
}

int recallfs_sysfs_register(struct recallfs_sb_info *sbi, struct fs_context *fc)
{
	int err;

	if (!recallfs_sysfs_name_ok(sbi->name))
		return invalfc(fc, "name=%s: not usable as a directory in /sys/fs/recallfs",
			       sbi->name ? sbi->name : "");
	init_completion(&sbi->kobj_unregister);
	err = recallfs_sysfs_add(sbi);
	if (err == -EEXIST)
		errorfc(fc, "name=%s: already used by another recallfs mount", sbi->name);
	else if (err)
		errorfc(fc, "name=%s: cannot create /sys/fs/recallfs/%s: error %d",
			sbi->name, sbi->name, err);
	return err;
}

/*
 * Remove /sys/fs/recallfs/<name> and wait until nothing refers to the
 * kobject. Does nothing if the directory was never added (register failed or
 * was not reached), so ->kill_sb may call it unconditionally on a zeroed
 * sb_info.
 */
void recallfs_sysfs_unregister(struct recallfs_sb_info *sbi)
{
	if (!sbi->kobj.state_in_sysfs)
		return;
	kobject_del(&sbi->kobj);
	kobject_put(&sbi->kobj);
	wait_for_completion(&sbi->kobj_unregister);
}

int __init recallfs_sysfs_init(void)
{
	int err;

	recallfs_kset = kset_create_and_add("recallfs", NULL, fs_kobj);
	if (!recallfs_kset)
		return -ENOMEM;
	err = sysfs_create_file(&recallfs_kset->kobj, &recallfs_features_attr.attr);
	if (err) {
		kset_unregister(recallfs_kset);
		recallfs_kset = NULL;
	}
	return err;
}

/* Not __exit: module init may call it on its own error path. */
void recallfs_sysfs_exit(void)
{
	sysfs_remove_file(&recallfs_kset->kobj, &recallfs_features_attr.attr);
	kset_unregister(recallfs_kset);
	recallfs_kset = NULL;
}
