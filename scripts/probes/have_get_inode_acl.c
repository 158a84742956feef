/* An inode's POSIX ACL through the ACL cache is get_inode_acl() (Linux 6.2), get_acl() before. */
#include <linux/fs.h>
#include <linux/posix_acl.h>

struct posix_acl *probe(struct inode *inode)
{
	return get_inode_acl(inode, ACL_TYPE_ACCESS);
}
