// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: the invalidation feed (feed= and feed_interval= mount options).
 * A feed is a journal file on the lower tree that publishers append
 * INVALIDATE records to (recallctl publish). Every mount of the cluster asks
 * for the file's attributes once per interval (one GETATTR on NFS, nothing
 * else while it has not changed), reads only what was appended since, and
 * forgets what those records name, as a write to sysfs invalidate would.
 *
 * A mount applies the whole feed once when it starts, after its journal:
 * what was published while the node was down is forgotten again, whether or
 * not the journal already held it. A feed that shrank or was replaced, or
 * that holds a record this code cannot read before its end, is taken to say
 * nothing reliable about what changed: the mount forgets everything.
 *
 * A feed grants nothing either: all it can do is make a mount forget.
 */
#include <linux/file.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "recallfs_journal.h"

struct recallfs_feed {
	struct recallfs_sb_info *sbi;
	/*
	 * The directory holding the feed, and its name there, as resolved at
	 * mount: the worker that opens it again runs in no mount namespace of
	 * the mounter's.
	 */
	struct path dir;
	struct qstr name;
	struct file *file;
	u64 ino;			/* of the file @pos is in */
	loff_t pos;			/* the end of the last record applied */
	loff_t seen_size;		/* attributes at the last check */
	struct timespec64 seen_mtime;
	struct delayed_work work;
	char *buf;			/* RECALLFS_REPLAY_CHUNK bytes */
	char *path;			/* PATH_MAX bytes: an INVALIDATE record's directory */
};

static int recallfs_feed_forget(const struct recallfs_record *rec, void *arg)
{
	struct recallfs_feed *feed = arg;

	if (rec->type != RECALLFS_REC_INVALIDATE || rec->dir_len >= PATH_MAX)
		return 0;
	memcpy(feed->path, rec->dir, rec->dir_len);
	feed->path[rec->dir_len] = '\0';
	recallfs_invalidate_nosync(feed->sbi, feed->path, rec->flags & RECALLFS_INVALIDATE_TREE);
	recallfs_count(feed->sbi, RECALLFS_FEED_INVALIDATIONS);
	return 0;
}

/* Forget everything: the feed can no longer say what changed. */
static void recallfs_feed_reset(struct recallfs_feed *feed, const char *why)
{
	pr_warn("feed %s: %s; forgetting everything the mount recorded\n",
		feed->sbi->feed_path, why);
	recallfs_invalidate_nosync(feed->sbi, "", true);
	recallfs_count(feed->sbi, RECALLFS_FEED_RESETS);
}

/*
 * Apply the records in [feed->pos, @size). A record cut short at the end is
 * a publisher still writing (or one that died: the next one cuts it): wait
 * for it. Anything else that does not decode resets the mount.
 */
static int recallfs_feed_apply(struct recallfs_feed *feed, loff_t size)
{
	const char *why;
	loff_t good;
	int err;

	err = recallfs_read_records(feed->file, feed->buf, feed->pos, size, recallfs_feed_forget,
				    feed, &good, &why);
	if (err)
		return err;
	feed->pos = good;
	if (why && strcmp(why, "a torn record")) {
		recallfs_feed_reset(feed, why);
		feed->pos = size;
	}
	return recallfs_invalidations_sync(feed->sbi);
}

/* The feed's header, checked against the lower tree; its size, or why not. */
static int recallfs_feed_header(struct recallfs_feed *feed, const char **why)
{
	struct recallfs_journal_identity ours, theirs;
	u32 fh[RECALLFS_JOURNAL_FH_MAX / 4];
	loff_t size = i_size_read(file_inode(feed->file));
	ssize_t n;
	int ret;

	n = kernel_read(feed->file, feed->buf, min_t(loff_t, size, RECALLFS_JOURNAL_HEADER_MAX),
			&(loff_t){ 0 });
	if (n < 0) {
		*why = "it cannot be read";
		return n;
	}
	ret = recallfs_header_decode(feed->buf, n, &theirs);
	recallfs_lower_identity(feed->sbi, &ours, fh, feed->path);
	if (ret < 0)
		*why = ret == RECALLFS_DECODE_UNSUPPORTED ? "written by a newer recallfs" :
							   "no valid journal header";
	else if (!recallfs_identity_describes_lower(&ours, &theirs))
		*why = "it describes another lower tree";
	else
		return ret;
	return -EINVAL;
}

/* The file now at the feed's name, opened with the mounter's credentials. */
static struct file *recallfs_feed_open_file(struct recallfs_feed *feed, const char **why)
{
	struct dentry *dentry = recallfs_lookup_one(feed->dir.dentry, &feed->name);
	struct file *file;

	if (IS_ERR(dentry)) {
		*why = "it cannot be looked up";
		return ERR_CAST(dentry);
	}
	if (d_really_is_negative(dentry) || !d_is_reg(dentry)) {
		*why = d_really_is_negative(dentry) ? "no such file" : "not a regular file";
		dput(dentry);
		return ERR_PTR(d_really_is_negative(dentry) ? -ENOENT : -EINVAL);
	}
	file = dentry_open(&(struct path){ .mnt = feed->dir.mnt, .dentry = dentry },
			   O_RDONLY | O_LARGEFILE | O_NOCTTY, feed->sbi->mounter_cred);
	dput(dentry);
	if (IS_ERR(file))
		*why = "it cannot be opened";
	return file;
}

/* (Re)open the feed file and apply what it holds; 0 or an error, *@why set. */
static int recallfs_feed_start(struct recallfs_feed *feed, const char **why)
{
	struct file *file = recallfs_feed_open_file(feed, why);
	struct kstat st;
	int ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	if (feed->file)
		fput(feed->file);
	feed->file = file;
	ret = vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	if (ret) {
		*why = "its attributes cannot be read";
		return ret;
	}
	feed->ino = st.ino;
	feed->seen_size = st.size;
	feed->seen_mtime = st.mtime;
	ret = recallfs_feed_header(feed, why);
	if (ret < 0)
		return ret;
	feed->pos = ret;
	*why = "its records cannot be read";
	return recallfs_feed_apply(feed, feed->seen_size);
}

static void recallfs_feed_schedule(struct recallfs_feed *feed)
{
	queue_delayed_work(system_unbound_wq, &feed->work,
			   READ_ONCE(feed->sbi->feed_interval_secs) * HZ);
}

/* One check: the file's attributes from the server, then what changed. */
static void recallfs_feed_check(struct recallfs_feed *feed)
{
	const char *why = NULL;
	struct kstat st;
	int err;

	recallfs_count(feed->sbi, RECALLFS_FEED_CHECKS);
	err = vfs_getattr(&feed->file->f_path, &st, STATX_BASIC_STATS, AT_STATX_FORCE_SYNC);
	if (!err && st.size == feed->seen_size &&
	    timespec64_equal(&st.mtime, &feed->seen_mtime))
		return;
	if (err || st.ino != feed->ino || st.size < feed->pos) {
		/* Replaced (the old file is gone: ESTALE), or shrunk: follow the path again. */
		recallfs_feed_reset(feed, err ? "the file went away" : "the file was replaced or cut");
		err = recallfs_feed_start(feed, &why);
		if (err)
			pr_warn("feed %s: %s (error %d); checking again in %u s\n",
				feed->sbi->feed_path, why, err, READ_ONCE(feed->sbi->feed_interval_secs));
		return;
	}
	feed->seen_size = st.size;
	feed->seen_mtime = st.mtime;
	err = recallfs_feed_apply(feed, st.size);
	if (err)
		pr_warn("feed %s: reading it failed (error %d)\n", feed->sbi->feed_path, err);
}

static void recallfs_feed_work(struct work_struct *work)
{
	struct recallfs_feed *feed = container_of(to_delayed_work(work), struct recallfs_feed, work);
	const struct cred *old = override_creds(feed->sbi->mounter_cred);

	recallfs_feed_check(feed);
	revert_creds(old);
	recallfs_feed_schedule(feed);
}

static void recallfs_feed_free(struct recallfs_feed *feed)
{
	if (feed->file)
		fput(feed->file);
	path_put(&feed->dir);
	kfree(feed->name.name);
	kvfree(feed->buf);
	kfree(feed->path);
	kfree(feed);
}

/* Where the feed= path leads: its directory and name (symlinks followed). */
static int recallfs_feed_resolve(struct recallfs_feed *feed, const char **why)
{
	struct path file;
	int err;

	err = kern_path(feed->sbi->feed_path, LOOKUP_FOLLOW, &file);
	if (err) {
		*why = "no such file";
		return err;
	}
	feed->dir.mnt = mntget(file.mnt);
	feed->dir.dentry = dget_parent(file.dentry);
	feed->name.name = kstrdup(file.dentry->d_name.name, GFP_KERNEL);
	feed->name.len = file.dentry->d_name.len;
	path_put(&file);
	return feed->name.name ? 0 : -ENOMEM;
}

int recallfs_feed_open(struct recallfs_sb_info *sbi, struct fs_context *fc)
{
	struct recallfs_feed *feed;
	const char *why = NULL;
	int err;

	if (!sbi->feed_path)
		return 0;
	feed = kzalloc(sizeof(*feed), GFP_KERNEL);
	if (!feed)
		return -ENOMEM;
	feed->sbi = sbi;
	INIT_DELAYED_WORK(&feed->work, recallfs_feed_work);
	feed->buf = kvmalloc(RECALLFS_REPLAY_CHUNK, GFP_KERNEL);
	feed->path = kmalloc(PATH_MAX, GFP_KERNEL);
	err = feed->buf && feed->path ? recallfs_feed_resolve(feed, &why) : -ENOMEM;
	if (!err)
		err = recallfs_feed_start(feed, &why);
	if (err) {
		if (why)
			errorfc(fc, "feed=%s: %s (error %d)", sbi->feed_path, why, err);
		recallfs_feed_free(feed);
		return err;
	}
	sbi->feed = feed;
	recallfs_feed_schedule(feed);
	return 0;
}

void recallfs_feed_close(struct recallfs_sb_info *sbi)
{
	struct recallfs_feed *feed = sbi->feed;

	if (!feed)
		return;
	cancel_delayed_work_sync(&feed->work);
	sbi->feed = NULL;
	recallfs_feed_free(feed);
}
