// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests: warm starts that open, read and run what they find.
 *
 * After a remount in immutable mode, a recorded file is reached through its
 * recorded file handle (no LOOKUP, no ACCESS; at most a GETATTR when NFS no
 * longer caches the inode), and a file everyone may read is read through one
 * lower file per inode, opened with the mounter's credentials and kept while
 * the inode is cached: opening it again sends nothing (no OPEN or CLOSE on
 * NFSv4). A file only some may read is opened by each caller, with the
 * caller's credentials. With what a workload needs seen before, it runs
 * while the NFS server is stopped.
 *
 * Each test mounts its own NFS client of the server-side tree, with
 * actimeo=3600 and nosharecache, so that NFS's own attribute timeouts (not
 * recallfs) send nothing while a test runs, and RPC counts are the test's.
 * The server hands out no delegations while a test runs (fs.leases-enable
 * 0, which knfsd needs for them), as many filers do not: every NFSv4 open
 * is then an OPEN (with a delegation, the client asks ACCESS instead).
 * RPC counts are asserted; timings never.
 *
 * Environment (set by the guest runner; tests SKIP when theirs is missing):
 *   RECALLFS_EXPORT       the server-side (tmpfs) copy of the mktree.sh tree
 *   RECALLFS_NFS_VERSION  "3" or "4.2": the version of the test's NFS mount
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "rig.h"
#include "payload/payload.h"
#include "recallfs_journal.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (600 * RECALLFS_TIME_SCALE)

#define HELLO_BIN	"apps/hello/1.0.0/bin/hello"
#define HELLO_LIB	"apps/hello/1.0.0/lib"
/* Directories the loader searches before the library's, as a long LD_LIBRARY_PATH does. */
#define SEARCH_DIRS	250
#define RUNS		20
#define PATH_ENV	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define LEASES		"/proc/sys/fs/leases-enable"

/* The first line of a small file: 0 or errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return errno;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	return ok ? 0 : EIO;
}

FIXTURE(warm) {
	char base[PATH_MAX];	/* /tmp/warm_test.XXXXXX */
	char nfs[PATH_MAX];	/* base/nfs: this test's NFS mount of the export */
	char mnt[PATH_MAX];	/* base/mnt: recallfs over nfs */
	char journal[PATH_MAX];
	char export[PATH_MAX];	/* RECALLFS_EXPORT */
	char name[64];		/* sysfs name of the current recallfs mount */
	char data[2 * PATH_MAX];
	const char *vers;
	int seq;
	char leases[16];	/* fs.leases-enable before the test */
	struct timespec t0;	/* START() */
	bool server_stopped;
	bool ready;
};

#define REQUIRE_READY() do { if (!self->ready) return; } while (0)

FIXTURE_SETUP(warm)
{
	const char *export = env("RECALLFS_EXPORT");

	if (geteuid() != 0)
		SKIP(return, "recallfs tests must run as root");
	self->vers = env("RECALLFS_NFS_VERSION");
	if (!export || !self->vers)
		SKIP(return, "RECALLFS_EXPORT or RECALLFS_NFS_VERSION is not set");
	ASSERT_TRUE(realpath(export, self->export) != NULL)
		TH_LOG("realpath(RECALLFS_EXPORT=%s): %s", export, strerror(errno));
	ASSERT_EQ(0, enter_private_ns());
	xsnprintf(self->base, sizeof(self->base), "/tmp/warm_test.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->base, 0755));
	path_join(self->nfs, sizeof(self->nfs), self->base, "nfs");
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	path_join(self->journal, sizeof(self->journal), self->base, "journal");
	ASSERT_EQ(0, mkdir(self->nfs, 0755));
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	ASSERT_EQ(0, read_text(LEASES, self->leases, sizeof(self->leases)));
	ASSERT_EQ(0, write_text(LEASES, "0\n"));
	self->ready = true;
}

static int nfsd_threads(const char *n)
{
	const char *const argv[] = { "/usr/sbin/rpc.nfsd", n, NULL };
	const char *const envp[] = { PATH_ENV, NULL };
	char out[512];
	int status;

	if (run_capture(argv, envp, out, sizeof(out), &status))
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

FIXTURE_TEARDOWN(warm)
{
	if (self->server_stopped)
		nfsd_threads("4");
	if (self->leases[0])
		write_text(LEASES, self->leases);
	if (!self->base[0])
		return;
	while (!umount2(self->mnt, MNT_DETACH))
		;
	while (!umount2(self->nfs, MNT_DETACH))
		;
	{
		char p[PATH_MAX];

		/* The feed test's second client. */
		path_join(p, sizeof(p), self->base, "mnt2");
		while (!umount2(p, MNT_DETACH))
			;
		path_join(p, sizeof(p), self->base, "nfs2");
		while (!umount2(p, MNT_DETACH))
			;
	}
	remove_tree(self->base);
}

/* This test's NFS client of the export, trusting its caches for an hour. */
static void mount_nfs(struct __test_metadata *_metadata, FIXTURE_DATA(warm) *self)
{
	char src[PATH_MAX + 16], opts[128], out[1024];
	const char *const argv[] = { "/bin/mount", "-t", "nfs", "-o", opts, src, self->nfs, NULL };
	const char *const envp[] = { PATH_ENV, NULL };
	int status;

	xsnprintf(src, sizeof(src), "127.0.0.1:%s", self->export);
	xsnprintf(opts, sizeof(opts), "vers=%s,actimeo=3600,nosharecache", self->vers);
	ASSERT_EQ(0, run_capture(argv, envp, out, sizeof(out), &status));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("mount -t nfs -o %s %s %s: %s", opts, src, self->nfs, out);
}

/* A new NFS client in place of the test's (recallfs unmounted): no inode cached. */
static void remount_nfs(struct __test_metadata *_metadata, FIXTURE_DATA(warm) *self)
{
	ASSERT_EQ(0, umount2(self->nfs, 0)) TH_LOG("umount %s: %s", self->nfs, strerror(errno));
	mount_nfs(_metadata, self);
}

/* recallfs over the test's NFS mount; @journal false: memory only. */
static int mount_recallfs(FIXTURE_DATA(warm) *self, bool journal, const char *opts)
{
	xsnprintf(self->name, sizeof(self->name), "wt%d-%d", getpid(), ++self->seq);
	if (journal)
		xsnprintf(self->data, sizeof(self->data), "lowerdir=%s,journal=%s,name=%s%s",
			  self->nfs, self->journal, self->name, opts);
	else
		xsnprintf(self->data, sizeof(self->data), "lowerdir=%s,name=%s%s",
			  self->nfs, self->name, opts);
	return mount("none", self->mnt, "recallfs", 0, self->data) ? errno : 0;
}

#define MOUNT_RECALLFS(journal, opts) do { \
	int _err = mount_recallfs(self, journal, opts); \
	ASSERT_EQ(0, _err) TH_LOG("mount -t recallfs -o %s: %s", self->data, strerror(_err)); \
} while (0)

#define UMOUNT_RECALLFS() \
	ASSERT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount %s: %s", self->mnt, strerror(errno))

#define SNAP(r) do { \
	int _err = nfs_rpcs(self->nfs, &(r), NULL, 0); \
	ASSERT_EQ(0, _err) TH_LOG("no NFS mount %s in /proc/self/mountstats: %s", \
				  self->nfs, strerror(_err)); \
} while (0)

#define STATS(var) \
	struct stats var = read_stats(self->name); \
	ASSERT_TRUE(var.ok) TH_LOG("cannot read " SYSFS_ROOT "/%s/stats", self->name)

/* RPCs counted from @a, and the wall time since (for the log: never asserted). */
#define START(a) do { \
	SNAP(a); \
	clock_gettime(CLOCK_MONOTONIC, &self->t0); \
} while (0)

static void log_run(FIXTURE_DATA(warm) *self, const char *what, const struct rpcs *d)
{
	struct timespec t1;
	char buf[256];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	rpc_format(d, buf, sizeof(buf));
	note("%s: %s in %.2f s\n", what, buf, (double)(t1.tv_sec - self->t0.tv_sec) +
	     (t1.tv_nsec - self->t0.tv_nsec) / 1e9);
}

/* Run @stmt and log its RPCs and wall time as @what. */
#define FIGURE(what, stmt) do { \
	struct rpcs _a, _b, _d; \
	START(_a); \
	stmt; \
	SNAP(_b); \
	_d = rpc_delta(&_a, &_b); \
	log_run(self, what, &_d); \
} while (0)

/* Every RPC count of @d is 0. */
#define ZERO_RPCS(d, what) do { \
	for (int _i = 0; _i < RPC_N; _i++) { \
		EXPECT_EQ(0ULL, (d).v[_i]) TH_LOG("%s: %llu %s RPCs, want 0", what, \
						  (d).v[_i], rpc_names[_i]); \
	} \
} while (0)

/* No name, search or listing question reached the server. */
#define NO_NAME_RPCS(d, what) do { \
	static const int _ops[] = { RPC_LOOKUP, RPC_ACCESS, RPC_READDIR, RPC_READDIRPLUS, \
				    RPC_READLINK }; \
	for (size_t _i = 0; _i < ARRAY_SIZE(_ops); _i++) { \
		EXPECT_EQ(0ULL, (d).v[_ops[_i]]) TH_LOG("%s: %llu %s RPCs, want 0", what, \
							(d).v[_ops[_i]], rpc_names[_ops[_i]]); \
	} \
} while (0)

/* ------------------------------------------------------------------ */
/* The files of the tree that everyone may read, with their contents.  */

struct file_set {
	struct strlist rel;
	uint64_t *hash;
	size_t inodes;		/* distinct inode numbers among them */
};

/* Whether everyone may read @rel under @root: the file, and a search of each directory. */
static bool world_readable(const char *root, const char *rel)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	path_join(path, sizeof(path), root, rel);
	if (lstat(path, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 0444) != 0444)
		return false;
	while ((slash = strrchr(path, '/')) && slash > path + strlen(root)) {
		*slash = '\0';
		if (stat(path, &st) || (st.st_mode & 0111) != 0111)
			return false;
	}
	return true;
}

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

/* Up to @max world-readable files under @root, with their digests read through it. */
static void collect_files(struct __test_metadata *_metadata, const char *root, size_t max,
			  struct file_set *fs)
{
	struct strlist all = {};
	char path[PATH_MAX];
	struct stat st;
	ino_t *inos;
	uint64_t len;

	memset(fs, 0, sizeof(*fs));
	ASSERT_EQ(0, collect_tree(root, &all));
	for (size_t i = 0; i < all.n && fs->rel.n < max; i++)
		if (world_readable(root, all.v[i]))
			strlist_add(&fs->rel, all.v[i]);
	strlist_free(&all);
	ASSERT_LT(10U, fs->rel.n) TH_LOG("only %zu readable files under %s", fs->rel.n, root);
	fs->hash = xmalloc(fs->rel.n * sizeof(*fs->hash));
	inos = xmalloc(fs->rel.n * sizeof(*inos));
	for (size_t i = 0; i < fs->rel.n; i++) {
		path_join(path, sizeof(path), root, fs->rel.v[i]);
		ASSERT_EQ(0, digest_file(path, &fs->hash[i], &len)) TH_LOG("read %s", path);
		ASSERT_EQ(0, lstat(path, &st));
		inos[i] = st.st_ino;
	}
	qsort(inos, fs->rel.n, sizeof(*inos), cmp_ino);
	for (size_t i = 0; i < fs->rel.n; i++)
		fs->inodes += !i || inos[i] != inos[i - 1];
	free(inos);
}

static void file_set_free(struct file_set *fs)
{
	strlist_free(&fs->rel);
	free(fs->hash);
}

/* Read every file of @fs under @root; how many differ from their digest. */
static size_t read_files(const char *root, const struct file_set *fs)
{
	char path[PATH_MAX];
	size_t bad = 0;
	uint64_t h, len;

	for (size_t i = 0; i < fs->rel.n; i++) {
		path_join(path, sizeof(path), root, fs->rel.v[i]);
		if (digest_file(path, &h, &len) || h != fs->hash[i]) {
			if (!bad)
				note("first difference: %s\n", fs->rel.v[i]);
			bad++;
		}
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* 1. Opening recorded files after a remount: by handle, then shared.  */

TEST_F(warm, opens_after_remount_bind_by_handle_and_share)
{
	struct rpcs a, b, d;
	struct file_set fs;
	size_t bad;

	REQUIRE_READY();
	mount_nfs(_metadata, self);
	FIGURE("NFS: the files read by a new NFS client",
	       collect_files(_metadata, self->nfs, 200, &fs));
	note("%zu world-readable files, %zu inodes, NFSv%s\n", fs.rel.n, fs.inodes, self->vers);

	MOUNT_RECALLFS(true, ",immutable");
	FIGURE("recallfs cold: the same files", bad = read_files(self->mnt, &fs));
	EXPECT_EQ(0U, bad) TH_LOG("cold: %zu of %zu files differ from NFS", bad, fs.rel.n);
	UMOUNT_RECALLFS();

	/* As after a reboot: a new NFS client, which knows no inode yet. */
	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",immutable");
	START(a);
	bad = read_files(self->mnt, &fs);
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "first opens after both remounts", &d);
	EXPECT_EQ(0U, bad) TH_LOG("warm: %zu of %zu files differ from NFS", bad, fs.rel.n);
	NO_NAME_RPCS(d, "first opens after remount");
	EXPECT_GE(fs.inodes, d.v[RPC_GETATTR]) TH_LOG("%llu GETATTR for %zu files",
						      d.v[RPC_GETATTR], fs.inodes);
	EXPECT_GE(fs.inodes, d.v[RPC_OPEN]) TH_LOG("%llu OPEN for %zu files",
						   d.v[RPC_OPEN], fs.inodes);
	{
		STATS(s);
		note("lower_lookups %lld handle_binds %lld lower_opens %lld shared_opens %lld\n",
		     stat_of(&s, "lower_lookups"), stat_of(&s, "handle_binds"),
		     stat_of(&s, "lower_opens"), stat_of(&s, "shared_opens"));
		EXPECT_EQ(0, stat_of(&s, "lower_lookups"));
		EXPECT_LE((long long)fs.inodes, stat_of(&s, "handle_binds"));
		EXPECT_EQ((long long)fs.inodes, stat_of(&s, "lower_opens"));
	}

	/* Opened before in this mount: nothing at all goes to the server. */
	START(a);
	bad = read_files(self->mnt, &fs);
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "the same opens again", &d);
	EXPECT_EQ(0U, bad);
	ZERO_RPCS(d, "opens of files opened before");
	{
		STATS(s);
		EXPECT_EQ((long long)fs.inodes, stat_of(&s, "lower_opens"));
		EXPECT_EQ((long long)(2 * fs.rel.n - fs.inodes), stat_of(&s, "shared_opens"));
	}
	UMOUNT_RECALLFS();
	file_set_free(&fs);
}

/* ------------------------------------------------------------------ */
/* 2. A program run again and again: its files are opened once.        */

/* LD_LIBRARY_PATH=... of SEARCH_DIRS directories under @root, the library's last. */
static char *search_path(const char *root)
{
	size_t size = (size_t)(SEARCH_DIRS + 1) * (strlen(root) + 48) + 32;
	char *env = xmalloc(size), *p = env;

	p += sprintf(p, "LD_LIBRARY_PATH=");
	for (int i = 0; i < SEARCH_DIRS - 1; i++)
		p += sprintf(p, "%s/%s/lib%03d:", root, i % 2 ? "apps" : "data", i);
	sprintf(p, "%s/%s", root, HELLO_LIB);
	return env;
}

/* Run the payload program under @root; 0 if it worked and printed its greeting. */
static int run_hello(const char *root, char *out, size_t size)
{
	char exe[PATH_MAX];
	char *ld = search_path(root);
	const char *argv[] = { exe, NULL };
	const char *envp[] = { ld, PATH_ENV, NULL };
	int status, err;

	path_join(exe, sizeof(exe), root, HELLO_BIN);
	err = run_capture(argv, envp, out, size, &status);
	free(ld);
	if (err)
		return err;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !strstr(out, GREET_MESSAGE))
		return -1;
	return 0;
}

TEST_F(warm, program_started_again_opens_nothing)
{
	struct rpcs a, b, d;
	char out[4096];
	int err;

	REQUIRE_READY();
	mount_nfs(_metadata, self);
	FIGURE("NFS: the program, first run", err = run_hello(self->nfs, out, sizeof(out)));
	ASSERT_EQ(0, err) TH_LOG("on NFS: %s", out);
	FIGURE("NFS: 19 more runs", for (int i = 1; i < RUNS; i++) run_hello(self->nfs, out, sizeof(out)));
	MOUNT_RECALLFS(true, ",immutable");
	FIGURE("recallfs cold: the program", err = run_hello(self->mnt, out, sizeof(out)));
	ASSERT_EQ(0, err) TH_LOG("cold: %s", out);
	UMOUNT_RECALLFS();

	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",immutable");
	START(a);
	ASSERT_EQ(0, run_hello(self->mnt, out, sizeof(out))) TH_LOG("warm: %s", out);
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "first warm run after both remounts", &d);
	NO_NAME_RPCS(d, "first warm run");
	/* The program and its library. */
	EXPECT_GE(2ULL, d.v[RPC_OPEN]);
	EXPECT_GE(2ULL, d.v[RPC_GETATTR]);

	START(a);
	for (int i = 1; i < RUNS; i++) {
		ASSERT_EQ(0, run_hello(self->mnt, out, sizeof(out))) TH_LOG("run %d: %s", i, out);
	}
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "19 more runs", &d);
	ZERO_RPCS(d, "runs after the first");
	UMOUNT_RECALLFS();
}

/* ------------------------------------------------------------------ */
/* 3. Who shares a lower file: everyone for a file everyone may read.  */

enum { USER_A = 1000, USER_B = 1001 };

/* A directory of the test's own on the server side, removed at teardown with base. */
static void server_file(struct __test_metadata *_metadata, const char *dir, const char *name,
			mode_t mode, uid_t uid)
{
	char path[PATH_MAX];

	path_join(path, sizeof(path), dir, name);
	ASSERT_EQ(0, write_text(path, "contents\n"));
	ASSERT_EQ(0, chown(path, uid, uid));
	ASSERT_EQ(0, chmod(path, mode));
}

TEST_F(warm, sharing_follows_who_may_read)
{
	char dir[PATH_MAX], rel[64], where[PATH_MAX], path[PATH_MAX];
	struct rpcs a, b, d;
	long long opens, shared;
	bool v4;

	REQUIRE_READY();
	v4 = self->vers[0] == '4';
	/* On the server, before this test's NFS client first sees the tree. */
	xsnprintf(rel, sizeof(rel), "scratch/warm.%d", getpid());
	path_join(dir, sizeof(dir), self->export, rel);
	ASSERT_EQ(0, mkdir(dir, 0755));
	server_file(_metadata, dir, "world", 0644, 0);
	server_file(_metadata, dir, "private", 0600, USER_A);
	mount_nfs(_metadata, self);
	MOUNT_RECALLFS(false, ",immutable");

	path_join(where, sizeof(where), self->mnt, rel);
	path_join(path, sizeof(path), where, "world");
	START(a);
	EXPECT_EQ(0, as_user(USER_A, OP_READ, path));
	EXPECT_EQ(0, as_user(USER_B, OP_READ, path));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "two users read a 0644 file", &d);
	{
		STATS(s);
		opens = stat_of(&s, "lower_opens");
		shared = stat_of(&s, "shared_opens");
		EXPECT_EQ(1, opens) TH_LOG("0644 file: %lld lower opens for two users", opens);
		EXPECT_EQ(1, shared);
	}
	if (v4)
		EXPECT_EQ(1ULL, d.v[RPC_OPEN]);

	path_join(path, sizeof(path), where, "private");
	START(a);
	EXPECT_EQ(0, as_user(USER_A, OP_READ, path));
	EXPECT_EQ(0, as_user(USER_A, OP_READ, path));
	EXPECT_EQ(EACCES, as_user(USER_B, OP_READ, path)) TH_LOG("user %d read a 0600 file of %d",
							USER_B, USER_A);
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "a 0600 file: its owner twice, another user refused", &d);
	{
		STATS(s);
		EXPECT_EQ(opens + 2, stat_of(&s, "lower_opens"))
			TH_LOG("0600 file: want one lower open per open of its owner");
		EXPECT_EQ(shared, stat_of(&s, "shared_opens"));
	}
	/* The refused open is refused by the server's OPEN (NFSv4 asks no ACCESS first). */
	if (v4) {
		EXPECT_LE(2ULL, d.v[RPC_OPEN]);
		EXPECT_GE(3ULL, d.v[RPC_OPEN]);
	}
	UMOUNT_RECALLFS();
	remove_tree(dir);
}

/* ------------------------------------------------------------------ */
/* 4. Listings after a remount come from the index.                    */

/* The top-level directories everyone may search to the bottom (private/ and modes/ are not). */
#define OPEN_DIRS	"apps data deep links special"
#define SH_OUT		(512 << 10)

/* Output of `sh -c "cd DIR && CMD"`, malloc'ed; NULL if it failed. */
static char *sh_in(const char *dir, const char *cmd)
{
	char script[PATH_MAX + 256], *out = xmalloc(SH_OUT);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *envp[] = { PATH_ENV, "LC_ALL=C", "TZ=UTC", NULL };
	int status;

	xsnprintf(script, sizeof(script), "cd '%s' && %s", dir, cmd);
	if (run_capture(argv, envp, out, SH_OUT, &status) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		note("%s in %s failed: %.300s\n", cmd, dir, out);
		free(out);
		return NULL;
	}
	return out;
}

#define LS_LR	"ls -lRain --time-style=full-iso " OPEN_DIRS
#define FIND_LS	"find " OPEN_DIRS " -ls"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/*
 * Objects in find -ls output whose mode (the third field) @wanted says, from
 * mode[0] == 'd' (directories) or mode[7] != 'r' (not readable by others).
 */
static size_t count_modes(const char *s, bool (*wanted)(const char *mode))
{
	size_t n = 0;
	char mode[16];

	for (; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (sscanf(s, "%*s %*s %15s", mode) == 1 && strlen(mode) >= 10 && wanted(mode))
			n++;
	return n;
}

static bool is_dir_mode(const char *mode)
{
	return mode[0] == 'd';
}

static bool others_cannot_read(const char *mode)
{
	return mode[7] != 'r';
}

/* @cmd under the recallfs mount prints what it prints under NFS (@want). */
#define SAME_OUTPUT(cmd, want, when) do { \
	char *_got = sh_in(self->mnt, cmd), _diff[512]; \
	ASSERT_TRUE(_got != NULL); \
	first_diff(want, _got, _diff, sizeof(_diff)); \
	EXPECT_STREQ(want, _got) TH_LOG("%s, %s: differs from NFS: %s", cmd, when, _diff); \
	free(_got); \
} while (0)

/* Whether llistxattr() of @rel under @root lists a name. */
static bool lists_names(const char *root, const char *rel)
{
	char path[PATH_MAX], names[1024];

	path_join(path, sizeof(path), root, rel);
	return llistxattr(path, names, sizeof(names)) > 0;
}

TEST_F(warm, listings_after_remount_come_from_the_index)
{
	char *want_ls, *want_find;
	struct rpcs a, b, d;
	size_t objects, dirs, unreadable, bound;

	REQUIRE_READY();
	mount_nfs(_metadata, self);
	FIGURE("NFS: ls -lR by a new NFS client", want_ls = sh_in(self->nfs, LS_LR));
	FIGURE("NFS: find -ls after it", want_find = sh_in(self->nfs, FIND_LS));
	ASSERT_TRUE(want_ls && want_find);
	objects = count_lines(want_find);
	dirs = count_modes(want_find, is_dir_mode);
	unreadable = count_modes(want_find, others_cannot_read);
	note("%zu objects, %zu directories, %zu not readable by others under " OPEN_DIRS "\n",
	     objects, dirs, unreadable);
	MOUNT_RECALLFS(true, ",immutable");
	FIGURE("recallfs cold: ls -lR", SAME_OUTPUT(LS_LR, want_ls, "cold"));
	FIGURE("recallfs cold: find -ls after it", SAME_OUTPUT(FIND_LS, want_find, "cold"));
	UMOUNT_RECALLFS();

	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",immutable");
	START(a);
	SAME_OUTPUT(FIND_LS, want_find, "warm");
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "find -ls after both remounts", &d);
	/* Nothing but a directory bound through its handle, where one is. */
	NO_NAME_RPCS(d, "find -ls after remount");
	EXPECT_GE((unsigned long long)dirs, d.v[RPC_GETATTR]);
	EXPECT_EQ(0ULL, d.v[RPC_OPEN]);
	EXPECT_EQ(0ULL, d.v[RPC_READ]);
	/*
	 * ls -l also asks each object for its security.selinux and POSIX ACL
	 * (older coreutils) or for its list of xattr names (newer): the index
	 * keeps the lower's "none", learned by the cold ls. Only an object not
	 * everyone may read has its list of names asked again (the list may
	 * depend on who asks), bound through its handle: a GETATTR. So does
	 * every object whose list is not empty: over NFSv4 with a server that
	 * has ACLs, each lists system.nfs4_acl, which the index does not keep.
	 */
	START(a);
	SAME_OUTPUT(LS_LR, want_ls, "warm");
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "ls -lR after it", &d);
	NO_NAME_RPCS(d, "ls -lR after remount");
	bound = dirs + unreadable;
	if (lists_names(self->nfs, "apps")) {
		note("the lower lists xattr names of every object: each is bound\n");
		bound = objects;
	}
	EXPECT_GE((unsigned long long)bound, d.v[RPC_GETATTR])
		TH_LOG("ls -lR: %llu GETATTRs for %zu directories and %zu objects not readable by others",
		       d.v[RPC_GETATTR], dirs, unreadable);
	EXPECT_EQ(0ULL, d.v[RPC_OPEN]);
	free(want_ls);
	free(want_find);
	UMOUNT_RECALLFS();
}

/* getdents64 with a buffer of @size bytes: "name ino type" lines, sorted. */
static int getdents_lines(const char *dir, size_t size, struct strlist *out)
{
	char *buf = xmalloc(size), line[512];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (fd < 0) {
		free(buf);
		return errno;
	}
	while ((n = syscall(SYS_getdents64, fd, buf, size)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *de = (void *)(buf + off);

			xsnprintf(line, sizeof(line), "%s %llu %u", de->d_name,
				  (unsigned long long)de->d_ino, de->d_type);
			strlist_add(out, line);
			off += de->d_reclen;
		}
	}
	close(fd);
	free(buf);
	strlist_sort(out);
	return n < 0 ? errno : 0;
}

static bool same_lines(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/* The names from @pos to the end of @d after seekdir(@pos), in order. */
static void names_from(DIR *d, long pos, struct strlist *out)
{
	struct dirent *de;

	seekdir(d, pos);
	while ((de = readdir(d)) != NULL)
		strlist_add(out, de->d_name);
}

#define MANY_NAMES	300

TEST_F(warm, listing_from_the_index_reads_like_the_lowers)
{
	char dir[PATH_MAX], rel[64], where[PATH_MAX], p[PATH_MAX];
	struct strlist want = {}, got = {}, first = {}, again = {};
	struct rpcs a, b, d;
	struct dirent *de;
	long pos = -1;
	DIR *dh;

	REQUIRE_READY();
	xsnprintf(rel, sizeof(rel), "scratch/many.%d", getpid());
	path_join(dir, sizeof(dir), self->export, rel);
	ASSERT_EQ(0, mkdir(dir, 0755));
	for (int i = 0; i < MANY_NAMES; i++) {
		xsnprintf(p, sizeof(p), "%s/%s%03d", dir, i % 3 ? "file-with-a-longer-name-" : "f", i);
		int err;

		if (i % 10 == 0)
			err = mkdir(p, 0755) ? errno : 0;
		else if (i % 10 == 1)
			err = symlink("target", p) ? errno : 0;
		else
			err = write_text(p, "x\n");
		ASSERT_EQ(0, err) TH_LOG("create %s: %s", p, strerror(err));
	}
	mount_nfs(_metadata, self);
	path_join(where, sizeof(where), self->nfs, rel);
	ASSERT_EQ(0, getdents_lines(where, 32768, &want));
	ASSERT_EQ((size_t)MANY_NAMES + 2, want.n);
	MOUNT_RECALLFS(true, ",immutable");
	path_join(where, sizeof(where), self->mnt, rel);
	ASSERT_EQ(0, getdents_lines(where, 32768, &got));	/* cold: recorded */
	EXPECT_TRUE(same_lines(&want, &got));
	strlist_free(&got);
	UMOUNT_RECALLFS();

	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",immutable");
	START(a);
	/* Buffers that hold one name or a few at a time. */
	for (size_t size = 64; size <= 4096; size *= 8) {
		ASSERT_EQ(0, getdents_lines(where, size, &got));
		EXPECT_TRUE(same_lines(&want, &got)) TH_LOG("getdents64 with %zu bytes: %zu names, want %zu",
							    size, got.n, want.n);
		strlist_free(&got);
	}
	/* A position from telldir() leads back to the same names. */
	dh = opendir(where);
	ASSERT_TRUE(dh != NULL);
	for (int i = 0; i < MANY_NAMES / 2 && (de = readdir(dh)); i++)
		pos = telldir(dh);
	ASSERT_LE(0, pos);
	names_from(dh, pos, &first);
	names_from(dh, pos, &again);
	EXPECT_TRUE(same_lines(&first, &again)) TH_LOG("after seekdir: %zu then %zu names",
						       first.n, again.n);
	EXPECT_EQ((size_t)MANY_NAMES + 2 - MANY_NAMES / 2, first.n);
	closedir(dh);
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "listings of a 300-name directory after both remounts", &d);
	ZERO_RPCS(d, "listing a recorded directory");

	/* rewinddir() reads the directory as it is now: here, invalidated and changed. */
	dh = opendir(where);
	ASSERT_TRUE(dh != NULL);
	ASSERT_TRUE(readdir(dh) != NULL);
	xsnprintf(p, sizeof(p), "%s/added", dir);
	ASSERT_EQ(0, write_text(p, "x\n"));
	ASSERT_EQ(0, sysfs_puts(self->name, "invalidate", rel));
	/* Twice: the second reads the lower directory, to which the seek goes too. */
	for (int round = 0; round < 2; round++) {
		rewinddir(dh);
		strlist_free(&first);
		while ((de = readdir(dh)) != NULL)
			strlist_add(&first, de->d_name);
		EXPECT_EQ((size_t)MANY_NAMES + 3, first.n)
			TH_LOG("after rewinddir %d: %zu names", round + 1, first.n);
	}
	closedir(dh);
	UMOUNT_RECALLFS();
	strlist_free(&want);
	strlist_free(&first);
	strlist_free(&again);
	remove_tree(dir);
}

/*
 * The offset of the @nth ENTRY record of directory @dir after its DIR record
 * in journal @buf (@len bytes), or 0. Little-endian host (x86 guests).
 */
static size_t nth_entry_of(const char *buf, size_t len, const char *dir, int nth)
{
	const struct recallfs_journal_header *h = (const void *)buf;
	size_t off = h->header_size, dlen = strlen(dir);
	bool in_dir = false;

	while (off + sizeof(struct recallfs_journal_rec_head) <= len) {
		const struct recallfs_journal_rec_head *r = (const void *)(buf + off);
		size_t fixed = 0;

		if (r->rec_len < sizeof(*r) || off + r->rec_len > len)
			return 0;
		if (r->type == RECALLFS_REC_DIR)
			fixed = sizeof(struct recallfs_journal_dir) +
				(r->flags & RECALLFS_DIR_CHANGE_COOKIE ? 8 : 0);
		else if (r->type == RECALLFS_REC_ENTRY)
			fixed = sizeof(struct recallfs_journal_entry) +
				(r->flags & RECALLFS_ENTRY_POSITIVE ? sizeof(struct recallfs_journal_attr) :
				 r->flags & RECALLFS_ENTRY_TYPED ? sizeof(struct recallfs_journal_listed) : 0);
		if (r->dir_len == dlen && !memcmp(buf + off + sizeof(*r) + fixed, dir, dlen)) {
			if (r->type == RECALLFS_REC_DIR)
				in_dir = true;
			else if (in_dir && r->type == RECALLFS_REC_ENTRY && !nth--)
				return off;
		}
		off += r->rec_len;
	}
	return 0;
}

/*
 * A compacted journal cut among a complete directory's entries (a damaged
 * record: replay stops there) must not replay as a complete directory with
 * only the entries before the cut: its listing and its names are the lower's.
 */
TEST_F(warm, compacted_journal_cut_lists_no_partial_directory)
{
	char dir[PATH_MAX], rel[64], where[PATH_MAX], p[PATH_MAX], *buf;
	struct strlist want = {}, got = {};
	struct stat st;
	size_t len, off;

	REQUIRE_READY();
	xsnprintf(rel, sizeof(rel), "scratch/cut.%d", getpid());
	path_join(dir, sizeof(dir), self->export, rel);
	ASSERT_EQ(0, mkdir(dir, 0755));
	for (int i = 0; i < 20; i++) {
		xsnprintf(p, sizeof(p), "%s/name%02d", dir, i);
		ASSERT_EQ(0, write_text(p, "x\n"));
	}
	mount_nfs(_metadata, self);
	path_join(where, sizeof(where), self->nfs, rel);
	ASSERT_EQ(0, getdents_lines(where, 32768, &want));
	MOUNT_RECALLFS(true, ",immutable");
	path_join(where, sizeof(where), self->mnt, rel);
	ASSERT_EQ(0, getdents_lines(where, 32768, &got));
	EXPECT_TRUE(same_lines(&want, &got));
	strlist_free(&got);
	ASSERT_EQ(0, sysfs_puts(self->name, "compact", "1"));
	UMOUNT_RECALLFS();

	ASSERT_EQ(0, read_file(self->journal, &buf, &len));
	off = nth_entry_of(buf, len, rel, 3);
	ASSERT_NE(0U, off) TH_LOG("no fourth entry of %s in the compacted journal", rel);
	buf[off + sizeof(struct recallfs_journal_rec_head)] ^= 0x40;	/* its CRC fails */
	{
		int fd = open(self->journal, O_WRONLY | O_CLOEXEC);

		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)len, pwrite(fd, buf, len, 0));
		close(fd);
	}
	free(buf);

	MOUNT_RECALLFS(true, ",immutable");
	ASSERT_EQ(0, getdents_lines(where, 32768, &got));
	EXPECT_TRUE(same_lines(&want, &got)) TH_LOG("after the cut: %zu names listed, want %zu",
						    got.n, want.n);
	path_join(p, sizeof(p), where, "name19");
	EXPECT_EQ(0, lstat(p, &st)) TH_LOG("%s after the cut: %s", p, strerror(errno));
	UMOUNT_RECALLFS();
	strlist_free(&want);
	strlist_free(&got);
	remove_tree(dir);
}

/* ------------------------------------------------------------------ */
/* 5. Python imports through a long sys.path.                          */

#define PY_DIRS		50
#define PY_MODULES	2	/* per directory */

/* python3 importing every generated module through PYTHONPATH under @root. */
static int run_imports(const char *root, const char *rel, char *out, size_t size)
{
	size_t len = (size_t)PY_DIRS * (strlen(root) + strlen(rel) + 8) + 16;
	char *pypath = xmalloc(len), *p = pypath;
	const char *argv[] = { "/usr/bin/python3", "-B", "-s", "-S", "-c",
		"import importlib\n"
		"vals = [importlib.import_module('m%02d_%d' % (i, j)).VALUE\n"
		"        for i in range(50) for j in range(2)]\n"
		"print(len(vals), vals[0], vals[-1])\n", NULL };
	const char *envp[] = { pypath, PATH_ENV, "LC_ALL=C.UTF-8", NULL };
	int status, err;

	p += sprintf(p, "PYTHONPATH=");
	for (int i = 0; i < PY_DIRS; i++)
		p += sprintf(p, "%s%s/%s/d%02d", i ? ":" : "", root, rel, i);
	err = run_capture(argv, envp, out, size, &status);
	free(pypath);
	if (err)
		return err;
	return WIFEXITED(status) && !WEXITSTATUS(status) && !strcmp(out, "100 0.0 49.1\n") ? 0 : -1;
}

/* The imports under the recallfs mount (they must work), their RPCs into @d, logged as @what. */
#define MEASURED_IMPORTS(d, what) do { \
	struct rpcs _a, _b; \
	char _out[4096]; \
	START(_a); \
	ASSERT_EQ(0, run_imports(self->mnt, rel, _out, sizeof(_out))) TH_LOG("%s: %s", what, _out); \
	SNAP(_b); \
	(d) = rpc_delta(&_a, &_b); \
	log_run(self, what, &(d)); \
} while (0)

/*
 * The imports in verify mode after both remounts: each directory on the way
 * has its stamp checked once in the interval, by the GETATTR of binding it
 * through its handle, and each module file costs the GETATTR of its own
 * binding. The same imports again within the interval: no GETATTR at all.
 */
static void imports_in_verify_mode(struct __test_metadata *_metadata,
				   FIXTURE_DATA(warm) *self, const char *rel)
{
	/* The PYTHONPATH directories, and the mount root, scratch and rel above them. */
	const unsigned long long dirs = PY_DIRS + 3, files = PY_DIRS * PY_MODULES;
	struct rpcs d;

	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",revalidate=600");
	MEASURED_IMPORTS(d, "the imports in verify mode after both remounts");
	{
		STATS(s);
		long long checks = stat_of(&s, "revalidations");

		note("verify mode: %lld stamp checks, %lld handle binds\n", checks,
		     stat_of(&s, "handle_binds"));
		EXPECT_GE((long long)dirs, checks);
		EXPECT_GE((unsigned long long)checks + files, d.v[RPC_GETATTR])
			TH_LOG("%llu GETATTRs for %lld stamp checks and %llu files",
			       d.v[RPC_GETATTR], checks, files);
	}
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP]);
	EXPECT_EQ(0ULL, d.v[RPC_READDIR]);
	EXPECT_EQ(0ULL, d.v[RPC_READDIRPLUS]);

	MEASURED_IMPORTS(d, "the same imports again in verify mode");
	EXPECT_EQ(0ULL, d.v[RPC_GETATTR]);
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP]);
	UMOUNT_RECALLFS();
}

TEST_F(warm, python_imports_after_remount)
{
	char dir[PATH_MAX], rel[64], p[PATH_MAX], text[64], out[4096];
	struct rpcs d;
	int err;

	REQUIRE_READY();
	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "no /usr/bin/python3");
	xsnprintf(rel, sizeof(rel), "scratch/py.%d", getpid());
	path_join(dir, sizeof(dir), self->export, rel);
	ASSERT_EQ(0, mkdir(dir, 0755));
	for (int i = 0; i < PY_DIRS; i++) {
		xsnprintf(p, sizeof(p), "%s/d%02d", dir, i);
		ASSERT_EQ(0, mkdir(p, 0755));
		for (int j = 0; j < PY_MODULES; j++) {
			xsnprintf(p, sizeof(p), "%s/d%02d/m%02d_%d.py", dir, i, i, j);
			xsnprintf(text, sizeof(text), "VALUE = '%d.%d'\n", i, j);
			ASSERT_EQ(0, write_text(p, text));
		}
	}
	mount_nfs(_metadata, self);
	FIGURE("NFS: the imports by a new NFS client",
	       err = run_imports(self->nfs, rel, out, sizeof(out)));
	ASSERT_EQ(0, err) TH_LOG("on NFS: %s", out);
	FIGURE("NFS: the imports again", err = run_imports(self->nfs, rel, out, sizeof(out)));
	MOUNT_RECALLFS(true, ",immutable");
	FIGURE("recallfs cold: the imports", err = run_imports(self->mnt, rel, out, sizeof(out)));
	ASSERT_EQ(0, err) TH_LOG("cold: %s", out);
	UMOUNT_RECALLFS();

	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(true, ",immutable");
	MEASURED_IMPORTS(d, "100 imports through 50 directories after both remounts");
	NO_NAME_RPCS(d, "imports after remount");
	EXPECT_GE((unsigned long long)PY_DIRS * PY_MODULES, d.v[RPC_GETATTR]);
	EXPECT_GE((unsigned long long)PY_DIRS * PY_MODULES, d.v[RPC_OPEN]);

	MEASURED_IMPORTS(d, "the same imports again");
	ZERO_RPCS(d, "imports run again");
	UMOUNT_RECALLFS();
	imports_in_verify_mode(_metadata, self, rel);
	remove_tree(dir);
}

/* ------------------------------------------------------------------ */
/* 6. A server outage: what was seen before still runs.                */

/* The warm workload: every file read, the program run; 0 if all of it matched. */
static int warm_workload(const char *root, const struct file_set *fs)
{
	char out[4096];

	if (read_files(root, fs))
		return 1;
	return run_hello(root, out, sizeof(out)) ? 2 : 0;
}

/*
 * Run @fn in a child and wait up to @secs for it: its exit status, or -1 if
 * it is still running (then it is left running: it waits on the server).
 */
static int in_child(int (*fn)(void *), void *arg, int secs, pid_t *child)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -2;
	if (pid == 0)
		_exit(fn(arg));
	*child = pid;
	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(100 * 1000);
	}
	return -1;
}

/* Wait for @pid for up to @secs: its exit status, or -1. */
static int reap(pid_t pid, int secs)
{
	int status;

	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(100 * 1000);
	}
	return -1;
}

struct workload_arg {
	const char *root;
	const struct file_set *fs;
};

static int workload_child(void *p)
{
	const struct workload_arg *w = p;

	return warm_workload(w->root, w->fs);
}

static int unseen_child(void *p)
{
	struct stat st;

	return lstat(p, &st) ? errno : 0;
}

TEST_F(warm, server_outage_warm_workload_runs)
{
	char unseen[PATH_MAX];
	struct workload_arg w;
	struct file_set fs;
	pid_t child;
	int ret;

	REQUIRE_READY();
	mount_nfs(_metadata, self);
	collect_files(_metadata, self->nfs, 60, &fs);
	w.root = self->mnt;
	w.fs = &fs;
	MOUNT_RECALLFS(true, ",immutable");
	ASSERT_EQ(0, warm_workload(self->mnt, &fs));
	UMOUNT_RECALLFS();
	/* A remount; the NFS client keeps its inodes and pages. One run opens what it needs. */
	MOUNT_RECALLFS(true, ",immutable");
	ASSERT_EQ(0, warm_workload(self->mnt, &fs));

	ASSERT_EQ(0, nfsd_threads("0")) TH_LOG("rpc.nfsd 0 failed");
	self->server_stopped = true;
	ret = in_child(workload_child, &w, 120 * RECALLFS_TIME_SCALE, &child);
	if (ret == -1) {
		/* It waits on the server: let it finish, then fail. */
		nfsd_threads("4");
		self->server_stopped = false;
		reap(child, 300 * RECALLFS_TIME_SCALE);
	}
	EXPECT_EQ(0, ret) TH_LOG("the warm workload with the server stopped: %s",
				 ret == -1 ? "waited on the server" : "gave other results");

	/*
	 * A name never seen before waits for the server, as on a hard NFS
	 * mount (or is missing at once, where a complete listing says so).
	 */
	path_join(unseen, sizeof(unseen), self->mnt, "apps/never-seen-before");
	if (self->server_stopped) {
		ret = in_child(unseen_child, unseen, 5, &child);
		EXPECT_TRUE(ret == -1 || ret == ENOENT)
			TH_LOG("a lookup with the server stopped answered %d", ret);
		ASSERT_EQ(0, nfsd_threads("4")) TH_LOG("rpc.nfsd 4 failed");
		self->server_stopped = false;
		if (ret == -1) {
			ret = reap(child, 300 * RECALLFS_TIME_SCALE);
			EXPECT_EQ(ENOENT, ret) TH_LOG("after the server came back: %d", ret);
		}
	}
	/* And everything works again. */
	EXPECT_EQ(0, warm_workload(self->mnt, &fs));
	UMOUNT_RECALLFS();
	file_set_free(&fs);
}

/* ---- seeds: a fresh client warm from its first lookup ---- */

/* recallctl (RECALLCTL) with NULL-terminated arguments; its output in @out. Exit status, or -1. */
static int recallctl(char *out, size_t size, ...)
{
	const char *argv[10] = { env("RECALLCTL") };
	const char *const envp[] = { PATH_ENV, NULL };
	int n = 1, status;
	va_list ap;

	if (!argv[0])
		return -1;
	va_start(ap, size);
	while (n < 9 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (run_capture(argv, envp, out, size, &status))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A seed of the whole tree, made through the guest's own NFS mount, as a publisher would. */
static void make_seed(struct __test_metadata *_metadata, FIXTURE_DATA(warm) *self,
		      const char *tree, char *seed, size_t size)
{
	char out[4096];

	path_join(seed, size, self->base, "seed");
	ASSERT_EQ(0, recallctl(out, sizeof(out), "seed", tree, "-o", seed, NULL))
		TH_LOG("recallctl seed %s -o %s: %s", tree, seed, out);
	note("%s", out);
}

/*
 * lstat every name of every directory under apps/ through @root, and four
 * names missing from each; the number of answers that differ from the
 * server's own (type, mode, size, or the error).
 */
static unsigned int probe_apps(FIXTURE_DATA(warm) *self, const char *root, unsigned int *ndirs)
{
	struct strlist all;
	char apps[PATH_MAX];
	unsigned int bad = 0;

	path_join(apps, sizeof(apps), self->export, "apps");
	*ndirs = 0;
	if (collect_tree(apps, &all))
		return 1;
	for (size_t i = 0; i < all.n; i++) {
		char rel[PATH_MAX], mine[PATH_MAX], theirs[PATH_MAX];
		struct stat a, b;
		int ea, eb;

		xsnprintf(rel, sizeof(rel), "apps%s%s", all.v[i][0] ? "/" : "", all.v[i]);
		for (int k = -1; k < 4; k++) {
			char name[PATH_MAX];

			if (k < 0)
				xsnprintf(name, sizeof(name), "%s", rel);
			else
				xsnprintf(name, sizeof(name), "%s/nosuch%d", rel, k);
			path_join(mine, sizeof(mine), root, name);
			path_join(theirs, sizeof(theirs), self->export, name);
			ea = lstat(mine, &a) ? errno : 0;
			eb = lstat(theirs, &b) ? errno : 0;
			if (ea != eb || (!ea && (a.st_mode != b.st_mode ||
						 (S_ISREG(a.st_mode) && a.st_size != b.st_size)))) {
				if (!bad++)
					note("%s: %s, server: %s\n", name, errname(ea), errname(eb));
			}
			if (k < 0 && (eb || !S_ISDIR(b.st_mode)))
				break;	/* not a directory: no names to miss in it */
			if (k < 0)
				(*ndirs)++;
		}
	}
	strlist_free(&all);
	return bad;
}

TEST_F(warm, seeded_fresh_client_sends_no_lookup)
{
	const char *publisher = env("RECALLFS_LOWER");
	char seed[PATH_MAX], opts[PATH_MAX + 64];
	struct rpcs a, b, d;
	unsigned long long control;
	unsigned int ndirs;

	REQUIRE_READY();
	ASSERT_TRUE(publisher != NULL) TH_LOG("RECALLFS_LOWER (the publisher's NFS view) is not set");
	make_seed(_metadata, self, publisher, seed, sizeof(seed));

	/* Without the seed, a new client asks the server for every name. */
	mount_nfs(_metadata, self);
	MOUNT_RECALLFS(false, ",immutable");
	START(a);
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &ndirs));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "new client, no seed", &d);
	control = d.v[RPC_LOOKUP];
	EXPECT_LE(4ULL * ndirs, control) TH_LOG("the workload's misses sent only %llu LOOKUPs", control);
	UMOUNT_RECALLFS();

	/* With it: one listing per directory, no LOOKUP. */
	remount_nfs(_metadata, self);
	xsnprintf(opts, sizeof(opts), ",immutable,seed=%s", seed);
	MOUNT_RECALLFS(false, opts);
	{
		STATS(s);

		EXPECT_EQ(1, stat_of(&s, "seeds"));
		EXPECT_LE((long long)ndirs, stat_of(&s, "seed_dirs"));
	}
	START(a);
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &ndirs));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "new client, seeded", &d);
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP]) TH_LOG("%llu LOOKUPs with the seed (%llu without)",
						 d.v[RPC_LOOKUP], control);
	{
		STATS(s);

		/* apps/ and each directory below it; the root too. */
		EXPECT_LE((long long)ndirs, stat_of(&s, "seed_listings"));
		note("%u directories probed, %lld listed for the seed\n", ndirs,
		     stat_of(&s, "seed_listings"));
	}

	/* Everything is in the index now. */
	START(a);
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &ndirs));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "seeded client, again", &d);
	ZERO_RPCS(d, "the same probes again");
}

TEST_F(warm, seeds_that_do_not_fit_are_ignored)
{
	const char *publisher = env("RECALLFS_LOWER");
	char seed[PATH_MAX], junk[PATH_MAX], apps[PATH_MAX], opts[4 * PATH_MAX], line[512];
	int kmsg, kmsg2;

	REQUIRE_READY();
	ASSERT_TRUE(publisher != NULL);
	/* A seed of apps/ is the seed of another tree than the whole one. */
	path_join(apps, sizeof(apps), publisher, "apps");
	make_seed(_metadata, self, apps, seed, sizeof(seed));
	path_join(junk, sizeof(junk), self->base, "junk");
	ASSERT_EQ(0, write_text(junk, "not a journal\n"));
	mount_nfs(_metadata, self);
	kmsg = kmsg_open_tail();
	kmsg2 = kmsg_open_tail();	/* kmsg_find() consumes what it reads: one per message */
	xsnprintf(opts, sizeof(opts), ",immutable,seed=%s,seed=%s,seed=%s/missing", seed, junk,
		  self->base);
	MOUNT_RECALLFS(false, opts);
	{
		STATS(s);

		EXPECT_EQ(0, stat_of(&s, "seeds"));
		EXPECT_EQ(0, stat_of(&s, "seed_dirs"));
	}
	EXPECT_TRUE(kmsg_find(kmsg, "seed ", "describes another lower tree", "", line, sizeof(line)))
		TH_LOG("no log line for the seed of apps/");
	EXPECT_TRUE(kmsg_find(kmsg2, "seed ", "no valid journal header", "", line, sizeof(line)))
		TH_LOG("no log line for a seed that is not a journal");
	close(kmsg);
	close(kmsg2);
	/* The mount works as without seeds. */
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &(unsigned int){ 0 }));
	/* A remount may not change them. */
	xsnprintf(opts, sizeof(opts), "seed=%s", junk);
	EXPECT_NE(0, mount(NULL, self->mnt, NULL, MS_REMOUNT | MS_RDONLY, opts));
	UMOUNT_RECALLFS();
}

/* Make @rel in the export: @kind 'f' a copy of /bin/true (@mode), 'c' /dev/null's device, 'd' a directory with a file. */
static int export_make(FIXTURE_DATA(warm) *self, const char *rel, char kind, mode_t mode)
{
	char path[PATH_MAX], inner[PATH_MAX + 8], *buf;
	size_t len;
	FILE *f;

	path_join(path, sizeof(path), self->export, rel);
	if (kind == 'c')
		return mknod(path, S_IFCHR | 0666, makedev(1, 3)) ? errno : 0;
	if (kind == 'd') {
		xsnprintf(inner, sizeof(inner), "%s/inner", path);
		return mkdir(path, 0755) || write_text(inner, "inner\n") ? errno : 0;
	}
	if (read_file("/bin/true", &buf, &len))
		return EIO;
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		free(buf);
		return EIO;
	}
	free(buf);
	return chmod(path, mode) ? errno : 0;
}

TEST_F(warm, forged_seed_grants_nothing)
{
	const char *publisher = env("RECALLFS_LOWER");
	char seed[PATH_MAX], opts[PATH_MAX + 64], path[PATH_MAX], forgery[PATH_MAX], out[256];
	const char *const envp[] = { PATH_ENV, NULL };
	struct stat st;
	int status;

	REQUIRE_READY();
	ASSERT_TRUE(publisher != NULL);
	path_join(forgery, sizeof(forgery), self->export, "forgery");
	remove_tree(forgery);
	ASSERT_EQ(0, mkdir(forgery, 0755));
	/* What the seed will say: a setuid program, a device node, a directory. */
	ASSERT_EQ(0, export_make(self, "forgery/prog", 'f', 04755));
	ASSERT_EQ(0, export_make(self, "forgery/data", 'c', 0));
	ASSERT_EQ(0, export_make(self, "forgery/file", 'd', 0));
	make_seed(_metadata, self, publisher, seed, sizeof(seed));
	/* What the server has: a plain program, a plain file, a file. */
	path_join(path, sizeof(path), forgery, "prog");
	ASSERT_EQ(0, chmod(path, 0755));
	path_join(path, sizeof(path), forgery, "data");
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, write_text(path, "honest\n"));
	path_join(path, sizeof(path), forgery, "file");
	remove_tree(path);
	ASSERT_EQ(0, write_text(path, "a file\n"));

	mount_nfs(_metadata, self);
	xsnprintf(opts, sizeof(opts), ",immutable,seed=%s", seed);
	MOUNT_RECALLFS(false, opts);
	path_join(path, sizeof(path), self->mnt, "forgery/prog");
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_EQ(0100755, st.st_mode) TH_LOG("prog: mode 0%o", st.st_mode);

	{
		const char *const argv[] = { path, NULL };

		ASSERT_EQ(0, run_capture(argv, envp, out, sizeof(out), &status));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("prog: %s", out);
	}
	path_join(path, sizeof(path), self->mnt, "forgery/data");
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("data: mode 0%o", st.st_mode);
	EXPECT_EQ(0, read_text(path, out, sizeof(out)));
	EXPECT_STREQ("honest\n", out);
	EXPECT_EQ(0, as_user(NOBODY_ID, OP_READ, path));
	path_join(path, sizeof(path), self->mnt, "forgery/file");
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("file: mode 0%o", st.st_mode);
	path_join(path, sizeof(path), self->mnt, "forgery/file/inner");
	EXPECT_EQ(-1, lstat(path, &st));
	EXPECT_EQ(ENOTDIR, errno);
	{
		STATS(s);

		/* The seed was used: the directories it names were listed, from the server. */
		EXPECT_EQ(1, stat_of(&s, "seeds"));
		EXPECT_LE(2, stat_of(&s, "seed_listings"));
	}
	UMOUNT_RECALLFS();
	remove_tree(forgery);
}

/* ---- the invalidation feed ---- */

/* A second client: its own NFS mount at @nfs and recallfs at @mnt, named @name. */
static int mount_client(FIXTURE_DATA(warm) *self, const char *nfs, const char *mnt,
			const char *name, const char *opts)
{
	char src[PATH_MAX + 16], nfsopts[128], out[1024], data[3 * PATH_MAX];
	const char *const argv[] = { "/bin/mount", "-t", "nfs", "-o", nfsopts, src, nfs, NULL };
	const char *const envp[] = { PATH_ENV, NULL };
	int status;

	xsnprintf(src, sizeof(src), "127.0.0.1:%s", self->export);
	xsnprintf(nfsopts, sizeof(nfsopts), "vers=%s,actimeo=3600,nosharecache", self->vers);
	if (mkdir(nfs, 0755) || mkdir(mnt, 0755) ||
	    run_capture(argv, envp, out, sizeof(out), &status) || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	xsnprintf(data, sizeof(data), "lowerdir=%s,name=%s%s", nfs, name, opts);
	return mount("none", mnt, "recallfs", 0, data) ? errno : 0;
}

/* Wait up to @ms for @path to exist; the milliseconds it took, or -1. */
static long wait_exists(const char *path, long ms)
{
	struct timespec t0, t;
	struct stat st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long el;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (!lstat(path, &st))
			return el;
		if (el > ms)
			return -1;
		usleep(50 * 1000);
	}
}

#define FEED_INTERVAL	1	/* seconds */

/* A new feed at the tree's root, @feed, with one record (apps) in it. */
static void start_feed(struct __test_metadata *_metadata, const char *publisher, char *feed,
		       size_t size)
{
	char out[4096];

	path_join(feed, size, publisher, ".feed");
	unlink(feed);
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "--root", publisher,
			       "apps", NULL)) TH_LOG("publish: %s", out);
}

TEST_F(warm, feed_reaches_two_clients)
{
	const char *publisher = env("RECALLFS_LOWER");
	char feed[PATH_MAX], opts[PATH_MAX + 64], out[4096], path[PATH_MAX], tmp[PATH_MAX];
	char nfs2[PATH_MAX], mnt2[PATH_MAX], name2[64], feed2[PATH_MAX + 16];
	const char *mnts[2] = { self->mnt, mnt2 }, *nfss[2] = { self->nfs, nfs2 };
	const char *names[2] = { self->name, name2 };
	struct rpcs before[2], after[2];
	long long checks[2];
	struct stat st;

	REQUIRE_READY();
	ASSERT_TRUE(publisher != NULL);
	start_feed(_metadata, publisher, feed, sizeof(feed));
	path_join(path, sizeof(path), self->export, "apps/newapp");
	remove_tree(path);

	/* Two clients, each with its own NFS mount of the tree, both reading the feed. */
	mount_nfs(_metadata, self);
	xsnprintf(opts, sizeof(opts), ",immutable,feed=%s/.feed,feed_interval=%d", self->nfs,
		  FEED_INTERVAL);
	MOUNT_RECALLFS(false, opts);
	path_join(nfs2, sizeof(nfs2), self->base, "nfs2");
	path_join(mnt2, sizeof(mnt2), self->base, "mnt2");
	xsnprintf(name2, sizeof(name2), "wt%d-feed2", getpid());
	xsnprintf(feed2, sizeof(feed2), ",immutable,feed=%s/.feed,feed_interval=%d", nfs2,
		  FEED_INTERVAL);
	ASSERT_EQ(0, mount_client(self, nfs2, mnt2, name2, feed2)) TH_LOG("second client: %s",
									  strerror(errno));
	for (int c = 0; c < 2; c++) {
		path_join(path, sizeof(path), mnts[c], "apps/newapp/1.0");
		EXPECT_EQ(-1, lstat(path, &st));	/* recorded missing: immutable */
		EXPECT_EQ(-1, lstat(path, &st));
	}

	/* Publish: the version is renamed into place on the server, then one feed record. */
	path_join(tmp, sizeof(tmp), self->export, "apps/.newapp.tmp");
	remove_tree(tmp);
	ASSERT_EQ(0, mkdir(tmp, 0755));
	path_join(path, sizeof(path), tmp, "1.0");
	ASSERT_EQ(0, mkdir(path, 0755));
	path_join(path, sizeof(path), self->export, "apps/newapp");
	ASSERT_EQ(0, rename(tmp, path));
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "apps", NULL))
		TH_LOG("publish: %s", out);
	for (int c = 0; c < 2; c++) {
		long ms;

		path_join(path, sizeof(path), mnts[c], "apps/newapp/1.0");
		ms = wait_exists(path, (FEED_INTERVAL + 1) * 1000L * RECALLFS_TIME_SCALE);
		EXPECT_LE(0, ms) TH_LOG("client %d: apps/newapp/1.0 not seen within %d s", c + 1,
					(FEED_INTERVAL + 1) * RECALLFS_TIME_SCALE);
		note("client %d saw the new version after %ld ms (feed_interval=%d)\n", c + 1, ms,
		     FEED_INTERVAL);
	}

	/* An idle feed: one GETATTR per check, nothing else. */
	for (int c = 0; c < 2; c++) {
		ASSERT_EQ(0, nfs_rpcs(nfss[c], &before[c], NULL, 0));
		checks[c] = stat_of((struct stats[]){ read_stats(names[c]) }, "feed_checks");
	}
	clock_gettime(CLOCK_MONOTONIC, &self->t0);
	sleep(5);
	for (int c = 0; c < 2; c++) {
		struct rpcs d;
		long long n;

		ASSERT_EQ(0, nfs_rpcs(nfss[c], &after[c], NULL, 0));
		n = stat_of((struct stats[]){ read_stats(names[c]) }, "feed_checks") - checks[c];
		d = rpc_delta(&before[c], &after[c]);
		log_run(self, c ? "client 2, idle feed, 5 s" : "client 1, idle feed, 5 s", &d);
		/* The counter moves just before its GETATTR: one may fall on either side of a sample. */
		EXPECT_GE(1LL, llabs((long long)d.v[RPC_GETATTR] - n))
			TH_LOG("client %d: %lld checks, %llu GETATTR", c + 1, n, d.v[RPC_GETATTR]);
		EXPECT_LE(3, n);
		EXPECT_GE(6, n);
		EXPECT_EQ(d.v[RPC_GETATTR], rpc_total(&d)) TH_LOG("client %d: RPCs besides GETATTR", c + 1);
	}

	/* A rotation: each client forgets everything, once, and follows the new feed. */
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "--rotate", "--root",
			       publisher, NULL)) TH_LOG("publish --rotate: %s", out);
	for (int c = 0; c < 2; c++) {
		long long resets = 0;

		for (int i = 0; i < 40 * RECALLFS_TIME_SCALE && resets < 1; i++) {
			usleep(100 * 1000);
			resets = stat_of((struct stats[]){ read_stats(names[c]) }, "feed_resets");
		}
		EXPECT_EQ(1, resets) TH_LOG("client %d: feed_resets %lld after the rotation", c + 1, resets);
		EXPECT_EQ(0, stat_of((struct stats[]){ read_stats(names[c]) }, "directories"));
	}
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "apps", NULL))
		TH_LOG("publish after the rotation: %s", out);
	sleep(3 * FEED_INTERVAL);
	for (int c = 0; c < 2; c++) {
		struct stats s = read_stats(names[c]);

		/* One reset, not one per check; the record after the rotation was applied. */
		EXPECT_EQ(1, stat_of(&s, "feed_resets")) TH_LOG("client %d", c + 1);
		EXPECT_LE(3, stat_of(&s, "feed_invalidations")) TH_LOG("client %d", c + 1);
	}
	ASSERT_EQ(0, umount2(mnt2, 0));
	ASSERT_EQ(0, umount2(nfs2, 0));
	UMOUNT_RECALLFS();
	path_join(path, sizeof(path), self->export, "apps/newapp");
	remove_tree(path);
	unlink(feed);
}

/* Wait up to @ms for stat @key of mount @name to reach @want; its last value. */
static long long wait_stat(const char *name, const char *key, long long want, long ms)
{
	long long v = -1;

	for (long el = 0;; el += 100) {
		v = stat_of((struct stats[]){ read_stats(name) }, key);
		if (v >= want || el > ms)
			return v;
		usleep(100 * 1000);
	}
}

/* A seed of the whole tree, made on the publisher's side, inside the tree at @rel. */
static void make_tree_seed(struct __test_metadata *_metadata, const char *publisher,
			   const char *rel)
{
	char seed[PATH_MAX], out[4096];

	path_join(seed, sizeof(seed), publisher, rel);
	unlink(seed);
	ASSERT_EQ(0, recallctl(out, sizeof(out), "seed", publisher, "-o", seed, NULL))
		TH_LOG("recallctl seed %s -o %s: %s", publisher, seed, out);
}

#define FEED_WAIT_MS	((FEED_INTERVAL + 1) * 1000L * RECALLFS_TIME_SCALE)

TEST_F(warm, feed_names_a_seed)
{
	const char *publisher = env("RECALLFS_LOWER");
	char feed[PATH_MAX], opts[PATH_MAX + 64], out[4096], path[PATH_MAX], outside[PATH_MAX];
	struct rpcs a, b, d;
	long long checks;
	unsigned int ndirs;

	REQUIRE_READY();
	ASSERT_TRUE(publisher != NULL);
	start_feed(_metadata, publisher, feed, sizeof(feed));
	mount_nfs(_metadata, self);
	xsnprintf(opts, sizeof(opts), ",immutable,feed=%s/.feed,feed_interval=%d", self->nfs,
		  FEED_INTERVAL);
	MOUNT_RECALLFS(false, opts);
	EXPECT_EQ(0, stat_of((struct stats[]){ read_stats(self->name) }, "seeds"));

	/* A release names its seed in the feed: the mount loads it at its next check. */
	make_tree_seed(_metadata, publisher, ".tree.seed");
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "--root", publisher,
			       "--seed", ".tree.seed", NULL)) TH_LOG("publish --seed: %s", out);
	EXPECT_EQ(1, wait_stat(self->name, "seeds", 1, FEED_WAIT_MS))
		TH_LOG("the seed was not loaded within %ld ms", FEED_WAIT_MS);
	START(a);
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &ndirs));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "client, seed named by the feed", &d);
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP]) TH_LOG("%llu LOOKUPs with the feed's seed",
						 d.v[RPC_LOOKUP]);
	{
		STATS(s);

		EXPECT_LE((long long)ndirs, stat_of(&s, "seed_dirs"));
		EXPECT_LE((long long)ndirs, stat_of(&s, "seed_listings"));
	}

	/* Named again unchanged: not read again. */
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "--seed", ".tree.seed",
			       NULL)) TH_LOG("publish --seed: %s", out);
	checks = stat_of((struct stats[]){ read_stats(self->name) }, "feed_checks");
	ASSERT_LE(checks + 2, wait_stat(self->name, "feed_checks", checks + 2, 2 * FEED_WAIT_MS));
	EXPECT_EQ(1, stat_of((struct stats[]){ read_stats(self->name) }, "seeds"));

	/*
	 * A seed reached through a symlink out of the tree is not loaded: the
	 * feed's paths are looked up from the lower root, through no symlink.
	 */
	make_seed(_metadata, self, publisher, outside, sizeof(outside));	/* outside the export */
	path_join(path, sizeof(path), self->export, ".escape.seed");
	unlink(path);
	ASSERT_EQ(0, symlink(outside, path));
	ASSERT_EQ(0, recallctl(out, sizeof(out), "publish", "--feed", feed, "--seed", ".escape.seed",
			       NULL)) TH_LOG("publish --seed: %s", out);
	checks = stat_of((struct stats[]){ read_stats(self->name) }, "feed_checks");
	ASSERT_LE(checks + 2, wait_stat(self->name, "feed_checks", checks + 2, 2 * FEED_WAIT_MS));
	EXPECT_EQ(1, stat_of((struct stats[]){ read_stats(self->name) }, "seeds"));

	/* A new mount: the feed is read from its start, and the seed it names loaded once. */
	UMOUNT_RECALLFS();
	remount_nfs(_metadata, self);
	MOUNT_RECALLFS(false, opts);
	EXPECT_EQ(1, stat_of((struct stats[]){ read_stats(self->name) }, "seeds"));
	START(a);
	EXPECT_EQ(0U, probe_apps(self, self->mnt, &ndirs));
	SNAP(b);
	d = rpc_delta(&a, &b);
	log_run(self, "new mount, seed named by the feed", &d);
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP]);
	UMOUNT_RECALLFS();
	unlink(path);
	path_join(path, sizeof(path), publisher, ".tree.seed");
	unlink(path);
	unlink(feed);
}

TEST_HARNESS_MAIN
