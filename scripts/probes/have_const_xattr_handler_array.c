/* sb->s_xattr is const struct xattr_handler * const * (Linux 6.7). */
#include <linux/fs.h>
#include <linux/xattr.h>

static const struct xattr_handler * const probe_handlers[] = { NULL };

void probe(struct super_block *sb)
{
	sb->s_xattr = probe_handlers;
}
