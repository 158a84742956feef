/* Backing-file helpers for stacking filesystems, with a context struct (6.8 and later). */
#include <linux/backing-file.h>

int probe(struct file *file, struct vm_area_struct *vma, struct backing_file_ctx *ctx)
{
	return backing_file_mmap(file, vma, ctx);
}
