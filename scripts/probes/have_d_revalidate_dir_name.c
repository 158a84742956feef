/* ->d_revalidate(dir, name, dentry, flags) (7.x; 6.12 has (dentry, flags)). */
#include <linux/dcache.h>

static int probe_revalidate(struct inode *dir, const struct qstr *name,
			    struct dentry *dentry, unsigned int flags)
{
	return 1;
}

const struct dentry_operations probe_ops = {
	.d_revalidate = probe_revalidate,
};
