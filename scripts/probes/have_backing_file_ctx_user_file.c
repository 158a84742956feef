/* struct backing_file_ctx carries the user file (6.12; gone in 7.x). */
#include <linux/backing-file.h>

#ifndef CONFIG_FS_STACK
#error "no backing_file_* without CONFIG_FS_STACK (see have_backing_file.c)"
#endif

void probe(struct backing_file_ctx *ctx, struct file *file)
{
	ctx->user_file = file;
}
