/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallfs: the on-disk journal format and its codec (fs/recallfs/journal_format.c).
 *
 * This header is the one definition of the format, for the kernel module and
 * for the tools (tools/ compiles journal_format.c itself). Every on-disk field
 * is little-endian and fixed-width; every structure size is checked by
 * recallfs_journal_layout_checks().
 *
 * A journal file is:
 *
 *	header:  struct recallfs_journal_header, then the lower tree's identity
 *	         (lowerdir path, lower filesystem type name, lower root file
 *	         handle), zero-padded to a multiple of 8 bytes (header_size).
 *	records: each a struct recallfs_journal_rec_head, a type-specific fixed
 *	         part, the strings (dir, name, link, not NUL-terminated), zero
 *	         padding to a multiple of 8 (rec_len), appended in order.
 *
 * The header CRC covers every header byte after the header_crc field; a
 * record's CRC covers every byte of the record after its rec_crc field (the
 * padding included). CRCs are CRC32C (Castagnoli), seeded with ~0 and
 * inverted at the end (the standard check value of "123456789" is 0xe3069283).
 *
 * Compatibility: an unknown bit in incompat_features makes the journal
 * unreadable for this code (it is set aside, not replayed); unknown
 * compat_features bits are ignored. A record type with RECALLFS_REC_MUST_KNOW
 * set that this code does not know stops the replay at that record; other
 * unknown record types are skipped.
 */
#ifndef _RECALLFS_JOURNAL_H
#define _RECALLFS_JOURNAL_H

#include <linux/types.h>

#include "recallfs_record.h"

#define RECALLFS_JOURNAL_MAGIC		0x4a4c4352	/* "RCLJ" as little-endian bytes */
#define RECALLFS_JOURNAL_VERSION	1

/*
 * Feature flags, set in every header this code writes. A journal without
 * them (older code's) is appended to as it is; older code reads a record
 * that uses one as damage and replays what came before it.
 * INCOMPAT_DIR_COOKIE: DIR records may carry a change cookie
 * (RECALLFS_DIR_CHANGE_COOKIE).
 * INCOMPAT_ENTRY_EXT: positive ENTRY records may carry the lower object's
 * file handle (struct recallfs_journal_entry fh_len, fh_type), and entries
 * may say they were listed (RECALLFS_ENTRY_IN_LISTING, RECALLFS_ENTRY_TYPED
 * with struct recallfs_journal_listed, RECALLFS_DIR_LISTED_TYPED).
 * INCOMPAT_XATTR_ABSENT: positive ENTRY records may say which extended
 * attributes the lower object has not (struct recallfs_journal_attr
 * xattr_absent).
 */
#define RECALLFS_JOURNAL_INCOMPAT_DIR_COOKIE	0x1u
#define RECALLFS_JOURNAL_INCOMPAT_ENTRY_EXT	0x2u
#define RECALLFS_JOURNAL_INCOMPAT_XATTR_ABSENT	0x4u
#define RECALLFS_JOURNAL_COMPAT_SUPP	0u
#define RECALLFS_JOURNAL_INCOMPAT_SUPP	(RECALLFS_JOURNAL_INCOMPAT_DIR_COOKIE | \
					 RECALLFS_JOURNAL_INCOMPAT_ENTRY_EXT | \
					 RECALLFS_JOURNAL_INCOMPAT_XATTR_ABSENT)

/* Sanity limits: a decoder refuses anything larger. */
#define RECALLFS_JOURNAL_NAME_MAX	255	/* one path component */
#define RECALLFS_JOURNAL_PATH_MAX	4096	/* a directory path, the lowerdir */
#define RECALLFS_JOURNAL_LINK_MAX	4096	/* a symlink target */
#define RECALLFS_JOURNAL_FSTYPE_MAX	64	/* the lower filesystem type name */
#define RECALLFS_JOURNAL_FH_MAX		128	/* the lower root's file handle (MAX_HANDLE_SZ) */
#define RECALLFS_JOURNAL_RECORD_MAX	16384	/* one encoded record */
#define RECALLFS_JOURNAL_ALIGN		8	/* records and the header end on this */

/*
 * The largest possible header: a reader that has this many bytes (or the
 * whole file, if shorter) can always decode the header.
 */
#define RECALLFS_JOURNAL_HEADER_MAX	8192

/* Record type bit: a reader that does not know the type must stop there. */
#define RECALLFS_REC_MUST_KNOW		0x8000

/* The fixed part of the header, at file offset 0. 64 bytes. */
struct recallfs_journal_header {
	__le32 magic;			/* RECALLFS_JOURNAL_MAGIC */
	__le32 header_crc;		/* CRC32C of header bytes [8, header_size) */
	__le16 version;			/* RECALLFS_JOURNAL_VERSION */
	__le16 header_size;		/* this struct + identity + padding; multiple of 8 */
	__le32 compat_features;
	__le32 incompat_features;
	__le16 lowerdir_len;		/* identity: bytes of each part, in this order */
	__u8 fstype_len;
	__u8 fh_len;			/* 0: the lower filesystem gives no handle */
	__le32 fh_type;			/* exportfs fid type, 0 without a handle */
	__le32 reserved0;
	__le64 created;			/* unix time the journal was started; informational */
	__u8 reserved[24];		/* zero */
};

/* The head of every record. 16 bytes. */
struct recallfs_journal_rec_head {
	__le32 rec_crc;			/* CRC32C of record bytes [4, rec_len) */
	__le32 rec_len;			/* whole record, padding included; multiple of 8 */
	__le16 type;			/* enum recallfs_record_type, maybe | RECALLFS_REC_MUST_KNOW */
	__le16 flags;			/* per type, see recallfs_record.h */
	__le16 dir_len;
	__le16 name_len;		/* ENTRY; 0 otherwise */
};

/*
 * After the head of an ENTRY record. 8 bytes. A positive entry's file handle
 * reaches its lower object without a lookup; its bytes follow the link.
 */
struct recallfs_journal_entry {
	__le16 link_len;		/* 0 if no symlink target was recorded */
	__le16 fh_len;			/* <= RECALLFS_JOURNAL_FH_MAX; 0 unless positive */
	__le32 fh_type;			/* exportfs fid type, 0 without a handle */
	/*
	 * then struct recallfs_journal_attr if RECALLFS_ENTRY_POSITIVE, or
	 * struct recallfs_journal_listed if RECALLFS_ENTRY_TYPED
	 */
};

/* What a listing gave for a LISTED ENTRY with RECALLFS_ENTRY_TYPED. 16 bytes. */
struct recallfs_journal_listed {
	__le64 ino;
	__le32 mode;			/* file type bits only */
	__le32 reserved;
};

/* The attributes of a positive ENTRY. 88 bytes. */
struct recallfs_journal_attr {
	__le64 ino;
	__le64 size;
	__le64 blocks;
	__le64 atime_sec;
	__le64 mtime_sec;
	__le64 ctime_sec;
	__le32 atime_nsec;
	__le32 mtime_nsec;
	__le32 ctime_nsec;
	__le32 mode;
	__le32 uid;
	__le32 gid;
	__le32 nlink;
	__le32 rdev;
	__le32 blksize;
	__le32 xattr_absent;		/* struct recallfs_record xattr_absent */
};

/* The lower directory's change stamp. 32 bytes. */
struct recallfs_journal_stamp {
	__le64 mtime_sec;
	__le64 ctime_sec;
	__le32 mtime_nsec;
	__le32 ctime_nsec;
	__le64 ino;
};

/*
 * After the head of a DIR record: the stamp and the lower directory's file
 * handle (its bytes follow the dir string). 40 bytes.
 */
struct recallfs_journal_dir {
	struct recallfs_journal_stamp stamp;
	__le32 fh_type;			/* exportfs fid type, 0 without a handle */
	__le16 fh_len;			/* <= RECALLFS_JOURNAL_FH_MAX */
	__le16 reserved;
};

/* After struct recallfs_journal_dir, with RECALLFS_DIR_CHANGE_COOKIE. 8 bytes. */
struct recallfs_journal_dir_cookie {
	__le64 change_cookie;
};

/* INVALIDATE and SEED records have nothing after the head but the dir string. */

/*
 * The lower tree a journal belongs to, decoded. Strings point into the
 * caller's buffer and are not NUL-terminated.
 */
struct recallfs_journal_identity {
	const char *lowerdir;
	__u32 lowerdir_len;
	const char *fstype;
	__u32 fstype_len;
	const __u8 *fh;
	__u32 fh_len;
	__u32 fh_type;
	__u64 created;
};

/* Codec results, besides a byte count. */
enum recallfs_decode_status {
	RECALLFS_DECODE_OK = 0,
	RECALLFS_DECODE_SKIP = 1,		/* a record of an unknown, skippable type */
	RECALLFS_DECODE_SHORT = -1,		/* need more bytes: maybe a torn tail */
	RECALLFS_DECODE_CORRUPT = -2,		/* bad magic, CRC, length or field */
	RECALLFS_DECODE_UNSUPPORTED = -3,	/* newer version or must-know feature/type */
};

/* Round @n up to RECALLFS_JOURNAL_ALIGN. */
static inline __u32 recallfs_journal_align(__u32 n)
{
	return (n + RECALLFS_JOURNAL_ALIGN - 1) & ~(__u32)(RECALLFS_JOURNAL_ALIGN - 1);
}

/*
 * Records. recallfs_record_size() is the encoded size of @rec, or 0 if @rec
 * cannot be encoded (unknown type, a length over its limit). It does not
 * allocate or sleep, so it may run under RCU or a spinlock; so may encode.
 * recallfs_record_encode() writes @rec into @buf and returns the bytes
 * written, or 0 if it does not fit in @size or cannot be encoded.
 */
__u32 recallfs_record_size(const struct recallfs_record *rec);
__u32 recallfs_record_encode(const struct recallfs_record *rec, void *buf, __u32 size);

/*
 * Decode the record at the start of @buf, of which @avail bytes are readable.
 * On RECALLFS_DECODE_OK @rec is filled (its strings point into @buf) and
 * *@len is the record's length; on RECALLFS_DECODE_SKIP only *@len is set.
 * RECALLFS_DECODE_SHORT: the record is not whole in @avail bytes (at the end
 * of a file: a torn write). RECALLFS_DECODE_CORRUPT: not a valid record.
 * RECALLFS_DECODE_UNSUPPORTED: a must-know record type this code does not know.
 */
int recallfs_record_decode(const void *buf, __u32 avail, struct recallfs_record *rec,
			   __u32 *len);

/*
 * Header. recallfs_header_size() is the encoded size for @id, 0 if a part is
 * over its limit. recallfs_header_encode() writes it (created, the CRC and
 * zero padding included) and returns its size, 0 if it does not fit.
 * recallfs_header_decode() checks magic, version, size, CRC and features and
 * fills @id (pointing into @buf); it returns the header size (> 0) or a
 * negative enum recallfs_decode_status.
 */
__u32 recallfs_header_size(const struct recallfs_journal_identity *id);
__u32 recallfs_header_encode(const struct recallfs_journal_identity *id, void *buf, __u32 size);
int recallfs_header_decode(const void *buf, __u32 avail, struct recallfs_journal_identity *id);
/* Whether two identities name the same lower tree (created is not compared). */
int recallfs_identity_equal(const struct recallfs_journal_identity *a,
			    const struct recallfs_journal_identity *b);
/*
 * Whether two identities name the same tree as seen from two hosts, as a
 * seed or a feed must the mount's: the lowerdir path may differ between
 * them, so the root's file handle and the filesystem type decide; the path
 * only where the filesystem gives no handle.
 */
int recallfs_identity_same_tree(const struct recallfs_journal_identity *a,
				const struct recallfs_journal_identity *b);

/* CRC32C as the format uses it (seed ~0, inverted result). */
__u32 recallfs_journal_crc(const void *buf, __u32 len);

/* Compile-time checks of every on-disk structure's layout. */
void recallfs_journal_layout_checks(void);

#endif /* _RECALLFS_JOURNAL_H */
