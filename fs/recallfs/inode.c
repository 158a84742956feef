// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: inodes. One recallfs inode stands for one lower inode and
 * mirrors its attributes; permission and getattr ask the lower inode.
 */
#include <linux/slab.h>
#include <linux/namei.h>

#include "internal.h"

static struct kmem_cache *recallfs_inode_cachep;

struct inode *recallfs_alloc_inode(struct super_block *sb)
{
	struct recallfs_inode *ri;

	ri = kmem_cache_alloc(recallfs_inode_cachep, GFP_KERNEL);
	if (!ri)
		return NULL;
	ri->lower = NULL;
	ri->dir = NULL;
	ri->handle = NULL;
	ri->handle_failed = false;
	ri->lower_fetched = 0;
	ri->shared = NULL;
	ri->has_cached_attr = false;
	ri->uncacheable = false;
	ri->seed_gen = 0;
	ri->acl_state = RECALLFS_ACL_UNKNOWN;
	return &ri->vfs_inode;
}

void recallfs_free_inode(struct inode *inode)
{
	/* A symlink target from the index, owned by the inode. */
	if (S_ISLNK(inode->i_mode))
		kfree(inode->i_link);
	kfree(RECALLFS_I(inode)->handle);
	kmem_cache_free(recallfs_inode_cachep, RECALLFS_I(inode));
}

/*
 * The lower pointer is left in place: RCU path walk may still read it, and
 * the lower inode itself is freed only after an RCU grace period.
 */
void recallfs_evict_inode(struct inode *inode)
{
	struct inode *lower = recallfs_lower_inode(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (S_ISREG(inode->i_mode))
		recallfs_put_shared(inode);
	recallfs_dir_put(RECALLFS_I(inode)->dir);
	if (lower)
		iput(lower);
}

/* Remember the index directory of a directory inode (takes a reference). */
void recallfs_inode_set_dir(struct inode *inode, struct recallfs_dir *dir)
{
	refcount_inc(&dir->ref);
	recallfs_dir_put(xchg(&RECALLFS_I(inode)->dir, dir));
}

static void recallfs_inode_init_once(void *obj)
{
	struct recallfs_inode *ri = obj;

	inode_init_once(&ri->vfs_inode);
}

int recallfs_inode_cache_init(void)
{
	recallfs_inode_cachep = kmem_cache_create("recallfs_inode",
						  sizeof(struct recallfs_inode), 0,
						  SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
						  recallfs_inode_init_once);
	return recallfs_inode_cachep ? 0 : -ENOMEM;
}

void recallfs_inode_cache_destroy(void)
{
	/* Inodes are freed after an RCU grace period: wait for them. */
	rcu_barrier();
	kmem_cache_destroy(recallfs_inode_cachep);
}

/*
 * setuid and setgid count only where the lower mount honours them: exec
 * through recallfs must not gain what exec from the lower mount would not.
 */
static umode_t recallfs_honoured_mode(struct super_block *sb, umode_t mode)
{
	const struct vfsmount *mnt = RECALLFS_SB(sb)->lower_root.mnt;

	if ((mnt->mnt_flags & MNT_NOSUID) || (mnt->mnt_sb->s_flags & SB_NOSUID))
		mode &= ~(S_ISUID | S_ISGID);
	return mode;
}

/*
 * Mirror the lower inode's attributes (mode, owner, times, size, nlink), as
 * fsstack_copy_attr_all() would, but store the mode once, already without
 * the setuid bits the lower mount does not honour: exec reads it unlocked.
 */
void recallfs_copy_attr(struct inode *inode)
{
	struct inode *lower = recallfs_lower_inode(inode);

	if (!lower)
		return;
	WRITE_ONCE(inode->i_mode, recallfs_honoured_mode(inode->i_sb, READ_ONCE(lower->i_mode)));
	inode->i_uid = lower->i_uid;
	inode->i_gid = lower->i_gid;
	inode->i_rdev = lower->i_rdev;
	fsstack_copy_attr_times(inode, lower);
	inode->i_blkbits = lower->i_blkbits;
	inode->i_flags = lower->i_flags;
	set_nlink(inode, lower->i_nlink);
	fsstack_copy_inode_size(inode, lower);
}

void recallfs_attr_from_kstat(struct recallfs_attr *attr, const struct kstat *stat)
{
	*attr = (struct recallfs_attr) {
		.ino = stat->ino,
		.size = stat->size,
		.blocks = stat->blocks,
		.atime_sec = stat->atime.tv_sec,
		.atime_nsec = stat->atime.tv_nsec,
		.mtime_sec = stat->mtime.tv_sec,
		.mtime_nsec = stat->mtime.tv_nsec,
		.ctime_sec = stat->ctime.tv_sec,
		.ctime_nsec = stat->ctime.tv_nsec,
		.mode = stat->mode,
		.uid = from_kuid(&init_user_ns, stat->uid),
		.gid = from_kgid(&init_user_ns, stat->gid),
		.nlink = stat->nlink,
		.rdev = new_encode_dev(stat->rdev),
		.blksize = stat->blksize,
	};
}

static void recallfs_kstat_from_attr(struct kstat *stat, const struct recallfs_attr *attr)
{
	stat->result_mask = STATX_BASIC_STATS;
	stat->ino = attr->ino;
	stat->size = attr->size;
	stat->blocks = attr->blocks;
	stat->atime.tv_sec = attr->atime_sec;
	stat->atime.tv_nsec = attr->atime_nsec;
	stat->mtime.tv_sec = attr->mtime_sec;
	stat->mtime.tv_nsec = attr->mtime_nsec;
	stat->ctime.tv_sec = attr->ctime_sec;
	stat->ctime.tv_nsec = attr->ctime_nsec;
	stat->mode = attr->mode;
	stat->uid = make_kuid(&init_user_ns, attr->uid);
	stat->gid = make_kgid(&init_user_ns, attr->gid);
	stat->nlink = attr->nlink;
	stat->rdev = new_decode_dev(attr->rdev);
	stat->blksize = attr->blksize;
}

/*
 * Answer from the recorded attributes only in immutable mode: no lower call
 * at all. In verify mode a file's chmod, write or utimes does not change its
 * parent's stamp, so stat() is the lower's answer (binding it first), under
 * the lower's own attribute-cache rules.
 */
static bool recallfs_use_cached_attr(struct inode *inode)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(inode->i_sb);

	return READ_ONCE(RECALLFS_I(inode)->has_cached_attr) &&
	       recallfs_mode(sbi) == RECALLFS_MODE_IMMUTABLE;
}

/*
 * Answered here only where trust.c says the answer cannot depend on who
 * asks; everything else is checked by the lower inode with the caller's
 * credentials (binding it first if the inode came from the index), so an
 * open of a file the server refuses to this caller fails here too.
 */
int recallfs_permission(RECALLFS_IDMAP_PARAM struct inode *inode, int mask)
{
	struct inode *lower;
	int err;

	err = recallfs_trust_permission(inode, mask);
	if (err != -EAGAIN)
		return err;	/* 0: granted to everyone; -ECHILD: not in RCU walk */
	lower = recallfs_bind_inode(inode, !(mask & MAY_NOT_BLOCK));
	if (!lower)
		return -ECHILD;
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	return inode_permission(RECALLFS_NOP_IDMAP lower, mask);
}

int recallfs_getattr(RECALLFS_IDMAP_PARAM const struct path *path,
		     struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct dentry *dentry = path->dentry;
	struct inode *inode = d_inode(dentry);
	struct path lower_path;
	int err;

	if (recallfs_use_cached_attr(inode)) {
		recallfs_kstat_from_attr(stat, &RECALLFS_I(inode)->cached_attr);
	} else {
		err = recallfs_lower_path(dentry, &lower_path);
		if (err)
			return err;
		err = recallfs_getattr_lower(&lower_path, stat, request_mask, flags);
		if (err)
			return err;
		recallfs_copy_attr(inode);
	}
	/* st_ino and everything else are the lower's; the device is ours. */
	stat->dev = dentry->d_sb->s_dev;
	return 0;
}

int recallfs_setattr(RECALLFS_IDMAP_PARAM struct dentry *dentry, struct iattr *attr)
{
	return -EROFS;
}

/*
 * Targets recorded in the index sit in i_link and never get here. Otherwise
 * read the lower link, and keep it: in i_link for this inode, and in the
 * index for the next mount.
 */
static const char *recallfs_get_link(struct dentry *dentry, struct inode *inode,
				     struct delayed_call *done)
{
	struct recallfs_learning learning;
	struct dentry *lower;
	const char *link;
	char *copy;

	/* The lower filesystem may sleep to read the target: not in RCU walk. */
	if (!dentry)
		return ERR_PTR(-ECHILD);
	recallfs_learning_start(RECALLFS_SB(inode->i_sb), &learning);
	lower = recallfs_lower_bind(dentry);
	if (IS_ERR(lower))
		return ERR_CAST(lower);
	link = vfs_get_link(lower, done);
	if (IS_ERR(link))
		return link;
	recallfs_record_link(dentry, d_inode(lower), link, &learning);
	copy = kstrdup(link, GFP_KERNEL);
	if (copy && cmpxchg(&inode->i_link, NULL, copy))
		kfree(copy);
	return link;
}

static const struct inode_operations recallfs_file_iops = {
	.permission = recallfs_permission,
	.getattr = recallfs_getattr,
	.setattr = recallfs_setattr,
	.listxattr = recallfs_listxattr,
	RECALLFS_GET_ACL_OP
};

static const struct inode_operations recallfs_symlink_iops = {
	.get_link = recallfs_get_link,
	.permission = recallfs_permission,
	.getattr = recallfs_getattr,
	.setattr = recallfs_setattr,
	.listxattr = recallfs_listxattr,
	RECALLFS_GET_ACL_OP
};

/* Devices, FIFOs and sockets: the same operations as regular files. */
#define recallfs_special_iops recallfs_file_iops

static void recallfs_set_ops(struct inode *inode, umode_t mode, dev_t rdev)
{
#ifdef CONFIG_FS_POSIX_ACL
	/* ACLs are the lower object's, read each time: never cached here. */
	inode->i_acl = ACL_DONT_CACHE;
	inode->i_default_acl = ACL_DONT_CACHE;
#endif
	switch (mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &recallfs_dir_iops;
		inode->i_fop = &recallfs_dir_fops;
		break;
	case S_IFREG:
		inode->i_op = &recallfs_file_iops;
		inode->i_fop = &recallfs_file_fops;
		break;
	case S_IFLNK:
		inode->i_op = &recallfs_symlink_iops;
		break;
	default:
		inode->i_op = &recallfs_special_iops;
		init_special_inode(inode, mode, rdev);
		break;
	}
}

/*
 * An iget5 key: the lower inode number and file type, and the lower inode
 * if known. The type is part of the identity: an object recorded as a
 * directory never shares an inode with a lower file that took its number.
 */
struct recallfs_ikey {
	u64 ino;
	umode_t type;
	struct inode *lower;
};

static int recallfs_inode_test(struct inode *inode, void *data)
{
	struct recallfs_ikey *key = data;

	if (RECALLFS_I(inode)->ino != key->ino || (inode->i_mode & S_IFMT) != key->type)
		return 0;
	/* An inode made from the index is this lower inode's only if its record matches. */
	return !key->lower || recallfs_same_object(inode, key->lower);
}

static int recallfs_inode_set(struct inode *inode, void *data)
{
	struct recallfs_ikey *key = data;

	RECALLFS_I(inode)->ino = key->ino;
	inode->i_ino = key->ino;
	inode->i_mode = key->type;	/* what the test above compares until the inode is set up */
	return 0;
}

/* Tie a recallfs inode to its lower inode, once. */
void recallfs_inode_bind(struct inode *inode, struct inode *lower)
{
	ihold(lower);
	if (cmpxchg(&RECALLFS_I(inode)->lower, NULL, lower))
		iput(lower);
}

/* The recallfs inode for @lower, created on first use. */
struct inode *recallfs_iget(struct super_block *sb, struct inode *lower)
{
	struct recallfs_ikey key = {
		.ino = lower->i_ino, .type = lower->i_mode & S_IFMT, .lower = lower,
	};
	struct inode *inode;

	inode = iget5_locked(sb, lower->i_ino, recallfs_inode_test, recallfs_inode_set, &key);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	recallfs_inode_bind(inode, lower);
	if (recallfs_inode_is_new(inode)) {
		recallfs_copy_attr(inode);
		recallfs_set_ops(inode, lower->i_mode, lower->i_rdev);
		unlock_new_inode(inode);
	}
	return inode;
}

static void recallfs_init_from_attr(struct inode *inode, const struct recallfs_attr *attr)
{
	struct timespec64 atime = { attr->atime_sec, attr->atime_nsec };
	struct timespec64 mtime = { attr->mtime_sec, attr->mtime_nsec };
	struct timespec64 ctime = { attr->ctime_sec, attr->ctime_nsec };

	inode->i_mode = recallfs_honoured_mode(inode->i_sb, attr->mode);
	inode->i_uid = make_kuid(&init_user_ns, attr->uid);
	inode->i_gid = make_kgid(&init_user_ns, attr->gid);
	set_nlink(inode, attr->nlink);
	i_size_write(inode, attr->size);
	inode->i_blocks = attr->blocks;
	recallfs_inode_set_times(inode, &atime, &mtime, &ctime);
}

/*
 * The recallfs inode for a positive index entry, without a lower inode.
 * @mode_only: the entry says the object has no ACL beyond its mode bits.
 * Takes ownership of @link (a symlink's target, or NULL) and of @handle (the
 * lower object's file handle, or NULL).
 */
struct inode *recallfs_iget_cached(struct super_block *sb, const struct recallfs_attr *attr,
				   bool mode_only, char *link, struct recallfs_handle *handle)
{
	struct recallfs_ikey key = { .ino = attr->ino, .type = attr->mode & S_IFMT };
	struct inode *inode;

	inode = iget5_locked(sb, attr->ino, recallfs_inode_test, recallfs_inode_set, &key);
	if (!inode || !recallfs_inode_is_new(inode)) {
		kfree(link);
		kfree(handle);
		return inode ? inode : ERR_PTR(-ENOMEM);
	}
	RECALLFS_I(inode)->handle = handle;
	RECALLFS_I(inode)->cached_attr = *attr;
	RECALLFS_I(inode)->has_cached_attr = true;
	if (mode_only)
		RECALLFS_I(inode)->acl_state = RECALLFS_ACL_NONE;
	recallfs_init_from_attr(inode, attr);
	recallfs_set_ops(inode, attr->mode, new_decode_dev(attr->rdev));
	if (S_ISLNK(attr->mode))
		inode->i_link = link;
	else
		kfree(link);
	unlock_new_inode(inode);
	return inode;
}
