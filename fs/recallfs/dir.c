// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: directory listing. readdir is the lower directory's readdir:
 * names, d_type and d_ino (the lower inode numbers) pass through unchanged.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "internal.h"

static int recallfs_dir_open(struct inode *inode, struct file *file)
{
	return recallfs_open_lower(file, true);
}

/* A full listing of a lower directory, gathered by recallfs_read_listing(). */
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
	size_t need = sizeof(struct recallfs_listed_name) + len + 1;
	struct recallfs_listed_name *n;

	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return RECALLFS_FILLDIR_CONTINUE;
	if (l->used + need > l->size && recallfs_listing_grow(lc, need))
		return RECALLFS_FILLDIR_STOP;
	n = (struct recallfs_listed_name *)(l->buf + l->used);
	n->len = len;
	n->d_type = d_type;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	l->used += ALIGN(need, sizeof(u32));
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
 * Read the whole lower directory once, through a file of its own, so that a
 * complete listing can be recorded whatever the caller's buffer size. The
 * lower directory's stamp is sampled before and after: a listing that a
 * change may have cut is not recorded, nor one an invalidation raced.
 */
static void recallfs_read_listing(struct file *file)
{
	struct file *lower = file->private_data;
	struct recallfs_listing_ctx lc = {
		.ctx.actor = recallfs_listing_actor,
		.listing.size = RECALLFS_LISTING_START,
	};
	struct recallfs_learning learning;
	struct recallfs_stamp before;
	struct file *again;

	recallfs_learning_start(RECALLFS_SB(file_inode(file)->i_sb), &learning);
	if (recallfs_listing_stamp(file_dentry(file), &before))
		return;
	again = dentry_open(&lower->f_path, O_RDONLY | O_DIRECTORY, file->f_cred);
	if (IS_ERR(again))
		return;
	lc.listing.buf = kvmalloc(lc.listing.size, GFP_KERNEL);
	if (lc.listing.buf) {
		if (!recallfs_iterate_all(again, &lc))
			recallfs_record_listing(file_dentry(file), &lc.listing, &before, &learning);
		kvfree(lc.listing.buf);
	}
	fput(again);
}

static int recallfs_iterate_shared(struct file *file, struct dir_context *ctx)
{
	struct file *lower = file->private_data;
	int err;

	if (ctx->pos == 0 && recallfs_listing_wanted(file_dentry(file)))
		recallfs_read_listing(file);

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
