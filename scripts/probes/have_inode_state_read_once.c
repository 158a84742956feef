/* inode->i_state is read through accessors (7.x). */
#include <linux/fs.h>

int probe(struct inode *inode)
{
	return !!(inode_state_read_once(inode) & I_NEW);
}
