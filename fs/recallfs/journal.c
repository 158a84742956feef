// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: the on-disk journal (mount option journal=PATH).
 *
 * Every change to the index is queued here as an encoded record
 * (include/recallfs_journal.h) and appended to a local file by a delayed
 * work, so lookups never wait for the disk. At mount the file is replayed
 * into the index; a torn or corrupt tail is cut; a journal of another lower
 * tree is renamed aside. When dead records dominate, the index's live
 * records are rewritten to PATH.compact, which is renamed over PATH.
 *
 * Locking: io_lock (a mutex) serializes all file I/O, the file pointer and
 * end; pending_lock (a spinlock) guards the pending buffer, which log()
 * fills without sleeping. The worker swaps the pending buffer with the spare
 * one under pending_lock and writes the spare under io_lock.
 *
 * Journal I/O runs with the mounter's credentials, saved at open.
 */
#include <linux/cred.h>
#include <linux/exportfs.h>
#include <linux/file.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "recallfs_journal.h"

/* Not in every kernel's <linux/magic.h>. */
#ifndef CIFS_SUPER_MAGIC
#define CIFS_SUPER_MAGIC	0xFF534D42
#endif
#ifndef SMB2_SUPER_MAGIC
#define SMB2_SUPER_MAGIC	0xFE534D42
#endif
#ifndef CEPH_SUPER_MAGIC
#define CEPH_SUPER_MAGIC	0x00c36400
#endif
#define RECALLFS_GFS2_MAGIC	0x01161970
#define RECALLFS_OCFS2_MAGIC	0x7461636f

/* Each of the two pending buffers; a record is at most 16 KiB. */
#define RECALLFS_PENDING_SIZE	(256 * 1024)
/* Compact automatically once the file is this big and twice the live size. */
#define RECALLFS_COMPACT_MIN	(1024 * 1024)

struct recallfs_journal {
	struct recallfs_sb_info *sbi;
	const struct cred *cred;	/* the mounter's; referenced */
	char *compact_path;		/* journal_path + ".compact" */
	const char *basename;		/* last component of journal_path */
	void *header;			/* this mount's encoded header */
	u32 header_len;

	struct mutex io_lock;
	struct file *file;		/* io_lock */
	loff_t end;			/* io_lock: where the next record goes */
	loff_t next_compact_check;	/* io_lock: file size that triggers a check */

	spinlock_t pending_lock;
	char *pending;			/* records waiting for the next commit */
	char *spare;			/* io_lock: the buffer being written */
	u32 pending_len, pending_count;
	bool lost;			/* a record was dropped: rewrite from the index */
	bool stopped;			/* error or closed: log() queues nothing */
	int error;			/* the error that stopped journaling */
	u64 dropped;			/* records not queued (buffer full) */

	struct delayed_work commit_work;
	struct work_struct close_work;	/* the last sync and compaction, at unmount */

	/* Journals in use, so that two mounts never share one file. */
	struct list_head in_use;
	struct super_block *file_sb;
	u64 file_ino;
};

static LIST_HEAD(recallfs_journals);
static DEFINE_MUTEX(recallfs_journals_lock);

/* ---- journals in use ---- */

/* Record @file as @j's; -EBUSY if another mount uses the same inode. */
static int recallfs_journal_claim(struct recallfs_journal *j, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct recallfs_journal *other;
	int err = 0;

	mutex_lock(&recallfs_journals_lock);
	list_for_each_entry(other, &recallfs_journals, in_use) {
		if (other != j && other->file_sb == inode->i_sb &&
		    other->file_ino == (u64)inode->i_ino) {
			err = -EBUSY;
			goto out;
		}
	}
	j->file_sb = inode->i_sb;
	j->file_ino = inode->i_ino;
	if (list_empty(&j->in_use))
		list_add(&j->in_use, &recallfs_journals);
out:
	mutex_unlock(&recallfs_journals_lock);
	return err;
}

static void recallfs_journal_unclaim(struct recallfs_journal *j)
{
	mutex_lock(&recallfs_journals_lock);
	list_del_init(&j->in_use);
	mutex_unlock(&recallfs_journals_lock);
}

/* ---- file helpers ---- */

/* Write all of @buf at *@pos. */
static int recallfs_write_all(struct file *file, const void *buf, size_t len, loff_t *pos)
{
	while (len) {
		ssize_t ret = kernel_write(file, buf, len, pos);

		if (ret < 0)
			return ret;
		if (!ret)
			return -EIO;
		buf += ret;
		len -= ret;
	}
	return 0;
}

/* Read up to @len bytes at @pos; fewer only at the end of the file. */
static ssize_t recallfs_read_full(struct file *file, void *buf, size_t len, loff_t pos)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = kernel_read(file, buf + done, len - done, &pos);

		if (ret < 0)
			return ret;
		if (!ret)
			break;
		done += ret;
	}
	return done;
}

static int recallfs_truncate(struct file *file, loff_t len)
{
	/* vfs_truncate() returns long before 7.x, int after: either fits. */
	long err = vfs_truncate(&file->f_path, len);

	return (int)err;
}

/* Whether journaling to a file on @sb would put it on shared or network storage. */
static bool recallfs_network_fs(const struct super_block *sb)
{
	switch (sb->s_magic) {
	case NFS_SUPER_MAGIC:
	case CIFS_SUPER_MAGIC:
	case SMB2_SUPER_MAGIC:
	case CEPH_SUPER_MAGIC:
	case AFS_FS_MAGIC:
	case CODA_SUPER_MAGIC:
	case V9FS_MAGIC:
	case RECALLFS_GFS2_MAGIC:
	case RECALLFS_OCFS2_MAGIC:
		return true;
	default:
		return false;
	}
}

/* Rename @old_name to @new_name in the directory of the journal file. */
static int recallfs_journal_rename(struct recallfs_journal *j, const char *old_name,
				   const char *new_name, unsigned int flags)
{
	struct path dir = { .mnt = j->file->f_path.mnt };
	int err;

	dir.dentry = dget_parent(j->file->f_path.dentry);
	err = mnt_want_write(dir.mnt);
	if (!err) {
		err = recallfs_rename_in_dir(&dir, old_name, new_name, flags);
		mnt_drop_write(dir.mnt);
	}
	if (!err) {
		/* Make the rename durable; not every filesystem can fsync a directory. */
		struct file *d = dentry_open(&dir, O_RDONLY | O_DIRECTORY, j->cred);

		if (!IS_ERR(d)) {
			vfs_fsync(d, 0);
			fput(d);
		}
	}
	dput(dir.dentry);
	return err;
}

/* ---- open and checks ---- */

/* Refuse a journal on @sb: the lower filesystem or a network filesystem. */
static int recallfs_journal_check_sb(struct recallfs_journal *j, struct fs_context *fc,
				     const struct super_block *sb)
{
	const char *path = j->sbi->journal_path;

	if (sb == j->sbi->lower_root.mnt->mnt_sb)
		return invalfc(fc, "journal=%s: on the lower filesystem; put it on a local disk",
			       path);
	if (recallfs_network_fs(sb))
		return invalfc(fc, "journal=%s: on a network filesystem (%s); put it on a local disk",
			       path, sb->s_type->name);
	return 0;
}

/*
 * Names in the journal's directory are renamed and created by name: only a
 * directory no one but root may change (or a sticky one of root's, as /tmp)
 * keeps someone else from swapping them.
 */
static bool recallfs_journal_dir_trusted(const struct inode *dir)
{
	return uid_eq(dir->i_uid, GLOBAL_ROOT_UID) &&
	       (!(dir->i_mode & (S_IWGRP | S_IWOTH)) || (dir->i_mode & S_ISVTX));
}

static bool recallfs_journal_file_dir_trusted(struct file *file)
{
	struct dentry *parent = dget_parent(file->f_path.dentry);
	bool trusted = recallfs_journal_dir_trusted(d_inode(parent));

	dput(parent);
	return trusted;
}

static int recallfs_journal_dir_refused(struct fs_context *fc, const char *path)
{
	return invalfc(fc, "journal=%s: its directory may be written by others than root; put it in one only root can write",
		       path);
}

/* Check the directory a missing journal would be created in, before creating it. */
static int recallfs_journal_check_parent(struct recallfs_journal *j, struct fs_context *fc)
{
	const char *path = j->sbi->journal_path;
	struct path parent;
	char *dir;
	int err;

	if (j->basename == path)
		dir = kstrdup(".", GFP_KERNEL);
	else if (j->basename == path + 1)
		dir = kstrdup("/", GFP_KERNEL);
	else
		dir = kstrndup(path, j->basename - path - 1, GFP_KERNEL);
	if (!dir)
		return -ENOMEM;
	err = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &parent);
	kfree(dir);
	if (err) {
		errorfc(fc, "journal=%s: no such directory", path);
		return err;
	}
	err = recallfs_journal_check_sb(j, fc, parent.dentry->d_sb);
	if (!err && !recallfs_journal_dir_trusted(d_inode(parent.dentry)))
		err = recallfs_journal_dir_refused(fc, path);
	path_put(&parent);
	return err;
}

/*
 * Open (creating) the journal file and check it may hold a journal: a local
 * regular file, not on the lower filesystem, not used by another mount.
 * Nothing is created where a journal may not be.
 */
static struct file *recallfs_journal_open_file(struct recallfs_journal *j,
					       struct fs_context *fc)
{
	const char *path = j->sbi->journal_path;
	struct path existing;
	struct file *file;
	int err;

	/* Look before opening: opening a device or FIFO can have side effects. */
	err = kern_path(path, 0, &existing);
	if (!err) {
		umode_t mode = d_inode(existing.dentry)->i_mode;

		path_put(&existing);
		if (S_ISLNK(mode))
			return ERR_PTR(invalfc(fc, "journal=%s: is a symlink", path));
		if (!S_ISREG(mode))
			return ERR_PTR(invalfc(fc, "journal=%s: not a regular file", path));
	} else if (err == -ENOENT) {
		err = recallfs_journal_check_parent(j, fc);
		if (err)
			return ERR_PTR(err);
	}

	file = filp_open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_LARGEFILE | O_CLOEXEC, 0600);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		if (err == -ELOOP)
			return ERR_PTR(invalfc(fc, "journal=%s: is a symlink", path));
		if (err == -EISDIR)
			return ERR_PTR(invalfc(fc, "journal=%s: not a regular file", path));
		else
			errorfc(fc, "journal=%s: cannot open: error %d", path, err);
		return file;
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		err = invalfc(fc, "journal=%s: not a regular file", path);
	} else if (!recallfs_journal_file_dir_trusted(file)) {
		err = recallfs_journal_dir_refused(fc, path);
	} else {
		err = recallfs_journal_check_sb(j, fc, file_inode(file)->i_sb);
		if (!err) {
			err = recallfs_journal_claim(j, file);
			if (err)
				errorfc(fc, "journal=%s: already in use by another recallfs mount",
					path);
		}
	}
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return file;
}

/*
 * What identifies this mount's lower tree in a journal header: its path, the
 * lower filesystem's type and, where the filesystem can give one, the lower
 * root's file handle (so a different export mounted at the same path is
 * told apart). @fh (RECALLFS_JOURNAL_FH_MAX bytes) and @buf (PATH_MAX) hold
 * its parts.
 */
void recallfs_lower_identity(struct recallfs_sb_info *sbi, struct recallfs_journal_identity *id,
			     u32 *fh, char *buf)
{
	struct dentry *root = sbi->lower_root.dentry;
	struct super_block *lower_sb = root->d_sb;
	char *dir;

	memset(id, 0, sizeof(*id));
	dir = d_path(&sbi->lower_root, buf, PATH_MAX);
	if (IS_ERR(dir))
		dir = sbi->lowerdir;
	id->lowerdir = dir;
	id->lowerdir_len = min_t(size_t, strlen(dir), RECALLFS_JOURNAL_PATH_MAX);
	id->fstype = lower_sb->s_type->name;
	id->fstype_len = min_t(size_t, strlen(id->fstype), RECALLFS_JOURNAL_FSTYPE_MAX);
	if (lower_sb->s_export_op && lower_sb->s_export_op->encode_fh) {
		int words = RECALLFS_JOURNAL_FH_MAX / 4;
		int type = exportfs_encode_fh(root, (struct fid *)fh, &words, 0);

		if (type > 0 && type != FILEID_INVALID && words > 0 &&
		    words <= RECALLFS_JOURNAL_FH_MAX / 4) {
			id->fh = (const u8 *)fh;
			id->fh_len = words * 4;
			id->fh_type = type;
		}
	}
	id->created = ktime_get_real_seconds();
}

static int recallfs_journal_make_header(struct recallfs_journal *j)
{
	struct recallfs_journal_identity id;
	u32 fh[RECALLFS_JOURNAL_FH_MAX / 4];
	char *buf;
	int err = 0;

	buf = __getname();
	if (!buf)
		return -ENOMEM;
	recallfs_lower_identity(j->sbi, &id, fh, buf);

	j->header_len = recallfs_header_size(&id);
	j->header = kmalloc(j->header_len, GFP_KERNEL);
	if (!j->header)
		err = -ENOMEM;
	else
		recallfs_header_encode(&id, j->header, j->header_len);
	__putname(buf);
	return err;
}

/* Start an empty journal: just the header. */
static int recallfs_journal_start_fresh(struct recallfs_journal *j)
{
	int err;

	j->end = 0;
	err = recallfs_truncate(j->file, 0);
	if (!err)
		err = recallfs_write_all(j->file, j->header, j->header_len, &j->end);
	if (!err)
		err = vfs_fsync(j->file, 0);
	return err;
}

/*
 * The journal belongs to another tree or cannot be read: rename it to
 * PATH.bad-<unix time> and start an empty one at PATH.
 */
static int recallfs_journal_set_aside(struct recallfs_journal *j, struct fs_context *fc,
				      const char *why)
{
	const char *path = j->sbi->journal_path;
	time64_t now = ktime_get_real_seconds();
	char *aside = NULL;
	struct file *file;
	int err, try;

	/* PATH.bad-<time>, or PATH.bad-<time>.N if that is taken: never replace one. */
	for (try = 0, err = -EEXIST; err == -EEXIST && try < 16; try++) {
		aside = try ? kasprintf(GFP_KERNEL, "%s.bad-%lld.%d", j->basename,
					(long long)now, try) :
			      kasprintf(GFP_KERNEL, "%s.bad-%lld", j->basename, (long long)now);
		if (!aside)
			return -ENOMEM;
		err = recallfs_journal_rename(j, j->basename, aside, RENAME_NOREPLACE);
		if (err == -EEXIST) {
			kfree(aside);
			aside = NULL;
		}
	}
	if (err) {
		errorfc(fc, "journal=%s: %s, and it cannot be renamed aside: error %d",
			path, why, err);
		kfree(aside);
		return err;
	}
	pr_warn("journal %s: %s; renamed to %s, starting a new journal\n", path, why, aside);
	kfree(aside);

	file = recallfs_journal_open_file(j, fc);
	if (IS_ERR(file))
		return PTR_ERR(file);
	fput(j->file);
	j->file = file;
	return recallfs_journal_start_fresh(j);
}

int recallfs_read_records(struct file *file, char *buf, loff_t pos, loff_t size,
			  int (*fn)(const struct recallfs_record *rec, void *arg), void *arg,
			  loff_t *good_end, const char **why)
{
	u32 filled = 0, off = 0;
	loff_t good = pos;		/* the end of the last good record */
	bool stop = false;

	*why = NULL;
	while (!*why && !stop && good < size) {
		struct recallfs_record rec;
		u32 len = 0;
		int ret;

		ret = recallfs_record_decode(buf + off, filled - off, &rec, &len);
		if (ret == RECALLFS_DECODE_OK || ret == RECALLFS_DECODE_SKIP) {
			if (ret == RECALLFS_DECODE_OK)
				stop = fn(&rec, arg);
			off += len;
			good += len;
			continue;
		}
		if (ret != RECALLFS_DECODE_SHORT) {
			*why = ret == RECALLFS_DECODE_UNSUPPORTED ? "a record of a newer format" :
								    "a corrupt record";
			break;
		}
		/* Need more bytes: keep the partial record, read behind it. */
		if (good + (filled - off) >= size) {
			*why = "a torn record";
			break;
		}
		memmove(buf, buf + off, filled - off);
		filled -= off;
		off = 0;
		ret = recallfs_read_full(file, buf + filled,
					 min_t(loff_t, RECALLFS_REPLAY_CHUNK - filled,
					       size - good - filled),
					 good + filled);
		if (ret < 0)
			return ret;
		if (!ret) {
			*why = "a torn record";
			break;
		}
		filled += ret;
		cond_resched();
	}
	*good_end = good;
	return 0;
}

static int recallfs_journal_apply(const struct recallfs_record *rec, void *arg)
{
	struct recallfs_sb_info *sbi = arg;

	if (!recallfs_index_apply(sbi, rec))
		recallfs_count(sbi, RECALLFS_JOURNAL_REPLAYED);
	return 0;
}

/* Decode and apply every record in [pos, size); cut what does not decode. */
static int recallfs_journal_replay_records(struct recallfs_journal *j, char *buf, loff_t pos,
					   loff_t size)
{
	struct recallfs_sb_info *sbi = j->sbi;
	const char *why;
	loff_t good;
	int ret;

	ret = recallfs_read_records(j->file, buf, pos, size, recallfs_journal_apply, sbi,
				    &good, &why);
	if (ret)
		return ret;
	j->end = good;
	if (good == size)
		return 0;
	pr_warn("journal %s: %s at offset %lld; cutting %lld bytes\n",
		sbi->journal_path, why, good, size - good);
	recallfs_count_add(sbi, RECALLFS_JOURNAL_TRUNCATED, size - good);
	/* Appends must not land in front of stale bytes: cut them now. */
	return recallfs_truncate(j->file, good);
}

/*
 * Replayed records become inodes' modes and owners: only a file no one but
 * root could have written may hold them. NULL if @inode may, else why not.
 */
static const char *recallfs_journal_untrusted(const struct inode *inode)
{
	if (!uid_eq(inode->i_uid, GLOBAL_ROOT_UID))
		return "not owned by root";
	if (inode->i_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

/*
 * Keep the journal's own creation time, with this code's features: a header
 * of older code (without DIR_COOKIE) is rewritten in place, and made durable,
 * before any record this code writes follows it. Returns @len, or an error.
 */
static int recallfs_journal_adopt_header(struct recallfs_journal *j,
					 struct recallfs_journal_identity *ours,
					 const struct recallfs_journal_identity *theirs,
					 const char *disk, int len)
{
	loff_t pos = 0;
	char *header;
	int err;

	header = kmalloc(j->header_len, GFP_KERNEL);
	if (!header)
		return -ENOMEM;
	ours->created = theirs->created;
	recallfs_header_encode(ours, header, j->header_len);
	memcpy(j->header, header, j->header_len);
	kfree(header);
	if (!memcmp(disk, j->header, j->header_len))
		return len;
	err = recallfs_write_all(j->file, j->header, j->header_len, &pos);
	if (!err)
		err = vfs_fsync(j->file, 0);
	return err ? err : len;
}

/* Check the header, then replay; a header that is not ours sets the file aside. */
static int recallfs_journal_replay(struct recallfs_journal *j, struct fs_context *fc)
{
	loff_t size = i_size_read(file_inode(j->file));
	struct recallfs_journal_identity ours, theirs;
	const char *why;
	ssize_t n;
	char *buf;
	int ret;

	why = recallfs_journal_untrusted(file_inode(j->file));
	if (why)
		return recallfs_journal_set_aside(j, fc, why);
	if (size == 0)
		return recallfs_journal_start_fresh(j);
	buf = kvmalloc(RECALLFS_REPLAY_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = recallfs_read_full(j->file, buf, min_t(loff_t, size, RECALLFS_JOURNAL_HEADER_MAX), 0);
	if (n < 0) {
		ret = n;
		errorfc(fc, "journal=%s: read error %d", j->sbi->journal_path, ret);
		goto out;
	}
	recallfs_header_decode(j->header, j->header_len, &ours);
	ret = recallfs_header_decode(buf, n, &theirs);
	if (ret == RECALLFS_DECODE_UNSUPPORTED)
		why = "written by a newer recallfs";
	else if (ret < 0)
		why = "no valid journal header";
	else if (!recallfs_identity_equal(&ours, &theirs))
		why = "the journal of another lower tree";
	if (why) {
		ret = recallfs_journal_set_aside(j, fc, why);
		goto out;
	}
	ret = recallfs_journal_adopt_header(j, &ours, &theirs, buf, ret);
	if (ret < 0) {
		ret = recallfs_journal_set_aside(j, fc, "its header could not be brought up to date");
		goto out;
	}
	ret = recallfs_journal_replay_records(j, buf, ret, size);
	if (ret)
		errorfc(fc, "journal=%s: replay failed: error %d", j->sbi->journal_path, ret);
out:
	kvfree(buf);
	return ret;
}

/* ---- queueing and committing ---- */

/* Stop journaling for this mount after an I/O error. */
static void recallfs_journal_fail(struct recallfs_journal *j, int err, const char *what)
{
	spin_lock(&j->pending_lock);
	if (j->stopped) {
		spin_unlock(&j->pending_lock);
		return;
	}
	j->stopped = true;
	j->error = err;
	j->pending_len = 0;
	j->pending_count = 0;
	spin_unlock(&j->pending_lock);
	recallfs_count(j->sbi, RECALLFS_JOURNAL_ERRORS);
	pr_warn("journal %s: %s failed (error %d); journaling stopped for this mount\n",
		j->sbi->journal_path, what, err);
}

void recallfs_journal_log(struct recallfs_sb_info *sbi, const struct recallfs_record *rec)
{
	struct recallfs_journal *j = sbi->journal;
	bool first = false, kick = false;
	u32 size;

	if (!j)
		return;
	size = recallfs_record_size(rec);
	if (!size) {
		/* A record the format cannot hold (an index bug): say so, once. */
		pr_warn_once("journal %s: record type %u for \"%.*s\" not encodable, not journaled\n",
			     sbi->journal_path, rec->type, (int)min_t(u32, rec->dir_len, 256),
			     rec->dir ? rec->dir : "");
		return;
	}
	spin_lock(&j->pending_lock);
	if (j->stopped) {
		spin_unlock(&j->pending_lock);
		return;
	}
	if (size <= RECALLFS_PENDING_SIZE - j->pending_len) {
		first = !j->pending_len;
		recallfs_record_encode(rec, j->pending + j->pending_len, size);
		j->pending_len += size;
		j->pending_count++;
	} else {
		/* Never wait: drop it, and have the next commit rewrite from the index. */
		j->lost = true;
		j->dropped++;
		kick = true;
	}
	if (j->pending_len > RECALLFS_PENDING_SIZE / 2)
		kick = true;
	spin_unlock(&j->pending_lock);

	if (kick)
		mod_delayed_work(system_unbound_wq, &j->commit_work, 0);
	else if (first)
		queue_delayed_work(system_unbound_wq, &j->commit_work,
				   (unsigned long)READ_ONCE(sbi->commit_secs) * HZ);
}

static int recallfs_journal_compact_locked(struct recallfs_journal *j);
static void recallfs_journal_maybe_compact(struct recallfs_journal *j);

/*
 * Append the pending records to the file and, with @may_compact, rewrite it
 * from the index if records were dropped or dead ones dominate. Caller holds
 * io_lock.
 */
static int recallfs_journal_write_out(struct recallfs_journal *j, bool may_compact)
{
	u32 len, count;
	bool lost;
	char *buf;
	int err;

	spin_lock(&j->pending_lock);
	if (j->stopped) {
		spin_unlock(&j->pending_lock);
		return j->error;
	}
	buf = j->pending;
	len = j->pending_len;
	count = j->pending_count;
	lost = may_compact && j->lost;	/* else left for a commit that may */
	j->pending = j->spare;
	j->spare = buf;
	j->pending_len = 0;
	j->pending_count = 0;
	if (lost)
		j->lost = false;
	spin_unlock(&j->pending_lock);

	if (len) {
		err = recallfs_write_all(j->file, buf, len, &j->end);
		if (err) {
			recallfs_journal_fail(j, err, "write");
			return err;
		}
		recallfs_count_add(j->sbi, RECALLFS_JOURNAL_RECORDS, count);
	}
	if (!may_compact)
		return 0;
	/*
	 * Records were dropped: only a rewrite from the index has them all, and
	 * until it succeeds the file lacks some (a caller waiting for them to be
	 * durable, such as an invalidation, must hear so).
	 */
	if (lost) {
		err = recallfs_journal_compact_locked(j);
		if (err) {
			spin_lock(&j->pending_lock);
			j->lost = true;		/* try again at the next commit */
			spin_unlock(&j->pending_lock);
		}
		return err;
	}
	recallfs_journal_maybe_compact(j);
	return 0;
}

static int recallfs_journal_commit(struct recallfs_journal *j)
{
	return recallfs_journal_write_out(j, true);
}

/*
 * An invalidation could not be made durable: the file on disk still holds
 * the entries it forgot, and a later mount must not replay them. Stop
 * journaling and empty the file (the next mount starts afresh).
 */
void recallfs_journal_discard(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;
	const struct cred *old;
	int err;

	if (!j)
		return;
	old = override_creds(j->cred);
	mutex_lock(&j->io_lock);
	recallfs_journal_fail(j, -EIO, "an invalidation");
	err = recallfs_truncate(j->file, 0);
	if (!err)
		err = vfs_fsync(j->file, 0);
	mutex_unlock(&j->io_lock);
	revert_creds(old);
	if (err)
		pr_err("journal %s: cannot be emptied (error %d): delete it before the next mount, it holds entries invalidated since\n",
		       sbi->journal_path, err);
	else
		pr_warn("journal %s: emptied, as an invalidation could not be written to it\n",
			sbi->journal_path);
}

static void recallfs_journal_worker(struct work_struct *work)
{
	struct recallfs_journal *j = container_of(to_delayed_work(work),
						  struct recallfs_journal, commit_work);
	const struct cred *old = override_creds(j->cred);

	mutex_lock(&j->io_lock);
	recallfs_journal_commit(j);
	mutex_unlock(&j->io_lock);
	revert_creds(old);
}

int recallfs_journal_sync(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;
	const struct cred *old;
	int err;

	if (!j)
		return 0;
	old = override_creds(j->cred);
	mutex_lock(&j->io_lock);
	err = recallfs_journal_commit(j);
	if (!err) {
		err = vfs_fsync(j->file, 0);
		if (err)
			recallfs_journal_fail(j, err, "fsync");
	}
	mutex_unlock(&j->io_lock);
	revert_creds(old);
	return err;
}

/*
 * For a caller that logs many records in a row (a listing) and may sleep:
 * write the pending records out now if the buffer is mostly full, rather
 * than let records be dropped, which costs a rewrite of the whole journal.
 * Only appends: a compaction (which opens files by path) is left to the
 * commit worker.
 */
void recallfs_journal_make_room(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;
	const struct cred *old;
	u32 len;

	if (!j)
		return;
	spin_lock(&j->pending_lock);
	len = j->pending_len;
	spin_unlock(&j->pending_lock);
	if (len < RECALLFS_PENDING_SIZE / 4 * 3)
		return;
	old = override_creds(j->cred);
	mutex_lock(&j->io_lock);
	recallfs_journal_write_out(j, false);
	mutex_unlock(&j->io_lock);
	revert_creds(old);
}

/* ---- compaction ---- */

/*
 * The live records, written a directory at a time through a chunk of
 * RECALLFS_COMPACT_CHUNK bytes (larger only for a directory whose records
 * alone exceed it): memory is bounded by the largest directory, not by the
 * index, and no lock is held across the whole walk but io_lock.
 */
#define RECALLFS_COMPACT_CHUNK	(256 * 1024)

struct recallfs_stream {
	struct file *file;
	loff_t end;
	char *buf;
	size_t size, len;
	bool full;
};

static int recallfs_stream_encode(const struct recallfs_record *rec, void *arg)
{
	struct recallfs_stream *st = arg;
	u32 n = recallfs_record_encode(rec, st->buf + st->len,
				       min_t(size_t, st->size - st->len, U32_MAX));

	if (!n) {
		if (!recallfs_record_size(rec))
			return 0;	/* not encodable: never was journaled either */
		st->full = true;
		return 1;
	}
	st->len += n;
	return 0;
}

static int recallfs_stream_flush(struct recallfs_stream *st)
{
	int err = recallfs_write_all(st->file, st->buf, st->len, &st->end);

	st->len = 0;
	return err;
}

/* One directory's records: the chunk is flushed first if they do not fit in what is left. */
static int recallfs_stream_dir(struct recallfs_stream *st, struct recallfs_dir *dir)
{
	for (;;) {
		size_t mark = st->len;
		int err;

		st->full = false;
		recallfs_index_dir_records(dir, recallfs_stream_encode, st);
		if (!st->full)
			return 0;
		st->len = mark;
		if (mark) {
			err = recallfs_stream_flush(st);
		} else {
			/* They alone exceed the chunk: a larger one, for them. */
			kvfree(st->buf);
			st->size *= 2;
			st->buf = st->size <= INT_MAX ? kvmalloc(st->size, GFP_KERNEL) : NULL;
			err = st->buf ? 0 : -ENOMEM;
		}
		if (err)
			return err;
	}
}

/* The header and the records of @dirs to @st's file. */
static int recallfs_journal_stream(struct recallfs_journal *j, struct recallfs_stream *st,
				   struct recallfs_dir **dirs, size_t nr)
{
	size_t i;
	int err = 0;

	memcpy(st->buf, j->header, j->header_len);
	st->len = j->header_len;
	for (i = 0; i < nr && !err; i++) {
		err = recallfs_stream_dir(st, dirs[i]);
		cond_resched();
	}
	return err ? err : recallfs_stream_flush(st);
}

/*
 * Create PATH.compact, always a new file (O_EXCL): whatever sits at that name
 * (a crash's leftover, or a link someone planted to a file of their choice)
 * is never opened, only renamed out of the way to PATH.compact.stale-<time>.
 */
static struct file *recallfs_journal_create_compact(struct recallfs_journal *j)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_LARGEFILE | O_CLOEXEC;
	char *name, *stale;
	struct file *file;
	int err;

	file = filp_open(j->compact_path, flags, 0600);
	if (IS_ERR(file) && PTR_ERR(file) == -EEXIST) {
		name = kasprintf(GFP_KERNEL, "%s.compact", j->basename);
		stale = kasprintf(GFP_KERNEL, "%s.compact.stale-%lld", j->basename,
				  (long long)ktime_get_real_seconds());
		err = name && stale ? recallfs_journal_rename(j, name, stale, 0) : -ENOMEM;
		if (!err)
			pr_warn("journal %s: moved a stale %s aside to %s\n",
				j->sbi->journal_path, name, stale);
		kfree(name);
		kfree(stale);
		file = err ? ERR_PTR(err) : filp_open(j->compact_path, flags, 0600);
	}
	if (IS_ERR(file))
		return file;
	if (!S_ISREG(file_inode(file)->i_mode) ||
	    file_inode(file)->i_sb != file_inode(j->file)->i_sb) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	return file;
}

/*
 * Rewrite the live records to PATH.compact, fsync it and rename it over
 * PATH: until the rename the old journal stays whole. Pending records stay
 * queued and are appended to the new file. Caller holds io_lock, creds set.
 */
static int recallfs_journal_compact_locked(struct recallfs_journal *j)
{
	unsigned long evicted = recallfs_index_evicted_unjournaled(j->sbi);
	struct recallfs_stream st = { .size = RECALLFS_COMPACT_CHUNK };
	struct recallfs_dir **dirs;
	char *compact_name;
	struct file *file;
	size_t nr;
	int err;

	/*
	 * Opening by path needs an fs context: a sync from an exiting task's
	 * unmount has none. The records stay queued or marked lost, and the
	 * close worker compacts.
	 */
	if (!current->fs)
		return -ESRCH;
	/* What can fail for memory fails before PATH.compact exists. */
	st.buf = kvmalloc(st.size, GFP_KERNEL);
	dirs = st.buf ? recallfs_index_grab_dirs(j->sbi, &nr) : ERR_PTR(-ENOMEM);
	if (IS_ERR(dirs)) {
		err = PTR_ERR(dirs);
		goto out_free;
	}
	file = recallfs_journal_create_compact(j);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_release;
	}
	st.file = file;
	err = recallfs_journal_stream(j, &st, dirs, nr);
	if (!err)
		err = vfs_fsync(file, 0);
	compact_name = kasprintf(GFP_KERNEL, "%s.compact", j->basename);
	if (!compact_name && !err)
		err = -ENOMEM;
	if (!err)
		err = recallfs_journal_rename(j, compact_name, j->basename, 0);
	kfree(compact_name);
	if (err) {
		fput(file);
		goto out_release;
	}
	/* The new file is the journal now; the same mount still owns it. */
	recallfs_journal_claim(j, file);
	fput(j->file);
	j->file = file;
	j->end = st.end;
	j->next_compact_check = max_t(loff_t, 2 * st.end, RECALLFS_COMPACT_MIN);
	recallfs_index_journal_caught_up(j->sbi, evicted);
out_release:
	recallfs_index_release_dirs(dirs, nr);
out_free:
	kvfree(st.buf);
	if (err)
		pr_warn("journal %s: compaction failed (error %d); the journal is unchanged\n",
			j->sbi->journal_path, err);
	return err;
}

static int recallfs_add_record_size(const struct recallfs_record *rec, void *arg)
{
	*(loff_t *)arg += recallfs_record_size(rec);
	return 0;
}

/* After a commit: compact when dead records dominate (file > 2 x live and > 1 MiB). */
static void recallfs_journal_maybe_compact(struct recallfs_journal *j)
{
	loff_t live = j->header_len;

	if (j->end <= j->next_compact_check)
		return;
	recallfs_index_for_each(j->sbi, recallfs_add_record_size, &live);
	if (j->end > 2 * live)
		recallfs_journal_compact_locked(j);
	/* Check again only after the file grew well past what is live. */
	j->next_compact_check = max_t(loff_t, max_t(loff_t, 2 * live, j->end),
				      RECALLFS_COMPACT_MIN);
}

int recallfs_journal_compact(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;
	const struct cred *old;
	int err;

	if (!j)
		return -ENOENT;
	old = override_creds(j->cred);
	mutex_lock(&j->io_lock);
	err = recallfs_journal_commit(j);
	if (!err)
		err = recallfs_journal_compact_locked(j);
	mutex_unlock(&j->io_lock);
	revert_creds(old);
	return err;
}

/* ---- open and close ---- */

static void recallfs_journal_free(struct recallfs_journal *j)
{
	if (j->file) {
		recallfs_journal_unclaim(j);
		fput(j->file);
	}
	put_cred(j->cred);
	kvfree(j->pending);
	kvfree(j->spare);
	kfree(j->header);
	kfree(j->compact_path);
	kfree(j);
}

int recallfs_journal_open(struct recallfs_sb_info *sbi, struct fs_context *fc)
{
	const char *path = sbi->journal_path;
	struct recallfs_journal *j;
	struct file *file;
	int err;

	if (!path)
		return 0;
	recallfs_journal_layout_checks();
	j = kzalloc(sizeof(*j), GFP_KERNEL);
	if (!j)
		return -ENOMEM;
	j->sbi = sbi;
	j->cred = get_current_cred();
	mutex_init(&j->io_lock);
	spin_lock_init(&j->pending_lock);
	INIT_LIST_HEAD(&j->in_use);
	INIT_DELAYED_WORK(&j->commit_work, recallfs_journal_worker);
	j->basename = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	j->next_compact_check = RECALLFS_COMPACT_MIN;
	j->pending = kvmalloc(RECALLFS_PENDING_SIZE, GFP_KERNEL);
	j->spare = kvmalloc(RECALLFS_PENDING_SIZE, GFP_KERNEL);
	j->compact_path = kasprintf(GFP_KERNEL, "%s.compact", path);
	err = -ENOMEM;
	if (!j->pending || !j->spare || !j->compact_path)
		goto fail;
	if (!*j->basename) {
		err = invalfc(fc, "journal=%s: not a file name", path);
		goto fail;
	}
	err = recallfs_journal_make_header(j);
	if (err)
		goto fail;

	file = recallfs_journal_open_file(j, fc);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto fail;
	}
	j->file = file;
	err = recallfs_journal_replay(j, fc);
	if (err)
		goto fail;
	sbi->journal = j;
	return 0;
fail:
	recallfs_journal_free(j);
	return err;
}

/*
 * The last sync at unmount, in a worker: unmount can run in an exiting task
 * whose fs context is gone (its mount namespace torn down at exit), and
 * compaction opens files by path. After evictions, compact: replay would
 * bring evicted entries back in journal order, where they could push out
 * what the eviction kept.
 */
static void recallfs_journal_close_work(struct work_struct *work)
{
	struct recallfs_journal *j = container_of(work, struct recallfs_journal, close_work);

	recallfs_journal_sync(j->sbi);
	if (recallfs_index_evicted_unjournaled(j->sbi))
		recallfs_journal_compact(j->sbi);
}

void recallfs_journal_close(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;

	if (!j)
		return;
	INIT_WORK(&j->close_work, recallfs_journal_close_work);
	queue_work(system_unbound_wq, &j->close_work);
	flush_work(&j->close_work);
	spin_lock(&j->pending_lock);
	j->stopped = true;
	spin_unlock(&j->pending_lock);
	cancel_delayed_work_sync(&j->commit_work);
	if (j->dropped)
		pr_info("journal %s: %llu records were not queued (buffer full) and were rewritten by compaction\n",
			sbi->journal_path, j->dropped);
	sbi->journal = NULL;
	recallfs_journal_free(j);
}

u64 recallfs_journal_bytes(struct recallfs_sb_info *sbi)
{
	struct recallfs_journal *j = sbi->journal;
	u64 bytes;

	if (!j)
		return 0;
	mutex_lock(&j->io_lock);
	bytes = j->end;
	mutex_unlock(&j->io_lock);
	return bytes;
}
