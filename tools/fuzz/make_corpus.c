// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * make_corpus: write the seed corpus of fuzz_journal.c into a directory.
 *
 * Seeds are valid journals (a header, then records of every type, in every
 * flag combination the encoder accepts, with and without symlink targets,
 * file handles, xattr answers and change cookies), a few journals that end
 * as replay must stop (torn tail, must-know record), and every record alone,
 * without a header. The flag combinations are not listed here but found:
 * each candidate is offered to recallfs_record_size(), which shares its
 * validity test with the decoder. Each seed is replayed before it is
 * written, so one the format no longer accepts fails here, not silently.
 *
 *   make_corpus DIR
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recallfs_shim.h"
#include "recallfs_journal.h"

#define MAX_RECORDS	256
#define JOURNAL_BYTES	65536
#define STOP_CLEAN	1	/* replay_status(): the records ended at the end */

static const char *out_dir;
static unsigned int seeds;

static struct recallfs_record records[MAX_RECORDS];
static unsigned int nr_records;

static const char *const dirs[] = {
	"", "usr", "usr/lib/x86_64-linux-gnu", "opt/app/2.0/share/doc", "a b/\xc3\xa9t\xc3\xa9",
};
static const char *const names[] = {
	"libc.so.6", "bin", "README", ".hidden", "...", "x", "python3.11", "-",
};
/* The seven file types, with a permission that fits each. */
static const __u32 modes[] = {
	0100644, 0040755, 0120777, 0020620, 0060660, 0010644, 0140755,
};
static const __u8 handle[] = { 0x24, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const char link_target[] = "../lib/libfoo.so.1.2.3";

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("make_corpus: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/*
 * Keep @rec if the format accepts it; return whether it did. What the
 * encoder accepts, the decoder must take back: else a seed would be invalid.
 */
static int offer(const struct recallfs_record *rec)
{
	static unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX];
	struct recallfs_record back;
	__u32 n, len;

	if (!recallfs_record_size(rec))
		return 0;
	n = recallfs_record_encode(rec, buf, sizeof(buf));
	if (!n || recallfs_record_decode(buf, n, &back, &len) != RECALLFS_DECODE_OK)
		die("the encoder writes a record of type %u, flags %#x that the decoder refuses",
		    rec->type, rec->flags);
	if (nr_records == MAX_RECORDS)
		die("more than %d records", MAX_RECORDS);
	records[nr_records++] = *rec;
	return 1;
}

/* Every xattr_absent a positive entry may keep, numbered: base-3 digits, LIST never 2. */
static __u32 xattr_answers(unsigned int n)
{
	__u32 absent = 0;
	unsigned int q;

	for (q = 0; q < RECALLFS_XATTR_QUESTIONS; q++, n /= 3) {
		__u32 answer = n % 3;

		if (q == RECALLFS_XATTR_LIST && answer == RECALLFS_XATTR_UNSUPPORTED)
			answer = RECALLFS_XATTR_NODATA;
		absent = recallfs_xattr_with(absent, q, answer);
	}
	return absent;
}

static void set_dir(struct recallfs_record *r, unsigned int v)
{
	r->dir = dirs[v % ARRAY_SIZE(dirs)];
	r->dir_len = (__u32)strlen(r->dir);
}

static void set_attr(struct recallfs_record *r, unsigned int v)
{
	__u32 mode = modes[v % ARRAY_SIZE(modes)];

	r->attr = (struct recallfs_attr){
		.ino = 0x1000 + v, .size = 4096ull * v, .blocks = 8ull * v,
		.atime_sec = -(__s64)v, .mtime_sec = 1700000000 + v, .ctime_sec = 1700000001,
		.atime_nsec = v, .mtime_nsec = 999999999, .ctime_nsec = 7, .mode = mode,
		.uid = 1000, .gid = 4294967294u, .nlink = 1 + v % 3, .blksize = 4096,
	};
	if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000)
		r->attr.rdev = (8u << 20) | v;
}

/*
 * An entry with @flags, variant @v: the variant picks the strings, the file
 * type, and (odd variants of positive entries) a link, a handle and xattr
 * answers.
 */
static struct recallfs_record entry(__u16 flags, unsigned int v)
{
	struct recallfs_record r = { .type = RECALLFS_REC_ENTRY, .flags = flags };

	set_dir(&r, v);
	r.name = names[v % ARRAY_SIZE(names)];
	r.name_len = (__u32)strlen(r.name);
	if (flags & RECALLFS_ENTRY_POSITIVE) {
		set_attr(&r, v);
		if (v % 2) {
			r.link = link_target;
			r.link_len = sizeof(link_target) - 1;
			r.fh = handle;
			r.fh_len = sizeof(handle);
			r.fh_type = 0x81;
			r.xattr_absent = xattr_answers(v * 7);
		}
	} else if (flags & RECALLFS_ENTRY_TYPED) {
		r.attr.ino = 0xfedcba9876543210ull + v;
		r.attr.mode = v % 8 ? modes[v % ARRAY_SIZE(modes)] & 0170000 : 0;
	}
	return r;
}

static struct recallfs_record dir_record(__u16 flags, unsigned int v)
{
	struct recallfs_record r = { .type = RECALLFS_REC_DIR, .flags = flags };

	set_dir(&r, v);
	r.stamp = (struct recallfs_stamp){
		.mtime_sec = 1700000000 + v, .ctime_sec = -1, .mtime_nsec = v,
		.ctime_nsec = 999999999, .ino = ~0ull - v,
	};
	if (flags & RECALLFS_DIR_CHANGE_COOKIE) {
		r.stamp.change_cookie = 0x8000000000000001ull + v;
		r.stamp.has_change_cookie = 1;
	}
	if (v % 2) {
		r.fh = handle;
		r.fh_len = 8 + v % 8;	/* a directory's handle: any length up to the limit */
		r.fh_type = 1;
	}
	return r;
}

static void make_records(void)
{
	struct recallfs_record r;
	unsigned int flags, v, kept;

	/* Entries: every flag combination (one bit beyond the known ones too). */
	for (flags = 0, kept = 0; flags < 0x80; flags++)
		for (v = 0; v < 2; v++) {
			r = entry((__u16)flags, flags + v);
			kept += offer(&r);
		}
	if (!kept)
		die("no entry flags accepted");
	/* Positive entries of each file type; typed listed entries of each, and unknown. */
	for (v = 0; v < ARRAY_SIZE(modes); v++) {
		r = entry(RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_IN_LISTING, v);
		if (!offer(&r))
			die("positive entry of mode %o refused", modes[v]);
		r = entry(RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_TYPED, v + 1);
		if (!offer(&r))
			die("typed entry of mode %o refused", r.attr.mode);
	}
	r = entry(RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_TYPED, 0);	/* DT_UNKNOWN */
	if (!offer(&r))
		die("typed entry of unknown type refused");
	/* A negative entry with a symlink target: odd, but the format allows it. */
	r = entry(0, 2);
	r.link = link_target;
	r.link_len = sizeof(link_target) - 1;
	offer(&r);
	/* Directories: every flag combination, with and without a handle. */
	for (flags = 0, kept = 0; flags < 0x10; flags++)
		for (v = 0; v < 2; v++) {
			r = dir_record((__u16)flags, flags + v);
			kept += offer(&r);
		}
	if (!kept)
		die("no directory flags accepted");
	/*
	 * Invalidations: one directory, or a tree; the root too. Other flags
	 * are refused by the encoder as by the decoder (this loop found the
	 * encoder writing them), so only the four of the known flag are kept.
	 */
	for (kept = 0, flags = 0; flags <= 3; flags++)
		for (v = 0; v < 2; v++) {
			r = (struct recallfs_record){ .type = RECALLFS_REC_INVALIDATE,
						      .flags = (__u16)flags };
			set_dir(&r, (flags & RECALLFS_INVALIDATE_TREE) * 2 + v);
			kept += offer(&r);
		}
	if (kept != 4)
		die("invalidations: %d kept, want the 4 of flags 0 and TREE", kept);
	/* A feed's seed names a file (never the root) and has no flags. */
	for (kept = 0, flags = 0; flags <= 1; flags++)
		for (v = 0; v < 3; v++) {
			r = (struct recallfs_record){ .type = RECALLFS_REC_SEED, .flags = (__u16)flags };
			set_dir(&r, v);
			kept += offer(&r);
		}
	if (kept != 2)
		die("seeds: %d kept, want the 2 of flags 0 naming a file", kept);
}

static struct recallfs_journal_identity sample_identity(int with_handle)
{
	static const __u8 fh[] = { 1, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };
	struct recallfs_journal_identity id = {
		.lowerdir = "/nfs/sw", .lowerdir_len = 7,
		.fstype = "nfs4", .fstype_len = 4, .created = 1764000000,
	};

	if (with_handle) {
		id.fh = fh;
		id.fh_len = sizeof(fh);
		id.fh_type = 0x81;
	}
	return id;
}

struct journal {
	unsigned char buf[JOURNAL_BYTES];
	__u32 len;
	unsigned int decodable;		/* records that decode OK */
};

static void start_journal(struct journal *j, const struct recallfs_journal_identity *id)
{
	j->len = id ? recallfs_header_encode(id, j->buf, sizeof(j->buf)) : 0;
	j->decodable = 0;
	if (id && !j->len)
		die("header refused");
}

static void append(struct journal *j, const struct recallfs_record *rec)
{
	__u32 n = recallfs_record_encode(rec, j->buf + j->len, sizeof(j->buf) - j->len);

	if (!n)
		die("record refused or journal full");
	j->len += n;
	j->decodable++;
}

/* A record of a type this code does not know, with a valid CRC. */
static void append_unknown(struct journal *j, __u16 type)
{
	struct recallfs_journal_rec_head head = {
		.rec_len = cpu_to_le32(24), .type = cpu_to_le16(type),
	};
	unsigned char *p = j->buf + j->len;
	__le32 crc;

	if (sizeof(j->buf) - j->len < 24)
		die("journal full");
	memcpy(p, &head, sizeof(head));
	memcpy(p + sizeof(head), "payload!", 8);
	crc = cpu_to_le32(recallfs_journal_crc(p + 4, 20));
	memcpy(p, &crc, sizeof(crc));
	j->len += 24;
}

/* Replay @j's records as the module does; return what stopped it, count what decoded. */
static int replay_status(const struct journal *j, int has_header, unsigned int *decoded)
{
	struct recallfs_journal_identity id;
	__u32 pos = 0, len;
	int ret;

	*decoded = 0;
	if (has_header) {
		ret = recallfs_header_decode(j->buf, j->len, &id);
		if (ret <= 0)
			return ret;
		pos = (__u32)ret;
	}
	for (;;) {
		struct recallfs_record rec;

		if (pos == j->len)
			return STOP_CLEAN;
		ret = recallfs_record_decode(j->buf + pos, j->len - pos, &rec, &len);
		if (ret != RECALLFS_DECODE_OK && ret != RECALLFS_DECODE_SKIP)
			return ret;
		*decoded += ret == RECALLFS_DECODE_OK;
		pos += len;
	}
}

static void write_seed(const char *name, const struct journal *j, int has_header, int stop)
{
	unsigned int decoded;
	char path[4096];
	FILE *f;
	int ret = replay_status(j, has_header, &decoded);

	if (ret != stop || decoded != j->decodable)
		die("%s: replay stopped with %d after %u records, expected %d after %u",
		    name, ret, decoded, stop, j->decodable);
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(j->buf, 1, j->len, f) != j->len || fclose(f))
		die("%s: %s", path, strerror(errno));
	seeds++;
}

/* A journal of the records for which @want is true, after a header for @id. */
static void write_journal_of(const char *name, const struct recallfs_journal_identity *id,
			     int (*want)(const struct recallfs_record *))
{
	static struct journal j;
	unsigned int i;

	start_journal(&j, id);
	for (i = 0; i < nr_records; i++)
		if (want(&records[i]))
			append(&j, &records[i]);
	write_seed(name, &j, 1, STOP_CLEAN);
}

static int is_entry(const struct recallfs_record *r)
{
	return r->type == RECALLFS_REC_ENTRY;
}

static int is_dir(const struct recallfs_record *r)
{
	return r->type == RECALLFS_REC_DIR;
}

static int is_invalidate(const struct recallfs_record *r)
{
	return r->type == RECALLFS_REC_INVALIDATE;
}

/* A few of each kind, in the order a mount writes them: dir, its entries, invalidation. */
static void append_mix(struct journal *j)
{
	unsigned int i, dirs_seen = 0, entries_seen = 0;

	for (i = 0; i < nr_records; i++) {
		const struct recallfs_record *r = &records[i];

		if ((is_dir(r) && dirs_seen++ < 3) || (is_entry(r) && entries_seen++ % 4 == 0) ||
		    (is_invalidate(r) && r->flags))
			append(j, r);
	}
}

static void write_journals(void)
{
	struct recallfs_journal_identity id = sample_identity(1), bare = sample_identity(0);
	static const struct recallfs_journal_identity empty = { .lowerdir = "", .fstype = "" };
	static struct journal j;
	struct recallfs_journal_header h;
	__le32 crc;

	write_journal_of("journal-entries", &id, is_entry);
	write_journal_of("journal-dirs", &id, is_dir);
	write_journal_of("journal-invalidates", &bare, is_invalidate);

	start_journal(&j, &id);
	append_mix(&j);
	append_unknown(&j, 0x0077);		/* skipped */
	append(&j, &records[0]);
	write_seed("journal-mix", &j, 1, STOP_CLEAN);

	/* A replay stops at a must-know record it does not know, and at a torn tail. */
	start_journal(&j, &id);
	append(&j, &records[1]);
	append_unknown(&j, RECALLFS_REC_MUST_KNOW | 0x0077);
	write_seed("journal-must-know", &j, 1, RECALLFS_DECODE_UNSUPPORTED);
	start_journal(&j, &bare);
	append_mix(&j);
	j.len -= 13;		/* the last record cut short, as by a crash mid-write */
	j.decodable--;
	write_seed("journal-torn", &j, 1, RECALLFS_DECODE_SHORT);

	/* Just a header; no lowerdir, type or handle at all. */
	start_journal(&j, &empty);
	write_seed("journal-empty", &j, 1, STOP_CLEAN);

	/* A journal of older code, without the incompat features (CRC redone). */
	start_journal(&j, &bare);
	memcpy(&h, j.buf, sizeof(h));
	h.incompat_features = 0;
	memcpy(j.buf, &h, sizeof(h));
	crc = cpu_to_le32(recallfs_journal_crc(j.buf + 8, j.len - 8));
	memcpy(j.buf + 4, &crc, sizeof(crc));
	append(&j, &records[0]);
	write_seed("journal-older-code", &j, 1, STOP_CLEAN);
}

/* One record alone as seed @name. */
static void write_record(const char *name, const struct recallfs_record *rec)
{
	static struct journal j;

	start_journal(&j, NULL);
	append(&j, rec);
	write_seed(name, &j, 0, STOP_CLEAN);
}

/* The largest record the format allows: every string and the handle at its limit. */
static void write_largest_record(void)
{
	static char big[RECALLFS_JOURNAL_PATH_MAX];
	static __u8 big_fh[RECALLFS_JOURNAL_FH_MAX];
	struct recallfs_record r = entry(RECALLFS_ENTRY_POSITIVE, 1);

	memset(big, 'x', sizeof(big));
	memset(big_fh, 0x5a, sizeof(big_fh));
	r.dir = big;
	r.dir_len = RECALLFS_JOURNAL_PATH_MAX;
	r.name = big;
	r.name_len = RECALLFS_JOURNAL_NAME_MAX;
	r.link = big;
	r.link_len = RECALLFS_JOURNAL_LINK_MAX;
	r.fh = big_fh;
	r.fh_len = RECALLFS_JOURNAL_FH_MAX;
	write_record("record-largest", &r);
}

/*
 * Strings and handles at their limits, each followed by another string or by
 * padding, so that the same record with that length one more (a mutation the
 * fuzzer finds in one step) is still whole: only the limit check refuses it.
 */
static void write_limit_records(void)
{
	static char big[RECALLFS_JOURNAL_PATH_MAX];
	static __u8 big_fh[RECALLFS_JOURNAL_FH_MAX];
	struct recallfs_record r;

	memset(big, 'n', sizeof(big));
	memset(big_fh, 0x5a, sizeof(big_fh));

	/* A symlink whose name is the longest: 16 + 96 + 2 + 255 + 3, padded to 376. */
	r = entry(RECALLFS_ENTRY_POSITIVE, 2);
	r.dir = "ab";
	r.dir_len = 2;
	r.name = big;
	r.name_len = RECALLFS_JOURNAL_NAME_MAX;
	r.link = "xyz";
	r.link_len = 3;
	write_record("record-name-max", &r);

	/* The longest link, then a handle: 16 + 96 + 2 + 1 + 4096 + 4, padded to 4216. */
	r.name = "x";
	r.name_len = 1;
	r.link = big;
	r.link_len = RECALLFS_JOURNAL_LINK_MAX;
	r.fh = big_fh;
	r.fh_len = 4;
	r.fh_type = 1;
	write_record("record-link-max", &r);

	/* The largest entry handle: 16 + 96 + 2 + 1 + 128, padded to 248 (room for 132). */
	r.link = NULL;
	r.link_len = 0;
	r.fh_len = RECALLFS_JOURNAL_FH_MAX;
	write_record("record-entry-fh-max", &r);

	/* The longest directory, then a handle: 16 + 40 + 4096 + 6, padded to 4160. */
	r = dir_record(RECALLFS_DIR_COMPLETE, 0);
	r.dir = big;
	r.dir_len = RECALLFS_JOURNAL_PATH_MAX;
	r.fh = big_fh;
	r.fh_len = 6;
	r.fh_type = 1;
	write_record("record-dir-max", &r);

	/* The largest directory handle: 16 + 40 + 2 + 128, padded to 192. */
	r.dir = "ab";
	r.dir_len = 2;
	r.fh_len = RECALLFS_JOURNAL_FH_MAX;
	write_record("record-dir-fh-max", &r);
}

/*
 * Headers with identity parts at their limits and padding after them, as
 * write_limit_records() has for records. All three at their limits would
 * leave no padding (64 + 4096 + 64 + 128 is a multiple of 8): two headers.
 */
static void write_limit_headers(void)
{
	static char big[RECALLFS_JOURNAL_PATH_MAX];
	static __u8 big_fh[RECALLFS_JOURNAL_FH_MAX];
	static struct journal j;
	struct recallfs_journal_identity id = {	/* 64 + 4096 + 64 + 127, padded to 4352 */
		.lowerdir = big, .lowerdir_len = RECALLFS_JOURNAL_PATH_MAX,
		.fstype = big, .fstype_len = RECALLFS_JOURNAL_FSTYPE_MAX,
		.fh = big_fh, .fh_len = RECALLFS_JOURNAL_FH_MAX - 1, .fh_type = 1,
	};

	memset(big, 'l', sizeof(big));
	memset(big_fh, 0xa5, sizeof(big_fh));
	start_journal(&j, &id);
	append(&j, &records[0]);
	write_seed("journal-identity-max", &j, 1, STOP_CLEAN);

	id = sample_identity(1);		/* 64 + 7 + 4 + 128, padded to 208 */
	id.fh = big_fh;
	id.fh_len = RECALLFS_JOURNAL_FH_MAX;
	start_journal(&j, &id);
	append(&j, &records[0]);
	write_seed("journal-handle-max", &j, 1, STOP_CLEAN);
}

static void write_single_records(void)
{
	static struct journal j;
	char name[64];
	unsigned int i;

	for (i = 0; i < nr_records; i++) {
		snprintf(name, sizeof(name), "record-%03u", i);
		write_record(name, &records[i]);
	}
	start_journal(&j, NULL);
	append_unknown(&j, 0x0077);
	write_seed("record-skipped", &j, 0, STOP_CLEAN);
	start_journal(&j, NULL);
	append_unknown(&j, RECALLFS_REC_MUST_KNOW | 0x0077);
	write_seed("record-must-know", &j, 0, RECALLFS_DECODE_UNSUPPORTED);
	write_largest_record();
	write_limit_records();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus DIR\n");
		return 2;
	}
	out_dir = argv[1];
	make_records();
	write_journals();
	write_limit_headers();
	write_single_records();
	printf("make_corpus: %u seeds (%u distinct records) in %s\n", seeds, nr_records, out_dir);
	return 0;
}
