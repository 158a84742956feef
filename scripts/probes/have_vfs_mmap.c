/*
 * vfs_mmap() maps a file through ->mmap_prepare where it has one (call_mmap()
 * before, which knows only ->mmap): on 7.x NFS has only ->mmap_prepare.
 */
#include <linux/fs.h>
#include <linux/mm.h>

int probe(struct file *file, struct vm_area_struct *vma)
{
	return file->f_op->mmap_prepare ? vfs_mmap(file, vma) : 0;
}
