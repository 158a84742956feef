// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: regular files. Each open recallfs file holds an open lower file
 * (in ->private_data), opened with the opener's credentials; reads, splice
 * and mmap go to it.
 */
#include <linux/file.h>

#include "internal.h"

static inline struct file *recallfs_lower_file(const struct file *file)
{
	return file->private_data;
}

/* Open the lower object of @file; the lower file goes to ->private_data. */
int recallfs_open_lower(struct file *file, bool is_dir)
{
	/* Write access never gets here: the superblock is read-only. */
	int flags = file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	struct path lower_path;
	struct file *lower;
	int err;

	/*
	 * file_dentry(), not f_path: when recallfs is a lower layer of overlayfs
	 * on kernels without backing files, f_path is the overlay's path and
	 * only the inode (and d_real()) lead back to the recallfs dentry.
	 */
	err = recallfs_lower_path(file_dentry(file), &lower_path);
	if (err)
		return err;
	if (is_dir)
		lower = dentry_open(&lower_path, flags, file->f_cred);
	else
		lower = recallfs_open_lower_file(file, &lower_path, flags);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	file->private_data = lower;
	return 0;
}

int recallfs_release_lower(struct inode *inode, struct file *file)
{
	fput(recallfs_lower_file(file));
	return 0;
}

static int recallfs_file_open(struct inode *inode, struct file *file)
{
	return recallfs_open_lower(file, false);
}

void recallfs_file_accessed(struct file *file)
{
	struct inode *inode = file_inode(file);

	fsstack_copy_attr_atime(inode, recallfs_lower_inode(inode));
}

static ssize_t recallfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;

	if (!iov_iter_count(to))
		return 0;
	return recallfs_read_lower(file, recallfs_lower_file(file), iocb, to);
}

static ssize_t recallfs_splice_read(struct file *in, loff_t *ppos,
				    struct pipe_inode_info *pipe, size_t len,
				    unsigned int flags)
{
	return recallfs_splice_lower(in, recallfs_lower_file(in), ppos, pipe, len, flags);
}

static int recallfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	return recallfs_mmap_lower(file, recallfs_lower_file(file), vma);
}

/*
 * Seek on the lower file, so SEEK_DATA/SEEK_HOLE and directory cookies mean
 * what the lower filesystem says. The lower position is only used here, so
 * it is loaded from and stored back to the recallfs file under the inode lock.
 */
loff_t recallfs_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *lower = recallfs_lower_file(file);
	struct inode *inode = file_inode(file);
	loff_t ret;

	inode_lock(inode);
	lower->f_pos = file->f_pos;
	ret = vfs_llseek(lower, offset, whence);
	file->f_pos = lower->f_pos;
	inode_unlock(inode);
	return ret;
}

int recallfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return vfs_fsync_range(recallfs_lower_file(file), start, end, datasync);
}

const struct file_operations recallfs_file_fops = {
	.open = recallfs_file_open,
	.release = recallfs_release_lower,
	.llseek = recallfs_llseek,
	.read_iter = recallfs_read_iter,
	.splice_read = recallfs_splice_read,
	.mmap = recallfs_mmap,
	.fsync = recallfs_fsync,
};
