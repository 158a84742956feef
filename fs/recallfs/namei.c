// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: name lookup and dentry revalidation.
 *
 * A lookup is answered from the index when the parent directory's recorded
 * entries are trusted (immutable mode, or verify mode with an unchanged
 * change stamp); otherwise it goes to the lower directory and its result is
 * recorded. Dentries answered from the index have no lower dentry until
 * something needs one (recallfs_lower_bind()).
 */
#include <linux/ktime.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "internal.h"

/* Not in the index: the caller asks the lower filesystem. */
#define RECALLFS_NOT_INDEXED	ERR_PTR(-ENODATA)

/* Path of directory @dentry from the mount root ("" for the root), in @buf. */
const char *recallfs_dir_path(struct dentry *dentry, char *buf, u32 *len)
{
	char *path = dentry_path_raw(dentry, buf, PATH_MAX);

	if (IS_ERR(path))
		return path;
	while (*path == '/')
		path++;
	*len = strlen(path);
	return path;
}

/*
 * The index directory of directory @dentry, referenced, or NULL when none is
 * recorded; with @state (a DIR record), created if missing (*@created says so). Remembered
 * in the inode, so most lookups need no path.
 */
static struct recallfs_dir *recallfs_dir_of(struct dentry *dentry,
					    const struct recallfs_record *state,
					    bool *created)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct recallfs_inode *ri = RECALLFS_I(d_inode(dentry));
	struct recallfs_dir *dir;
	const char *path;
	char *buf;
	u32 len;

	if (created)
		*created = false;
	rcu_read_lock();
	dir = READ_ONCE(ri->dir);
	if (dir && (READ_ONCE(dir->dead) || !refcount_inc_not_zero(&dir->ref)))
		dir = NULL;
	rcu_read_unlock();
	if (dir)
		return dir;

	buf = __getname();
	if (!buf)
		return ERR_PTR(-ENOMEM);
	path = recallfs_dir_path(dentry, buf, &len);
	if (IS_ERR(path))
		dir = ERR_CAST(path);
	else if (state)
		dir = recallfs_dir_get(sbi, path, len, state, created);
	else
		dir = recallfs_dir_find(sbi, path, len);
	__putname(buf);
	if (!IS_ERR_OR_NULL(dir))
		recallfs_inode_set_dir(d_inode(dentry), dir);
	return dir;
}

/*
 * Attributes of @lower, an object on @sbi's lower mount, as @flags
 * (AT_STATX_*) asks the lower filesystem.
 */
static int recallfs_lower_kstat(struct recallfs_sb_info *sbi, struct dentry *lower,
				struct kstat *stat, unsigned int flags)
{
	struct path path = {
		.mnt = sbi->lower_root.mnt,
		.dentry = lower,
	};

	return vfs_getattr_nosec(&path, stat, RECALLFS_STATX_MASK, flags);
}

static void recallfs_stamp_from_kstat(struct recallfs_stamp *stamp, const struct kstat *st)
{
	*stamp = (struct recallfs_stamp) {
		.mtime_sec = st->mtime.tv_sec,
		.mtime_nsec = st->mtime.tv_nsec,
		.ctime_sec = st->ctime.tv_sec,
		.ctime_nsec = st->ctime.tv_nsec,
		.ino = st->ino,
	};
	stamp->has_change_cookie = recallfs_kstat_change_cookie(st, &stamp->change_cookie);
}

/*
 * The cookies are compared where both stamps have one: a lower that reports
 * it only when its cache is fresh, or a journal of older code, must not make
 * every check fail; the times are compared always.
 */
static bool recallfs_stamp_equal(const struct recallfs_stamp *a, const struct recallfs_stamp *b)
{
	if (a->has_change_cookie && b->has_change_cookie &&
	    a->change_cookie != b->change_cookie)
		return false;
	return a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec &&
	       a->ino == b->ino;
}

/*
 * Verify mode: are @dir's entries still those of directory @dentry? Asks the
 * lower filesystem (one GETATTR) at most once per revalidate= seconds; a
 * changed stamp forgets the directory, to be learned again. Where binding
 * the directory made its lower inode from a fresh answer less than an
 * interval ago (a file handle decoded after a remount: NFS's GETATTR), that
 * answer is the check, made when it came.
 */
static bool recallfs_dir_verify(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				struct dentry *dentry)
{
	u64 interval = (u64)READ_ONCE(sbi->revalidate_secs) * NSEC_PER_SEC;
	u64 fetched, checked, now_ns;
	struct recallfs_stamp now;
	struct dentry *lower;
	struct kstat stat;
	unsigned int sync;

	if (time_before(jiffies, READ_ONCE(dir->verified_until)))
		return true;
	lower = recallfs_bind_dir_by_handle(dir, dentry);
	if (IS_ERR(lower))
		return false;
	now_ns = ktime_get_ns();
	fetched = READ_ONCE(RECALLFS_I(d_inode(dentry))->lower_fetched);
	if (fetched && now_ns - fetched < interval) {
		sync = AT_STATX_DONT_SYNC;
		checked = fetched;
	} else {
		sync = AT_STATX_FORCE_SYNC;
		checked = now_ns;
	}
	if (recallfs_lower_kstat(sbi, lower, &stat, sync))
		return false;
	recallfs_count(sbi, RECALLFS_REVALIDATIONS);
	recallfs_stamp_from_kstat(&now, &stat);
	if (!recallfs_stamp_equal(&now, &dir->stamp)) {
		recallfs_dir_forget(sbi, dir);
		return false;
	}
	WRITE_ONCE(dir->verified_until, jiffies + nsecs_to_jiffies(checked + interval - now_ns));
	return true;
}

static bool recallfs_dir_trusted(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				 struct dentry *dentry)
{
	switch (recallfs_mode(sbi)) {
	case RECALLFS_MODE_IMMUTABLE:
		return true;
	case RECALLFS_MODE_VERIFY:
		return recallfs_dir_verify(sbi, dir, dentry);
	default:
		return false;
	}
}

/* What the index says about one name, copied out of RCU. */
struct recallfs_answer {
	bool positive;
	bool mode_only;			/* RECALLFS_ENTRY_MODE_ONLY */
	struct recallfs_attr attr;
	char *link;			/* kmalloc'd, or NULL */
	struct recallfs_handle *handle;	/* kmalloc'd, or NULL */
};

/* A copy of @e's file handle; a missing one only costs a lookup when bound. */
static struct recallfs_handle *recallfs_copy_handle(const struct recallfs_entry *e)
{
	if (!e->fh_len)
		return NULL;
	return kmemdup(recallfs_entry_handle(e), sizeof(struct recallfs_handle) + e->fh_len,
		       GFP_NOWAIT);
}

/* 1 if the index answers @name in @dir, 0 if it does not know. */
static int recallfs_index_answer(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				 const struct qstr *name, struct recallfs_answer *ans)
{
	struct recallfs_entry *e;
	int known = 1;

	rcu_read_lock();
	e = recallfs_entry_find(sbi, dir, (const char *)name->name, name->len);
	if (!e) {
		/* Pairs with recallfs_evict_one(): not complete before the entry went. */
		smp_rmb();
		/*
		 * A complete listing says an unlisted name does not exist, but
		 * for dot-names: filers hide names that lookups still reach
		 * (NetApp .snapshot, ZFS .zfs). Those are asked once, and recorded.
		 */
		known = READ_ONCE(dir->complete) && name->name[0] != '.';
		ans->positive = false;
	} else if (e->flags & RECALLFS_ENTRY_LISTED) {
		known = 0;	/* it exists, but its attributes are not recorded */
	} else {
		recallfs_entry_used(e);
		ans->positive = e->flags & RECALLFS_ENTRY_POSITIVE;
		ans->mode_only = e->flags & RECALLFS_ENTRY_MODE_ONLY;
		if (ans->positive)
			ans->attr = *recallfs_entry_attr(e);
		ans->link = NULL;
		/* A missing copy of the target only costs a lower readlink later. */
		if (ans->positive && e->link_len)
			ans->link = kmemdup(recallfs_entry_link(e), e->link_len + 1, GFP_NOWAIT);
		ans->handle = ans->positive ? recallfs_copy_handle(e) : NULL;
	}
	rcu_read_unlock();
	return known;
}

/*
 * A directory answered from the index: remember its own index directory, if
 * recorded, so that searching it needs neither the lower filesystem nor a
 * path walk of the index (trust.c trusts recorded directories' search).
 */
static void recallfs_attach_dir(struct dentry *dentry)
{
	struct recallfs_dir *dir;

	if (READ_ONCE(RECALLFS_I(d_inode(dentry))->dir))
		return;
	dir = recallfs_dir_of(dentry, NULL, NULL);
	if (!IS_ERR_OR_NULL(dir))
		recallfs_dir_put(dir);
}

static struct dentry *recallfs_lookup_indexed(struct recallfs_sb_info *sbi,
					      struct dentry *parent, struct dentry *dentry)
{
	struct recallfs_answer ans = {};
	struct recallfs_dir *dir;
	struct inode *inode = NULL;
	struct dentry *res;
	unsigned long gen;
	int known;

	/* Never recorded: spare the path walk and the table lookup. */
	if (READ_ONCE(RECALLFS_I(d_inode(parent))->uncacheable))
		return RECALLFS_NOT_INDEXED;
	dir = recallfs_dir_of(parent, NULL, NULL);
	if (IS_ERR_OR_NULL(dir))
		return RECALLFS_NOT_INDEXED;
	known = recallfs_dir_trusted(sbi, dir, parent) &&
		recallfs_index_answer(sbi, dir, &dentry->d_name, &ans);
	gen = dir->gen;
	recallfs_dir_put(dir);
	if (!known)
		return RECALLFS_NOT_INDEXED;

	if (ans.positive) {
		inode = recallfs_iget_cached(dentry->d_sb, &ans.attr, ans.mode_only, ans.link,
					     ans.handle);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
		recallfs_count(sbi, RECALLFS_POSITIVE_HITS);
	} else {
		recallfs_count(sbi, RECALLFS_NEGATIVE_HITS);
	}
	/* A recorded entry that answers is in use (a complete listing's inference is not). */
	dentry->d_time = gen | RECALLFS_DENTRY_USED;
	res = d_splice_alias(inode, dentry);
	if (inode && S_ISDIR(inode->i_mode) && !IS_ERR(res))
		recallfs_attach_dir(res ? res : dentry);
	return res;
}

/*
 * The index directory to record results of directory @parent in, or NULL.
 * None is created for an answer an invalidation raced: it would hold a stamp
 * older than the invalidation. Its DIR record is journaled with its first
 * entry (recallfs_entry_add()).
 */
static struct recallfs_dir *recallfs_dir_to_record(struct recallfs_sb_info *sbi,
						   struct dentry *parent,
						   struct dentry *lower_parent,
						   const struct recallfs_learning *learned)
{
	struct recallfs_inode *ri = RECALLFS_I(d_inode(parent));
	struct recallfs_record rec = { .type = RECALLFS_REC_DIR };
	u32 fh[RECALLFS_FH_MAX / 4];
	struct recallfs_dir *dir;
	struct kstat stat;
	bool created;

	if (READ_ONCE(ri->uncacheable))
		return NULL;
	dir = recallfs_dir_of(parent, NULL, NULL);
	if (dir)
		return IS_ERR(dir) ? NULL : dir;
	if (!recallfs_learning_current(sbi, learned))
		return NULL;
	if (recallfs_lower_kstat(sbi, lower_parent, &stat, AT_STATX_DONT_SYNC))
		return NULL;
	if (!recallfs_dir_cacheable(lower_parent, &stat)) {
		WRITE_ONCE(ri->uncacheable, true);
		return NULL;
	}
	WRITE_ONCE(ri->acl_state, RECALLFS_ACL_NONE);
	recallfs_stamp_from_kstat(&rec.stamp, &stat);
	rec.flags = recallfs_dir_rec_flags(0, 0, &rec.stamp);
	recallfs_encode_handle(lower_parent, &rec, fh);
	dir = recallfs_dir_of(parent, &rec, &created);
	if (IS_ERR_OR_NULL(dir))
		return NULL;
	if (created && !recallfs_learning_current(sbi, learned)) {
		/* Its stamp may predate an invalidation that began meanwhile. */
		recallfs_dir_forget(sbi, dir);
		recallfs_dir_put(dir);
		return NULL;
	}
	return dir;
}

/*
 * Keep the root directory's attributes, so that in immutable mode walking
 * through the root needs no lower permission or getattr call either.
 */
void recallfs_record_root_attr(struct dentry *root)
{
	struct recallfs_inode *ri = RECALLFS_I(d_inode(root));
	struct dentry *lower = recallfs_lower_dentry(root);
	struct kstat stat;

	if (recallfs_lower_kstat(RECALLFS_SB(root->d_sb), lower, &stat, 0) ||
	    !recallfs_dir_cacheable(lower, &stat))
		return;
	recallfs_attr_from_kstat(&ri->cached_attr, &stat);
	ri->has_cached_attr = true;
	ri->acl_state = RECALLFS_ACL_NONE;
}

/*
 * Record in @dir what the lower filesystem answered for @name. @dir was
 * taken before the lower was asked: if an invalidation killed it or ran
 * since, the answer may be older than the invalidation, and
 * recallfs_entry_add() refuses it with -ESTALE.
 */
static int recallfs_record_lookup(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				  const struct qstr *name, struct dentry *lower,
				  const struct recallfs_learning *learned)
{
	struct recallfs_record rec = {
		.type = RECALLFS_REC_ENTRY,
		.name = (const char *)name->name,
		.name_len = name->len,
	};
	u32 fh[RECALLFS_FH_MAX / 4];
	struct kstat stat;
	int err;

	if (d_really_is_positive(lower)) {
		err = recallfs_lower_kstat(sbi, lower, &stat, AT_STATX_DONT_SYNC);
		if (err)
			return err;
		rec.flags = RECALLFS_ENTRY_POSITIVE;
		recallfs_attr_from_kstat(&rec.attr, &stat);
		recallfs_encode_handle(lower, &rec, fh);
	}
	rec.dir = dir->path;
	rec.dir_len = dir->path_len;
	return recallfs_entry_add(sbi, dir, &rec, learned);
}

/*
 * The listing of directory @dir_dentry from the index, into @out, if the
 * index may give it now: complete, each name with its d_ino and d_type, and
 * the directory trusted (immutable mode, or verify mode with its stamp
 * checked). -ENODATA if not: then the lower directory is read.
 */
int recallfs_indexed_listing(struct dentry *dir_dentry, struct recallfs_listing *out)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dir_dentry->d_sb);
	struct recallfs_dir *dir;
	int err = -ENODATA;

	if (recallfs_mode(sbi) == RECALLFS_MODE_OFF ||
	    READ_ONCE(RECALLFS_I(d_inode(dir_dentry))->uncacheable))
		return -ENODATA;
	dir = recallfs_dir_of(dir_dentry, NULL, NULL);
	if (IS_ERR_OR_NULL(dir))
		return -ENODATA;
	if (READ_ONCE(dir->complete) && recallfs_dir_trusted(sbi, dir, dir_dentry))
		err = recallfs_dir_listing(dir, out);
	recallfs_dir_put(dir);
	return err;
}

/* Should a readdir from the start record the directory's complete listing? */
bool recallfs_listing_wanted(struct dentry *dir_dentry)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dir_dentry->d_sb);
	struct recallfs_dir *dir;
	bool wanted;

	if (recallfs_mode(sbi) == RECALLFS_MODE_OFF ||
	    READ_ONCE(RECALLFS_I(d_inode(dir_dentry))->uncacheable))
		return false;
	dir = recallfs_dir_of(dir_dentry, NULL, NULL);
	if (IS_ERR(dir))
		return false;
	/* Complete, but from a journal of older code: listed again to fill in d_ino, d_type. */
	wanted = !dir || !READ_ONCE(dir->complete) || !READ_ONCE(dir->listed_typed);
	recallfs_dir_put(dir);
	return wanted;
}

/* A d_type a TYPED entry can record: unknown, or a POSIX file type. */
static bool recallfs_listed_type_ok(unsigned int d_type)
{
	switch (d_type) {
	case DT_UNKNOWN:
	case DT_FIFO:
	case DT_CHR:
	case DT_DIR:
	case DT_BLK:
	case DT_REG:
	case DT_LNK:
	case DT_SOCK:
		return true;
	}
	return false;
}

/*
 * Record one listed name with what readdir gives for it (d_ino, d_type). A
 * name the index knows exists is marked listed, if it is not already.
 */
static int recallfs_record_listed(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				  const struct recallfs_listed_name *n,
				  const struct recallfs_learning *learned)
{
	struct recallfs_record rec = {
		.type = RECALLFS_REC_ENTRY,
		.flags = RECALLFS_ENTRY_LISTED,
		.dir = dir->path,
		.dir_len = dir->path_len,
		.name = n->name,
		.name_len = n->len,
	};
	struct recallfs_entry *e;
	u16 flags;

	/* What the journal can hold: an inode number, and a file type or none. */
	if (n->ino && recallfs_listed_type_ok(n->d_type)) {
		rec.flags |= RECALLFS_ENTRY_TYPED;
		rec.attr.ino = n->ino;
		rec.attr.mode = (u32)n->d_type << 12;
	}

	rcu_read_lock();
	e = recallfs_entry_find(sbi, dir, n->name, n->len);
	flags = e ? READ_ONCE(e->flags) : 0;
	rcu_read_unlock();
	if (flags & RECALLFS_ENTRY_POSITIVE) {
		if (flags & RECALLFS_ENTRY_IN_LISTING)
			return 0;
		if (recallfs_entry_mark_listed(sbi, dir, n->name, n->len, learned) != -ENOENT)
			return 0;	/* marked, or refused as an add would be */
	} else if ((flags & RECALLFS_ENTRY_TYPED) ||
		   ((flags & RECALLFS_ENTRY_LISTED) && !(rec.flags & RECALLFS_ENTRY_TYPED))) {
		return 0;
	}
	return recallfs_entry_add(sbi, dir, &rec, learned);
}

/* The lower directory's change stamp as the lower filesystem has it now (forced). */
int recallfs_listing_stamp(struct dentry *dir_dentry, struct recallfs_stamp *stamp)
{
	struct dentry *lower = recallfs_lower_dentry(dir_dentry);
	struct kstat stat;
	int err;

	if (!lower)
		return -ESTALE;
	err = recallfs_lower_kstat(RECALLFS_SB(dir_dentry->d_sb), lower, &stat,
				   AT_STATX_FORCE_SYNC);
	if (!err)
		recallfs_stamp_from_kstat(stamp, &stat);
	return err;
}

/*
 * Record a complete listing of directory @dir_dentry: every listed name exists,
 * and any other name does not (while the directory's entries are trusted).
 * Only when the directory's stamp was @before when the listing started, is
 * still, and is the one its recorded entries were taken under; and only if
 * no invalidation ran since the listing was @learned.
 */
bool recallfs_record_listing(struct dentry *dir_dentry, const struct recallfs_listing *listing,
			     const struct recallfs_stamp *before,
			     const struct recallfs_learning *learned)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dir_dentry->d_sb);
	const struct recallfs_listed_name *n;
	struct recallfs_stamp after;
	struct recallfs_dir *dir;
	unsigned int losses;
	bool complete = false;
	size_t off;

	if (recallfs_listing_stamp(dir_dentry, &after) || !recallfs_stamp_equal(before, &after))
		return false;
	dir = recallfs_dir_to_record(sbi, dir_dentry, recallfs_lower_dentry(dir_dentry), learned);
	if (!dir)
		return false;
	if (!recallfs_stamp_equal(&dir->stamp, before)) {
		/*
		 * Its entries are of another state of the directory: not
		 * complete. Verify mode forgets them (as a stamp check would);
		 * immutable records stay until an admin invalidates.
		 */
		if (recallfs_mode(sbi) == RECALLFS_MODE_VERIFY)
			recallfs_dir_forget(sbi, dir);
		goto out;
	}
	/* What was evicted before is listed again now; an eviction from here on counts. */
	losses = recallfs_dir_begin_listing(dir);
	for (off = 0; off < listing->used; off += recallfs_listed_size(n->len)) {
		n = (const struct recallfs_listed_name *)(listing->buf + off);
		if (recallfs_record_listed(sbi, dir, n, learned))
			goto out;	/* a listing cut short is not complete */
		recallfs_journal_make_room(sbi);
	}
	complete = recallfs_dir_set_complete(sbi, dir, learned, losses);
out:
	recallfs_dir_put(dir);
	return complete;
}

/* @known with the answers of @learned it lacks: an answer kept stays. */
static u32 recallfs_xattr_merge(u32 known, u32 learned)
{
	unsigned int q;

	for (q = 0; q < RECALLFS_XATTR_QUESTIONS; q++)
		if (!recallfs_xattr_answer(known, q))
			known = recallfs_xattr_with(known, q, recallfs_xattr_answer(learned, q));
	return known;
}

/*
 * Add to the recorded positive entry of @dentry what was @learned from its
 * lower object @lower later: a symlink's target (@link), entry @flags, or
 * answers to extended-attribute questions (@xattr_absent; an answer kept
 * stays). Only to a record of @lower as it is now (recallfs_entry_records()):
 * the name's entry may be another object's since, or grant more than @lower.
 * Entries with a recorded target are left alone.
 */
static void recallfs_update_entry(struct dentry *dentry, struct inode *lower, const char *link,
				  u16 flags, u32 xattr_absent,
				  const struct recallfs_learning *learned)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct dentry *parent = dget_parent(dentry);
	u32 fh[RECALLFS_FH_MAX / 4];
	struct name_snapshot name;
	struct recallfs_record rec;
	struct recallfs_entry *e;
	struct recallfs_dir *dir;
	bool update = false;

	/* The name may move (a directory alias, by d_splice_alias()): a copy. */
	take_dentry_name_snapshot(&name, dentry);
	if (recallfs_mode(sbi) == RECALLFS_MODE_OFF || !d_inode(parent) || parent == dentry)
		goto out;
	dir = recallfs_dir_of(parent, NULL, NULL);
	if (IS_ERR_OR_NULL(dir))
		goto out;
	rcu_read_lock();
	e = recallfs_entry_find(sbi, dir, (const char *)name.name.name, name.name.len);
	if (e && recallfs_entry_records(e, lower) && !e->link_len &&
	    (link || (e->flags & flags) != flags ||
	     recallfs_xattr_merge(recallfs_entry_xattr_absent(e), xattr_absent) !=
	     recallfs_entry_xattr_absent(e))) {
		recallfs_entry_to_record(e, &rec);
		rec.xattr_absent = recallfs_xattr_merge(rec.xattr_absent, xattr_absent);
		/* @e may go once RCU is left: its handle, like its name, copied. */
		memcpy(fh, rec.fh, rec.fh_len);
		rec.fh = fh;
		update = true;
	}
	rcu_read_unlock();
	if (update) {
		rec.dir = dir->path;
		rec.name = (const char *)name.name.name;
		rec.name_len = name.name.len;
		rec.flags |= flags;
		rec.link = link;
		rec.link_len = link ? strlen(link) : 0;
		recallfs_entry_amend(sbi, dir, &rec, learned, lower);
	}
	recallfs_dir_put(dir);
out:
	release_dentry_name_snapshot(&name);
	dput(parent);
}

/* Remember a symlink's target, read from @lower, in the index. */
void recallfs_record_link(struct dentry *dentry, struct inode *lower, const char *link,
			  const struct recallfs_learning *learned)
{
	recallfs_update_entry(dentry, lower, link, 0, 0, learned);
}

/* Remember that @dentry's lower object @lower has no ACL beyond its mode bits. */
void recallfs_record_mode_only(struct dentry *dentry, struct inode *lower,
			       const struct recallfs_learning *learned)
{
	recallfs_update_entry(dentry, lower, NULL, RECALLFS_ENTRY_MODE_ONLY, 0, learned);
}

/* Remember that @dentry's lower object @lower answered xattr @question with @answer. */
void recallfs_record_xattr_absent(struct dentry *dentry, struct inode *lower,
				  unsigned int question, u32 answer,
				  const struct recallfs_learning *learned)
{
	recallfs_update_entry(dentry, lower, NULL, 0, recallfs_xattr_with(0, question, answer),
			      learned);
}

/*
 * What the index keeps of the answer of @dentry's lower object to xattr
 * @question (RECALLFS_XATTR_NODATA, _UNSUPPORTED; 0 if none), in immutable
 * mode: from the entry of its name, while that records this object.
 */
u32 recallfs_indexed_xattr(struct dentry *dentry, unsigned int question)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct inode *inode = d_inode(dentry);
	struct name_snapshot name;
	struct recallfs_entry *e;
	struct recallfs_dir *dir;
	struct dentry *parent;
	u32 answer = 0;

	if (recallfs_mode(sbi) != RECALLFS_MODE_IMMUTABLE || !inode || IS_ROOT(dentry))
		return 0;
	parent = dget_parent(dentry);
	take_dentry_name_snapshot(&name, dentry);
	rcu_read_lock();
	dir = d_inode(parent) ? READ_ONCE(RECALLFS_I(d_inode(parent))->dir) : NULL;
	e = dir && !READ_ONCE(dir->dead) ?
	    recallfs_entry_find(sbi, dir, (const char *)name.name.name, name.name.len) : NULL;
	if (e && (e->flags & RECALLFS_ENTRY_POSITIVE) &&
	    recallfs_entry_attr(e)->ino == RECALLFS_I(inode)->ino &&
	    !((recallfs_entry_attr(e)->mode ^ inode->i_mode) & S_IFMT))
		answer = recallfs_xattr_answer(recallfs_entry_xattr_absent(e), question);
	rcu_read_unlock();
	release_dentry_name_snapshot(&name);
	dput(parent);
	return answer;
}

/*
 * Record what the lower answered for @dentry in @dir (if any). An answer an
 * invalidation raced is not recorded. A missing name is then stale at its
 * next use: after the invalidation it must be asked again, and the lower
 * may keep trusting its own negative dentry, which this one pins. A found
 * one is left to the lower's revalidation, as any unrecorded answer.
 */
static void recallfs_note_lookup(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				 struct dentry *dentry, struct dentry *lower,
				 const struct recallfs_learning *learned)
{
	bool recorded = false;
	int err = 0;

	if (dir) {
		err = recallfs_record_lookup(sbi, dir, &dentry->d_name, lower, learned);
		recorded = !err;
		if (recorded)
			dentry->d_time = dir->gen;
	}
	if (!recorded && d_really_is_negative(lower) &&
	    (err == -ESTALE || !recallfs_learning_current(sbi, learned)))
		dentry->d_time = RECALLFS_DENTRY_RACED;
}

static struct dentry *recallfs_lookup_lower(struct recallfs_sb_info *sbi,
					    struct dentry *parent, struct dentry *dentry)
{
	struct dentry *lower_parent, *lower;
	struct recallfs_learning learning;
	struct recallfs_dir *dir = NULL;
	struct inode *inode = NULL;
	bool recording;

	lower_parent = recallfs_lower_bind(parent);
	if (IS_ERR(lower_parent))
		return ERR_CAST(lower_parent);
	/* Started, and the state to record into taken, before the lower answers. */
	recallfs_learning_start(sbi, &learning);
	recording = recallfs_mode(sbi) != RECALLFS_MODE_OFF;
	if (recording)
		dir = recallfs_dir_to_record(sbi, parent, lower_parent, &learning);
	lower = recallfs_lookup_one(lower_parent, &dentry->d_name);
	recallfs_count(sbi, RECALLFS_LOWER_LOOKUPS);
	if (IS_ERR(lower)) {
		inode = ERR_CAST(lower);
		goto out;
	}
	if (d_really_is_positive(lower)) {
		inode = recallfs_iget(dentry->d_sb, d_inode(lower));
		if (IS_ERR(inode)) {
			dput(lower);
			goto out;
		}
	}
	/* Set before the dentry is hashed; d_release drops the reference. */
	dentry->d_fsdata = lower;
	if (recording)
		recallfs_note_lookup(sbi, dir, dentry, lower, &learning);
out:
	recallfs_dir_put(dir);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	return d_splice_alias(inode, dentry);
}

static struct dentry *recallfs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct dentry *parent = dentry->d_parent;	/* stable: @dir is locked */
	struct dentry *res;

	recallfs_count(sbi, RECALLFS_LOOKUPS);
	dentry->d_time = 0;	/* not answered by the index, unless it answers now */
	if (recallfs_mode(sbi) != RECALLFS_MODE_OFF) {
		res = recallfs_lookup_indexed(sbi, parent, dentry);
		/* A directory a seed names: its listing first, then the index answers. */
		if (res == RECALLFS_NOT_INDEXED && recallfs_seed_listing(parent))
			res = recallfs_lookup_indexed(sbi, parent, dentry);
		if (res != RECALLFS_NOT_INDEXED)
			return res;
	}
	return recallfs_lookup_lower(sbi, parent, dentry);
}

/*
 * Compare two dentry names that may be renamed under us: both are read
 * through their current, NUL-terminated buffers (freed only after an RCU
 * grace period), so a concurrent rename gives a wrong answer, never an
 * overrun; a wrong "different" only costs a new lookup.
 */
static bool recallfs_same_name(const struct dentry *a, const struct dentry *b)
{
	const unsigned char *x = READ_ONCE(a->d_name.name);
	const unsigned char *y = READ_ONCE(b->d_name.name);

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x == *y;
}

/*
 * Does @dentry still describe what its lower dentry describes: the same name
 * in the same lower directory, with the same inode (or none)? A lower dentry
 * can be moved away while recallfs holds it, for instance when NFS unlinks
 * a busy file by renaming it to .nfsXXXX.
 */
static bool recallfs_matches_lower(struct dentry *dentry, struct dentry *lower)
{
	struct inode *inode = d_inode_rcu(dentry);
	struct inode *lower_inode = d_inode_rcu(lower);
	bool same;

	if (!inode || !lower_inode) {
		if (inode || lower_inode)
			return false;
	} else if (recallfs_lower_inode(inode) != lower_inode) {
		return false;
	}
	rcu_read_lock();
	same = READ_ONCE(lower->d_parent) ==
		recallfs_lower_dentry(READ_ONCE(dentry->d_parent)) &&
	       recallfs_same_name(dentry, lower);
	rcu_read_unlock();
	return same;
}

/*
 * A lower dentry that a file handle led to may be disconnected: it has no
 * name or parent to compare. Is @dentry's name in its parent's lower
 * directory still that object? A lookup, from the lower's cache where it can.
 */
static int recallfs_matches_lower_by_name(struct dentry *dentry, struct dentry *lower,
					  unsigned int flags)
{
	struct dentry *parent, *lower_parent, *found;
	struct name_snapshot name;
	int same = 0;

	if (flags & LOOKUP_RCU)
		return -ECHILD;
	parent = dget_parent(dentry);
	lower_parent = recallfs_lower_dentry(parent);
	take_dentry_name_snapshot(&name, dentry);
	found = lower_parent ? recallfs_lookup_one(lower_parent, &name.name) : NULL;
	if (IS_ERR(found)) {
		same = PTR_ERR(found);
	} else if (found) {
		same = d_inode(found) == d_inode(lower);
		dput(found);
	}
	release_dentry_name_snapshot(&name);
	dput(parent);
	return same;
}

/* A dentry from a lower lookup is valid while its lower dentry is. */
static int recallfs_revalidate_bound(struct dentry *dentry, struct dentry *lower,
				     unsigned int flags)
{
	int ret;

	/* A disconnected lower has no parent to revalidate its name in. */
	if ((lower->d_flags & DCACHE_OP_REVALIDATE) && !IS_ROOT(lower)) {
		ret = recallfs_revalidate_lower(lower, flags);
		if (ret <= 0)
			return ret;
	}
	if (d_really_is_positive(lower) && IS_ROOT(lower)) {
		ret = recallfs_matches_lower_by_name(dentry, lower, flags);
		if (ret <= 0)
			return ret;
	} else if (!recallfs_matches_lower(dentry, lower)) {
		return 0;
	}
	if (!(flags & LOOKUP_RCU) && d_really_is_positive(dentry))
		recallfs_copy_attr(d_inode(dentry));
	return 1;
}

/* Is @dentry still @name in @parent? (It may be moved: d_revalidate holds no lock.) */
static bool recallfs_dentry_is(struct dentry *dentry, struct dentry *parent,
			       const struct qstr *name)
{
	bool same;

	spin_lock(&dentry->d_lock);
	same = dentry->d_parent == parent && dentry->d_name.len == name->len &&
	       !memcmp(dentry->d_name.name, name->name, name->len);
	spin_unlock(&dentry->d_lock);
	return same;
}

/*
 * The state of @parent to record a relearned answer in, taken (as for a
 * lookup) before the lower is asked, or NULL; an ERR_PTR if @parent cannot
 * be bound.
 */
static struct recallfs_dir *recallfs_relearn_dir(struct recallfs_sb_info *sbi,
						 struct dentry *parent,
						 const struct recallfs_learning *learned)
{
	struct dentry *lower_parent = recallfs_lower_bind(parent);

	if (IS_ERR(lower_parent))
		return ERR_CAST(lower_parent);
	if (recallfs_mode(sbi) == RECALLFS_MODE_OFF)
		return NULL;
	return recallfs_dir_to_record(sbi, parent, lower_parent, learned);
}

/*
 * Found @dentry's answer stale, but is its lower object still the one it
 * stands for (bound now if it was not)? Then it is the lower's answer, and
 * is recorded again as a lookup's would be. It is invalid if the lower says
 * so: a mismatch when binding (-ESTALE), a lower directory gone (-ENOENT),
 * the lower's d_revalidate. Another error (a signal, an I/O error, EACCES of
 * the caller's search) fails the walk; the dentry keeps its stale answer
 * (and whatever binding was done). When valid, d_time is written once,
 * after the binding (see recallfs_d_revalidate()).
 */
static int recallfs_relearn(struct recallfs_sb_info *sbi, struct dentry *dentry,
			    unsigned int flags)
{
	struct recallfs_learning learning;
	struct name_snapshot name;
	struct dentry *parent, *lower;
	unsigned long time = 0;
	struct recallfs_dir *dir;
	int valid;

	recallfs_learning_start(sbi, &learning);
	parent = dget_parent(dentry);
	take_dentry_name_snapshot(&name, dentry);
	dir = recallfs_relearn_dir(sbi, parent, &learning);
	if (IS_ERR(dir)) {
		lower = ERR_CAST(dir);
		dir = NULL;
	} else {
		lower = recallfs_lower_bind(dentry);
	}
	valid = IS_ERR(lower) ? PTR_ERR(lower) : recallfs_revalidate_bound(dentry, lower, flags);
	if (valid == -ESTALE || valid == -ENOENT)
		valid = 0;
	if (valid > 0 && dir &&
	    !recallfs_record_lookup(sbi, dir, &name.name, lower, &learning)) {
		if (recallfs_dentry_is(dentry, parent, &name.name))
			time = dir->gen;
		else
			recallfs_dir_forget(sbi, dir);	/* moved meanwhile: what was recorded? */
	}
	if (valid > 0)	/* after the binding it relies on (pairs with the smp_rmb()) */
		smp_store_release(&dentry->d_time, time);
	recallfs_dir_put(dir);
	release_dentry_name_snapshot(&name);
	dput(parent);
	return valid;
}

/*
 * @dentry's answer is stale: it came from a state of its directory that is
 * gone (or is not trusted now), or raced an invalidation. A missing name is
 * looked up again, and the negative lower dentry it pins goes too (the lower
 * may keep trusting it: recallfs_prune_lower_dir() could not drop it while
 * pinned). A found one stays if its lower object is still the one it stands
 * for: a new lookup would find that object again, and a dentry in use (a
 * cwd, a mount point) must not be dropped for nothing, only to be brought
 * back by d_splice_alias() with its old answer, to fail again at each use.
 */
static int recallfs_revalidate_stale(struct recallfs_sb_info *sbi, struct dentry *dentry,
				     unsigned int flags)
{
	struct dentry *lower;

	if (flags & LOOKUP_RCU)
		return -ECHILD;
	if (d_really_is_negative(dentry)) {
		lower = recallfs_lower_dentry(dentry);
		if (lower && d_really_is_negative(lower))
			d_drop(lower);
		return 0;
	}
	return recallfs_relearn(sbi, dentry, flags);
}

/*
 * An indexed dentry found valid again: its entry is in use. Told once per
 * dentry; the name is read under d_lock (in RCU walk it may be moving).
 * Caller holds rcu_read_lock() and has checked that @dir answered @dentry.
 */
static void recallfs_note_dentry_use(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				     struct dentry *dentry, unsigned long gen)
{
	struct recallfs_entry *e;

	spin_lock(&dentry->d_lock);
	e = recallfs_entry_find(sbi, dir, (const char *)dentry->d_name.name, dentry->d_name.len);
	if (e)
		recallfs_entry_used(e);
	spin_unlock(&dentry->d_lock);
	cmpxchg(&dentry->d_time, gen, gen | RECALLFS_DENTRY_USED);
}

/*
 * An indexed dentry is valid while the index directory that answered it is
 * its parent's, alive and trusted: an answer of a forgotten state of the
 * directory is stale even when a new state was recorded since.
 */
static int recallfs_revalidate_indexed(struct recallfs_sb_info *sbi, struct dentry *dentry,
				       unsigned int flags)
{
	unsigned long gen = recallfs_dentry_gen(dentry);
	struct dentry *parent = READ_ONCE(dentry->d_parent);
	struct inode *dir_inode = d_inode_rcu(parent);
	struct recallfs_dir *dir;
	int valid;

	if (!dir_inode)
		return (flags & LOOKUP_RCU) ? -ECHILD : 0;
	rcu_read_lock();	/* ref-walk too: dir is freed after a grace period */
	dir = READ_ONCE(RECALLFS_I(dir_inode)->dir);
	if (!dir || READ_ONCE(dir->dead) || dir->gen != gen)
		valid = 0;
	else if (recallfs_mode(sbi) == RECALLFS_MODE_IMMUTABLE ||
		 time_before(jiffies, READ_ONCE(dir->verified_until)))
		valid = 1;
	else
		valid = -EAGAIN;	/* its stamp must be checked */
	if (valid == 1 && !(READ_ONCE(dentry->d_time) & RECALLFS_DENTRY_USED))
		recallfs_note_dentry_use(sbi, dir, dentry, gen);
	rcu_read_unlock();
	if (valid == -EAGAIN && !(flags & LOOKUP_RCU)) {
		parent = dget_parent(dentry);
		dir = recallfs_dir_of(parent, NULL, NULL);
		valid = !IS_ERR_OR_NULL(dir) && dir->gen == gen &&
			recallfs_dir_verify(sbi, dir, parent);
		if (!IS_ERR_OR_NULL(dir))
			recallfs_dir_put(dir);
		dput(parent);
	}
	if (valid == -EAGAIN)
		return -ECHILD;
	return valid ? valid : recallfs_revalidate_stale(sbi, dentry, flags);
}

/*
 * The lower filesystem dropped its dentry, or found that the name now exists
 * or no longer does (a change it saw, e.g. made through this NFS client):
 * known without asking it, and sooner than a change stamp, which cannot tell
 * two changes within one clock tick apart. A disconnected dentry, which a
 * file handle led to, was never hashed: that says nothing.
 */
static bool recallfs_lower_saw_change(struct dentry *dentry, struct dentry *lower)
{
	return (d_unhashed(lower) && !IS_ROOT(lower)) ||
	       d_really_is_negative(lower) != d_really_is_negative(dentry);
}

/*
 * @dentry is stale. In verify mode its directory's records are too: they
 * may hold the answer the lower filesystem just dropped, and the directory's
 * stamp may not show it. Immutable records stay until an admin invalidates.
 */
static int recallfs_lower_changed(struct recallfs_sb_info *sbi, struct dentry *dentry,
				  unsigned int flags)
{
	struct dentry *parent;

	if (recallfs_mode(sbi) != RECALLFS_MODE_VERIFY)
		return 0;
	if (flags & LOOKUP_RCU)
		return -ECHILD;
	parent = dget_parent(dentry);
	if (parent != dentry && d_inode(parent))
		recallfs_forget_dir_inode(sbi, d_inode(parent));
	dput(parent);
	return 0;
}

static int recallfs_d_revalidate(RECALLFS_D_REVALIDATE_PARAMS)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	unsigned long time = READ_ONCE(dentry->d_time);
	struct dentry *lower;

	/*
	 * d_time before d_fsdata: a d_time of 0 that recallfs_relearn() wrote
	 * (a store-release after binding) comes with a lower dentry.
	 */
	smp_rmb();
	lower = recallfs_lower_dentry(dentry);
	if (time == RECALLFS_DENTRY_RACED)
		return recallfs_revalidate_stale(sbi, dentry, flags);
	if (lower && recallfs_lower_saw_change(dentry, lower))
		return recallfs_lower_changed(sbi, dentry, flags);
	if (time & ~RECALLFS_DENTRY_FLAGS) {	/* indexed */
		/* An answer of an index that is now off: the lower's from now on. */
		if (recallfs_mode(sbi) == RECALLFS_MODE_OFF)
			return recallfs_revalidate_stale(sbi, dentry, flags);
		return recallfs_revalidate_indexed(sbi, dentry, flags);
	}
	if (!lower)	/* not expected (see above): ask again */
		return recallfs_revalidate_stale(sbi, dentry, flags);
	return recallfs_revalidate_bound(dentry, lower, flags);
}

static int recallfs_d_weak_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct dentry *lower = recallfs_lower_dentry(dentry);

	if (lower && (lower->d_flags & DCACHE_OP_WEAK_REVALIDATE))
		return lower->d_op->d_weak_revalidate(lower, flags);
	return 1;
}

static void recallfs_d_release(struct dentry *dentry)
{
	dput(dentry->d_fsdata);
}

/*
 * After an invalidation of @path (relative to the root, no empty component:
 * sysfs.c checks): drop the unused dentries below it, which hold answers
 * from the forgotten state and pin lower dentries. Only the dcache is walked
 * (no lookup, nothing created). Dentries elsewhere stay: one answered from a
 * forgotten state (a directory moved by d_splice_alias) fails d_revalidate
 * on its generation, and is dropped at its next use.
 */
void recallfs_prune_dcache(struct super_block *sb, const char *path, u32 len)
{
	struct dentry *cur = dget(sb->s_root);
	const char *end = path + len;

	while (cur && path < end) {
		const char *slash = memchr(path, '/', end - path);
		u32 n = slash ? slash - path : end - path;
		struct qstr name = QSTR_INIT(path, n);
		struct dentry *next;

		path = slash ? slash + 1 : end;
		/*
		 * recallfs has no d_hash, so the default hash salted by the
		 * parent (7.x headers no longer declare d_hash_and_lookup()).
		 */
		name.hash = full_name_hash(cur, name.name, name.len);
		next = d_lookup(cur, &name);
		dput(cur);
		cur = next;
	}
	if (cur)
		shrink_dcache_parent(cur);
	dput(cur);
}

const struct dentry_operations recallfs_dentry_ops = {
	.d_revalidate = recallfs_d_revalidate,
	.d_weak_revalidate = recallfs_d_weak_revalidate,
	.d_release = recallfs_d_release,
};

const struct inode_operations recallfs_dir_iops = {
	.lookup = recallfs_lookup,
	.permission = recallfs_permission,
	.getattr = recallfs_getattr,
	.setattr = recallfs_setattr,
	.listxattr = recallfs_listxattr,
	RECALLFS_GET_ACL_OP
};
