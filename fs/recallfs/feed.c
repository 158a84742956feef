// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: the invalidation feed (feed= and feed_interval= mount options).
 * A feed is a journal file on the lower tree that publishers append
 * INVALIDATE records to (recallctl publish). Every mount of the cluster asks
 * for the file's attributes once per interval (one GETATTR on NFS, nothing
 * else while they have not changed), reads only what was appended since, and
 * forgets what those records name, as a write to sysfs invalidate would.
 *
 * A mount applies the whole feed once when it starts, after its journal:
 * what was published while the node was down is forgotten again, whether or
 * not the journal already held it. Feeds are rotated in place (recallctl
 * publish --rotate writes a new header, with a new creation time): a header
 * that changed, a file cut below what was read, a file gone (ESTALE) or a
 * record that does not decode twice at the same place say nothing reliable
 * about what changed, and the mount forgets everything it recorded.
 *
 * A feed may also name seeds (SEED records, recallctl publish --seed): a
 * version is published with its seed, and every mount loads it (seed.c).
 *
 * A feed grants nothing: all it can do is make a mount forget, and name
 * seeds, which grant nothing either.
 */
#include <linux/file.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "recallfs_journal.h"

/* A feed longer than this at mount is not applied record by record: the mount forgets all. */
#define RECALLFS_FEED_APPLY_MAX	(256 * 1024)

struct recallfs_feed {
	struct recallfs_sb_info *sbi;
	/*
	 * The directory holding the feed, and its name there, as resolved at
	 * mount: the worker that opens it again runs in no mount namespace of
	 * the mounter's. A directory replaced since is not followed.
	 */
	struct path dir;
	struct qstr name;
	struct file *file;		/* NULL: open it again at the next check */
	u64 created;			/* the header's: a rotation changes it */
	loff_t pos;			/* the end of the last record applied */
	loff_t seen_size;		/* the attributes all records were applied for */
	struct timespec64 seen_mtime;
	loff_t suspect_pos;		/* a record that did not decode there, at this size: */
	loff_t suspect_size;		/* damage if it still does not at the next check */
	bool bad_path;			/* a record named no directory: the feed is damaged */
	bool forgot;			/* this check forgot something: sync the journal */
	bool warned;			/* an error was logged; quiet until one clears */
	struct delayed_work work;
	char *buf;			/* RECALLFS_REPLAY_CHUNK bytes */
	char *path;			/* PATH_MAX bytes */
};

/*
 * A SEED record: the seed at its path in the tree is loaded, whether or not
 * the feed's invalidations are being applied (a seed only ever costs a
 * listing read ahead). A path that is not one is a publisher's mistake, not
 * damage that hides invalidations: logged, and the feed goes on.
 */
static void recallfs_feed_seed(struct recallfs_feed *feed, const struct recallfs_record *rec)
{
	if (!recallfs_relative_path_ok(rec->dir, rec->dir_len)) {
		pr_warn_ratelimited("feed %s: a seed record names no file of the tree\n",
				    feed->sbi->feed_path);
		return;
	}
	memcpy(feed->path, rec->dir, rec->dir_len);
	feed->path[rec->dir_len] = '\0';
	recallfs_seed_load_named(feed->sbi, feed->path);
}

/* Apply one record: an INVALIDATE of a directory path as sysfs takes it, a SEED. Non-zero: stop. */
static int recallfs_feed_forget(const struct recallfs_record *rec, void *arg)
{
	struct recallfs_feed *feed = arg;

	if (rec->type == RECALLFS_REC_SEED)
		recallfs_feed_seed(feed, rec);
	if (rec->type != RECALLFS_REC_INVALIDATE)
		return fatal_signal_pending(current);
	/* A whole record, not a partial write: the feed is damaged (reset after the read). */
	if (rec->dir_len && !recallfs_relative_path_ok(rec->dir, rec->dir_len)) {
		feed->bad_path = true;
		return 0;
	}
	memcpy(feed->path, rec->dir, rec->dir_len);
	feed->path[rec->dir_len] = '\0';
	recallfs_invalidate_nosync(feed->sbi, feed->path, rec->flags & RECALLFS_INVALIDATE_TREE);
	recallfs_count(feed->sbi, RECALLFS_FEED_INVALIDATIONS);
	feed->forgot = true;
	return fatal_signal_pending(current);
}

/* Reading past invalidations already covered by a reset: seeds are still loaded. */
static int recallfs_feed_skip(const struct recallfs_record *rec, void *arg)
{
	if (rec->type == RECALLFS_REC_SEED)
		recallfs_feed_seed(arg, rec);
	return fatal_signal_pending(current);
}

/* Forget everything: the feed can no longer say what changed. */
static void recallfs_feed_reset(struct recallfs_feed *feed, const char *why)
{
	pr_warn("feed %s: %s; forgetting everything the mount recorded\n",
		feed->sbi->feed_path, why);
	recallfs_invalidate_nosync(feed->sbi, "", true);
	recallfs_count(feed->sbi, RECALLFS_FEED_RESETS);
	feed->forgot = true;
}

/*
 * Apply (or with @skip only read past) the records in [pos, @size). A record
 * cut short at the end is a publisher still writing: wait for it. One that
 * does not decode may be one whose write has not all arrived yet (NFS may
 * apply a long append out of order): only if it still does not at the same
 * size next time is the feed damaged.
 */
static int recallfs_feed_read_on(struct recallfs_feed *feed, loff_t size, bool skip)
{
	const char *why;
	loff_t good;
	int err;

	feed->bad_path = false;
	err = recallfs_read_records(feed->file, feed->buf, feed->pos, size,
				    skip ? recallfs_feed_skip : recallfs_feed_forget, feed, &good, &why);
	if (err)
		return err;
	feed->pos = good;
	if (feed->bad_path) {
		recallfs_feed_reset(feed, "a record that names no directory");
		feed->suspect_pos = -1;
		return 0;
	}
	if (good < size && !why)
		return -EINTR;		/* a fatal signal: the mount is being killed */
	if (!why || !strcmp(why, "a torn record")) {
		feed->suspect_pos = -1;
		return 0;
	}
	if (feed->suspect_pos != good || feed->suspect_size != size) {
		feed->suspect_pos = good;
		feed->suspect_size = size;
		return 0;
	}
	recallfs_feed_reset(feed, why);
	feed->pos = size;	/* publishers refuse a damaged feed: the next change is a rotation */
	feed->suspect_pos = -1;
	return 0;
}

/* The file now at the feed's name, opened with the mounter's credentials. */
static struct file *recallfs_feed_open_file(struct recallfs_feed *feed, const char **why)
{
	struct path p = { .mnt = feed->dir.mnt };
	struct file *file;

	p.dentry = recallfs_lookup_one(feed->dir.dentry, &feed->name);
	if (IS_ERR(p.dentry)) {
		*why = "it cannot be looked up";
		return ERR_CAST(p.dentry);
	}
	if (d_is_reg(p.dentry)) {
		file = dentry_open(&p, O_RDONLY | O_LARGEFILE | O_NOCTTY, feed->sbi->mounter_cred);
		*why = "it cannot be opened";
	} else {
		file = ERR_PTR(d_really_is_negative(p.dentry) ? -ENOENT : -EINVAL);
		*why = d_really_is_negative(p.dentry) ? "no such file" : "not a regular file";
	}
	dput(p.dentry);
	return file;
}

/* Where feed= leads, resolved as the mounter: its directory and name (symlinks followed). */
static int recallfs_feed_resolve(struct recallfs_feed *feed, const char **why)
{
	struct name_snapshot name;
	struct path file;
	int err;

	err = kern_path(feed->sbi->feed_path, LOOKUP_FOLLOW, &file);
	if (err) {
		*why = "it cannot be looked up";
		return err;
	}
	feed->dir.mnt = mntget(file.mnt);
	feed->dir.dentry = dget_parent(file.dentry);
	take_dentry_name_snapshot(&name, file.dentry);
	feed->name.name = kstrdup(name.name.name, GFP_KERNEL);
	feed->name.len = feed->name.name ? strlen(feed->name.name) : 0;
	release_dentry_name_snapshot(&name);
	path_put(&file);
	return feed->name.name ? 0 : -ENOMEM;
}

/* The feed's header: its size, its creation time in *@created; or why it is not one of ours. */
static int recallfs_feed_header(struct recallfs_feed *feed, loff_t size, u64 *created,
				const char **why)
{
	struct recallfs_journal_identity ours, theirs;
	u32 fh[RECALLFS_JOURNAL_FH_MAX / 4];
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
	if (ret < 0) {
		*why = ret == RECALLFS_DECODE_UNSUPPORTED ? "written by a newer recallfs" :
							    "no valid journal header";
		return -EINVAL;
	}
	if (!recallfs_identity_same_tree(&ours, &theirs)) {
		*why = "it describes another lower tree";
		return -EINVAL;
	}
	*created = theirs.created;
	return ret;
}

/*
 * (Re)open the feed and read it to its end: applying its records with
 * @apply (at mount, and after a reset: what was published since the reset
 * is in them), or only finding where they end (a feed too long to apply
 * record by record, once everything is forgotten). 0, or an error with *@why.
 */
static int recallfs_feed_start(struct recallfs_feed *feed, bool apply, const char **why)
{
	struct file *file = recallfs_feed_open_file(feed, why);
	struct kstat st;
	int ret;

	if (IS_ERR(file)) {
		/* The old file says nothing any more: open again at the next check. */
		if (feed->file)
			fput(feed->file);
		feed->file = NULL;
		return PTR_ERR(file);
	}
	if (feed->file)
		fput(feed->file);
	feed->file = file;
	ret = vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	if (!ret)
		ret = recallfs_feed_header(feed, st.size, &feed->created, why);
	else
		*why = "its attributes cannot be read";
	if (ret < 0) {
		fput(file);
		feed->file = NULL;
		return ret;
	}
	feed->pos = ret;
	feed->suspect_pos = -1;
	if (apply && st.size - feed->pos > RECALLFS_FEED_APPLY_MAX) {
		/* After the attributes: what was published before them is forgotten too. */
		recallfs_feed_reset(feed, "too long to apply record by record");
		apply = false;
	}
	*why = "its records cannot be read";
	ret = recallfs_feed_read_on(feed, st.size, !apply);
	if (ret == -EINTR)
		*why = "the mount was killed while it was read";
	if (!ret && feed->suspect_pos < 0) {
		feed->seen_size = st.size;
		feed->seen_mtime = st.mtime;
	}
	return ret;
}

/*
 * Has the feed been rotated (a new header) or cut since its position was
 * taken? 1 or 0, or a read error: that is tried again, it says nothing.
 */
static int recallfs_feed_rotated(struct recallfs_feed *feed, const struct kstat *st)
{
	const char *why;
	u64 created;
	int ret;

	if (st->size < feed->pos)
		return 1;
	ret = recallfs_feed_header(feed, st->size, &created, &why);
	if (ret == -EINVAL)
		return 1;	/* not a header of ours any more */
	if (ret < 0)
		return ret;
	return created != feed->created;
}

/* One check: the file's attributes from the server, then what changed. */
static void recallfs_feed_check(struct recallfs_feed *feed)
{
	const char *why = "";
	struct kstat st;
	int err;

	feed->forgot = false;
	recallfs_count(feed->sbi, RECALLFS_FEED_CHECKS);
	if (!feed->file) {
		/* Reset already: what the feed holds now is applied, as at mount. */
		err = recallfs_feed_start(feed, true, &why);
		goto out;
	}
	err = vfs_getattr(&feed->file->f_path, &st, STATX_BASIC_STATS, AT_STATX_FORCE_SYNC);
	/* Gone: NFSv3 says ESTALE; NFSv4 keeps it alive for our open, unlinked. */
	if (err == -ESTALE || (!err && !st.nlink)) {
		recallfs_feed_reset(feed, "the file is gone");
		err = recallfs_feed_start(feed, true, &why);
		goto out;
	}
	why = "its attributes cannot be read";
	if (err || (st.size == feed->seen_size && timespec64_equal(&st.mtime, &feed->seen_mtime)))
		goto out;
	why = "its header cannot be read";
	err = recallfs_feed_rotated(feed, &st);
	if (err > 0) {
		/* Applied from its start: what was published since the reset is in it. */
		recallfs_feed_reset(feed, "it was rotated or cut");
		err = recallfs_feed_start(feed, true, &why);
		goto out;
	}
	if (err)
		goto out;
	why = "its records cannot be read";
	err = recallfs_feed_read_on(feed, st.size, false);
	if (!err && feed->suspect_pos < 0) {
		feed->seen_size = st.size;
		feed->seen_mtime = st.mtime;
	}
out:
	if (err && !feed->warned)
		pr_warn("feed %s: %s (error %d); checking again every %u s\n",
			feed->sbi->feed_path, why, err, READ_ONCE(feed->sbi->feed_interval_secs));
	feed->warned = err;
	if (feed->forgot)
		recallfs_invalidations_sync(feed->sbi);
}

static void recallfs_feed_schedule(struct recallfs_feed *feed)
{
	queue_delayed_work(system_unbound_wq, &feed->work,
			   READ_ONCE(feed->sbi->feed_interval_secs) * HZ);
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
	if (feed->dir.mnt)
		path_put(&feed->dir);
	kfree(feed->name.name);
	kvfree(feed->buf);
	kfree(feed->path);
	kfree(feed);
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
		err = recallfs_feed_start(feed, true, &why);
	if (!err)
		err = recallfs_invalidations_sync(sbi);
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

void recallfs_feed_rearm(struct recallfs_sb_info *sbi)
{
	if (sbi->feed)
		mod_delayed_work(system_unbound_wq, &sbi->feed->work,
				 READ_ONCE(sbi->feed_interval_secs) * HZ);
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
