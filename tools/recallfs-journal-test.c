// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallfs-journal-test: unit tests of the journal codec
 * (fs/recallfs/journal_format.c, compiled here unchanged).
 *
 * Prints one "ok N - what" or "not ok N - what" line per test (TAP) and exits
 * non-zero if any failed. Build with tools/Makefile (ASan and UBSan on).
 *
 *   recallfs-journal-test [SEED [ITERATIONS]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recallfs_shim.h"
#include "recallfs_journal.h"
#include "tap.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static char names[8][300];

/* A valid record of each kind, chosen by @k; strings in static storage. */
static struct recallfs_record sample(int k)
{
	static const char link[] = "../lib/libfoo.so.1.2.3";
	static const __u8 handle[] = { 0x24, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct recallfs_record r;

	memset(&r, 0, sizeof(r));
	switch (k % 8) {
	case 7:	/* directory whose lower reports a change cookie */
		r.type = RECALLFS_REC_DIR;
		r.dir = "opt/app/2.0";
		r.stamp = (struct recallfs_stamp){ .mtime_sec = 5, .ctime_sec = 6, .ino = 42,
			.change_cookie = 0x8000000000000001ull, .has_change_cookie = 1 };
		r.flags = recallfs_dir_rec_flags(1, 1, &r.stamp);
		break;
	case 6:	/* negative entry that compaction found in use */
		r.type = RECALLFS_REC_ENTRY;
		r.flags = RECALLFS_ENTRY_HOT;
		r.dir = "usr/lib";
		r.name = "libc.so.7";
		if (k % 16 == 14) {	/* a listed name with its d_ino and d_type */
			r.flags = RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_TYPED;
			r.attr.ino = 0xfedcba9876543210ull;
			r.attr.mode = 0120000;
		}
		break;
	case 0:	/* negative entry */
		r.type = RECALLFS_REC_ENTRY;
		r.dir = "usr/lib/python3/site-packages";
		r.name = "libmissing.so";
		break;
	case 1:	/* positive entry with a symlink target */
		r.type = RECALLFS_REC_ENTRY;
		r.flags = RECALLFS_ENTRY_POSITIVE;
		r.dir = "lib";
		r.name = "libfoo.so";
		r.link = link;
		r.link_len = sizeof(link) - 1;
		r.attr = (struct recallfs_attr){ .ino = 0x123456789abcull, .size = 22,
			.blocks = 8, .atime_sec = -5, .mtime_sec = 1700000000,
			.ctime_sec = 0x7fffffffffffffffll, .atime_nsec = 1, .mtime_nsec = 999999999,
			.ctime_nsec = 7, .mode = 0120777, .uid = 1000, .gid = 4294967294u,
			.nlink = 1, .rdev = 0, .blksize = 4096 };
		r.fh = handle;
		r.fh_len = sizeof(handle);
		r.fh_type = 0x81;
		break;
	case 2:	/* positive entry at the root, no link, mode bits checked, listed */
		r.type = RECALLFS_REC_ENTRY;
		r.flags = RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_MODE_ONLY |
			  RECALLFS_ENTRY_IN_LISTING;
		r.dir = "";
		r.name = "bin";
		r.attr.ino = 2;
		r.attr.mode = 040755;
		r.attr.nlink = 2;
		/* ls -l found no SELinux label (EOPNOTSUPP) and no names at all */
		r.xattr_absent = recallfs_xattr_with(recallfs_xattr_with(0, RECALLFS_XATTR_SELINUX,
				RECALLFS_XATTR_UNSUPPORTED), RECALLFS_XATTR_LIST, RECALLFS_XATTR_NODATA);
		break;
	case 3:	/* complete directory */
		r.type = RECALLFS_REC_DIR;
		r.flags = RECALLFS_DIR_COMPLETE;
		r.dir = "usr/share";
		r.stamp = (struct recallfs_stamp){ .mtime_sec = 1, .ctime_sec = -1,
			.mtime_nsec = 2, .ctime_nsec = 3, .ino = ~0ull };
		break;
	case 4:	/* invalidate a tree */
		r.type = RECALLFS_REC_INVALIDATE;
		r.flags = RECALLFS_INVALIDATE_TREE;
		r.dir = "opt";
		break;
	default:	/* entry with a long random name */
		r.type = RECALLFS_REC_ENTRY;
		r.dir = "a/b/c";
		{
			char *n = names[k % 8];
			int len = 1 + (int)(rnd() % 255);

			for (int i = 0; i < len; i++)
				n[i] = 'a' + (char)(rnd() % 26);
			r.name = n;
			r.name_len = (__u32)len;
		}
		break;
	}
	r.dir_len = (__u32)strlen(r.dir);
	if (r.name && !r.name_len)
		r.name_len = (__u32)strlen(r.name);
	return r;
}

static int bytes_eq(const char *a, __u32 al, const char *b, __u32 bl)
{
	return al == bl && (!al || !memcmp(a, b, al));
}

static int record_eq(const struct recallfs_record *a, const struct recallfs_record *b)
{
	return a->type == b->type && a->flags == b->flags &&
	       bytes_eq(a->dir, a->dir_len, b->dir, b->dir_len) &&
	       bytes_eq(a->name, a->name_len, b->name, b->name_len) &&
	       bytes_eq(a->link, a->link_len, b->link, b->link_len) &&
	       bytes_eq(a->fh, a->fh_len, b->fh, b->fh_len) && a->fh_type == b->fh_type &&
	       a->xattr_absent == b->xattr_absent &&
	       (a->type != RECALLFS_REC_ENTRY || !(a->flags & RECALLFS_ENTRY_POSITIVE) ||
		!memcmp(&a->attr, &b->attr, sizeof(a->attr))) &&
	       (a->type != RECALLFS_REC_ENTRY || !(a->flags & RECALLFS_ENTRY_TYPED) ||
		(a->attr.ino == b->attr.ino && a->attr.mode == b->attr.mode)) &&
	       (a->type != RECALLFS_REC_DIR || !memcmp(&a->stamp, &b->stamp, sizeof(a->stamp)));
}

static int test_crc(void)
{
	CHECK(recallfs_journal_crc("123456789", 9) == 0xe3069283u, "%08x",
	      recallfs_journal_crc("123456789", 9));
	return 1;
}

static int test_round_trip(void)
{
	unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX];

	for (int k = 0; k < 60; k++) {
		struct recallfs_record r = sample(k), d;
		__u32 size = recallfs_record_size(&r), len = 0;

		CHECK(size && size % 8 == 0, "k=%d size=%u", k, size);
		CHECK(recallfs_record_encode(&r, buf, size - 1) == 0, "k=%d fits short", k);
		CHECK(recallfs_record_encode(&r, buf, sizeof(buf)) == size, "k=%d", k);
		CHECK(recallfs_record_decode(buf, size, &d, &len) == RECALLFS_DECODE_OK, "k=%d", k);
		CHECK(len == size && record_eq(&r, &d), "k=%d", k);
	}
	{
		struct recallfs_record r = { .type = RECALLFS_REC_SEED, .dir = "v2/.seed",
					     .dir_len = 8 }, d;
		__u32 size = recallfs_record_size(&r), len = 0;

		CHECK(size == 24 && recallfs_record_encode(&r, buf, sizeof(buf)) == size, "seed");
		CHECK(recallfs_record_decode(buf, size, &d, &len) == RECALLFS_DECODE_OK &&
		      len == size && record_eq(&r, &d), "seed round trip");
	}
	return 1;
}

static int test_refused(void)
{
	static char big[RECALLFS_JOURNAL_LINK_MAX + 2];
	unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX];
	struct recallfs_record r;

	memset(big, 'x', sizeof(big));
#define REFUSED(mutate) do {						\
		r = sample(0);						\
		mutate;							\
		CHECK(recallfs_record_size(&r) == 0, "%s", #mutate);	\
		CHECK(recallfs_record_encode(&r, buf, sizeof(buf)) == 0, "%s", #mutate); \
	} while (0)
	REFUSED(r.name_len = 0);
	REFUSED((r.name = big, r.name_len = 256));
	REFUSED((r.name = ".", r.name_len = 1));
	REFUSED((r.name = "..", r.name_len = 2));
	REFUSED((r.name = "a/b", r.name_len = 3));
	REFUSED((r.name = "a\0b", r.name_len = 3));
	REFUSED((r.dir = "/usr", r.dir_len = 4));
	REFUSED((r.dir = "usr/", r.dir_len = 4));
	REFUSED((r.dir = big, r.dir_len = RECALLFS_JOURNAL_PATH_MAX + 1));
	REFUSED((r.link = big, r.link_len = RECALLFS_JOURNAL_LINK_MAX + 1));
	REFUSED(r.type = 0);
	REFUSED(r.type = 99);
	REFUSED((r.type = RECALLFS_REC_DIR));	/* a DIR record with a name */
	/* A file handle only for a positive entry; a type only with one. */
	REFUSED((r.fh = "\1\2\3\4", r.fh_len = 4, r.fh_type = 1));
	REFUSED(r.fh_type = 1);
	/* Listed and positive flags go with their kind of entry only. */
	REFUSED(r.flags = RECALLFS_ENTRY_TYPED);
	REFUSED(r.flags = RECALLFS_ENTRY_IN_LISTING);
	REFUSED(r.flags = RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_POSITIVE);
	REFUSED(r.flags = RECALLFS_ENTRY_MODE_ONLY);
	REFUSED(r.flags = 0x0040);
	REFUSED((r.flags = RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_TYPED, r.attr.mode = 0100644));
	/* xattr answers: only on a positive entry, only known questions and answers. */
	REFUSED(r.xattr_absent = RECALLFS_XATTR_NODATA);
#undef REFUSED
	r = sample(2);
	CHECK(recallfs_record_size(&r) > 0, "xattr answers of a positive entry");
	r.xattr_absent = 3;
	CHECK(recallfs_record_size(&r) == 0, "an xattr answer that is none");
	r.xattr_absent = recallfs_xattr_with(0, RECALLFS_XATTR_LIST, RECALLFS_XATTR_UNSUPPORTED);
	CHECK(recallfs_record_size(&r) == 0, "a list of names answered EOPNOTSUPP");
	r.xattr_absent = 1u << (2 * RECALLFS_XATTR_QUESTIONS);
	CHECK(recallfs_record_size(&r) == 0, "an answer to an unknown question");
	r = sample(1);
	r.fh = big;
	r.fh_len = RECALLFS_JOURNAL_FH_MAX + 1;
	CHECK(recallfs_record_size(&r) == 0, "entry handle over the limit");
	r.fh_len = RECALLFS_JOURNAL_FH_MAX;
	CHECK(recallfs_record_size(&r) > 0, "entry handle at the limit");
	r.fh_len = 6;
	CHECK(recallfs_record_size(&r) == 0, "entry handle of part of a word");
	r.fh_len = 8;
	r.fh_type = 0xff;
	CHECK(recallfs_record_size(&r) == 0, "entry handle of type FILEID_INVALID");
	/* A cookie flag and a stamp's cookie come together or not at all. */
	r = sample(7);
	r.flags &= (__u16)~RECALLFS_DIR_CHANGE_COOKIE;
	CHECK(recallfs_record_size(&r) == 0, "stamp with a cookie, no flag");
	r = sample(3);
	r.flags |= RECALLFS_DIR_CHANGE_COOKIE;
	CHECK(recallfs_record_size(&r) == 0, "cookie flag, stamp without one");
	r = sample(3);
	r.flags = RECALLFS_DIR_LISTED_TYPED;
	CHECK(recallfs_record_size(&r) == 0, "listed with types, not complete");
	r.flags = 0x0008;
	CHECK(recallfs_record_size(&r) == 0, "unknown DIR flag");
	/* The fuzzer's corpus generator found the encoder writing this, and the decoder refusing it. */
	r = sample(4);
	r.flags = RECALLFS_INVALIDATE_TREE | 0x0002;
	CHECK(recallfs_record_size(&r) == 0, "unknown INVALIDATE flag");
	/* A seed names a file: not the root, no flags, no name. */
	r = (struct recallfs_record){ .type = RECALLFS_REC_SEED, .dir = "v2/.seed", .dir_len = 8 };
	CHECK(recallfs_record_size(&r) == 24, "a seed record");
	r.flags = RECALLFS_INVALIDATE_TREE;
	CHECK(recallfs_record_size(&r) == 0, "a seed record with a flag");
	r.flags = 0;
	r.dir_len = 0;
	CHECK(recallfs_record_size(&r) == 0, "a seed record naming the root");
	r = (struct recallfs_record){ .type = RECALLFS_REC_SEED, .dir = "v2", .dir_len = 2,
				      .name = "x", .name_len = 1 };
	CHECK(recallfs_record_size(&r) == 0, "a seed record with a name");
	r = sample(7);
	CHECK(recallfs_record_size(&r) == recallfs_record_size(&(struct recallfs_record){
		.type = RECALLFS_REC_DIR, .flags = RECALLFS_DIR_COMPLETE, .dir = r.dir,
		.dir_len = r.dir_len }) + 8, "a cookie takes 8 bytes");
	/* The largest valid record fits the record limit. */
	r = sample(1);
	r.dir = big;
	r.dir_len = RECALLFS_JOURNAL_PATH_MAX;
	r.name = big;
	r.name_len = RECALLFS_JOURNAL_NAME_MAX;
	r.link = big;
	r.link_len = RECALLFS_JOURNAL_LINK_MAX;
	r.fh = big;
	r.fh_len = RECALLFS_JOURNAL_FH_MAX;
	CHECK(recallfs_record_encode(&r, buf, sizeof(buf)) > 0, "largest record");
	return 1;
}

static struct recallfs_journal_identity sample_identity(void)
{
	static const __u8 fh[] = { 1, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };
	struct recallfs_journal_identity id = {
		.lowerdir = "/nfs/sw", .lowerdir_len = 7,
		.fstype = "nfs4", .fstype_len = 4,
		.fh = fh, .fh_len = sizeof(fh), .fh_type = 0x81, .created = 1764000000,
	};
	return id;
}

/* Rewrite the header CRC after a deliberate change. */
static void header_fix_crc(unsigned char *buf)
{
	struct recallfs_journal_header h;
	__le32 crc;

	memcpy(&h, buf, sizeof(h));
	crc = cpu_to_le32(recallfs_journal_crc(buf + 8, le16_to_cpu(h.header_size) - 8));
	memcpy(buf + 4, &crc, 4);
}

static int test_header(void)
{
	unsigned char buf[RECALLFS_JOURNAL_HEADER_MAX], copy[RECALLFS_JOURNAL_HEADER_MAX];
	struct recallfs_journal_identity id = sample_identity(), other, d;
	__u32 size = recallfs_header_size(&id);
	int ret;

	CHECK(size == 88, "size %u", size);
	CHECK(recallfs_header_encode(&id, buf, size - 1) == 0, "short buffer");
	CHECK(recallfs_header_encode(&id, buf, sizeof(buf)) == size, "encode");
	ret = recallfs_header_decode(buf, size, &d);
	CHECK(ret == (int)size, "decode %d", ret);
	CHECK(recallfs_identity_equal(&id, &d) && d.created == id.created, "identity");
	for (__u32 cut = 0; cut < size; cut++)
		CHECK(recallfs_header_decode(buf, cut, &d) == RECALLFS_DECODE_SHORT ||
		      (cut < 8 && 0), "cut %u", cut);
	for (__u32 bit = 0; bit < size * 8; bit++) {
		memcpy(copy, buf, size);
		copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ret = recallfs_header_decode(copy, size, &d);
		CHECK(ret < 0, "bit %u accepted", bit);
	}
	/* Identity differences. */
	other = id;
	other.lowerdir = "/nfs/sx";
	CHECK(!recallfs_identity_equal(&id, &other), "lowerdir");
	other = id;
	other.fstype = "nfs";
	other.fstype_len = 3;
	CHECK(!recallfs_identity_equal(&id, &other), "fstype");
	other = id;
	other.fh_len--;
	CHECK(!recallfs_identity_equal(&id, &other), "fh");
	other = id;
	other.fh_type++;
	CHECK(!recallfs_identity_equal(&id, &other), "fh_type");
	other = id;
	other.created++;
	CHECK(recallfs_identity_equal(&id, &other), "created is not identity");
	/* No handle at all: still a valid header. */
	other = id;
	other.fh_len = 0;
	other.fh = NULL;
	size = recallfs_header_encode(&other, buf, sizeof(buf));
	CHECK(size && recallfs_header_decode(buf, size, &d) == (int)size && d.fh_len == 0,
	      "empty fh");
	/* A newer version and an unknown incompat feature: unsupported, not corrupt. */
	size = recallfs_header_encode(&id, buf, sizeof(buf));
	memcpy(copy, buf, size);
	copy[8] = 2;
	header_fix_crc(copy);
	CHECK(recallfs_header_decode(copy, size, &d) == RECALLFS_DECODE_UNSUPPORTED, "version");
	/* This code writes the features it has: DIR cookies, entry handles, xattr answers. */
	CHECK(buf[16] == RECALLFS_JOURNAL_INCOMPAT_SUPP, "incompat %#x", buf[16]);
	memcpy(copy, buf, size);
	copy[16] |= 0x80;
	header_fix_crc(copy);
	CHECK(recallfs_header_decode(copy, size, &d) == RECALLFS_DECODE_UNSUPPORTED, "incompat");
	/* A journal of older code, without the feature, is read too. */
	memcpy(copy, buf, size);
	copy[16] = 0;
	header_fix_crc(copy);
	CHECK(recallfs_header_decode(copy, size, &d) == (int)size, "no incompat features");
	/* Unknown compat feature: fine. */
	memcpy(copy, buf, size);
	copy[12] = 1;
	header_fix_crc(copy);
	CHECK(recallfs_header_decode(copy, size, &d) == (int)size, "compat");
	/* Absurd identity lengths with a good CRC. */
	memcpy(copy, buf, size);
	copy[20] = 0xff;
	copy[21] = 0xff;
	header_fix_crc(copy);
	CHECK(recallfs_header_decode(copy, size, &d) == RECALLFS_DECODE_CORRUPT, "lowerdir_len");
	return 1;
}

#define STREAM_RECORDS 200
static unsigned char stream[STREAM_RECORDS * 600];
static __u32 stream_len, stream_ends[STREAM_RECORDS + 1];
static struct recallfs_record stream_recs[STREAM_RECORDS];

static void build_stream(void)
{
	stream_len = 0;
	for (int i = 0; i < STREAM_RECORDS; i++) {
		stream_recs[i] = sample(i % 5 == 4 ? 4 : (int)(rnd() % 5));
		stream_len += recallfs_record_encode(&stream_recs[i], stream + stream_len,
						     sizeof(stream) - stream_len);
		stream_ends[i] = stream_len;
	}
}

/*
 * Decode @len bytes of @buf as a journal's records; returns how many
 * records decoded, the end of the last and the status that stopped it.
 */
static int decode_stream(const unsigned char *buf, __u32 len, __u32 *good_end, int *status,
			 int check_against_stream)
{
	__u32 pos = 0, rec_len;
	int n = 0;

	for (;;) {
		struct recallfs_record d;
		int ret = recallfs_record_decode(buf + pos, len - pos, &d, &rec_len);

		if (ret == RECALLFS_DECODE_SHORT && pos == len)
			ret = RECALLFS_DECODE_OK + 100;	/* clean end */
		if (ret != RECALLFS_DECODE_OK && ret != RECALLFS_DECODE_SKIP) {
			*status = ret;
			*good_end = pos;
			return n;
		}
		if (rec_len == 0 || rec_len > len - pos)
			abort();	/* the codec promised a length within avail */
		if (ret == RECALLFS_DECODE_OK && check_against_stream &&
		    (n >= STREAM_RECORDS || !record_eq(&d, &stream_recs[n])))
			return -1;	/* decoded something wrong */
		pos += rec_len;
		n++;
	}
}

static int test_truncation(void)
{
	for (__u32 cut = 0; cut <= stream_len; cut++) {
		__u32 end;
		int status, n = decode_stream(stream, cut, &end, &status, 1);
		int whole = 0;

		while (whole < STREAM_RECORDS && stream_ends[whole] <= cut)
			whole++;
		CHECK(n == whole, "cut %u: %d records, expected %d", cut, n, whole);
		CHECK(end == (whole ? stream_ends[whole - 1] : 0), "cut %u end %u", cut, end);
		CHECK(status == (end == cut ? 100 : RECALLFS_DECODE_SHORT), "cut %u status %d",
		      cut, status);
	}
	return 1;
}

static int test_bit_flips(void)
{
	static unsigned char copy[sizeof(stream)];

	for (__u32 bit = 0; bit < stream_len * 8; bit++) {
		__u32 byte = bit / 8, end;
		int status, n, rec = 0;

		while (stream_ends[rec] <= byte)
			rec++;
		memcpy(copy, stream, stream_len);
		copy[byte] ^= (unsigned char)(1u << (bit % 8));
		n = decode_stream(copy, stream_len, &end, &status, 1);
		CHECK(n == rec, "bit %u: %d records before the flipped one %d", bit, n, rec);
		CHECK(status == RECALLFS_DECODE_CORRUPT || status == RECALLFS_DECODE_SHORT,
		      "bit %u: status %d", bit, status);
	}
	return 1;
}

/* Random bytes: the decoder must only return sane results, never crash. */
static int test_random_bytes(unsigned long iterations)
{
	static unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX + 64];

	for (unsigned long it = 0; it < iterations; it++) {
		__u32 len = (__u32)(rnd() % sizeof(buf)), end;
		int status;

		for (__u32 i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd();
		/* Plausible lengths more often than chance gives them. */
		if (len >= 8 && rnd() % 2) {
			__le32 l = cpu_to_le32((__u32)(rnd() % len) & ~7u);

			memcpy(buf + 4, &l, 4);
		}
		decode_stream(buf, len, &end, &status, 0);
		CHECK(end <= len, "end past input");
	}
	return 1;
}

/*
 * A positive entry's xattr answers, patched behind a valid CRC: the decoder
 * refuses what the encoder would (an answer 3, LIST answered EOPNOTSUPP, an
 * unknown question) and takes a valid one.
 */
static int test_bad_xattr_answers(void)
{
	static const __u32 bad[] = { 3u, 2u << (2 * RECALLFS_XATTR_LIST),
				     1u << (2 * RECALLFS_XATTR_QUESTIONS), 0x80000000u };
	unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX];
	struct recallfs_record r = sample(2), d;
	__u32 at = sizeof(struct recallfs_journal_rec_head) +
		   sizeof(struct recallfs_journal_entry) +
		   offsetof(struct recallfs_journal_attr, xattr_absent);
	__u32 size = recallfs_record_encode(&r, buf, sizeof(buf)), len;
	__le32 v, crc;

	CHECK(size && recallfs_record_decode(buf, size, &d, &len) == RECALLFS_DECODE_OK &&
	      d.xattr_absent == r.xattr_absent, "valid answers decode");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = cpu_to_le32(bad[i]);
		memcpy(buf + at, &v, 4);
		crc = cpu_to_le32(recallfs_journal_crc(buf + 4, size - 4));
		memcpy(buf, &crc, 4);
		CHECK(recallfs_record_decode(buf, size, &d, &len) == RECALLFS_DECODE_CORRUPT,
		      "xattr answers %#x", bad[i]);
	}
	return 1;
}

/*
 * Mutate a valid record's bytes and fix its CRC, so the field checks behind
 * the CRC are exercised. Whatever decodes must re-encode to the same bytes
 * (the encoding is canonical): a decoder can then never "see" a record other
 * than the one that was written.
 */
static int test_crc_fixed_mutations(unsigned long iterations)
{
	unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX], again[RECALLFS_JOURNAL_RECORD_MAX];
	unsigned long accepted = 0;

	for (unsigned long it = 0; it < iterations; it++) {
		struct recallfs_record r = sample((int)(rnd() % 6)), d;
		__u32 size = recallfs_record_encode(&r, buf, sizeof(buf)), len, crc_len;
		int flips = 1 + (int)(rnd() % 3), ret;
		__le32 crc;

		for (int f = 0; f < flips; f++) {
			__u32 at = 8 + (__u32)(rnd() % (size - 8));

			if (rnd() % 2)
				buf[at] ^= (unsigned char)(1u << (rnd() % 8));
			else
				buf[at] = (unsigned char)rnd();
		}
		crc_len = size;
		crc = cpu_to_le32(recallfs_journal_crc(buf + 4, crc_len - 4));
		memcpy(buf, &crc, 4);
		ret = recallfs_record_decode(buf, size, &d, &len);
		if (ret == RECALLFS_DECODE_OK) {
			accepted++;
			CHECK(len == size, "length");
			CHECK(recallfs_record_encode(&d, again, sizeof(again)) == size &&
			      !memcmp(again, buf, size), "not canonical");
		} else {
			CHECK(ret == RECALLFS_DECODE_CORRUPT || ret == RECALLFS_DECODE_SKIP ||
			      ret == RECALLFS_DECODE_UNSUPPORTED, "status %d", ret);
		}
	}
	fprintf(stderr, "  # %lu of %lu mutated records still valid (flags, attrs, strings)\n",
		accepted, iterations);
	return 1;
}

/* A record with the given head fields and a correct CRC, @size bytes. */
static void forge(unsigned char *buf, __u32 size, __u32 rec_len, __u16 type, __u16 flags,
		  __u16 dir_len, __u16 name_len)
{
	struct recallfs_journal_rec_head h = {
		.rec_len = cpu_to_le32(rec_len), .type = cpu_to_le16(type),
		.flags = cpu_to_le16(flags), .dir_len = cpu_to_le16(dir_len),
		.name_len = cpu_to_le16(name_len),
	};

	memset(buf, 'a', size);
	memcpy(buf, &h, sizeof(h));
	__u32 crc_end = rec_len <= size ? rec_len : size;

	if (crc_end < 8)
		crc_end = 8;
	h.rec_crc = cpu_to_le32(recallfs_journal_crc(buf + 4, crc_end - 4));
	memcpy(buf, &h.rec_crc, 4);
}

static int test_absurd_lengths(void)
{
	static unsigned char buf[RECALLFS_JOURNAL_RECORD_MAX * 2];
	struct recallfs_record d;
	__u32 len;

	forge(buf, 64, 0, RECALLFS_REC_ENTRY, 0, 0, 1);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "len 0");
	forge(buf, 64, 12, RECALLFS_REC_ENTRY, 0, 0, 1);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "len 12");
	forge(buf, 64, 20, RECALLFS_REC_ENTRY, 0, 0, 1);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "len 20");
	forge(buf, 64, 0xfffffff8u, RECALLFS_REC_ENTRY, 0, 0, 1);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "len 4G");
	forge(buf, sizeof(buf), RECALLFS_JOURNAL_RECORD_MAX + 8, RECALLFS_REC_ENTRY, 0, 0, 1);
	CHECK(recallfs_record_decode(buf, sizeof(buf), &d, &len) == RECALLFS_DECODE_CORRUPT,
	      "len over max");
	forge(buf, 64, 64, RECALLFS_REC_ENTRY, 0, 0xffff, 0xffff);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "str lens");
	forge(buf, 64, 16, RECALLFS_REC_ENTRY, RECALLFS_ENTRY_POSITIVE, 0, 1);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_CORRUPT, "no attr");
	/* Unknown types: skipped, or stop if must-know. */
	forge(buf, 64, 24, 77, 0, 0, 0);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_SKIP && len == 24,
	      "skip");
	forge(buf, 64, 24, 77 | RECALLFS_REC_MUST_KNOW, 0, 0, 0);
	CHECK(recallfs_record_decode(buf, 64, &d, &len) == RECALLFS_DECODE_UNSUPPORTED,
	      "must know");
	/* A positive entry's type and inode number make an inode's identity. */
	{
		struct recallfs_record r = sample(2);
		__u32 n;

		/* Never written (the decoder would cut the journal there)... */
		r.attr.mode = 0755;	/* no file type */
		CHECK(!recallfs_record_size(&r) && !recallfs_record_encode(&r, buf, sizeof(buf)),
		      "encodes no file type");
		r = sample(2);
		r.attr.ino = 0;
		CHECK(!recallfs_record_size(&r), "encodes inode 0");
		/* ...and refused when read: a valid record, its mode's type cleared, CRC redone. */
		r = sample(2);
		n = recallfs_record_encode(&r, buf, sizeof(buf));
		CHECK(n > 0, "encode");
		for (int clear = 0; clear < 2; clear++) {
			struct recallfs_journal_attr *a = (struct recallfs_journal_attr *)
				(buf + sizeof(struct recallfs_journal_rec_head) +
				 sizeof(struct recallfs_journal_entry));
			__u32 crc;

			if (clear)
				a->mode = cpu_to_le32(0755);
			crc = cpu_to_le32(recallfs_journal_crc(buf + 4, n - 4));
			memcpy(buf, &crc, 4);
			/* The control (CRC redone, mode kept) decodes: the CRC is right. */
			CHECK(recallfs_record_decode(buf, n, &d, &len) ==
			      (clear ? RECALLFS_DECODE_CORRUPT : RECALLFS_DECODE_OK),
			      "decodes %s", clear ? "no file type" : "the control");
		}
	}
	/* A whole record needs its whole length: short, not corrupt. */
	forge(buf, 64, 64, RECALLFS_REC_ENTRY, 0, 0, 40);
	CHECK(recallfs_record_decode(buf, 63, &d, &len) == RECALLFS_DECODE_SHORT, "short");
	CHECK(recallfs_record_decode(buf, 7, &d, &len) == RECALLFS_DECODE_SHORT, "short head");
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long iterations = 200000;

	if (argc > 1)
		rng_state = strtoull(argv[1], NULL, 0) | 1;
	if (argc > 2)
		iterations = strtoul(argv[2], NULL, 0);
	printf("TAP version 13\n1..10\n");
	recallfs_journal_layout_checks();
	report(test_crc(), "crc32c check value");
	report(test_round_trip(), "encode/decode round trip of every record type");
	report(test_refused(), "encoder refuses invalid records");
	report(test_header(), "header round trip, identity, bit flips, versions");
	build_stream();
	report(test_truncation(), "truncation at every byte offset");
	report(test_bit_flips(), "every single-bit flip is detected");
	report(test_random_bytes(iterations / 10), "random bytes");
	report(test_crc_fixed_mutations(iterations), "mutations behind a valid CRC");
	report(test_absurd_lengths(), "absurd lengths, unknown types, invalid identities");
	report(test_bad_xattr_answers(), "invalid xattr answers behind a valid CRC");
	return failures ? 1 : 0;
}
