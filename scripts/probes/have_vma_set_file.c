/* vma_set_file() swaps vma->vm_file with reference counting (Linux 5.11). */
#include <linux/mm.h>

void probe(struct vm_area_struct *vma, struct file *file)
{
	vma_set_file(vma, file);
}
