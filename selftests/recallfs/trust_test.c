// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests: the trust rule. recallfs answers from memory only what
 * the server would answer to anyone; everything else asks the lower inode
 * with the caller's credentials. A record never grants more than the lower
 * object, and journals are input from disk, hostile until checked.
 *
 * Every expected answer comes from the NFS lower mount as the same user, at
 * the same moment; RPC counts come from /proc/self/mountstats.
 *
 * Environment (set by the guest runner; tests SKIP when theirs is missing):
 *   RECALLFS_LOWER, RECALLFS_EXPORT    NFS view and server-side (tmpfs) path of a
 *                                      no_root_squash export
 *   RECALLFS_SQUASH_LOWER, RECALLFS_SQUASH_EXPORT
 *                                      the same for a root_squash export
 *   RECALLFS_NFS_VERSION               "3" or "4.2"
 *
 * Each test makes its own directory on the server side, mounts recallfs over
 * the NFS view of it in a private mount namespace, with its journal on /tmp.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "rig.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (300 * RECALLFS_TIME_SCALE)

#define USER_A		1000	/* owns the private files */
#define USER_B		2000	/* named nowhere */

FIXTURE(trust) {
	char base[PATH_MAX];	/* /tmp/trust_test.XXXXXX */
	char mnt[PATH_MAX];	/* base/mnt */
	char journal[PATH_MAX];	/* base/journal */
	char export[PATH_MAX];	/* server side of this test's directory */
	char lower[PATH_MAX];	/* NFS view of it */
	char name[64];		/* sysfs name of the current mount */
	char data[2 * PATH_MAX];
	int seq;
	int kmsg;
	bool v3;
};

static int mount_recallfs(FIXTURE_DATA(trust) *self, const char *lowerdir, const char *opts)
{
	xsnprintf(self->name, sizeof(self->name), "tt%d-%d", getpid(), ++self->seq);
	xsnprintf(self->data, sizeof(self->data), "lowerdir=%s,journal=%s,name=%s%s",
		  lowerdir, self->journal, self->name, opts);
	return mount("none", self->mnt, "recallfs", 0, self->data) ? errno : 0;
}

#define MOUNT(opts) do { \
	int _err = mount_recallfs(self, self->lower, opts); \
	ASSERT_EQ(0, _err) TH_LOG("mount -t recallfs -o %s: %s", self->data, strerror(_err)); \
} while (0)

#define UMOUNT() ASSERT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount: %s", strerror(errno))

/*
 * Make this test's directory on the server side of the export named by the
 * environment pair (EXPORT_VAR, LOWER_VAR). SKIPs when they are not set.
 */
static bool setup_dir(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
		      const char *export_var, const char *lower_var, const char *tag)
{
	const char *export = env(export_var), *lower = env(lower_var);
	char rel[64];

	if (!export || !lower)
		return false;
	xsnprintf(rel, sizeof(rel), "trust-%d-%s", getpid(), tag);
	path_join(self->export, sizeof(self->export), export, rel);
	path_join(self->lower, sizeof(self->lower), lower, rel);
	EXPECT_EQ(0, mkdir(self->export, 0755)) TH_LOG("mkdir %s: %s", self->export, strerror(errno));
	return true;
}

FIXTURE_SETUP(trust)
{
	const char *v = env("RECALLFS_NFS_VERSION");
	int err;

	self->kmsg = -1;
	if (geteuid() != 0)
		SKIP(return, "must run as root");
	self->v3 = v && !strcmp(v, "3");
	err = enter_private_ns();
	ASSERT_EQ(0, err) TH_LOG("private mount namespace: %s", strerror(err));
	xsnprintf(self->base, sizeof(self->base), "/tmp/trust_test.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL);
	ASSERT_EQ(0, chmod(self->base, 0755));
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	path_join(self->journal, sizeof(self->journal), self->base, "journal");
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	self->kmsg = kmsg_open_tail();
}

FIXTURE_TEARDOWN(trust)
{
	char p[PATH_MAX];

	if (!self->base[0])
		return;
	while (!umount2(self->mnt, MNT_DETACH))
		;
	path_join(p, sizeof(p), self->base, "nosuid");
	while (!umount2(p, MNT_DETACH))
		;
	path_join(p, sizeof(p), self->base, "tiny");
	while (!umount2(p, MNT_DETACH))
		;
	path_join(p, sizeof(p), self->base, "nfs");
	while (!umount2(p, MNT_DETACH))
		;
	remove_tree(self->base);
	if (self->export[0])
		remove_tree(self->export);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* A clean kernel log since the last check: no WARN, BUG, oops, lockdep. */
#define KLOG_CLEAN() do { \
	struct klog _k; \
	klog_scan(self->kmsg, &_k); \
	EXPECT_EQ(0U, _k.bad) TH_LOG("kernel log: %s", _k.first_bad); \
} while (0)

static const char *const op_names[] = { "lstat", "read", "opendir", "listxattr" };

/* @op on REL as @uid through recallfs answers what it answers through NFS. */
static void expect_same(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
			uid_t uid, enum user_op op, const char *rel, const char *when)
{
	char a[PATH_MAX], b[PATH_MAX];
	int nfs, got;

	path_join(a, sizeof(a), self->lower, rel);
	path_join(b, sizeof(b), self->mnt, rel);
	nfs = as_user(uid, op, a);
	got = as_user(uid, op, b);
	ASSERT_LE(0, nfs) TH_LOG("%s as uid %d on NFS: child failed", rel, uid);
	EXPECT_EQ(nfs, got) TH_LOG("%s: %s %s as uid %d: NFS %s, recallfs %s", when, op_names[op],
				   rel, uid, errname(nfs), got < 0 ? "child failed" : errname(got));
}

/* ------------------------------------------------------------------ */
/* 1. A POSIX ACL that refuses one user a 0755 directory.              */

/* On-disk form of system.posix_acl_access (linux/posix_acl_xattr.h). */
struct acl_xattr_entry {
	uint16_t tag, perm;
	uint32_t id;
};

static int set_acl_refusing(const char *path, uid_t refused)
{
	struct {
		uint32_t version;
		struct acl_xattr_entry e[5];
	} acl = {
		.version = 2,
		.e = {
			{ 0x01, 7, (uint32_t)-1 },	/* user::rwx */
			{ 0x02, 0, refused },		/* user:REFUSED:--- */
			{ 0x04, 5, (uint32_t)-1 },	/* group::r-x */
			{ 0x10, 5, (uint32_t)-1 },	/* mask::r-x */
			{ 0x20, 5, (uint32_t)-1 },	/* other::r-x */
		},
	};

	return setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0) ? errno : 0;
}

/* getfacl through recallfs shows what it shows through NFS. */
static void expect_same_acl(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
			    const char *rel, const char *when)
{
	char a[PATH_MAX], b[PATH_MAX], va[256], vb[256];
	ssize_t na, nb;
	int ea, eb;

	path_join(a, sizeof(a), self->lower, rel);
	path_join(b, sizeof(b), self->mnt, rel);
	na = getxattr(a, "system.posix_acl_access", va, sizeof(va));
	ea = na < 0 ? errno : 0;
	nb = getxattr(b, "system.posix_acl_access", vb, sizeof(vb));
	eb = nb < 0 ? errno : 0;
	EXPECT_EQ(ea, eb) TH_LOG("%s: ACL of %s: NFS %s, recallfs %s", when, rel, errname(ea),
				 errname(eb));
	EXPECT_EQ(na, nb);
	if (na > 0 && na == nb)
		EXPECT_EQ(0, memcmp(va, vb, na)) TH_LOG("%s: ACL of %s differs", when, rel);
}

static const char *const acl_paths[] = { "acl/file", "acl/missing", "acl/sub", "acl" };

static void acl_probes(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
		       const char *when)
{
	char p[PATH_MAX];
	struct stat st;

	/* Root looks first, so that whatever may be recorded is. */
	for (size_t i = 0; i < ARRAY_SIZE(acl_paths); i++) {
		path_join(p, sizeof(p), self->mnt, acl_paths[i]);
		lstat(p, &st);
	}
	for (size_t i = 0; i < ARRAY_SIZE(acl_paths); i++) {
		expect_same(_metadata, self, USER_A, OP_LSTAT, acl_paths[i], when);
		expect_same(_metadata, self, USER_B, OP_LSTAT, acl_paths[i], when);
	}
	expect_same(_metadata, self, USER_A, OP_OPENDIR, "acl", when);
	expect_same(_metadata, self, USER_B, OP_READ, "acl/file", when);
	expect_same_acl(_metadata, self, "acl", when);
}

TEST_F(trust, acl_refuses_user_on_searchable_dir)
{
	char p[PATH_MAX];
	int err;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "acl"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(p, sizeof(p), self->export, "acl");
	ASSERT_EQ(0, mkdir(p, 0755));
	path_join(p, sizeof(p), self->export, "acl/sub");
	ASSERT_EQ(0, mkdir(p, 0755));
	path_join(p, sizeof(p), self->export, "acl/file");
	ASSERT_EQ(0, write_text(p, "acl\n"));
	path_join(p, sizeof(p), self->export, "acl");
	err = set_acl_refusing(p, USER_A);
	ASSERT_EQ(0, err) TH_LOG("setxattr system.posix_acl_access on %s: %s", p, strerror(err));
	path_join(p, sizeof(p), self->lower, "acl/file");
	ASSERT_EQ(EACCES, as_user(USER_A, OP_LSTAT, p))
		TH_LOG("the server does not refuse uid %d: the ACL did not reach NFS", USER_A);
	ASSERT_EQ(0, as_user(USER_B, OP_LSTAT, p));

	MOUNT("");
	acl_probes(_metadata, self, "verify mode");
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	acl_probes(_metadata, self, "immutable, after a remount");
	UMOUNT();
	KLOG_CLEAN();
}

/*
 * ls -l of newer coreutils asks each object for its list of xattr names,
 * and the index keeps an empty one. Over NFSv4.2 the list may depend on who
 * asks (user.* names only for a caller who may read the object): squashed
 * root may be shown none of a 0600 file's names, its owner all of them.
 * root asking first must not change what the owner is shown, after a
 * remount either. NFSv3 has no user.* xattrs (every list is empty); over
 * NFSv4 with ACLs every list has system.nfs4_acl, for everyone, and the
 * test logs what root and the owner were shown.
 */
static void list_probes(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
			const char *when)
{
	expect_same(_metadata, self, 0, OP_LISTXATTR, "named", when);
	expect_same(_metadata, self, USER_A, OP_LISTXATTR, "named", when);
	expect_same(_metadata, self, USER_B, OP_LISTXATTR, "named", when);
	expect_same(_metadata, self, 0, OP_LISTXATTR, "plain", when);
	expect_same(_metadata, self, USER_B, OP_LISTXATTR, "plain", when);
}

TEST_F(trust, xattr_names_listed_as_the_server_lists_them)
{
	char p[PATH_MAX];

	if (!setup_dir(_metadata, self, "RECALLFS_SQUASH_EXPORT", "RECALLFS_SQUASH_LOWER", "xl"))
		SKIP(return, "RECALLFS_SQUASH_EXPORT / RECALLFS_SQUASH_LOWER not set");
	path_join(p, sizeof(p), self->export, "plain");
	ASSERT_EQ(0, write_text(p, "plain\n"));
	path_join(p, sizeof(p), self->export, "named");
	ASSERT_EQ(0, write_text(p, "named\n"));
	/* tmpfs has user.* xattrs since 6.6: before, every list is empty here too. */
	if (setxattr(p, "user.recallfs.test", "1", 1, 0))
		note("no user xattrs on the export: %s\n", strerror(errno));
	ASSERT_EQ(0, chown(p, USER_A, USER_A));
	ASSERT_EQ(0, chmod(p, 0600));
	path_join(p, sizeof(p), self->lower, "named");
	note("over NFS, root lists %s of named, its owner %s\n",
	     errname(as_user(0, OP_LISTXATTR, p)), errname(as_user(USER_A, OP_LISTXATTR, p)));

	MOUNT(",immutable");
	list_probes(_metadata, self, "immutable");
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	list_probes(_metadata, self, "immutable, after a remount");
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 2. root_squash: root is refused through recallfs as through NFS.    */

static void read_probes(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
			const char *when)
{
	/* The owner reads first: its data is then in the lower page cache. */
	expect_same(_metadata, self, USER_A, OP_READ, "secret", when);
	expect_same(_metadata, self, 0, OP_READ, "secret", when);
	expect_same(_metadata, self, USER_B, OP_READ, "secret", when);
	expect_same(_metadata, self, 0, OP_LSTAT, "secret", when);
	expect_same(_metadata, self, USER_A, OP_READ, "pub", when);
}

/* Readers that never read through NFS before: new credentials there. */
static void fresh_readers(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self,
			  const char *root, uid_t first, const char *when)
{
	char p[PATH_MAX], buf[256];
	struct rpcs a, b, d;

	path_join(p, sizeof(p), root, "pub");
	ASSERT_EQ(0, nfs_rpcs(self->lower, &a, NULL, 0));
	for (uid_t u = first; u < first + 3; u++) {
		int err = as_user(u, OP_READ, p);

		EXPECT_EQ(0, err) TH_LOG("%s: read %s as a new user: %s", when, p, errname(err));
	}
	ASSERT_EQ(0, nfs_rpcs(self->lower, &b, NULL, 0));
	d = rpc_delta(&a, &b);
	rpc_format(&d, buf, sizeof(buf));
	note("%s: three new users read pub: %s\n", when, buf);
	if (root == self->lower) {
		/* The control: plain NFSv3 asks the server for each new user. */
		if (self->v3)
			EXPECT_LT(0ULL, d.v[RPC_ACCESS]) TH_LOG("control: NFSv3 sent no ACCESS");
		return;
	}
	EXPECT_EQ(0ULL, d.v[RPC_LOOKUP] + d.v[RPC_GETATTR])
		TH_LOG("%s: a world-readable file cost new RPCs for new users: %s", when, buf);
	/*
	 * NFSv4 opens the lower file as each caller (an OPEN, or under a
	 * delegation an ACCESS, per new user) until lower opens are shared.
	 */
	if (self->v3)
		EXPECT_EQ(0ULL, d.v[RPC_ACCESS])
			TH_LOG("%s: a world-readable file cost ACCESS for new users: %s", when, buf);
}

TEST_F(trust, root_squash_refused_like_nfs)
{
	char p[PATH_MAX];

	if (!setup_dir(_metadata, self, "RECALLFS_SQUASH_EXPORT", "RECALLFS_SQUASH_LOWER", "sq"))
		SKIP(return, "RECALLFS_SQUASH_EXPORT / RECALLFS_SQUASH_LOWER not set");
	path_join(p, sizeof(p), self->export, "secret");
	ASSERT_EQ(0, write_text(p, "secret\n"));
	ASSERT_EQ(0, chown(p, USER_A, USER_A));
	ASSERT_EQ(0, chmod(p, 0600));
	path_join(p, sizeof(p), self->export, "pub");
	ASSERT_EQ(0, write_text(p, "public\n"));
	path_join(p, sizeof(p), self->lower, "secret");
	ASSERT_EQ(EACCES, as_user(0, OP_READ, p)) TH_LOG("root_squash does not refuse root");

	fresh_readers(_metadata, self, self->lower, 3000, "plain NFS");
	MOUNT(",immutable");
	read_probes(_metadata, self, "immutable");
	expect_same(_metadata, self, 0, OP_READ, "pub", "immutable");
	fresh_readers(_metadata, self, self->mnt, 4000, "immutable, same mount");
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	expect_same(_metadata, self, 0, OP_READ, "secret", "immutable, after a remount, root first");
	read_probes(_metadata, self, "immutable, after a remount");
	expect_same(_metadata, self, 0, OP_READ, "pub", "immutable, after a remount");
	fresh_readers(_metadata, self, self->mnt, 5000, "immutable, after a remount");
	UMOUNT();
	MOUNT("");
	read_probes(_metadata, self, "verify mode");
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 3. Objects swapped on the server behind immutable records.          */

struct seen {
	int err;
	mode_t type;
	ino_t ino;
	char link[64];
};

static void look(const char *root, const char *rel, struct seen *s)
{
	char p[PATH_MAX];
	struct stat st;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	path_join(p, sizeof(p), root, rel);
	if (lstat(p, &st)) {
		s->err = errno;
		return;
	}
	s->type = st.st_mode & S_IFMT;
	s->ino = st.st_ino;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(p, s->link, sizeof(s->link) - 1);
		if (n >= 0)
			s->link[n] = '\0';
	}
}

static const char *const swap_paths[] = { "f", "d", "l", "d/in", "f/in", "d/new", "l/x" };

/* Everything a program might do with a name, with whatever result. */
static void touch_all(const char *root, const char *rel)
{
	char p[PATH_MAX], buf[64];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	path_join(p, sizeof(p), root, rel);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		close(fd);
	}
	d = opendir(p);
	if (d) {
		while ((de = readdir(d)))
			;
		closedir(d);
	}
	if (readlink(p, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	stat(p, &st);
	lstat(p, &st);
	getxattr(p, "user.x", buf, sizeof(buf));
}

TEST_F(trust, swapped_objects_never_oops)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct seen want, got;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "swap"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(p, sizeof(p), self->export, "f");
	ASSERT_EQ(0, write_text(p, "file\n"));
	path_join(p, sizeof(p), self->export, "d");
	ASSERT_EQ(0, mkdir(p, 0755));
	path_join(p, sizeof(p), self->export, "d/in");
	ASSERT_EQ(0, write_text(p, "in\n"));
	path_join(p, sizeof(p), self->export, "l");
	ASSERT_EQ(0, symlink("f", p));

	MOUNT(",immutable");
	for (size_t i = 0; i < ARRAY_SIZE(swap_paths); i++)
		touch_all(self->mnt, swap_paths[i]);
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	/* Instantiate every recorded name again, unbound. */
	for (size_t i = 0; i < ARRAY_SIZE(swap_paths); i++)
		look(self->mnt, swap_paths[i], &got);

	/* On the server: f becomes the directory, d the symlink, l the file. */
	path_join(p, sizeof(p), self->export, "f");
	path_join(q, sizeof(q), self->export, "tmp");
	ASSERT_EQ(0, rename(p, q));
	path_join(p, sizeof(p), self->export, "d");
	path_join(q, sizeof(q), self->export, "f");
	ASSERT_EQ(0, rename(p, q));
	path_join(p, sizeof(p), self->export, "l");
	path_join(q, sizeof(q), self->export, "d");
	ASSERT_EQ(0, rename(p, q));
	path_join(p, sizeof(p), self->export, "tmp");
	path_join(q, sizeof(q), self->export, "l");
	ASSERT_EQ(0, rename(p, q));
	/* Unused lower dentries go: NFS must look the names up again. */
	drop_caches();

	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ARRAY_SIZE(swap_paths); i++)
			touch_all(self->mnt, swap_paths[i]);
	KLOG_CLEAN();

	ASSERT_EQ(0, sysfs_puts(self->name, "invalidate_tree", "/"));
	for (size_t i = 0; i < ARRAY_SIZE(swap_paths); i++) {
		look(self->lower, swap_paths[i], &want);
		look(self->mnt, swap_paths[i], &got);
		EXPECT_EQ(want.err, got.err) TH_LOG("%s after invalidate: NFS %s, recallfs %s",
						    swap_paths[i], errname(want.err), errname(got.err));
		EXPECT_EQ(want.type, got.type) TH_LOG("%s after invalidate: type %o, want %o",
						      swap_paths[i], got.type, want.type);
		EXPECT_EQ(want.ino, got.ino) TH_LOG("%s after invalidate: ino", swap_paths[i]);
		EXPECT_STREQ(want.link, got.link);
	}
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 4. A journal someone other than root could have written is set aside. */

static long long replayed_after_mount(struct __test_metadata *_metadata,
				      FIXTURE_DATA(trust) *self)
{
	struct stats s = read_stats(self->name);

	EXPECT_TRUE(s.ok);
	return stat_of(&s, "replayed");
}

static unsigned int count_with_prefix(const char *dir, const char *prefix)
{
	struct dentries d;
	unsigned int n = 0;

	if (read_dir_sorted(dir, &d))
		return 0;
	for (size_t i = 0; i < d.n; i++)
		n += !strncmp(d.v[i].name, prefix, strlen(prefix));
	dentries_free(&d);
	return n;
}

static void prime_journal(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self)
{
	char p[PATH_MAX];
	struct stat st;

	MOUNT("");
	for (int i = 0; i < 20; i++) {
		xsnprintf(p, sizeof(p), "%s/missing-%d", self->mnt, i);
		lstat(p, &st);
	}
	UMOUNT();
}

TEST_F(trust, untrusted_journal_set_aside)
{
	static const struct { uid_t uid; mode_t mode; const char *why; } cases[] = {
		{ 0, 0600, NULL },
		{ USER_A, 0600, "not owned by root" },
		{ 0, 0620, "writable by group or others" },
		{ 0, 0602, "writable by group or others" },
	};
	char line[512];

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "journal"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int aside = count_with_prefix(self->base, "journal.bad-");
		long long replayed;

		prime_journal(_metadata, self);
		ASSERT_EQ(0, chown(self->journal, cases[i].uid, 0));
		ASSERT_EQ(0, chmod(self->journal, cases[i].mode));
		MOUNT("");
		replayed = replayed_after_mount(_metadata, self);
		UMOUNT();
		if (!cases[i].why) {
			EXPECT_LT(0, replayed) TH_LOG("control: a root-owned 0600 journal replayed nothing");
			continue;
		}
		EXPECT_EQ(0, replayed) TH_LOG("journal owned by %d, mode %o: %lld records replayed",
					      cases[i].uid, cases[i].mode, replayed);
		EXPECT_EQ(aside + 1, count_with_prefix(self->base, "journal.bad-"))
			TH_LOG("journal owned by %d, mode %o: not renamed aside", cases[i].uid,
			       cases[i].mode);
		EXPECT_TRUE(kmsg_find(self->kmsg, "recallfs", cases[i].why, cases[i].why, line,
				       sizeof(line)))
			TH_LOG("no kernel log line saying \"%s\"", cases[i].why);
	}
	KLOG_CLEAN();
}

TEST_F(trust, journal_in_directory_others_may_write_refused)
{
	static const struct { mode_t mode; int err; } cases[] = {
		{ 0777, EINVAL }, { 0775, EINVAL }, { 01777, 0 }, { 0755, 0 },
	};
	char dir[PATH_MAX], line[512];

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "jdir"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(dir, sizeof(dir), self->base, "jdir");
	ASSERT_EQ(0, mkdir(dir, 0755));
	path_join(self->journal, sizeof(self->journal), dir, "journal");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int err;

		ASSERT_EQ(0, chmod(dir, cases[i].mode));
		err = mount_recallfs(self, self->lower, "");
		EXPECT_EQ(cases[i].err, err) TH_LOG("journal in a directory of mode %o: mount %s",
						    cases[i].mode, errname(err));
		if (!err) {
			UMOUNT();
		} else {
			EXPECT_TRUE(kmsg_find(self->kmsg, "recallfs", "its directory may be written",
					      "its directory may be written", line, sizeof(line)));
		}
	}
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 5. Compaction never opens what sits at PATH.compact.                */

TEST_F(trust, compaction_never_opens_planted_file)
{
	char victim[PATH_MAX], planted[PATH_MAX], *buf;
	size_t len;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "compact"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(victim, sizeof(victim), self->base, "victim");
	ASSERT_EQ(0, write_text(victim, "precious\n"));
	xsnprintf(planted, sizeof(planted), "%s.compact", self->journal);
	ASSERT_EQ(0, link(victim, planted)) TH_LOG("link: %s", strerror(errno));

	prime_journal(_metadata, self);
	MOUNT("");
	EXPECT_EQ(0, sysfs_puts(self->name, "compact", "1"));
	UMOUNT();
	ASSERT_EQ(0, read_file(victim, &buf, &len));
	EXPECT_EQ(9U, len);
	EXPECT_EQ(0, memcmp(buf, "precious\n", len < 9 ? len : 9))
		TH_LOG("compaction wrote into a file linked at %s", planted);
	free(buf);
	EXPECT_EQ(1U, count_with_prefix(self->base, "journal.compact.stale-"));
	MOUNT("");
	EXPECT_LT(0, replayed_after_mount(_metadata, self)) TH_LOG("the compacted journal replays nothing");
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 6. Device nodes are never opened through recallfs.                  */

TEST_F(trust, device_nodes_not_opened)
{
	char p[PATH_MAX];
	struct stat want, got;
	int fd;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "dev"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(p, sizeof(p), self->export, "null");
	ASSERT_EQ(0, mknod(p, S_IFCHR | 0666, makedev(1, 3))) TH_LOG("mknod: %s", strerror(errno));
	path_join(p, sizeof(p), self->export, "fifo");
	ASSERT_EQ(0, mkfifo(p, 0644));

	/* For the log: the NFS mount itself opens it (NFSv3; NFSv4 on 7.x says EIO). */
	path_join(p, sizeof(p), self->lower, "null");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	note("open of a device node on NFS: %s\n", fd >= 0 ? "opened" : strerror(errno));
	if (fd >= 0)
		close(fd);
	for (int round = 0; round < 2; round++) {
		MOUNT(round ? ",immutable" : "");
		for (int i = 0; i < 2; i++) {
			const char *rel = i ? "fifo" : "null";

			path_join(p, sizeof(p), self->lower, rel);
			ASSERT_EQ(0, lstat(p, &want));
			path_join(p, sizeof(p), self->mnt, rel);
			ASSERT_EQ(0, lstat(p, &got));
			EXPECT_EQ(want.st_mode, got.st_mode);
			EXPECT_EQ(want.st_rdev, got.st_rdev);
		}
		path_join(p, sizeof(p), self->mnt, "null");
		fd = open(p, O_RDONLY | O_CLOEXEC);
		EXPECT_EQ(-1, fd) TH_LOG("a device node opened through recallfs");
		EXPECT_EQ(EACCES, errno);
		if (fd >= 0)
			close(fd);
		UMOUNT();
		drop_caches();
	}
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 7. setuid counts only where the lower mount honours it.             */

/* What "PROG -u" prints as @uid, or "" if it did not run. */
static void euid_of(const char *prog, uid_t uid, char *out, size_t size)
{
	const char *const argv[] = { prog, "-u", NULL };
	const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		char buf[64];
		int st;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(1);
		if (run_capture(argv, envp, buf, sizeof(buf), &st) || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			_exit(1);
		if (write(pipefd[1], buf, strcspn(buf, "\n")) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	n = pid > 0 ? read(pipefd[0], out, size - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* A setuid-root copy of id(1) as "id" in the test's directory, on the server. */
static void setuid_id_on_server(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self)
{
	char p[PATH_MAX], *buf;
	size_t len;
	int fd;

	ASSERT_EQ(0, read_file("/usr/bin/id", &buf, &len));
	path_join(p, sizeof(p), self->export, "id");
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, buf, len));
	close(fd);
	free(buf);
	ASSERT_EQ(0, chmod(p, 04755));
}

TEST_F(trust, record_never_grants_an_owner_the_lower_lacks)
{
	char p[PATH_MAX], nfs[64], got[64];
	struct stat st;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "owner"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	setuid_id_on_server(_metadata, self);
	MOUNT(",immutable");
	path_join(p, sizeof(p), self->mnt, "id");
	euid_of(p, NOBODY_ID, got, sizeof(got));
	ASSERT_STREQ("0", got) TH_LOG("control: setuid root through recallfs printed \"%s\"", got);
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	ASSERT_EQ(0, lstat(p, &st));	/* an inode from the record: setuid root */
	/* On the server, the same file (same inode, same mode) now belongs to a user. */
	path_join(p, sizeof(p), self->export, "id");
	ASSERT_EQ(0, chown(p, USER_A, USER_A));
	ASSERT_EQ(0, chmod(p, 04755));
	drop_caches();
	path_join(p, sizeof(p), self->mnt, "id");
	euid_of(p, NOBODY_ID, got, sizeof(got));
	path_join(p, sizeof(p), self->lower, "id");
	euid_of(p, NOBODY_ID, nfs, sizeof(nfs));
	EXPECT_STREQ(nfs, got) TH_LOG("exec of a setuid file whose owner changed: NFS runs as %s, recallfs as %s",
				      nfs, got);
	UMOUNT();
	KLOG_CLEAN();
}

TEST_F(trust, setuid_only_where_lower_honours_it)
{
	char p[PATH_MAX], nosuid[PATH_MAX], out[64];
	int err;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "suid"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	setuid_id_on_server(_metadata, self);

	/* The control: setuid root works from the NFS mount itself. */
	path_join(p, sizeof(p), self->lower, "id");
	euid_of(p, NOBODY_ID, out, sizeof(out));
	ASSERT_STREQ("0", out) TH_LOG("control: setuid id on NFS printed \"%s\"", out);

	/* The lower mount recallfs stacks on: the same tree, nosuid. */
	path_join(nosuid, sizeof(nosuid), self->base, "nosuid");
	ASSERT_EQ(0, mkdir(nosuid, 0755));
	ASSERT_EQ(0, mount(self->lower, nosuid, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, nosuid, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID, NULL));
	path_join(p, sizeof(p), nosuid, "id");
	euid_of(p, NOBODY_ID, out, sizeof(out));
	ASSERT_STREQ("65534", out) TH_LOG("control: nosuid bind mount printed \"%s\"", out);

	for (int round = 0; round < 2; round++) {
		err = mount_recallfs(self, nosuid, round ? ",immutable" : "");
		ASSERT_EQ(0, err) TH_LOG("mount %s: %s", self->data, strerror(err));
		path_join(p, sizeof(p), self->mnt, "id");
		euid_of(p, NOBODY_ID, out, sizeof(out));
		EXPECT_STREQ("65534", out) TH_LOG("round %d: setuid honoured over a nosuid lower", round);
		UMOUNT();
		drop_caches();
	}
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 8. Verify mode: an answer of a forgotten directory state is stale.   */

TEST_F(trust, verify_answers_of_forgotten_state_are_stale)
{
	char p[PATH_MAX];
	struct stat st;
	int err;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "gen"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	MOUNT(",revalidate=1");
	/* Both missing: recorded, and negative dentries of the same state. */
	for (int i = 0; i < 2; i++) {
		path_join(p, sizeof(p), self->mnt, i ? "x" : "a");
		ASSERT_EQ(-1, lstat(p, &st));
	}
	for (int i = 0; i < 2; i++) {
		path_join(p, sizeof(p), self->export, i ? "x" : "a");
		ASSERT_EQ(0, write_text(p, "now here\n"));
	}
	usleep(1200 * 1000);	/* past revalidate=1 */
	/* a: the changed stamp forgets the state that said "missing". */
	path_join(p, sizeof(p), self->mnt, "a");
	err = lstat(p, &st) ? errno : 0;
	EXPECT_EQ(0, err) TH_LOG("a created on the server: recallfs %s", errname(err));
	/* x: its dentry came from that forgotten state. */
	path_join(p, sizeof(p), self->mnt, "x");
	err = lstat(p, &st) ? errno : 0;
	EXPECT_EQ(0, err) TH_LOG("x created on the server: recallfs %s after a's lookup", errname(err));
	path_join(p, sizeof(p), self->lower, "x");
	err = lstat(p, &st) ? errno : 0;
	EXPECT_EQ(0, err) TH_LOG("control: NFS says %s for x", errname(err));
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 9. Complete listings: sound or not at all.                           */

#define LISTED_NAMES	20

static void make_listed_dir(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self)
{
	char p[PATH_MAX];

	for (int i = 0; i < LISTED_NAMES; i++) {
		xsnprintf(p, sizeof(p), "%s/name-%02d", self->export, i);
		ASSERT_EQ(0, write_text(p, "x\n"));
	}
}

static void list_mnt(struct __test_metadata *_metadata, FIXTURE_DATA(trust) *self)
{
	struct dentries d;

	ASSERT_EQ(0, read_dir_sorted(self->mnt, &d));
	EXPECT_EQ((size_t)LISTED_NAMES, d.n);
	dentries_free(&d);
}

TEST_F(trust, listing_replayed_over_max_entries_is_not_complete)
{
	char p[PATH_MAX];
	struct stat st;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "maxent"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	make_listed_dir(_metadata, self);
	MOUNT(",immutable");
	list_mnt(_metadata, self);
	UMOUNT();
	drop_caches();
	/* Fewer entries than were recorded: replay must drop some. */
	MOUNT(",immutable,max_entries=5");
	for (int i = 0; i < LISTED_NAMES; i++) {
		int err;

		xsnprintf(p, sizeof(p), "%s/name-%02d", self->mnt, i);
		err = lstat(p, &st) ? errno : 0;
		EXPECT_EQ(0, err) TH_LOG("name-%02d, listed and existing: %s after a replay over max_entries",
					 i, errname(err));
	}
	UMOUNT();
	KLOG_CLEAN();
}

TEST_F(trust, hidden_dot_names_reachable_after_listing)
{
	char p[PATH_MAX];
	struct stat st;
	int err;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "dot"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	make_listed_dir(_metadata, self);
	MOUNT(",immutable");
	list_mnt(_metadata, self);
	/*
	 * A name the listing did not show, as a filer's .snapshot is never
	 * listed: made on the server after the listing, it stands for one.
	 */
	path_join(p, sizeof(p), self->export, ".snapshot");
	ASSERT_EQ(0, mkdir(p, 0755));
	path_join(p, sizeof(p), self->lower, ".snapshot");
	ASSERT_EQ(0, lstat(p, &st)) TH_LOG("control: NFS does not show .snapshot");
	path_join(p, sizeof(p), self->mnt, ".snapshot");
	err = lstat(p, &st) ? errno : 0;
	EXPECT_EQ(0, err) TH_LOG(".snapshot through recallfs after a complete listing: %s", errname(err));
	/* The control: an unlisted plain name is answered "missing" from the listing. */
	path_join(p, sizeof(p), self->export, "late");
	ASSERT_EQ(0, write_text(p, "late\n"));
	path_join(p, sizeof(p), self->mnt, "late");
	EXPECT_EQ(-1, lstat(p, &st)) TH_LOG("control: immutable mode looked a listed directory up");
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 10. An invalidation the journal cannot hold does not come back.      */

TEST_F(trust, invalidation_lost_by_a_full_journal_not_resurrected)
{
	char tiny[PATH_MAX], p[PATH_MAX];
	struct stat st;
	int err;

	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "full"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(tiny, sizeof(tiny), self->base, "tiny");
	ASSERT_EQ(0, mkdir(tiny, 0755));
	ASSERT_EQ(0, mount("tiny", tiny, "tmpfs", 0, "size=64k,mode=0755"));
	path_join(self->journal, sizeof(self->journal), tiny, "journal");
	MOUNT(",immutable,commit=1");
	path_join(p, sizeof(p), self->mnt, "later");
	ASSERT_EQ(-1, lstat(p, &st));
	ASSERT_EQ(0, sysfs_puts(self->name, "sync", "1")) TH_LOG("the first records did not fit");
	/* Fill the journal's filesystem: journaling stops. */
	for (int i = 0; i < 4000; i++) {
		xsnprintf(p, sizeof(p), "%s/filler-with-a-long-name-%06d", self->mnt, i);
		lstat(p, &st);
	}
	EXPECT_NE(0, sysfs_puts(self->name, "sync", "1")) TH_LOG("a full journal synced");

	path_join(p, sizeof(p), self->export, "later");
	ASSERT_EQ(0, write_text(p, "published\n"));
	err = sysfs_puts(self->name, "invalidate", "/");
	EXPECT_NE(0, err) TH_LOG("an invalidation that could not be journaled was acknowledged");
	UMOUNT();
	drop_caches();
	MOUNT(",immutable");
	path_join(p, sizeof(p), self->lower, "later");
	ASSERT_EQ(0, lstat(p, &st)) TH_LOG("control: NFS does not show the new file");
	path_join(p, sizeof(p), self->mnt, "later");
	err = lstat(p, &st) ? errno : 0;
	EXPECT_EQ(0, err) TH_LOG("after a remount, the invalidated negative entry came back: %s",
				 errname(err));
	UMOUNT();
	KLOG_CLEAN();
}

/* ------------------------------------------------------------------ */
/* 11. An invalidation reaches through the lower mount's own caches.    */

TEST_F(trust, invalidate_reaches_through_nfs_caches)
{
	const char *vers = env("RECALLFS_NFS_VERSION");
	char nfs[PATH_MAX], src[PATH_MAX], opts[128], out[1024], p[PATH_MAX];
	struct stat st;
	int status, err;

	if (!vers)
		SKIP(return, "RECALLFS_NFS_VERSION not set");
	if (!setup_dir(_metadata, self, "RECALLFS_EXPORT", "RECALLFS_LOWER", "actimeo"))
		SKIP(return, "RECALLFS_EXPORT / RECALLFS_LOWER not set");
	path_join(p, sizeof(p), self->export, "sub");
	ASSERT_EQ(0, mkdir(p, 0755));
	/* An NFS mount that trusts its caches for an hour. */
	path_join(nfs, sizeof(nfs), self->base, "nfs");
	ASSERT_EQ(0, mkdir(nfs, 0755));
	xsnprintf(src, sizeof(src), "127.0.0.1:%s", self->export);
	xsnprintf(opts, sizeof(opts), "vers=%s,actimeo=3600,nocto,nosharecache", vers);
	{
		const char *const argv[] = { "/bin/mount", "-t", "nfs", "-o", opts, src, nfs, NULL };
		const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

		ASSERT_EQ(0, run_capture(argv, envp, out, sizeof(out), &status));
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("mount: %s", out);
	}
	err = mount_recallfs(self, nfs, ",immutable");
	ASSERT_EQ(0, err) TH_LOG("mount %s: %s", self->data, strerror(err));
	for (int i = 0; i < 2; i++) {
		xsnprintf(p, sizeof(p), "%s/%s", self->mnt, i ? "sub/new" : "new");
		ASSERT_EQ(-1, lstat(p, &st));
	}
	for (int i = 0; i < 2; i++) {
		xsnprintf(p, sizeof(p), "%s/%s", self->export, i ? "sub/new" : "new");
		ASSERT_EQ(0, write_text(p, "published\n"));
	}
	/* For the log: the NFS mount's own answer, from its caches. */
	path_join(p, sizeof(p), nfs, "new");
	note("actimeo=3600,nocto NFS after the server created \"new\": %s\n",
	     lstat(p, &st) ? strerror(errno) : "visible");
	EXPECT_EQ(0, sysfs_puts(self->name, "invalidate", "/"));
	EXPECT_EQ(0, sysfs_puts(self->name, "invalidate_tree", "/sub"));
	for (int i = 0; i < 2; i++) {
		xsnprintf(p, sizeof(p), "%s/%s", self->mnt, i ? "sub/new" : "new");
		err = lstat(p, &st) ? errno : 0;
		EXPECT_EQ(0, err) TH_LOG("%s after invalidate: %s", p, errname(err));
	}
	UMOUNT();
	KLOG_CLEAN();
}

TEST_HARNESS_MAIN
