/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallfs: one recorded lookup result, decoded. This is the currency between
 * the in-memory index, the journal codec and the tools: the journal stores a
 * stream of these (encoded per include/recallfs_journal.h), replay applies
 * them to the index in order, compaction writes the index's live ones.
 *
 * Shared by the kernel module and userspace: only <linux/types.h> types.
 */
#ifndef _RECALLFS_RECORD_H
#define _RECALLFS_RECORD_H

#include <linux/types.h>

/* Record types. */
enum recallfs_record_type {
	RECALLFS_REC_ENTRY = 1,		/* a name in a directory: negative or positive */
	RECALLFS_REC_DIR = 2,		/* a directory's change stamp and "complete" mark */
	RECALLFS_REC_INVALIDATE = 3,	/* forget a directory (or a subtree) */
	/*
	 * In a feed: load the seed journal at dir, a file's path relative to the
	 * tree's root. Not a must-know type: code that does not know it skips it.
	 */
	RECALLFS_REC_SEED = 4,
};

/* flags of RECALLFS_REC_ENTRY */
#define RECALLFS_ENTRY_POSITIVE	0x0001	/* the name exists; attr is valid */
#define RECALLFS_ENTRY_LISTED	0x0002	/* the name exists (seen in a listing); no attr */
/*
 * With POSITIVE: the lower object was found to carry no ACL beyond its mode
 * bits, so its mode alone says who may read or execute it. Without it, only
 * the lower inode answers a permission question that depends on the caller.
 */
#define RECALLFS_ENTRY_MODE_ONLY	0x0004
/*
 * The entry was used again after it was recorded (written by compaction, and
 * by updates of an entry in use): replay queues it with those an eviction
 * keeps longest.
 */
#define RECALLFS_ENTRY_HOT		0x0008
/*
 * With POSITIVE: the name was in a complete listing of its directory, as a
 * LISTED entry always is. A listing is answered from the index only with
 * such names: one that lookups reach but listings hide (NetApp .snapshot)
 * stays hidden.
 */
#define RECALLFS_ENTRY_IN_LISTING	0x0010
/*
 * With LISTED: attr.ino and the file type bits of attr.mode (nothing else)
 * are what the listing gave (d_ino, d_type; type 0 for DT_UNKNOWN).
 */
#define RECALLFS_ENTRY_TYPED		0x0020
/* flags of RECALLFS_REC_DIR */
#define RECALLFS_DIR_COMPLETE	0x0001	/* every name of the directory is recorded */
#define RECALLFS_DIR_CHANGE_COOKIE 0x0002	/* the stamp has a change cookie */
/*
 * With COMPLETE: the listing was recorded with each name's d_ino and d_type
 * (or its positive entry marked IN_LISTING), so a positive entry not marked
 * is a name the listing hides. Without it (older code), not listed from the
 * index until listed again.
 */
#define RECALLFS_DIR_LISTED_TYPED	0x0004
/* flags of RECALLFS_REC_INVALIDATE */
#define RECALLFS_INVALIDATE_TREE 0x0001	/* the directory and everything below it */

/* Attributes of a positive entry, as the lower filesystem reported them. */
struct recallfs_attr {
	__u64 ino;
	__u64 size;
	__u64 blocks;			/* 512-byte units */
	__s64 atime_sec, mtime_sec, ctime_sec;
	__u32 atime_nsec, mtime_nsec, ctime_nsec;
	__u32 mode;			/* type and permission bits */
	__u32 uid, gid;			/* in the initial user namespace */
	__u32 nlink;
	__u32 rdev;			/* new_encode_dev() form */
	__u32 blksize;
};

/*
 * The extended-attribute questions `ls -l` asks of every object, whose "the
 * object has none" answer a positive entry may keep (xattr_absent): the
 * answer cannot depend on who asks. Two bits per question, at 2 * question:
 * 0 not known, RECALLFS_XATTR_NODATA (the lower said ENODATA, or for LIST:
 * listed no name), RECALLFS_XATTR_UNSUPPORTED (it said EOPNOTSUPP).
 */
enum recallfs_xattr_question {
	RECALLFS_XATTR_SELINUX,		/* getxattr "security.selinux" */
	RECALLFS_XATTR_ACL_ACCESS,	/* getxattr "system.posix_acl_access" */
	RECALLFS_XATTR_ACL_DEFAULT,	/* getxattr "system.posix_acl_default" */
	RECALLFS_XATTR_LIST,		/* listxattr, asked by a caller who sees every name */
	RECALLFS_XATTR_QUESTIONS
};
#define RECALLFS_XATTR_NODATA		1u
#define RECALLFS_XATTR_UNSUPPORTED	2u

/* The answer @absent keeps for @question (0: not known). */
static inline __u32 recallfs_xattr_answer(__u32 absent, unsigned int question)
{
	return (absent >> (2 * question)) & 3u;
}

/* @absent with @answer kept for @question. */
static inline __u32 recallfs_xattr_with(__u32 absent, unsigned int question, __u32 answer)
{
	return (absent & ~(3u << (2 * question))) | (answer << (2 * question));
}

/* Only known questions, each with one of the answers above. */
static inline int recallfs_xattr_absent_ok(__u32 absent)
{
	unsigned int q;

	if (absent >> (2 * RECALLFS_XATTR_QUESTIONS))
		return 0;
	for (q = 0; q < RECALLFS_XATTR_QUESTIONS; q++)
		if (recallfs_xattr_answer(absent, q) == 3u ||
		    (q == RECALLFS_XATTR_LIST &&
		     recallfs_xattr_answer(absent, q) == RECALLFS_XATTR_UNSUPPORTED))
			return 0;
	return 1;
}

/* Largest lower file handle recorded for an object (bytes). */
#define RECALLFS_FH_MAX		128

/*
 * What identifies a directory's state on the lower filesystem. Times cannot
 * tell two changes within one timestamp tick apart; the change cookie
 * (i_version, the NFSv4 change attribute), where the lower reports one, can.
 */
struct recallfs_stamp {
	__s64 mtime_sec, ctime_sec;
	__u32 mtime_nsec, ctime_nsec;
	__u64 ino;
	__u64 change_cookie;
	__u32 has_change_cookie;	/* 0 or 1: change_cookie is valid */
	__u32 unused;			/* zero */
};

/* The flags of a DIR record for a directory state with @stamp. */
static inline __u16 recallfs_dir_rec_flags(int complete, int listed_typed,
					   const struct recallfs_stamp *stamp)
{
	return (complete ? RECALLFS_DIR_COMPLETE : 0) |
	       (complete && listed_typed ? RECALLFS_DIR_LISTED_TYPED : 0) |
	       (stamp->has_change_cookie ? RECALLFS_DIR_CHANGE_COOKIE : 0);
}

/*
 * One record. Strings are not NUL-terminated (lengths given); a decoder
 * points them into its input buffer. dir is the directory's path relative
 * to the mount root without leading or trailing '/', "" for the root itself.
 */
struct recallfs_record {
	__u16 type;			/* enum recallfs_record_type */
	__u16 flags;
	__u32 dir_len;
	const char *dir;
	__u32 name_len;			/* ENTRY */
	const char *name;
	__u32 link_len;			/* ENTRY: symlink target, 0 if none recorded */
	const char *link;
	struct recallfs_attr attr;	/* ENTRY with RECALLFS_ENTRY_POSITIVE */
	struct recallfs_stamp stamp;	/* DIR */
	/* DIR, positive ENTRY: the lower object's file handle, reached without a lookup */
	__u32 fh_type;			/* exportfs fid type, 0 without a handle */
	__u32 fh_len;			/* bytes of fh, 0 if none, <= RECALLFS_FH_MAX */
	const void *fh;
	__u32 xattr_absent;		/* positive ENTRY: recallfs_xattr_answer() */
};

#endif /* _RECALLFS_RECORD_H */
