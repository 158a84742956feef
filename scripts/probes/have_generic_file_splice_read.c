/* generic_file_splice_read(): removed in Linux 6.5 (copy_splice_read after). */
#include <linux/fs.h>

ssize_t probe(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe,
	      size_t len, unsigned int flags)
{
	return generic_file_splice_read(in, ppos, pipe, len, flags);
}
