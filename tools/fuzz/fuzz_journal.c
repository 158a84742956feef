// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * fuzz_journal: a libFuzzer target over the journal codec
 * (fs/recallfs/journal_format.c, compiled here unchanged, as in tools/).
 *
 * The input is a journal file, read as replay reads one: the header, then
 * records from the header's end for as long as they decode OK or SKIP
 * (SHORT, CORRUPT and UNSUPPORTED end a replay). Records are also read from
 * offset 0 whatever the header is, so that a broken header does not keep the
 * fuzzer away from the record decoder. Whatever decodes must keep the
 * invariants checked below; a broken one abort()s, which libFuzzer reports as
 * a crash, with the input saved.
 *
 * Build and run with tools/fuzz/Makefile; make_corpus.c writes the seeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recallfs_shim.h"
#include "recallfs_journal.h"

#define FILE_TYPE_MASK		0170000u
#define FH_TYPE_INVALID		0xffu	/* exportfs' FILEID_INVALID */

#define ENTRY_FLAGS	(RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_LISTED | \
			 RECALLFS_ENTRY_MODE_ONLY | RECALLFS_ENTRY_HOT | \
			 RECALLFS_ENTRY_IN_LISTING | RECALLFS_ENTRY_TYPED)
#define DIR_FLAGS	(RECALLFS_DIR_COMPLETE | RECALLFS_DIR_CHANGE_COOKIE | \
			 RECALLFS_DIR_LISTED_TYPED)
#define INVALIDATE_FLAGS RECALLFS_INVALIDATE_TREE

/* The input under test, and what is being checked in it, for the message. */
static const unsigned char *input;
static __u32 input_size;
static const char *checking;
static __u32 checking_at;

static void __attribute__((noreturn)) invariant_failed(const char *what, int line)
{
	fprintf(stderr, "fuzz_journal.c:%d: invariant broken by the %s at input offset %u "
		"(input %u bytes): %s\n", line, checking, checking_at, input_size, what);
	abort();
}

#define INVARIANT(cond) do {					\
	if (!(cond))						\
		invariant_failed(#cond, __LINE__);		\
} while (0)

/* Whether @n bytes at @s lie within [@lo, @hi). */
static int span_within(const void *s, __u32 n, const unsigned char *lo, const unsigned char *hi)
{
	uintptr_t p = (uintptr_t)s;

	return s && p >= (uintptr_t)lo && p <= (uintptr_t)hi && n <= (uintptr_t)hi - p;
}

/* Little-endian fields of @width (1, 2 or 4) bytes at @p: lengths and CRCs. */
static __u32 get_field(const unsigned char *p, __u32 width)
{
	__u32 v = 0;

	while (width--)
		v = v << 8 | p[width];
	return v;
}

static void put_field(unsigned char *p, __u32 width, __u32 v)
{
	for (; width--; v >>= 8)
		*p++ = (unsigned char)v;
}

/* A length field of a header or a record: where, how wide, and its limit. */
struct length_field {
	__u32 at;
	__u32 width;
	__u32 limit;
};

#define HEAD_SIZE	((__u32)sizeof(struct recallfs_journal_rec_head))
#define FIELD(type, member)	offsetof(type, member), sizeof(((type *)0)->member)

static const struct length_field header_fields[] = {
	{ FIELD(struct recallfs_journal_header, lowerdir_len), RECALLFS_JOURNAL_PATH_MAX },
	{ FIELD(struct recallfs_journal_header, fstype_len), RECALLFS_JOURNAL_FSTYPE_MAX },
	{ FIELD(struct recallfs_journal_header, fh_len), RECALLFS_JOURNAL_FH_MAX },
};

/*
 * The length fields of the record at @p, @len bytes, by the type its head
 * says (offsets from @p): at most RECORD_FIELDS.
 */
#define RECORD_FIELDS	4

static unsigned int record_fields(const unsigned char *p, __u32 len, struct length_field *f)
{
	__u32 type = get_field(p + offsetof(struct recallfs_journal_rec_head, type), 2);
	unsigned int n = 0;

	f[n++] = (struct length_field){
		FIELD(struct recallfs_journal_rec_head, dir_len), RECALLFS_JOURNAL_PATH_MAX };
	if (type == RECALLFS_REC_ENTRY && len >= HEAD_SIZE + sizeof(struct recallfs_journal_entry)) {
		f[n++] = (struct length_field){
			FIELD(struct recallfs_journal_rec_head, name_len), RECALLFS_JOURNAL_NAME_MAX };
		f[n++] = (struct length_field){
			HEAD_SIZE + offsetof(struct recallfs_journal_entry, link_len), 2,
			RECALLFS_JOURNAL_LINK_MAX };
		f[n++] = (struct length_field){
			HEAD_SIZE + offsetof(struct recallfs_journal_entry, fh_len), 2,
			RECALLFS_JOURNAL_FH_MAX };
	} else if (type == RECALLFS_REC_DIR && len >= HEAD_SIZE + sizeof(struct recallfs_journal_dir)) {
		f[n++] = (struct length_field){
			HEAD_SIZE + offsetof(struct recallfs_journal_dir, fh_len), 2,
			RECALLFS_JOURNAL_FH_MAX };
	}
	return n;
}

/* Recompute the CRC of the header of @size bytes at @p, or of the record of @len bytes. */
static void fix_header_crc(unsigned char *p, __u32 size)
{
	put_field(p + offsetof(struct recallfs_journal_header, header_crc), 4,
		  recallfs_journal_crc(p + 8, size - 8));
}

static void fix_record_crc(unsigned char *p, __u32 len)
{
	put_field(p, 4, recallfs_journal_crc(p + 4, len - 4));
}

static int decode_failure(int ret)
{
	return ret == RECALLFS_DECODE_SHORT || ret == RECALLFS_DECODE_CORRUPT ||
	       ret == RECALLFS_DECODE_UNSUPPORTED;
}

static int has_byte(const char *s, __u32 len, char c)
{
	return len && memchr(s, c, len);
}

/* One of the seven POSIX file types. */
static int file_type_ok(__u32 mode)
{
	switch (mode & FILE_TYPE_MASK) {
	case 0140000: case 0120000: case 0100000: case 0060000:
	case 0040000: case 0020000: case 0010000:
		return 1;
	default:
		return 0;
	}
}

/* recallfs_record.h: "" or "a/b", without a '/' at either end (and no NUL). */
static void check_dir_string(const struct recallfs_record *rec)
{
	INVARIANT(rec->dir_len <= RECALLFS_JOURNAL_PATH_MAX);
	if (!rec->dir_len)
		return;
	INVARIANT(rec->dir[0] != '/' && rec->dir[rec->dir_len - 1] != '/');
	INVARIANT(!has_byte(rec->dir, rec->dir_len, '\0'));
}

/* One path component: never empty, "." or "..", no '/' or NUL. */
static void check_name_string(const struct recallfs_record *rec)
{
	INVARIANT(rec->name_len >= 1 && rec->name_len <= RECALLFS_JOURNAL_NAME_MAX);
	INVARIANT(!(rec->name_len == 1 && rec->name[0] == '.'));
	INVARIANT(!(rec->name_len == 2 && rec->name[0] == '.' && rec->name[1] == '.'));
	INVARIANT(!has_byte(rec->name, rec->name_len, '/'));
	INVARIANT(!has_byte(rec->name, rec->name_len, '\0'));
}

static void check_entry(const struct recallfs_record *rec)
{
	__u16 f = rec->flags;
	int positive = f & RECALLFS_ENTRY_POSITIVE;

	INVARIANT(!(f & ~ENTRY_FLAGS));
	INVARIANT(!(positive && (f & RECALLFS_ENTRY_LISTED)));
	INVARIANT(positive || !(f & RECALLFS_ENTRY_MODE_ONLY));
	INVARIANT(positive || !(f & RECALLFS_ENTRY_IN_LISTING));
	INVARIANT(!(f & RECALLFS_ENTRY_TYPED) || (f & RECALLFS_ENTRY_LISTED));
	check_name_string(rec);
	INVARIANT(rec->link_len <= RECALLFS_JOURNAL_LINK_MAX);
	/* The file type and inode number become an inode's identity. */
	if (positive) {
		INVARIANT(file_type_ok(rec->attr.mode));
		INVARIANT(rec->attr.ino != 0);
	}
	/* A listing gives d_ino and d_type only (type 0: DT_UNKNOWN). */
	if (f & RECALLFS_ENTRY_TYPED) {
		INVARIANT(rec->attr.ino != 0);
		INVARIANT(!(rec->attr.mode & ~FILE_TYPE_MASK));
		INVARIANT(!rec->attr.mode || file_type_ok(rec->attr.mode));
	}
	INVARIANT(recallfs_xattr_absent_ok(rec->xattr_absent));
	INVARIANT(positive || !rec->xattr_absent);
	/* A handle only for a positive entry, in whole 32-bit words as exportfs writes. */
	if (rec->fh_len) {
		INVARIANT(positive);
		INVARIANT(rec->fh_len <= RECALLFS_JOURNAL_FH_MAX && rec->fh_len % 4 == 0);
		INVARIANT(rec->fh_type != FH_TYPE_INVALID);
	} else {
		INVARIANT(rec->fh_type == 0);
	}
}

static void check_dir(const struct recallfs_record *rec)
{
	INVARIANT(!(rec->flags & ~DIR_FLAGS));
	INVARIANT(!(rec->flags & RECALLFS_DIR_LISTED_TYPED) ||
		  (rec->flags & RECALLFS_DIR_COMPLETE));
	INVARIANT(rec->stamp.has_change_cookie ==
		  !!(rec->flags & RECALLFS_DIR_CHANGE_COOKIE));
	INVARIANT(!rec->stamp.unused);
	INVARIANT(rec->name_len == 0 && rec->link_len == 0);
	INVARIANT(rec->fh_len <= RECALLFS_JOURNAL_FH_MAX);
	INVARIANT(!rec->xattr_absent);
}

static void check_invalidate(const struct recallfs_record *rec)
{
	INVARIANT(!(rec->flags & ~INVALIDATE_FLAGS));
	INVARIANT(rec->name_len == 0 && rec->link_len == 0 && rec->fh_len == 0);
	INVARIANT(!rec->xattr_absent);
}

static void check_record_fields(const struct recallfs_record *rec)
{
	check_dir_string(rec);
	switch (rec->type) {
	case RECALLFS_REC_ENTRY:
		check_entry(rec);
		break;
	case RECALLFS_REC_DIR:
		check_dir(rec);
		break;
	case RECALLFS_REC_INVALIDATE:
		check_invalidate(rec);
		break;
	case RECALLFS_REC_SEED:
		INVARIANT(!rec->flags && rec->dir_len);
		INVARIANT(rec->name_len == 0 && rec->link_len == 0 && rec->fh_len == 0);
		INVARIANT(!rec->xattr_absent);
		break;
	default:
		INVARIANT(!"a record of an unknown type decoded OK");
	}
}

/* The size of the fixed part after the head, for a known type (include/recallfs_journal.h). */
static __u32 fixed_part_size(const struct recallfs_record *rec)
{
	switch (rec->type) {
	case RECALLFS_REC_ENTRY:
		if (rec->flags & RECALLFS_ENTRY_POSITIVE)
			return sizeof(struct recallfs_journal_entry) +
			       sizeof(struct recallfs_journal_attr);
		if (rec->flags & RECALLFS_ENTRY_TYPED)
			return sizeof(struct recallfs_journal_entry) +
			       sizeof(struct recallfs_journal_listed);
		return sizeof(struct recallfs_journal_entry);
	case RECALLFS_REC_DIR:
		if (rec->flags & RECALLFS_DIR_CHANGE_COOKIE)
			return sizeof(struct recallfs_journal_dir) +
			       sizeof(struct recallfs_journal_dir_cookie);
		return sizeof(struct recallfs_journal_dir);
	default:
		return 0;
	}
}

/*
 * A record is its head, its fixed part, the strings (dir, name, link, then
 * the handle) in that order, and zero padding to its length; every string
 * points there, inside the record. Returns the bytes before the padding.
 */
static __u32 check_record_layout(const unsigned char *p, __u32 len,
				 const struct recallfs_record *rec)
{
	const unsigned char *s = p + HEAD_SIZE + fixed_part_size(rec), *end = p + len;
	__u32 used;

#define STRING_AT(str, n) do {						\
	if (rec->n) {							\
		INVARIANT((const unsigned char *)rec->str == s);	\
		INVARIANT(span_within(rec->str, rec->n, p + HEAD_SIZE, end)); \
	}								\
	s += rec->n;							\
} while (0)
	STRING_AT(dir, dir_len);
	STRING_AT(name, name_len);
	STRING_AT(link, link_len);
	STRING_AT(fh, fh_len);
#undef STRING_AT
	INVARIANT(s <= end);
	used = (__u32)(s - p);
	INVARIANT(recallfs_journal_align(used) == len);
	for (; s < end; s++)
		INVARIANT(*s == 0);
	return used;
}

/*
 * The encoding is canonical: the decoder refuses nonzero padding and reserved
 * fields, and every other byte is a field it returns. So the record must
 * re-encode to the very bytes it was decoded from, and never in fewer.
 * The output buffer is exactly the record's size: ASan sees an overrun.
 */
static void check_record_canonical(const unsigned char *p, __u32 len,
				   const struct recallfs_record *rec)
{
	unsigned char *out = malloc(len);

	INVARIANT(out);
	INVARIANT(recallfs_record_size(rec) == len);
	INVARIANT(recallfs_record_encode(rec, out, len - 1) == 0);
	INVARIANT(recallfs_record_encode(rec, out, len) == len);
	INVARIANT(!memcmp(out, p, len));
	free(out);
}

/* Same fields, and strings at the same offsets from their buffers' starts. */
static int same_record(const struct recallfs_record *a, const unsigned char *abuf,
		       const struct recallfs_record *b, const unsigned char *bbuf)
{
#define SAME_OFFSET(f, n) (!a->n || ((const unsigned char *)a->f - abuf == \
				     (const unsigned char *)b->f - bbuf))
	/* The decoder zeroes the record first: no stale padding for memcmp to see. */
	return a->type == b->type && a->flags == b->flags && a->dir_len == b->dir_len &&
	       a->name_len == b->name_len && a->link_len == b->link_len &&
	       a->fh_len == b->fh_len && a->fh_type == b->fh_type &&
	       a->xattr_absent == b->xattr_absent &&
	       !memcmp(&a->attr, &b->attr, sizeof(a->attr)) &&
	       !memcmp(&a->stamp, &b->stamp, sizeof(a->stamp)) &&
	       SAME_OFFSET(dir, dir_len) && SAME_OFFSET(name, name_len) &&
	       SAME_OFFSET(link, link_len) && SAME_OFFSET(fh, fh_len);
#undef SAME_OFFSET
}

/*
 * A record depends on its own bytes only: alone in a buffer of its exact
 * size (where ASan sees a read past it) it decodes the same. And a torn
 * copy of it (cut where its CRC's first byte says) is SHORT, a torn tail
 * for replay to stop at, never CORRUPT.
 */
static void check_record_alone(const unsigned char *p, __u32 len,
			       const struct recallfs_record *rec)
{
	__u32 cut = 8 + p[0] % (len - 8), again_len = 0;
	unsigned char *copy = malloc(len), *torn = malloc(cut);
	struct recallfs_record again;

	INVARIANT(copy && torn);
	memcpy(copy, p, len);
	INVARIANT(recallfs_record_decode(copy, len, &again, &again_len) == RECALLFS_DECODE_OK);
	INVARIANT(again_len == len);
	INVARIANT(same_record(rec, p, &again, copy));
	memcpy(torn, p, cut);
	INVARIANT(recallfs_record_decode(torn, cut, &again, &again_len) == RECALLFS_DECODE_SHORT);
	INVARIANT(recallfs_record_decode(torn, 7, &again, &again_len) == RECALLFS_DECODE_SHORT);
	free(torn);
	free(copy);
}

/*
 * Limits. A length at its limit is checked right only if the same record
 * with that length a little over it is refused, a record random mutation
 * seldom makes (the length, the CRC, and the record still whole). So each
 * length that can be raised over its limit within the padding is, here,
 * the CRC redone; the decoder must refuse it, or decode it within the
 * limits. (Raised further, the record's size gives it away, not the limit.)
 */
static void probe_record_limits(const unsigned char *p, __u32 len, __u32 used)
{
	struct length_field fields[RECORD_FIELDS];
	unsigned int n = record_fields(p, len, fields), i;
	unsigned char *copy = NULL;

	for (i = 0; i < n; i++) {
		const struct length_field *f = &fields[i];
		__u32 v = get_field(p + f->at, f->width), over, again_len;
		struct recallfs_record again;

		if (v + (len - used) <= f->limit)
			continue;
		if (!copy)
			copy = malloc(len);
		INVARIANT(copy);
		checking = "record with a length raised by the limit probe";
		for (over = f->limit + 1; over <= v + (len - used); over++) {
			memcpy(copy, p, len);
			put_field(copy + f->at, f->width, over);
			fix_record_crc(copy, len);
			if (recallfs_record_decode(copy, len, &again, &again_len) ==
			    RECALLFS_DECODE_OK) {
				check_record_layout(copy, len, &again);
				check_record_fields(&again);
			}
		}
		checking = "record";
	}
	free(copy);
}

/* Any record that decodes OK or SKIP: a length a replay can step by. */
static void check_record_length(__u32 len, __u32 avail)
{
	INVARIANT(len >= sizeof(struct recallfs_journal_rec_head));
	INVARIANT(len % RECALLFS_JOURNAL_ALIGN == 0);
	INVARIANT(len <= RECALLFS_JOURNAL_RECORD_MAX);
	INVARIANT(len <= avail);
}

/* Decode records from @p as replay does: OK and SKIP step on, the rest stop. */
static void replay_records(const unsigned char *p, __u32 avail)
{
	for (;;) {
		struct recallfs_record rec;
		__u32 len = 0;
		int ret = recallfs_record_decode(p, avail, &rec, &len);

		checking = "record";
		checking_at = (__u32)(p - input);
		if (ret != RECALLFS_DECODE_OK && ret != RECALLFS_DECODE_SKIP) {
			INVARIANT(decode_failure(ret));
			return;
		}
		check_record_length(len, avail);
		INVARIANT(span_within(p, len, input, input + input_size));
		if (ret == RECALLFS_DECODE_OK) {
			__u32 used = check_record_layout(p, len, &rec);

			check_record_fields(&rec);
			check_record_canonical(p, len, &rec);
			check_record_alone(p, len, &rec);
			probe_record_limits(p, len, used);
		}
		p += len;
		avail -= len;
	}
}

static void check_identity(const unsigned char *buf, __u32 size,
			   const struct recallfs_journal_identity *id)
{
	const unsigned char *parts = buf + sizeof(struct recallfs_journal_header);

	INVARIANT(id->lowerdir_len <= RECALLFS_JOURNAL_PATH_MAX);
	INVARIANT(id->fstype_len <= RECALLFS_JOURNAL_FSTYPE_MAX);
	INVARIANT(id->fh_len <= RECALLFS_JOURNAL_FH_MAX);
	INVARIANT(span_within(id->lowerdir, id->lowerdir_len, parts, buf + size));
	INVARIANT(span_within(id->fstype, id->fstype_len, parts, buf + size));
	if (id->fh_len)
		INVARIANT(span_within(id->fh, id->fh_len, parts, buf + size));
	/* In the order the header has them, nothing between or after but padding. */
	INVARIANT((const unsigned char *)id->lowerdir == parts);
	INVARIANT(id->fstype == id->lowerdir + id->lowerdir_len);
	INVARIANT(!id->fh_len || (const char *)id->fh == id->fstype + id->fstype_len);
	INVARIANT(recallfs_journal_align(sizeof(struct recallfs_journal_header) +
					 id->lowerdir_len + id->fstype_len + id->fh_len) == size);
}

/*
 * Whether the header is as recallfs_header_encode() writes one: the
 * decoder also takes other features (on purpose: older journals, unknown
 * compat bits), and does not look at reserved0, reserved[], the padding or
 * fh_type without a handle; only such a header can re-encode to its bytes.
 */
static int header_as_encoded(const unsigned char *buf, __u32 size,
			     const struct recallfs_journal_identity *id)
{
	__u32 used = sizeof(struct recallfs_journal_header) + id->lowerdir_len +
		     id->fstype_len + id->fh_len;
	struct recallfs_journal_header h;
	__u32 i;

	memcpy(&h, buf, sizeof(h));
	if (le32_to_cpu(h.compat_features) != RECALLFS_JOURNAL_COMPAT_SUPP ||
	    le32_to_cpu(h.incompat_features) != RECALLFS_JOURNAL_INCOMPAT_SUPP ||
	    h.reserved0 || (!id->fh_len && h.fh_type))
		return 0;
	for (i = 0; i < sizeof(h.reserved); i++)
		if (h.reserved[i])
			return 0;
	for (i = used; i < size; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* The header fields the decoder returns, and the identity bytes, are the same. */
static int same_header_fields(const unsigned char *a, const unsigned char *b,
			      const struct recallfs_journal_identity *id)
{
	__u32 parts = id->lowerdir_len + id->fstype_len + id->fh_len;
	struct recallfs_journal_header ha, hb;

	memcpy(&ha, a, sizeof(ha));
	memcpy(&hb, b, sizeof(hb));
	return ha.magic == hb.magic && ha.version == hb.version &&
	       ha.header_size == hb.header_size && ha.lowerdir_len == hb.lowerdir_len &&
	       ha.fstype_len == hb.fstype_len && ha.fh_len == hb.fh_len &&
	       (!id->fh_len || ha.fh_type == hb.fh_type) && ha.created == hb.created &&
	       !memcmp(a + sizeof(ha), b + sizeof(hb), parts);
}

static void check_header(const unsigned char *buf, __u32 avail, int ret,
			 const struct recallfs_journal_identity *id)
{
	__u32 size = (__u32)ret, again_size;
	struct recallfs_journal_identity again;
	unsigned char *out;

	INVARIANT(size >= sizeof(struct recallfs_journal_header));
	INVARIANT(size % RECALLFS_JOURNAL_ALIGN == 0);
	INVARIANT(size <= RECALLFS_JOURNAL_HEADER_MAX && size <= avail);
	check_identity(buf, size, id);
	INVARIANT(recallfs_header_size(id) == size);

	/* Re-encoded (into exactly its size, for ASan) it decodes to the same identity. */
	out = malloc(size);
	INVARIANT(out);
	INVARIANT(recallfs_header_encode(id, out, size - 1) == 0);
	again_size = recallfs_header_encode(id, out, size);
	INVARIANT(again_size == size);
	INVARIANT(recallfs_header_decode(out, size, &again) == ret);
	INVARIANT(recallfs_identity_equal(id, &again) && again.created == id->created);
	INVARIANT(same_header_fields(buf, out, id));
	if (header_as_encoded(buf, size, id))
		INVARIANT(!memcmp(out, buf, size));
	free(out);
}

/* The limits of the identity's lengths, probed as probe_record_limits() does. */
static void probe_header_limits(const unsigned char *buf, __u32 size,
				const struct recallfs_journal_identity *id)
{
	__u32 pad = size - (sizeof(struct recallfs_journal_header) + id->lowerdir_len +
			    id->fstype_len + id->fh_len);
	unsigned char *copy = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++) {
		const struct length_field *f = &header_fields[i];
		__u32 v = get_field(buf + f->at, f->width), over;
		struct recallfs_journal_identity again;
		int ret;

		if (v + pad <= f->limit)
			continue;
		if (!copy)
			copy = malloc(size);
		INVARIANT(copy);
		checking = "header with a length raised by the limit probe";
		for (over = f->limit + 1; over <= v + pad; over++) {
			memcpy(copy, buf, size);
			put_field(copy + f->at, f->width, over);
			fix_header_crc(copy, size);
			ret = recallfs_header_decode(copy, size, &again);
			if (ret > 0)
				check_identity(copy, (__u32)ret, &again);
		}
		checking = "header";
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recallfs_journal_identity id;
	int ret;

	input = data;
	input_size = size > UINT32_MAX ? UINT32_MAX : (__u32)size;
	checking = "header";
	checking_at = 0;
	ret = recallfs_header_decode(data, input_size, &id);
	if (ret > 0) {
		check_header(data, input_size, ret, &id);
		probe_header_limits(data, (__u32)ret, &id);
		replay_records(data + ret, input_size - (__u32)ret);
	} else {
		INVARIANT(decode_failure(ret));
	}
	replay_records(data, input_size);
	return 0;
}

/*
 * The mutator. CRCs: nearly every mutation of a record breaks its CRC, and
 * the fuzzer would then test the CRC check and little behind it. So most
 * mutated inputs get their CRCs recomputed, header and records in replay
 * order, as far as their lengths allow; the rest keep a stale CRC, which
 * must be refused too. Lengths: some mutations nudge one length field of
 * the header or of a record by a few, which random byte changes seldom do.
 * The fuzz target itself reads its input unchanged.
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* The header's size if @data starts with a header's magic and a sane size, else 0. */
static __u32 header_extent(const unsigned char *data, size_t size)
{
	__u32 hsize;

	if (size < sizeof(struct recallfs_journal_header) ||
	    get_field(data, 4) != RECALLFS_JOURNAL_MAGIC)
		return 0;
	hsize = get_field(data + offsetof(struct recallfs_journal_header, header_size), 2);
	if (hsize < sizeof(struct recallfs_journal_header) || hsize > size ||
	    hsize > RECALLFS_JOURNAL_HEADER_MAX || hsize % RECALLFS_JOURNAL_ALIGN)
		return 0;
	return hsize;
}

/* The length of the record at @p if its head says a sane one within @avail, else 0. */
static __u32 record_extent(const unsigned char *p, size_t avail)
{
	__u32 len;

	if (avail < HEAD_SIZE)
		return 0;
	len = get_field(p + offsetof(struct recallfs_journal_rec_head, rec_len), 4);
	if (len < HEAD_SIZE || len > avail || len > RECALLFS_JOURNAL_RECORD_MAX ||
	    len % RECALLFS_JOURNAL_ALIGN)
		return 0;
	return len;
}

static void fix_crcs(unsigned char *data, size_t size)
{
	__u32 pos = header_extent(data, size), len;

	if (pos)
		fix_header_crc(data, pos);
	for (; (len = record_extent(data + pos, size - pos)); pos += len)
		fix_record_crc(data + pos, len);
}

#define NUDGE_FIELDS	64

/* The length fields of the header and the first records, in replay order. */
static unsigned int nudge_fields(const unsigned char *data, size_t size, struct length_field *f)
{
	__u32 pos = header_extent(data, size), len;
	unsigned int n = 0, i, k;

	if (pos)
		for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
			f[n++] = header_fields[i];
	for (; n + RECORD_FIELDS <= NUDGE_FIELDS &&
	       (len = record_extent(data + pos, size - pos)); pos += len) {
		k = record_fields(data + pos, len, f + n);
		for (i = n; i < n + k; i++)
			f[i].at += pos;
		n += k;
	}
	return n;
}

/* Add one of -4..-1, 1..4 to one length field, both chosen by @seed. */
static void nudge_a_length(unsigned char *data, size_t size, unsigned int seed)
{
	struct length_field fields[NUDGE_FIELDS], *f;
	unsigned int n = nudge_fields(data, size, fields);
	int delta = (int)(seed % 8) - 4;

	if (!n)
		return;
	f = &fields[(seed / 8) % n];
	put_field(data + f->at, f->width, get_field(data + f->at, f->width) +
		  (__u32)(delta >= 0 ? delta + 1 : delta));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	if (seed % 16 == 1)
		nudge_a_length(data, size, seed / 16);
	else
		size = LLVMFuzzerMutate(data, size, max_size);
	if (seed % 8)
		fix_crcs(data, size);
	return size;
}
