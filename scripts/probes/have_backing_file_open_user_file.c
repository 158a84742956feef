/* backing_file_open() takes the user's struct file, not its path. */
#include <linux/backing-file.h>

#ifndef CONFIG_FS_STACK
#error "no backing_file_* without CONFIG_FS_STACK (see have_backing_file.c)"
#endif

struct file *probe(const struct file *user_file, const struct path *real,
		   const struct cred *cred)
{
	return backing_file_open(user_file, O_RDONLY, real, cred);
}
