/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallctl: the administrator's tool for recallfs. Declarations shared by its
 * parts:
 *
 *	recallctl.c	command line, usage, dispatch
 *	rc_journal.c	journal files: read (the module's own codec), scan, write
 *	rc_index.c	replay of records into an index, as the module replays them
 *	rc_mounts.c	recallfs mounts (mountinfo), paths under them, sysfs files
 *	rc_online.c	status, stats, invalidate, mode, sync and compact of mounts
 *	rc_offline.c	dump, verify, compact and merge of journal files
 *	rc_seed.c	seed journals: walked from a tree, or exported from a journal
 *	rc_feed.c	the invalidation feed: publish
 *	rc_output.c	escaping of names for text and JSON output
 */
#ifndef _RECALLCTL_H
#define _RECALLCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "recallfs_shim.h"
#include "recallfs_fs.h"
#include "recallfs_journal.h"

/* Exit statuses (recallctl.8). */
#define RC_EXIT_OK	0
#define RC_EXIT_DAMAGED	1	/* verify: the journal is not clean */
#define RC_EXIT_ERROR	2	/* bad arguments, or an operation failed */

/* Print "recallctl: " and the message to stderr; returns RC_EXIT_ERROR. */
int rc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- rc_journal.c ---- */

/* A journal file mapped read-only, its header decoded. */
struct rc_journal {
	const char *path;
	const unsigned char *buf;
	size_t size;
	uint32_t header_size;		/* 0: no valid header (see header_status) */
	int header_status;		/* recallfs_header_decode()'s result if < 0 */
	struct recallfs_journal_identity id;
	uint32_t incompat, compat;	/* the header's feature words */
};

/* Why a scan stopped before the end of the file. */
enum rc_stop {
	RC_STOP_END,			/* every byte decoded */
	RC_STOP_TORN,			/* the file ends inside a record */
	RC_STOP_CORRUPT,		/* a record that does not decode */
	RC_STOP_NEWER,			/* a must-know record type this code does not know */
};

struct rc_scan {
	size_t good_end;		/* end of the last record that decoded */
	size_t records;			/* records decoded */
	size_t skipped;			/* records of unknown, skippable types */
	enum rc_stop stop;
	char why[160];			/* what is wrong at good_end, for RC_STOP_CORRUPT */
};

/*
 * Open and map @path, decode its header. Returns 0 (check header_size: an
 * empty or damaged file has none) or an errno, with the message printed.
 */
int rc_journal_open(struct rc_journal *j, const char *path);
void rc_journal_close(struct rc_journal *j);
/* What a header status means, for messages. */
const char *rc_header_problem(int status);

/*
 * Decode the records after the header in order, as a mount replays them,
 * calling @fn for each one that decodes (@offset: where it starts). A
 * non-zero return from @fn stops the scan and is returned.
 */
typedef int (*rc_record_fn)(const struct recallfs_record *rec, size_t offset, void *arg);
int rc_journal_scan(const struct rc_journal *j, rc_record_fn fn, void *arg,
		    struct rc_scan *scan);

/* A journal being written: a temporary file beside its destination, renamed at the end. */
struct rc_writer {
	char *dest;
	char *tmp;
	int fd;
	unsigned char *buf;
	size_t used, cap;
	size_t records;
	int err;			/* first error (errno), sticky */
};

/* @mode: 0600 for a journal (root's alone), 0644 for a seed every client reads. */
int rc_writer_start(struct rc_writer *w, const char *dest,
		    const struct recallfs_journal_identity *id, mode_t mode);
int rc_writer_add(const struct recallfs_record *rec, void *writer);
/* Flush, fsync, rename over @dest and fsync its directory; or remove the temporary file. */
int rc_writer_finish(struct rc_writer *w);
void rc_writer_abort(struct rc_writer *w);

/* ---- rc_index.c ---- */

struct rc_index;

struct rc_index *rc_index_new(void);
void rc_index_free(struct rc_index *ix);
/* Apply one record as the module's replay does (recallfs_index_apply()). 0 or ENOMEM. */
int rc_index_apply(const struct recallfs_record *rec, size_t offset, void *index);
/*
 * Call @fn with the live records, directory by directory in the order they
 * were first recorded, as the module's compaction writes them: the state
 * without its complete mark, the entries, then the state with it. With
 * @under (a relative path, "" or NULL for all), only directories at or
 * below it.
 */
int rc_index_for_each(const struct rc_index *ix, const char *under,
		      int (*fn)(const struct recallfs_record *, void *), void *arg);
size_t rc_index_dirs(const struct rc_index *ix);
size_t rc_index_entries(const struct rc_index *ix);

/* ---- rc_mounts.c ---- */

/*
 * One mount, from /proc/self/mountinfo (strings unescaped, owned). The
 * recallfs options are set only for a recallfs mount.
 */
struct rc_mount {
	uint64_t mnt_id;		/* mountinfo's first field, statx()'s stx_mnt_id */
	char *mountpoint;
	char *root;			/* the mount's root within the filesystem ("/" unless a bind) */
	char *fstype;
	bool is_recallfs;
	char *name;			/* name=: its directory under /sys/fs/recallfs */
	char *lowerdir;
	char *journal;			/* NULL without journal= */
	char *feed;			/* NULL without feed= */
	bool immutable;
};

struct rc_mounts {
	struct rc_mount *v;
	size_t n;
};

/* Every mount, in mountinfo order. 0 or an errno, with the message printed. */
int rc_mounts_read(struct rc_mounts *m);
void rc_mounts_free(struct rc_mounts *m);
/*
 * The mount @arg names: a sysfs name, or any path under a recallfs mount.
 * With @rel, @arg is a path (never a name: "invalidate sw" must not mean the
 * root of mount sw), and @rel gets it relative to the filesystem's root, ""
 * for the root. NULL with a message printed if there is none.
 */
const struct rc_mount *rc_mount_find(const struct rc_mounts *m, const char *arg,
				     char *rel, size_t rel_size);
/* The mount on top at real path @real (any type); *@mp_len: its mount point's length. */
const struct rc_mount *rc_mount_at(const struct rc_mounts *m, const char *real, size_t *mp_len);
/* The mount whose journal= is @path (compared as real paths), or NULL. */
const struct rc_mount *rc_mount_of_journal(const struct rc_mounts *m, const char *path);

/* /sys/fs/recallfs/NAME/FILE. Read: 0 or errno, NUL-terminated. Write: 0 or errno. */
int rc_sysfs_read(const char *name, const char *file, char *buf, size_t size);
int rc_sysfs_write(const char *name, const char *file, const char *text);

/* ---- rc_online.c, rc_offline.c: the commands (argv after the command name) ---- */

int rc_cmd_status(int argc, char **argv);
int rc_cmd_stats(int argc, char **argv);
int rc_cmd_invalidate(int argc, char **argv);
int rc_cmd_mode(int argc, char **argv);
int rc_cmd_sync(int argc, char **argv);
int rc_cmd_compact(int argc, char **argv);	/* a mount, or a journal file offline */
int rc_cmd_dump(int argc, char **argv);
int rc_cmd_verify(int argc, char **argv);
int rc_cmd_merge(int argc, char **argv);
int rc_cmd_seed(int argc, char **argv);		/* rc_seed.c */
int rc_cmd_export(int argc, char **argv);
int rc_cmd_publish(int argc, char **argv);	/* rc_feed.c */

/*
 * rc_seed.c: the identity a mount with lowerdir=@root gives its lower tree
 * (@fstype and @fh hold its parts: 64 and sizeof(struct file_handle) +
 * RECALLFS_JOURNAL_FH_MAX bytes); and @under as a relative directory path
 * (no leading or trailing '/', no "." or ".."): 0 or an errno.
 */
int rc_identity_of(const char *root, struct recallfs_journal_identity *id, char *fstype,
		   size_t fstype_size, unsigned char *fh);
int rc_clean_under(const char *under, char *out, size_t size);
int rc_offline_compact(const char *journal, const char *out);

/* ---- rc_output.c ---- */

/* @s (@len bytes) for text output: printable ASCII as is, others and '\\' as \xNN. */
void rc_put_text(FILE *f, const char *s, size_t len);
/* @s as a JSON string (quotes included); false if it is not valid UTF-8 (nothing printed). */
bool rc_put_json_string(FILE *f, const char *s, size_t len);
/* "key":"value" for a byte string: as "key" if valid UTF-8, else "key_hex" with hex digits. */
void rc_put_json_bytes(FILE *f, const char *key, const void *s, size_t len);
void rc_put_hex(FILE *f, const void *p, size_t len);

#endif /* _RECALLCTL_H */
