// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl-test: host tests of recallctl's journal commands (dump, verify,
 * compact, merge) and of its errors, on journals written here with the
 * module's codec. The commands on mounted filesystems are tested in the VM
 * (selftests/recallfs/recallctl_test.c).
 *
 * Prints TAP ("ok N - what") and exits non-zero if a test failed.
 *
 *   recallctl-test RECALLCTL RECALLCTL_RELEASE (the build with sanitizers, and without)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recallfs_shim.h"
#include "recallfs_journal.h"
#include "tap.h"

static const char *recallctl, *release;	/* the tested build, the installed one */
static char dir[64] = "/tmp/recallctl-test.XXXXXX";

static const char *tmp_path(const char *name)
{
	static char paths[8][256];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

/* ---- journals ---- */

static const struct recallfs_journal_identity test_id = {
	.lowerdir = "/nfs/sw", .lowerdir_len = 7, .fstype = "nfs", .fstype_len = 3,
	.fh = (const __u8 *)"\x01\x02\x03\x04\x05\x06\x07\x08", .fh_len = 8, .fh_type = 0x81,
	.created = 1764633600,
};

static struct recallfs_record entry(const char *d, const char *name, __u16 flags, __u64 ino)
{
	struct recallfs_record r = { .type = RECALLFS_REC_ENTRY, .flags = flags, .dir = d,
				     .dir_len = (__u32)strlen(d), .name = name,
				     .name_len = (__u32)strlen(name) };

	if (flags & (RECALLFS_ENTRY_POSITIVE | RECALLFS_ENTRY_TYPED)) {
		r.attr.ino = ino;
		r.attr.mode = 0100000;		/* a listing gives the type alone */
	}
	if (flags & RECALLFS_ENTRY_POSITIVE) {
		r.attr.mode = 0100644;
		r.attr.nlink = 1;
		r.fh = "\xaa\xbb\xcc\xdd";
		r.fh_len = 4;
		r.fh_type = 0x81;
	}
	return r;
}

static struct recallfs_record dir_state(const char *d, bool complete, __u64 ino)
{
	struct recallfs_record r = { .type = RECALLFS_REC_DIR, .dir = d, .dir_len = (__u32)strlen(d) };

	r.stamp.ino = ino;
	r.stamp.mtime_sec = 1700000000;
	r.flags = recallfs_dir_rec_flags(complete, complete, &r.stamp);
	return r;
}

static struct recallfs_record invalidate(const char *d, bool tree)
{
	return (struct recallfs_record){ .type = RECALLFS_REC_INVALIDATE,
		.flags = tree ? RECALLFS_INVALIDATE_TREE : 0, .dir = d, .dir_len = (__u32)strlen(d) };
}

/* Write a journal of @n records; the end offset of each record into @ends (if given). */
static int write_journal(const char *path, const struct recallfs_journal_identity *id,
			 const struct recallfs_record *recs, size_t n, size_t *ends)
{
	static unsigned char buf[1 << 20];
	__u32 used = recallfs_header_encode(id, buf, sizeof(buf));
	size_t i;
	FILE *f;

	for (i = 0; used && i < n; i++) {
		__u32 len = recallfs_record_encode(&recs[i], buf + used, (__u32)sizeof(buf) - used);

		if (!len)
			return -1;
		used += len;
		if (ends)
			ends[i] = used;
	}
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, used, f) != used || fclose(f))
		return -1;
	return chmod(path, 0600);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096 && !(buf = realloc(buf, cap += 65536)))
			break;
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/*
 * The records of journal @path in a canonical text form, one per line
 * ("T flags dir name"), for comparing what commands wrote. NULL if the file
 * does not decode to its end.
 */
static char *records_of(const char *path, size_t *count)
{
	size_t len, off, cap = 1 << 16, used = 0;
	char *buf = slurp(path, &len), *out = calloc(1, cap);
	struct recallfs_journal_identity id;
	int h;

	*count = 0;
	if (!buf || !out)
		goto fail;
	h = recallfs_header_decode(buf, (__u32)len, &id);
	if (h <= 0)
		goto fail;
	for (off = (size_t)h; off < len;) {
		struct recallfs_record r;
		__u32 rl;

		if (recallfs_record_decode(buf + off, (__u32)(len - off), &r, &rl) != RECALLFS_DECODE_OK)
			goto fail;
		if (used + 600 > cap && !(out = realloc(out, cap *= 2)))
			goto fail;
		used += (size_t)snprintf(out + used, cap - used, "%u %x %.*s/%.*s ino=%llu\n", r.type,
					 r.flags, (int)r.dir_len, r.dir, (int)r.name_len,
					 r.name ? r.name : "", (unsigned long long)
					 (r.type == RECALLFS_REC_DIR ? r.stamp.ino : r.attr.ino));
		(*count)++;
		off += rl;
	}
	free(buf);
	return out;
fail:
	free(buf);
	free(out);
	return NULL;
}

/* ---- running recallctl ---- */

struct run {
	int status;		/* exit status, or -1 */
	char *out, *err;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static struct run run(const char *arg0, ...)
{
	const char *argv[16] = { recallctl, arg0 };
	struct run r = { .status = -1 };
	const char *outp = tmp_path("stdout"), *errp = tmp_path("stderr");
	int n = 2, st;
	va_list ap;
	pid_t pid;

	va_start(ap, arg0);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		/* Make check runs this test with leak checks off (CHECK returns early); not recallctl. */
		unsetenv("ASAN_OPTIONS");
		execv(recallctl, (char *const *)argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		r.status = WEXITSTATUS(st);
	r.out = slurp(outp, NULL);
	r.err = slurp(errp, NULL);
	if (!r.out)
		r.out = strdup("");
	if (!r.err)
		r.err = strdup("");
	return r;
}

#define EXPECT_RUN(r, want, ...) do {					\
	CHECK((r).status == (want), "exit %d, wanted %d; stdout: %s; stderr: %s",	\
	      (r).status, (want), (r).out, (r).err);			\
} while (0)

/* ---- the scenario ---- */

/*
 * What compaction must keep of this journal (a mount's replay):
 *   apps: forgotten, then one new negative entry;
 *   lib: complete, its positive "libfoo.so" first listed (stays in_listing), replaced in place;
 *   opt and opt/x: a tree invalidation forgets both, "optional" (a sibling) stays.
 */
static size_t scenario(struct recallfs_record *r, size_t *ends)
{
	size_t n = 0;

	r[n++] = dir_state("apps", false, 10);
	r[n++] = entry("apps", "gone", 0, 0);
	r[n++] = invalidate("apps", false);
	r[n++] = entry("apps", "missing", 0, 0);
	r[n++] = dir_state("lib", false, 11);
	r[n++] = entry("lib", "libfoo.so", RECALLFS_ENTRY_LISTED | RECALLFS_ENTRY_TYPED, 20);
	r[n++] = entry("lib", "libbar.so", 0, 0);
	r[n++] = entry("lib", "libfoo.so", RECALLFS_ENTRY_POSITIVE, 20);
	r[n++] = dir_state("lib", true, 11);
	r[n++] = entry("opt", "a", 0, 0);
	r[n++] = entry("opt/x", "b", 0, 0);
	r[n++] = entry("optional", "c", RECALLFS_ENTRY_HOT, 0);
	r[n++] = invalidate("opt", true);
	r[n++] = entry("", "bin", RECALLFS_ENTRY_POSITIVE, 2);
	if (write_journal(tmp_path("scenario"), &test_id, r, n, ends))
		fprintf(stderr, "  the scenario journal cannot be written\n");
	return n;
}

static const char scenario_compacted[] =
	"2 0 apps/ ino=0\n"
	"1 0 apps/missing ino=0\n"
	"2 0 lib/ ino=11\n"
	"1 11 lib/libfoo.so ino=20\n"
	"1 0 lib/libbar.so ino=0\n"
	"2 5 lib/ ino=11\n"
	"2 0 optional/ ino=0\n"
	"1 8 optional/c ino=0\n"
	"2 0 / ino=0\n"
	"1 1 /bin ino=2\n";

static int test_compact(void)
{
	struct recallfs_record r[32];
	size_t n = scenario(r, NULL), count;
	struct run x;
	char *got, *again;
	struct stat st;

	x = run("compact", tmp_path("scenario"), "-o", tmp_path("compacted"), NULL);
	EXPECT_RUN(x, 0);
	got = records_of(tmp_path("compacted"), &count);
	CHECK(got, "the compacted journal does not decode to its end");
	CHECK(!strcmp(got, scenario_compacted), "compacted %zu records to:\n%s", n, got);
	CHECK(!stat(tmp_path("compacted"), &st) && (st.st_mode & 07777) == 0600,
	      "mode %o, not 0600", st.st_mode & 07777);
	run_free(&x);
	/* In place, and again: nothing changes once compact. */
	x = run("compact", tmp_path("compacted"), NULL);
	EXPECT_RUN(x, 0);
	again = records_of(tmp_path("compacted"), &count);
	CHECK(again && !strcmp(again, got), "second compaction gave:\n%s", again);
	run_free(&x);
	free(got);
	free(again);
	return 1;
}

static int test_verify(void)
{
	struct recallfs_record r[32];
	size_t ends[32], n = scenario(r, ends), len;
	char *buf = slurp(tmp_path("scenario"), &len), want[128];
	struct run x;
	FILE *f;

	CHECK(buf, "no scenario journal");
	x = run("verify", tmp_path("scenario"), NULL);
	EXPECT_RUN(x, 0);
	snprintf(want, sizeof(want), "clean: %zu records, %zu bytes", n, len);
	CHECK(strstr(x.out, want), "output: %s", x.out);
	run_free(&x);

	/* One flipped byte inside record 5: 5 good records before it, a CRC mismatch. */
	buf[ends[4] + 20] ^= 0x40;
	f = fopen(tmp_path("flipped"), "w");
	CHECK(f && fwrite(buf, 1, len, f) == len && !fclose(f), "write");
	x = run("verify", tmp_path("flipped"), NULL);
	EXPECT_RUN(x, 1);
	snprintf(want, sizeof(want), "offset %zu: CRC mismatch", ends[4]);
	CHECK(strstr(x.out, want) && strstr(x.out, "5 good records"), "output: %s", x.out);
	run_free(&x);
	buf[ends[4] + 20] ^= 0x40;

	/* Cut inside the last record: torn. */
	CHECK(!truncate(tmp_path("flipped"), 0), "truncate");
	f = fopen(tmp_path("flipped"), "w");
	CHECK(f && fwrite(buf, 1, ends[n - 2] + 9, f) == ends[n - 2] + 9 && !fclose(f), "write");
	x = run("verify", tmp_path("flipped"), NULL);
	EXPECT_RUN(x, 1);
	snprintf(want, sizeof(want), "offset %zu: a torn record", ends[n - 2]);
	CHECK(strstr(x.out, want) && strstr(x.out, "cuts the last 9 bytes"), "output: %s", x.out);
	run_free(&x);

	/* Not a journal at all. */
	f = fopen(tmp_path("flipped"), "w");
	CHECK(f && fputs("#!/bin/sh\necho hello\n", f) >= 0 && !fclose(f), "write");
	x = run("verify", tmp_path("flipped"), NULL);
	EXPECT_RUN(x, 1);
	CHECK(strstr(x.out, "offset 0: no valid journal header"), "output: %s", x.out);
	run_free(&x);
	free(buf);
	return 1;
}

/* A header with an incompat feature this code does not know, and a must-know record type. */
static int test_verify_newer(void)
{
	struct recallfs_record r[2] = { entry("a", "b", 0, 0), entry("a", "c", 0, 0) };
	size_t ends[2], len;
	struct recallfs_journal_header *h;
	struct recallfs_journal_rec_head *rh;
	char *buf;
	struct run x;
	FILE *f;

	CHECK(!write_journal(tmp_path("newer"), &test_id, r, 2, ends), "write");
	buf = slurp(tmp_path("newer"), &len);
	CHECK(buf, "read");
	rh = (void *)(buf + ends[0]);
	rh->type = cpu_to_le16(0x7f | RECALLFS_REC_MUST_KNOW);
	rh->rec_crc = cpu_to_le32(recallfs_journal_crc(buf + ends[0] + 4, (__u32)(ends[1] - ends[0] - 4)));
	f = fopen(tmp_path("newer"), "w");
	CHECK(f && fwrite(buf, 1, len, f) == len && !fclose(f), "write");
	x = run("verify", tmp_path("newer"), NULL);
	EXPECT_RUN(x, 1);
	CHECK(strstr(x.out, "a record of a newer format") && strstr(x.out, "1 good records"),
	      "output: %s", x.out);
	run_free(&x);

	h = (void *)buf;
	h->incompat_features |= cpu_to_le32(0x80000000u);
	h->header_crc = cpu_to_le32(recallfs_journal_crc(buf + 8, le16_to_cpu(h->header_size) - 8));
	f = fopen(tmp_path("newer"), "w");
	CHECK(f && fwrite(buf, 1, len, f) == len && !fclose(f), "write");
	x = run("verify", tmp_path("newer"), NULL);
	EXPECT_RUN(x, 1);
	CHECK(strstr(x.out, "written by a newer recallfs"), "output: %s", x.out);
	run_free(&x);
	x = run("compact", tmp_path("newer"), NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "newer recallfs"), "stderr: %s", x.err);
	run_free(&x);
	free(buf);
	return 1;
}

static int test_dump(void)
{
	struct recallfs_record r[3] = { entry("d ir", "sp ace\nnl", 0, 0),
					entry("d ir", "\xff\xfe", RECALLFS_ENTRY_POSITIVE, 7),
					entry("d ir", "caf\xc3\xa9", 0, 0) };
	char cmd[512];
	struct run x;

	r[1].link = "../t";
	r[1].link_len = 4;
	CHECK(!write_journal(tmp_path("names"), &test_id, r, 3, NULL), "write");
	x = run("dump", tmp_path("names"), NULL);
	EXPECT_RUN(x, 0);
	CHECK(strstr(x.out, "entry d\\x20ir sp\\x20ace\\x0anl negative") &&
	      strstr(x.out, "entry d\\x20ir \\xff\\xfe positive mode=0100644 ino=7") &&
	      strstr(x.out, "link=../t handle=0x81:aabbccdd") &&
	      strstr(x.out, "lowerdir /nfs/sw") && strstr(x.out, "end ") &&
	      strstr(x.out, ": 3 records"), "output:\n%s", x.out);
	run_free(&x);

	/* JSON that a JSON parser reads, with the name that is not UTF-8 in hex. */
	x = run("dump", tmp_path("names"), "--json", NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d[\"records\"];"
		 " assert len(r)==3 and r[0][\"name\"]==\"sp ace\\nnl\" and r[1][\"name_hex\"]==\"fffe\""
		 " and r[2][\"name\"]==\"caf\\u00e9\" and r[1][\"link\"]==\"../t\""
		 " and d[\"end\"][\"stop\"]==\"end\" and d[\"header\"][\"lowerdir\"]==\"/nfs/sw\", d' %s",
		 tmp_path("stdout"));
	CHECK(system(cmd) == 0, "the JSON above did not parse as expected (%s)", cmd);
	return 1;
}

static int test_merge(void)
{
	struct recallfs_record a[3] = { entry("lib", "x", 0, 0), entry("bin", "y", 0, 0),
					entry("lib", "z", 0, 0) };
	struct recallfs_record b[2] = { invalidate("lib", false), entry("lib", "new", 0, 0) };
	struct recallfs_journal_identity other = test_id;
	size_t count;
	char *got;
	struct run x;

	CHECK(!write_journal(tmp_path("a"), &test_id, a, 3, NULL), "write");
	CHECK(!write_journal(tmp_path("b"), &test_id, b, 2, NULL), "write");
	x = run("merge", tmp_path("a"), tmp_path("b"), "-o", tmp_path("ab"), NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	got = records_of(tmp_path("ab"), &count);
	CHECK(got && !strcmp(got, "2 0 bin/ ino=0\n1 0 bin/y ino=0\n2 0 lib/ ino=0\n"
			     "1 0 lib/new ino=0\n"), "merged:\n%s", got);
	free(got);

	/* B saw d in another state than A: A's names there are of that older state. */
	{
		struct recallfs_record c[2] = { dir_state("d", false, 5), entry("d", "old", 0, 0) };
		struct recallfs_record e[2] = { dir_state("d", false, 5), entry("d", "new", 0, 0) };

		e[0].stamp.mtime_sec++;
		CHECK(!write_journal(tmp_path("c"), &test_id, c, 2, NULL), "write");
		CHECK(!write_journal(tmp_path("e"), &test_id, e, 2, NULL), "write");
		x = run("merge", tmp_path("c"), tmp_path("e"), "-o", tmp_path("ce"), NULL);
		EXPECT_RUN(x, 0);
		run_free(&x);
		got = records_of(tmp_path("ce"), &count);
		CHECK(got && !strcmp(got, "2 0 d/ ino=5\n1 0 d/new ino=0\n"), "merged:\n%s", got);
		free(got);
	}

	other.lowerdir = "/nfs/other";
	other.lowerdir_len = 10;
	CHECK(!write_journal(tmp_path("b"), &other, b, 2, NULL), "write");
	x = run("merge", tmp_path("a"), tmp_path("b"), "-o", tmp_path("ab2"), NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "different lower trees") && access(tmp_path("ab2"), F_OK),
	      "stderr: %s", x.err);
	run_free(&x);
	return 1;
}

/* A tree of @dirs directories of @files empty files each, under @root. */
static int make_tree(const char *root, int dirs, int files)
{
	char p[512];

	if (mkdir(root, 0755))
		return -1;
	for (int d = 0; d < dirs; d++) {
		int dfd;

		snprintf(p, sizeof(p), "%s/d%04d", root, d);
		if (mkdir(p, 0755) || (dfd = open(p, O_RDONLY | O_DIRECTORY)) < 0)
			return -1;
		for (int f = 0; f < files; f++) {
			char n[32];
			int fd;

			snprintf(n, sizeof(n), "lib%04d.so", f);
			fd = openat(dfd, n, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
			if (fd < 0)
				return -1;
			close(fd);
		}
		close(dfd);
	}
	return 0;
}

/* seed of a tree of 1,000,000 entries, with the peak RSS of the installed (unsanitized) build. */
static int test_seed_million(void)
{
	const char *tree = tmp_path("million"), *seed = tmp_path("million.seed");
	char cmd[600], want[64];
	struct rusage ru;
	struct run x;
	int st;
	pid_t pid;

	CHECK(!make_tree(tree, 1000, 999), "making %s: %s", tree, strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(release, release, "seed", tree, "-o", seed, (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0 && wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	      "%s seed %s failed", release, tree);
	printf("# seed of 1,000,000 entries in 1,001 directories: peak RSS %ld KiB\n", ru.ru_maxrss);
	/* Memory follows the tree's depth and pending directories, not its size. */
	CHECK(ru.ru_maxrss < 16 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
	x = run("verify", seed, NULL);
	EXPECT_RUN(x, 0);
	snprintf(want, sizeof(want), "clean: %d records", 1001);	/* one per directory */
	CHECK(strstr(x.out, want), "%s", x.out);
	run_free(&x);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", tree, seed);
	CHECK(!system(cmd), "%s", cmd);
	return 1;
}

/* A seed names the directories everyone may list, is readable by all, and enters no other. */
static int test_seed_private(void)
{
	const char *paths[] = { "pub", "pub/sub", "priv", "priv/inner" };
	char root[300], p[400], *got;
	struct stat st;
	size_t count;
	struct run x;

	snprintf(root, sizeof(root), "%s", tmp_path("seedtree"));
	CHECK(!mkdir(root, 0755), "mkdir %s", root);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, paths[i]);
		CHECK(!mkdir(p, 0755), "mkdir %s", p);
	}
	snprintf(p, sizeof(p), "%s/priv", root);
	CHECK(!chmod(p, 0750), "chmod %s", p);
	x = run("seed", root, "-o", tmp_path("private.seed"), NULL);
	EXPECT_RUN(x, 0);
	CHECK(strstr(x.out, ": 3 directories, ") && strstr(x.out, "; 1 directories others may not list"),
	      "%s", x.out);
	run_free(&x);
	got = records_of(tmp_path("private.seed"), &count);
	CHECK(got && strstr(got, "2 0 pub/ ") && strstr(got, "2 0 pub/sub/ ") && !strstr(got, "priv"),
	      "seed:\n%s", got);
	free(got);
	CHECK(!stat(tmp_path("private.seed"), &st) && (st.st_mode & 07777) == 0644,
	      "seed mode %o, not 0644", st.st_mode & 07777);
	return 1;
}

static int test_export(void)
{
	struct recallfs_record r[32];
	size_t count;
	char *got;
	struct run x;

	scenario(r, NULL);
	x = run("export", tmp_path("scenario"), "-o", tmp_path("lib.seed"), "--under", "lib", NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	got = records_of(tmp_path("lib.seed"), &count);
	/* lib's state alone: no names, no handle, no complete mark; nothing of the others. */
	CHECK(got && !strcmp(got, "2 0 lib/ ino=11\n"), "exported:\n%s", got);
	free(got);
	x = run("dump", tmp_path("lib.seed"), NULL);
	CHECK(!strstr(x.out, "handle=0x81:aabbccdd"), "a handle in the seed:\n%s", x.out);
	run_free(&x);
	x = run("export", tmp_path("scenario"), "-o", tmp_path("bad.seed"), "--under", "../etc", NULL);
	EXPECT_RUN(x, 2);
	run_free(&x);
	return 1;
}

static int test_publish(void)
{
	char feed[300], abs[300], *got;
	size_t count, len;
	struct run x;
	FILE *f;

	snprintf(feed, sizeof(feed), "%s", tmp_path("feed"));	/* tmp_path() reuses its buffers */
	x = run("publish", "--feed", feed, "apps", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "needs --root") && access(feed, F_OK), "%s", x.err);
	run_free(&x);
	snprintf(abs, sizeof(abs), "%s/lib", dir);
	x = run("publish", "--feed", feed, "--root", dir, "apps/foo", abs, NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	x = run("publish", "--feed", feed, "--tree", "opt", NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	got = records_of(feed, &count);
	CHECK(got && !strcmp(got, "3 0 apps/foo/ ino=0\n3 0 lib/ ino=0\n3 1 opt/ ino=0\n"),
	      "feed:\n%s", got);
	free(got);
	/* A publisher that died inside its append: the next one cuts the rest of its record. */
	free(slurp(feed, &len));
	f = fopen(feed, "a");
	CHECK(f && fwrite("\x18\0\0\0\x18\0", 1, 6, f) == 6 && !fclose(f), "append");
	x = run("publish", "--feed", feed, "bin", NULL);
	EXPECT_RUN(x, 0);
	CHECK(strstr(x.err, "cutting a record left unfinished at offset"), "%s", x.err);
	run_free(&x);
	got = records_of(feed, &count);
	CHECK(got && count == 4 && strstr(got, "3 0 bin/ ino=0\n"), "feed:\n%s", got);
	free(got);
	x = run("publish", "--feed", feed, "../etc", NULL);
	EXPECT_RUN(x, 2);
	run_free(&x);
	x = run("publish", "--feed", feed, "/etc", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "must be under --root"), "%s", x.err);
	run_free(&x);
	/* A rotation: the records go, the header's creation time changes. */
	{
		struct recallfs_journal_identity a, b;
		char *before = slurp(feed, &len), *after;
		size_t alen;

		CHECK(before && recallfs_header_decode(before, (__u32)len, &a) > 0, "header");
		x = run("publish", "--feed", feed, "--rotate", "--root", dir, NULL);
		EXPECT_RUN(x, 0);
		run_free(&x);
		after = slurp(feed, &alen);
		CHECK(after && recallfs_header_decode(after, (__u32)alen, &b) == (int)alen &&
		      b.created != a.created, "rotated: %zu bytes", alen);
		free(before);
		free(after);
	}
	return 1;
}

/* Seeds named by a feed: a record each, after the invalidations; only seeds of the feed's tree. */
static int test_publish_seeds(void)
{
	char feed[300], seed[300], other[300], notseed[300], *got;
	size_t count;
	struct run x;
	FILE *f;

	snprintf(feed, sizeof(feed), "%s", tmp_path("seedfeed"));
	snprintf(seed, sizeof(seed), "%s", tmp_path("whole.seed"));
	snprintf(other, sizeof(other), "%s", tmp_path("other"));
	snprintf(notseed, sizeof(notseed), "%s", tmp_path("notseed"));
	x = run("seed", dir, "-o", seed, NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	x = run("publish", "--feed", feed, "--root", dir, "--seed", "whole.seed", "apps", NULL);
	EXPECT_RUN(x, 0);
	CHECK(strstr(x.out, "1 invalidation, 1 seed appended"), "%s", x.out);
	run_free(&x);
	x = run("publish", "--feed", feed, "--seed", seed, NULL);	/* absolute, no --root */
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "must be under --root"), "%s", x.err);
	run_free(&x);
	f = fopen(notseed, "w");
	CHECK(f && fputs("not a journal\n", f) >= 0 && !fclose(f), "write %s", notseed);
	x = run("publish", "--feed", feed, "--root", dir, "--seed", "notseed", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "not a seed"), "%s", x.err);
	run_free(&x);
	/* A seed of another tree (a directory of its own: another root handle). */
	CHECK(!mkdir(other, 0755), "mkdir %s", other);
	x = run("seed", other, "-o", tmp_path("other.seed"), NULL);
	EXPECT_RUN(x, 0);
	run_free(&x);
	x = run("publish", "--feed", feed, "--root", dir, "--seed", "other.seed", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "another tree"), "%s", x.err);
	run_free(&x);
	x = run("publish", "--feed", feed, "--root", dir, "--seed", "/", NULL);
	EXPECT_RUN(x, 2);
	run_free(&x);
	got = records_of(feed, &count);
	CHECK(got && !strcmp(got, "3 0 apps/ ino=0\n4 0 whole.seed/ ino=0\n"), "feed:\n%s", got);
	free(got);
	x = run("dump", feed, NULL);
	CHECK(strstr(x.out, "seed whole.seed"), "dump:\n%s", x.out);
	run_free(&x);
	return 1;
}

/* Publishers at once: every record lands whole, none lost (the lock holds across the scan). */
static int test_publish_concurrent(void)
{
	char feed[300];
	size_t count;
	char *got;
	pid_t pids[4];
	int st;

	snprintf(feed, sizeof(feed), "%s", tmp_path("busy.feed"));
	{
		struct run x = run("publish", "--feed", feed, "--root", dir, "start", NULL);

		EXPECT_RUN(x, 0);
		run_free(&x);
	}
	fflush(stdout);
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			for (int k = 0; k < 50; k++) {
				char d[32];
				pid_t c = fork();

				snprintf(d, sizeof(d), "p%d/d%d", i, k);
				if (!c) {
					execl(release, release, "publish", "--feed", feed, d, (char *)NULL);
					_exit(127);
				}
				if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++)
		CHECK(pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) &&
		      !WEXITSTATUS(st), "publisher %d failed", i);
	got = records_of(feed, &count);
	CHECK(got && count == 1 + 4 * 50, "%zu records, want %d", count, 1 + 4 * 50);
	free(got);
	return 1;
}

static int test_errors(void)
{
	struct run x;

	x = run("frobnicate", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "unknown command 'frobnicate'") && strstr(x.err, "usage:"), "%s", x.err);
	run_free(&x);
	x = run("dump", tmp_path("no-such-journal"), NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "no-such-journal: No such file"), "%s", x.err);
	run_free(&x);
	/* A destination that cannot be written: an error, and nothing left behind. */
	x = run("compact", tmp_path("scenario"), "-o", tmp_path("no/such/dir/out"), NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "cannot create"), "%s", x.err);
	run_free(&x);
	/* Host paths are not on recallfs: the error names the mount they are on. */
	x = run("invalidate", dir, NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "not under a recallfs mount (it is on "), "%s", x.err);
	run_free(&x);
	x = run("invalidate", NULL);
	EXPECT_RUN(x, 2);
	run_free(&x);
	x = run("mode", dir, "sometimes", NULL);
	EXPECT_RUN(x, 2);
	CHECK(strstr(x.err, "'sometimes' is not a mode"), "%s", x.err);
	run_free(&x);
	x = run("stats", dir, NULL);
	EXPECT_RUN(x, 2);
	run_free(&x);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: recallctl-test RECALLCTL RECALLCTL_RELEASE\n");
		return 2;
	}
	recallctl = argv[1];
	release = argv[2];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	report(test_compact(), "compact keeps what a mount's replay keeps, in place and idempotent");
	report(test_verify(), "verify: clean, a flipped byte, a torn tail, not a journal");
	report(test_verify_newer(), "verify: a newer header feature and a must-know record type");
	report(test_dump(), "dump: escaped text and JSON a parser reads, non-UTF-8 names in hex");
	report(test_merge(), "merge: B after A, and journals of different trees refused");
	report(test_export(), "export: a journal's directories under one path, without handles");
	report(test_seed_private(), "seed: only directories everyone may list, in a file all may read");
	report(test_seed_million(), "seed of a tree of 1,000,000 entries in bounded memory");
	report(test_publish(), "publish: invalidations appended to a feed, a torn tail cut first");
	report(test_publish_seeds(), "publish --seed: a record per seed of the feed's tree, others refused");
	report(test_publish_concurrent(), "publish: 200 publishes from 4 publishers at once, none lost");
	report(test_errors(), "errors name the command, the file or the mount");
	printf("1..%d\n", tests);
	if (!failures) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return failures ? 1 : 0;
}
