// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: extended attributes, read from the lower object. Setting or
 * removing one fails with EROFS before it reaches recallfs.
 *
 * `ls -l` asks every object for its SELinux label and POSIX ACL (older
 * coreutils) or for its list of names (newer): the lower's "none" to those
 * questions is kept in the object's entry (RECALLFS_XATTR_*), and answered
 * from it in immutable mode, so that a listing binds no object. The answer
 * to those questions does not depend on who asks: reading a security.* or
 * system.* attribute needs no permission on the object. A list of names
 * does (user.* names need read access on NFSv4.2, trusted.* names need
 * CAP_SYS_ADMIN), so only an empty list seen by a caller who sees every
 * name, of an object everyone may read, is kept.
 *
 * Some of those answers say as much about the client as about the object
 * (EOPNOTSUPP: the NFS version, its mount options, the kernel, the LSM), and
 * a journal outlives all of them. So a kept answer is given only once the
 * lower has given that answer to that question on this mount: the first
 * object asked binds, the rest are answered from their entries.
 */
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/posix_acl_xattr.h>
#include <linux/string.h>
#include <linux/xattr.h>

#include "internal.h"

static const char *const recallfs_xattr_questions[] = {
	[RECALLFS_XATTR_SELINUX] = XATTR_NAME_SELINUX,
	[RECALLFS_XATTR_ACL_ACCESS] = XATTR_NAME_POSIX_ACL_ACCESS,
	[RECALLFS_XATTR_ACL_DEFAULT] = XATTR_NAME_POSIX_ACL_DEFAULT,
};

/* The getxattr question that @name is, or -1 if the index keeps no answer to it. */
static int recallfs_xattr_question(const char *name)
{
	unsigned int q;

	for (q = 0; q < ARRAY_SIZE(recallfs_xattr_questions); q++)
		if (!strcmp(name, recallfs_xattr_questions[q]))
			return q;
	return -1;
}

/* The bit of sbi->xattr_answers_seen for @answer (non-zero) to @question. */
static unsigned int recallfs_xattr_seen_bit(unsigned int question, u32 answer)
{
	BUILD_BUG_ON(RECALLFS_XATTR_QUESTIONS * 4 > BITS_PER_LONG);
	return question * 4 + answer;
}

/* The index's answer to @question, if this mount's lower gave it before (else 0). */
static u32 recallfs_xattr_kept_answer(struct dentry *dentry, unsigned int question)
{
	u32 answer = recallfs_indexed_xattr(dentry, question);

	if (!answer || !test_bit(recallfs_xattr_seen_bit(question, answer),
				 &RECALLFS_SB(dentry->d_sb)->xattr_answers_seen))
		return 0;
	return answer;
}

/* The index's answer to @question as an error (-ENODATA, -EOPNOTSUPP), or 0. */
static int recallfs_xattr_kept(struct dentry *dentry, int question)
{
	if (question < 0)
		return 0;
	switch (recallfs_xattr_kept_answer(dentry, question)) {
	case RECALLFS_XATTR_NODATA:
		return -ENODATA;
	case RECALLFS_XATTR_UNSUPPORTED:
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Keep the lower's "none" (@answer) to @question for @dentry's object. */
static void recallfs_xattr_keep(struct dentry *dentry, struct dentry *lower,
				unsigned int question, u32 answer,
				const struct recallfs_learning *learned)
{
	set_bit(recallfs_xattr_seen_bit(question, answer),
		&RECALLFS_SB(dentry->d_sb)->xattr_answers_seen);
	recallfs_record_xattr_absent(dentry, d_inode(lower), question, answer, learned);
}

/* Keep the lower's @err to @question if it says the object has none. */
static void recallfs_xattr_learn(struct dentry *dentry, struct dentry *lower, int question,
				 int err, const struct recallfs_learning *learned)
{
	if (question < 0)
		return;
	if (err == -ENODATA)
		recallfs_xattr_keep(dentry, lower, question, RECALLFS_XATTR_NODATA, learned);
	else if (err == -EOPNOTSUPP)
		recallfs_xattr_keep(dentry, lower, question, RECALLFS_XATTR_UNSUPPORTED, learned);
}

static int recallfs_xattr_get(const struct xattr_handler *handler,
			      struct dentry *dentry, struct inode *inode,
			      const char *name, void *buffer, size_t size)
{
	int question = recallfs_xattr_question(name);
	struct recallfs_learning learning;
	struct dentry *lower;
	int err;

	err = recallfs_xattr_kept(dentry, question);
	if (err)
		return err;
	recallfs_learning_start(RECALLFS_SB(dentry->d_sb), &learning);
	lower = recallfs_lower_bind(dentry);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	/* The lower filesystem checks access with the caller's credentials. */
	err = vfs_getxattr(RECALLFS_NOP_IDMAP lower, name, buffer, size);
	recallfs_xattr_learn(dentry, lower, question, err, &learning);
	return err;
}

/* An empty prefix matches every name: all are forwarded as they are. */
static const struct xattr_handler recallfs_xattr_handler = {
	.prefix = "",
	.get = recallfs_xattr_get,
};

RECALLFS_XATTR_HANDLER_ARRAY recallfs_xattr_handlers[] = {
	&recallfs_xattr_handler,
	NULL
};

/*
 * Is the empty list of names the lower just gave this caller for @inode
 * what anyone would get? Only for a caller who may see trusted.* names, on
 * an object everyone may read (and so list the user.* names of).
 */
static bool recallfs_empty_list_for_all(struct inode *inode)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) &&
	       recallfs_trust_permission(inode, MAY_READ) == 0;
}

ssize_t recallfs_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct recallfs_learning learning;
	struct dentry *lower;
	ssize_t len;

	if (recallfs_xattr_kept_answer(dentry, RECALLFS_XATTR_LIST) == RECALLFS_XATTR_NODATA)
		return 0;
	recallfs_learning_start(RECALLFS_SB(dentry->d_sb), &learning);
	lower = recallfs_lower_bind(dentry);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	len = vfs_listxattr(lower, list, size);
	if (len == 0 && recallfs_empty_list_for_all(d_inode(dentry)))
		recallfs_xattr_keep(dentry, lower, RECALLFS_XATTR_LIST, RECALLFS_XATTR_NODATA,
				    &learning);
	return len;
}

#ifdef HAVE_GET_INODE_ACL
/* The lower object's POSIX ACL, read with the caller's credentials. */
struct posix_acl *recallfs_get_acl(RECALLFS_IDMAP_PARAM struct dentry *dentry, int type)
{
	int question = type == ACL_TYPE_ACCESS ? RECALLFS_XATTR_ACL_ACCESS :
						 RECALLFS_XATTR_ACL_DEFAULT;
	struct recallfs_learning learning;
	struct posix_acl *acl;
	struct dentry *lower;
	int err;

	/* NULL: the VFS answers "no ACL" as the lower's ENODATA. */
	err = recallfs_xattr_kept(dentry, question);
	if (err)
		return err == -ENODATA ? NULL : ERR_PTR(err);
	recallfs_learning_start(RECALLFS_SB(dentry->d_sb), &learning);
	lower = recallfs_lower_bind(dentry);
	if (IS_ERR(lower))
		return ERR_CAST(lower);
	acl = vfs_get_acl(RECALLFS_NOP_IDMAP lower, recallfs_xattr_questions[question]);
	if (IS_ERR(acl))
		recallfs_xattr_learn(dentry, lower, question, PTR_ERR(acl), &learning);
	return acl;
}
#endif
