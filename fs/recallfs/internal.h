/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recallfs: private definitions shared by the module's source files.
 */
#ifndef _RECALLFS_INTERNAL_H
#define _RECALLFS_INTERNAL_H

#undef pr_fmt
#define pr_fmt(fmt) "recallfs: " fmt

#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/path.h>
#include <linux/mount.h>
#include <linux/version.h>

#include "recallfs_fs.h"
#include "compat.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "recallfs needs Linux 5.10 or later"
#endif

#include <linux/kobject.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/completion.h>
#include <linux/percpu.h>

#include "recallfs_record.h"

/* Trust modes: mount option "immutable", sysfs attribute "mode". */
enum recallfs_mode {
	RECALLFS_MODE_OFF,		/* pass-through: neither trust nor record */
	RECALLFS_MODE_VERIFY,		/* trust a directory while its change stamp holds */
	RECALLFS_MODE_IMMUTABLE,	/* trust until an admin invalidates */
};

/* Event counters, per CPU; sysfs "stats" sums them. */
enum recallfs_counter {
	RECALLFS_LOOKUPS,		/* ->lookup calls */
	RECALLFS_NEGATIVE_HITS,		/* answered "no such name" from the index */
	RECALLFS_POSITIVE_HITS,		/* instantiated from the index */
	RECALLFS_LOWER_LOOKUPS,		/* lookups sent to the lower filesystem */
	RECALLFS_HANDLE_BINDS,		/* objects bound through a recorded file handle */
	RECALLFS_LOWER_OPENS,		/* lower files opened for regular files */
	RECALLFS_SHARED_OPENS,		/* opens served by a file's shared lower file */
	RECALLFS_REVALIDATIONS,		/* directory change-stamp checks (verify mode) */
	RECALLFS_INVALIDATIONS,		/* directories forgotten (sysfs or changed stamp) */
	RECALLFS_NOT_ADMITTED,		/* entries not recorded: max_entries reached */
	RECALLFS_EVICTED,		/* entries evicted: at max_entries or by the shrinker */
	RECALLFS_SHRUNK,		/* of those, evicted by the shrinker */
	RECALLFS_JOURNAL_RECORDS,	/* records appended to the journal */
	RECALLFS_JOURNAL_REPLAYED,	/* records applied at mount */
	RECALLFS_JOURNAL_TRUNCATED,	/* bytes cut from a torn or corrupt tail */
	RECALLFS_JOURNAL_ERRORS,	/* journal I/O errors (journaling stops at the first) */
	RECALLFS_SEED_LISTINGS,		/* directories listed ahead of lookups: a seed names them */
	RECALLFS_FEED_CHECKS,		/* feed file attributes asked for */
	RECALLFS_FEED_INVALIDATIONS,	/* feed records applied */
	RECALLFS_FEED_RESETS,		/* everything forgotten: the feed was replaced, cut or damaged */
	RECALLFS_NR_COUNTERS
};

struct recallfs_counters {
	u64 count[RECALLFS_NR_COUNTERS];
};

struct recallfs_index;		/* index.c */
struct recallfs_journal;	/* journal.c */
struct recallfs_listing;	/* dir.c */
struct recallfs_seeds;		/* seed.c */
struct recallfs_feed;		/* feed.c */
struct recallfs_journal_identity;	/* include/recallfs_journal.h */
struct recallfs_release;	/* file.c */

/*
 * An answer being learned from the lower filesystem: started before the
 * lower is asked, it reaches the index only if no invalidation ran since.
 */
struct recallfs_learning {
	unsigned long invalidations;	/* the index's count when it started */
};

/* The most seed= options one mount takes. */
#define RECALLFS_SEEDS_MAX	16

/* Per superblock. */
struct recallfs_sb_info {
	struct path lower_root;		/* pinned for the life of the mount */
	const struct cred *mounter_cred;	/* opens shared lower files (file.c) */
	unsigned long xattr_answers_seen;	/* xattr.c: bits the lower gave this mount */
	struct workqueue_struct *release_wq;	/* closes them */
	char *lowerdir;			/* the lowerdir= option as given */
	char *name;			/* sysfs directory name: name= or a default */
	char *journal_path;		/* journal= or NULL (memory only) */
	char **seed_paths;		/* seed= options as given, nr_seed_paths of them */
	unsigned int nr_seed_paths;
	/* The directories seeds name: seed= and the feed's; NULL until one is loaded */
	struct recallfs_seeds *seeds;
	char *feed_path;		/* feed= or NULL */
	unsigned int feed_interval_secs;	/* changes on remount: READ_ONCE */
	struct recallfs_feed *feed;	/* NULL without feed= */
	int mode;			/* enum recallfs_mode; READ_ONCE/WRITE_ONCE */
	/* The next four change on remount (params.c): READ_ONCE where used. */
	unsigned int revalidate_secs;	/* verify mode: stamp check interval */
	unsigned int commit_secs;	/* journal: write batched records within */
	unsigned long max_entries;	/* index capacity */
	unsigned long min_entries;	/* the shrinker leaves at least this many */
	bool min_entries_given;		/* else min_entries is max_entries / 4 */
	struct recallfs_index *index;
	struct recallfs_journal *journal;	/* NULL without journal= */
	struct recallfs_counters __percpu *counters;
	struct super_block *sb;
	bool sysfs_registered;
	struct kobject kobj;		/* /sys/fs/recallfs/<name> */
	struct completion kobj_unregister;
};

static inline void recallfs_count(struct recallfs_sb_info *sbi, enum recallfs_counter c)
{
	this_cpu_inc(sbi->counters->count[c]);
}

static inline void recallfs_count_add(struct recallfs_sb_info *sbi,
				      enum recallfs_counter c, u64 n)
{
	this_cpu_add(sbi->counters->count[c], n);
}

static inline enum recallfs_mode recallfs_mode(const struct recallfs_sb_info *sbi)
{
	return READ_ONCE(sbi->mode);
}

/*
 * A directory of the index: its recorded entries, the lower directory's
 * change stamp when they were recorded, and whether a full listing was seen.
 * Referenced by the table and by directory inodes that use it; a dead one
 * has been invalidated and stays only until its last user lets go.
 */
struct recallfs_dir {
	struct rhash_head node;		/* in the index, keyed by path */
	struct rcu_head rcu;
	refcount_t ref;
	spinlock_t lock;		/* entries, stamp, complete, dead */
	struct list_head entries;
	bool dead;
	bool complete;
	bool kill_queued;		/* on a kill list; under invalidate_lock */
	bool lost_entries;		/* an entry was not admitted: never complete */
	unsigned int losses;		/* times lost_entries was set: a listing spans none */
	bool state_logged;		/* its DIR record is in the journal */
	bool listed_typed;		/* with complete: RECALLFS_DIR_LISTED_TYPED */
	unsigned long gen;		/* unique, non-zero: dentries answered from it carry it */
	struct list_head kill_link;
	struct recallfs_stamp stamp;
	unsigned long verified_until;	/* verify mode: stamp checked until (jiffies) */
	u32 fh_type;			/* the lower directory's file handle, if any */
	u32 fh_len;
	u8 fh[RECALLFS_FH_MAX];
	u32 path_len;
	char path[];			/* from the mount root, NUL-terminated */
};

/*
 * A recorded name; immutable once in the index, replaced as a whole. Only a
 * positive entry carries attributes, after its strings: a negative one (most
 * of them, in a PATH search) is the head and the name.
 */
struct recallfs_entry {
	struct rhash_head node;		/* in the index, keyed by (dir, name) */
	struct rcu_head rcu;
	struct list_head dir_link;	/* in dir->entries */
	struct list_head lru;		/* in an eviction queue; under the index's lru_lock */
	struct recallfs_dir *dir;	/* lives as long as the entry is in the index */
	u16 flags;			/* RECALLFS_ENTRY_* but HOT */
	u16 name_len;
	u32 link_len;
	u8 queue;			/* enum recallfs_lru_queue; under lru_lock */
	bool used;			/* used again since it entered its queue */
	u8 fh_len;			/* positive: bytes of its lower file handle, or 0 */
	char name[];			/* name, NUL, target, NUL, [attributes, [handle]] */
};

/* A lower object's file handle, as exportfs encodes it. */
struct recallfs_handle {
	u32 type;			/* exportfs fid type */
	u32 len;			/* bytes, <= RECALLFS_FH_MAX */
	u8 bytes[];			/* 4-byte aligned: a struct fid */
};

static inline const char *recallfs_entry_link(const struct recallfs_entry *e)
{
	return e->link_len ? e->name + e->name_len + 1 : NULL;
}

/* Offset of a positive entry's attributes from its start. */
static inline size_t recallfs_entry_attr_offset(u32 name_len, u32 link_len)
{
	return ALIGN(offsetof(struct recallfs_entry, name) + name_len + 1 + link_len + 1,
		     __alignof__(struct recallfs_attr));
}

/*
 * What a positive entry keeps after its strings. The xattr answers are here,
 * not in the head: most entries are negative, and small.
 */
struct recallfs_positive {
	struct recallfs_attr attr;
	u32 xattr_absent;		/* recallfs_xattr_answer() */
};

static inline struct recallfs_positive *recallfs_entry_positive(const struct recallfs_entry *e)
{
	return (struct recallfs_positive *)((char *)e + recallfs_entry_attr_offset(e->name_len,
										    e->link_len));
}

/* The attributes of a positive entry. */
static inline struct recallfs_attr *recallfs_entry_attr(const struct recallfs_entry *e)
{
	return &recallfs_entry_positive(e)->attr;
}

/* What a listing gave for a LISTED entry with RECALLFS_ENTRY_TYPED, where attributes go. */
struct recallfs_listed {
	u64 ino;
	u32 mode;			/* file type bits only */
};

static inline struct recallfs_listed *recallfs_entry_listed(const struct recallfs_entry *e)
{
	return (struct recallfs_listed *)recallfs_entry_attr(e);
}

/* The xattr answers a positive entry keeps (recallfs_xattr_answer()); 0 for others. */
static inline u32 recallfs_entry_xattr_absent(const struct recallfs_entry *e)
{
	return (e->flags & RECALLFS_ENTRY_POSITIVE) ? recallfs_entry_positive(e)->xattr_absent : 0;
}

/* The file handle of a positive entry, after its attributes; valid if e->fh_len. */
static inline struct recallfs_handle *recallfs_entry_handle(const struct recallfs_entry *e)
{
	return (struct recallfs_handle *)(recallfs_entry_positive(e) + 1);
}

/*
 * Eviction queues (index.c): an entry enters probation; used again, it moves
 * to protected when its turn to go comes. A one-off scan of names never used
 * twice thus pushes out only its own kind.
 */
enum recallfs_lru_queue {
	RECALLFS_LRU_NONE,
	RECALLFS_LRU_PROBATION,
	RECALLFS_LRU_PROTECTED,
};

/* What is known of a lower object's ACL (trust.c). */
enum recallfs_acl_state {
	RECALLFS_ACL_UNKNOWN,		/* not asked yet */
	RECALLFS_ACL_NONE,		/* its mode bits alone say who may access it */
	RECALLFS_ACL_BEYOND_MODE,	/* an ACL may grant or refuse more: ask the lower */
};

/*
 * Per inode: one recallfs inode per lower object, hashed by its inode number,
 * so hard links on the lower filesystem stay hard links here. An inode made
 * from the index has cached attributes and no lower inode until something
 * needs the lower object (open, readdir, xattrs); its recorded file handle,
 * if any, reaches that object without a lookup.
 */
struct recallfs_inode {
	struct inode vfs_inode;
	u64 ino;			/* the lower inode number: the hash key */
	struct inode *lower;		/* referenced, set once; NULL until bound */
	struct recallfs_dir *dir;	/* directories: index directory, referenced */
	struct recallfs_handle *handle;	/* from the index, set once; or NULL */
	/*
	 * When (ktime_get_ns()) binding through the handle found the lower
	 * filesystem made the lower inode from a fresh answer, or 0: its
	 * attributes are at least that fresh. Set once; READ_ONCE.
	 */
	u64 lower_fetched;
	/* Directories: the generation of the seeds (seed.c) a listing was looked for in */
	unsigned int seed_gen;
	bool handle_failed;		/* it did not lead to the recorded object */
	bool has_cached_attr;
	bool uncacheable;		/* directories: never recorded (mode, ACL) */
	u8 acl_state;			/* enum recallfs_acl_state; READ_ONCE/WRITE_ONCE */
	struct recallfs_attr cached_attr;
	/*
	 * Regular files everyone may read: one lower file, opened read-only
	 * with the mounter's credentials, shared by every open (file.c). Both
	 * under i_lock; an invalidation since it was opened makes the next
	 * open reopen it.
	 */
	struct recallfs_release *shared;	/* its file, and its release (file.c) */
	struct recallfs_learning shared_learned;
};

/*
 * d_time of a dentry whose answer came from, or was recorded in, the index:
 * the generation of the index directory that answered it (a non-zero
 * multiple of 4), so that it is not taken for an answer of a later state of
 * that directory, and RECALLFS_DENTRY_USED once its entry was told it is in
 * use. 0 for dentries the index did not answer; RECALLFS_DENTRY_RACED alone
 * for a missing name the lower answered while an invalidation ran (and that
 * was not recorded): stale at its next use.
 */
#define RECALLFS_DENTRY_USED	1UL
#define RECALLFS_DENTRY_RACED	2UL
#define RECALLFS_DENTRY_FLAGS	(RECALLFS_DENTRY_USED | RECALLFS_DENTRY_RACED)

static inline unsigned long recallfs_dentry_gen(const struct dentry *dentry)
{
	return READ_ONCE(dentry->d_time) & ~RECALLFS_DENTRY_FLAGS;
}

static inline struct recallfs_sb_info *RECALLFS_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct recallfs_inode *RECALLFS_I(const struct inode *inode)
{
	return container_of(inode, struct recallfs_inode, vfs_inode);
}

static inline struct inode *recallfs_lower_inode(const struct inode *inode)
{
	return READ_ONCE(RECALLFS_I(inode)->lower);
}

/*
 * A recallfs dentry holds a reference to its lower dentry (positive or
 * negative) in d_fsdata, or NULL while it is answered from the index only
 * (bound later by recallfs_lower_bind()). Once set it never changes, so RCU
 * path walk may read it: d_release drops the reference, and lower dentries
 * are themselves freed after an RCU grace period.
 */
static inline struct dentry *recallfs_lower_dentry(const struct dentry *dentry)
{
	return READ_ONCE(dentry->d_fsdata);
}

/* super.c */
u64 recallfs_counter_sum(struct recallfs_sb_info *sbi, enum recallfs_counter c);

extern struct file_system_type recallfs_fs_type;
int recallfs_fill_super(struct super_block *sb, struct fs_context *fc);
void recallfs_free_sb_info(struct recallfs_sb_info *sbi);

/* params.c */
int recallfs_init_fs_context(struct fs_context *fc);
extern const struct fs_parameter_spec recallfs_param_specs[];

/* inode.c */
struct inode *recallfs_iget(struct super_block *sb, struct inode *lower);
struct inode *recallfs_iget_cached(struct super_block *sb, const struct recallfs_attr *attr,
				   bool mode_only, char *link, struct recallfs_handle *handle);
void recallfs_inode_bind(struct inode *inode, struct inode *lower);
void recallfs_attr_from_kstat(struct recallfs_attr *attr, const struct kstat *stat);
void recallfs_copy_attr(struct inode *inode);
void recallfs_inode_set_dir(struct inode *inode, struct recallfs_dir *dir);
int recallfs_inode_cache_init(void);
void recallfs_inode_cache_destroy(void);
struct inode *recallfs_alloc_inode(struct super_block *sb);
void recallfs_free_inode(struct inode *inode);
void recallfs_evict_inode(struct inode *inode);

/* bind.c: a dentry's lower object, and the identity check of a record */
bool recallfs_same_object(struct inode *inode, struct inode *lower);
void recallfs_forget_dir_inode(struct recallfs_sb_info *sbi, struct inode *dir_inode);
void recallfs_encode_handle(struct dentry *lower, struct recallfs_record *rec, u32 *buf);
struct dentry *recallfs_lower_bind(struct dentry *dentry);
struct dentry *recallfs_bind_dir_by_handle(struct recallfs_dir *dir, struct dentry *dentry);
struct inode *recallfs_bind_inode(struct inode *inode, bool may_block);
int recallfs_lower_path(struct dentry *dentry, struct path *path);
void recallfs_refresh_lower_dir(struct recallfs_sb_info *sbi, const char *path, u32 len,
				bool ancestors);
void recallfs_prune_lower_dir(struct recallfs_sb_info *sbi, const char *path, u32 len);

/* trust.c: what may be answered without asking the lower filesystem */
bool recallfs_dir_cacheable(struct dentry *lower_dir, const struct kstat *stat);
int recallfs_trust_permission(struct inode *inode, int mask);
bool recallfs_trust_shared_data(struct inode *inode);

/* namei.c */
extern const struct inode_operations recallfs_dir_iops;
/* @dentry's path from the mount root, without a leading '/', in @buf (PATH_MAX). */
const char *recallfs_dir_path(struct dentry *dentry, char *buf, u32 *len);
void recallfs_record_mode_only(struct dentry *dentry, struct inode *lower,
			       const struct recallfs_learning *learned);
void recallfs_record_xattr_absent(struct dentry *dentry, struct inode *lower,
				  unsigned int question, u32 answer,
				  const struct recallfs_learning *learned);
u32 recallfs_indexed_xattr(struct dentry *dentry, unsigned int question);
void recallfs_record_link(struct dentry *dentry, struct inode *lower, const char *link,
			  const struct recallfs_learning *learned);
void recallfs_record_root_attr(struct dentry *root);
bool recallfs_listing_wanted(struct dentry *dir_dentry);
int recallfs_indexed_listing(struct dentry *dir_dentry, struct recallfs_listing *out);
int recallfs_listing_stamp(struct dentry *dir_dentry, struct recallfs_stamp *stamp);
/* True if the listing was recorded, and the directory is complete in the index. */
bool recallfs_record_listing(struct dentry *dir_dentry, const struct recallfs_listing *listing,
			     const struct recallfs_stamp *before,
			     const struct recallfs_learning *learned);
void recallfs_prune_dcache(struct super_block *sb, const char *path, u32 len);
extern const struct dentry_operations recallfs_dentry_ops;

/* A directory listing, read from the lower filesystem or from the index. */
struct recallfs_listed_name {
	u64 ino;
	u16 len;
	u8 d_type;
	char name[];			/* NUL-terminated; entries are 8-byte aligned */
};

/* Bytes of a listed name of @len bytes in a listing buffer. */
static inline size_t recallfs_listed_size(u32 len)
{
	return ALIGN(sizeof(struct recallfs_listed_name) + len + 1, sizeof(u64));
}

struct recallfs_listing {
	char *buf;
	size_t used, size;
	unsigned int count;
};

/* Listings larger than this are not recorded (bytes of names). */
#define RECALLFS_LISTING_MAX	(4 << 20)
/* A listing buffer starts this small and doubles as needed. */
#define RECALLFS_LISTING_START	(16 << 10)

/* dir.c */
extern const struct file_operations recallfs_dir_fops;
int recallfs_learn_listing(struct dentry *dentry, const struct path *lower_path,
			   const struct cred *cred);

/* seed.c: seed journals (seed= and the feed's), which name directories to list ahead of lookups */
int recallfs_seeds_load(struct recallfs_sb_info *sbi);
void recallfs_seeds_free(struct recallfs_sb_info *sbi);
void recallfs_seeds_usage(const struct recallfs_sb_info *sbi, unsigned int *loaded,
			  unsigned long *dirs);
void recallfs_seed_load_named(struct recallfs_sb_info *sbi, const char *rel);
bool recallfs_seed_listing(struct dentry *parent);

/* feed.c: the invalidation feed (feed=), checked every feed_interval= seconds */
int recallfs_feed_open(struct recallfs_sb_info *sbi, struct fs_context *fc);
void recallfs_feed_close(struct recallfs_sb_info *sbi);
/* A remount changed feed_interval=: the next check in that many seconds. */
void recallfs_feed_rearm(struct recallfs_sb_info *sbi);

/* sysfs.c: a directory path as sysfs takes it (no empty, "." or ".." component) */
bool recallfs_relative_path_ok(const char *path, size_t len);

/* file.c: also the open, seek and fsync of directories */
extern const struct file_operations recallfs_file_fops;
int recallfs_open_lower(struct file *file, bool is_dir);
void recallfs_put_shared(struct inode *inode);
int recallfs_release_lower(struct inode *inode, struct file *file);
loff_t recallfs_llseek(struct file *file, loff_t offset, int whence);
int recallfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);

/* xattr.c */
extern RECALLFS_XATTR_HANDLER_ARRAY recallfs_xattr_handlers[];
ssize_t recallfs_listxattr(struct dentry *dentry, char *list, size_t size);

/* inode.c: operations shared by every inode type */
int recallfs_permission(RECALLFS_IDMAP_PARAM struct inode *inode, int mask);
int recallfs_getattr(RECALLFS_IDMAP_PARAM const struct path *path,
		     struct kstat *stat, u32 request_mask, unsigned int flags);
int recallfs_setattr(RECALLFS_IDMAP_PARAM struct dentry *dentry, struct iattr *attr);

/* index.c: the in-memory index of recorded lookup results */
struct recallfs_index_usage {
	unsigned long entries;		/* names recorded */
	unsigned long directories;	/* directories with records */
	unsigned long memory_bytes;	/* memory the index holds */
	unsigned long entry_memory_bytes;	/* the part of it that entries hold */
};
struct recallfs_dir *recallfs_dir_find(struct recallfs_sb_info *sbi, const char *path, u32 len);
struct recallfs_dir *recallfs_dir_get(struct recallfs_sb_info *sbi, const char *path, u32 len,
				      const struct recallfs_record *state, bool *created);
void recallfs_dir_put(struct recallfs_dir *dir);
void recallfs_dir_forget(struct recallfs_sb_info *sbi, struct recallfs_dir *dir);
struct recallfs_entry *recallfs_entry_find(struct recallfs_sb_info *sbi,
					   const struct recallfs_dir *dir,
					   const char *name, u32 len);
void recallfs_learning_start(struct recallfs_sb_info *sbi, struct recallfs_learning *l);
bool recallfs_learning_current(struct recallfs_sb_info *sbi, const struct recallfs_learning *l);
/* Add an entry, journaled if @learned (NULL: replayed from the journal). */
int recallfs_entry_add(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
		       const struct recallfs_record *rec, const struct recallfs_learning *learned);
/* Replace the entry of @rec's name, only if it is a record of @lower as it is now. */
int recallfs_entry_amend(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			 const struct recallfs_record *rec, const struct recallfs_learning *learned,
			 const struct inode *lower);
bool recallfs_entry_records(const struct recallfs_entry *e, const struct inode *lower);
/* @e answered again (caller holds rcu_read_lock()): keep it over entries used once. */
static inline void recallfs_entry_used(struct recallfs_entry *e)
{
	if (!READ_ONCE(e->used))
		WRITE_ONCE(e->used, true);
}
/* Evict up to @nr entries, those used once first; returns how many went. */
unsigned long recallfs_index_evict(struct recallfs_sb_info *sbi, unsigned long nr);
/* Entries evicted since the journal last held only live ones (compaction clears). */
unsigned long recallfs_index_evicted_unjournaled(struct recallfs_sb_info *sbi);
void recallfs_index_journal_caught_up(struct recallfs_sb_info *sbi, unsigned long evicted);
/* A full listing of @dir is about to be recorded: entries lost before do not count. */
unsigned int recallfs_dir_begin_listing(struct recallfs_dir *dir);
/* Mark positive entry @name of @dir as listed (journaled); -ENOENT if there is none. */
int recallfs_entry_mark_listed(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			       const char *name, u32 len, const struct recallfs_learning *learned);
/*
 * The complete listing of @dir as the index has it, into @out (kvmalloc'ed
 * buffer): -ENODATA if it is not complete, or an entry lacks what readdir
 * gives (a listed name without its type, a name not known to be listed).
 */
int recallfs_dir_listing(struct recallfs_dir *dir, struct recallfs_listing *out);
/*
 * Mark @dir complete, journaling its state in order; false if it is dead,
 * @learned is not current, or it lost entries since recallfs_dir_begin_listing()
 * gave @losses.
 */
bool recallfs_dir_set_complete(struct recallfs_sb_info *sbi, struct recallfs_dir *dir,
			       const struct recallfs_learning *learned, unsigned int losses);
void recallfs_entry_to_record(const struct recallfs_entry *e, struct recallfs_record *rec);
void recallfs_dir_to_state_record(const struct recallfs_dir *dir, struct recallfs_record *rec);
int recallfs_index_create(struct recallfs_sb_info *sbi);
void recallfs_index_stop_shrinker(struct recallfs_sb_info *sbi);
void recallfs_index_destroy(struct recallfs_sb_info *sbi);
void recallfs_index_usage(struct recallfs_sb_info *sbi, struct recallfs_index_usage *u);
/* Apply one record (journal replay): no journaling, no dentry effects. */
int recallfs_index_apply(struct recallfs_sb_info *sbi, const struct recallfs_record *rec);
/*
 * Call @fn for every live record (a DIR record for each directory, then its
 * ENTRY records), for compaction. @fn runs under rcu_read_lock() and must not
 * sleep; strings in the record are valid only during the call. Returns the
 * first non-zero value @fn returned, or 0.
 */
int recallfs_index_for_each(struct recallfs_sb_info *sbi,
			    int (*fn)(const struct recallfs_record *rec, void *arg), void *arg);
/* The same, a directory at a time, for a walk that may sleep in between. */
struct recallfs_dir **recallfs_index_grab_dirs(struct recallfs_sb_info *sbi, size_t *nr);
void recallfs_index_release_dirs(struct recallfs_dir **dirs, size_t nr);
int recallfs_index_dir_records(struct recallfs_dir *dir,
			       int (*fn)(const struct recallfs_record *rec, void *arg), void *arg);
/*
 * Forget the directory at @path (relative to the mount root, "" or "/" for
 * the root) and, with @tree, every directory below; drop their dentries,
 * negative ones included. Journals an INVALIDATE record. -ENOENT if nothing
 * was recorded there is not an error: returns 0.
 */
int recallfs_invalidate(struct recallfs_sb_info *sbi, const char *path, bool tree);
/* The same without the journal sync, for a batch; then recallfs_invalidations_sync(). */
void recallfs_invalidate_nosync(struct recallfs_sb_info *sbi, const char *path, bool tree);
int recallfs_invalidations_sync(struct recallfs_sb_info *sbi);
int recallfs_set_mode(struct recallfs_sb_info *sbi, enum recallfs_mode mode);

/* journal.c: the on-disk journal (journal= mount option) */
/*
 * Open or create sbi->journal_path, check it, replay it into the index
 * (recallfs_index_apply) and start the commit worker. Errors that must fail
 * the mount are logged in @fc and returned; a foreign or unreadable journal
 * is renamed aside and a fresh one started (not an error).
 */
int recallfs_journal_open(struct recallfs_sb_info *sbi, struct fs_context *fc);
/* Queue @rec for the next commit; never sleeps, never fails the caller. */
void recallfs_journal_log(struct recallfs_sb_info *sbi, const struct recallfs_record *rec);
/* Write every queued record and fsync (sysfs "sync", ->sync_fs, unmount). */
int recallfs_journal_sync(struct recallfs_sb_info *sbi);
/* Write the queued records now if the buffer is mostly full (may sleep). */
void recallfs_journal_make_room(struct recallfs_sb_info *sbi);
/* An invalidation did not reach the disk: stop journaling, empty the file. */
void recallfs_journal_discard(struct recallfs_sb_info *sbi);
/* Rewrite the live records to a new file and rename it over the journal. */
int recallfs_journal_compact(struct recallfs_sb_info *sbi);
/* Sync and close; called once at unmount. */
void recallfs_journal_close(struct recallfs_sb_info *sbi);
/* Journal file size in bytes, 0 without a journal. */
u64 recallfs_journal_bytes(struct recallfs_sb_info *sbi);
/* The identity of the lower tree, as a journal header holds it (see journal.c). */
void recallfs_lower_identity(struct recallfs_sb_info *sbi, struct recallfs_journal_identity *id,
			     u32 *fh, char *buf);
/* The buffer recallfs_read_records() reads through: at least two records. */
#define RECALLFS_REPLAY_CHUNK	(64 * 1024)
/*
 * Decode the records of @file in [@pos, @size) through @buf, calling @fn for
 * each one that decodes, until @fn returns non-zero. 0 (or a read error);
 * *@good_end is the end of the last record read, *@why what stopped the
 * decoding before @size (NULL if it reached it, or @fn stopped it).
 */
int recallfs_read_records(struct file *file, char *buf, loff_t pos, loff_t size,
			  int (*fn)(const struct recallfs_record *rec, void *arg), void *arg,
			  loff_t *good_end, const char **why);

/* sysfs.c: /sys/fs/recallfs */
int recallfs_sysfs_init(void);
void recallfs_sysfs_exit(void);
/* Add /sys/fs/recallfs/<sbi->name>; -EEXIST (logged in @fc) if taken. */
int recallfs_sysfs_register(struct recallfs_sb_info *sbi, struct fs_context *fc);
void recallfs_sysfs_unregister(struct recallfs_sb_info *sbi);

#endif /* _RECALLFS_INTERNAL_H */
