/*
 * Backing-file helpers for stacking filesystems, with a context struct (6.8 and later).
 * They are built only with CONFIG_FS_STACK (selected by overlayfs or FUSE passthrough):
 * the header alone does not mean the kernel exports them.
 */
#include <linux/backing-file.h>

#ifndef CONFIG_FS_STACK
#error "backing_file_* are not built in this kernel (no CONFIG_FS_STACK)"
#endif

int probe(struct file *file, struct vm_area_struct *vma, struct backing_file_ctx *ctx)
{
	return backing_file_mmap(file, vma, ctx);
}
