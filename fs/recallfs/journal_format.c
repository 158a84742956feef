// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallfs: encode, decode and verify the journal format of
 * include/recallfs_journal.h.
 *
 * This one file is built into the module and, unchanged, into the userspace
 * tools (tools/Makefile compiles it with tools/recallfs_shim.h): there is no
 * second copy of the format logic. It therefore uses only the byte-order
 * helpers, memcpy/memset/memcmp, BUILD_BUG_ON and a raw CRC32C, which the
 * shim provides in userspace.
 *
 * Decoding trusts no byte: every length is checked against the bytes
 * available and against the format's limits before it is used, and on-disk
 * structures are copied out with memcpy, so the input needs no alignment.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/crc32c.h>
#include <asm/byteorder.h>
/* The raw CRC32C update: no pre- or post-inversion, on every kernel. */
#define recallfs_crc32c_raw(crc, p, len)	crc32c(crc, p, len)
#else
#include "recallfs_shim.h"
#endif

#include "recallfs_journal.h"

__u32 recallfs_journal_crc(const void *buf, __u32 len)
{
	return ~recallfs_crc32c_raw(~(__u32)0, buf, len);
}

void recallfs_journal_layout_checks(void)
{
	BUILD_BUG_ON(sizeof(struct recallfs_journal_header) != 64);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_header, header_crc) != 4);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_header, version) != 8);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_header, lowerdir_len) != 20);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_header, fh_type) != 24);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_header, created) != 32);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_rec_head) != 16);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_rec_head, rec_len) != 4);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_rec_head, type) != 8);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_entry) != 8);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_entry, fh_type) != 4);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_attr) != 88);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_listed) != 16);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_attr, atime_nsec) != 48);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_stamp) != 32);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_dir) != 40);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_dir, fh_len) != 36);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_dir_cookie) != 8);
	BUILD_BUG_ON(RECALLFS_FH_MAX != RECALLFS_JOURNAL_FH_MAX);
	BUILD_BUG_ON(offsetof(struct recallfs_journal_stamp, ino) != 24);
	/* The largest header and record fit their limits. */
	BUILD_BUG_ON(sizeof(struct recallfs_journal_header) + RECALLFS_JOURNAL_PATH_MAX +
		     RECALLFS_JOURNAL_FSTYPE_MAX + RECALLFS_JOURNAL_FH_MAX +
		     RECALLFS_JOURNAL_ALIGN > RECALLFS_JOURNAL_HEADER_MAX);
	BUILD_BUG_ON(sizeof(struct recallfs_journal_rec_head) +
		     sizeof(struct recallfs_journal_entry) +
		     sizeof(struct recallfs_journal_attr) + RECALLFS_JOURNAL_PATH_MAX +
		     RECALLFS_JOURNAL_NAME_MAX + RECALLFS_JOURNAL_LINK_MAX +
		     RECALLFS_JOURNAL_FH_MAX + RECALLFS_JOURNAL_ALIGN > RECALLFS_JOURNAL_RECORD_MAX);
	BUILD_BUG_ON(RECALLFS_JOURNAL_FSTYPE_MAX > 255 || RECALLFS_JOURNAL_FH_MAX > 255);
}

/* ---- records ---- */

/*
 * A recorded object's file type becomes an inode's and is part of its
 * identity, with its inode number: only the seven POSIX types (octal, as
 * <sys/stat.h> and <linux/stat.h> both define them), and never inode 0.
 */
static int recallfs_attr_valid(const struct recallfs_attr *attr)
{
	switch (attr->mode & 0170000) {
	case 0140000:	/* socket */
	case 0120000:	/* symlink */
	case 0100000:	/* regular */
	case 0060000:	/* block device */
	case 0040000:	/* directory */
	case 0020000:	/* character device */
	case 0010000:	/* FIFO */
		return attr->ino != 0;
	default:
		return 0;
	}
}

/* Bytes of the type-specific fixed part, or -1 for a type this code does not know. */
static int recallfs_rec_fixed_size(__u16 type, __u16 flags)
{
	switch (type) {
	case RECALLFS_REC_ENTRY:
		if (flags & RECALLFS_ENTRY_POSITIVE)
			return sizeof(struct recallfs_journal_entry) +
			       sizeof(struct recallfs_journal_attr);
		return sizeof(struct recallfs_journal_entry) +
		       ((flags & RECALLFS_ENTRY_TYPED) ? sizeof(struct recallfs_journal_listed) : 0);
	case RECALLFS_REC_DIR:
		return sizeof(struct recallfs_journal_dir) +
		       ((flags & RECALLFS_DIR_CHANGE_COOKIE) ?
			sizeof(struct recallfs_journal_dir_cookie) : 0);
	case RECALLFS_REC_INVALIDATE:
	case RECALLFS_REC_SEED:
		return 0;
	default:
		return -1;
	}
}

/* Whether @len bytes at @s contain byte @c. */
static int recallfs_has_byte(const char *s, __u32 len, char c)
{
	while (len--)
		if (*s++ == c)
			return 1;
	return 0;
}

/* A directory path as the index keeps it: "" or "a/b", no NUL, no '/' at either end. */
static int recallfs_dir_ok(const char *dir, __u32 len)
{
	if (len > RECALLFS_JOURNAL_PATH_MAX)
		return 0;
	if (!len)
		return 1;
	return dir[0] != '/' && dir[len - 1] != '/' && !recallfs_has_byte(dir, len, '\0');
}

/* One path component: not empty, ".", "..", and without '/' or NUL. */
static int recallfs_name_ok(const char *name, __u32 len)
{
	if (len < 1 || len > RECALLFS_JOURNAL_NAME_MAX)
		return 0;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return 0;
	return !recallfs_has_byte(name, len, '/') && !recallfs_has_byte(name, len, '\0');
}

/*
 * An entry's flags: positive (with attributes) or listed (without), not
 * both; MODE_ONLY and IN_LISTING only if positive, TYPED only if listed,
 * and a typed entry's mode only a file type.
 */
static int recallfs_entry_flags_ok(const struct recallfs_record *rec)
{
	__u16 f = rec->flags;

	if (f & ~(RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_MODE_ONLY |
		  RECALLFS_ENTRY_HOT | RECALLFS_ENTRY_IN_LISTING | RECALLFS_ENTRY_TYPED))
		return 0;
	if ((f & RECALLFS_ENTRY_POSITIVE) && (f & RECALLFS_ENTRY_LISTED))
		return 0;
	if ((f & (RECALLFS_ENTRY_MODE_ONLY | RECALLFS_ENTRY_IN_LISTING)) &&
	    !(f & RECALLFS_ENTRY_POSITIVE))
		return 0;
	if (f & RECALLFS_ENTRY_TYPED)
		return (f & RECALLFS_ENTRY_LISTED) && rec->attr.ino &&
		       (!rec->attr.mode || recallfs_attr_valid(&rec->attr)) &&
		       !(rec->attr.mode & ~0170000u);
	return 1;
}

/* exportfs' FILEID_INVALID: never a handle's type. */
#define RECALLFS_FH_TYPE_INVALID	0xff

/*
 * A file handle only for a positive entry, whole 32-bit words as exportfs
 * encodes them and of a valid type; a type only with a handle.
 */
static int recallfs_entry_handle_ok(const struct recallfs_record *rec)
{
	if (!rec->fh_len)
		return rec->fh_type == 0;
	return (rec->flags & RECALLFS_ENTRY_POSITIVE) && rec->fh_len <= RECALLFS_JOURNAL_FH_MAX &&
	       rec->fh_len % 4 == 0 && rec->fh_type != RECALLFS_FH_TYPE_INVALID;
}

/*
 * Whether the lengths and strings of @rec are valid for its type: the same
 * test on both sides, so an encoder cannot write what the decoder refuses.
 */
static int recallfs_rec_valid(const struct recallfs_record *rec)
{
	if (!recallfs_dir_ok(rec->dir, rec->dir_len))
		return 0;
	/* What the decoder would refuse is never written: it would cut the journal there. */
	if (rec->type == RECALLFS_REC_ENTRY)
		return recallfs_name_ok(rec->name, rec->name_len) &&
		       rec->link_len <= RECALLFS_JOURNAL_LINK_MAX &&
		       recallfs_entry_flags_ok(rec) && recallfs_entry_handle_ok(rec) &&
		       recallfs_xattr_absent_ok(rec->xattr_absent) &&
		       (!rec->xattr_absent || (rec->flags & RECALLFS_ENTRY_POSITIVE)) &&
		       (!(rec->flags & RECALLFS_ENTRY_POSITIVE) || recallfs_attr_valid(&rec->attr));
	/* Only entries have a name or a link; only they and directories a file handle. */
	if (rec->type == RECALLFS_REC_DIR)
		return rec->name_len == 0 && rec->link_len == 0 &&
		       rec->fh_len <= RECALLFS_JOURNAL_FH_MAX &&
		       !(rec->flags & ~(RECALLFS_DIR_COMPLETE | RECALLFS_DIR_CHANGE_COOKIE |
					RECALLFS_DIR_LISTED_TYPED)) &&
		       (!(rec->flags & RECALLFS_DIR_LISTED_TYPED) ||
			(rec->flags & RECALLFS_DIR_COMPLETE)) &&
		       !rec->stamp.unused && rec->stamp.has_change_cookie <= 1 &&
		       !!(rec->flags & RECALLFS_DIR_CHANGE_COOKIE) == rec->stamp.has_change_cookie;
	if (rec->name_len || rec->link_len || rec->fh_len)
		return 0;
	/* A seed is a file: never the root. */
	if (rec->type == RECALLFS_REC_SEED)
		return rec->dir_len && !rec->flags;
	return !(rec->flags & ~RECALLFS_INVALIDATE_TREE);
}

__u32 recallfs_record_size(const struct recallfs_record *rec)
{
	int fixed = recallfs_rec_fixed_size(rec->type, rec->flags);

	if (fixed < 0 || !recallfs_rec_valid(rec))
		return 0;
	return recallfs_journal_align(sizeof(struct recallfs_journal_rec_head) + fixed +
				      rec->dir_len + rec->name_len + rec->link_len + rec->fh_len);
}

static void recallfs_encode_attr(const struct recallfs_attr *a, struct recallfs_journal_attr *d)
{
	memset(d, 0, sizeof(*d));
	d->ino = cpu_to_le64(a->ino);
	d->size = cpu_to_le64(a->size);
	d->blocks = cpu_to_le64(a->blocks);
	d->atime_sec = cpu_to_le64((__u64)a->atime_sec);
	d->mtime_sec = cpu_to_le64((__u64)a->mtime_sec);
	d->ctime_sec = cpu_to_le64((__u64)a->ctime_sec);
	d->atime_nsec = cpu_to_le32(a->atime_nsec);
	d->mtime_nsec = cpu_to_le32(a->mtime_nsec);
	d->ctime_nsec = cpu_to_le32(a->ctime_nsec);
	d->mode = cpu_to_le32(a->mode);
	d->uid = cpu_to_le32(a->uid);
	d->gid = cpu_to_le32(a->gid);
	d->nlink = cpu_to_le32(a->nlink);
	d->rdev = cpu_to_le32(a->rdev);
	d->blksize = cpu_to_le32(a->blksize);
}

static void recallfs_decode_attr(const struct recallfs_journal_attr *d, struct recallfs_attr *a)
{
	a->ino = le64_to_cpu(d->ino);
	a->size = le64_to_cpu(d->size);
	a->blocks = le64_to_cpu(d->blocks);
	a->atime_sec = (__s64)le64_to_cpu(d->atime_sec);
	a->mtime_sec = (__s64)le64_to_cpu(d->mtime_sec);
	a->ctime_sec = (__s64)le64_to_cpu(d->ctime_sec);
	a->atime_nsec = le32_to_cpu(d->atime_nsec);
	a->mtime_nsec = le32_to_cpu(d->mtime_nsec);
	a->ctime_nsec = le32_to_cpu(d->ctime_nsec);
	a->mode = le32_to_cpu(d->mode);
	a->uid = le32_to_cpu(d->uid);
	a->gid = le32_to_cpu(d->gid);
	a->nlink = le32_to_cpu(d->nlink);
	a->rdev = le32_to_cpu(d->rdev);
	a->blksize = le32_to_cpu(d->blksize);
}

static void recallfs_encode_stamp(const struct recallfs_stamp *s, struct recallfs_journal_stamp *d)
{
	d->mtime_sec = cpu_to_le64((__u64)s->mtime_sec);
	d->ctime_sec = cpu_to_le64((__u64)s->ctime_sec);
	d->mtime_nsec = cpu_to_le32(s->mtime_nsec);
	d->ctime_nsec = cpu_to_le32(s->ctime_nsec);
	d->ino = cpu_to_le64(s->ino);
}

static void recallfs_decode_stamp(const struct recallfs_journal_stamp *d, struct recallfs_stamp *s)
{
	s->mtime_sec = (__s64)le64_to_cpu(d->mtime_sec);
	s->ctime_sec = (__s64)le64_to_cpu(d->ctime_sec);
	s->mtime_nsec = le32_to_cpu(d->mtime_nsec);
	s->ctime_nsec = le32_to_cpu(d->ctime_nsec);
	s->ino = le64_to_cpu(d->ino);
}

/* Copy @len bytes of @src to @p and return the byte after them. */
static unsigned char *recallfs_put(unsigned char *p, const void *src, __u32 len)
{
	if (len)
		memcpy(p, src, len);
	return p + len;
}

__u32 recallfs_record_encode(const struct recallfs_record *rec, void *buf, __u32 size)
{
	__u32 len = recallfs_record_size(rec);
	struct recallfs_journal_rec_head head;
	unsigned char *start = buf, *p = buf;

	if (!len || len > size)
		return 0;
	memset(&head, 0, sizeof(head));
	head.rec_len = cpu_to_le32(len);
	head.type = cpu_to_le16(rec->type);
	head.flags = cpu_to_le16(rec->flags);
	head.dir_len = cpu_to_le16((__u16)rec->dir_len);
	head.name_len = cpu_to_le16((__u16)rec->name_len);
	p = recallfs_put(p, &head, sizeof(head));

	if (rec->type == RECALLFS_REC_ENTRY) {
		struct recallfs_journal_entry entry;

		memset(&entry, 0, sizeof(entry));
		entry.link_len = cpu_to_le16((__u16)rec->link_len);
		entry.fh_len = cpu_to_le16((__u16)rec->fh_len);
		entry.fh_type = cpu_to_le32(rec->fh_type);
		p = recallfs_put(p, &entry, sizeof(entry));
		if (rec->flags & RECALLFS_ENTRY_POSITIVE) {
			struct recallfs_journal_attr attr;

			recallfs_encode_attr(&rec->attr, &attr);
			attr.xattr_absent = cpu_to_le32(rec->xattr_absent);
			p = recallfs_put(p, &attr, sizeof(attr));
		} else if (rec->flags & RECALLFS_ENTRY_TYPED) {
			struct recallfs_journal_listed listed;

			memset(&listed, 0, sizeof(listed));
			listed.ino = cpu_to_le64(rec->attr.ino);
			listed.mode = cpu_to_le32(rec->attr.mode);
			p = recallfs_put(p, &listed, sizeof(listed));
		}
	} else if (rec->type == RECALLFS_REC_DIR) {
		struct recallfs_journal_dir dir;

		memset(&dir, 0, sizeof(dir));
		recallfs_encode_stamp(&rec->stamp, &dir.stamp);
		dir.fh_type = cpu_to_le32(rec->fh_type);
		dir.fh_len = cpu_to_le16((__u16)rec->fh_len);
		p = recallfs_put(p, &dir, sizeof(dir));
		if (rec->flags & RECALLFS_DIR_CHANGE_COOKIE) {
			struct recallfs_journal_dir_cookie cookie = {
				.change_cookie = cpu_to_le64(rec->stamp.change_cookie),
			};

			p = recallfs_put(p, &cookie, sizeof(cookie));
		}
	}
	p = recallfs_put(p, rec->dir, rec->dir_len);
	p = recallfs_put(p, rec->name, rec->name_len);
	p = recallfs_put(p, rec->link, rec->link_len);
	p = recallfs_put(p, rec->fh, rec->fh_len);
	memset(p, 0, len - (__u32)(p - start));

	head.rec_crc = cpu_to_le32(recallfs_journal_crc(start + 4, len - 4));
	memcpy(start, &head.rec_crc, sizeof(head.rec_crc));
	return len;
}

/* Whether @len bytes at @p are all zero. */
static int recallfs_all_zero(const unsigned char *p, __u32 len)
{
	while (len--)
		if (*p++)
			return 0;
	return 1;
}

/*
 * Decode the fields after the head of a record whose length and CRC are
 * already verified; @len is rec_len, @p points just after the head.
 */
static int recallfs_decode_body(const struct recallfs_journal_rec_head *head,
				const unsigned char *start, __u32 len,
				struct recallfs_record *rec)
{
	const unsigned char *p = start + sizeof(*head);
	__u32 fixed, used;
	int fixed_size;

	memset(rec, 0, sizeof(*rec));
	rec->type = le16_to_cpu(head->type);
	rec->flags = le16_to_cpu(head->flags);
	rec->dir_len = le16_to_cpu(head->dir_len);
	rec->name_len = le16_to_cpu(head->name_len);

	fixed_size = recallfs_rec_fixed_size(rec->type, rec->flags);
	if (fixed_size < 0)
		return RECALLFS_DECODE_CORRUPT;	/* the caller checked the type */
	fixed = (__u32)fixed_size;
	if (sizeof(*head) + fixed > len)
		return RECALLFS_DECODE_CORRUPT;

	if (rec->type == RECALLFS_REC_ENTRY) {
		struct recallfs_journal_entry entry;

		memcpy(&entry, p, sizeof(entry));
		rec->link_len = le16_to_cpu(entry.link_len);
		rec->fh_len = le16_to_cpu(entry.fh_len);
		rec->fh_type = le32_to_cpu(entry.fh_type);
		if (rec->flags & RECALLFS_ENTRY_POSITIVE) {
			struct recallfs_journal_attr attr;

			memcpy(&attr, p + sizeof(entry), sizeof(attr));
			rec->xattr_absent = le32_to_cpu(attr.xattr_absent);
			recallfs_decode_attr(&attr, &rec->attr);
			if (!recallfs_attr_valid(&rec->attr))
				return RECALLFS_DECODE_CORRUPT;
		} else if (rec->flags & RECALLFS_ENTRY_TYPED) {
			struct recallfs_journal_listed listed;

			memcpy(&listed, p + sizeof(entry), sizeof(listed));
			if (listed.reserved)
				return RECALLFS_DECODE_CORRUPT;
			rec->attr.ino = le64_to_cpu(listed.ino);
			rec->attr.mode = le32_to_cpu(listed.mode);
		}
		/* The flags are checked with the rest by recallfs_rec_valid() below. */
	} else if (rec->type == RECALLFS_REC_DIR) {
		struct recallfs_journal_dir dir;

		memcpy(&dir, p, sizeof(dir));
		recallfs_decode_stamp(&dir.stamp, &rec->stamp);
		rec->fh_type = le32_to_cpu(dir.fh_type);
		rec->fh_len = le16_to_cpu(dir.fh_len);
		/* The flags are checked with the rest by recallfs_rec_valid(). */
		if (dir.reserved)
			return RECALLFS_DECODE_CORRUPT;
		if (rec->flags & RECALLFS_DIR_CHANGE_COOKIE) {
			struct recallfs_journal_dir_cookie cookie;

			memcpy(&cookie, p + sizeof(dir), sizeof(cookie));
			rec->stamp.change_cookie = le64_to_cpu(cookie.change_cookie);
			rec->stamp.has_change_cookie = 1;
		}
	}
	/* Flags, INVALIDATE's and SEED's included, are checked by recallfs_rec_valid() below. */

	/* The record must be exactly its parts, padded: nothing hidden after them. */
	used = sizeof(*head) + fixed + rec->dir_len + rec->name_len + rec->link_len +
	       rec->fh_len;
	if (recallfs_journal_align(used) != len || !recallfs_all_zero(start + used, len - used))
		return RECALLFS_DECODE_CORRUPT;

	p += fixed;
	rec->dir = (const char *)p;
	rec->name = rec->name_len ? (const char *)p + rec->dir_len : NULL;
	rec->link = rec->link_len ? (const char *)p + rec->dir_len + rec->name_len : NULL;
	rec->fh = rec->fh_len ? p + rec->dir_len + rec->name_len + rec->link_len : NULL;
	if (!recallfs_rec_valid(rec))
		return RECALLFS_DECODE_CORRUPT;
	return RECALLFS_DECODE_OK;
}

int recallfs_record_decode(const void *buf, __u32 avail, struct recallfs_record *rec,
			   __u32 *len)
{
	const unsigned char *start = buf;
	struct recallfs_journal_rec_head head;
	__u32 rec_len;
	__u16 type;

	/* Length first: it tells a torn tail (too few bytes) from garbage. */
	if (avail < 8)
		return RECALLFS_DECODE_SHORT;
	memcpy(&head, start, 8);
	rec_len = le32_to_cpu(head.rec_len);
	if (rec_len < sizeof(head) || rec_len > RECALLFS_JOURNAL_RECORD_MAX ||
	    rec_len % RECALLFS_JOURNAL_ALIGN)
		return RECALLFS_DECODE_CORRUPT;
	if (avail < rec_len)
		return RECALLFS_DECODE_SHORT;
	if (le32_to_cpu(head.rec_crc) != recallfs_journal_crc(start + 4, rec_len - 4))
		return RECALLFS_DECODE_CORRUPT;

	memcpy(&head, start, sizeof(head));
	*len = rec_len;
	type = le16_to_cpu(head.type);
	if (recallfs_rec_fixed_size(type, 0) < 0)
		return (type & RECALLFS_REC_MUST_KNOW) ? RECALLFS_DECODE_UNSUPPORTED :
							RECALLFS_DECODE_SKIP;
	return recallfs_decode_body(&head, start, rec_len, rec);
}

/* ---- header ---- */

static int recallfs_identity_ok(const struct recallfs_journal_identity *id)
{
	return id->lowerdir_len <= RECALLFS_JOURNAL_PATH_MAX &&
	       id->fstype_len <= RECALLFS_JOURNAL_FSTYPE_MAX &&
	       id->fh_len <= RECALLFS_JOURNAL_FH_MAX;
}

__u32 recallfs_header_size(const struct recallfs_journal_identity *id)
{
	if (!recallfs_identity_ok(id))
		return 0;
	return recallfs_journal_align(sizeof(struct recallfs_journal_header) +
				      id->lowerdir_len + id->fstype_len + id->fh_len);
}

__u32 recallfs_header_encode(const struct recallfs_journal_identity *id, void *buf, __u32 size)
{
	__u32 len = recallfs_header_size(id);
	struct recallfs_journal_header h;
	unsigned char *start = buf, *p = buf;

	if (!len || len > size)
		return 0;
	memset(&h, 0, sizeof(h));
	h.magic = cpu_to_le32(RECALLFS_JOURNAL_MAGIC);
	h.version = cpu_to_le16(RECALLFS_JOURNAL_VERSION);
	h.header_size = cpu_to_le16((__u16)len);
	h.compat_features = cpu_to_le32(RECALLFS_JOURNAL_COMPAT_SUPP);
	h.incompat_features = cpu_to_le32(RECALLFS_JOURNAL_INCOMPAT_SUPP);
	h.lowerdir_len = cpu_to_le16((__u16)id->lowerdir_len);
	h.fstype_len = (__u8)id->fstype_len;
	h.fh_len = (__u8)id->fh_len;
	h.fh_type = cpu_to_le32(id->fh_len ? id->fh_type : 0);
	h.created = cpu_to_le64(id->created);
	p = recallfs_put(p, &h, sizeof(h));
	p = recallfs_put(p, id->lowerdir, id->lowerdir_len);
	p = recallfs_put(p, id->fstype, id->fstype_len);
	p = recallfs_put(p, id->fh, id->fh_len);
	memset(p, 0, len - (__u32)(p - start));

	h.header_crc = cpu_to_le32(recallfs_journal_crc(start + 8, len - 8));
	memcpy(start + 4, &h.header_crc, sizeof(h.header_crc));
	return len;
}

int recallfs_header_decode(const void *buf, __u32 avail, struct recallfs_journal_identity *id)
{
	const unsigned char *start = buf;
	struct recallfs_journal_header h;
	__u32 size, used;

	if (avail < sizeof(h))
		return RECALLFS_DECODE_SHORT;
	memcpy(&h, start, sizeof(h));
	if (le32_to_cpu(h.magic) != RECALLFS_JOURNAL_MAGIC)
		return RECALLFS_DECODE_CORRUPT;
	size = le16_to_cpu(h.header_size);
	if (size < sizeof(h) || size > RECALLFS_JOURNAL_HEADER_MAX ||
	    size % RECALLFS_JOURNAL_ALIGN)
		return RECALLFS_DECODE_CORRUPT;
	if (avail < size)
		return RECALLFS_DECODE_SHORT;
	if (le32_to_cpu(h.header_crc) != recallfs_journal_crc(start + 8, size - 8))
		return RECALLFS_DECODE_CORRUPT;
	/* A verified header of another version or with features we lack: not ours to read. */
	if (le16_to_cpu(h.version) != RECALLFS_JOURNAL_VERSION ||
	    (le32_to_cpu(h.incompat_features) & ~RECALLFS_JOURNAL_INCOMPAT_SUPP))
		return RECALLFS_DECODE_UNSUPPORTED;

	memset(id, 0, sizeof(*id));
	id->lowerdir_len = le16_to_cpu(h.lowerdir_len);
	id->fstype_len = h.fstype_len;
	id->fh_len = h.fh_len;
	id->fh_type = le32_to_cpu(h.fh_type);
	id->created = le64_to_cpu(h.created);
	if (!recallfs_identity_ok(id))
		return RECALLFS_DECODE_CORRUPT;
	used = sizeof(h) + id->lowerdir_len + id->fstype_len + id->fh_len;
	if (recallfs_journal_align(used) != size)
		return RECALLFS_DECODE_CORRUPT;
	id->lowerdir = (const char *)start + sizeof(h);
	id->fstype = id->lowerdir + id->lowerdir_len;
	id->fh = (const __u8 *)id->fstype + id->fstype_len;
	return (int)size;
}

/* Compare two byte strings of given lengths. */
static int recallfs_bytes_equal(const void *a, __u32 alen, const void *b, __u32 blen)
{
	return alen == blen && (!alen || !memcmp(a, b, alen));
}

int recallfs_identity_equal(const struct recallfs_journal_identity *a,
			    const struct recallfs_journal_identity *b)
{
	return recallfs_bytes_equal(a->lowerdir, a->lowerdir_len, b->lowerdir, b->lowerdir_len) &&
	       recallfs_bytes_equal(a->fstype, a->fstype_len, b->fstype, b->fstype_len) &&
	       recallfs_bytes_equal(a->fh, a->fh_len, b->fh, b->fh_len) &&
	       (!a->fh_len || a->fh_type == b->fh_type);
}

int recallfs_identity_same_tree(const struct recallfs_journal_identity *a,
				const struct recallfs_journal_identity *b)
{
	if (!recallfs_bytes_equal(a->fstype, a->fstype_len, b->fstype, b->fstype_len))
		return 0;
	if (a->fh_len || b->fh_len)
		return recallfs_bytes_equal(a->fh, a->fh_len, b->fh, b->fh_len) &&
		       a->fh_type == b->fh_type;
	return recallfs_bytes_equal(a->lowerdir, a->lowerdir_len, b->lowerdir, b->lowerdir_len);
}
