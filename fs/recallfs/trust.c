// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: the one question of trust. May an answer (a permission, a
 * recorded name, attributes, data through a shared lower object) go to the
 * caller without asking the lower filesystem?
 *
 * Only where the server's answer cannot depend on who asks: the mode bits
 * grant the access to owner, group and others alike, and the object carries
 * no ACL that could take it from someone. A server may map identities as it
 * likes (root_squash, Kerberos principals), so a refusal is never answered
 * from memory, and neither is anything the mode grants to some users only:
 * those questions go to the lower inode with the caller's credentials.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "internal.h"

/* The permission bits of @mask (read, write, execute/search) for all three classes. */
static umode_t recallfs_mask_bits_all(int mask)
{
	umode_t bits = 0;

	if (mask & MAY_READ)
		bits |= 0444;
	if (mask & (MAY_WRITE | MAY_APPEND))
		bits |= 0222;
	if (mask & MAY_EXEC)
		bits |= 0111;
	return bits;
}

static bool recallfs_mode_grants_all(umode_t mode, int mask)
{
	umode_t bits = recallfs_mask_bits_all(mask);

	return (mode & bits) == bits;
}

/* A POSIX ACL that says more than the mode bits do. */
static bool recallfs_posix_acl_beyond_mode(struct dentry *lower)
{
	struct posix_acl *acl = recallfs_get_inode_acl(d_inode(lower), ACL_TYPE_ACCESS);
	bool beyond;

	if (!acl)
		return false;
	if (IS_ERR(acl))
		return PTR_ERR(acl) != -EOPNOTSUPP && PTR_ERR(acl) != -ENODATA;
	beyond = posix_acl_equiv_mode(acl, NULL) != 0;
	posix_acl_release(acl);
	return beyond;
}

/* Who an NFSv4 ACE names when it names a class rather than someone. */
static bool recallfs_nfs4_who_is_class(const u8 *who, u32 len)
{
	static const char *const classes[] = { "OWNER@", "GROUP@", "EVERYONE@" };
	int i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (len == strlen(classes[i]) && !memcmp(who, classes[i], len))
			return true;
	return false;
}

#define RECALLFS_NFS4_ACE_ALLOW		0	/* ACE4_ACCESS_ALLOWED_ACE_TYPE */
#define RECALLFS_NFS4_ACE_INHERIT_ONLY	0x8	/* ACE4_INHERIT_ONLY_ACE */

/*
 * An NFSv4 ACL (system.nfs4_acl, XDR: a count, then per ACE type, flags,
 * access mask, who) says more than the mode when an ACE that applies to the
 * object names a user or a group, or denies (a server with ACLs of its own,
 * not built from the mode, may deny everyone what the mode grants). A server
 * sends an ACL for every object (knfsd builds one of allow entries for
 * OWNER@, GROUP@ and EVERYONE@ from a mode that grants all classes alike),
 * so only those count. Anything that does not parse counts as an ACL.
 */
static bool recallfs_nfs4_acl_beyond(const u8 *buf, size_t len)
{
	size_t off = 4;
	u32 n, type, flags, who_len;

	if (len < 4)
		return true;
	for (n = be32_to_cpu(*(const __be32 *)buf); n; n--) {
		if (len - off < 16)
			return true;
		type = be32_to_cpu(*(const __be32 *)(buf + off));
		flags = be32_to_cpu(*(const __be32 *)(buf + off + 4));
		who_len = be32_to_cpu(*(const __be32 *)(buf + off + 12));
		off += 16;
		if (who_len > len - off)
			return true;
		if (!(flags & RECALLFS_NFS4_ACE_INHERIT_ONLY) &&
		    (type != RECALLFS_NFS4_ACE_ALLOW ||
		     !recallfs_nfs4_who_is_class(buf + off, who_len)))
			return true;
		off += ALIGN(who_len, 4);
		if (off > len)
			return true;
	}
	return false;
}

#define RECALLFS_NFS4_ACL_XATTR	"system.nfs4_acl"
#define RECALLFS_NFS4_ACL_MAX	(64 << 10)

static bool recallfs_nfs4_acl_beyond_mode(struct dentry *lower)
{
	ssize_t len;
	bool beyond;
	u8 *buf;

	len = vfs_getxattr(RECALLFS_NOP_IDMAP lower, RECALLFS_NFS4_ACL_XATTR, NULL, 0);
	if (len == -EOPNOTSUPP || len == -ENODATA)
		return false;
	if (len <= 0 || len > RECALLFS_NFS4_ACL_MAX)
		return true;
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return true;
	len = vfs_getxattr(RECALLFS_NOP_IDMAP lower, RECALLFS_NFS4_ACL_XATTR, buf, len);
	beyond = len <= 0 || recallfs_nfs4_acl_beyond(buf, len);
	kfree(buf);
	return beyond;
}

/*
 * Can access to lower object @lower depend on the caller beyond its mode
 * bits? True when it has an ACL with named users or groups (POSIX, or NFSv4
 * as an NFS server sends it), and when that cannot be told.
 */
static bool recallfs_lower_acl_beyond_mode(struct dentry *lower)
{
	return recallfs_posix_acl_beyond_mode(lower) || recallfs_nfs4_acl_beyond_mode(lower);
}

/*
 * May the entries of lower directory @lower_dir be recorded, and answered to
 * anyone? Only when everyone may search it and no ACL says otherwise.
 */
bool recallfs_dir_cacheable(struct dentry *lower_dir, const struct kstat *stat)
{
	return recallfs_mode_grants_all(stat->mode, MAY_EXEC) &&
	       !recallfs_lower_acl_beyond_mode(lower_dir);
}

/*
 * A search of a directory whose entries the index holds: recorded only when
 * everyone may search it and no ACL says otherwise.
 */
static bool recallfs_indexed_search(struct inode *inode, int mask)
{
	struct recallfs_dir *dir;
	bool live;

	if (!S_ISDIR(inode->i_mode) || (mask & ~(MAY_EXEC | MAY_NOT_BLOCK)) ||
	    !recallfs_mode_grants_all(inode->i_mode, MAY_EXEC))
		return false;
	rcu_read_lock();
	dir = READ_ONCE(RECALLFS_I(inode)->dir);
	live = dir && !READ_ONCE(dir->dead);
	rcu_read_unlock();
	return live;
}

/*
 * Find out, once, whether @inode's lower object has an ACL beyond its mode
 * and keep the answer, in the inode and in the index for the next mount.
 */
static bool recallfs_learn_mode_only(struct inode *inode)
{
	struct recallfs_inode *ri = RECALLFS_I(inode);
	struct recallfs_learning learning;
	struct dentry *alias, *lower;
	bool mode_only = false;

	alias = d_find_alias(inode);
	if (!alias)
		return false;
	recallfs_learning_start(RECALLFS_SB(inode->i_sb), &learning);
	lower = recallfs_lower_bind(alias);
	if (!IS_ERR(lower) && d_really_is_positive(lower)) {
		mode_only = !recallfs_lower_acl_beyond_mode(lower);
		WRITE_ONCE(ri->acl_state, mode_only ? RECALLFS_ACL_NONE : RECALLFS_ACL_BEYOND_MODE);
		if (mode_only)
			recallfs_record_mode_only(alias, d_inode(lower), &learning);
	}
	dput(alias);
	return mode_only;
}

/*
 * Do @inode's mode and (if bound) its lower inode's both grant @mask to
 * everyone? The lower's is the newer when binding found the record outdated.
 */
static bool recallfs_modes_grant_all(struct inode *inode, int mask)
{
	struct inode *lower = recallfs_lower_inode(inode);

	return recallfs_mode_grants_all(inode->i_mode, mask) &&
	       (!lower || recallfs_mode_grants_all(lower->i_mode, mask));
}

/*
 * May the data of @inode go to anyone who opens it through one lower file
 * that the mounter opened? Only for a regular file that everyone may read
 * on the server's terms as the index has them, in immutable mode: then no
 * open's answer can depend on who opens it.
 */
bool recallfs_trust_shared_data(struct inode *inode)
{
	return S_ISREG(inode->i_mode) &&
	       recallfs_mode(RECALLFS_SB(inode->i_sb)) == RECALLFS_MODE_IMMUTABLE &&
	       recallfs_trust_permission(inode, MAY_READ) == 0;
}

/*
 * May permission @mask on @inode be answered here, for whoever asks?
 * 0: yes; -EAGAIN: ask the lower inode; -ECHILD: not without sleeping.
 * Verify mode answers only the search of a recorded directory (its stamp is
 * checked on lookup): the lower mount's own caching rules the rest. Immutable
 * mode also answers what the mode grants to everyone, once the object is
 * known to carry no ACL beyond its mode.
 */
int recallfs_trust_permission(struct inode *inode, int mask)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(inode->i_sb);
	enum recallfs_mode mode = recallfs_mode(sbi);

	if (mode == RECALLFS_MODE_OFF)
		return -EAGAIN;
	if (recallfs_indexed_search(inode, mask))
		return 0;
	if (mode != RECALLFS_MODE_IMMUTABLE || !recallfs_modes_grant_all(inode, mask))
		return -EAGAIN;
	switch (READ_ONCE(RECALLFS_I(inode)->acl_state)) {
	case RECALLFS_ACL_NONE:
		return 0;
	case RECALLFS_ACL_BEYOND_MODE:
		return -EAGAIN;
	}
	/* A recorded directory was checked for ACLs when it was recorded. */
	if (recallfs_indexed_search(inode, MAY_EXEC))
		return 0;
	if (mask & MAY_NOT_BLOCK)
		return -ECHILD;
	/* Learning binds: the modes are asked again, the lower's among them. */
	return recallfs_learn_mode_only(inode) && recallfs_modes_grant_all(inode, mask) ?
	       0 : -EAGAIN;
}
