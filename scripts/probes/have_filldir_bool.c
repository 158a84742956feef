/* A readdir actor returns bool, true to go on (6.1 and later; int before). */
#include <linux/fs.h>

static bool probe_actor(struct dir_context *ctx, const char *name, int len,
			loff_t offset, u64 ino, unsigned int d_type)
{
	return true;
}

int probe(struct file *dir)
{
	struct dir_context ctx = { .actor = probe_actor };

	return iterate_dir(dir, &ctx);
}
