// SPDX-License-Identifier: GPL-2.0-only
/*
 * recallfs: the in-memory index of recorded lookup results.
 *
 * Directories are identified by their path from the mount root (so that the
 * journal can rebuild them) and hashed by it; entries are hashed by (directory,
 * name). Both tables are rhashtables: lookups run under RCU without locks,
 * inserts take a bucket lock, the directory's own spinlock and the eviction
 * queues' lock. What an entry records never changes once inserted (only its
 * place in the queues does); a newer result for the same name replaces the
 * entry. Directories and entries are freed after an RCU grace period.
 *
 * At max_entries, entries are evicted: two queues, probation and protected
 * (a segmented LRU with a second chance). An entry answered again is marked used, and when its turn
 * comes it moves to protected instead of going. So a scan of names nobody
 * asks for twice evicts only its own kind, and the working set stays.
 * Compaction keeps that knowledge (RECALLFS_ENTRY_HOT) and drops the evicted.
 */
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "internal.h"

struct recallfs_index {
	struct rhashtable dirs;
	struct rhashtable entries;
	atomic_long_t nr_entries;
	atomic_long_t nr_dirs;
	atomic_long_t memory;
	atomic_long_t entry_memory;	/* the part of memory that entries hold */
	atomic_long_t evicted_unjournaled;	/* see recallfs_index_evicted_unjournaled() */
	struct mutex invalidate_lock;	/* serializes invalidations and their table walks */
	/* Invalidations begun and ended, under invalidate_lock: odd while one runs. */
	atomic_long_t invalidations;
	spinlock_t lru_lock;		/* the queues; nests inside a directory's lock */
	struct list_head probation;	/* oldest first */
	struct list_head protected;	/* oldest first */
	unsigned long nr_protected;
	struct recallfs_shrinker shrinker;	/* gives entries back under memory pressure */
};

/* Protected holds at most this share of max_entries: new names always find room. */
#define RECALLFS_PROTECTED_SHARE(max)	((max) / 4 * 3)
/*
 * Entries looked at per eviction (under lru_lock) before giving up: enough to
 * move a long run of entries in use at the head of probation to protected.
 */
#define RECALLFS_EVICT_SCAN		512

struct recallfs_key {
	const void *scope;		/* entries: the directory; dirs: NULL */
	const char *name;
	u32 len;
};

static u32 recallfs_key_hash(const void *scope, const char *name, u32 len, u32 seed)
{
	return jhash(name, len, seed ^ hash_ptr((void *)scope, 32));
}

static u32 recallfs_hash_key(const void *data, u32 len, u32 seed)
{
	const struct recallfs_key *key = data;

	return recallfs_key_hash(key->scope, key->name, key->len, seed);
}

static u32 recallfs_hash_dir(const void *data, u32 len, u32 seed)
{
	const struct recallfs_dir *dir = data;

	return recallfs_key_hash(NULL, dir->path, dir->path_len, seed);
}

static u32 recallfs_hash_entry(const void *data, u32 len, u32 seed)
{
	const struct recallfs_entry *e = data;

	return recallfs_key_hash(e->dir, e->name, e->name_len, seed);
}

static int recallfs_cmp_dir(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct recallfs_key *key = arg->key;
	const struct recallfs_dir *dir = obj;

	return dir->path_len != key->len || memcmp(dir->path, key->name, key->len);
}

static int recallfs_cmp_entry(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct recallfs_key *key = arg->key;
	const struct recallfs_entry *e = obj;

	return e->dir != key->scope || e->name_len != key->len ||
	       memcmp(e->name, key->name, key->len);
}

static const struct rhashtable_params recallfs_dir_params = {
	.head_offset = offsetof(struct recallfs_dir, node),
	.hashfn = recallfs_hash_key,
	.obj_hashfn = recallfs_hash_dir,
	.obj_cmpfn = recallfs_cmp_dir,
	.automatic_shrinking = true,
};

static const struct rhashtable_params recallfs_entry_params = {
	.head_offset = offsetof(struct recallfs_entry, node),
	.hashfn = recallfs_hash_key,
	.obj_hashfn = recallfs_hash_entry,
	.obj_cmpfn = recallfs_cmp_entry,
	.automatic_shrinking = true,
};

/*
 * Under memory pressure the index gives entries back in eviction order
 * (one-off entries first), but never below min_entries: a drop_caches
 * between batch jobs must not leave the next job to start cold.
 */
static unsigned long recallfs_index_shrink_count(struct shrinker *shrink,
						 struct shrink_control *sc)
{
	struct recallfs_sb_info *sbi = recallfs_shrinker_data(shrink);
	long n = atomic_long_read(&sbi->index->nr_entries);
	long min = READ_ONCE(sbi->min_entries);

	return n > min ? n - min : 0;
}

static unsigned long recallfs_index_shrink_scan(struct shrinker *shrink,
						struct shrink_control *sc)
{
	struct recallfs_sb_info *sbi = recallfs_shrinker_data(shrink);
	unsigned long nr = min(sc->nr_to_scan, recallfs_index_shrink_count(shrink, sc));
	unsigned long freed = nr ? recallfs_index_evict(sbi, nr) : 0;

	if (!freed)
		return SHRINK_STOP;
	recallfs_count_add(sbi, RECALLFS_SHRUNK, freed);
	return freed;
}

int recallfs_index_create(struct recallfs_sb_info *sbi)
{
	struct recallfs_index *ix;
	int err;

	ix = kzalloc(sizeof(*ix), GFP_KERNEL);
	if (!ix)
		return -ENOMEM;
	mutex_init(&ix->invalidate_lock);
	spin_lock_init(&ix->lru_lock);
	INIT_LIST_HEAD(&ix->probation);
	INIT_LIST_HEAD(&ix->protected);
	err = rhashtable_init(&ix->dirs, &recallfs_dir_params);
	if (err)
		goto out_free;
	err = rhashtable_init(&ix->entries, &recallfs_entry_params);
	if (err)
		goto out_dirs;
	sbi->index = ix;
	/* Last: the callbacks find a complete index through sbi. */
	err = recallfs_shrinker_register(&ix->shrinker, recallfs_index_shrink_count,
					 recallfs_index_shrink_scan, sbi, sbi->name);
	if (err) {
		sbi->index = NULL;
		goto out_entries;
	}
	return 0;

out_entries:
	rhashtable_destroy(&ix->entries);
out_dirs:
	rhashtable_destroy(&ix->dirs);
out_free:
	kfree(ix);
	return err;
}

static void recallfs_free_entry(void *ptr, void *arg)
{
	kfree(ptr);
}

static void recallfs_put_table_dir(void *ptr, void *arg)
{
	recallfs_dir_put(ptr);
}

/* No shrinking from here on: the last compaction writes what stays. */
void recallfs_index_stop_shrinker(struct recallfs_sb_info *sbi)
{
	if (sbi->index)
		recallfs_shrinker_unregister(&sbi->index->shrinker);
}

void recallfs_index_destroy(struct recallfs_sb_info *sbi)
{
	struct recallfs_index *ix = sbi->index;

	if (!ix)
		return;
	recallfs_shrinker_unregister(&ix->shrinker);
	rhashtable_free_and_destroy(&ix->entries, recallfs_free_entry, NULL);
	rhashtable_free_and_destroy(&ix->dirs, recallfs_put_table_dir, NULL);
	kfree(ix);
	sbi->index = NULL;
}

void recallfs_index_usage(struct recallfs_sb_info *sbi, struct recallfs_index_usage *u)
{
	struct recallfs_index *ix = sbi->index;

	u->entries = atomic_long_read(&ix->nr_entries);
	u->directories = atomic_long_read(&ix->nr_dirs);
	u->memory_bytes = atomic_long_read(&ix->memory);
	u->entry_memory_bytes = atomic_long_read(&ix->entry_memory);
}

void recallfs_dir_put(struct recallfs_dir *dir)
{
	if (dir && refcount_dec_and_test(&dir->ref))
		kfree_rcu(dir, rcu);
}

/* The recorded directory at @path, referenced, or NULL. */
struct recallfs_dir *recallfs_dir_find(struct recallfs_sb_info *sbi,
				       const char *path, u32 len)
{
	struct recallfs_key key = { .name = path, .len = len };
	struct recallfs_dir *dir;

	rcu_read_lock();
	dir = rhashtable_lookup(&sbi->index->dirs, &key, recallfs_dir_params);
	if (dir && (READ_ONCE(dir->dead) || !refcount_inc_not_zero(&dir->ref)))
		dir = NULL;
	rcu_read_unlock();
	return dir;
}

/*
 * An answer is learned from the lower filesystem after @l was started, and
 * recorded only if it is still current when it reaches the index (under the
 * directory's lock): no invalidation began or ran meanwhile. The lower's
 * answer may be older than an invalidation that ran beside it (its caches
 * are dropped only at the invalidation's end), and a state recorded since
 * must not hold it.
 */
void recallfs_learning_start(struct recallfs_sb_info *sbi, struct recallfs_learning *l)
{
	/*
	 * The lower is asked after this read: an even count read here means
	 * the last invalidation's effects, its dropped lower caches included,
	 * are seen (pairs with recallfs_invalidation_end()).
	 */
	l->invalidations = atomic_long_read(&sbi->index->invalidations);
	smp_rmb();
}

bool recallfs_learning_current(struct recallfs_sb_info *sbi, const struct recallfs_learning *l)
{
	/* After what was learned, and after the dead directory that led to a new state. */
	smp_mb();
	return !(l->invalidations & 1) &&
	       atomic_long_read(&sbi->index->invalidations) == l->invalidations;
}

static void recallfs_invalidation_begin(struct recallfs_index *ix)
{
	mutex_lock(&ix->invalidate_lock);
	atomic_long_inc(&ix->invalidations);
	/* Odd before any effect: a lookup that sees one sees this too. */
	smp_mb__after_atomic();
}

static void recallfs_invalidation_end(struct recallfs_index *ix)
{
	/* Even only after every effect, the lower's dropped caches included. */
	smp_mb__before_atomic();
	atomic_long_inc(&ix->invalidations);
	mutex_unlock(&ix->invalidate_lock);
}

/* Take the stamp and file handle of a DIR record. */
static void recallfs_dir_set_state(struct recallfs_dir *dir, const struct recallfs_record *state)
{
	dir->stamp = state->stamp;
	dir->fh_type = state->fh_type;
	dir->fh_len = min_t(u32, state->fh_len, RECALLFS_FH_MAX);
	if (dir->fh_len)
		memcpy(dir->fh, state->fh, dir->fh_len);
}

/* Generations of index directories: a forgotten directory's successor has a new one. */
static atomic_long_t recallfs_dir_generation = ATOMIC_LONG_INIT(0);

static unsigned long recallfs_next_dir_gen(void)
{
	unsigned long gen;

	/* The low bits of a dentry's d_time are RECALLFS_DENTRY_FLAGS. */
	do {
		gen = atomic_long_add_return(4, &recallfs_dir_generation);
	} while (!gen);
	return gen;
}

/*
 * The recorded directory at @path, created with the stamp and file handle of
 * @state if missing; referenced. An existing live directory keeps its own.
 */
struct recallfs_dir *recallfs_dir_get(struct recallfs_sb_info *sbi, const char *path,
				      u32 len, const struct recallfs_record *state, bool *created)
{
	struct recallfs_key key = { .name = path, .len = len };
	struct recallfs_index *ix = sbi->index;
	struct recallfs_dir *dir, *old;

	*created = false;
	dir = recallfs_dir_find(sbi, path, len);
	if (dir)
		return dir;
	dir = kzalloc(struct_size(dir, path, len + 1), GFP_KERNEL);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	refcount_set(&dir->ref, 2);		/* the table's and the caller's */
	spin_lock_init(&dir->lock);
	INIT_LIST_HEAD(&dir->entries);
	recallfs_dir_set_state(dir, state);
	dir->gen = recallfs_next_dir_gen();
	/* Not verified yet; jiffies starts near wrap-around, so no zero here. */
	dir->verified_until = jiffies - 1;
	dir->path_len = len;
	memcpy(dir->path, path, len);

	old = rhashtable_lookup_get_insert_key(&ix->dirs, &key, &dir->node, recallfs_dir_params);
	if (old) {
		kfree(dir);
		if (IS_ERR(old))
			return old;
		/* Lost a race: use the winner. A dead one is being removed: retry later. */
		if (READ_ONCE(old->dead) || !refcount_inc_not_zero(&old->ref))
			return ERR_PTR(-EAGAIN);
		return old;
	}
	atomic_long_inc(&ix->nr_dirs);
	atomic_long_add(ksize(dir), &ix->memory);
	*created = true;
	return dir;
}

/* The entry for @name in @dir; caller holds rcu_read_lock(). */
struct recallfs_entry *recallfs_entry_find(struct recallfs_sb_info *sbi,
					   const struct recallfs_dir *dir,
					   const char *name, u32 len)
{
	struct recallfs_key key = { .scope = dir, .name = name, .len = len };

	return rhashtable_lookup(&sbi->index->entries, &key, recallfs_entry_params);
}

/* Count @e's memory in (@sign 1) or out (-1) of the index's. */
static void recallfs_account_entry(struct recallfs_index *ix, const struct recallfs_entry *e,
				   long sign)
{
	long bytes = sign * (long)ksize(e);

	atomic_long_add(bytes, &ix->memory);
	atomic_long_add(bytes, &ix->entry_memory);
}

/* Put @e at the young end of @queue; lru_lock held. */
static void recallfs_lru_queue(struct recallfs_index *ix, struct recallfs_entry *e, u8 queue)
{
	if (e->queue == RECALLFS_LRU_PROTECTED)
		ix->nr_protected--;
	if (queue == RECALLFS_LRU_PROTECTED)
		ix->nr_protected++;
	list_move_tail(&e->lru, queue == RECALLFS_LRU_PROTECTED ? &ix->protected : &ix->probation);
	WRITE_ONCE(e->queue, queue);
	WRITE_ONCE(e->used, false);
}

static void __recallfs_lru_del(struct recallfs_index *ix, struct recallfs_entry *e)
{
	if (e->queue == RECALLFS_LRU_PROTECTED)
		ix->nr_protected--;
	list_del_init(&e->lru);
	WRITE_ONCE(e->queue, RECALLFS_LRU_NONE);
}

static void recallfs_lru_del(struct recallfs_index *ix, struct recallfs_entry *e)
{
	spin_lock(&ix->lru_lock);
	__recallfs_lru_del(ix, e);
	spin_unlock(&ix->lru_lock);
}

static void recallfs_lru_balance(struct recallfs_sb_info *sbi, struct recallfs_index *ix,
				 unsigned int *budget);

/* Queue new entry @e: protected if @hot (it, or the entry it replaces, was in use). */
static void recallfs_lru_add(struct recallfs_sb_info *sbi, struct recallfs_entry *e, bool hot)
{
	struct recallfs_index *ix = sbi->index;
	unsigned int budget = RECALLFS_EVICT_SCAN;

	spin_lock(&ix->lru_lock);
	recallfs_lru_queue(ix, e, hot ? RECALLFS_LRU_PROTECTED : RECALLFS_LRU_PROBATION);
	if (hot)
		recallfs_lru_balance(sbi, ix, &budget);
	spin_unlock(&ix->lru_lock);
}

static bool recallfs_entry_hot(const struct recallfs_entry *e)
{
	return READ_ONCE(e->queue) == RECALLFS_LRU_PROTECTED || READ_ONCE(e->used);
}

/* Take @e out of the table, its directory and the count; its queue is the caller's. */
static void recallfs_entry_remove(struct recallfs_index *ix, struct recallfs_entry *e)
{
	rhashtable_remove_fast(&ix->entries, &e->node, recallfs_entry_params);
	list_del(&e->dir_link);
	atomic_long_dec(&ix->nr_entries);
	recallfs_account_entry(ix, e, -1);
	kfree_rcu(e, rcu);
}

static void recallfs_entry_unlink(struct recallfs_index *ix, struct recallfs_entry *e)
{
	recallfs_lru_del(ix, e);
	recallfs_entry_remove(ix, e);
}

/* Whether @dir has an entry for @rec's name already (a replacement needs no room). */
static bool recallfs_entry_recorded(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
				    const struct recallfs_record *rec)
{
	bool found;

	rcu_read_lock();
	found = recallfs_entry_find(sbi, dir, rec->name, rec->name_len);
	rcu_read_unlock();
	return found;
}

/*
 * Journal @dir's state before its first record, not when it is made: a
 * lookup that records nothing (it failed, or raced an invalidation) logs no
 * state, and the state follows any INVALIDATE logged before the learning
 * started. @dir's lock held.
 */
static void recallfs_dir_log_state(struct recallfs_sb_info *sbi, struct recallfs_dir *dir)
{
	struct recallfs_record rec;

	if (dir->state_logged)
		return;
	recallfs_dir_to_state_record(dir, &rec);
	recallfs_journal_log(sbi, &rec);
	dir->state_logged = true;
}

/* May @learned reach live @dir now? @dir's lock held; no @learned: a replayed record. */
static bool recallfs_dir_admits(struct recallfs_sb_info *sbi, const struct recallfs_dir *dir,
				const struct recallfs_learning *learned)
{
	return !dir->dead && (!learned || recallfs_learning_current(sbi, learned));
}

/*
 * May @rec, made from entry @old as the caller saw it, replace @old now?
 * Only if @old still records @lower, has no target yet, no flag @rec lacks
 * and the attributes @rec carries: an amendment or a record made since is
 * not undone.
 */
static bool recallfs_entry_amendable(const struct recallfs_entry *old,
				     const struct recallfs_record *rec, const struct inode *lower)
{
	const struct recallfs_attr *a, *b = &rec->attr;

	if (!old || !recallfs_entry_records(old, lower) || old->link_len ||
	    (old->flags & ~rec->flags) ||
	    (recallfs_entry_xattr_absent(old) & ~rec->xattr_absent))
		return false;
	a = recallfs_entry_attr(old);
	return a->size == b->size && a->nlink == b->nlink &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

static void recallfs_entry_set_handle(struct recallfs_entry *e, const struct recallfs_record *rec)
{
	struct recallfs_handle *h = recallfs_entry_handle(e);

	e->fh_len = rec->fh_len;
	h->type = rec->fh_type;
	h->len = rec->fh_len;
	memcpy(h->bytes, rec->fh, rec->fh_len);
}

/*
 * Record @rec (an ENTRY) in @dir, replacing an older entry for the name
 * (with @amends, only one that records that lower inode).
 * An entry @learned from the lower is journaled while @dir's lock orders it:
 * before any INVALIDATE of @dir (logged when @dir dies, under the same lock),
 * so that replay never applies an entry after its directory's invalidation.
 * Returns 0, or -ENOSPC when max_entries is reached (counted, not an error
 * for the caller), -ESTALE for a dead @dir or an answer an invalidation
 * raced (recallfs_learning_current()).
 */
static int recallfs_entry_put(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			      const struct recallfs_record *rec,
			      const struct recallfs_learning *learned, const struct inode *amends)
{
	struct recallfs_index *ix = sbi->index;
	struct recallfs_record logged;
	struct recallfs_entry *e, *old;
	bool has_handle;
	size_t size;
	int err = 0;

	/* Refused anyway (under the lock): make no room for it. */
	if (learned && !recallfs_learning_current(sbi, learned))
		return -ESTALE;
	if (atomic_long_read(&ix->nr_entries) >= READ_ONCE(sbi->max_entries) &&
	    !recallfs_entry_recorded(sbi, dir, rec) && !recallfs_index_evict(sbi, 1)) {
		recallfs_count(sbi, RECALLFS_NOT_ADMITTED);
		return -ENOSPC;
	}
	size = recallfs_entry_attr_offset(rec->name_len, rec->link_len);
	has_handle = (rec->flags & RECALLFS_ENTRY_POSITIVE) && rec->fh_len &&
		     rec->fh_len <= RECALLFS_FH_MAX;
	if (rec->flags & RECALLFS_ENTRY_POSITIVE)
		size += sizeof(struct recallfs_positive);
	else if (rec->flags & RECALLFS_ENTRY_TYPED)
		size += sizeof(struct recallfs_listed);
	if (has_handle)
		size += sizeof(struct recallfs_handle) + rec->fh_len;
	e = kzalloc(size, GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->dir = dir;
	e->flags = rec->flags & ~RECALLFS_ENTRY_HOT;
	INIT_LIST_HEAD(&e->lru);
	e->name_len = rec->name_len;
	memcpy(e->name, rec->name, rec->name_len);
	e->link_len = rec->link_len;
	if (rec->link_len)
		memcpy(e->name + rec->name_len + 1, rec->link, rec->link_len);
	if (rec->flags & RECALLFS_ENTRY_POSITIVE) {
		recallfs_entry_positive(e)->attr = rec->attr;
		recallfs_entry_positive(e)->xattr_absent = rec->xattr_absent;
	} else if (rec->flags & RECALLFS_ENTRY_TYPED) {
		recallfs_entry_listed(e)->ino = rec->attr.ino;
		recallfs_entry_listed(e)->mode = rec->attr.mode;
	}
	if (has_handle)
		recallfs_entry_set_handle(e, rec);

	spin_lock(&dir->lock);
	if (!recallfs_dir_admits(sbi, dir, learned)) {
		err = -ESTALE;
		goto out_unlock;
	}
	/* The table is read under RCU; dir->lock keeps @old in it until we are done. */
	rcu_read_lock();
	old = recallfs_entry_find(sbi, dir, rec->name, rec->name_len);
	rcu_read_unlock();
	if (amends && !recallfs_entry_amendable(old, rec, amends)) {
		err = -ESTALE;
		goto out_unlock;
	}
	/* A name found where a listing had it stays listed. */
	if (old && (rec->flags & RECALLFS_ENTRY_POSITIVE) &&
	    (old->flags & (RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_IN_LISTING))) {
		e->flags |= RECALLFS_ENTRY_IN_LISTING;
		logged = *rec;
		logged.flags |= RECALLFS_ENTRY_IN_LISTING;
		rec = &logged;
	}
	if (old) {
		err = rhashtable_replace_fast(&ix->entries, &old->node, &e->node,
					      recallfs_entry_params);
		if (!err) {
			list_replace(&old->dir_link, &e->dir_link);
			recallfs_account_entry(ix, old, -1);
			recallfs_account_entry(ix, e, 1);
			recallfs_lru_add(sbi, e, recallfs_entry_hot(old) ||
					 (rec->flags & RECALLFS_ENTRY_HOT));
			recallfs_lru_del(ix, old);
			kfree_rcu(old, rcu);
			e = NULL;
		}
		goto out_log;
	}
	err = rhashtable_insert_fast(&ix->entries, &e->node, recallfs_entry_params);
	if (!err) {
		list_add_tail(&e->dir_link, &dir->entries);
		atomic_long_inc(&ix->nr_entries);
		recallfs_account_entry(ix, e, 1);
		recallfs_lru_add(sbi, e, rec->flags & RECALLFS_ENTRY_HOT);
		e = NULL;
	}
out_log:
	if (!err && learned) {
		recallfs_dir_log_state(sbi, dir);
		recallfs_journal_log(sbi, rec);
	}
out_unlock:
	spin_unlock(&dir->lock);
	kfree(e);
	return err;
}

int recallfs_entry_add(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
		       const struct recallfs_record *rec, const struct recallfs_learning *learned)
{
	return recallfs_entry_put(sbi, dir, rec, learned, NULL);
}

/*
 * Is positive entry @e a record of @lower as it is now: the same type and
 * inode number, and no more mode bits, owner or group than it has? What was
 * learned from @lower (a link target, MODE_ONLY) may be added only to such.
 */
bool recallfs_entry_records(const struct recallfs_entry *e, const struct inode *lower)
{
	const struct recallfs_attr *attr;

	if (!(e->flags & RECALLFS_ENTRY_POSITIVE))
		return false;
	attr = recallfs_entry_attr(e);
	return attr->ino == lower->i_ino && attr->mode == lower->i_mode &&
	       uid_eq(make_kuid(&init_user_ns, attr->uid), lower->i_uid) &&
	       gid_eq(make_kgid(&init_user_ns, attr->gid), lower->i_gid);
}

/*
 * Replace the entry of @rec's name with @rec, only if that entry is still a
 * record of @lower (checked under @dir's lock: the entry may have been
 * replaced since the caller looked). -ESTALE otherwise.
 */
int recallfs_entry_amend(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			 const struct recallfs_record *rec, const struct recallfs_learning *learned,
			 const struct inode *lower)
{
	return recallfs_entry_put(sbi, dir, rec, learned, lower);
}

/*
 * Demote the oldest protected entries beyond protected's share to probation,
 * giving one in use another round instead; lru_lock held.
 */
static void recallfs_lru_balance(struct recallfs_sb_info *sbi, struct recallfs_index *ix,
				 unsigned int *budget)
{
	unsigned long share = RECALLFS_PROTECTED_SHARE(READ_ONCE(sbi->max_entries));
	struct recallfs_entry *e;

	while (ix->nr_protected > share && *budget) {
		(*budget)--;
		e = list_first_entry(&ix->protected, struct recallfs_entry, lru);
		recallfs_lru_queue(ix, e, READ_ONCE(e->used) ? RECALLFS_LRU_PROTECTED :
				   RECALLFS_LRU_PROBATION);
	}
}

/*
 * Evict @e if its directory's lock can be had now (lru_lock held: the usual
 * order is the other way round). A positive entry leaves a hole in a complete
 * listing: the directory is no longer complete. A negative one does not.
 */
static bool recallfs_evict_one(struct recallfs_sb_info *sbi, struct recallfs_entry *e)
{
	struct recallfs_index *ix = sbi->index;
	struct recallfs_dir *dir = e->dir;

	if (!spin_trylock(&dir->lock))
		return false;
	if (e->flags & (RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_LISTED)) {
		bool was_complete = dir->complete;

		dir->lost_entries = true;
		dir->losses++;
		WRITE_ONCE(dir->complete, false);
		/* Pairs with recallfs_index_answer(): no miss of @e with complete still set. */
		smp_wmb();
		/*
		 * Journaled too: a compaction that wrote @e before, followed by
		 * a complete mark logged meanwhile, must not replay as a
		 * complete directory without @e.
		 */
		if (was_complete && !dir->dead) {
			struct recallfs_record rec;

			recallfs_dir_to_state_record(dir, &rec);
			recallfs_journal_log(sbi, &rec);
		}
	}
	__recallfs_lru_del(ix, e);
	recallfs_entry_remove(ix, e);
	spin_unlock(&dir->lock);
	return true;
}

unsigned long recallfs_index_evict(struct recallfs_sb_info *sbi, unsigned long nr)
{
	struct recallfs_index *ix = sbi->index;
	unsigned int budget = RECALLFS_EVICT_SCAN;
	struct recallfs_entry *e;
	unsigned long evicted = 0;

	spin_lock(&ix->lru_lock);
	while (evicted < nr && budget) {
		budget--;
		if (!list_empty(&ix->probation))
			e = list_first_entry(&ix->probation, struct recallfs_entry, lru);
		else if (!list_empty(&ix->protected))
			e = list_first_entry(&ix->protected, struct recallfs_entry, lru);
		else
			break;
		if (READ_ONCE(e->used)) {
			/* Its second chance: protected, and the oldest there may step down. */
			recallfs_lru_queue(ix, e, RECALLFS_LRU_PROTECTED);
			recallfs_lru_balance(sbi, ix, &budget);
		} else if (recallfs_evict_one(sbi, e)) {
			evicted++;
		} else {
			list_move_tail(&e->lru, e->queue == RECALLFS_LRU_PROTECTED ?
				       &ix->protected : &ix->probation);
		}
	}
	spin_unlock(&ix->lru_lock);
	if (evicted) {
		recallfs_count_add(sbi, RECALLFS_EVICTED, evicted);
		atomic_long_add(evicted, &ix->evicted_unjournaled);
	}
	return evicted;
}

unsigned long recallfs_index_evicted_unjournaled(struct recallfs_sb_info *sbi)
{
	return atomic_long_read(&sbi->index->evicted_unjournaled);
}

/* A compaction wrote the live entries after @evicted evictions had happened. */
void recallfs_index_journal_caught_up(struct recallfs_sb_info *sbi, unsigned long evicted)
{
	atomic_long_sub(evicted, &sbi->index->evicted_unjournaled);
}

/* Forget @dir and its entries; lookups holding it see it dead. */
/* Entries unlinked per hold of a directory's lock: a big one must not hold it long. */
#define RECALLFS_KILL_BATCH	256

/* Unlink every entry of dead @dir, a batch at a time, yielding between batches. */
static void recallfs_dir_unlink_entries(struct recallfs_index *ix, struct recallfs_dir *dir)
{
	struct recallfs_entry *e, *next;
	unsigned int n;
	bool more;

	do {
		n = 0;
		spin_lock(&dir->lock);
		list_for_each_entry_safe(e, next, &dir->entries, dir_link) {
			recallfs_entry_unlink(ix, e);
			if (++n == RECALLFS_KILL_BATCH)
				break;
		}
		more = !list_empty(&dir->entries);
		spin_unlock(&dir->lock);
		cond_resched();
	} while (more);
}

/*
 * Kill @dir; false if it was dead already. With @invalidate (a record for
 * it), journal that when it dies, under its lock: after every record of its
 * entries and state, before any of a successor's. Sleeps.
 */
static bool recallfs_dir_kill(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			      const struct recallfs_record *invalidate)
{
	struct recallfs_index *ix = sbi->index;

	spin_lock(&dir->lock);
	if (dir->dead) {
		spin_unlock(&dir->lock);
		return false;
	}
	/* Dead: nothing is added to it any more (recallfs_entry_add checks). */
	WRITE_ONCE(dir->dead, true);
	if (invalidate)
		recallfs_journal_log(sbi, invalidate);
	spin_unlock(&dir->lock);
	recallfs_dir_unlink_entries(ix, dir);

	rhashtable_remove_fast(&ix->dirs, &dir->node, recallfs_dir_params);
	atomic_long_dec(&ix->nr_dirs);
	atomic_long_sub(ksize(dir), &ix->memory);
	recallfs_count(sbi, RECALLFS_INVALIDATIONS);
	recallfs_dir_put(dir);
	return true;
}

/* Forget one directory whose change stamp no longer holds (verify mode). */
void recallfs_dir_forget(struct recallfs_sb_info *sbi, struct recallfs_dir *dir)
{
	struct recallfs_record rec = {
		.type = RECALLFS_REC_INVALIDATE,
		.dir = dir->path,
		.dir_len = dir->path_len,
	};

	/* Only once: a late INVALIDATE would kill a successor recorded since. */
	recallfs_dir_kill(sbi, dir, &rec);
}

static bool recallfs_path_in_tree(const struct recallfs_dir *dir, const char *top, u32 len)
{
	if (!len)
		return true;
	return dir->path_len >= len && !memcmp(dir->path, top, len) &&
	       (dir->path_len == len || dir->path[len] == '/');
}

/*
 * Kill every directory at or below @path: first gather them (referenced) in
 * one walk of the table, then kill them outside it, yielding the CPU between
 * directories. Directories recorded while this runs are new and stay (and
 * hold nothing learned meanwhile). Caller holds invalidate_lock.
 */
static void recallfs_kill_tree(struct recallfs_sb_info *sbi, const char *path, u32 len,
			       bool refresh)
{
	struct rhashtable_iter iter;
	struct recallfs_dir *dir, *next;
	LIST_HEAD(victims);

	lockdep_assert_held(&sbi->index->invalidate_lock);
	rhashtable_walk_enter(&sbi->index->dirs, &iter);
	rhashtable_walk_start(&iter);
	while ((dir = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(dir))
			continue;	/* -EAGAIN: resized; duplicates are skipped below */
		if (dir->kill_queued || !recallfs_path_in_tree(dir, path, len) ||
		    !refcount_inc_not_zero(&dir->ref))
			continue;
		dir->kill_queued = true;
		list_add_tail(&dir->kill_link, &victims);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	list_for_each_entry_safe(dir, next, &victims, kill_link) {
		/* Refreshed first: a lookup after the kill must not relearn a stale state. */
		if (refresh && dir->path_len != len)
			recallfs_refresh_lower_dir(sbi, dir->path, dir->path_len, false);
		recallfs_dir_kill(sbi, dir, NULL);
		recallfs_dir_put(dir);
		cond_resched();
	}
}

/* Forget @path (and below, with @tree); with @refresh, also in the lower's caches. */
static void recallfs_forget(struct recallfs_sb_info *sbi, const char *path, u32 len,
			    bool tree, bool refresh)
{
	struct recallfs_dir *dir;

	if (refresh)
		recallfs_refresh_lower_dir(sbi, path, len, true);
	if (tree) {
		recallfs_kill_tree(sbi, path, len, refresh);
		return;
	}
	dir = recallfs_dir_find(sbi, path, len);
	if (dir) {
		recallfs_dir_kill(sbi, dir, NULL);
		recallfs_dir_put(dir);
	}
}

void recallfs_invalidate_nosync(struct recallfs_sb_info *sbi, const char *path, bool tree)
{
	struct recallfs_record rec = {
		.type = RECALLFS_REC_INVALIDATE,
		.flags = tree ? RECALLFS_INVALIDATE_TREE : 0,
	};
	u32 len;

	while (*path == '/')
		path++;
	len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	rec.dir = path;
	rec.dir_len = len;
	/*
	 * Lookups meanwhile answer, but record nothing, and their dentries are
	 * stale at their next use (namei.c): the lower may have answered them
	 * from the caches dropped at the end.
	 */
	recallfs_invalidation_begin(sbi->index);
	recallfs_forget(sbi, path, len, tree, true);
	recallfs_journal_log(sbi, &rec);
	/* Dentries of dead directories fail d_revalidate; free the unused ones now. */
	recallfs_prune_dcache(sbi->sb, path, len);
	recallfs_prune_lower_dir(sbi, path, len);
	recallfs_invalidation_end(sbi->index);
}

int recallfs_invalidations_sync(struct recallfs_sb_info *sbi)
{
	/*
	 * Durable at once: a crash must not bring the forgotten entries back.
	 * If it cannot be, the journal must not bring them back either, and
	 * the caller hears of it.
	 */
	int err = recallfs_journal_sync(sbi);

	if (err)
		recallfs_journal_discard(sbi);
	return err;
}

int recallfs_invalidate(struct recallfs_sb_info *sbi, const char *path, bool tree)
{
	recallfs_invalidate_nosync(sbi, path, tree);
	return recallfs_invalidations_sync(sbi);
}

static int recallfs_apply_entry(struct recallfs_sb_info *sbi, const struct recallfs_record *rec)
{
	struct recallfs_record none = {};
	struct recallfs_dir *dir;
	bool created;
	int err;

	dir = recallfs_dir_get(sbi, rec->dir, rec->dir_len, &none, &created);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	err = recallfs_entry_add(sbi, dir, rec, NULL);
	if (err && err != -ESTALE) {
		/* A directory that lost an entry is not complete, whatever came before. */
		spin_lock(&dir->lock);
		dir->lost_entries = true;
		dir->losses++;
		WRITE_ONCE(dir->complete, false);
		spin_unlock(&dir->lock);
		err = 0;
	}
	recallfs_dir_put(dir);
	return err;
}

static int recallfs_apply_dir(struct recallfs_sb_info *sbi, const struct recallfs_record *rec)
{
	struct recallfs_dir *dir;
	bool created;

	dir = recallfs_dir_get(sbi, rec->dir, rec->dir_len, rec, &created);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	spin_lock(&dir->lock);
	recallfs_dir_set_state(dir, rec);
	dir->complete = (rec->flags & RECALLFS_DIR_COMPLETE) && !dir->lost_entries;
	WRITE_ONCE(dir->listed_typed, !!(rec->flags & RECALLFS_DIR_LISTED_TYPED));
	dir->state_logged = true;	/* in the journal already */
	spin_unlock(&dir->lock);
	recallfs_dir_put(dir);
	return 0;
}

int recallfs_index_apply(struct recallfs_sb_info *sbi, const struct recallfs_record *rec)
{
	switch (rec->type) {
	case RECALLFS_REC_ENTRY:
		return recallfs_apply_entry(sbi, rec);
	case RECALLFS_REC_DIR:
		return recallfs_apply_dir(sbi, rec);
	case RECALLFS_REC_INVALIDATE:
		mutex_lock(&sbi->index->invalidate_lock);
		recallfs_forget(sbi, rec->dir, rec->dir_len, rec->flags & RECALLFS_INVALIDATE_TREE,
				false);
		mutex_unlock(&sbi->index->invalidate_lock);
		return 0;
	}
	return -EINVAL;
}

void recallfs_entry_to_record(const struct recallfs_entry *e, struct recallfs_record *rec)
{
	*rec = (struct recallfs_record) {
		.type = RECALLFS_REC_ENTRY,
		.flags = e->flags,
		.dir = e->dir->path,
		.dir_len = e->dir->path_len,
		.name = e->name,
		.name_len = e->name_len,
		.link = e->link_len ? e->name + e->name_len + 1 : NULL,
		.link_len = e->link_len,
		.xattr_absent = recallfs_entry_xattr_absent(e),
	};
	if (recallfs_entry_hot(e))
		rec->flags |= RECALLFS_ENTRY_HOT;
	if (e->flags & RECALLFS_ENTRY_POSITIVE) {
		rec->attr = *recallfs_entry_attr(e);
	} else if (e->flags & RECALLFS_ENTRY_TYPED) {
		rec->attr.ino = recallfs_entry_listed(e)->ino;
		rec->attr.mode = recallfs_entry_listed(e)->mode;
	}
	if (e->fh_len) {
		rec->fh_type = recallfs_entry_handle(e)->type;
		rec->fh_len = e->fh_len;
		rec->fh = recallfs_entry_handle(e)->bytes;
	}
}

/* The DIR record of @dir's state; valid while @dir is. */
void recallfs_dir_to_state_record(const struct recallfs_dir *dir, struct recallfs_record *rec)
{
	*rec = (struct recallfs_record) {
		.type = RECALLFS_REC_DIR,
		.flags = recallfs_dir_rec_flags(READ_ONCE(dir->complete), READ_ONCE(dir->listed_typed),
						&dir->stamp),
		.dir = dir->path,
		.dir_len = dir->path_len,
		.stamp = dir->stamp,
		.fh_type = dir->fh_type,
		.fh_len = dir->fh_len,
		.fh = dir->fh,
	};
}

unsigned int recallfs_dir_begin_listing(struct recallfs_dir *dir)
{
	unsigned int losses;

	spin_lock(&dir->lock);
	losses = dir->losses;
	spin_unlock(&dir->lock);
	return losses;
}

/*
 * The one change made to an entry in place: a positive entry is found in a
 * complete listing. Readers see the flag or not; either is true of it.
 */
int recallfs_entry_mark_listed(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			       const char *name, u32 len, const struct recallfs_learning *learned)
{
	struct recallfs_record rec;
	struct recallfs_entry *e;
	int err = 0;

	spin_lock(&dir->lock);
	if (!recallfs_dir_admits(sbi, dir, learned)) {
		err = -ESTALE;
		goto out;
	}
	rcu_read_lock();
	e = recallfs_entry_find(sbi, dir, name, len);
	rcu_read_unlock();
	if (!e || !(e->flags & RECALLFS_ENTRY_POSITIVE)) {
		err = -ENOENT;
		goto out;
	}
	if (!(e->flags & RECALLFS_ENTRY_IN_LISTING)) {
		WRITE_ONCE(e->flags, e->flags | RECALLFS_ENTRY_IN_LISTING);
		recallfs_entry_to_record(e, &rec);
		recallfs_dir_log_state(sbi, dir);
		recallfs_journal_log(sbi, &rec);
	}
out:
	spin_unlock(&dir->lock);
	return err;
}

/* What readdir gives for entry @e, into @n (room for its name); false if it has not all. */
static bool recallfs_entry_as_listed(const struct recallfs_entry *e,
				     struct recallfs_listed_name *n)
{
	u32 mode;

	if (e->flags & RECALLFS_ENTRY_POSITIVE) {
		n->ino = recallfs_entry_attr(e)->ino;
		mode = recallfs_entry_attr(e)->mode;
	} else if (e->flags & RECALLFS_ENTRY_TYPED) {
		n->ino = recallfs_entry_listed(e)->ino;
		mode = recallfs_entry_listed(e)->mode;
	} else {
		return false;	/* listed by older code: no d_ino, d_type */
	}
	n->d_type = (mode & S_IFMT) >> 12;
	n->len = e->name_len;
	memcpy(n->name, e->name, e->name_len);
	n->name[e->name_len] = '\0';
	return true;
}

/*
 * Is positive or listed @e in the listing (a positive one not marked is a
 * name the listing hides), and has it what readdir gives (d_ino, d_type)?
 */
static bool recallfs_entry_in_listing(const struct recallfs_entry *e)
{
	return !(e->flags & RECALLFS_ENTRY_POSITIVE) || (e->flags & RECALLFS_ENTRY_IN_LISTING);
}

static bool recallfs_entry_listable(const struct recallfs_entry *e)
{
	return (e->flags & RECALLFS_ENTRY_POSITIVE) || (e->flags & RECALLFS_ENTRY_TYPED);
}

/* Bytes @dir's listing takes, or 0 if it has none to give; @dir's lock held. */
static size_t recallfs_dir_listing_size(const struct recallfs_dir *dir)
{
	const struct recallfs_entry *e;
	size_t size = 0;

	if (dir->dead || !dir->complete || !dir->listed_typed)
		return 0;
	list_for_each_entry(e, &dir->entries, dir_link) {
		if (!(e->flags & (RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_LISTED)) ||
		    !recallfs_entry_in_listing(e))
			continue;
		if (!recallfs_entry_listable(e))
			return 0;
		size += recallfs_listed_size(e->name_len);
		if (size > RECALLFS_LISTING_MAX)
			return 0;
	}
	return size ? size : 1;	/* an empty directory has a listing */
}

/* Fill @out (@size bytes) with @dir's listing; @dir's lock held. */
static int recallfs_dir_fill_listing(const struct recallfs_dir *dir,
				     struct recallfs_listing *out)
{
	const struct recallfs_entry *e;
	struct recallfs_listed_name *n;

	list_for_each_entry(e, &dir->entries, dir_link) {
		if (!(e->flags & (RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_LISTED)) ||
		    !recallfs_entry_in_listing(e))
			continue;
		n = (struct recallfs_listed_name *)(out->buf + out->used);
		if (!recallfs_entry_as_listed(e, n))
			return -ENODATA;
		out->used += recallfs_listed_size(e->name_len);
		out->count++;
	}
	return 0;
}

int recallfs_dir_listing(struct recallfs_dir *dir, struct recallfs_listing *out)
{
	size_t size;
	int tries, err;

	/* Sized unlocked, filled under the lock: again if entries came or went meanwhile. */
	for (tries = 0; tries < 3; tries++) {
		spin_lock(&dir->lock);
		size = recallfs_dir_listing_size(dir);
		spin_unlock(&dir->lock);
		if (!size)
			return -ENODATA;
		out->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!out->buf)
			return -ENOMEM;
		out->size = size;
		out->used = 0;
		out->count = 0;
		spin_lock(&dir->lock);
		err = recallfs_dir_listing_size(dir) == size ?
		      recallfs_dir_fill_listing(dir, out) : -EAGAIN;
		spin_unlock(&dir->lock);
		if (!err)
			return 0;
		kvfree(out->buf);
		out->buf = NULL;
		if (err != -EAGAIN)
			return err;
	}
	return -ENODATA;
}

bool recallfs_dir_set_complete(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			       const struct recallfs_learning *learned, unsigned int losses)
{
	struct recallfs_record rec;
	bool complete;

	spin_lock(&dir->lock);
	/* What was lost before the listing began is in it; a loss since is not. */
	complete = recallfs_dir_admits(sbi, dir, learned) && dir->losses == losses;
	if (complete) {
		dir->lost_entries = false;
		WRITE_ONCE(dir->listed_typed, true);
		WRITE_ONCE(dir->complete, true);
		/* Under the lock: never after the directory's INVALIDATE. */
		recallfs_dir_to_state_record(dir, &rec);
		recallfs_journal_log(sbi, &rec);
		dir->state_logged = true;
	}
	spin_unlock(&dir->lock);
	return complete;
}

static int recallfs_dir_for_each(struct recallfs_dir *dir,
				 int (*fn)(const struct recallfs_record *, void *), void *arg)
{
	struct recallfs_record rec;
	struct recallfs_entry *e;
	int ret;

	/*
	 * The state first, without its complete mark, which follows the
	 * entries as on the live path: a journal cut among the entries never
	 * replays as a complete directory that lacks some of them.
	 */
	recallfs_dir_to_state_record(dir, &rec);
	rec.flags &= ~(RECALLFS_DIR_COMPLETE | RECALLFS_DIR_LISTED_TYPED);
	ret = fn(&rec, arg);
	list_for_each_entry(e, &dir->entries, dir_link) {
		if (ret)
			break;
		recallfs_entry_to_record(e, &rec);
		ret = fn(&rec, arg);
	}
	if (!ret && dir->complete) {
		recallfs_dir_to_state_record(dir, &rec);
		ret = fn(&rec, arg);
	}
	return ret;
}

/*
 * The live directories, each referenced, in a kvmalloc'ed array: for a walk
 * that sleeps between directories. Directories recorded afterwards are not
 * in it (their records are journaled as they come). *@nr is set.
 */
struct recallfs_dir **recallfs_index_grab_dirs(struct recallfs_sb_info *sbi, size_t *nr)
{
	size_t cap = atomic_long_read(&sbi->index->nr_dirs) + 64;
	int tries;

	for (tries = 0; tries < 4; tries++, cap *= 2) {
		struct recallfs_dir **dirs = kvmalloc_array(cap, sizeof(*dirs), GFP_KERNEL);
		struct rhashtable_iter iter;
		struct recallfs_dir *dir;
		size_t n = 0;

		if (!dirs)
			return ERR_PTR(-ENOMEM);
		rhashtable_walk_enter(&sbi->index->dirs, &iter);
		rhashtable_walk_start(&iter);
		while (n < cap && (dir = rhashtable_walk_next(&iter)) != NULL) {
			/* -EAGAIN: a resize; a directory seen twice is written twice, harmlessly */
			if (!IS_ERR(dir) && !READ_ONCE(dir->dead) && refcount_inc_not_zero(&dir->ref))
				dirs[n++] = dir;
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		if (n < cap) {
			*nr = n;
			return dirs;
		}
		recallfs_index_release_dirs(dirs, n);
	}
	return ERR_PTR(-EAGAIN);
}

void recallfs_index_release_dirs(struct recallfs_dir **dirs, size_t nr)
{
	while (nr--)
		recallfs_dir_put(dirs[nr]);
	kvfree(dirs);
}

/* recallfs_index_for_each() for one directory, unless it died; under its lock. */
int recallfs_index_dir_records(struct recallfs_dir *dir,
			       int (*fn)(const struct recallfs_record *rec, void *arg), void *arg)
{
	int ret = 0;

	spin_lock(&dir->lock);
	if (!dir->dead)
		ret = recallfs_dir_for_each(dir, fn, arg);
	spin_unlock(&dir->lock);
	return ret;
}

int recallfs_index_for_each(struct recallfs_sb_info *sbi,
			    int (*fn)(const struct recallfs_record *rec, void *arg), void *arg)
{
	struct rhashtable_iter iter;
	struct recallfs_dir *dir;
	int ret = 0;

	rhashtable_walk_enter(&sbi->index->dirs, &iter);
	rhashtable_walk_start(&iter);
	while (!ret && (dir = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(dir))
			continue;	/* -EAGAIN: a resize; entries may repeat, replay is idempotent */
		ret = recallfs_index_dir_records(dir, fn, arg);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return ret;
}

int recallfs_set_mode(struct recallfs_sb_info *sbi, enum recallfs_mode mode)
{
	if (mode > RECALLFS_MODE_IMMUTABLE)
		return -EINVAL;
	WRITE_ONCE(sbi->mode, mode);
	/* Dentries trusted under the old mode must be checked under the new one. */
	shrink_dcache_sb(sbi->sb);
	return 0;
}
