/* struct backing_file_ctx carries the user file (6.12; gone in 7.x). */
#include <linux/backing-file.h>

void probe(struct backing_file_ctx *ctx, struct file *file)
{
	ctx->user_file = file;
}
