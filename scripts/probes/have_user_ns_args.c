/* VFS calls take a struct user_namespace * (Linux 5.12 to 6.2). */
#include <linux/fs.h>
#include <linux/user_namespace.h>

int probe(struct inode *inode)
{
	return inode_permission(&init_user_ns, inode, MAY_READ);
}
