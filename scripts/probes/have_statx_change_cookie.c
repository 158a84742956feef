/* getattr reports a change cookie (i_version, the NFSv4 change attribute) (6.3 and later). */
#include <linux/fs.h>
#include <linux/stat.h>

u64 probe(const struct kstat *stat)
{
	return (stat->result_mask & STATX_CHANGE_COOKIE) ? stat->change_cookie : 0;
}
