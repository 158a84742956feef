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
 *
 * The invalidation feed names seeds too (RECALLFS_REC_SEED records): a
 * publisher releases a version with its seed, and every mount loads that
 * seed at its next check. Those are files of the lower tree itself, looked
 * up below its root, through no symlink or mount, and never outside it.
 */
#include <linux/file.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "internal.h"
#include "recallfs_journal.h"

/*
 * The most directories all seeds of a mount may name (24 bytes each, at most
 * 24 MiB); more are left out, with a log line.
 */
#define RECALLFS_SEED_DIRS_MAX	(1UL << 20)

/* The most seeds a feed names that a mount remembers having loaded (see recallfs_seed_file). */
#define RECALLFS_FEED_SEEDS_MAX	1024

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

/*
 * A seed the feed named, as it was when loaded: a feed read again from its
 * start (at mount, after a reset) names it again, and it is read again only
 * if it changed.
 */
struct recallfs_seed_file {
	u64 path_hash;
	u64 ino;
	loff_t size;
	struct timespec64 mtime, ctime;
};

/*
 * Filled at mount (seed=) and by the feed's worker (seeds the feed names):
 * one writer at a time, under @lock, while lookups read the table under RCU.
 * Directories are only added, and freed with the superblock.
 */
struct recallfs_seeds {
	struct hlist_head *table;
	unsigned int bits;
	unsigned long nr_dirs;		/* READ_ONCE */
	unsigned int nr_loaded;		/* READ_ONCE */
	/*
	 * Moves on (release) each time directories are added, so that a
	 * directory inode that found no seed naming it looks again.
	 */
	unsigned int gen;
	siphash_key_t key;
	struct mutex lock;
	struct recallfs_seed_file *files;	/* RECALLFS_FEED_SEEDS_MAX, allocated on first use */
	unsigned int nr_files;
	bool files_full_logged;
};

/* Loading one seed: the table being filled, and what this seed added. */
struct recallfs_seed_load {
	struct recallfs_seeds *seeds;
	unsigned long added;
	bool full;
	int error;
};

static struct recallfs_seeds *recallfs_seeds_of(const struct recallfs_sb_info *sbi)
{
	/* Published once, by recallfs_seeds_get(), after it was set up. */
	return smp_load_acquire(&sbi->seeds);
}

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
	bool found = false;

	rcu_read_lock();
	hlist_for_each_entry_rcu(d, recallfs_seed_bucket(seeds, hash), node)
		if (d->hash == hash) {
			found = true;
			break;
		}
	rcu_read_unlock();
	return found;
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
	hlist_add_head_rcu(&d->node, recallfs_seed_bucket(seeds, hash));
	WRITE_ONCE(seeds->nr_dirs, seeds->nr_dirs + 1);
	load->added++;
	return 0;
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

/* Read the seed @file (named @name in messages) into @load; why it was ignored, or NULL. */
static const char *recallfs_seed_read(struct recallfs_sb_info *sbi, struct file *file,
				      const char *name, struct recallfs_seed_load *load, char *buf)
{
	struct recallfs_journal_identity ours, theirs;
	u32 fh[RECALLFS_JOURNAL_FH_MAX / 4];
	char *pathbuf;
	const char *why = NULL;
	loff_t size, good = 0;
	ssize_t n;
	int ret;

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
	else if (!recallfs_identity_same_tree(&ours, &theirs))
		why = "it describes another lower tree";
	else if (recallfs_read_records(file, buf, ret, size, recallfs_seed_add, load, &good, &why))
		why = "a read error";
	else if (load->error)
		why = "out of memory";
	if (why && load->added)
		pr_warn("seed %s: %s at offset %lld; the %lu directories before it are used\n",
			name, why, good, load->added);
	if (load->added)
		why = NULL;
out:
	if (pathbuf)
		__putname(pathbuf);
	return why;
}

/* A loaded seed: counted, and what it added seen by the next lookup of each directory. */
static void recallfs_seed_loaded(struct recallfs_seeds *seeds, const struct recallfs_seed_load *load,
				 const char *name)
{
	WRITE_ONCE(seeds->nr_loaded, seeds->nr_loaded + 1);
	if (load->added)
		smp_store_release(&seeds->gen, seeds->gen + 1);
	if (load->full)
		pr_warn("seed %s: seeds may name %lu directories; the rest are left out\n",
			name, RECALLFS_SEED_DIRS_MAX);
}

/* The mount's table, set up on first use (one writer at a time: see struct recallfs_seeds). */
static struct recallfs_seeds *recallfs_seeds_get(struct recallfs_sb_info *sbi)
{
	struct recallfs_seeds *seeds = sbi->seeds;

	if (seeds)
		return seeds;
	seeds = kzalloc(sizeof(*seeds), GFP_KERNEL);
	if (!seeds)
		return NULL;
	seeds->bits = 16;
	seeds->gen = 1;		/* a new directory inode's 0 has not looked */
	mutex_init(&seeds->lock);
	get_random_bytes(&seeds->key, sizeof(seeds->key));
	seeds->table = kvcalloc(1U << seeds->bits, sizeof(*seeds->table), GFP_KERNEL_ACCOUNT);
	if (!seeds->table) {
		kfree(seeds);
		return NULL;
	}
	smp_store_release(&sbi->seeds, seeds);
	return seeds;
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
	seeds = recallfs_seeds_get(sbi);
	buf = kvmalloc(RECALLFS_REPLAY_CHUNK, GFP_KERNEL);
	if (!seeds || !buf) {
		kvfree(buf);
		return -ENOMEM;
	}
	mutex_lock(&seeds->lock);
	for (i = 0; i < sbi->nr_seed_paths; i++) {
		struct recallfs_seed_load load = { .seeds = seeds };
		struct file *file = recallfs_seed_open(sbi->seed_paths[i]);
		const char *why;

		if (IS_ERR(file))
			why = PTR_ERR(file) == -EINVAL ? "not a regular file" : "it cannot be opened";
		else
			why = recallfs_seed_read(sbi, file, sbi->seed_paths[i], &load, buf);
		if (!IS_ERR(file))
			fput(file);
		if (why)
			pr_warn("seed %s: ignored: %s\n", sbi->seed_paths[i], why);
		else
			recallfs_seed_loaded(seeds, &load, sbi->seed_paths[i]);
	}
	mutex_unlock(&seeds->lock);
	kvfree(buf);
	return 0;
}

/*
 * The seed at @rel in the lower tree, for the feed: looked up one component
 * at a time from the lower root, as the mounter (the feed's worker runs with
 * the mounter's credentials, and each step checks search permission), never
 * through a symlink or across a mount, so that a publisher's symlink cannot
 * lead out of the tree. @rel is a checked relative path: no "." or "..".
 */
static struct file *recallfs_seed_open_in_tree(struct recallfs_sb_info *sbi, const char *rel)
{
	struct path p = { .mnt = sbi->lower_root.mnt, .dentry = dget(sbi->lower_root.dentry) };
	struct file *file;

	while (*rel) {
		const char *end = strchrnul(rel, '/');
		struct qstr name = QSTR_INIT(rel, end - rel);
		struct dentry *next;

		/* A mount point or an automount (NFSv4 crossmnt) leads to another filesystem. */
		next = d_can_lookup(p.dentry) && !d_mountpoint(p.dentry) && !d_managed(p.dentry) ?
		       recallfs_lookup_one(p.dentry, &name) : ERR_PTR(-ENOTDIR);
		dput(p.dentry);
		if (IS_ERR(next))
			return ERR_CAST(next);
		if (d_really_is_negative(next)) {
			dput(next);
			return ERR_PTR(-ENOENT);
		}
		p.dentry = next;
		rel = *end ? end + 1 : end;
	}
	file = d_is_reg(p.dentry) ?
	       dentry_open(&p, O_RDONLY | O_LARGEFILE | O_NOCTTY, sbi->mounter_cred) :
	       ERR_PTR(-EINVAL);
	dput(p.dentry);
	return file;
}

/* The slot of the feed's seed @path_hash, or NULL. */
static struct recallfs_seed_file *recallfs_seed_file_find(struct recallfs_seeds *seeds,
							  u64 path_hash)
{
	unsigned int i;

	for (i = 0; i < seeds->nr_files; i++)
		if (seeds->files[i].path_hash == path_hash)
			return &seeds->files[i];
	return NULL;
}

static bool recallfs_seed_file_same(const struct recallfs_seed_file *f, const struct kstat *st)
{
	return f->ino == st->ino && f->size == st->size &&
	       timespec64_equal(&f->mtime, &st->mtime) && timespec64_equal(&f->ctime, &st->ctime);
}

/* Remember that the feed's seed @path_hash was loaded as @st says it is now. */
static void recallfs_seed_file_remember(struct recallfs_seeds *seeds,
					struct recallfs_seed_file *slot, u64 path_hash,
					const struct kstat *st)
{
	if (!slot) {
		if (!seeds->files)
			seeds->files = kvcalloc(RECALLFS_FEED_SEEDS_MAX, sizeof(*seeds->files),
						GFP_KERNEL);
		if (!seeds->files || seeds->nr_files == RECALLFS_FEED_SEEDS_MAX) {
			/* Only a cost: it is read again when the feed names it again. */
			if (seeds->files && !seeds->files_full_logged)
				pr_warn("feed: more than %d seeds named; the rest are read again each time the feed is (rotate it)\n",
					RECALLFS_FEED_SEEDS_MAX);
			seeds->files_full_logged = true;
			return;
		}
		slot = &seeds->files[seeds->nr_files++];
	}
	*slot = (struct recallfs_seed_file){ .path_hash = path_hash, .ino = st->ino,
		.size = st->size, .mtime = st->mtime, .ctime = st->ctime };
}

/* Load the seed the feed names at @rel, unless it was loaded as it is now. Why not, or NULL. */
static const char *recallfs_seed_load_in_tree(struct recallfs_sb_info *sbi,
					      struct recallfs_seeds *seeds, const char *rel,
					      char *buf)
{
	struct recallfs_seed_load load = { .seeds = seeds };
	u64 path_hash = recallfs_seed_hash(seeds, rel, strlen(rel));
	struct recallfs_seed_file *slot;
	struct file *file;
	const char *why;
	struct kstat st;

	file = recallfs_seed_open_in_tree(sbi, rel);
	if (IS_ERR(file))
		return PTR_ERR(file) == -EINVAL ? "not a regular file" : "it cannot be opened";
	why = "its attributes cannot be read";
	if (vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT))
		goto out;
	why = NULL;
	slot = recallfs_seed_file_find(seeds, path_hash);
	if (slot && recallfs_seed_file_same(slot, &st))
		goto out;
	why = recallfs_seed_read(sbi, file, rel, &load, buf);
	if (!why) {
		recallfs_seed_loaded(seeds, &load, rel);
		recallfs_seed_file_remember(seeds, slot, path_hash, &st);
	}
out:
	fput(file);
	return why;
}

/*
 * A seed that the feed names, at @rel relative to the lower root (a record's
 * path, already checked): load it as seed= would be, now. A seed that
 * cannot be used is logged and left out; the feed goes on.
 */
void recallfs_seed_load_named(struct recallfs_sb_info *sbi, const char *rel)
{
	struct recallfs_seeds *seeds = recallfs_seeds_get(sbi);
	char *buf = kvmalloc(RECALLFS_REPLAY_CHUNK, GFP_KERNEL);
	const char *why = "out of memory";

	if (seeds && buf) {
		mutex_lock(&seeds->lock);
		why = recallfs_seed_load_in_tree(sbi, seeds, rel, buf);
		mutex_unlock(&seeds->lock);
	}
	if (why)
		pr_warn_ratelimited("feed %s: seed %s: ignored: %s\n", sbi->feed_path, rel, why);
	kvfree(buf);
}

void recallfs_seeds_free(struct recallfs_sb_info *sbi)
{
	struct recallfs_seeds *seeds = sbi->seeds;
	struct recallfs_seed_dir *d;
	struct hlist_node *tmp;
	unsigned int i;

	if (!seeds)
		return;
	/* No lookup and no feed are left: nothing reads the table. */
	for (i = 0; i < (1U << seeds->bits); i++)
		hlist_for_each_entry_safe(d, tmp, &seeds->table[i], node)
			kfree(d);
	kvfree(seeds->table);
	kvfree(seeds->files);
	mutex_destroy(&seeds->lock);
	kfree(seeds);
	sbi->seeds = NULL;
}

void recallfs_seeds_usage(const struct recallfs_sb_info *sbi, unsigned int *loaded,
			  unsigned long *dirs)
{
	struct recallfs_seeds *seeds = recallfs_seeds_of(sbi);

	*loaded = seeds ? READ_ONCE(seeds->nr_loaded) : 0;
	*dirs = seeds ? READ_ONCE(seeds->nr_dirs) : 0;
}

/* Does a seed name directory @parent? */
static bool recallfs_seed_names(struct recallfs_seeds *seeds, struct dentry *parent)
{
	const char *path;
	bool seeded;
	char *buf;
	u32 len;

	buf = __getname();
	if (!buf)
		return false;
	path = recallfs_dir_path(parent, buf, &len);
	seeded = !IS_ERR(path) && recallfs_seed_has(seeds, recallfs_seed_hash(seeds, path, len));
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
 * Each directory inode looks once per generation of the seeds.
 */
bool recallfs_seed_listing(struct dentry *parent)
{
	struct recallfs_sb_info *sbi = RECALLFS_SB(parent->d_sb);
	struct recallfs_seeds *seeds = recallfs_seeds_of(sbi);
	struct recallfs_inode *ri = RECALLFS_I(d_inode(parent));
	struct path lower;
	unsigned int gen;

	if (!seeds || !READ_ONCE(seeds->nr_dirs) || READ_ONCE(ri->uncacheable))
		return false;
	/* Before the table is read: what that generation added is in it. */
	gen = smp_load_acquire(&seeds->gen);
	if (READ_ONCE(ri->seed_gen) == gen)
		return false;
	if (!recallfs_seed_names(seeds, parent) || !recallfs_listing_wanted(parent)) {
		WRITE_ONCE(ri->seed_gen, gen);
		return false;
	}
	if (recallfs_lower_path(parent, &lower) ||
	    inode_permission(RECALLFS_NOP_IDMAP d_inode(lower.dentry), MAY_READ) ||
	    recallfs_learn_listing(parent, &lower, current_cred()))
		return false;
	WRITE_ONCE(ri->seed_gen, gen);
	recallfs_count(sbi, RECALLFS_SEED_LISTINGS);
	return true;
}
