// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: an index of records, replayed as the module replays a journal
 * (fs/recallfs/index.c, recallfs_index_apply()), so that offline compaction
 * and merging keep exactly what a mount would have kept, as long as it all
 * fits the mount's max_entries (no eviction is modelled):
 *
 *  - an ENTRY replaces the entry of its name in its directory (made, with no
 *    state, if missing), keeping its place; a positive entry of a name that a
 *    listing had stays marked as listed; "used again" (HOT) sticks;
 *  - a DIR gives its directory its stamp, handle and complete mark; a stamp
 *    other than the one recorded drops the names first (only merged
 *    journals say that: a mount journals an INVALIDATE before a new stamp);
 *  - an INVALIDATE forgets a directory's entries and state, or a whole tree.
 *
 * Memory: one allocation per entry and per directory, two chained hash tables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recallctl.h"

struct rc_dir;

struct rc_entry {
	struct rc_entry *hash_next;
	struct rc_entry *prev, *next;	/* in the directory's order */
	struct rc_dir *dir;
	struct recallfs_record rec;	/* strings point into data[] */
	bool hot;
	char data[];
};

struct rc_dir {
	struct rc_dir *hash_next;
	struct rc_dir *prev, *next;	/* in the order directories were first recorded */
	struct rc_entry *first, *last;
	uint64_t serial;		/* hashes the directory's entries */
	struct recallfs_stamp stamp;
	__u32 fh_type, fh_len;
	unsigned char fh[RECALLFS_FH_MAX];
	bool complete, listed_typed;
	bool has_state;			/* a DIR record gave its stamp */
	__u32 path_len;
	char path[];
};

struct rc_table {
	void **buckets;
	size_t nbuckets, count;
};

struct rc_index {
	struct rc_table dirs, entries;
	struct rc_dir *first, *last;
	uint64_t next_serial;
};

static uint64_t rc_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len--)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

static uint64_t rc_dir_hash(const char *path, size_t len)
{
	return rc_hash(0xcbf29ce484222325ull, path, len);
}

static uint64_t rc_entry_hash(uint64_t serial, const char *name, size_t len)
{
	return rc_hash(rc_hash(0xcbf29ce484222325ull, &serial, sizeof(serial)), name, len);
}

/* The bucket of @hash. Both kinds of item chain through their first field, hash_next. */
static void **rc_bucket(struct rc_table *t, uint64_t hash)
{
	return &t->buckets[hash & (t->nbuckets - 1)];
}

static int rc_table_init(struct rc_table *t)
{
	t->nbuckets = 1024;
	t->count = 0;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : ENOMEM;
}

struct rc_index *rc_index_new(void)
{
	struct rc_index *ix = calloc(1, sizeof(*ix));

	if (!ix)
		return NULL;
	if (rc_table_init(&ix->dirs) || rc_table_init(&ix->entries)) {
		free(ix->dirs.buckets);
		free(ix);
		return NULL;
	}
	return ix;
}

static void rc_dir_free_entries(struct rc_dir *dir)
{
	struct rc_entry *e = dir->first, *next;

	for (; e; e = next) {
		next = e->next;
		free(e);
	}
	dir->first = dir->last = NULL;
}

void rc_index_free(struct rc_index *ix)
{
	struct rc_dir *dir, *next;

	if (!ix)
		return;
	for (dir = ix->first; dir; dir = next) {
		next = dir->next;
		rc_dir_free_entries(dir);
		free(dir);
	}
	free(ix->dirs.buckets);
	free(ix->entries.buckets);
	free(ix);
}

/* Double @t's buckets when it holds more items than buckets; @hash_of rehashes one. */
static int rc_table_grow(struct rc_table *t, uint64_t (*hash_of)(void *item))
{
	size_t n = t->nbuckets * 2, i;
	void **b;

	if (t->count < t->nbuckets)
		return 0;
	b = calloc(n, sizeof(*b));
	if (!b)
		return ENOMEM;
	for (i = 0; i < t->nbuckets; i++) {
		void *item = t->buckets[i];

		while (item) {
			void **link = item;	/* hash_next is the first field */
			void *next = *link;
			void **to = &b[hash_of(item) & (n - 1)];

			*link = *to;
			*to = item;
			item = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return 0;
}

static uint64_t rc_dir_rehash(void *item)
{
	struct rc_dir *dir = item;

	return rc_dir_hash(dir->path, dir->path_len);
}

static uint64_t rc_entry_rehash(void *item)
{
	struct rc_entry *e = item;

	return rc_entry_hash(e->dir->serial, e->rec.name, e->rec.name_len);
}

static struct rc_dir *rc_dir_find(const struct rc_index *ix, const char *path, size_t len)
{
	struct rc_dir *dir = *rc_bucket((struct rc_table *)&ix->dirs, rc_dir_hash(path, len));

	for (; dir; dir = dir->hash_next)
		if (dir->path_len == len && !memcmp(dir->path, path, len))
			return dir;
	return NULL;
}

static struct rc_dir *rc_dir_get(struct rc_index *ix, const char *path, size_t len)
{
	struct rc_dir *dir = rc_dir_find(ix, path, len);
	void **bucket;

	if (dir)
		return dir;
	if (rc_table_grow(&ix->dirs, rc_dir_rehash))
		return NULL;
	dir = calloc(1, sizeof(*dir) + len + 1);
	if (!dir)
		return NULL;
	dir->serial = ++ix->next_serial;
	dir->path_len = (__u32)len;
	memcpy(dir->path, path, len);
	bucket = rc_bucket(&ix->dirs, rc_dir_hash(path, len));
	dir->hash_next = *bucket;
	*bucket = dir;
	ix->dirs.count++;
	dir->prev = ix->last;
	if (ix->last)
		ix->last->next = dir;
	else
		ix->first = dir;
	ix->last = dir;
	return dir;
}

static struct rc_entry **rc_entry_slot(struct rc_index *ix, const struct rc_dir *dir,
				       const char *name, size_t len)
{
	struct rc_entry **slot = (struct rc_entry **)rc_bucket(&ix->entries,
						rc_entry_hash(dir->serial, name, len));

	for (; *slot; slot = &(*slot)->hash_next)
		if ((*slot)->dir == dir && (*slot)->rec.name_len == len &&
		    !memcmp((*slot)->rec.name, name, len))
			break;
	return slot;
}

/* Unhash and free @dir's entries; @dir stays. */
static void rc_dir_clear(struct rc_index *ix, struct rc_dir *dir)
{
	struct rc_entry *e;

	for (e = dir->first; e; e = e->next) {
		struct rc_entry **es = rc_entry_slot(ix, dir, e->rec.name, e->rec.name_len);

		*es = e->hash_next;
		ix->entries.count--;
	}
	rc_dir_free_entries(dir);
}

/* Free @dir's entries, then @dir itself. */
static void rc_dir_remove(struct rc_index *ix, struct rc_dir *dir)
{
	struct rc_dir **slot = (struct rc_dir **)rc_bucket(&ix->dirs,
						rc_dir_hash(dir->path, dir->path_len));
	rc_dir_clear(ix, dir);
	while (*slot != dir)
		slot = &(*slot)->hash_next;
	*slot = dir->hash_next;
	ix->dirs.count--;
	if (dir->prev)
		dir->prev->next = dir->next;
	else
		ix->first = dir->next;
	if (dir->next)
		dir->next->prev = dir->prev;
	else
		ix->last = dir->prev;
	free(dir);
}

/* A copy of ENTRY @rec holding only what the module's entry keeps of it. */
static struct rc_entry *rc_entry_make(const struct recallfs_record *rec)
{
	bool positive = rec->flags & RECALLFS_ENTRY_POSITIVE;
	size_t fh_len = positive ? rec->fh_len : 0;
	struct rc_entry *e = calloc(1, sizeof(*e) + rec->name_len + rec->link_len + fh_len);
	char *p;

	if (!e)
		return NULL;
	e->rec = *rec;
	e->rec.dir = NULL;
	e->rec.flags = rec->flags & ~RECALLFS_ENTRY_HOT;
	p = e->data;
	memcpy(p, rec->name, rec->name_len);
	e->rec.name = p;
	p += rec->name_len;
	if (rec->link_len)
		memcpy(p, rec->link, rec->link_len);
	e->rec.link = rec->link_len ? p : NULL;
	p += rec->link_len;
	if (fh_len)
		memcpy(p, rec->fh, fh_len);
	e->rec.fh = fh_len ? p : NULL;
	e->rec.fh_len = (__u32)fh_len;
	if (!fh_len)
		e->rec.fh_type = 0;
	if (!positive) {
		struct recallfs_attr listed = { 0 };

		if (rec->flags & RECALLFS_ENTRY_TYPED) {
			listed.ino = rec->attr.ino;
			listed.mode = rec->attr.mode;
		}
		e->rec.attr = listed;
		e->rec.xattr_absent = 0;
	}
	e->hot = rec->flags & RECALLFS_ENTRY_HOT;
	return e;
}

static int rc_apply_entry(struct rc_index *ix, const struct recallfs_record *rec)
{
	struct rc_dir *dir = rc_dir_get(ix, rec->dir, rec->dir_len);
	struct rc_entry **slot, *old, *e;

	if (!dir || rc_table_grow(&ix->entries, rc_entry_rehash))
		return ENOMEM;
	e = rc_entry_make(rec);
	if (!e)
		return ENOMEM;
	e->dir = dir;
	slot = rc_entry_slot(ix, dir, rec->name, rec->name_len);
	old = *slot;
	if (!old) {
		*slot = e;
		ix->entries.count++;
		e->prev = dir->last;
		if (dir->last)
			dir->last->next = e;
		else
			dir->first = e;
		dir->last = e;
		return 0;
	}
	/* A name found where a listing had it stays listed. */
	if ((e->rec.flags & RECALLFS_ENTRY_POSITIVE) &&
	    (old->rec.flags & (RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_IN_LISTING)))
		e->rec.flags |= RECALLFS_ENTRY_IN_LISTING;
	e->hot = e->hot || old->hot;
	e->hash_next = old->hash_next;
	*slot = e;
	e->prev = old->prev;
	e->next = old->next;
	if (e->prev)
		e->prev->next = e;
	else
		dir->first = e;
	if (e->next)
		e->next->prev = e;
	else
		dir->last = e;
	free(old);
	return 0;
}

static int rc_apply_dir(struct rc_index *ix, const struct recallfs_record *rec)
{
	struct rc_dir *dir = rc_dir_get(ix, rec->dir, rec->dir_len);

	if (!dir)
		return ENOMEM;
	/*
	 * A state other than the one recorded: the names were of that one. A
	 * mount's journal never says this (a changed stamp is an INVALIDATE
	 * first); two merged journals may.
	 */
	if (dir->has_state && memcmp(&dir->stamp, &rec->stamp, sizeof(rec->stamp)))
		rc_dir_clear(ix, dir);
	dir->has_state = true;
	dir->stamp = rec->stamp;
	dir->fh_type = rec->fh_type;
	dir->fh_len = rec->fh_len <= RECALLFS_FH_MAX ? rec->fh_len : RECALLFS_FH_MAX;
	if (dir->fh_len)
		memcpy(dir->fh, rec->fh, dir->fh_len);
	dir->complete = rec->flags & RECALLFS_DIR_COMPLETE;
	dir->listed_typed = rec->flags & RECALLFS_DIR_LISTED_TYPED;
	return 0;
}

/* Is @dir at or below @top (@len bytes; "" is the root, above everything)? */
static bool rc_in_tree(const struct rc_dir *dir, const char *top, size_t len)
{
	return !len || (dir->path_len >= len && !memcmp(dir->path, top, len) &&
			(dir->path_len == len || dir->path[len] == '/'));
}

static void rc_apply_invalidate(struct rc_index *ix, const struct recallfs_record *rec)
{
	struct rc_dir *dir, *next;

	if (!(rec->flags & RECALLFS_INVALIDATE_TREE)) {
		dir = rc_dir_find(ix, rec->dir, rec->dir_len);
		if (dir)
			rc_dir_remove(ix, dir);
		return;
	}
	for (dir = ix->first; dir; dir = next) {
		next = dir->next;
		if (rc_in_tree(dir, rec->dir, rec->dir_len))
			rc_dir_remove(ix, dir);
	}
}

int rc_index_apply(const struct recallfs_record *rec, size_t offset, void *index)
{
	struct rc_index *ix = index;

	(void)offset;
	switch (rec->type) {
	case RECALLFS_REC_ENTRY:
		return rc_apply_entry(ix, rec);
	case RECALLFS_REC_DIR:
		return rc_apply_dir(ix, rec);
	case RECALLFS_REC_INVALIDATE:
		rc_apply_invalidate(ix, rec);
		return 0;
	}
	return 0;
}

static void rc_dir_state(const struct rc_dir *dir, struct recallfs_record *rec, bool with_complete)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = RECALLFS_REC_DIR;
	rec->flags = recallfs_dir_rec_flags(with_complete && dir->complete, dir->listed_typed,
					    &dir->stamp);
	rec->dir = dir->path;
	rec->dir_len = dir->path_len;
	rec->stamp = dir->stamp;
	rec->fh_type = dir->fh_type;
	rec->fh_len = dir->fh_len;
	rec->fh = dir->fh;
}

int rc_index_for_each(const struct rc_index *ix, const char *under,
		      int (*fn)(const struct recallfs_record *, void *), void *arg)
{
	size_t under_len = under ? strlen(under) : 0;
	const struct rc_dir *dir;
	const struct rc_entry *e;
	struct recallfs_record rec;
	int ret;

	for (dir = ix->first; dir; dir = dir->next) {
		if (!rc_in_tree(dir, under, under_len))
			continue;
		/* The complete mark follows the entries: a cut among them never replays as complete. */
		rc_dir_state(dir, &rec, false);
		ret = fn(&rec, arg);
		for (e = dir->first; !ret && e; e = e->next) {
			rec = e->rec;
			rec.dir = dir->path;
			rec.dir_len = dir->path_len;
			if (e->hot)
				rec.flags |= RECALLFS_ENTRY_HOT;
			ret = fn(&rec, arg);
		}
		if (!ret && dir->complete) {
			rc_dir_state(dir, &rec, true);
			ret = fn(&rec, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

size_t rc_index_dirs(const struct rc_index *ix)
{
	return ix->dirs.count;
}

size_t rc_index_entries(const struct rc_index *ix)
{
	return ix->entries.count;
}
