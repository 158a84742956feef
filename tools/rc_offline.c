// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: journal files offline. dump prints every record, verify says
 * whether a mount would replay the whole file (and if not, where and why it
 * would stop), compact and merge replay records as a mount does and write
 * only what the index would keep.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "recallctl.h"

static const char *const rc_stop_names[] = {
	[RC_STOP_END] = "end", [RC_STOP_TORN] = "torn",
	[RC_STOP_CORRUPT] = "corrupt", [RC_STOP_NEWER] = "newer",
};

static const char *rc_stop_text(const struct rc_scan *scan)
{
	switch (scan->stop) {
	case RC_STOP_TORN:
		return "a torn record (the file ends inside it)";
	case RC_STOP_NEWER:
		return "a record of a newer format (a must-know type this code does not know)";
	case RC_STOP_CORRUPT:
		return scan->why[0] ? scan->why : "a corrupt record";
	default:
		return "no error";
	}
}

static const char *rc_xattr_question_names[RECALLFS_XATTR_QUESTIONS] = {
	[RECALLFS_XATTR_SELINUX] = "selinux", [RECALLFS_XATTR_ACL_ACCESS] = "acl_access",
	[RECALLFS_XATTR_ACL_DEFAULT] = "acl_default", [RECALLFS_XATTR_LIST] = "list",
};

/* ---- dump, text ---- */

static void rc_text_dir(FILE *f, const struct recallfs_record *rec)
{
	if (rec->dir_len)
		rc_put_text(f, rec->dir, rec->dir_len);
	else
		fputc('/', f);
}

static void rc_text_handle(FILE *f, __u32 type, const void *fh, __u32 len)
{
	if (!len)
		return;
	fprintf(f, " handle=0x%x:", type);
	rc_put_hex(f, fh, len);
}

static void rc_text_attr(FILE *f, const struct recallfs_attr *a)
{
	fprintf(f, " mode=0%o ino=%" PRIu64 " uid=%u gid=%u nlink=%u size=%" PRIu64
		" blocks=%" PRIu64 " blksize=%u rdev=0x%x", a->mode, (uint64_t)a->ino, a->uid,
		a->gid, a->nlink, (uint64_t)a->size, (uint64_t)a->blocks, a->blksize, a->rdev);
	fprintf(f, " atime=%" PRId64 ".%09u mtime=%" PRId64 ".%09u ctime=%" PRId64 ".%09u",
		(int64_t)a->atime_sec, a->atime_nsec, (int64_t)a->mtime_sec, a->mtime_nsec,
		(int64_t)a->ctime_sec, a->ctime_nsec);
}

static void rc_text_xattrs(FILE *f, __u32 absent)
{
	const char *sep = " xattr=";
	unsigned int q;

	for (q = 0; q < RECALLFS_XATTR_QUESTIONS; q++) {
		__u32 a = recallfs_xattr_answer(absent, q);

		if (!a)
			continue;
		fprintf(f, "%s%s:%s", sep, rc_xattr_question_names[q],
			a == RECALLFS_XATTR_NODATA ? "none" : "unsupported");
		sep = ",";
	}
}

static void rc_text_entry(FILE *f, const struct recallfs_record *rec)
{
	fputs("entry ", f);
	rc_text_dir(f, rec);
	fputc(' ', f);
	rc_put_text(f, rec->name, rec->name_len);
	if (rec->flags & RECALLFS_ENTRY_POSITIVE) {
		fputs(" positive", f);
		rc_text_attr(f, &rec->attr);
	} else if (rec->flags & RECALLFS_ENTRY_LISTED) {
		fputs(" listed", f);
		if (rec->flags & RECALLFS_ENTRY_TYPED)
			fprintf(f, " ino=%" PRIu64 " type=0%o", (uint64_t)rec->attr.ino, rec->attr.mode);
	} else {
		fputs(" negative", f);
	}
	if (rec->link_len) {
		fputs(" link=", f);
		rc_put_text(f, rec->link, rec->link_len);
	}
	rc_text_handle(f, rec->fh_type, rec->fh, rec->fh_len);
	rc_text_xattrs(f, rec->xattr_absent);
	if (rec->flags & RECALLFS_ENTRY_MODE_ONLY)
		fputs(" mode_only", f);
	if (rec->flags & RECALLFS_ENTRY_IN_LISTING)
		fputs(" in_listing", f);
	if (rec->flags & RECALLFS_ENTRY_HOT)
		fputs(" hot", f);
}

static void rc_text_dir_record(FILE *f, const struct recallfs_record *rec)
{
	const struct recallfs_stamp *s = &rec->stamp;

	fputs("dir ", f);
	rc_text_dir(f, rec);
	fprintf(f, " ino=%" PRIu64 " mtime=%" PRId64 ".%09u ctime=%" PRId64 ".%09u",
		(uint64_t)s->ino, (int64_t)s->mtime_sec, s->mtime_nsec, (int64_t)s->ctime_sec,
		s->ctime_nsec);
	if (s->has_change_cookie)
		fprintf(f, " cookie=%" PRIu64, (uint64_t)s->change_cookie);
	rc_text_handle(f, rec->fh_type, rec->fh, rec->fh_len);
	if (rec->flags & RECALLFS_DIR_COMPLETE)
		fputs(" complete", f);
	if (rec->flags & RECALLFS_DIR_LISTED_TYPED)
		fputs(" listed_typed", f);
}

static int rc_dump_text_record(const struct recallfs_record *rec, size_t offset, void *arg)
{
	FILE *f = arg;

	fprintf(f, "%zu ", offset);
	if (rec->type == RECALLFS_REC_ENTRY)
		rc_text_entry(f, rec);
	else if (rec->type == RECALLFS_REC_DIR)
		rc_text_dir_record(f, rec);
	else if (rec->type == RECALLFS_REC_SEED) {
		fputs("seed ", f);
		rc_text_dir(f, rec);
	} else {
		fputs("invalidate ", f);
		rc_text_dir(f, rec);
		if (rec->flags & RECALLFS_INVALIDATE_TREE)
			fputs(" tree", f);
	}
	fputc('\n', f);
	return ferror(f) ? EIO : 0;
}

static void rc_time_text(uint64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%" PRIu64, t);
}

static void rc_dump_text_header(FILE *f, const struct rc_journal *j)
{
	char when[64];

	fprintf(f, "journal ");
	rc_put_text(f, j->path, strlen(j->path));
	fprintf(f, ": %zu bytes, header %u bytes\n", j->size, j->header_size);
	fputs("lowerdir ", f);
	rc_put_text(f, j->id.lowerdir, j->id.lowerdir_len);
	fputs("\nfstype ", f);
	rc_put_text(f, j->id.fstype, j->id.fstype_len);
	fputs("\nroot", f);
	if (j->id.fh_len)
		rc_text_handle(f, j->id.fh_type, j->id.fh, j->id.fh_len);
	else
		fputs(" handle=none", f);
	rc_time_text(j->id.created, when, sizeof(when));
	fprintf(f, "\ncreated %s\nfeatures incompat=0x%x compat=0x%x\n", when, j->incompat, j->compat);
}

/* ---- dump, JSON ---- */

static void rc_json_attr(FILE *f, const struct recallfs_attr *a)
{
	fprintf(f, ",\"attr\":{\"mode\":%u,\"ino\":%" PRIu64 ",\"uid\":%u,\"gid\":%u,\"nlink\":%u,"
		"\"size\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"blksize\":%u,\"rdev\":%u,",
		a->mode, (uint64_t)a->ino, a->uid, a->gid, a->nlink, (uint64_t)a->size,
		(uint64_t)a->blocks, a->blksize, a->rdev);
	fprintf(f, "\"atime\":[%" PRId64 ",%u],\"mtime\":[%" PRId64 ",%u],\"ctime\":[%" PRId64 ",%u]}",
		(int64_t)a->atime_sec, a->atime_nsec, (int64_t)a->mtime_sec, a->mtime_nsec,
		(int64_t)a->ctime_sec, a->ctime_nsec);
}

static void rc_json_handle(FILE *f, __u32 type, const void *fh, __u32 len)
{
	if (!len)
		return;
	fprintf(f, ",\"handle\":{\"type\":%u,\"bytes\":\"", type);
	rc_put_hex(f, fh, len);
	fputs("\"}", f);
}

static void rc_json_flag(FILE *f, bool on, const char *name, bool *first)
{
	if (!on)
		return;
	fprintf(f, "%s\"%s\"", *first ? "" : ",", name);
	*first = false;
}

static void rc_json_entry(FILE *f, const struct recallfs_record *rec)
{
	bool first = true;
	unsigned int q;

	fputs(",", f);
	rc_put_json_bytes(f, "name", rec->name, rec->name_len);
	fprintf(f, ",\"kind\":\"%s\"", rec->flags & RECALLFS_ENTRY_POSITIVE ? "positive" :
		rec->flags & RECALLFS_ENTRY_LISTED ? "listed" : "negative");
	if (rec->flags & RECALLFS_ENTRY_POSITIVE)
		rc_json_attr(f, &rec->attr);
	else if (rec->flags & RECALLFS_ENTRY_TYPED)
		fprintf(f, ",\"ino\":%" PRIu64 ",\"type\":%u", (uint64_t)rec->attr.ino, rec->attr.mode);
	if (rec->link_len) {
		fputs(",", f);
		rc_put_json_bytes(f, "link", rec->link, rec->link_len);
	}
	rc_json_handle(f, rec->fh_type, rec->fh, rec->fh_len);
	fputs(",\"xattr_absent\":{", f);
	for (q = 0; q < RECALLFS_XATTR_QUESTIONS; q++) {
		__u32 a = recallfs_xattr_answer(rec->xattr_absent, q);

		if (a)
			fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", rc_xattr_question_names[q],
				a == RECALLFS_XATTR_NODATA ? "none" : "unsupported");
		first = first && !a;
	}
	fputs("},\"flags\":[", f);
	first = true;
	rc_json_flag(f, rec->flags & RECALLFS_ENTRY_MODE_ONLY, "mode_only", &first);
	rc_json_flag(f, rec->flags & RECALLFS_ENTRY_IN_LISTING, "in_listing", &first);
	rc_json_flag(f, rec->flags & RECALLFS_ENTRY_HOT, "hot", &first);
	fputs("]", f);
}

static void rc_json_dir(FILE *f, const struct recallfs_record *rec)
{
	const struct recallfs_stamp *s = &rec->stamp;
	bool first = true;

	fprintf(f, ",\"stamp\":{\"ino\":%" PRIu64 ",\"mtime\":[%" PRId64 ",%u],\"ctime\":[%" PRId64
		",%u]", (uint64_t)s->ino, (int64_t)s->mtime_sec, s->mtime_nsec,
		(int64_t)s->ctime_sec, s->ctime_nsec);
	if (s->has_change_cookie)
		fprintf(f, ",\"cookie\":%" PRIu64, (uint64_t)s->change_cookie);
	fputs("}", f);
	rc_json_handle(f, rec->fh_type, rec->fh, rec->fh_len);
	fputs(",\"flags\":[", f);
	rc_json_flag(f, rec->flags & RECALLFS_DIR_COMPLETE, "complete", &first);
	rc_json_flag(f, rec->flags & RECALLFS_DIR_LISTED_TYPED, "listed_typed", &first);
	fputs("]", f);
}

struct rc_json_state {
	FILE *f;
	bool first;
};

static int rc_dump_json_record(const struct recallfs_record *rec, size_t offset, void *arg)
{
	struct rc_json_state *st = arg;
	FILE *f = st->f;

	fprintf(f, "%s\n{\"offset\":%zu,\"type\":\"%s\",", st->first ? "" : ",", offset,
		rec->type == RECALLFS_REC_ENTRY ? "entry" :
		rec->type == RECALLFS_REC_DIR ? "dir" :
		rec->type == RECALLFS_REC_SEED ? "seed" : "invalidate");
	st->first = false;
	rc_put_json_bytes(f, "dir", rec->dir, rec->dir_len);
	if (rec->type == RECALLFS_REC_ENTRY)
		rc_json_entry(f, rec);
	else if (rec->type == RECALLFS_REC_DIR)
		rc_json_dir(f, rec);
	else if (rec->type == RECALLFS_REC_INVALIDATE)
		fprintf(f, ",\"tree\":%s", rec->flags & RECALLFS_INVALIDATE_TREE ? "true" : "false");
	fputs("}", f);
	return ferror(f) ? EIO : 0;
}

static void rc_dump_json_header(FILE *f, const struct rc_journal *j)
{
	fputs("{", f);
	rc_put_json_bytes(f, "journal", j->path, strlen(j->path));
	fprintf(f, ",\"size\":%zu,\"header\":{\"size\":%u,", j->size, j->header_size);
	rc_put_json_bytes(f, "lowerdir", j->id.lowerdir, j->id.lowerdir_len);
	fputs(",", f);
	rc_put_json_bytes(f, "fstype", j->id.fstype, j->id.fstype_len);
	rc_json_handle(f, j->id.fh_type, j->id.fh, j->id.fh_len);
	fprintf(f, ",\"created\":%" PRIu64 ",\"incompat\":%u,\"compat\":%u},\"records\":[",
		(uint64_t)j->id.created, j->incompat, j->compat);
}

static void rc_dump_json_end(FILE *f, const struct rc_journal *j, const struct rc_scan *scan)
{
	fprintf(f, "\n],\"end\":{\"good_bytes\":%zu,\"records\":%zu,\"skipped\":%zu,\"stop\":\"%s\"",
		scan->good_end, scan->records, scan->skipped, rc_stop_names[scan->stop]);
	if (scan->stop != RC_STOP_END)
		fprintf(f, ",\"cut_bytes\":%zu,\"why\":\"%s\"", j->size - scan->good_end,
			rc_stop_text(scan));
	fputs("}}\n", f);
}

int rc_cmd_dump(int argc, char **argv)
{
	struct rc_journal j;
	struct rc_scan scan;
	bool json = false;
	const char *path = NULL;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || path)
			return rc_error("dump: unexpected argument '%s' (usage: dump JOURNAL [--json])",
					argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return rc_error("dump: which journal? (usage: dump JOURNAL [--json])");
	if (rc_journal_open(&j, path))
		return RC_EXIT_ERROR;
	if (!j.header_size) {
		rc_journal_close(&j);
		return rc_error("%s: %s", path, j.size ? rc_header_problem(j.header_status) :
						   "empty: no header yet");
	}
	if (json) {
		struct rc_json_state st = { stdout, true };

		rc_dump_json_header(stdout, &j);
		err = rc_journal_scan(&j, rc_dump_json_record, &st, &scan);
		if (!err)
			rc_dump_json_end(stdout, &j, &scan);
	} else {
		rc_dump_text_header(stdout, &j);
		err = rc_journal_scan(&j, rc_dump_text_record, stdout, &scan);
		if (!err && scan.stop == RC_STOP_END)
			printf("end %zu: %zu records, %zu of unknown types skipped\n", scan.good_end,
			       scan.records, scan.skipped);
		else if (!err)
			printf("stop %zu: %s; %zu bytes after it not decoded\n", scan.good_end,
			       rc_stop_text(&scan), j.size - scan.good_end);
	}
	rc_journal_close(&j);
	if (err || fflush(stdout))
		return rc_error("dump: writing the output failed");
	return RC_EXIT_OK;
}

/* ---- verify ---- */

static void rc_verify_owner(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return;
	if (st.st_uid != 0)
		rc_warn("%s: not owned by root: a mount sets it aside unread", path);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		rc_warn("%s: writable by group or others: a mount sets it aside unread", path);
}

int rc_cmd_verify(int argc, char **argv)
{
	struct rc_journal j;
	struct rc_scan scan;
	int ret = RC_EXIT_OK;

	if (argc != 1 || argv[0][0] == '-')
		return rc_error("verify: usage: verify JOURNAL");
	if (rc_journal_open(&j, argv[0]))
		return RC_EXIT_ERROR;
	rc_verify_owner(argv[0]);
	if (!j.size) {
		printf("%s: empty; a mount writes a new header\n", argv[0]);
	} else if (!j.header_size) {
		printf("%s: offset 0: %s; a mount sets the file aside and starts a new journal\n",
		       argv[0], rc_header_problem(j.header_status));
		ret = RC_EXIT_DAMAGED;
	} else {
		rc_journal_scan(&j, NULL, NULL, &scan);
		if (scan.stop == RC_STOP_END) {
			printf("%s: clean: %zu records, %zu bytes (header %u)", argv[0],
			       scan.records, j.size, j.header_size);
			if (scan.skipped)
				printf(", %zu of unknown types skipped", scan.skipped);
			printf("\n");
		} else {
			printf("%s: offset %zu: %s; %zu good records before it; a mount replays those and cuts the last %zu bytes\n",
			       argv[0], scan.good_end, rc_stop_text(&scan), scan.records,
			       j.size - scan.good_end);
			ret = RC_EXIT_DAMAGED;
		}
	}
	rc_journal_close(&j);
	return ret;
}

/* ---- compact and merge ---- */

/* Replay @j's records into @ix; a damaged tail is reported and left out, as a mount would. */
static int rc_replay_into(struct rc_index *ix, const struct rc_journal *j)
{
	struct rc_scan scan;
	int err;

	if (!j->header_size)
		return rc_error("%s: %s", j->path, j->size ? rc_header_problem(j->header_status) :
							   "empty: no header, nothing to read");
	err = rc_journal_scan(j, rc_index_apply, ix, &scan);
	if (err)
		return rc_error("%s: out of memory replaying it", j->path);
	if (scan.stop != RC_STOP_END)
		rc_warn("%s: offset %zu: %s; the %zu bytes from there are left out, as a mount would",
			j->path, scan.good_end, rc_stop_text(&scan), j->size - scan.good_end);
	return 0;
}

/* Refuse to replace a journal a mount has open: it would go on appending to the old file. */
static int rc_check_not_in_use(const char *path)
{
	struct rc_mounts m;
	const struct rc_mount *mnt;

	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	mnt = rc_mount_of_journal(&m, path);
	if (mnt)
		rc_error("%s: the journal of the mount on %s (%s): compact it there with "
			 "'recallctl compact %s'", path, mnt->mountpoint, mnt->name, mnt->mountpoint);
	rc_mounts_free(&m);
	return mnt ? RC_EXIT_ERROR : 0;
}

static int rc_write_index(const struct rc_index *ix, const char *out,
			  const struct recallfs_journal_identity *id, size_t *records)
{
	struct rc_writer w;
	int err;

	if (rc_writer_start(&w, out, id, 0600))
		return RC_EXIT_ERROR;
	err = rc_index_for_each(ix, NULL, rc_writer_add, &w);
	*records = w.records;
	if (err) {
		rc_writer_abort(&w);
		return rc_error("%s: not written", out);
	}
	return rc_writer_finish(&w) ? RC_EXIT_ERROR : 0;
}

static size_t rc_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

int rc_offline_compact(const char *journal, const char *out)
{
	struct rc_journal j;
	struct rc_index *ix;
	size_t records = 0;
	int ret;

	if (!out)
		out = journal;
	if (rc_check_not_in_use(out))
		return RC_EXIT_ERROR;
	if (rc_journal_open(&j, journal))
		return RC_EXIT_ERROR;
	ix = rc_index_new();
	ret = ix ? rc_replay_into(ix, &j) : rc_error("out of memory");
	if (!ret)
		ret = rc_write_index(ix, out, &j.id, &records);
	if (!ret)
		printf("%s: %zu bytes -> %s: %zu bytes, %zu records (%zu directories, %zu entries)\n",
		       journal, j.size, out, rc_file_size(out), records, rc_index_dirs(ix),
		       rc_index_entries(ix));
	rc_index_free(ix);
	rc_journal_close(&j);
	return ret;
}

int rc_cmd_merge(int argc, char **argv)
{
	struct rc_journal a, b;
	struct rc_index *ix = NULL;
	size_t records = 0;
	int ret;

	if (argc != 4 || strcmp(argv[2], "-o"))
		return rc_error("merge: usage: merge A B -o OUT");
	if (rc_check_not_in_use(argv[3]))
		return RC_EXIT_ERROR;
	if (rc_journal_open(&a, argv[0]))
		return RC_EXIT_ERROR;
	if (rc_journal_open(&b, argv[1])) {
		rc_journal_close(&a);
		return RC_EXIT_ERROR;
	}
	ret = RC_EXIT_ERROR;
	if (a.header_size && b.header_size && !recallfs_identity_equal(&a.id, &b.id)) {
		rc_error("merge: %s and %s are journals of different lower trees (lowerdir, filesystem type or root handle differ)",
			 argv[0], argv[1]);
		goto out;
	}
	ix = rc_index_new();
	if (!ix) {
		rc_error("out of memory");
		goto out;
	}
	/* B's records after A's: an invalidation in B forgets what A recorded. */
	if (rc_replay_into(ix, &a) || rc_replay_into(ix, &b))
		goto out;
	if (a.id.created > b.id.created)
		a.id.created = b.id.created;
	ret = rc_write_index(ix, argv[3], &a.id, &records);
	if (!ret)
		printf("%s: %zu records (%zu directories, %zu entries), %zu bytes\n", argv[3],
		       records, rc_index_dirs(ix), rc_index_entries(ix), rc_file_size(argv[3]));
out:
	rc_index_free(ix);
	rc_journal_close(&b);
	rc_journal_close(&a);
	return ret;
}
