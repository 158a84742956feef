// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: name lookup in the lower directory and dentry revalidation.
 */
#include "internal.h"

/*
 * Look @dentry's name up in the lower directory and instantiate @dentry from
 * the result. A miss is a negative dentry holding the lower negative dentry,
 * so that revalidation can ask the lower filesystem whether it still holds.
 */
static struct dentry *recallfs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	struct dentry *lower_parent = recallfs_lower_dentry(dentry->d_parent);
	struct inode *inode = NULL;
	struct dentry *lower;

	lower = recallfs_lookup_one(lower_parent, &dentry->d_name);
	if (IS_ERR(lower))
		return ERR_CAST(lower);

	if (d_really_is_positive(lower)) {
		inode = recallfs_iget(dentry->d_sb, d_inode(lower));
		if (IS_ERR(inode)) {
			dput(lower);
			return ERR_CAST(inode);
		}
	}
	/* Set before the dentry is hashed; d_release drops the reference. */
	dentry->d_fsdata = lower;
	return d_splice_alias(inode, dentry);
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
 * A recallfs dentry is valid while its lower dentry is: the lower filesystem
 * (NFS) decides, with its own attribute and change-stamp rules.
 */
static int recallfs_d_revalidate(RECALLFS_D_REVALIDATE_PARAMS)
{
	struct dentry *lower = recallfs_lower_dentry(dentry);
	int ret;

	if (d_unhashed(lower))
		return 0;
	if (lower->d_flags & DCACHE_OP_REVALIDATE) {
		ret = recallfs_revalidate_lower(lower, flags);
		if (ret <= 0)
			return ret;
	}
	if (!recallfs_matches_lower(dentry, lower))
		return 0;
	if (!(flags & LOOKUP_RCU) && d_really_is_positive(dentry))
		recallfs_copy_attr(d_inode(dentry));
	return 1;
}

static int recallfs_d_weak_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct dentry *lower = recallfs_lower_dentry(dentry);

	if (lower->d_flags & DCACHE_OP_WEAK_REVALIDATE)
		return lower->d_op->d_weak_revalidate(lower, flags);
	return 1;
}

static void recallfs_d_release(struct dentry *dentry)
{
	dput(dentry->d_fsdata);
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
};
