// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: binding a dentry answered from the index to its lower object.
 *
 * A dentry and inode made from a record have no lower object until something
 * needs one (open, readdir, readlink, xattrs, a permission question only the
 * lower inode can answer). Binding finds it, by the directory's recorded file
 * handle or by looking each unbound path component up, and then checks that
 * it is the object the record describes: same type and inode number. A record
 * that fails is forgotten (its directory is invalidated) and the caller gets
 * -ESTALE, which the VFS answers with a fresh lookup where it can. The same
 * object whose owner or mode changed since (the record would claim more than
 * the lower object grants) is bound with the lower's attributes, and the
 * records answered on the old ones are forgotten.
 */
#include <linux/exportfs.h>
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

/*
 * The lower dentry of @dentry, looked up now (with its unbound ancestors,
 * top down) if @dentry was answered from the index. Valid while @dentry is.
 */
struct dentry *recallfs_lower_bind(struct dentry *dentry)
{
	struct dentry *d, *parent;
	int err;

	while (!recallfs_lower_dentry(dentry)) {
		d = dget(dentry);
		for (;;) {
			parent = dget_parent(d);
			if (recallfs_lower_dentry(parent))
				break;
			dput(d);
			d = parent;
		}
		err = recallfs_bind_one(d, recallfs_lower_dentry(parent));
		dput(parent);
		dput(d);
		if (err)
			return ERR_PTR(err);
	}
	return recallfs_lower_dentry(dentry);
}

/*
 * The lower dentry of directory @dentry. When it is not bound yet, the file
 * handle recorded with the directory reaches it without a lookup per path
 * component: the lower filesystem's fh_to_dentry, which may return a
 * disconnected dentry (fine for lookups below it and for getattr), and on NFS
 * costs nothing when the inode is cached. A path lookup is the fallback, and
 * also what a handle that leads to another object gets.
 */
struct dentry *recallfs_bind_dir_by_handle(struct recallfs_dir *dir, struct dentry *dentry)
{
	struct super_block *lower_sb = RECALLFS_SB(dentry->d_sb)->lower_root.dentry->d_sb;
	const struct export_operations *eops = lower_sb->s_export_op;
	struct dentry *lower = recallfs_lower_dentry(dentry);

	if (lower || !dir->fh_len || !eops || !eops->fh_to_dentry)
		return recallfs_lower_bind(dentry);
	lower = eops->fh_to_dentry(lower_sb, (struct fid *)dir->fh, dir->fh_len / 4,
				   dir->fh_type);
	if (IS_ERR_OR_NULL(lower) || d_really_is_negative(lower) ||
	    !recallfs_same_object(d_inode(dentry), d_inode(lower))) {
		if (!IS_ERR_OR_NULL(lower))
			dput(lower);
		return recallfs_lower_bind(dentry);
	}
	return recallfs_set_lower(dentry, lower);
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

/* A forced getattr: the lower filesystem asks the server for the directory now. */
static void recallfs_refresh_one(const struct path *path)
{
	struct kstat stat;

	vfs_getattr(path, &stat, STATX_BASIC_STATS, AT_STATX_FORCE_SYNC);
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
