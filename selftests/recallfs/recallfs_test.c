// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests.
 *
 * recallfs is a read-only stacking filesystem over a lower directory
 * (normally NFS).  Every test compares what recallfs gives with what the
 * lower filesystem gives directly, so expected values come from the lower
 * and not from this file.
 *
 * Environment (set by the guest runner; tests SKIP when theirs is missing):
 *   RECALLFS_LOWER        NFS view of the tree made by mktree.sh
 *   RECALLFS_EXPORT       server-side copy of that tree ("lower unchanged")
 *   RECALLFS_MODULE       recallfs.ko, for the rmmod/insmod test
 *   RECALLFS_NFS_VERSION  "3" or "4.2", only logged
 *
 * Each test runs in its own process (kselftest harness) and its own mount
 * namespace, with recallfs mounted on a fresh temporary directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "payload/payload.h"

/*
 * Tests walk a few hundred NFS objects, maybe in an emulated VM: the
 * harness default of 30 s is too short.  TEST_F() expands this at use.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (180 * RECALLFS_TIME_SCALE)

#define RECALLFS_MAGIC	0x52434c46	/* "RCLF" */
#define NOBODY_ID	65534
#define MAX_REPORTS	40		/* mismatch lines logged per walk */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Paths inside the tree made by mktree.sh. */
#define HELLO_DIR	"apps/hello/1.0.0"
#define HELLO_CURRENT	"apps/hello/current"
#define PLUGIN_LIB	"apps/plugin/2.1.0/lib64/libplugin.so"
#define PY_DIR		"apps/pytools/3.0.0/python"
#define SMALL_FILE	"data/small.txt"
#define MEDIUM_FILE	"data/medium.bin"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static const char *errname(int err)
{
	return err ? strerror(err) : "success";
}

/* Own mount namespace with private propagation: nothing leaks out. */
static int enter_private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return errno;
	return 0;
}

/* mkdtemp, world-searchable so the non-root test can reach the mount. */
static int make_base(char *base, size_t size)
{
	snprintf(base, size, "/tmp/recallfs_test.XXXXXX");
	if (!mkdtemp(base))
		return errno;
	if (chmod(base, 0755))
		return errno;
	return 0;
}

static int mount_recallfs_data(const char *mnt, const char *data)
{
	return mount("none", mnt, "recallfs", 0, data) ? errno : 0;
}

static int mount_recallfs(const char *lower, const char *mnt)
{
	char data[PATH_MAX + 16];

	snprintf(data, sizeof(data), "lowerdir=%s", lower);
	return mount_recallfs_data(mnt, data);
}

/* 0 or errno of lstat(), filling st. */
static int lstat_err(const char *path, struct stat *st)
{
	return lstat(path, st) ? errno : 0;
}

static int stat_err(const char *path, struct stat *st)
{
	return stat(path, st) ? errno : 0;
}

/* ------------------------------------------------------------------ */
/* The main fixture: recallfs mounted at base/mnt over RECALLFS_LOWER. */

#define MAX_MOUNTS 4

FIXTURE(recallfs) {
	char base[PATH_MAX];	/* temporary directory, removed in teardown */
	char mnt[PATH_MAX];	/* recallfs mount point, base/mnt */
	char lower[PATH_MAX];	/* canonical RECALLFS_LOWER */
	char mounts[MAX_MOUNTS][PATH_MAX];	/* to detach in teardown */
	int nmounts;
	/*
	 * The 6.1 harness runs the test body even after SKIP() in setup,
	 * so every test starts with REQUIRE_READY().
	 */
	bool ready;
};

#define REQUIRE_READY() do { if (!self->ready) return; } while (0)

static void note_mount(FIXTURE_DATA(recallfs) *self, const char *path)
{
	if (self->nmounts < MAX_MOUNTS)
		snprintf(self->mounts[self->nmounts++], PATH_MAX, "%s", path);
}

FIXTURE_SETUP(recallfs)
{
	const char *lower = env("RECALLFS_LOWER");
	int err;

	if (geteuid() != 0)
		SKIP(return, "recallfs tests must run as root");
	if (!lower)
		SKIP(return, "RECALLFS_LOWER is not set");
	ASSERT_TRUE(realpath(lower, self->lower) != NULL)
		TH_LOG("realpath(RECALLFS_LOWER=%s): %s", lower, strerror(errno));
	err = enter_private_ns();
	ASSERT_EQ(0, err) TH_LOG("private mount namespace: %s", strerror(err));
	err = make_base(self->base, sizeof(self->base));
	ASSERT_EQ(0, err) TH_LOG("mkdtemp: %s", strerror(err));
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	err = mount_recallfs(self->lower, self->mnt);
	ASSERT_EQ(0, err) TH_LOG("mount -t recallfs -o lowerdir=%s %s: %s",
				 self->lower, self->mnt, strerror(err));
	note_mount(self, self->mnt);
	self->ready = true;
}

FIXTURE_TEARDOWN(recallfs)
{
	for (int i = self->nmounts - 1; i >= 0; i--)
		umount2(self->mounts[i], MNT_DETACH);
	if (self->base[0])
		remove_tree(self->base);
}

/* ------------------------------------------------------------------ */
/* Tree walker: compares the tree at got (recallfs or overlay) with ref. */

enum walk_checks {
	W_READDIR = 1 << 0,	/* names, d_type, d_ino per directory */
	W_STAT = 1 << 1,	/* lstat fields */
	W_DATA = 1 << 2,	/* regular file contents */
	W_LINK = 1 << 3,	/* readlink and stat() through the link */
	W_XATTR = 1 << 4,	/* llistxattr + lgetxattr */
};

struct walk {
	struct __test_metadata *md;
	const char *ref;	/* the NFS lower */
	const char *got;	/* the tree under test */
	const char *got_name;	/* "recallfs" or "overlay", for messages */
	unsigned int checks;
	bool overlay;		/* overlay: inode numbers and dirs differ */
	unsigned int mismatches;
	unsigned int dirs, files, symlinks, xattrs;
	unsigned long long bytes;
};

#define MISMATCH(w, fmt, ...) do { \
	struct __test_metadata *_metadata = (w)->md; \
	if ((w)->mismatches++ < MAX_REPORTS) \
		TH_LOG(fmt, ##__VA_ARGS__); \
} while (0)

static const char *shown(const char *rel)
{
	return rel[0] ? rel : ".";
}

static void cmp_num(struct walk *w, const char *rel, const char *field,
		    unsigned long long ref, unsigned long long got)
{
	if (ref != got)
		MISMATCH(w, "%s: %s differs: nfs=%llu %s=%llu", shown(rel),
			 field, ref, w->got_name, got);
}

static void cmp_time(struct walk *w, const char *rel, const char *field,
		     const struct timespec *ref, const struct timespec *got)
{
	if (ref->tv_sec != got->tv_sec || ref->tv_nsec != got->tv_nsec)
		MISMATCH(w, "%s: %s differs: nfs=%lld.%09ld %s=%lld.%09ld",
			 shown(rel), field, (long long)ref->tv_sec,
			 ref->tv_nsec, w->got_name, (long long)got->tv_sec,
			 got->tv_nsec);
}

static void compare_stat(struct walk *w, const char *rel,
			 const struct stat *a, const struct stat *b)
{
	/* overlayfs reports its own values for directories and inodes. */
	bool full = !w->overlay || !S_ISDIR(a->st_mode);

	if (a->st_mode != b->st_mode)
		MISMATCH(w, "%s: st_mode differs: nfs=0%o %s=0%o", shown(rel),
			 (unsigned int)a->st_mode, w->got_name,
			 (unsigned int)b->st_mode);
	cmp_num(w, rel, "st_uid", a->st_uid, b->st_uid);
	cmp_num(w, rel, "st_gid", a->st_gid, b->st_gid);
	if (!w->overlay)
		cmp_num(w, rel, "st_ino", a->st_ino, b->st_ino);
	if (!full)
		return;
	cmp_num(w, rel, "st_size", a->st_size, b->st_size);
	cmp_num(w, rel, "st_blocks", a->st_blocks, b->st_blocks);
	cmp_num(w, rel, "st_nlink", a->st_nlink, b->st_nlink);
	cmp_time(w, rel, "st_mtime", &a->st_mtim, &b->st_mtim);
	cmp_time(w, rel, "st_ctime", &a->st_ctim, &b->st_ctim);
}

static void compare_data(struct walk *w, const char *rel, const char *a,
			 const char *b, const struct stat *st)
{
	uint64_t ha, hb, la, lb;
	int ea, eb;

	ea = digest_file(a, &ha, &la);
	eb = digest_file(b, &hb, &lb);
	if (ea || eb) {
		MISMATCH(w, "%s: reading failed: nfs=%s %s=%s", rel,
			 errname(ea), w->got_name, errname(eb));
		return;
	}
	if (ha != hb || la != lb)
		MISMATCH(w, "%s: contents differ: nfs %llu bytes fnv %016llx, %s %llu bytes fnv %016llx",
			 rel, (unsigned long long)la, (unsigned long long)ha,
			 w->got_name, (unsigned long long)lb,
			 (unsigned long long)hb);
	if (la != (uint64_t)st->st_size)
		MISMATCH(w, "%s: read %llu bytes from nfs but st_size is %lld",
			 rel, (unsigned long long)la, (long long)st->st_size);
	w->files++;
	w->bytes += lb;
}

static void compare_link(struct walk *w, const char *rel, const char *a,
			 const char *b)
{
	char ta[PATH_MAX], tb[PATH_MAX];
	struct stat sa, sb;
	ssize_t na, nb;
	int ea, eb;

	na = readlink(a, ta, sizeof(ta) - 1);
	ea = na < 0 ? errno : 0;
	nb = readlink(b, tb, sizeof(tb) - 1);
	eb = nb < 0 ? errno : 0;
	ta[na < 0 ? 0 : na] = '\0';
	tb[nb < 0 ? 0 : nb] = '\0';
	if (ea != eb || strcmp(ta, tb))
		MISMATCH(w, "%s: readlink differs: nfs='%s' (%s) %s='%s' (%s)",
			 rel, ta, errname(ea), w->got_name, tb, errname(eb));
	/* Following the link must end at the same object (or error). */
	ea = stat_err(a, &sa);
	eb = stat_err(b, &sb);
	if (ea != eb) {
		MISMATCH(w, "%s: stat() through link: nfs=%s %s=%s", rel,
			 errname(ea), w->got_name, errname(eb));
	} else if (!ea) {
		if (sa.st_mode != sb.st_mode || sa.st_size != sb.st_size ||
		    (!w->overlay && sa.st_ino != sb.st_ino))
			MISMATCH(w, "%s: stat() through link: nfs mode 0%o size %lld ino %llu, %s mode 0%o size %lld ino %llu",
				 rel, (unsigned int)sa.st_mode,
				 (long long)sa.st_size,
				 (unsigned long long)sa.st_ino, w->got_name,
				 (unsigned int)sb.st_mode,
				 (long long)sb.st_size,
				 (unsigned long long)sb.st_ino);
	}
	w->symlinks++;
}

static void compare_xattr_value(struct walk *w, const char *rel,
				const char *a, const char *b, const char *name)
{
	char *va, *vb;
	size_t la, lb;
	int ea, eb;

	ea = get_xattr(a, name, &va, &la);
	eb = get_xattr(b, name, &vb, &lb);
	if (ea != eb)
		MISMATCH(w, "%s: getxattr(%s): nfs=%s %s=%s", shown(rel), name,
			 errname(ea), w->got_name, errname(eb));
	else if (!ea && (la != lb || memcmp(va, vb, la)))
		MISMATCH(w, "%s: xattr %s value differs: nfs %zu bytes, %s %zu bytes",
			 shown(rel), name, la, w->got_name, lb);
	free(va);
	free(vb);
	w->xattrs++;
}

static void compare_xattrs(struct walk *w, const char *rel, const char *a,
			   const char *b)
{
	struct strlist na, nb;
	int ea, eb;

	ea = list_xattrs(a, &na);
	eb = list_xattrs(b, &nb);
	if (ea != eb) {
		MISMATCH(w, "%s: listxattr: nfs=%s %s=%s", shown(rel),
			 errname(ea), w->got_name, errname(eb));
	} else if (na.n != nb.n) {
		MISMATCH(w, "%s: listxattr: nfs has %zu names (first '%s'), %s has %zu (first '%s')",
			 shown(rel), na.n, na.n ? na.v[0] : "", w->got_name,
			 nb.n, nb.n ? nb.v[0] : "");
	} else {
		for (size_t i = 0; i < na.n; i++) {
			if (strcmp(na.v[i], nb.v[i]))
				MISMATCH(w, "%s: xattr name differs: nfs '%s' %s '%s'",
					 shown(rel), na.v[i], w->got_name,
					 nb.v[i]);
			else
				compare_xattr_value(w, rel, a, b, na.v[i]);
		}
	}
	strlist_free(&na);
	strlist_free(&nb);
}

static void compare_listing(struct walk *w, const char *rel,
			    const struct dentries *a, const struct dentries *b)
{
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 :
			strcmp(a->v[i].name, b->v[j].name);

		if (c < 0) {
			MISMATCH(w, "%s/: readdir on %s lacks '%s'", shown(rel),
				 w->got_name, a->v[i++].name);
			continue;
		}
		if (c > 0) {
			MISMATCH(w, "%s/: readdir on %s has extra '%s'",
				 shown(rel), w->got_name, b->v[j++].name);
			continue;
		}
		if (a->v[i].type != b->v[j].type)
			MISMATCH(w, "%s/%s: d_type differs: nfs=%u %s=%u",
				 shown(rel), a->v[i].name, a->v[i].type,
				 w->got_name, b->v[j].type);
		if (!w->overlay && a->v[i].ino != b->v[j].ino)
			MISMATCH(w, "%s/%s: d_ino differs: nfs=%llu %s=%llu",
				 shown(rel), a->v[i].name,
				 (unsigned long long)a->v[i].ino, w->got_name,
				 (unsigned long long)b->v[j].ino);
		i++;
		j++;
	}
}

/* Compare one object; returns its NFS st_mode (0 if it could not be read). */
static mode_t compare_object(struct walk *w, const char *rel)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct stat sa, sb;
	int ea, eb;

	path_join(a, sizeof(a), w->ref, rel);
	path_join(b, sizeof(b), w->got, rel);
	ea = lstat_err(a, &sa);
	eb = lstat_err(b, &sb);
	if (ea != eb) {
		MISMATCH(w, "%s: lstat: nfs=%s %s=%s", shown(rel), errname(ea),
			 w->got_name, errname(eb));
		return 0;
	}
	if (ea)
		return 0;
	if (w->checks & W_STAT)
		compare_stat(w, rel, &sa, &sb);
	if ((w->checks & W_DATA) && S_ISREG(sa.st_mode))
		compare_data(w, rel, a, b, &sa);
	if ((w->checks & W_LINK) && S_ISLNK(sa.st_mode))
		compare_link(w, rel, a, b);
	if (w->checks & W_XATTR)
		compare_xattrs(w, rel, a, b);
	return sa.st_mode;
}

static void walk_dir(struct walk *w, const char *rel)
{
	char a[PATH_MAX], b[PATH_MAX], child[PATH_MAX];
	struct dentries da, db;
	int ea, eb;

	path_join(a, sizeof(a), w->ref, rel);
	path_join(b, sizeof(b), w->got, rel);
	ea = read_dir_sorted(a, &da);
	eb = read_dir_sorted(b, &db);
	if (ea || eb) {
		if (ea != eb)
			MISMATCH(w, "%s/: readdir: nfs=%s %s=%s", shown(rel),
				 errname(ea), w->got_name, errname(eb));
		dentries_free(&da);
		dentries_free(&db);
		return;
	}
	w->dirs++;
	if (w->checks & W_READDIR)
		compare_listing(w, rel, &da, &db);
	for (size_t i = 0; i < da.n; i++) {
		if (rel[0])
			path_join(child, sizeof(child), rel, da.v[i].name);
		else
			path_join(child, sizeof(child), da.v[i].name, "");
		if (S_ISDIR(compare_object(w, child)))
			walk_dir(w, child);
	}
	dentries_free(&da);
	dentries_free(&db);
}

static void walk_tree(struct walk *w)
{
	compare_object(w, "");
	walk_dir(w, "");
}

static void init_walk(struct walk *w, struct __test_metadata *md,
		      const char *ref, const char *got, unsigned int checks)
{
	memset(w, 0, sizeof(*w));
	w->md = md;
	w->ref = ref;
	w->got = got;
	w->got_name = "recallfs";
	w->checks = checks;
}

/*
 * The walk must have seen the tree mktree.sh makes (180 directories,
 * ~100 files, 17 symlinks), otherwise "no mismatches" would mean nothing.
 */
#define ASSERT_WALKED_TREE(w) do { \
	ASSERT_LE(100U, (w)->dirs) \
		TH_LOG("only %u directories walked: is %s the mktree.sh tree?", \
		       (w)->dirs, (w)->ref); \
} while (0)

TEST_F(recallfs, readdir_matches)
{
	struct walk w;

	REQUIRE_READY();
	init_walk(&w, _metadata, self->lower, self->mnt, W_READDIR);
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	EXPECT_EQ(0U, w.mismatches)
		TH_LOG("%u readdir mismatches in %u directories", w.mismatches,
		       w.dirs);
}

TEST_F(recallfs, stat_matches)
{
	struct walk w;

	REQUIRE_READY();
	init_walk(&w, _metadata, self->lower, self->mnt, W_STAT);
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	EXPECT_EQ(0U, w.mismatches)
		TH_LOG("%u lstat mismatches", w.mismatches);
}

TEST_F(recallfs, contents_match)
{
	struct walk w;

	REQUIRE_READY();
	init_walk(&w, _metadata, self->lower, self->mnt, W_DATA);
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	ASSERT_LE(80U, w.files) TH_LOG("only %u regular files compared", w.files);
	ASSERT_LE(2000000ULL, w.bytes) TH_LOG("only %llu bytes compared", w.bytes);
	EXPECT_EQ(0U, w.mismatches)
		TH_LOG("%u content mismatches in %u files", w.mismatches,
		       w.files);
}

TEST_F(recallfs, symlinks_match)
{
	struct walk w;

	REQUIRE_READY();
	init_walk(&w, _metadata, self->lower, self->mnt, W_LINK);
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	ASSERT_LE(15U, w.symlinks) TH_LOG("only %u symlinks seen", w.symlinks);
	EXPECT_EQ(0U, w.mismatches)
		TH_LOG("%u symlink mismatches", w.mismatches);
}

/* mktree.sh sets two user xattrs on each of three files (where the server can). */
static bool lower_has_test_xattr(const char *lower)
{
	char path[PATH_MAX], value[64];

	if (snprintf(path, sizeof(path), "%s/data/small.txt", lower) >= (int)sizeof(path))
		return false;
	return lgetxattr(path, "user.recallfs.test", value, sizeof(value)) > 0;
}

TEST_F(recallfs, xattrs_match)
{
	const char *vers = env("RECALLFS_NFS_VERSION");
	struct walk w;

	REQUIRE_READY();
	init_walk(&w, _metadata, self->lower, self->mnt, W_XATTR);
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	/* NFSv3 (and tmpfs before 6.6) have no user xattrs: 0 is fine there. */
	TH_LOG("NFS version %s: %u xattr values compared", vers ? vers : "?",
	       w.xattrs);
	EXPECT_EQ(0U, w.mismatches)
		TH_LOG("%u xattr mismatches", w.mismatches);
	/* Where NFS shows mktree.sh's xattrs, the walk must have compared them all. */
	if (lower_has_test_xattr(self->lower)) {
		EXPECT_LE(6U, w.xattrs) TH_LOG("NFS has user.recallfs.* xattrs, %u compared", w.xattrs);
	}
}

/* ------------------------------------------------------------------ */
/* Execution from the mount. */

/* Run hello with LD_LIBRARY_PATH=root/libdir; check what it reports. */
static void check_hello(struct __test_metadata *_metadata, const char *root,
			const char *bindir, const char *libdir,
			const char *realexe)
{
	char exe[PATH_MAX], lib[PATH_MAX], ld[PATH_MAX + 32];
	char out[4 * PATH_MAX], want[4 * PATH_MAX];
	const char *argv[2], *envp[3];
	int status, err;

	path_join(exe, sizeof(exe), root, bindir);
	strncat(exe, "/hello", sizeof(exe) - strlen(exe) - 1);
	path_join(lib, sizeof(lib), root, libdir);
	snprintf(ld, sizeof(ld), "LD_LIBRARY_PATH=%s", lib);
	argv[0] = exe;
	argv[1] = NULL;
	envp[0] = ld;
	envp[1] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[2] = NULL;
	err = run_capture(argv, envp, out, sizeof(out), &status);
	ASSERT_EQ(0, err) TH_LOG("running %s: %s", exe, strerror(err));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s (%s) failed, wait status 0x%x, output: %s", exe, ld,
		       status, out);
	/* The loader names the library by LD_LIBRARY_PATH dir + SONAME. */
	snprintf(want, sizeof(want), "greeting=%s\nlib=%s/libgreet.so.1\nexe=%s/%s\n",
		 GREET_MESSAGE, lib, root, realexe);
	EXPECT_STREQ(want, out);
}

TEST_F(recallfs, exec_elf_with_library)
{
	REQUIRE_READY();
	/* The payload must work on NFS itself, else the rig is broken. */
	check_hello(_metadata, self->lower, HELLO_DIR "/bin", HELLO_DIR "/lib",
		    HELLO_DIR "/bin/hello");
	check_hello(_metadata, self->mnt, HELLO_DIR "/bin", HELLO_DIR "/lib",
		    HELLO_DIR "/bin/hello");
	/* Through the "current -> 1.0.0" directory symlink. */
	check_hello(_metadata, self->mnt, HELLO_CURRENT "/bin",
		    HELLO_CURRENT "/lib", HELLO_DIR "/bin/hello");
}

TEST_F(recallfs, dlopen_library)
{
	const char *(*name_fn)(void);
	int (*answer_fn)(int);
	char path[PATH_MAX];
	Dl_info info;
	void *handle;

	REQUIRE_READY();
	path_join(path, sizeof(path), self->mnt, PLUGIN_LIB);
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ASSERT_TRUE(handle != NULL) TH_LOG("dlopen(%s): %s", path, dlerror());
	answer_fn = (int (*)(int))dlsym(handle, "plugin_answer");
	name_fn = (const char *(*)(void))dlsym(handle, "plugin_name");
	ASSERT_TRUE(answer_fn && name_fn)
		TH_LOG("dlsym in %s: %s", path, dlerror());
	EXPECT_EQ(6 * 7 + PLUGIN_SALT, answer_fn(6));
	EXPECT_STREQ(PLUGIN_NAME, name_fn());
	ASSERT_TRUE(dladdr((void *)answer_fn, &info) && info.dli_fname);
	EXPECT_STREQ(path, info.dli_fname);
	EXPECT_EQ(0, dlclose(handle));
}

/* python3 -c 'import greetpkg' with PYTHONPATH=root/PY_DIR. */
static int run_python(const char *root, char *out, size_t size, int *status)
{
	static const char *const pythons[] = {
		"/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3",
	};
	char pypath[PATH_MAX + 16], dir[PATH_MAX];
	const char *argv[6], *envp[5];

	path_join(dir, sizeof(dir), root, PY_DIR);
	snprintf(pypath, sizeof(pypath), "PYTHONPATH=%s", dir);
	argv[1] = "-B";		/* never write __pycache__ into the lower */
	argv[2] = "-s";
	argv[3] = "-c";
	argv[4] = "import greetpkg, greetpkg.sub\n"
		  "print(greetpkg.greet())\n"
		  "print(greetpkg.__file__)\n"
		  "print(greetpkg.sub.__file__)\n";
	argv[5] = NULL;
	envp[0] = pypath;
	envp[1] = "PYTHONDONTWRITEBYTECODE=1";
	envp[2] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[3] = "LC_ALL=C.UTF-8";
	envp[4] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pythons); i++) {
		if (access(pythons[i], X_OK))
			continue;
		argv[0] = pythons[i];
		return run_capture(argv, envp, out, size, status);
	}
	return ENOENT;
}

TEST_F(recallfs, python_import)
{
	char nfs_out[4096], out[4096], want[4 * PATH_MAX];
	const char *greeting_end;
	int status, err;

	REQUIRE_READY();
	err = run_python(self->lower, nfs_out, sizeof(nfs_out), &status);
	if (err == ENOENT)
		SKIP(return, "python3 not installed");
	ASSERT_EQ(0, err);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("python3 import from NFS failed (0x%x): %s", status,
		       nfs_out);
	err = run_python(self->mnt, out, sizeof(out), &status);
	ASSERT_EQ(0, err);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("python3 import from recallfs failed (0x%x): %s",
		       status, out);
	/* Line 1 (the greeting) as on NFS; lines 2-3 name the mount. */
	greeting_end = strchr(nfs_out, '\n');
	ASSERT_TRUE(greeting_end != NULL && greeting_end > nfs_out)
		TH_LOG("no greeting from NFS: '%s'", nfs_out);
	snprintf(want, sizeof(want), "%.*s%s/%s/greetpkg/__init__.py\n%s/%s/greetpkg/sub.py\n",
		 (int)(greeting_end - nfs_out + 1), nfs_out, self->mnt, PY_DIR,
		 self->mnt, PY_DIR);
	EXPECT_STREQ(want, out);
}

/* ------------------------------------------------------------------ */
/* mmap */

/* Open path under root and return fd and size, asserting success. */
static int open_sized(struct __test_metadata *_metadata, const char *root,
		      const char *rel, int flags, off_t *size)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	path_join(path, sizeof(path), root, rel);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		TH_LOG("open(%s): %s", path, strerror(errno));
		return -1;
	}
	if (size) {
		if (fstat(fd, &st)) {
			TH_LOG("fstat(%s): %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		*size = st.st_size;
	}
	return fd;
}

static char *read_rel(struct __test_metadata *_metadata, const char *root,
		      const char *rel, size_t *len)
{
	char path[PATH_MAX], *buf;
	int err;

	path_join(path, sizeof(path), root, rel);
	err = read_file(path, &buf, len);
	if (err) {
		TH_LOG("read %s: %s", path, strerror(err));
		return NULL;
	}
	return buf;
}

TEST_F(recallfs, mmap_private_read_equals_read)
{
	size_t len, off;
	char *nfs, *p;
	off_t size;
	int fd;

	REQUIRE_READY();
	nfs = read_rel(_metadata, self->lower, MEDIUM_FILE, &len);
	ASSERT_TRUE(nfs != NULL);
	fd = open_sized(_metadata, self->mnt, MEDIUM_FILE, O_RDONLY, &size);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)len, size) TH_LOG("%s: st_size vs bytes on NFS", MEDIUM_FILE);
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap %s: %s", MEDIUM_FILE, strerror(errno));
	EXPECT_EQ(0, memcmp(nfs, p, len))
		TH_LOG("%s: private mapping differs from NFS read()", MEDIUM_FILE);
	munmap(p, size);

	/* A mapping at a page-aligned offset, shared read-only this time. */
	off = 3 * (size_t)sysconf(_SC_PAGESIZE);
	p = mmap(NULL, len - off, PROT_READ, MAP_SHARED, fd, off);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap shared ro at %zu: %s", off, strerror(errno));
	EXPECT_EQ(0, memcmp(nfs + off, p, len - off))
		TH_LOG("%s: mapping at offset %zu differs", MEDIUM_FILE, off);
	munmap(p, len - off);

	/* Writing to a private mapping must not reach the file. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap private rw: %s", strerror(errno));
	memset(p, 0x5a, 4096);
	munmap(p, size);
	close(fd);
	free(nfs);
	nfs = read_rel(_metadata, self->lower, MEDIUM_FILE, &len);
	ASSERT_TRUE(nfs != NULL);
	p = read_rel(_metadata, self->mnt, MEDIUM_FILE, &off);
	ASSERT_TRUE(p != NULL);
	EXPECT_TRUE(len == off && !memcmp(nfs, p, len))
		TH_LOG("%s changed after writing to a MAP_PRIVATE mapping", MEDIUM_FILE);
	free(p);
	free(nfs);
}

TEST_F(recallfs, mmap_shared_write_refused)
{
	char path[PATH_MAX];
	off_t size;
	void *p;
	int fd;

	REQUIRE_READY();
	fd = open_sized(_metadata, self->mnt, MEDIUM_FILE, O_RDONLY, &size);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno) TH_LOG("MAP_SHARED|PROT_WRITE on O_RDONLY fd: %s", strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, size);

	/* Upgrading a shared read-only mapping to writable is refused too. */
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno) TH_LOG("mprotect(PROT_WRITE) on shared ro mapping: %s", strerror(errno));
	munmap(p, size);
	close(fd);

	/* The writable descriptor needed for a shared writable map: EROFS. */
	path_join(path, sizeof(path), self->mnt, MEDIUM_FILE);
	fd = open(path, O_RDWR);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EROFS, errno) TH_LOG("open(%s, O_RDWR): %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

TEST_F(recallfs, mmap_exec_private)
{
	const char *rel = HELLO_DIR "/bin/hello";
	size_t len;
	off_t size;
	char *nfs;
	void *p;
	int fd;

	REQUIRE_READY();
	nfs = read_rel(_metadata, self->lower, rel, &len);
	ASSERT_TRUE(nfs != NULL);
	fd = open_sized(_metadata, self->mnt, rel, O_RDONLY, &size);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)len, size);
	p = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap PROT_EXEC %s: %s", rel, strerror(errno));
	EXPECT_EQ(0, memcmp(nfs, p, len)) TH_LOG("%s: exec mapping differs from NFS", rel);
	munmap(p, size);
	close(fd);
	free(nfs);
}

/* ------------------------------------------------------------------ */
/* Modifying calls: all EROFS, nothing reaches the lower. */

enum mod_op {
	M_OPEN, M_CREAT, M_MKDIR, M_MKNOD, M_SYMLINK, M_LINK, M_UNLINK,
	M_RMDIR, M_RENAME, M_TRUNCATE, M_CHMOD, M_CHOWN, M_LCHOWN, M_UTIMENS,
	M_SETXATTR, M_LSETXATTR, M_REMOVEXATTR, M_FCHMOD, M_FCHOWN,
	M_FUTIMENS, M_FSETXATTR, M_FREMOVEXATTR, M_FALLOCATE_RDWR,
};

struct mod_call {
	const char *desc;
	enum mod_op op;
	const char *p1, *p2;	/* relative paths */
	long arg;		/* flags, mode, uid or length */
	const char *creates;	/* name that must not appear on the lower */
};

static const struct mod_call mod_calls[] = {
	{ "open O_WRONLY", M_OPEN, SMALL_FILE, NULL, O_WRONLY, NULL },
	{ "open O_RDWR", M_OPEN, SMALL_FILE, NULL, O_RDWR, NULL },
	{ "open O_WRONLY|O_APPEND", M_OPEN, SMALL_FILE, NULL, O_WRONLY | O_APPEND, NULL },
	{ "open O_RDONLY|O_TRUNC", M_OPEN, SMALL_FILE, NULL, O_RDONLY | O_TRUNC, NULL },
	{ "open O_WRONLY|O_TRUNC", M_OPEN, "data/empty", NULL, O_WRONLY | O_TRUNC, NULL },
	{ "open O_CREAT new", M_OPEN, "data/new-file", NULL, O_CREAT | O_WRONLY, "data/new-file" },
	{ "open O_CREAT|O_EXCL new", M_OPEN, "data/new-excl", NULL, O_CREAT | O_EXCL | O_RDONLY, "data/new-excl" },
	{ "open O_CREAT in 0700 dir", M_OPEN, "private/new-file", NULL, O_CREAT | O_RDWR, "private/new-file" },
	{ "open O_TMPFILE", M_OPEN, "data", NULL, O_TMPFILE | O_WRONLY, NULL },
	{ "creat", M_CREAT, "data/new-creat", NULL, 0644, "data/new-creat" },
	{ "mkdir", M_MKDIR, "data/new-dir", NULL, 0755, "data/new-dir" },
	{ "mkdir deep", M_MKDIR, "deep/a/b/c/d/e/f/g/new-dir", NULL, 0755, "deep/a/b/c/d/e/f/g/new-dir" },
	{ "mknod fifo", M_MKNOD, "data/new-fifo", NULL, S_IFIFO | 0644, "data/new-fifo" },
	{ "mknod regular", M_MKNOD, "data/new-node", NULL, S_IFREG | 0644, "data/new-node" },
	{ "symlink", M_SYMLINK, "small.txt", "data/new-symlink", 0, "data/new-symlink" },
	{ "link", M_LINK, SMALL_FILE, "data/new-hardlink", 0, "data/new-hardlink" },
	{ "unlink file", M_UNLINK, SMALL_FILE, NULL, 0, NULL },
	{ "unlink symlink", M_UNLINK, "links/rel", NULL, 0, NULL },
	{ "rmdir empty dir", M_RMDIR, "data/emptydir", NULL, 0, NULL },
	{ "rmdir non-empty dir", M_RMDIR, "deep/a/b/c/d/e/f/g", NULL, 0, NULL },
	{ "rename to new name", M_RENAME, SMALL_FILE, "data/renamed.txt", 0, "data/renamed.txt" },
	{ "rename over existing", M_RENAME, SMALL_FILE, "data/odd.bin", 0, NULL },
	{ "rename directory", M_RENAME, "deep/a", "deep/renamed", 0, "deep/renamed" },
	{ "renameat2 RENAME_NOREPLACE", M_RENAME, SMALL_FILE, "data/renamed2.txt", RENAME_NOREPLACE, "data/renamed2.txt" },
	{ "renameat2 RENAME_EXCHANGE", M_RENAME, SMALL_FILE, "data/odd.bin", RENAME_EXCHANGE, NULL },
	{ "truncate to 0", M_TRUNCATE, SMALL_FILE, NULL, 0, NULL },
	{ "truncate grow", M_TRUNCATE, "data/empty", NULL, 100, NULL },
	{ "chmod file", M_CHMOD, SMALL_FILE, NULL, 0600, NULL },
	{ "chmod dir", M_CHMOD, "data", NULL, 0700, NULL },
	{ "chown file", M_CHOWN, SMALL_FILE, NULL, 1000, NULL },
	{ "chown to same owner", M_CHOWN, SMALL_FILE, NULL, 0, NULL },
	{ "lchown symlink", M_LCHOWN, "links/rel", NULL, 1000, NULL },
	{ "utimensat file", M_UTIMENS, SMALL_FILE, NULL, 0, NULL },
	{ "utimensat symlink nofollow", M_UTIMENS, "links/rel", NULL, AT_SYMLINK_NOFOLLOW, NULL },
	{ "setxattr", M_SETXATTR, SMALL_FILE, NULL, 0, NULL },
	{ "lsetxattr symlink", M_LSETXATTR, "links/rel", NULL, 0, NULL },
	{ "removexattr", M_REMOVEXATTR, SMALL_FILE, NULL, 0, NULL },
	{ "fchmod", M_FCHMOD, SMALL_FILE, NULL, 0600, NULL },
	{ "fchown", M_FCHOWN, SMALL_FILE, NULL, 1000, NULL },
	{ "futimens", M_FUTIMENS, SMALL_FILE, NULL, 0, NULL },
	{ "fsetxattr", M_FSETXATTR, SMALL_FILE, NULL, 0, NULL },
	{ "fremovexattr", M_FREMOVEXATTR, SMALL_FILE, NULL, 0, NULL },
};

static int ret_err(long ret)
{
	return ret < 0 ? errno : 0;
}

/* The fd-based calls, on a read-only descriptor. */
static int do_fd_call(const struct mod_call *c, const char *p1)
{
	int fd, err;

	fd = open(p1, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;	/* not the errno under test */
	switch (c->op) {
	case M_FCHMOD:
		err = ret_err(fchmod(fd, c->arg));
		break;
	case M_FCHOWN:
		err = ret_err(fchown(fd, c->arg, c->arg));
		break;
	case M_FUTIMENS:
		err = ret_err(futimens(fd, NULL));
		break;
	case M_FSETXATTR:
		err = ret_err(fsetxattr(fd, "user.recallfs.new", "x", 1, 0));
		break;
	default:
		err = ret_err(fremovexattr(fd, "user.recallfs.test"));
		break;
	}
	close(fd);
	return err;
}

/* Perform one call under root; returns 0 or errno (negative: setup failed). */
static int do_mod_call(const struct mod_call *c, const char *root)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	int fd;

	path_join(p1, sizeof(p1), root, c->p1);
	if (c->p2)
		path_join(p2, sizeof(p2), root, c->p2);
	switch (c->op) {
	case M_OPEN:
		fd = open(p1, c->arg | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		return ret_err(fd);
	case M_CREAT:
		fd = creat(p1, c->arg);
		if (fd >= 0)
			close(fd);
		return ret_err(fd);
	case M_MKDIR:
		return ret_err(mkdir(p1, c->arg));
	case M_MKNOD:
		return ret_err(mknod(p1, c->arg, 0));
	case M_SYMLINK:
		return ret_err(symlink(c->p1, p2));
	case M_LINK:
		return ret_err(link(p1, p2));
	case M_UNLINK:
		return ret_err(unlink(p1));
	case M_RMDIR:
		return ret_err(rmdir(p1));
	case M_RENAME:
		return ret_err(syscall(SYS_renameat2, AT_FDCWD, p1, AT_FDCWD,
				       p2, (unsigned int)c->arg));
	case M_TRUNCATE:
		return ret_err(truncate(p1, c->arg));
	case M_CHMOD:
		return ret_err(chmod(p1, c->arg));
	case M_CHOWN:
		return ret_err(chown(p1, c->arg, c->arg));
	case M_LCHOWN:
		return ret_err(lchown(p1, c->arg, c->arg));
	case M_UTIMENS:
		return ret_err(utimensat(AT_FDCWD, p1, NULL, c->arg));
	case M_SETXATTR:
		return ret_err(setxattr(p1, "user.recallfs.new", "x", 1, 0));
	case M_LSETXATTR:
		return ret_err(lsetxattr(p1, "trusted.recallfs.new", "x", 1, 0));
	case M_REMOVEXATTR:
		return ret_err(removexattr(p1, "user.recallfs.test"));
	case M_FALLOCATE_RDWR:
		return EINVAL;
	default:
		return do_fd_call(c, p1);
	}
}

TEST_F(recallfs, modify_calls_erofs)
{
	char path[PATH_MAX];
	unsigned int bad = 0;
	struct stat st;

	REQUIRE_READY();
	for (size_t i = 0; i < ARRAY_SIZE(mod_calls); i++) {
		const struct mod_call *c = &mod_calls[i];
		int err = do_mod_call(c, self->mnt);

		if (err != EROFS) {
			bad++;
			TH_LOG("%s on %s%s%s: got %s (%d), want EROFS", c->desc,
			       c->p1, c->p2 ? " -> " : "", c->p2 ? c->p2 : "",
			       err < 0 ? strerror(-err) : errname(err), err);
		}
		if (!c->creates)
			continue;
		path_join(path, sizeof(path), self->lower, c->creates);
		if (lstat_err(path, &st) != ENOENT) {
			bad++;
			TH_LOG("%s: %s now exists on the lower (NFS)", c->desc,
			       c->creates);
		}
		path_join(path, sizeof(path), self->mnt, c->creates);
		if (lstat_err(path, &st) != ENOENT) {
			bad++;
			TH_LOG("%s: %s now exists in recallfs", c->desc,
			       c->creates);
		}
	}
	EXPECT_EQ(0U, bad) TH_LOG("%u of %zu modifying calls misbehaved", bad,
				  ARRAY_SIZE(mod_calls));
}

TEST_F(recallfs, lower_unchanged_after_modify)
{
	const char *export = env("RECALLFS_EXPORT");
	char *before, *after, diff[2 * PATH_MAX];

	REQUIRE_READY();
	if (!export)
		SKIP(return, "RECALLFS_EXPORT is not set");
	before = snapshot_tree(export);
	ASSERT_TRUE(before != NULL) TH_LOG("snapshot %s: %s", export, strerror(errno));
	ASSERT_LT(2000U, strlen(before)) TH_LOG("%s looks empty", export);
	for (size_t i = 0; i < ARRAY_SIZE(mod_calls); i++)
		do_mod_call(&mod_calls[i], self->mnt);
	after = snapshot_tree(export);
	ASSERT_TRUE(after != NULL) TH_LOG("snapshot %s: %s", export, strerror(errno));
	first_diff(before, after, diff, sizeof(diff));
	EXPECT_STREQ(before, after) TH_LOG("%s changed: %s", export, diff);
	free(before);
	free(after);
}

/* ------------------------------------------------------------------ */
/* Permissions for a non-root caller. */

enum perm_op { P_STAT, P_OPEN, P_OPENDIR, P_CHDIR, P_READLINK };

struct perm_probe {
	const char *rel;
	enum perm_op op;
	int want;	/* what NFS must answer: 0 or an errno */
};

static const struct perm_probe perm_probes[] = {
	{ "private", P_STAT, 0 },
	{ "private", P_OPENDIR, EACCES },
	{ "private", P_CHDIR, EACCES },
	{ "private/secret.txt", P_STAT, EACCES },
	{ "private/secret.txt", P_OPEN, EACCES },
	{ "private/secret_link", P_READLINK, EACCES },
	{ "private/sub", P_STAT, EACCES },
	{ "private/sub/inner.txt", P_OPEN, EACCES },
	{ "private/missing", P_STAT, EACCES },
	{ "modes/f0600", P_OPEN, EACCES },
	{ "modes/f0400", P_OPEN, EACCES },
	{ "modes/u1000_0600", P_OPEN, EACCES },
	{ "modes/g1000_0640", P_OPEN, EACCES },
	{ "modes/dir0711", P_OPENDIR, EACCES },
	{ "modes/dir0711/file", P_OPEN, 0 },
	{ "modes/f0644", P_OPEN, 0 },
	{ "modes/f0444", P_OPEN, 0 },
	{ "modes/u1000_0644", P_OPEN, 0 },
	{ "data", P_OPENDIR, 0 },
};

static const char *const perm_op_names[] = {
	"stat", "open", "opendir", "chdir", "readlink",
};

static int perm_probe(const char *root, const struct perm_probe *p)
{
	char path[PATH_MAX], buf[PATH_MAX];
	struct stat st;
	DIR *d;
	int fd;

	path_join(path, sizeof(path), root, p->rel);
	switch (p->op) {
	case P_STAT:
		return stat_err(path, &st);
	case P_OPEN:
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return errno;
		/* A successful open must also read the same way. */
		if (read(fd, buf, sizeof(buf)) < 0) {
			close(fd);
			return errno;
		}
		close(fd);
		return 0;
	case P_OPENDIR:
		d = opendir(path);
		if (!d)
			return errno;
		closedir(d);
		return 0;
	case P_CHDIR:
		return chdir(path) ? errno : 0;
	default:
		return readlink(path, buf, sizeof(buf)) < 0 ? errno : 0;
	}
}

/* In a child running as nobody: results[i] = {nfs, recallfs}. */
static void nobody_child(int fd, const char *lower, const char *mnt)
{
	int results[ARRAY_SIZE(perm_probes)][2];

	if (setgroups(0, NULL) || setgid(NOBODY_ID) || setuid(NOBODY_ID))
		_exit(2);
	for (size_t i = 0; i < ARRAY_SIZE(perm_probes); i++) {
		results[i][0] = perm_probe(lower, &perm_probes[i]);
		results[i][1] = perm_probe(mnt, &perm_probes[i]);
	}
	if (write(fd, results, sizeof(results)) != (ssize_t)sizeof(results))
		_exit(3);
	_exit(0);
}

TEST_F(recallfs, nonroot_permissions_match)
{
	int results[ARRAY_SIZE(perm_probes)][2];
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	REQUIRE_READY();
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		nobody_child(pipefd[1], self->lower, self->mnt);
	}
	close(pipefd[1]);
	n = read(pipefd[0], results, sizeof(results));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child as uid %d failed: status 0x%x", NOBODY_ID, status);
	ASSERT_EQ((ssize_t)sizeof(results), n);
	for (size_t i = 0; i < ARRAY_SIZE(perm_probes); i++) {
		const struct perm_probe *p = &perm_probes[i];

		EXPECT_EQ(p->want, results[i][0])
			TH_LOG("%s %s as uid %d on NFS gave %s, want %s: tree or NFS export not as mktree.sh makes it",
			       perm_op_names[p->op], p->rel, NOBODY_ID,
			       errname(results[i][0]), errname(p->want));
		EXPECT_EQ(results[i][0], results[i][1])
			TH_LOG("%s %s as uid %d: NFS gave %s, recallfs gave %s",
			       perm_op_names[p->op], p->rel, NOBODY_ID,
			       errname(results[i][0]), errname(results[i][1]));
	}
}

/* ------------------------------------------------------------------ */
/* Lookups of missing names. */

struct lookup_case {
	const char *rel;
	bool follow;	/* stat() instead of lstat() */
	int want;
};

static const struct lookup_case lookup_cases[] = {
	{ "does-not-exist", false, ENOENT },
	{ "data/does-not-exist", false, ENOENT },
	{ SMALL_FILE "/below-a-file", false, ENOTDIR },
	{ SMALL_FILE "/", true, ENOTDIR },
	{ "deep/a/b/c/missing/e/f/g", false, ENOENT },
	{ "deep/a/b/c/d/e/f/g/missing", false, ENOENT },
	{ "deep/a/b/c/d/e/f/g/leaf.txt/x", false, ENOTDIR },
	{ "links/dangling", true, ENOENT },
	{ "links/dangling", false, 0 },
	{ "links/loop", true, ELOOP },
	{ "links/dirlink/alpha/current/bin/alpha", true, 0 },
	{ "links/dirlink/nope", true, ENOENT },
	{ "apps/alpha/current/missing", true, ENOENT },
};

TEST_F(recallfs, missing_names)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct stat sa, sb;
	int fd;

	REQUIRE_READY();
	/* Twice: the second lookup may be answered from (negative) dentries. */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(lookup_cases); i++) {
			const struct lookup_case *c = &lookup_cases[i];
			int ea, eb;

			path_join(a, sizeof(a), self->lower, c->rel);
			path_join(b, sizeof(b), self->mnt, c->rel);
			ea = c->follow ? stat_err(a, &sa) : lstat_err(a, &sa);
			eb = c->follow ? stat_err(b, &sb) : lstat_err(b, &sb);
			EXPECT_EQ(c->want, ea)
				TH_LOG("%s(%s) on NFS: %s, want %s",
				       c->follow ? "stat" : "lstat", c->rel,
				       errname(ea), errname(c->want));
			EXPECT_EQ(ea, eb)
				TH_LOG("round %d: %s(%s): NFS %s, recallfs %s",
				       round, c->follow ? "stat" : "lstat",
				       c->rel, errname(ea), errname(eb));
			if (!ea && !eb)
				EXPECT_EQ(sa.st_ino, sb.st_ino) TH_LOG("%s", c->rel);
		}
	}
	path_join(b, sizeof(b), self->mnt, "data/does-not-exist");
	EXPECT_EQ(-1, open(b, O_RDONLY));
	EXPECT_EQ(ENOENT, errno) TH_LOG("open missing: %s", strerror(errno));
	path_join(b, sizeof(b), self->mnt, SMALL_FILE);
	fd = open(b, O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENOTDIR, errno) TH_LOG("open O_DIRECTORY on a file: %s", strerror(errno));
	path_join(b, sizeof(b), self->mnt, "deep/a/b/nope");
	EXPECT_TRUE(opendir(b) == NULL);
	EXPECT_EQ(ENOENT, errno) TH_LOG("opendir missing: %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Many concurrent lookups. */

#define LOOKUP_THREADS	8
#define LOOKUP_ITERS	WORK(3000)

struct probe {
	char *rel;
	int err;
	ino_t ino;
	mode_t mode;
	off_t size;
};

struct worker {
	pthread_t thread;
	const char *mnt;
	const struct probe *probes;
	size_t nprobes;
	unsigned int seed;
	unsigned int mismatches, found, missing;
	pthread_barrier_t *start;
	char first[PATH_MAX + 128];
};

static void *lookup_worker(void *arg)
{
	struct worker *wk = arg;
	char path[PATH_MAX];
	struct stat st;

	pthread_barrier_wait(wk->start);	/* all threads race from here */
	for (unsigned int i = 0; i < LOOKUP_ITERS; i++) {
		const struct probe *p;
		int err;

		/* Different threads hit the same names in different orders. */
		wk->seed = wk->seed * 1103515245 + 12345;
		p = &wk->probes[(wk->seed >> 8) % wk->nprobes];
		path_join(path, sizeof(path), wk->mnt, p->rel);
		err = lstat_err(path, &st);
		if (err)
			wk->missing++;
		else
			wk->found++;
		if (err == p->err && (err || (st.st_ino == p->ino &&
					      st.st_mode == p->mode &&
					      st.st_size == p->size)))
			continue;
		if (!wk->mismatches++)
			snprintf(wk->first, sizeof(wk->first),
				 "%s: NFS %s ino %llu, recallfs %s ino %llu",
				 p->rel, errname(p->err),
				 (unsigned long long)p->ino, errname(err),
				 err ? 0ULL : (unsigned long long)st.st_ino);
	}
	return NULL;
}

static void add_probe(struct probe **v, size_t *n, const char *lower,
		      const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	struct probe *p;

	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		abort();
	p = &(*v)[(*n)++];
	p->rel = strdup(rel);
	path_join(path, sizeof(path), lower, rel);
	p->err = lstat_err(path, &st);
	p->ino = p->err ? 0 : st.st_ino;
	p->mode = p->err ? 0 : st.st_mode;
	p->size = p->err ? 0 : st.st_size;
}

/* Every object, a missing sibling, and a missing child of each. */
static size_t build_probes(const char *lower, struct probe **v)
{
	char rel[PATH_MAX];
	struct strlist paths;
	size_t n = 0;

	*v = NULL;
	if (collect_tree(lower, &paths))
		return 0;
	for (size_t i = 0; i < paths.n; i++) {
		add_probe(v, &n, lower, paths.v[i]);
		snprintf(rel, sizeof(rel), "%s%s", paths.v[i], "~missing");
		add_probe(v, &n, lower, rel);
		snprintf(rel, sizeof(rel), "%s%sno-such-child", paths.v[i],
			 paths.v[i][0] ? "/" : "");
		add_probe(v, &n, lower, rel);
	}
	strlist_free(&paths);
	return n;
}

static void drop_dentries(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd >= 0) {
		/* Best effort: makes the threads do real lookups. */
		if (write(fd, "2", 1) < 0)
			perror("drop_caches");
		close(fd);
	}
}

/* 600 s: unscaled, on the debug kernel (KASAN, lockdep, kmemleak) under TCG it took 196. */
TEST_F_TIMEOUT(recallfs, concurrent_lookups, 600 * RECALLFS_TIME_SCALE)
{
	struct worker workers[LOOKUP_THREADS];
	unsigned int total = 0, bad = 0, found = 0, missing = 0;
	pthread_barrier_t start;
	struct probe *probes;
	size_t n;

	REQUIRE_READY();
	n = build_probes(self->lower, &probes);
	ASSERT_LE(600U, n) TH_LOG("only %zu probes from %s", n, self->lower);
	for (size_t i = 0; i < n; i++) {
		if (probes[i].err)
			missing++;
		else
			found++;
	}
	ASSERT_TRUE(found > 200 && missing > 200)
		TH_LOG("%u existing and %u missing names", found, missing);
	drop_dentries();
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, LOOKUP_THREADS));
	for (int i = 0; i < LOOKUP_THREADS; i++) {
		workers[i] = (struct worker){
			.mnt = self->mnt, .probes = probes, .nprobes = n,
			.seed = 7919u * (i + 1), .start = &start,
		};
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL,
					    lookup_worker, &workers[i]));
	}
	for (int i = 0; i < LOOKUP_THREADS; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].found + workers[i].missing;
		bad += workers[i].mismatches;
		if (workers[i].mismatches)
			TH_LOG("thread %d: %u mismatches, first: %s", i,
			       workers[i].mismatches, workers[i].first);
		/* Every thread checked both kinds of answer, not only one. */
		EXPECT_LT(LOOKUP_ITERS / 5, workers[i].found) TH_LOG("thread %d", i);
		EXPECT_LT(LOOKUP_ITERS / 5, workers[i].missing) TH_LOG("thread %d", i);
	}
	pthread_barrier_destroy(&start);
	EXPECT_EQ(0U, bad) TH_LOG("%u of %u lookups differed from NFS", bad, total);
	for (size_t i = 0; i < n; i++)
		free(probes[i].rel);
	free(probes);
}

/* ------------------------------------------------------------------ */
/* statfs, llseek, pread, sendfile, splice. */

TEST_F(recallfs, statfs_magic_and_fields)
{
	struct statfs a, b;
	struct statvfs v;

	REQUIRE_READY();
	ASSERT_EQ(0, statfs(self->lower, &a));
	ASSERT_EQ(0, statfs(self->mnt, &b));
	EXPECT_EQ((unsigned long)RECALLFS_MAGIC, (unsigned long)b.f_type)
		TH_LOG("f_type 0x%lx, want 0x%x", (unsigned long)b.f_type,
		       RECALLFS_MAGIC);
	EXPECT_EQ(a.f_bsize, b.f_bsize);
	EXPECT_EQ(a.f_blocks, b.f_blocks);
	EXPECT_EQ(a.f_files, b.f_files);
	EXPECT_EQ(a.f_namelen, b.f_namelen);
	EXPECT_EQ(a.f_frsize, b.f_frsize);
	ASSERT_EQ(0, statvfs(self->mnt, &v));
	EXPECT_TRUE((v.f_flag & ST_RDONLY) != 0) TH_LOG("statvfs f_flag 0x%lx lacks ST_RDONLY", v.f_flag);
}

struct seek_case {
	int whence;
	long long off;		/* for SEEK_SET/SEEK_DATA/SEEK_HOLE: of size */
	int size_num, size_den;	/* offset += size * num / den */
};

static const struct seek_case seek_cases[] = {
	{ SEEK_SET, 0, 1, 3 },
	{ SEEK_CUR, 5, 0, 1 },
	{ SEEK_CUR, -3, 0, 1 },
	{ SEEK_END, 0, 0, 1 },
	{ SEEK_END, -7, 0, 1 },
	{ SEEK_SET, -1, 0, 1 },
	{ SEEK_DATA, 0, 0, 1 },
	{ SEEK_HOLE, 0, 0, 1 },
	{ SEEK_DATA, 0, 1, 2 },
	{ SEEK_HOLE, 0, 1, 2 },
	{ SEEK_DATA, 1, 1, 1 },
	{ SEEK_SET, 100, 1, 1 },
};

static const char *const seek_files[] = {
	SMALL_FILE, MEDIUM_FILE, "data/large.bin", "data/sparse.bin",
	"data/empty", "data/odd.bin",
};

static void compare_seeks(struct __test_metadata *_metadata, const char *rel,
			  int fa, int fb, off_t size)
{
	char ba[512], bb[512];

	for (size_t i = 0; i < ARRAY_SIZE(seek_cases); i++) {
		const struct seek_case *c = &seek_cases[i];
		off_t off = c->off + size * c->size_num / c->size_den;
		off_t ra = lseek(fa, off, c->whence);
		int ea = ra < 0 ? errno : 0;
		off_t rb = lseek(fb, off, c->whence);
		int eb = rb < 0 ? errno : 0;
		ssize_t na, nb;

		EXPECT_TRUE(ra == rb && ea == eb)
			TH_LOG("%s: lseek(%lld, whence %d): NFS %lld (%s), recallfs %lld (%s)",
			       rel, (long long)off, c->whence, (long long)ra,
			       errname(ea), (long long)rb, errname(eb));
		/* The file position must agree too: read from it. */
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		EXPECT_TRUE(na == nb && (na <= 0 || !memcmp(ba, bb, na)))
			TH_LOG("%s: read after lseek(%lld, %d): NFS %zd bytes, recallfs %zd",
			       rel, (long long)off, c->whence, na, nb);
	}
}

static void compare_preads(struct __test_metadata *_metadata, const char *rel,
			   int fa, int fb, off_t size)
{
	const off_t offs[] = { 0, 1, 4095, 4096, 65537, size / 2, size - 1,
			       size, size + 10 };
	static char ba[8192], bb[8192];

	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		ssize_t na, nb;

		if (offs[i] < 0)
			continue;
		na = pread(fa, ba, sizeof(ba), offs[i]);
		nb = pread(fb, bb, sizeof(bb), offs[i]);
		EXPECT_TRUE(na == nb && (na <= 0 || !memcmp(ba, bb, na)))
			TH_LOG("%s: pread at %lld: NFS %zd bytes, recallfs %zd (or contents differ)",
			       rel, (long long)offs[i], na, nb);
	}
}

TEST_F(recallfs, llseek_and_pread)
{
	REQUIRE_READY();
	for (size_t i = 0; i < ARRAY_SIZE(seek_files); i++) {
		const char *rel = seek_files[i];
		off_t size;
		int fa, fb;

		fa = open_sized(_metadata, self->lower, rel, O_RDONLY, &size);
		ASSERT_LE(0, fa);
		fb = open_sized(_metadata, self->mnt, rel, O_RDONLY, NULL);
		ASSERT_LE(0, fb);
		compare_seeks(_metadata, rel, fa, fb, size);
		compare_preads(_metadata, rel, fa, fb, size);
		close(fa);
		close(fb);
	}
}

/* Copy a whole file through a pipe with splice() or sendfile(). */
static int pipe_copy(int fd, bool use_splice, char **buf, size_t *len)
{
	const size_t chunk = 32768;	/* below the default pipe size */
	int p[2], err = 0;
	size_t cap = 0;
	loff_t off = 0;
	off_t soff = 0;

	*buf = NULL;
	*len = 0;
	if (pipe(p))
		return errno;
	for (;;) {
		ssize_t n = use_splice ?
			splice(fd, &off, p[1], NULL, chunk, 0) :
			sendfile(p[1], fd, &soff, chunk);

		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		if (*len + n > cap) {
			cap = (*len + n) * 2;
			*buf = realloc(*buf, cap);
		}
		/* Drain exactly what was moved into the pipe. */
		for (ssize_t got = 0, r; got < n; got += r) {
			r = read(p[0], *buf + *len + got, n - got);
			if (r <= 0) {
				err = r < 0 ? errno : EIO;
				goto out;
			}
		}
		*len += n;
	}
out:
	close(p[0]);
	close(p[1]);
	return err;
}

static const char *const copy_files[] = {
	SMALL_FILE, MEDIUM_FILE, "data/large.bin", "data/sparse.bin",
	"data/empty", HELLO_DIR "/bin/hello",
};

TEST_F(recallfs, splice_and_sendfile_to_pipe)
{
	REQUIRE_READY();
	for (size_t i = 0; i < ARRAY_SIZE(copy_files); i++) {
		const char *rel = copy_files[i];

		for (int s = 0; s < 2; s++) {
			const char *how = s ? "splice" : "sendfile";
			char *a, *b;
			size_t la, lb;
			int fa, fb, ea, eb;

			fa = open_sized(_metadata, self->lower, rel, O_RDONLY, NULL);
			ASSERT_LE(0, fa);
			fb = open_sized(_metadata, self->mnt, rel, O_RDONLY, NULL);
			ASSERT_LE(0, fb);
			ea = pipe_copy(fa, s, &a, &la);
			eb = pipe_copy(fb, s, &b, &lb);
			EXPECT_EQ(ea, eb)
				TH_LOG("%s %s to a pipe: NFS %s, recallfs %s",
				       how, rel, errname(ea), errname(eb));
			if (s)
				EXPECT_EQ(0, ea) TH_LOG("splice from NFS %s: %s", rel, errname(ea));
			EXPECT_TRUE(la == lb && (!la || !memcmp(a, b, la)))
				TH_LOG("%s %s: NFS gave %zu bytes, recallfs %zu (or contents differ)",
				       how, rel, la, lb);
			free(a);
			free(b);
			close(fa);
			close(fb);
		}
	}
}

TEST_F(recallfs, sendfile_to_file)
{
	REQUIRE_READY();
	for (size_t i = 0; i < ARRAY_SIZE(copy_files); i++) {
		const char *rel = copy_files[i];
		char *nfs, *got;
		size_t len, glen;
		off_t size;
		ssize_t n;
		int fd, mfd;

		nfs = read_rel(_metadata, self->lower, rel, &len);
		ASSERT_TRUE(nfs != NULL);
		fd = open_sized(_metadata, self->mnt, rel, O_RDONLY, &size);
		ASSERT_LE(0, fd);
		mfd = memfd_create("recallfs-sendfile", MFD_CLOEXEC);
		ASSERT_LE(0, mfd);
		for (off_t off = 0; off < size; off += n) {
			n = sendfile(mfd, fd, NULL, size - off);
			ASSERT_LT(0, n) TH_LOG("sendfile %s at %lld: %s", rel,
					       (long long)off, n ? strerror(errno) : "EOF");
		}
		got = malloc(len + 1);
		ASSERT_TRUE(got != NULL);
		glen = pread(mfd, got, len + 1, 0);
		EXPECT_TRUE(glen == len && !memcmp(nfs, got, len))
			TH_LOG("sendfile %s into a memfd: %zu bytes, NFS has %zu", rel, glen, len);
		free(got);
		free(nfs);
		close(mfd);
		close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Changes made to the lower (through NFS) show up in recallfs. */

static int write_file(const char *path, const char *text, int flags)
{
	ssize_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return errno;
	if (write(fd, text, len) != len) {
		close(fd);
		return EIO;
	}
	return close(fd) ? errno : 0;
}

TEST_F(recallfs, lower_changes_visible)
{
	char a[PATH_MAX], b[PATH_MAX], path[PATH_MAX], name[64], *buf;
	char data[PATH_MAX + 32];
	struct stat sa, sb;
	size_t len;
	int err;

	REQUIRE_READY();
	/*
	 * Verify mode trusts a directory's recorded entries for revalidate=
	 * seconds; with 0 every lookup checks the change stamp, so a change on
	 * the server must show at once.
	 */
	ASSERT_EQ(0, umount2(self->mnt, MNT_DETACH));
	snprintf(data, sizeof(data), "lowerdir=%s,revalidate=0", self->lower);
	err = mount_recallfs_data(self->mnt, data);
	ASSERT_EQ(0, err) TH_LOG("mount -o %s: %s", data, strerror(err));
	snprintf(name, sizeof(name), "scratch/visible-%d", getpid());
	path_join(a, sizeof(a), self->lower, name);
	path_join(b, sizeof(b), self->mnt, name);
	path_join(path, sizeof(path), self->lower, "scratch");
	ASSERT_EQ(0, stat_err(path, &sa)) TH_LOG("%s missing: tree not made by this mktree.sh", path);
	ASSERT_EQ(ENOENT, lstat_err(a, &sa)) TH_LOG("leftover %s", a);
	/* Cache a negative dentry in recallfs first. */
	ASSERT_EQ(ENOENT, lstat_err(b, &sb));

	err = write_file(a, "first\n", O_CREAT | O_EXCL);
	ASSERT_EQ(0, err) TH_LOG("create %s on NFS: %s", a, strerror(err));
	EXPECT_EQ(0, lstat_err(b, &sb)) TH_LOG("%s created on NFS is not visible in recallfs", name);
	ASSERT_EQ(0, lstat_err(a, &sa));
	EXPECT_EQ(sa.st_ino, sb.st_ino);
	buf = read_rel(_metadata, self->mnt, name, &len);
	EXPECT_TRUE(buf && len == 6 && !memcmp(buf, "first\n", 6))
		TH_LOG("contents after create: %zu bytes", len);
	free(buf);

	err = write_file(a, "second\n", O_APPEND);
	ASSERT_EQ(0, err) TH_LOG("append to %s on NFS: %s", a, strerror(err));
	EXPECT_EQ(0, lstat_err(b, &sb));
	EXPECT_EQ(13, sb.st_size) TH_LOG("size after append on NFS: %lld", (long long)sb.st_size);
	buf = read_rel(_metadata, self->mnt, name, &len);
	EXPECT_TRUE(buf && len == 13 && !memcmp(buf, "first\nsecond\n", 13))
		TH_LOG("contents after append: %zu bytes", len);
	free(buf);

	ASSERT_EQ(0, unlink(a));
	EXPECT_EQ(ENOENT, lstat_err(b, &sb)) TH_LOG("%s removed on NFS is still visible in recallfs", name);

	/* The same for a directory. */
	ASSERT_EQ(0, mkdir(a, 0755));
	EXPECT_EQ(0, stat_err(b, &sb)) TH_LOG("directory made on NFS not visible");
	EXPECT_TRUE(S_ISDIR(sb.st_mode));
	ASSERT_EQ(0, rmdir(a));
	EXPECT_EQ(ENOENT, lstat_err(b, &sb)) TH_LOG("directory removed on NFS still visible");
}

/* ------------------------------------------------------------------ */
/* Mount options, /proc/mounts, umount, module unload and reload.       */
/* These mount by themselves.  module_reload reloads the module, so it */
/* runs late: only the overlay test comes after it.                   */

FIXTURE(mountopts) {
	char base[PATH_MAX];
	char mnt[PATH_MAX];
	char mnt2[PATH_MAX];
	char lower[PATH_MAX];
	int kmsg;
	bool ready;
};

FIXTURE_SETUP(mountopts)
{
	const char *lower = env("RECALLFS_LOWER");
	int err;

	self->kmsg = -1;
	if (geteuid() != 0)
		SKIP(return, "recallfs tests must run as root");
	/* Only the guest runner sets it: without it this is not the rig. */
	if (!lower)
		SKIP(return, "RECALLFS_LOWER is not set");
	ASSERT_TRUE(realpath(lower, self->lower) != NULL)
		TH_LOG("realpath(RECALLFS_LOWER=%s): %s", lower, strerror(errno));
	err = enter_private_ns();
	ASSERT_EQ(0, err) TH_LOG("private mount namespace: %s", strerror(err));
	err = make_base(self->base, sizeof(self->base));
	ASSERT_EQ(0, err) TH_LOG("mkdtemp: %s", strerror(err));
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	path_join(self->mnt2, sizeof(self->mnt2), self->base, "mnt2");
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	ASSERT_EQ(0, mkdir(self->mnt2, 0755));
	self->kmsg = kmsg_open_tail();
	self->ready = true;
}

FIXTURE_TEARDOWN(mountopts)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (!self->base[0])
		return;
	/* Loop: a test may have stacked mounts. */
	while (!umount2(self->mnt, MNT_DETACH))
		;
	while (!umount2(self->mnt2, MNT_DETACH))
		;
	remove_tree(self->base);
}

/* A failing mount: errno and a "recallfs:" kernel log line. */
static void expect_mount_error(struct __test_metadata *_metadata,
			       FIXTURE_DATA(mountopts) *self, const char *data,
			       int want, const char *needle_a,
			       const char *needle_b)
{
	char line[1024];
	bool found;
	int err;

	err = mount_recallfs_data(self->mnt, data);
	if (!err)
		umount2(self->mnt, MNT_DETACH);
	EXPECT_EQ(want, err)
		TH_LOG("mount -t recallfs -o '%s': got %s, want %s",
		       data ? data : "(no data)", errname(err), errname(want));
	ASSERT_LE(0, self->kmsg) TH_LOG("cannot read /dev/kmsg to check the log message");
	found = kmsg_find(self->kmsg, "recallfs:", needle_a, needle_b, line,
			  sizeof(line));
	EXPECT_TRUE(found)
		TH_LOG("no kernel log line with 'recallfs:' and '%s'%s%s%s after mount -o '%s'",
		       needle_a, needle_b[0] ? " or '" : "", needle_b,
		       needle_b[0] ? "'" : "", data ? data : "(no data)");
	if (found)
		TH_LOG("kernel said: %s", line);
}

TEST_F(mountopts, missing_lowerdir)
{
	REQUIRE_READY();
	expect_mount_error(_metadata, self, NULL, EINVAL, "lowerdir", "lowerdir");
}

TEST_F(mountopts, nonexistent_lowerdir)
{
	char missing[PATH_MAX], data[PATH_MAX + 16];

	REQUIRE_READY();
	path_join(missing, sizeof(missing), self->base, "no-such-dir");
	snprintf(data, sizeof(data), "lowerdir=%s", missing);
	expect_mount_error(_metadata, self, data, ENOENT, "lowerdir", missing);
}

TEST_F(mountopts, lowerdir_is_regular_file)
{
	char file[PATH_MAX], data[PATH_MAX + 16];

	REQUIRE_READY();
	path_join(file, sizeof(file), self->lower, SMALL_FILE);
	snprintf(data, sizeof(data), "lowerdir=%s", file);
	expect_mount_error(_metadata, self, data, ENOTDIR, "lowerdir", file);
}

TEST_F(mountopts, unknown_option)
{
	char data[PATH_MAX + 32];

	REQUIRE_READY();
	snprintf(data, sizeof(data), "lowerdir=%s,bogus=1", self->lower);
	expect_mount_error(_metadata, self, data, EINVAL, "bogus", "bogus");
}

TEST_F(mountopts, min_entries_above_max_entries)
{
	char data[PATH_MAX + 64];
	int err;

	REQUIRE_READY();
	snprintf(data, sizeof(data), "lowerdir=%s,max_entries=100,min_entries=101", self->lower);
	expect_mount_error(_metadata, self, data, EINVAL, "min_entries", "min_entries=101");
	/* The control: the floor may equal the capacity (nothing given back). */
	snprintf(data, sizeof(data), "lowerdir=%s,max_entries=100,min_entries=100", self->lower);
	err = mount_recallfs_data(self->mnt, data);
	EXPECT_EQ(0, err) TH_LOG("mount -o %s: %s", data, strerror(err));
	if (!err) {
		char line[4 * PATH_MAX];

		EXPECT_TRUE(mounts_line(self->mnt, line, sizeof(line)) &&
			    strstr(line, ",min_entries=100"))
			TH_LOG("/proc/self/mounts does not show min_entries=100");
		EXPECT_EQ(0, umount2(self->mnt, 0));
	}
}

TEST_F(mountopts, lowerdir_is_recallfs)
{
	char data[PATH_MAX + 16];
	int err;

	REQUIRE_READY();
	err = mount_recallfs(self->lower, self->mnt2);
	ASSERT_EQ(0, err) TH_LOG("mount over %s: %s", self->lower, strerror(err));
	snprintf(data, sizeof(data), "lowerdir=%s", self->mnt2);
	/* Any recallfs: message will do; wording is the module's choice. */
	expect_mount_error(_metadata, self, data, EINVAL, "", "");
}

/* Mount, check /proc/mounts and a read, umount (busy, then not). */
static void mount_check_umount(struct __test_metadata *_metadata,
			       FIXTURE_DATA(mountopts) *self)
{
	char line[4 * PATH_MAX], opt[PATH_MAX + 16], path[PATH_MAX];
	struct dentries d;
	struct statfs sf;
	uint64_t ha, hb, la, lb;
	int err, fd;

	err = mount_recallfs(self->lower, self->mnt);
	ASSERT_EQ(0, err) TH_LOG("mount: %s", strerror(err));
	ASSERT_TRUE(mounts_line(self->mnt, line, sizeof(line)))
		TH_LOG("%s not in /proc/self/mounts", self->mnt);
	snprintf(opt, sizeof(opt), "lowerdir=%s", self->lower);
	EXPECT_TRUE(strstr(line, " recallfs ") && strstr(line, opt) &&
		    strstr(line, " ro"))
		TH_LOG("/proc/self/mounts line '%s' lacks type recallfs, ro or '%s'", line, opt);

	path_join(path, sizeof(path), self->lower, SMALL_FILE);
	ASSERT_EQ(0, digest_file(path, &ha, &la));
	path_join(path, sizeof(path), self->mnt, SMALL_FILE);
	ASSERT_EQ(0, digest_file(path, &hb, &lb));
	EXPECT_TRUE(ha == hb && la == lb) TH_LOG("%s differs after mount", SMALL_FILE);

	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, umount2(self->mnt, 0));
	EXPECT_EQ(EBUSY, errno) TH_LOG("umount with an open file: %s", strerror(errno));
	close(fd);
	ASSERT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount %s: %s", self->mnt, strerror(errno));
	/* The mount point is the empty directory again. */
	ASSERT_EQ(0, statfs(self->mnt, &sf));
	EXPECT_NE((unsigned long)RECALLFS_MAGIC, (unsigned long)sf.f_type);
	ASSERT_EQ(0, read_dir_sorted(self->mnt, &d));
	EXPECT_EQ(0U, d.n);
	dentries_free(&d);
}

TEST_F(mountopts, proc_mounts_and_umount)
{
	REQUIRE_READY();
	mount_check_umount(_metadata, self);
	/* And once more: nothing left behind by the first round. */
	mount_check_umount(_metadata, self);
}

static int delete_module_retry(const char *name)
{
	for (int i = 0; i < 50; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return errno;
		/* Namespaces of earlier tests may still be going away. */
		usleep(100000);
	}
	return errno;
}

static void read_refcnt(char *out, size_t size)
{
	FILE *f = fopen("/sys/module/recallfs/refcnt", "re");

	snprintf(out, size, "?");
	if (f) {
		if (fgets(out, size, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

/* Failed mounts of every kind; none may keep a module reference. */
static void failed_mounts(FIXTURE_DATA(mountopts) *self)
{
	char data[PATH_MAX + 32];

	mount_recallfs_data(self->mnt, NULL);
	mount_recallfs_data(self->mnt, "lowerdir=/nonexistent/recallfs-test");
	snprintf(data, sizeof(data), "lowerdir=%s/%s", self->lower, SMALL_FILE);
	mount_recallfs_data(self->mnt, data);
	snprintf(data, sizeof(data), "lowerdir=%s,bogus=1", self->lower);
	mount_recallfs_data(self->mnt, data);
	if (!mount_recallfs(self->lower, self->mnt2)) {
		snprintf(data, sizeof(data), "lowerdir=%s", self->mnt2);
		mount_recallfs_data(self->mnt, data);
		umount2(self->mnt2, 0);
	}
}

TEST_F(mountopts, module_reload)
{
	const char *module = env("RECALLFS_MODULE");
	char refcnt[32];
	int fd, err;

	REQUIRE_READY();
	if (!module)
		SKIP(return, "RECALLFS_MODULE is not set");
	/* Never unload what we could not load again. */
	fd = open(module, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open RECALLFS_MODULE=%s: %s", module, strerror(errno));
	if (fs_mounted("recallfs")) {
		close(fd);
		SKIP(return, "a recallfs mount exists outside this test");
	}
	failed_mounts(self);
	err = delete_module_retry("recallfs");
	read_refcnt(refcnt, sizeof(refcnt));
	ASSERT_EQ(0, err) TH_LOG("rmmod recallfs after failed mounts: %s (refcnt %s)",
				 strerror(err), refcnt);
	EXPECT_FALSE(fs_registered("recallfs")) TH_LOG("recallfs still in /proc/filesystems after rmmod");

	err = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	ASSERT_EQ(0, err) TH_LOG("insmod %s: %s -- the module is now NOT loaded", module, strerror(err));
	EXPECT_TRUE(fs_registered("recallfs"));
	mount_check_umount(_metadata, self);
}

/* ------------------------------------------------------------------ */
/* recallfs as the lower layer of overlayfs.                         */

static int make_overlay(FIXTURE_DATA(recallfs) *self, char *ovl, char *upper)
{
	char tmp[PATH_MAX], work[PATH_MAX], data[4 * PATH_MAX];
	struct stat st;

	path_join(tmp, PATH_MAX, self->base, "ovl-tmpfs");
	path_join(upper, PATH_MAX, tmp, "upper");
	path_join(work, PATH_MAX, tmp, "work");
	path_join(ovl, PATH_MAX, self->base, "ovl");
	if (mkdir(tmp, 0755) || mkdir(ovl, 0755))
		return errno;
	if (mount("tmpfs", tmp, "tmpfs", 0, "mode=0755"))
		return errno;
	note_mount(self, tmp);
	if (mkdir(upper, 0755) || mkdir(work, 0755))
		return errno;
	/* The merged root shows the upper root: make it look like the lower. */
	if (stat(self->mnt, &st) || chmod(upper, st.st_mode & 07777) ||
	    chown(upper, st.st_uid, st.st_gid))
		return errno;
	snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s",
		 self->mnt, upper, work);
	if (mount("overlay", ovl, "overlay", 0, data))
		return errno;
	note_mount(self, ovl);
	return 0;
}

/*
 * Its own fixture, run after everything else: a kernel crash here (seen
 * during development) must not hide the results of the other tests.
 * Same mount as the recallfs fixture.
 */
FIXTURE(overlay) {
	FIXTURE_DATA(recallfs) r;
};

FIXTURE_SETUP(overlay)
{
	recallfs_setup(_metadata, &self->r, NULL);
}

FIXTURE_TEARDOWN(overlay)
{
	recallfs_teardown(_metadata, &self->r, NULL);
}

TEST_F(overlay, overlay_lower_layer)
{
	char ovl[PATH_MAX], upper[PATH_MAX], path[PATH_MAX], line[512];
	const char *export = env("RECALLFS_EXPORT");
	char *before, *after, *orig, *buf, diff[2 * PATH_MAX];
	size_t len, olen;
	struct walk w;
	int kmsg, err;

	if (!self->r.ready)
		return;	/* setup skipped, see REQUIRE_READY() */
	kmsg = kmsg_open_tail();
	err = make_overlay(&self->r, ovl, upper);
	if (err == ENODEV)
		SKIP(return, "overlay filesystem not available");
	ASSERT_EQ(0, err) TH_LOG("mount overlay on recallfs: %s; kernel says: %s",
				 strerror(err),
				 kmsg_find(kmsg, "overlay", "", "", line, sizeof(line)) ?
				 line : "nothing");

	/* Reads through the overlay equal NFS. */
	init_walk(&w, _metadata, self->r.lower, ovl,
		  W_READDIR | W_STAT | W_DATA | W_LINK);
	w.got_name = "overlay";
	w.overlay = true;
	walk_tree(&w);
	ASSERT_WALKED_TREE(&w);
	EXPECT_EQ(0U, w.mismatches) TH_LOG("%u mismatches through overlay", w.mismatches);

	/* Writes land in the upper layer only. */
	before = snapshot_tree(export ? export : self->r.lower);
	ASSERT_TRUE(before != NULL);
	orig = read_rel(_metadata, self->r.lower, SMALL_FILE, &olen);
	ASSERT_TRUE(orig != NULL);
	path_join(path, sizeof(path), ovl, "ovl-new.txt");
	ASSERT_EQ(0, write_file(path, "written through overlay\n", O_CREAT | O_EXCL));
	path_join(path, sizeof(path), ovl, SMALL_FILE);
	ASSERT_EQ(0, write_file(path, "appended\n", O_APPEND)) TH_LOG("copy-up of %s", SMALL_FILE);
	path_join(path, sizeof(path), ovl, "apps/ovl-new-dir");
	ASSERT_EQ(0, mkdir(path, 0755));
	path_join(path, sizeof(path), ovl, "modes/f0644");
	ASSERT_EQ(0, chmod(path, 0600)) TH_LOG("metadata copy-up: %s", strerror(errno));

	buf = read_rel(_metadata, upper, "ovl-new.txt", &len);
	EXPECT_TRUE(buf && len == 24) TH_LOG("new file missing from the upper layer");
	free(buf);
	buf = read_rel(_metadata, upper, SMALL_FILE, &len);
	EXPECT_TRUE(buf && len == olen + 9 && !memcmp(buf, orig, olen) &&
		    !memcmp(buf + olen, "appended\n", 9))
		TH_LOG("copied-up %s in the upper layer: %zu bytes, want %zu", SMALL_FILE, len, olen + 9);
	free(buf);
	buf = read_rel(_metadata, self->r.mnt, SMALL_FILE, &len);
	EXPECT_TRUE(buf && len == olen && !memcmp(buf, orig, olen))
		TH_LOG("%s changed in recallfs after an overlay write", SMALL_FILE);
	free(buf);

	after = snapshot_tree(export ? export : self->r.lower);
	ASSERT_TRUE(after != NULL);
	first_diff(before, after, diff, sizeof(diff));
	EXPECT_STREQ(before, after) TH_LOG("lower changed by overlay writes: %s", diff);
	free(before);
	free(after);
	free(orig);
	if (kmsg >= 0)
		close(kmsg);
}

TEST_HARNESS_MAIN
