// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: regular files. Each open recallfs file holds an open lower file
 * (in ->private_data); reads, splice and mmap go to it. It is opened with
 * the opener's credentials, except for a file everyone may read in immutable
 * mode (trust.c): one lower file, opened with the mounter's credentials,
 * serves every open of it while its inode is cached, so that opening it
 * again asks the server nothing (no OPEN and CLOSE on NFSv4, no GETATTR or
 * ACCESS on NFSv3).
 */
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"

static inline struct file *recallfs_lower_file(const struct file *file)
{
	return file->private_data;
}

/*
 * The release of a shared lower file, allocated with it: eviction allocates
 * nothing. Its last fput may wait on the server (an NFSv4 CLOSE), so it runs
 * on the mount's own workqueue: it holds up neither the task that evicted
 * the inode (memory reclaim, an invalidation) nor, during an outage, the
 * kernel's delayed fputs of every other file, nor the unmount of another
 * recallfs mount.
 */
struct recallfs_release {
	struct work_struct work;
	struct file *file;
};

static void recallfs_release_work(struct work_struct *work)
{
	struct recallfs_release *r = container_of(work, struct recallfs_release, work);

	__fput_sync(r->file);
	kfree(r);
}

/* @inode's shared lower file, referenced, if it has one opened since the last invalidation. */
static struct file *recallfs_get_shared(struct inode *inode)
{
	struct recallfs_inode *ri = RECALLFS_I(inode);
	struct file *shared;

	spin_lock(&inode->i_lock);
	shared = ri->shared ? ri->shared->file : NULL;
	if (shared && recallfs_learning_current(RECALLFS_SB(inode->i_sb), &ri->shared_learned))
		get_file(shared);
	else
		shared = NULL;
	spin_unlock(&inode->i_lock);
	return shared;
}

/* Open @lower_path as @inode's shared lower file; referenced, or an ERR_PTR. */
static struct file *recallfs_open_shared(struct inode *inode, const struct path *lower_path)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(inode->i_sb);
	struct recallfs_inode *ri = RECALLFS_I(inode);
	struct recallfs_release *release, *old;
	struct recallfs_learning learning;
	struct file *shared;

	release = kmalloc(sizeof(*release), GFP_KERNEL);
	if (!release)
		return ERR_PTR(-ENOMEM);
	recallfs_learning_start(sbi, &learning);
	shared = dentry_open(lower_path, O_RDONLY | O_LARGEFILE, sbi->mounter_cred);
	if (IS_ERR(shared)) {
		kfree(release);
		return shared;
	}
	recallfs_count(sbi, RECALLFS_LOWER_OPENS);
	INIT_WORK(&release->work, recallfs_release_work);
	release->file = get_file(shared);
	spin_lock(&inode->i_lock);
	old = ri->shared;
	ri->shared = release;
	ri->shared_learned = learning;
	spin_unlock(&inode->i_lock);
	if (old) {
		fput(old->file);
		kfree(old);
	}
	return shared;
}

/* Drop @inode's shared lower file (eviction: the inode is no longer cached). */
void recallfs_put_shared(struct inode *inode)
{
	struct recallfs_release *r = xchg(&RECALLFS_I(inode)->shared, NULL);

	if (r)
		queue_work(RECALLFS_SB(inode->i_sb)->release_wq, &r->work);
}

/* A read-only open, as sharing allows: no writing, and reads through the page cache. */
static bool recallfs_open_may_share(const struct file *file)
{
	return (file->f_flags & O_ACCMODE) == O_RDONLY && !(file->f_flags & O_DIRECT) &&
	       recallfs_trust_shared_data(file_inode(file));
}

/*
 * Give @file its inode's shared lower file, opening it if needed; false if
 * it cannot have one, and the open is left to the caller's own credentials:
 * binding found the record outdated (the lower object's mode or owner is
 * not the record's, so the trust decision made on the record is asked
 * again), or the lower refused the mounter.
 */
static bool recallfs_use_shared(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct path lower_path;
	struct file *shared;

	shared = recallfs_get_shared(inode);
	if (shared) {
		recallfs_count(RECALLFS_SB(inode->i_sb), RECALLFS_SHARED_OPENS);
	} else {
		if (recallfs_lower_path(file_dentry(file), &lower_path) ||
		    !recallfs_trust_shared_data(inode))
			return false;
		shared = recallfs_open_shared(inode, &lower_path);
		if (IS_ERR(shared))
			return false;
	}
	file->private_data = shared;
	return true;
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
	if (!is_dir)
		recallfs_count(RECALLFS_SB(file_inode(file)->i_sb), RECALLFS_LOWER_OPENS);
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
	if (recallfs_open_may_share(file) && recallfs_use_shared(file))
		return 0;
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
