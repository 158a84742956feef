// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: directory listing. A directory whose complete listing the index
 * may give (namei.c) is listed from the index: opened without a lower file,
 * its names, d_type and d_ino as the lower's readdir gave them when they were
 * recorded, taken when it is opened. Any other is the lower directory's
 * readdir: names, d_type and d_ino pass through unchanged, and the complete
 * listing is recorded.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

/* An open directory listed from the index. */
struct recallfs_indexed_dir {
	struct recallfs_listing listing;
	loff_t next_pos;		/* the offset of the name at next_off */
	size_t next_off;
	bool taken_at_open;		/* the listing is not read from the start yet */
	struct file *lower;		/* once the index no longer gives it: the lower's */
};

static const struct file_operations recallfs_indexed_dir_fops;

static int recallfs_dir_open(struct inode *inode, struct file *file)
{
	struct recallfs_indexed_dir *id = kzalloc(sizeof(*id), GFP_KERNEL);

	if (id && !recallfs_indexed_listing(file_dentry(file), &id->listing)) {
		id->next_pos = 2;
		id->taken_at_open = true;
		file->private_data = id;
		replace_fops(file, &recallfs_indexed_dir_fops);
		return 0;
	}
	kfree(id);
	return recallfs_open_lower(file, true);
}

static int recallfs_indexed_dir_release(struct inode *inode, struct file *file)
{
	struct recallfs_indexed_dir *id = file->private_data;

	kvfree(id->listing.buf);
	if (id->lower)
		fput(id->lower);
	kfree(id);
	return 0;
}

/*
 * Reading from the start again (rewinddir, seekdir(0)) reads the directory
 * as it is now: the index's listing taken again, or, if the index no longer
 * gives it (an invalidation, a changed stamp in verify mode), the lower
 * directory's from then on.
 */
static int recallfs_indexed_rewind(struct file *file, struct recallfs_indexed_dir *id)
{
	struct recallfs_listing again = {};
	struct path lower_path;
	struct file *lower;
	int err;

	if (id->taken_at_open) {
		id->taken_at_open = false;
		return 0;
	}
	if (!recallfs_indexed_listing(file_dentry(file), &again)) {
		kvfree(id->listing.buf);
		id->listing = again;
		id->next_pos = 2;
		id->next_off = 0;
		return 0;
	}
	err = recallfs_lower_path(file_dentry(file), &lower_path);
	if (err)
		return err;
	lower = dentry_open(&lower_path, O_RDONLY | O_DIRECTORY, file->f_cred);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	id->lower = lower;
	return 0;
}

/*
 * Offsets: 0 and 1 are "." and "..", 2 and on the names in the order taken,
 * so a position from telldir() stays valid on this open directory. Where the
 * last call stopped is kept, so that reading on needs no walk from the start.
 */
static int recallfs_indexed_iterate(struct file *file, struct dir_context *ctx)
{
	struct recallfs_indexed_dir *id = file->private_data;
	const struct recallfs_listing *l = &id->listing;
	const struct recallfs_listed_name *n;
	size_t off = 0;
	loff_t pos = 2;
	int err;

	if (ctx->pos == 0 && !id->lower) {
		err = recallfs_indexed_rewind(file, id);
		if (err)
			return err;
	}
	if (id->lower) {
		/* As recallfs_iterate_shared(): iterate_dir() starts at the lower position. */
		id->lower->f_pos = ctx->pos;
		return iterate_dir(id->lower, ctx);
	}
	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos >= id->next_pos) {
		pos = id->next_pos;
		off = id->next_off;
	}
	for (; off < l->used; off += recallfs_listed_size(n->len), pos++) {
		n = (const struct recallfs_listed_name *)(l->buf + off);
		if (pos < ctx->pos)
			continue;
		if (!dir_emit(ctx, n->name, n->len, n->ino, n->d_type))
			break;
		ctx->pos = pos + 1;
	}
	id->next_pos = pos;
	id->next_off = off;
	return 0;
}

static loff_t recallfs_indexed_llseek(struct file *file, loff_t offset, int whence)
{
	struct recallfs_indexed_dir *id = file->private_data;
	struct inode *inode = file_inode(file);
	loff_t ret;

	if (!id->lower)
		return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
						id->listing.count + 2);
	/* The lower's: its cookies, and (NFS) the state a seek resets; as recallfs_llseek(). */
	inode_lock(inode);
	id->lower->f_pos = file->f_pos;
	ret = vfs_llseek(id->lower, offset, whence);
	file->f_pos = id->lower->f_pos;
	inode_unlock(inode);
	return ret;
}

static const struct file_operations recallfs_indexed_dir_fops = {
	.release = recallfs_indexed_dir_release,
	.llseek = recallfs_indexed_llseek,
	.read = generic_read_dir,
	.iterate_shared = recallfs_indexed_iterate,
	.fsync = noop_fsync,
};

/* A full listing of a lower directory, gathered by recallfs_learn_listing(). */
struct recallfs_listing_ctx {
	struct dir_context ctx;
	struct recallfs_listing listing;
	int error;
};

/*
 * Make room for @need more bytes, doubling the buffer up to
 * RECALLFS_LISTING_MAX. Actors may sleep: the lower lock is a rwsem.
 */
static int recallfs_listing_grow(struct recallfs_listing_ctx *lc, size_t need)
{
	struct recallfs_listing *l = &lc->listing;
	size_t size = l->size;
	char *buf;

	while (size < l->used + need)
		size *= 2;
	if (size > RECALLFS_LISTING_MAX) {
		lc->error = -E2BIG;
		return lc->error;
	}
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf) {
		lc->error = -ENOMEM;
		return lc->error;
	}
	memcpy(buf, l->buf, l->used);
	kvfree(l->buf);
	l->buf = buf;
	l->size = size;
	return 0;
}

static RECALLFS_FILLDIR_RET recallfs_listing_actor(struct dir_context *ctx, const char *name,
						   int len, loff_t offset, u64 ino,
						   unsigned int d_type)
{
	struct recallfs_listing_ctx *lc = container_of(ctx, struct recallfs_listing_ctx, ctx);
	struct recallfs_listing *l = &lc->listing;
	size_t need = recallfs_listed_size(len);
	struct recallfs_listed_name *n;

	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return RECALLFS_FILLDIR_CONTINUE;
	if (l->used + need > l->size && recallfs_listing_grow(lc, need))
		return RECALLFS_FILLDIR_STOP;
	n = (struct recallfs_listed_name *)(l->buf + l->used);
	n->ino = ino;
	n->len = len;
	n->d_type = d_type;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	l->used += need;
	l->count++;
	return RECALLFS_FILLDIR_CONTINUE;
}

/*
 * Read the lower directory to its end: one iterate_dir() call need not give
 * every name (FUSE gives one batch per call), so call it until a pass adds
 * nothing.
 */
static int recallfs_iterate_all(struct file *dir, struct recallfs_listing_ctx *lc)
{
	unsigned int before;
	int err;

	do {
		before = lc->listing.count;
		err = iterate_dir(dir, &lc->ctx);
	} while (!err && !lc->error && lc->listing.count != before);
	return err ? err : lc->error;
}

/*
 * Read the whole lower directory @lower_path of @dentry once, through a file
 * of its own opened with @cred, so that a complete listing can be recorded
 * whatever the caller's buffer size. The lower directory's stamp is sampled
 * before and after: a listing that a change may have cut is not recorded,
 * nor one an invalidation raced. 0 once it is recorded; -EAGAIN if it was
 * read but not recorded.
 */
int recallfs_learn_listing(struct dentry *dentry, const struct path *lower_path,
			   const struct cred *cred)
{
	struct recallfs_listing_ctx lc = {
		.ctx.actor = recallfs_listing_actor,
		.listing.size = RECALLFS_LISTING_START,
	};
	struct recallfs_learning learning;
	struct recallfs_stamp before;
	struct file *again;
	int err;

	recallfs_learning_start(RECALLFS_SB(dentry->d_sb), &learning);
	err = recallfs_listing_stamp(dentry, &before);
	if (err)
		return err;
	again = dentry_open(lower_path, O_RDONLY | O_DIRECTORY, cred);
	if (IS_ERR(again))
		return PTR_ERR(again);
	lc.listing.buf = kvmalloc(lc.listing.size, GFP_KERNEL);
	err = lc.listing.buf ? recallfs_iterate_all(again, &lc) : -ENOMEM;
	if (!err && !recallfs_record_listing(dentry, &lc.listing, &before, &learning))
		err = -EAGAIN;
	kvfree(lc.listing.buf);
	fput(again);
	return err;
}

static int recallfs_iterate_shared(struct file *file, struct dir_context *ctx)
{
	struct file *lower = file->private_data;
	int err;

	if (ctx->pos == 0 && recallfs_listing_wanted(file_dentry(file)))
		recallfs_learn_listing(file_dentry(file), &lower->f_path, file->f_cred);

	/* iterate_dir() starts at the lower file's position: keep it in step. */
	lower->f_pos = ctx->pos;
	err = iterate_dir(lower, ctx);
	fsstack_copy_attr_atime(file_inode(file), file_inode(lower));
	return err;
}

const struct file_operations recallfs_dir_fops = {
	.open = recallfs_dir_open,
	.release = recallfs_release_lower,
	.llseek = recallfs_llseek,
	.read = generic_read_dir,
	.iterate_shared = recallfs_iterate_shared,
	.fsync = recallfs_fsync,
};
