// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: extended attributes, read from the lower object. Setting or
 * removing one fails with EROFS before it reaches recallfs.
 */
#include <linux/fs.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

#include "internal.h"

static int recallfs_xattr_get(const struct xattr_handler *handler,
			      struct dentry *dentry, struct inode *inode,
			      const char *name, void *buffer, size_t size)
{
	struct dentry *lower = recallfs_lower_bind(dentry);

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	/* The lower filesystem checks access with the caller's credentials. */
	return vfs_getxattr(RECALLFS_NOP_IDMAP lower, name, buffer, size);
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

ssize_t recallfs_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct dentry *lower = recallfs_lower_bind(dentry);

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	return vfs_listxattr(lower, list, size);
}

#ifdef HAVE_GET_INODE_ACL
/* The lower object's POSIX ACL, read with the caller's credentials. */
struct posix_acl *recallfs_get_acl(RECALLFS_IDMAP_PARAM struct dentry *dentry, int type)
{
	struct dentry *lower = recallfs_lower_bind(dentry);

	if (IS_ERR(lower))
		return ERR_CAST(lower);
	return vfs_get_acl(RECALLFS_NOP_IDMAP lower, type == ACL_TYPE_ACCESS ?
			   XATTR_NAME_POSIX_ACL_ACCESS : XATTR_NAME_POSIX_ACL_DEFAULT);
}
#endif
