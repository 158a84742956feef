// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: seed journals (seed= mount options). A seed is a journal written
 * by a publisher (recallctl seed, recallctl export), usually on the NFS tree
 * beside the release it describes, read at mount.
 *
 * A seed is not trusted like the local journal: anyone who may write it
 * could forge it, and a forged file handle reaches any object of the lower
 * filesystem without the directory searches a path needs. So a seed answers
 * nothing. It only names directories, and the first lookup that the index
 * cannot answer in a named directory reads that lower directory's complete
 * listing first, as a readdir would (with the caller's credentials, under the
 * recording rules of namei.c). A missing name there is then answered from
 * that listing; a found one is looked up in the lower directory, whose
 * dentries the listing gave NFS (READDIRPLUS, or NFSv4 READDIR with
 * attributes), so that it sends no LOOKUP either. Nothing a seed says reaches
 * a caller.
 */
#include <linux/file.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "internal.h"
#include "recallfs_journal.h"

/*
 * The most directories all seeds of a mount may name (24 bytes each, at most
 * 24 MiB); more are left out, with a log line.
 */
#define RECALLFS_SEED_DIRS_MAX	(1UL << 20)

/*
 * A directory a seed names, kept as a keyed hash of its path, not the path:
 * a seed is trusted for nothing, so a collision only costs one listing read
 * ahead of time, and a hostile seed can neither pin long paths in memory nor
 * crowd one hash chain.
 */
struct recallfs_seed_dir {
	struct hlist_node node;
	u64 hash;
};

struct recallfs_seeds {
	struct hlist_head *table;
	unsigned int bits;
	unsigned long nr_dirs;
	unsigned int nr_loaded;
	siphash_key_t key;
};

/* Loading one seed: the table being filled, and what this seed added. */
struct recallfs_seed_load {
	struct recallfs_seeds *seeds;
	unsigned long added;
	bool full;
	int error;
};

static u64 recallfs_seed_hash(const struct recallfs_seeds *seeds, const char *path, u32 len)
{
	return siphash(path, len, &seeds->key);
}

static struct hlist_head *recallfs_seed_bucket(const struct recallfs_seeds *seeds, u64 hash)
{
	return &seeds->table[hash_64(hash, seeds->bits)];
}

static bool recallfs_seed_has(const struct recallfs_seeds *seeds, u64 hash)
{
	struct recallfs_seed_dir *d;

	hlist_for_each_entry(d, recallfs_seed_bucket(seeds, hash), node)
		if (d->hash == hash)
			return true;
	return false;
}

/* Each DIR record names a directory; nothing else in a seed is used. Non-zero: stop reading. */
static int recallfs_seed_add(const struct recallfs_record *rec, void *arg)
{
	struct recallfs_seed_load *load = arg;
	struct recallfs_seeds *seeds = load->seeds;
	struct recallfs_seed_dir *d;
	u64 hash;

	if (rec->type != RECALLFS_REC_DIR)
		return 0;
	hash = recallfs_seed_hash(seeds, rec->dir, rec->dir_len);
	if (recallfs_seed_has(seeds, hash))
		return 0;
	if (seeds->nr_dirs >= RECALLFS_SEED_DIRS_MAX) {
		load->full = true;
		return 1;
	}
	d = kmalloc(sizeof(*d), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!d) {
		load->error = -ENOMEM;
		return 1;
	}
	d->hash = hash;
	hlist_add_head(&d->node, recallfs_seed_bucket(seeds, hash));
	seeds->nr_dirs++;
	load->added++;
	return 0;
}

/*
 * Does @theirs (a seed's or a feed's header) describe this mount's lower tree? Its path
 * on the publisher's host may differ from ours: the lower root's file handle
 * and filesystem type say which tree it is, the path only where the lower
 * filesystem gives no handle.
 */
bool recallfs_identity_describes_lower(const struct recallfs_journal_identity *ours,
				       const struct recallfs_journal_identity *theirs)
{
	if (ours->fstype_len != theirs->fstype_len ||
	    memcmp(ours->fstype, theirs->fstype, ours->fstype_len))
		return false;
	if (ours->fh_len)
		return theirs->fh_len == ours->fh_len && theirs->fh_type == ours->fh_type &&
		       !memcmp(theirs->fh, ours->fh, ours->fh_len);
	return !theirs->fh_len && theirs->lowerdir_len == ours->lowerdir_len &&
	       !memcmp(theirs->lowerdir, ours->lowerdir, ours->lowerdir_len);
}

/*
 * A regular file, and only that, opened at @path: a seed is named by the
 * mounter but may be a publisher's symlink, and opening a FIFO blocks the
 * mount while opening a device can have side effects.
 */
static struct file *recallfs_seed_open(const char *path)
{
	struct file *file;
	struct path p;
	int err;

	err = kern_path(path, LOOKUP_FOLLOW, &p);
	if (err)
		return ERR_PTR(err);
	file = d_is_reg(p.dentry) ? dentry_open(&p, O_RDONLY | O_LARGEFILE | O_NOCTTY, current_cred()) :
				    ERR_PTR(-EINVAL);
	path_put(&p);
	return file;
}

/* Read the seed at @path into @load; why it was ignored, or NULL. */
static const char *recallfs_seed_read(struct recallfs_sb_info *sbi, const char *path,
				      struct recallfs_seed_load *load, char *buf)
{
	struct recallfs_journal_identity ours, theirs;
	u32 fh[RECALLFS_JOURNAL_FH_MAX / 4];
	char *pathbuf;
	const char *why = NULL;
	struct file *file;
	loff_t size, good = 0;
	ssize_t n;
	int ret;

	file = recallfs_seed_open(path);
	if (IS_ERR(file))
		return PTR_ERR(file) == -EINVAL ? "not a regular file" : "it cannot be opened";
	size = i_size_read(file_inode(file));
	n = kernel_read(file, buf, min_t(loff_t, size, RECALLFS_JOURNAL_HEADER_MAX), &(loff_t){ 0 });
	pathbuf = __getname();
	if (n < 0 || !pathbuf) {
		why = "it cannot be read";
		goto out;
	}
	ret = recallfs_header_decode(buf, n, &theirs);
	recallfs_lower_identity(sbi, &ours, fh, pathbuf);
	if (ret == RECALLFS_DECODE_UNSUPPORTED)
		why = "written by a newer recallfs";
	else if (ret < 0)
		why = "no valid journal header";
	else if (!recallfs_identity_describes_lower(&ours, &theirs))
		why = "it describes another lower tree";
	else if (recallfs_read_records(file, buf, ret, size, recallfs_seed_add, load, &good, &why))
		why = "a read error";
	else if (load->error)
		why = "out of memory";
	if (why && load->added)
		pr_warn("seed %s: %s at offset %lld; the %lu directories before it are used\n",
			path, why, good, load->added);
	if (load->added)
		why = NULL;
out:
	if (pathbuf)
		__putname(pathbuf);
	fput(file);
	return why;
}

/*
 * Read every seed= of the mount. A seed that cannot be used is logged and
 * left out; only running out of memory for the table fails the mount.
 */
int recallfs_seeds_load(struct recallfs_sb_info *sbi)
{
	struct recallfs_seeds *seeds;
	unsigned int i;
	char *buf;

	if (!sbi->nr_seed_paths)
		return 0;
	seeds = kzalloc(sizeof(*seeds), GFP_KERNEL);
	buf = kvmalloc(RECALLFS_REPLAY_CHUNK, GFP_KERNEL);
	if (!seeds || !buf)
		goto nomem;
	seeds->bits = 16;
	get_random_bytes(&seeds->key, sizeof(seeds->key));
	seeds->table = kvcalloc(1U << seeds->bits, sizeof(*seeds->table), GFP_KERNEL_ACCOUNT);
	if (!seeds->table)
		goto nomem;
	sbi->seeds = seeds;
	for (i = 0; i < sbi->nr_seed_paths; i++) {
		struct recallfs_seed_load load = { .seeds = seeds };
		const char *why = recallfs_seed_read(sbi, sbi->seed_paths[i], &load, buf);

		if (why) {
			pr_warn("seed %s: ignored: %s\n", sbi->seed_paths[i], why);
			continue;
		}
		seeds->nr_loaded++;
		if (load.full)
			pr_warn("seed %s: seeds may name %lu directories; the rest are left out\n",
				sbi->seed_paths[i], RECALLFS_SEED_DIRS_MAX);
	}
	kvfree(buf);
	return 0;
nomem:
	kvfree(buf);
	kfree(seeds);
	sbi->seeds = NULL;
	return -ENOMEM;
}

void recallfs_seeds_free(struct recallfs_sb_info *sbi)
{
	struct recallfs_seeds *seeds = sbi->seeds;
	struct recallfs_seed_dir *d;
	struct hlist_node *tmp;
	unsigned int i;

	if (!seeds)
		return;
	for (i = 0; i < (1U << seeds->bits); i++)
		hlist_for_each_entry_safe(d, tmp, &seeds->table[i], node)
			kfree(d);
	kvfree(seeds->table);
	kfree(seeds);
	sbi->seeds = NULL;
}

void recallfs_seeds_usage(const struct recallfs_sb_info *sbi, unsigned int *loaded,
			  unsigned long *dirs)
{
	*loaded = sbi->seeds ? sbi->seeds->nr_loaded : 0;
	*dirs = sbi->seeds ? sbi->seeds->nr_dirs : 0;
}

/* Does a seed name directory @path? The table does not change after mount: no lock. */
bool recallfs_seeded(const struct recallfs_sb_info *sbi, const char *path, u32 len)
{
	if (!sbi->seeds || !sbi->seeds->nr_dirs)
		return false;
	return recallfs_seed_has(sbi->seeds, recallfs_seed_hash(sbi->seeds, path, len));
}

/* Does a seed name directory @parent? */
static bool recallfs_seed_names(struct recallfs_sb_info *sbi, struct dentry *parent)
{
	const char *path;
	bool seeded;
	char *buf;
	u32 len;

	buf = __getname();
	if (!buf)
		return false;
	path = recallfs_dir_path(parent, buf, &len);
	seeded = !IS_ERR(path) && recallfs_seeded(sbi, path, len);
	__putname(buf);
	return seeded;
}

/*
 * Before the lower is asked for a name in directory @parent: if a seed names
 * @parent and the index has no complete listing of it, read that listing now,
 * as a readdir of the caller would: with the caller's credentials, after the
 * lower directory's own permission check. True if it was recorded, so that
 * the index may answer the name now. A caller who may not read it, or a
 * listing that a change or an invalidation raced, leaves it to the next one.
 */
bool recallfs_seed_listing(struct dentry *parent)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(parent->d_sb);
	struct recallfs_inode *ri = RECALLFS_I(d_inode(parent));
	struct path lower;

	if (!sbi->seeds || READ_ONCE(ri->seed_tried) || READ_ONCE(ri->uncacheable))
		return false;
	if (!recallfs_seed_names(sbi, parent) || !recallfs_listing_wanted(parent)) {
		WRITE_ONCE(ri->seed_tried, true);	/* for this inode's life: a seed is fixed */
		return false;
	}
	if (recallfs_lower_path(parent, &lower) ||
	    inode_permission(RECALLFS_NOP_IDMAP d_inode(lower.dentry), MAY_READ) ||
	    recallfs_learn_listing(parent, &lower, current_cred()))
		return false;
	WRITE_ONCE(ri->seed_tried, true);
	recallfs_count(sbi, RECALLFS_SEED_LISTINGS);
	return true;
}
