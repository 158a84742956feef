/* lookup_one_len_unlocked(name, base, len): gone in 7.x (lookup_noperm_* and lookup_one* replace it). */
#include <linux/namei.h>

struct dentry *probe(struct dentry *base)
{
	return lookup_one_len_unlocked("x", base, 1);
}
