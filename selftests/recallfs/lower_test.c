// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests over a lower filesystem the test controls request by
 * request (fuse_lower.c): what NFS cannot be made to do on cue. The lower
 * caches like NFS with actimeo=3600: a missing name stays missing in the
 * client until something makes it ask again.
 *
 * - An invalidation racing a lookup or a listing: one is held at a known
 *   point (a forced GETATTR is left unanswered), the other runs there, and
 *   after the invalidation returns the server's truth must be seen, now and
 *   after a remount.
 * - A symlink's target read from an object the server replaced meanwhile, an
 *   ACL finding made on an object whose mode changed since it was recorded.
 * - A directory in use below an invalidated path.
 * - Listings: a lower that returns one name per READDIR, and a name that is
 *   found but never listed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "rig.h"
#include "fuse_lower.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (120 * RECALLFS_TIME_SCALE)
/* How long an invalidation may take to reach the GETATTR that is held. */
#define HOLD_WAIT_SECS (30 * RECALLFS_TIME_SCALE)

FIXTURE(lower) {
	char base[PATH_MAX];	/* /tmp/lower_test.XXXXXX */
	char fuse[PATH_MAX];	/* base/fuse: the lower */
	char mnt[PATH_MAX];	/* base/mnt: recallfs */
	char journal[PATH_MAX];
	char name[64];
	char data[3 * PATH_MAX];
	struct fuse_lower *fl;
	int kmsg;
	int seq;
};

FIXTURE_SETUP(lower)
{
	int err;

	self->kmsg = -1;
	if (geteuid() != 0)
		SKIP(return, "must run as root");
	err = enter_private_ns();
	ASSERT_EQ(0, err) TH_LOG("private mount namespace: %s", strerror(err));
	xsnprintf(self->base, sizeof(self->base), "/tmp/lower_test.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL);
	path_join(self->fuse, sizeof(self->fuse), self->base, "fuse");
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	path_join(self->journal, sizeof(self->journal), self->base, "journal");
	ASSERT_EQ(0, mkdir(self->fuse, 0755));
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	self->fl = fuse_lower_start(self->fuse);
	ASSERT_TRUE(self->fl != NULL) TH_LOG("FUSE lower at %s: %s", self->fuse, strerror(errno));
	self->kmsg = kmsg_open_tail();
}

FIXTURE_TEARDOWN(lower)
{
	if (self->base[0])
		while (!umount2(self->mnt, MNT_DETACH))
			;
	fuse_lower_stop(self->fl);
	if (self->base[0])
		remove_tree(self->base);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

static int mount_recallfs(FIXTURE_DATA(lower) *self, const char *opts)
{
	xsnprintf(self->name, sizeof(self->name), "lt%d-%d", getpid(), ++self->seq);
	xsnprintf(self->data, sizeof(self->data), "lowerdir=%s,journal=%s,name=%s%s",
		  self->fuse, self->journal, self->name, opts);
	return mount("none", self->mnt, "recallfs", 0, self->data) ? errno : 0;
}

#define MOUNT(opts) do { \
	int _err = mount_recallfs(self, opts); \
	ASSERT_EQ(0, _err) TH_LOG("mount -t recallfs -o %s: %s", self->data, strerror(_err)); \
} while (0)

#define UMOUNT() ASSERT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount: %s", strerror(errno))

#define ADD(path, mode) do { \
	int _err = fuse_lower_add(self->fl, path, mode); \
	ASSERT_EQ(0, _err) TH_LOG("server: add %s: %s", path, strerror(_err)); \
} while (0)

#define EXPECT_KLOG_CLEAN() do { \
	struct klog _k; \
	klog_scan(self->kmsg, &_k); \
	EXPECT_EQ(0U, _k.bad) TH_LOG("kernel log: %s", _k.first_bad); \
} while (0)

/* lstat() of root/rel: 0 or errno. */
static int lstat_err(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	path_join(path, sizeof(path), root, rel);
	return lstat(path, &st) ? errno : 0;
}

/* Through recallfs, and on the lower mount itself. */
#define stat_err(self, rel)		lstat_err((self)->mnt, rel)
#define lower_stat_err(self, rel)	lstat_err((self)->fuse, rel)

/* A sysfs write in a thread of its own: it is held inside the lower. */
struct sysfs_writer {
	pthread_t thread;
	const char *name, *attr, *value;
	int err;
};

static void *sysfs_writer_run(void *arg)
{
	struct sysfs_writer *w = arg;

	w->err = sysfs_puts(w->name, w->attr, w->value);
	return NULL;
}

/* The race's tree: t/a and t/b, each missing x, then given x by the server. */
static void prime_missing_x(struct __test_metadata *_metadata, FIXTURE_DATA(lower) *self)
{
	ADD("t", S_IFDIR | 0755);
	ADD("t/a", S_IFDIR | 0755);
	ADD("t/b", S_IFDIR | 0755);
	MOUNT(",immutable");
	ASSERT_EQ(ENOENT, stat_err(self, "t/a/x"));
	ASSERT_EQ(ENOENT, stat_err(self, "t/b/x"));
	ADD("t/a/x", S_IFREG | 0644);
	ADD("t/b/x", S_IFREG | 0644);
	/*
	 * The control: recorded missing, and the lower still trusts its own
	 * "missing" (which is what an answer racing the invalidation can see).
	 */
	ASSERT_EQ(ENOENT, stat_err(self, "t/a/x"));
	ASSERT_EQ(ENOENT, lower_stat_err(self, "t/a/x"));
	ASSERT_EQ(ENOENT, lower_stat_err(self, "t/b/x"));
	ASSERT_EQ(2UL, fuse_lower_lookups_of(self->fl, "x"))
		TH_LOG("the missing x was asked again before any invalidation");
}

/*
 * invalidate_tree of t forgets t, t/a and t/b one after the other, refreshing
 * each subdirectory in the lower first. Held at the second subdirectory's
 * refresh, the first is forgotten and the lower still has its old "missing";
 * a lookup there must not record that, and after the write returns, both x
 * are seen (the server has them), also after a remount.
 */
TEST_F(lower, invalidate_tree_racing_lookup_records_nothing_stale)
{
	const char *const subdirs[] = { "t/a", "t/b" };
	struct sysfs_writer w = { .attr = "invalidate_tree", .value = "t" };
	char first[PATH_MAX], second[PATH_MAX];
	int held, passed, raced;

	prime_missing_x(_metadata, self);
	ASSERT_EQ(0, fuse_lower_hold(self->fl, FUSE_LOWER_GETATTR, subdirs, 2, 1));
	w.name = self->name;
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, sysfs_writer_run, &w));
	held = fuse_lower_wait_held(self->fl, HOLD_WAIT_SECS);
	passed = fuse_lower_passed(self->fl);
	if (held < 0 || passed < 0 || passed == held) {
		fuse_lower_release(self->fl);
		pthread_join(w.thread, NULL);
		ASSERT_TRUE(false) TH_LOG("invalidate_tree refreshed %s then held %s: not one after the other",
					  passed < 0 ? "none" : subdirs[passed],
					  held < 0 ? "none" : subdirs[held]);
	}
	path_join(first, sizeof(first), subdirs[passed], "x");
	path_join(second, sizeof(second), subdirs[held], "x");
	/* The race: its answer may be the old one, it ran beside the invalidation. */
	raced = stat_err(self, first);
	note("lookup of %s during the invalidation: %s\n", first, errname(raced));
	fuse_lower_release(self->fl);
	pthread_join(w.thread, NULL);
	ASSERT_EQ(0, w.err) TH_LOG("invalidate_tree t: %s", strerror(w.err));

	EXPECT_EQ(0, stat_err(self, first))
		TH_LOG("after invalidate_tree returned, %s (on the server) is missing", first);
	EXPECT_EQ(0, stat_err(self, second))
		TH_LOG("after invalidate_tree returned, %s (on the server) is missing", second);
	UMOUNT();
	MOUNT(",immutable");
	EXPECT_EQ(0, stat_err(self, first)) TH_LOG("after a remount, %s is missing", first);
	EXPECT_EQ(0, stat_err(self, second)) TH_LOG("after a remount, %s is missing", second);
	EXPECT_KLOG_CLEAN();
}

/*
 * invalidate of t/a refreshes t/a in the lower, forgets it, drops recallfs's
 * dentries below it, then the lower's (refreshing t/a again first). Held at
 * that second refresh, a lookup of t/a/x makes a recallfs dentry the drop
 * already passed, pinning the lower's stale "missing". After the write
 * returns, x must be seen all the same.
 */
TEST_F(lower, invalidate_racing_lookup_after_drop_is_not_kept)
{
	const char *const dir[] = { "t/a" };
	struct sysfs_writer w = { .attr = "invalidate", .value = "t/a" };
	int raced;

	prime_missing_x(_metadata, self);
	ASSERT_EQ(0, fuse_lower_hold(self->fl, FUSE_LOWER_GETATTR, dir, 1, 1));
	w.name = self->name;
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, sysfs_writer_run, &w));
	if (fuse_lower_wait_held(self->fl, HOLD_WAIT_SECS) < 0) {
		fuse_lower_release(self->fl);	/* and hold nothing later */
		pthread_join(w.thread, NULL);
		ASSERT_TRUE(false) TH_LOG("invalidate of t/a never refreshed t/a a second time");
	}
	raced = stat_err(self, "t/a/x");
	note("lookup of t/a/x during the invalidation: %s\n", errname(raced));
	fuse_lower_release(self->fl);
	pthread_join(w.thread, NULL);
	ASSERT_EQ(0, w.err) TH_LOG("invalidate t/a: %s", strerror(w.err));

	EXPECT_EQ(0, stat_err(self, "t/a/x"))
		TH_LOG("after invalidate returned, t/a/x (on the server) is missing");
	/* t/b was not invalidated: its recorded "missing" stands (immutable). */
	EXPECT_EQ(ENOENT, stat_err(self, "t/b/x"));
	UMOUNT();
	MOUNT(",immutable");
	EXPECT_EQ(0, stat_err(self, "t/a/x")) TH_LOG("after a remount, t/a/x is missing");
	EXPECT_KLOG_CLEAN();
}

/* A readlink() in a thread of its own: it is held inside the lower. */
struct link_reader {
	pthread_t thread;
	char path[PATH_MAX];
	char target[64];
	int err;
};

static void *link_reader_run(void *arg)
{
	struct link_reader *r = arg;
	ssize_t n = readlink(r->path, r->target, sizeof(r->target) - 1);

	r->err = n < 0 ? errno : 0;
	if (n >= 0)
		r->target[n] = '\0';
	return NULL;
}

/* A listing in a thread of its own: it is held inside the lower. */
struct dir_reader {
	pthread_t thread;
	const char *path;
	struct dentries *out;
	int err;
};

static void *dir_reader_run(void *arg)
{
	struct dir_reader *rd = arg;

	rd->err = read_dir_sorted(rd->path, rd->out);
	return NULL;
}

/* readlink() of mnt/rel into buf: 0 or errno. */
static int read_link(FIXTURE_DATA(lower) *self, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	path_join(path, sizeof(path), self->mnt, rel);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	return 0;
}

/*
 * Verify mode. A readlink of t/L is held in the lower while the server
 * replaces t/L with another symlink and recallfs learns the new one. The
 * old target, when it arrives, belongs to the old object: it must not be
 * recorded as the new one's, which the next mount (immutable) would answer.
 */
TEST_F(lower, link_target_of_replaced_symlink_not_recorded)
{
	const char *const link[] = { "t/L" };
	struct link_reader r = {};
	char target[64];
	int err;

	ADD("t", S_IFDIR | 0755);
	ASSERT_EQ(0, fuse_lower_symlink(self->fl, "t/L", "one"));
	MOUNT("");
	ASSERT_EQ(0, stat_err(self, "t/L"));
	ASSERT_EQ(0, fuse_lower_hold(self->fl, FUSE_LOWER_READLINK, link, 1, 0));
	path_join(r.path, sizeof(r.path), self->mnt, "t/L");
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, link_reader_run, &r));
	if (fuse_lower_wait_held(self->fl, HOLD_WAIT_SECS) < 0) {
		fuse_lower_release(self->fl);
		pthread_join(r.thread, NULL);
		ASSERT_TRUE(false) TH_LOG("readlink of t/L never reached the lower");
	}
	err = fuse_lower_remove(self->fl, "t/L");
	if (!err)
		err = fuse_lower_symlink(self->fl, "t/L", "two");
	if (!err)
		err = stat_err(self, "t/L");	/* recallfs learns the new t/L */
	fuse_lower_release(self->fl);
	pthread_join(r.thread, NULL);
	ASSERT_EQ(0, err) TH_LOG("replacing t/L on the server: %s", strerror(err));
	note("readlink held across the replacement gave %s (%s)\n", r.target, errname(r.err));
	/*
	 * Straight to the next mount: another look in this one would find t's
	 * stamp moved and forget what was recorded, the wrong target with it.
	 */
	UMOUNT();
	MOUNT(",immutable");
	ASSERT_EQ(0, read_link(self, "t/L", target, sizeof(target)));
	EXPECT_STREQ("two", target) TH_LOG("the next mount answers the old object's target");
	EXPECT_KLOG_CLEAN();
}

/*
 * Immutable mode. A listing of t is held at its second stamp check while
 * the server adds t/new within the same tick (the stamp does not move) and
 * an admin invalidates t. The listing predates the invalidation: recorded
 * as complete, it would make t/new missing for good.
 */
TEST_F(lower, listing_racing_invalidate_not_recorded)
{
	const char *const dir[] = { "t" };
	struct dentries listed = {};
	struct dir_reader rd = {};
	char path[PATH_MAX];
	int err;

	ADD("t", S_IFDIR | 0755);
	ADD("t/f", S_IFREG | 0644);
	MOUNT(",immutable");
	/* The listing samples t's stamp before it reads and after: hold the second. */
	ASSERT_EQ(0, fuse_lower_hold(self->fl, FUSE_LOWER_GETATTR, dir, 1, 1));
	path_join(path, sizeof(path), self->mnt, "t");
	rd.path = path;
	rd.out = &listed;
	ASSERT_EQ(0, pthread_create(&rd.thread, NULL, dir_reader_run, &rd));
	if (fuse_lower_wait_held(self->fl, HOLD_WAIT_SECS) < 0) {
		fuse_lower_release(self->fl);
		pthread_join(rd.thread, NULL);
		ASSERT_TRUE(false) TH_LOG("the listing of t never checked t's stamp twice");
	}
	err = fuse_lower_add_unseen(self->fl, "t/new", S_IFREG | 0644);
	if (!err)
		err = sysfs_puts(self->name, "invalidate", "t");
	fuse_lower_release(self->fl);
	pthread_join(rd.thread, NULL);
	ASSERT_EQ(0, err) TH_LOG("server add and invalidate t: %s", strerror(err));
	ASSERT_EQ(0, rd.err) TH_LOG("listing t: %s", strerror(rd.err));
	dentries_free(&listed);

	EXPECT_EQ(0, stat_err(self, "t/new"))
		TH_LOG("after invalidate returned, t/new (on the server) is missing");
	UMOUNT();
	MOUNT(",immutable");
	EXPECT_EQ(0, stat_err(self, "t/new")) TH_LOG("after a remount, t/new is missing");
	EXPECT_KLOG_CLEAN();
}

/* access(mnt/rel, R_OK) as @uid (a child): 0 or errno. */
static int access_as(const char *root, const char *rel, uid_t uid)
{
	char path[PATH_MAX];
	int status;
	pid_t pid;

	path_join(path, sizeof(path), root, rel);
	pid = fork();
	if (pid == 0) {
		if (setgid(uid) || setuid(uid))
			_exit(255);
		_exit(access(path, R_OK) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define OTHER_UID 1000

/*
 * Immutable mode. t/f was recorded 0755; the server made it 0750 since. The
 * next mount answers from the record, and may learn that f has no ACL (the
 * finding that lets its mode be trusted for everyone): learned on the 0750
 * object, it must not be recorded onto the 0755 record, nor grant "other"
 * a read the server refuses, now or after a remount.
 */
TEST_F(lower, mode_only_not_learned_onto_a_record_granting_more)
{
	char lower_f[PATH_MAX];
	struct statx sx;

	ASSERT_EQ(0, chmod(self->base, 0755));
	ADD("t", S_IFDIR | 0755);
	ADD("t/f", S_IFREG | 0755);
	MOUNT(",immutable");
	ASSERT_EQ(0, stat_err(self, "t/f"));
	UMOUNT();
	ASSERT_EQ(0, fuse_lower_chmod(self->fl, "t/f", 0750));
	path_join(lower_f, sizeof(lower_f), self->fuse, "t/f");
	ASSERT_EQ(0, statx(AT_FDCWD, lower_f, AT_STATX_FORCE_SYNC, STATX_MODE, &sx));
	ASSERT_EQ(0750, sx.stx_mode & 07777) TH_LOG("the lower does not see the chmod");
	/* The control: the server refuses uid 1000 now. */
	ASSERT_EQ(EACCES, access_as(self->fuse, "t/f", OTHER_UID));

	MOUNT(",immutable");
	EXPECT_EQ(EACCES, access_as(self->mnt, "t/f", OTHER_UID))
		TH_LOG("uid %d may read t/f through recallfs; the server refuses", OTHER_UID);
	UMOUNT();
	MOUNT(",immutable");
	EXPECT_EQ(EACCES, access_as(self->mnt, "t/f", OTHER_UID))
		TH_LOG("after a remount, uid %d may read t/f through recallfs", OTHER_UID);
	EXPECT_KLOG_CLEAN();
}

#define WALKS 10

/*
 * A directory in use (an open descriptor, a mount on a subdirectory) below
 * an invalidated path: its dentries' answers are stale, but their objects
 * did not change. The mount stays, and walking through them again costs a
 * lower lookup each once, not at every walk.
 */
TEST_F(lower, directory_in_use_survives_invalidation)
{
	char d[PATH_MAX], m[PATH_MAX], here[PATH_MAX];
	long long lower_before, lower_after;
	unsigned int lost = 0;
	struct stats s;
	int fd;

	ADD("t", S_IFDIR | 0755);
	ADD("t/d", S_IFDIR | 0755);
	ADD("t/d/m", S_IFDIR | 0755);
	MOUNT(",immutable");
	path_join(d, sizeof(d), self->mnt, "t/d");
	path_join(m, sizeof(m), d, "m");
	path_join(here, sizeof(here), m, "here");
	ASSERT_EQ(0, mount("tmpfs", m, "tmpfs", 0, "size=1m")) TH_LOG("tmpfs on %s: %s", m, strerror(errno));
	ASSERT_EQ(0, write_text(here, "here\n"));
	fd = open(d, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sysfs_puts(self->name, "invalidate_tree", "t"));
	s = read_stats(self->name);
	lower_before = stat_of(&s, "lower_lookups");
	for (int i = 0; i < WALKS; i++)
		lost += access(here, F_OK) != 0;
	s = read_stats(self->name);
	lower_after = stat_of(&s, "lower_lookups");
	EXPECT_EQ(0U, lost) TH_LOG("the mount on t/d/m was gone after the invalidation (%u of %d walks)",
				   lost, WALKS);
	EXPECT_LE(0, lower_before);
	EXPECT_GT(WALKS, lower_after - lower_before)
		TH_LOG("%lld lower lookups for %d walks through t/d/m", lower_after - lower_before,
		       WALKS);
	note("%d walks through t/d/m after the invalidation: %lld lower lookups\n", WALKS,
	     lower_after - lower_before);
	close(fd);
	EXPECT_EQ(0, umount2(m, 0)) TH_LOG("umount %s: %s", m, strerror(errno));
	/* Learned again, and journaled: the next mount walks t/d/m from the index. */
	UMOUNT();
	MOUNT(",immutable");
	s = read_stats(self->name);
	lower_before = stat_of(&s, "lower_lookups");
	EXPECT_EQ(0, stat_err(self, "t/d/m"));
	s = read_stats(self->name);
	EXPECT_EQ(lower_before, stat_of(&s, "lower_lookups"))
		TH_LOG("t/d/m after a remount cost lower lookups: not recorded again");
	EXPECT_KLOG_CLEAN();
}

#define BATCHED_NAMES 40

/*
 * A lower that gives one name per READDIR (as FUSE servers may): the listing
 * recallfs records must still hold every name, or its "complete" makes the
 * rest ENOENT. Once complete, a missing name costs no lookup.
 */
TEST_F(lower, listing_of_one_name_per_readdir_is_whole)
{
	struct fuse_lower_counts before, after;
	char path[PATH_MAX], rel[64];
	struct dentries listed = {};
	unsigned int missing = 0;

	ADD("t", S_IFDIR | 0755);
	for (int i = 0; i < BATCHED_NAMES; i++) {
		xsnprintf(rel, sizeof(rel), "t/f%02d", i);
		ADD(rel, S_IFREG | 0644);
	}
	fuse_lower_set_readdir_batch(self->fl, 1);
	MOUNT(",immutable");
	path_join(path, sizeof(path), self->mnt, "t");
	fuse_lower_counts(self->fl, &before);
	ASSERT_EQ(0, read_dir_sorted(path, &listed));
	fuse_lower_counts(self->fl, &after);
	EXPECT_EQ((size_t)BATCHED_NAMES, listed.n);
	dentries_free(&listed);
	/* The caller's readdir and recallfs's own listing, a name per call each. */
	EXPECT_LE(2UL * BATCHED_NAMES, after.readdirs - before.readdirs);

	for (int i = 0; i < BATCHED_NAMES; i++) {
		xsnprintf(rel, sizeof(rel), "t/f%02d", i);
		missing += stat_err(self, rel) != 0;
	}
	EXPECT_EQ(0U, missing) TH_LOG("%u of %d listed names are missing through recallfs",
				      missing, BATCHED_NAMES);
	fuse_lower_counts(self->fl, &before);
	EXPECT_EQ(ENOENT, stat_err(self, "t/nothere"));
	fuse_lower_counts(self->fl, &after);
	EXPECT_EQ(0UL, after.lookups - before.lookups)
		TH_LOG("the listing was not recorded as complete: a missing name was looked up");
	EXPECT_KLOG_CLEAN();
}

/*
 * A name the lower finds but never lists (NetApp's .snapshot, ZFS's .zfs)
 * stays reachable after a complete listing, and after a remount.
 */
TEST_F(lower, unlisted_dot_name_reachable_after_listing)
{
	struct dentries listed = {};
	char path[PATH_MAX];

	ADD("t", S_IFDIR | 0755);
	ADD("t/f", S_IFREG | 0644);
	ADD("t/.snapshot", S_IFDIR | 0755);
	ASSERT_EQ(0, fuse_lower_hide(self->fl, "t/.snapshot"));
	MOUNT(",immutable");
	path_join(path, sizeof(path), self->mnt, "t");
	ASSERT_EQ(0, read_dir_sorted(path, &listed));
	EXPECT_EQ(1U, listed.n) TH_LOG("the server lists .snapshot after all");
	dentries_free(&listed);
	EXPECT_EQ(0, stat_err(self, "t/.snapshot")) TH_LOG("t/.snapshot unreachable after a listing");
	UMOUNT();
	MOUNT(",immutable");
	EXPECT_EQ(0, stat_err(self, "t/.snapshot")) TH_LOG("t/.snapshot unreachable after a remount");
	EXPECT_EQ(0, stat_err(self, "t/f"));
	EXPECT_KLOG_CLEAN();
}

TEST_HARNESS_MAIN
