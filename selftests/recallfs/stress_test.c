// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests: a differential stress test. One thread changes a
 * directory on the server side (create, unlink, rename into place, chmod,
 * and a name's type: file, directory, symlink) while others look up, stat,
 * read and list it through recallfs and through the NFS mount below, and a
 * third writes invalidate, compact and sync to sysfs. The answers during the
 * changes are counted, not compared (the two views are read at different
 * moments); the checks come at each pause:
 *   verify mode     within revalidate= (plus one second) of the pause, every
 *                   answer through recallfs equals the NFS mount's, taken
 *                   right after it
 *   immutable mode  after invalidate_tree of the directory, every answer
 *                   equals the server's own, at once
 * It prints how many answers it compared; any mismatch fails, and so does a
 * kernel log report.
 *
 * Environment: RECALLFS_LOWER, RECALLFS_EXPORT (NFS view and server side of
 * the same tree), as for the other tests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "rig.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (600 * RECALLFS_TIME_SCALE)

#define NAMES		16	/* n00 .. n15 in the test's directory */
#define ROUNDS		5	/* active phase, then a pause that is checked */
#define ACTIVE_MS	1500
#define READERS		2

/* What a name is, as far as these checks compare it. */
struct view {
	int err;		/* 0, or lstat's errno */
	mode_t mode;		/* type and permission bits */
	ino_t ino;
	off_t size;
	char content[32];	/* regular files: the first bytes */
	char link[64];		/* symlinks: the target */
};

struct stress {
	char export[PATH_MAX];	/* server side of the test directory */
	char lower[PATH_MAX];	/* NFS view of it */
	char mnt[PATH_MAX];	/* recallfs mount of the NFS view */
	char name[64];		/* sysfs name */
	char rel[64];		/* the directory, relative to the mount */
	int stop;		/* __atomic: threads end */
	int paused;		/* __atomic: the mutator must not change anything */
	int mutator_idle;	/* __atomic: it saw the pause */
	int sysfs_racer;	/* __atomic: the racer may write sysfs */
	unsigned long answers;	/* __atomic: answers read while changing */
	unsigned long errors;	/* __atomic: unexpected errors of the mutator */
};

static int flag(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void set_flag(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void name_path(char *out, size_t size, const char *dir, int i)
{
	xsnprintf(out, size, "%s/n%02d", dir, i);
}

static void view_of(const char *path, struct view *v)
{
	struct stat st;
	ssize_t n;
	int fd;

	memset(v, 0, sizeof(*v));
	if (lstat(path, &st)) {
		v->err = errno;
		return;
	}
	v->mode = st.st_mode;
	v->ino = st.st_ino;
	v->size = S_ISDIR(st.st_mode) ? 0 : st.st_size;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, v->link, sizeof(v->link) - 1);
		if (n < 0)
			v->err = errno;
	} else if (S_ISREG(st.st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			v->err = errno;
			return;
		}
		if (read(fd, v->content, sizeof(v->content) - 1) < 0)
			v->err = errno;
		close(fd);
	}
}

/* Whether a and b agree; if not, what differs in out. */
static bool view_equal(const struct view *a, const struct view *b, char *out, size_t size)
{
	if (a->err != b->err)
		snprintf(out, size, "errno %s vs %s", errname(a->err), errname(b->err));
	else if (a->err)
		return true;
	else if (a->mode != b->mode)
		snprintf(out, size, "mode 0%o vs 0%o", a->mode, b->mode);
	else if (a->ino != b->ino)
		snprintf(out, size, "ino %llu vs %llu", (unsigned long long)a->ino,
			 (unsigned long long)b->ino);
	else if (a->size != b->size)
		snprintf(out, size, "size %lld vs %lld", (long long)a->size, (long long)b->size);
	else if (strcmp(a->content, b->content))
		snprintf(out, size, "content '%.31s' vs '%.31s'", a->content, b->content);
	else if (strcmp(a->link, b->link))
		snprintf(out, size, "link '%.63s' vs '%.63s'", a->link, b->link);
	else
		return true;
	return false;
}

/* Remove whatever is at path (file, symlink or empty directory). */
static void remove_any(const char *path)
{
	if (unlink(path) && errno == EISDIR)
		rmdir(path);
	else if (errno == EPERM)
		rmdir(path);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

/* One change on the server side; an error that the change itself explains is fine. */
static void mutate_once(struct stress *s, unsigned int *seed, unsigned long n)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[32];
	int i = rand_r(seed) % NAMES, err = 0;

	name_path(path, sizeof(path), s->export, i);
	snprintf(text, sizeof(text), "v%lu", n);
	switch (rand_r(seed) % 6) {
	case 0:	/* a new file */
		remove_any(path);
		err = write_file(path, text);
		break;
	case 1:	/* gone */
		remove_any(path);
		break;
	case 2:	/* rename into place, as a deploy does */
		xsnprintf(tmp, sizeof(tmp), "%s/.tmp%02d", s->export, i);
		err = write_file(tmp, text);
		if (!err && rename(tmp, path)) {
			remove_any(path);
			err = rename(tmp, path) ? errno : 0;
		}
		break;
	case 3:	/* permissions */
		if (chmod(path, (n & 1) ? 0600 : 0755) && errno != ENOENT)
			err = errno;
		break;
	case 4:	/* a directory */
		remove_any(path);
		err = mkdir(path, 0755) ? errno : 0;
		break;
	default:	/* a symlink */
		remove_any(path);
		err = symlink(text, path) ? errno : 0;
		break;
	}
	if (err && err != ENOENT && err != EEXIST && err != ENOTEMPTY)
		__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
}

static void *mutator(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 1;
	unsigned long n = 0;

	while (!flag(&s->stop)) {
		if (flag(&s->paused)) {
			set_flag(&s->mutator_idle, 1);
			usleep(2000);
			continue;
		}
		set_flag(&s->mutator_idle, 0);
		mutate_once(s, &seed, n++);
		usleep(300);
	}
	return NULL;
}

/* Reads through recallfs and NFS while things change: exercised, counted. */
static void *reader(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (unsigned int)pthread_self();
	char path[PATH_MAX];
	struct view v;

	while (!flag(&s->stop)) {
		int i = rand_r(&seed) % (NAMES + 1);

		if (i == NAMES) {
			DIR *d = opendir(s->mnt);

			if (d) {
				while (readdir(d))
					;
				closedir(d);
			}
		} else {
			name_path(path, sizeof(path), s->mnt, i);
			view_of(path, &v);
			name_path(path, sizeof(path), s->lower, i);
			view_of(path, &v);
		}
		__atomic_add_fetch(&s->answers, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Invalidations, compactions and syncs racing the lookups. */
static void *sysfs_racer(void *arg)
{
	static const char *const attrs[] = { "invalidate", "invalidate_tree", "compact", "sync" };
	struct stress *s = arg;
	unsigned int seed = 7;

	while (!flag(&s->stop)) {
		if (flag(&s->sysfs_racer)) {
			int k = rand_r(&seed) % ARRAY_SIZE(attrs);

			sysfs_puts(s->name, attrs[k], k < 2 ? s->rel : "1");
		}
		usleep(20000);
	}
	return NULL;
}

FIXTURE(stress) {
	char base[PATH_MAX];
	char journal[PATH_MAX];
	char data[2 * PATH_MAX];
	struct stress s;
	pthread_t threads[READERS + 2];
	int nthreads;
	int kmsg;
	int seq;
};

FIXTURE_SETUP(stress)
{
	const char *export = env("RECALLFS_EXPORT"), *lower = env("RECALLFS_LOWER");
	int err;

	self->kmsg = -1;
	if (geteuid() != 0)
		SKIP(return, "must run as root");
	if (!export || !lower)
		SKIP(return, "RECALLFS_EXPORT and RECALLFS_LOWER must be set");
	err = enter_private_ns();
	ASSERT_EQ(0, err) TH_LOG("private mount namespace: %s", strerror(err));
	xsnprintf(self->s.rel, sizeof(self->s.rel), "stress-%d", getpid());
	path_join(self->s.export, sizeof(self->s.export), export, self->s.rel);
	path_join(self->s.lower, sizeof(self->s.lower), lower, self->s.rel);
	ASSERT_EQ(0, mkdir(self->s.export, 0755)) TH_LOG("mkdir %s: %s", self->s.export, strerror(errno));
	xsnprintf(self->base, sizeof(self->base), "/tmp/stress_test.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL);
	ASSERT_EQ(0, chmod(self->base, 0755));
	path_join(self->s.mnt, sizeof(self->s.mnt), self->base, "mnt");
	path_join(self->journal, sizeof(self->journal), self->base, "journal");
	ASSERT_EQ(0, mkdir(self->s.mnt, 0755));
	self->kmsg = kmsg_open_tail();
}

FIXTURE_TEARDOWN(stress)
{
	set_flag(&self->s.stop, 1);
	for (int i = 0; i < self->nthreads; i++)
		pthread_join(self->threads[i], NULL);
	if (self->base[0]) {
		while (!umount2(self->s.mnt, MNT_DETACH))
			;
		remove_tree(self->base);
	}
	if (self->s.export[0])
		remove_tree(self->s.export);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/*
 * recallfs over the NFS view of the whole tree, so that the test directory
 * is a directory of the index like any other (and rel is its path there).
 */
static int mount_stress(FIXTURE_DATA(stress) *self, const char *opts)
{
	char top[PATH_MAX];

	xsnprintf(top, sizeof(top), "%s", self->s.lower);
	*strrchr(top, '/') = '\0';
	xsnprintf(self->s.name, sizeof(self->s.name), "st%d-%d", getpid(), ++self->seq);
	xsnprintf(self->data, sizeof(self->data), "lowerdir=%s,journal=%s,name=%s%s", top,
		  self->journal, self->s.name, opts);
	if (mount("none", self->s.mnt, "recallfs", 0, self->data))
		return errno;
	return 0;
}

static void start_threads(struct __test_metadata *_metadata, FIXTURE_DATA(stress) *self)
{
	ASSERT_EQ(0, pthread_create(&self->threads[self->nthreads++], NULL, mutator, &self->s));
	ASSERT_EQ(0, pthread_create(&self->threads[self->nthreads++], NULL, sysfs_racer, &self->s));
	for (int i = 0; i < READERS; i++)
		ASSERT_EQ(0, pthread_create(&self->threads[self->nthreads++], NULL, reader, &self->s));
}

static void pause_mutator(struct stress *s)
{
	set_flag(&s->paused, 1);
	while (!flag(&s->mutator_idle))
		usleep(1000);
}

static void resume_mutator(struct stress *s)
{
	set_flag(&s->mutator_idle, 0);
	set_flag(&s->paused, 0);
}

/*
 * Compare every name through recallfs (and the listing) with truth_dir's,
 * taken right after; returns how many differ, with the first in why.
 */
static int compare_pass(struct stress *s, const char *truth_dir, unsigned long *compared,
			char *why, size_t size)
{
	char path[PATH_MAX], diff[192];
	struct view got, want;
	int bad = 0;

	for (int i = 0; i < NAMES; i++) {
		name_path(path, sizeof(path), s->mnt, i);
		view_of(path, &got);
		name_path(path, sizeof(path), truth_dir, i);
		view_of(path, &want);
		(*compared)++;
		if (!view_equal(&got, &want, diff, sizeof(diff)) && !bad++)
			snprintf(why, size, "n%02d: recallfs vs %.200s: %.190s", i, truth_dir, diff);
	}
	return bad;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The mount point's view of the test directory. */
static void mount_view(struct stress *s)
{
	char mnt[PATH_MAX];

	xsnprintf(mnt, sizeof(mnt), "%s", s->mnt);
	path_join(s->mnt, sizeof(s->mnt), mnt, s->rel);
}

static void mount_root(struct stress *s)
{
	*strrchr(s->mnt, '/') = '\0';
}

/* Mount with opts and start the threads, the sysfs racer on. */
static void start_run(struct __test_metadata *_metadata, FIXTURE_DATA(stress) *self,
		      const char *opts)
{
	ASSERT_EQ(0, mount_stress(self, opts)) TH_LOG("mount -o %s", self->data);
	mount_view(&self->s);
	set_flag(&self->s.sysfs_racer, 1);
	start_threads(_metadata, self);
}

/* Stop the threads, report what was checked; errors and kernel reports fail. */
static void end_run(struct __test_metadata *_metadata, FIXTURE_DATA(stress) *self,
		    const char *mode, unsigned long compared)
{
	struct klog k;

	set_flag(&self->s.stop, 1);
	for (int i = 0; i < self->nthreads; i++)
		pthread_join(self->threads[i], NULL);
	self->nthreads = 0;
	note("%s: %lu answers compared at pauses, %lu read during changes, %lu server-side errors\n",
	     mode, compared, self->s.answers, self->s.errors);
	EXPECT_EQ(0UL, self->s.errors);
	EXPECT_LT(0UL, compared);
	klog_scan(self->kmsg, &k);
	EXPECT_EQ(0U, k.bad) TH_LOG("kernel log: %s", k.first_bad);
	mount_root(&self->s);
}

/* Each round: changes for ACTIVE_MS, then a pause in which check() runs. */
#define ROUNDS_OF(...) \
	for (int r = 0; r < ROUNDS; r++) { \
		usleep(ACTIVE_MS * 1000); \
		pause_mutator(&self->s); \
		set_flag(&self->s.sysfs_racer, 0); \
		usleep(30000);	/* a racer's write in flight ends */ \
		__VA_ARGS__; \
		set_flag(&self->s.sysfs_racer, 1); \
		resume_mutator(&self->s); \
	}

/* Within revalidate=1 plus a second for a check that began before the pause. */
static int converged(struct stress *s, unsigned long *compared, char *why, size_t size)
{
	double deadline = now_s() + 2.5;
	int bad;

	do {
		bad = compare_pass(s, s->lower, compared, why, size);
		if (bad)
			usleep(100000);
	} while (bad && now_s() < deadline);
	return bad;
}

TEST_F(stress, verify_mode_converges_to_nfs)
{
	unsigned long compared = 0;
	char why[512] = "";

	start_run(_metadata, self, ",revalidate=1");
	ROUNDS_OF({
		int bad = converged(&self->s, &compared, why, sizeof(why));

		EXPECT_EQ(0, bad) TH_LOG("round %d, 2.5 s after the pause: %d names differ from NFS; %s",
					 r, bad, why);
	});
	end_run(_metadata, self, "verify mode", compared);
}

TEST_F(stress, immutable_mode_equals_server_after_invalidation)
{
	unsigned long compared = 0;
	char why[512] = "";

	start_run(_metadata, self, ",immutable");
	ROUNDS_OF({
		int bad, err = sysfs_puts(self->s.name, "invalidate_tree", self->s.rel);

		ASSERT_EQ(0, err) TH_LOG("invalidate_tree %s: %s", self->s.rel, strerror(err));
		bad = compare_pass(&self->s, self->s.export, &compared, why, sizeof(why));
		EXPECT_EQ(0, bad) TH_LOG("round %d, right after invalidate_tree: %d names differ from the server; %s",
					 r, bad, why);
	});
	end_run(_metadata, self, "immutable mode", compared);
}

TEST_HARNESS_MAIN
