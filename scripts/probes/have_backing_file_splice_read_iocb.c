/* backing_file_splice_read() takes a kiocb instead of a loff_t *. */
#include <linux/backing-file.h>

#ifndef CONFIG_FS_STACK
#error "no backing_file_* without CONFIG_FS_STACK (see have_backing_file.c)"
#endif
#include <linux/fs.h>

ssize_t probe(struct file *in, struct kiocb *iocb, struct pipe_inode_info *pipe,
	      size_t len, unsigned int flags, struct backing_file_ctx *ctx)
{
	return backing_file_splice_read(in, iocb, pipe, len, flags, ctx);
}
