// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: binding a dentry answered from the index to its lower object.
 *
 * A dentry and inode made from a record have no lower object until something
 * needs one (open, readdir, readlink, xattrs, a permission question only the
 * lower inode can answer). Binding finds it by the object's recorded file
 * handle (no lookup at all; on NFS at most a GETATTR when the inode is not
 * cached) or, where there is none, by looking each unbound path component
 * up, and then checks that it is the object the record describes: same type
 * and inode number. A record
 * that fails is forgotten (its directory is invalidated) and the caller gets
 * -ESTALE, which the VFS answers with a fresh lookup where it can. The same
 * object whose owner or mode changed since (the record would claim more than
 * the lower object grants) is bound with the lower's attributes, and the
 * records answered on the old ones are forgotten.
 */
#include <linux/exportfs.h>
#include <linux/ktime.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* Same type, inode number and (if @inode is bound already) lower inode. */
static bool recallfs_same_identity(struct inode *inode, struct inode *lower)
{
	struct recallfs_inode *ri = RECALLFS_I(inode);
	struct inode *bound = recallfs_lower_inode(inode);

	if ((inode->i_mode ^ lower->i_mode) & S_IFMT)
		return false;
	return ri->ino == lower->i_ino && (!bound || bound == lower);
}

/*
 * An inode made from the index must have the lower object's owner and group
 * and claim no permission bit it lacks: a record never grants more than the
 * lower object.
 */
static bool recallfs_record_holds(struct inode *inode, struct inode *lower)
{
	struct recallfs_inode *ri = RECALLFS_I(inode);
	const struct recallfs_attr *attr = &ri->cached_attr;

	if (!READ_ONCE(ri->has_cached_attr))
		return true;
	return !(attr->mode & 07777 & ~lower->i_mode) &&
	       uid_eq(make_kuid(&init_user_ns, attr->uid), lower->i_uid) &&
	       gid_eq(make_kgid(&init_user_ns, attr->gid), lower->i_gid);
}

/* Is @lower the object recallfs inode @inode stands for, as its record says? */
bool recallfs_same_object(struct inode *inode, struct inode *lower)
{
	return recallfs_same_identity(inode, lower) && recallfs_record_holds(inode, lower);
}

/* Forget the index directory of directory inode @dir_inode, if it has one. */
void recallfs_forget_dir_inode(struct recallfs_sb_info *sbi, struct inode *dir_inode)
{
	struct recallfs_dir *dir;

	rcu_read_lock();
	dir = READ_ONCE(RECALLFS_I(dir_inode)->dir);
	if (dir && !refcount_inc_not_zero(&dir->ref))
		dir = NULL;
	rcu_read_unlock();
	if (!dir)
		return;
	if (!READ_ONCE(dir->dead))
		recallfs_dir_forget(sbi, dir);
	recallfs_dir_put(dir);
}

/*
 * The record behind @dentry does not describe the lower tree any more: forget
 * the directory that holds it (and, for a directory, its own entries), so the
 * next lookup asks the lower filesystem.
 */
static int recallfs_record_stale(struct dentry *dentry, struct dentry *parent)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);

	pr_info_ratelimited("%s: record of \"%pd\" does not match the lower object; forgetting its directory\n",
			    sbi->name, dentry);
	if (d_inode(parent))
		recallfs_forget_dir_inode(sbi, d_inode(parent));
	if (d_really_is_positive(dentry) && d_is_dir(dentry))
		recallfs_forget_dir_inode(sbi, d_inode(dentry));
	return -ESTALE;
}

/*
 * @dentry is bound to the object its record names, but the server changed
 * that object's owner or permissions since: the lower's attributes from now
 * on, and the records that were answered on the old ones are forgotten.
 */
static void recallfs_record_outdated(struct dentry *dentry, struct dentry *parent)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct inode *inode = d_inode(dentry);

	pr_info_ratelimited("%s: owner or mode of \"%pd\" changed on the lower filesystem; forgetting its directory\n",
			    sbi->name, dentry);
	WRITE_ONCE(RECALLFS_I(inode)->has_cached_attr, false);
	/* What was found about its ACL was found on the old attributes. */
	WRITE_ONCE(RECALLFS_I(inode)->acl_state, RECALLFS_ACL_UNKNOWN);
	recallfs_copy_attr(inode);
	if (d_inode(parent))
		recallfs_forget_dir_inode(sbi, d_inode(parent));
	if (d_is_dir(dentry))
		recallfs_forget_dir_inode(sbi, inode);
}

/*
 * Encode @lower's file handle into @rec (fh, fh_len, fh_type), stored in
 * @buf (RECALLFS_FH_MAX bytes); nothing if the lower filesystem has none.
 */
void recallfs_encode_handle(struct dentry *lower, struct recallfs_record *rec, u32 *buf)
{
	int words = RECALLFS_FH_MAX / 4;
	int type;

	if (!lower->d_sb->s_export_op || !lower->d_sb->s_export_op->fh_to_dentry)
		return;
	type = exportfs_encode_fh(lower, (struct fid *)buf, &words, 0);
	if (type <= 0 || type == FILEID_INVALID || words > RECALLFS_FH_MAX / 4)
		return;
	rec->fh_type = type;
	rec->fh_len = words * 4;
	rec->fh = buf;
}

/* The inode numbered @ino in @sb's inode cache, or NULL: to compare, not to use. */
static const struct inode *recallfs_cached_inode(struct super_block *sb, unsigned long ino)
{
	const struct inode *found;

	rcu_read_lock();
	found = find_inode_by_ino_rcu(sb, ino);
	rcu_read_unlock();
	return found;
}

/*
 * The positive lower dentry that file handle @bytes (@len bytes, 4-byte
 * aligned) of @type leads to, or an ERR_PTR. The lower's fh_to_dentry, not
 * exportfs_decode_fh(): that would reconnect a directory to the lower tree,
 * a lookup of ".." per level on NFS. A disconnected dentry serves open,
 * readdir, getattr and lookups below it. The lower filesystem checks the
 * handle as it checks one from an NFS client; the caller checks the object.
 *
 * *@fetched is when the decode began if its inode, numbered @ino, was not
 * in the lower's inode cache before it and is there (under that number)
 * after it: the lower filesystem made the inode from an answer it got since
 * (NFS: the decode's own GETATTR), so its attributes are that fresh. Else 0.
 * The second look tells whether the lower hashes its inodes by number at
 * all; where it does not, the first one proves nothing. The first look
 * must see unused inodes too (on the LRU, with old attributes): it does,
 * 5.10 to 7.x skip only inodes being freed. Another task's lookup may make
 * the inode between the looks, from an answer as old as its RPC: verify
 * mode takes that, within its interval; exec's credentials do not.
 */
static struct dentry *recallfs_decode_handle(struct recallfs_sb_info *sbi, u32 type, u32 len,
					     const void *bytes, u64 ino, u64 *fetched)
{
	struct super_block *lower_sb = sbi->lower_root.dentry->d_sb;
	const struct export_operations *eops = lower_sb->s_export_op;
	u64 asked = ktime_get_ns();
	struct dentry *lower;
	bool was_cached;

	*fetched = 0;
	if (!eops || !eops->fh_to_dentry || !len || len % 4)
		return ERR_PTR(-EOPNOTSUPP);
	was_cached = recallfs_cached_inode(lower_sb, ino) != NULL;
	lower = eops->fh_to_dentry(lower_sb, (struct fid *)bytes, len / 4, type);
	if (!lower)
		return ERR_PTR(-ESTALE);
	if (IS_ERR(lower))
		return lower;
	if (d_really_is_negative(lower)) {
		dput(lower);
		return ERR_PTR(-ESTALE);
	}
	if (!was_cached && d_inode(lower)->i_ino == ino &&
	    recallfs_cached_inode(lower_sb, ino) == d_inode(lower))
		*fetched = asked;
	return lower;
}

/* Publish @lower as @dentry's lower dentry (consumes the reference). */
static struct dentry *recallfs_set_lower(struct dentry *dentry, struct dentry *lower)
{
	if (cmpxchg(&dentry->d_fsdata, NULL, lower))
		dput(lower);
	lower = recallfs_lower_dentry(dentry);
	if (d_really_is_positive(dentry))
		recallfs_inode_bind(d_inode(dentry), d_inode(lower));
	return lower;
}

/* Bind @dentry, whose parent is bound to @lower_parent, to its lower dentry. */
static int recallfs_bind_one(struct dentry *dentry, struct dentry *lower_parent)
{
	struct dentry *parent = dentry->d_parent;	/* pinned by the caller */
	struct name_snapshot name;
	struct dentry *lower;
	bool outdated;

	take_dentry_name_snapshot(&name, dentry);
	lower = recallfs_lookup_one(lower_parent, &name.name);
	release_dentry_name_snapshot(&name);
	recallfs_count(RECALLFS_SB(dentry->d_sb), RECALLFS_LOWER_LOOKUPS);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	/* The index said this name exists (or not): the lower tree disagrees. */
	if (d_really_is_negative(lower) != d_really_is_negative(dentry) ||
	    (d_really_is_positive(dentry) &&
	     !recallfs_same_identity(d_inode(dentry), d_inode(lower)))) {
		dput(lower);
		return recallfs_record_stale(dentry, parent);
	}
	outdated = d_really_is_positive(dentry) &&
		   !recallfs_record_holds(d_inode(dentry), d_inode(lower));
	recallfs_set_lower(dentry, lower);
	if (outdated)
		recallfs_record_outdated(dentry, parent);
	return 0;
}

/* A forced getattr: the lower filesystem asks the server for the object now. */
static int recallfs_refresh_one(const struct path *path)
{
	struct kstat stat;

	return vfs_getattr(path, &stat, STATX_BASIC_STATS, AT_STATX_FORCE_SYNC);
}

/*
 * Bind @dentry to lower object @lower, which a file handle led to, if it is
 * the object @dentry's record names (consumes the reference); -ESTALE if not.
 * A handle reaches the lower inode without the revalidation a lookup brings:
 * for a setuid or setgid file, whose owner and mode make exec's credentials,
 * the lower is asked for them first, even after a decode that made the
 * inode: another task's answer may have made it instead, however old.
 * @fetched is as recallfs_decode_handle() sets it.
 */
static int recallfs_bind_found(struct dentry *dentry, struct dentry *lower, u64 fetched)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct path lower_path = { .mnt = sbi->lower_root.mnt, .dentry = lower };
	struct inode *inode = d_inode(dentry);
	struct dentry *parent;
	bool outdated;
	int err;

	if (S_ISREG(inode->i_mode) &&
	    ((inode->i_mode | d_inode(lower)->i_mode) & (S_ISUID | S_ISGID))) {
		err = recallfs_refresh_one(&lower_path);
		if (err) {	/* the cached owner and mode may be stale: not on them */
			dput(lower);
			return err;
		}
	}
	if (!recallfs_same_identity(inode, d_inode(lower))) {
		dput(lower);
		return -ESTALE;
	}
	outdated = !recallfs_record_holds(inode, d_inode(lower));
	/* Only the binding that won says how fresh the bound inode is. */
	if (recallfs_set_lower(dentry, dget(lower)) == lower && fetched)
		WRITE_ONCE(RECALLFS_I(inode)->lower_fetched, fetched);
	dput(lower);
	recallfs_count(RECALLFS_SB(dentry->d_sb), RECALLFS_HANDLE_BINDS);
	if (outdated) {
		parent = dget_parent(dentry);
		recallfs_record_outdated(dentry, parent);
		dput(parent);
	}
	return 0;
}

/*
 * Bind @dentry through the file handle recorded with its inode. An error
 * (no handle, or one that does not lead to the recorded object: then it is
 * not tried again) leaves the binding to a path lookup, which also decides
 * whether the record is stale.
 */
static int recallfs_bind_by_handle(struct dentry *dentry)
{
	struct recallfs_inode *ri;
	struct recallfs_handle *h;
	struct dentry *lower;
	u64 fetched;
	int err;

	if (recallfs_lower_dentry(dentry))
		return 0;
	if (d_really_is_negative(dentry))
		return -ENODATA;
	ri = RECALLFS_I(d_inode(dentry));
	h = READ_ONCE(ri->handle);
	if (!h || READ_ONCE(ri->handle_failed))
		return -ENODATA;
	lower = recallfs_decode_handle(RECALLFS_SB(dentry->d_sb), h->type, h->len, h->bytes,
				       ri->ino, &fetched);
	err = IS_ERR(lower) ? PTR_ERR(lower) : recallfs_bind_found(dentry, lower, fetched);
	/*
	 * Only "no such object", "not a handle" and "no handles here" say
	 * something about the handle; a signal, a timeout, an I/O error or a
	 * refusal of this caller's credentials does not, and the next caller
	 * tries it again.
	 */
	if (err == -ESTALE || err == -EBADHANDLE || err == -EINVAL || err == -EOPNOTSUPP)
		WRITE_ONCE(ri->handle_failed, true);
	return err;
}

/* recallfs_bind_step(): @d cannot be bound before its parent is. */
#define RECALLFS_BIND_PARENT_FIRST	1

/* Bind unbound @d: by its handle, else under its parent if that is bound. */
static int recallfs_bind_step(struct dentry *d)
{
	struct dentry *parent;
	int err;

	if (!recallfs_bind_by_handle(d))
		return 0;
	parent = dget_parent(d);
	err = recallfs_lower_dentry(parent) ?
	      recallfs_bind_one(d, recallfs_lower_dentry(parent)) : RECALLFS_BIND_PARENT_FIRST;
	dput(parent);
	return err;
}

/*
 * The lower dentry of @dentry, found now if @dentry was answered from the
 * index: through its file handle, else by a lookup under its parent (bound
 * the same way first). Valid while @dentry is.
 */
struct dentry *recallfs_lower_bind(struct dentry *dentry)
{
	struct dentry *d, *parent;
	int err;

	while (!recallfs_lower_dentry(dentry)) {
		d = dget(dentry);
		/* Up to the nearest dentry that can be bound now; then down again. */
		while ((err = recallfs_bind_step(d)) == RECALLFS_BIND_PARENT_FIRST) {
			parent = dget_parent(d);
			dput(d);
			d = parent;
		}
		dput(d);
		if (err)
			return ERR_PTR(err);
	}
	return recallfs_lower_dentry(dentry);
}

/*
 * The lower dentry of directory @dentry, whose index directory is @dir. An
 * inode made from an entry without a handle (a journal of older code) may
 * still be reached by the handle of @dir's own DIR record; a path lookup is
 * the fallback, and also what a handle that leads to another object gets.
 */
struct dentry *recallfs_bind_dir_by_handle(struct recallfs_dir *dir, struct dentry *dentry)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(dentry->d_sb);
	struct recallfs_inode *ri = RECALLFS_I(d_inode(dentry));
	struct dentry *lower;
	u64 fetched;

	if (!recallfs_lower_dentry(dentry) && !READ_ONCE(ri->handle) && dir->fh_len) {
		lower = recallfs_decode_handle(sbi, dir->fh_type, dir->fh_len, dir->fh, ri->ino,
					       &fetched);
		if (!IS_ERR(lower))
			recallfs_bind_found(dentry, lower, fetched);
	}
	return recallfs_lower_bind(dentry);
}

/*
 * The lower inode of @inode, binding one of its dentries if needed (a
 * permission question the index must not answer). NULL in RCU walk, where
 * binding may not sleep; an ERR_PTR if binding failed.
 */
struct inode *recallfs_bind_inode(struct inode *inode, bool may_block)
{
	struct inode *lower = recallfs_lower_inode(inode);
	struct dentry *alias, *lower_dentry;

	if (lower || !may_block)
		return lower;
	alias = d_find_alias(inode);
	if (!alias)
		return ERR_PTR(-ESTALE);
	lower_dentry = recallfs_lower_bind(alias);
	dput(alias);
	if (IS_ERR(lower_dentry))
		return ERR_CAST(lower_dentry);
	lower = recallfs_lower_inode(inode);
	return lower ? lower : ERR_PTR(-ESTALE);
}

/* All lower objects live on the mount of lowerdir: recallfs does not cross mounts. */
int recallfs_lower_path(struct dentry *dentry, struct path *path)
{
	struct dentry *lower = recallfs_lower_bind(dentry);

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	path->mnt = RECALLFS_SB(dentry->d_sb)->lower_root.mnt;
	path->dentry = lower;
	return 0;
}

/* Walk @path on the lower, refreshing as recallfs_refresh_lower_dir() says; its last dentry. */
static struct dentry *recallfs_refresh_walk(struct recallfs_sb_info *sbi, const char *path,
					    u32 len, bool ancestors)
{
	struct path cur = sbi->lower_root;
	struct dentry *next;
	char *buf, *rest, *name;

	buf = kmemdup_nul(path, len, GFP_KERNEL);
	dget(cur.dentry);
	if (ancestors || !len)
		recallfs_refresh_one(&cur);
	for (rest = buf; buf && (name = strsep(&rest, "/")) != NULL;) {
		struct qstr q = QSTR_INIT(name, strlen(name));

		if (!q.len)
			continue;
		next = recallfs_lookup_one(cur.dentry, &q);
		if (IS_ERR(next))
			break;
		dput(cur.dentry);
		cur.dentry = next;
		if (!d_is_dir(next))
			break;
		if (ancestors || !rest)
			recallfs_refresh_one(&cur);
	}
	kfree(buf);
	return cur.dentry;
}

/*
 * Before an invalidation of @path (relative to the mount root) takes
 * effect: make the lower filesystem ask the server again about it (and,
 * with @ancestors, each directory above it), with the caller's credentials,
 * so that the next lookup below sees what the server has now, whatever the
 * lower mount's attribute-cache options.
 */
void recallfs_refresh_lower_dir(struct recallfs_sb_info *sbi, const char *path, u32 len,
				bool ancestors)
{
	struct dentry *dir = recallfs_refresh_walk(sbi, path, len, ancestors);

	dput(dir);
}

/*
 * After an invalidation took effect and recallfs dropped its dentries (which
 * pin lower ones): drop the lower filesystem's unused dentries below @path
 * too. A forced getattr is not always enough for NFS to distrust a cached
 * negative dentry (seen with NFSv4.2 on 7.x); a dentry that is gone is looked
 * up again.
 */
void recallfs_prune_lower_dir(struct recallfs_sb_info *sbi, const char *path, u32 len)
{
	struct dentry *dir = recallfs_refresh_walk(sbi, path, len, false);

	if (dir && d_is_dir(dir))
		shrink_dcache_parent(dir);
	dput(dir);
}
