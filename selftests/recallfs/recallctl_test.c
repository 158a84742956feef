// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests: recallctl (tools/) against mounted recallfs. Each
 * command's effect is checked in sysfs or in the lower's RPC counts, not in
 * recallctl's own words; and offline compaction of a journal must keep what
 * the module's own compaction keeps after replaying it.
 *
 * Environment (set by the guest runner):
 *   RECALLFS_LOWER   an NFS view of the generated tree (mktree.sh)
 *   RECALLCTL        the recallctl binary built for this suite
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
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

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (300 * RECALLFS_TIME_SCALE)

#define OUT_MAX	(256 * 1024)

FIXTURE(ctl) {
	char base[PATH_MAX];	/* /tmp/recallctl_test.XXXXXX */
	char mnt[PATH_MAX];	/* base/mnt */
	char journal[PATH_MAX];	/* base/journal */
	char lower[PATH_MAX];
	char name[64];
	const char *recallctl;
	char *out;		/* the last command's stdout and stderr */
	int status;		/* its exit status */
	bool ready;
};

#define REQUIRE_READY() do { if (!self->ready) return; } while (0)

static int mount_ctl(FIXTURE_DATA(ctl) *self, const char *opts)
{
	char data[3 * PATH_MAX];

	xsnprintf(data, sizeof(data), "lowerdir=%s,journal=%s,name=%s%s", self->lower,
		  self->journal, self->name, opts);
	return mount("none", self->mnt, "recallfs", 0, data) ? errno : 0;
}

FIXTURE_SETUP(ctl)
{
	const char *lower = env("RECALLFS_LOWER");

	if (geteuid() != 0)
		SKIP(return, "recallfs tests must run as root");
	if (!lower)
		SKIP(return, "RECALLFS_LOWER is not set");
	self->recallctl = env("RECALLCTL");
	ASSERT_TRUE(self->recallctl && !access(self->recallctl, X_OK))
		TH_LOG("RECALLCTL=%s: not an executable recallctl", self->recallctl ?: "(unset)");
	ASSERT_TRUE(realpath(lower, self->lower) != NULL) TH_LOG("%s: %s", lower, strerror(errno));
	ASSERT_EQ(0, enter_private_ns());
	xsnprintf(self->base, sizeof(self->base), "/tmp/recallctl_test.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL);
	path_join(self->mnt, sizeof(self->mnt), self->base, "mnt");
	path_join(self->journal, sizeof(self->journal), self->base, "journal");
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	xsnprintf(self->name, sizeof(self->name), "rctl%d", getpid());
	self->out = xmalloc(OUT_MAX);
	ASSERT_EQ(0, mount_ctl(self, "")) TH_LOG("mount recallfs on %s: %s", self->mnt,
						  strerror(errno));
	self->ready = true;
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->base[0]) {
		char p[PATH_MAX];

		path_join(p, sizeof(p), self->base, "bind");
		while (!umount2(p, MNT_DETACH))
			;
		while (!umount2(self->mnt, MNT_DETACH))
			;
		remove_tree(self->base);
	}
	free(self->out);
}

/* Run recallctl with up to 6 arguments (NULL-terminated); output in self->out. */
static void ctl_run(struct __test_metadata *_metadata, FIXTURE_DATA(ctl) *self, ...)
{
	const char *argv[8] = { self->recallctl };
	const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int n = 1, st = 0, err;
	va_list ap;

	va_start(ap, self);
	while (n < 7 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	err = run_capture(argv, envp, self->out, OUT_MAX, &st);
	ASSERT_EQ(0, err) TH_LOG("running %s: %s", self->recallctl, strerror(err));
	self->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define CTL(want, ...) do {						\
	ctl_run(_metadata, self, __VA_ARGS__, NULL);			\
	ASSERT_EQ(want, self->status) TH_LOG("recallctl exit %d, wanted %d; output:\n%s", \
					     self->status, want, self->out); \
} while (0)

#define STATS(var)							\
	struct stats var = read_stats(self->name);			\
	ASSERT_TRUE(var.ok) TH_LOG("cannot read " SYSFS_ROOT "/%s/stats", self->name)

static void stat_rel(FIXTURE_DATA(ctl) *self, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_join(p, sizeof(p), self->mnt, rel);
	lstat(p, &st);
}

TEST_F(ctl, status_lists_the_mount)
{
	char want[2 * PATH_MAX];
	char *line;

	REQUIRE_READY();
	CTL(0, "status");
	line = strstr(self->out, self->name);
	ASSERT_TRUE(line != NULL) TH_LOG("no line for %s in:\n%s", self->name, self->out);
	xsnprintf(want, sizeof(want), "%s", self->mnt);
	EXPECT_TRUE(strstr(line, want) && strstr(line, "verify") && strstr(line, self->journal))
		TH_LOG("the line of %s lacks its mount point, mode or journal:\n%s", self->name,
		       self->out);
}

/* The value after @prefix in @text, -1 if absent. */
static long long value_after(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	return p ? strtoll(p + strlen(prefix), NULL, 10) : -1;
}

TEST_F(ctl, stats_in_every_format_are_sysfs_values)
{
	char key[PATH_MAX + 128];

	REQUIRE_READY();
	for (int i = 0; i < 20; i++) {
		char rel[64];

		xsnprintf(rel, sizeof(rel), "deep/a/nothing%d", i);
		stat_rel(self, rel);
	}
	STATS(s);
	ASSERT_LE(20, stat_of(&s, "lookups"));

	CTL(0, "stats", self->name, "--json");
	EXPECT_EQ(stat_of(&s, "lookups"), value_after(self->out, "\"lookups\":")) TH_LOG("%s", self->out);
	EXPECT_EQ(stat_of(&s, "negative_hits"), value_after(self->out, "\"negative_hits\":"));
	EXPECT_EQ(stat_of(&s, "entries"), value_after(self->out, "\"entries\":"));

	CTL(0, "stats", self->mnt, "--prometheus");
	xsnprintf(key, sizeof(key), "recallfs_lookups_total{name=\"%s\",mountpoint=\"%s\"} ",
		  self->name, self->mnt);
	EXPECT_EQ(stat_of(&s, "lookups"), value_after(self->out, key)) TH_LOG("%s", self->out);
	EXPECT_TRUE(strstr(self->out, "# TYPE recallfs_entries gauge\n") &&
		    strstr(self->out, "# TYPE recallfs_lookups_total counter\n")) TH_LOG("%s", self->out);

	/* Any path under the mount names it; text form is "key value". */
	ctl_run(_metadata, self, "stats", self->base, NULL);
	EXPECT_EQ(2, self->status) TH_LOG("stats of %s (not recallfs): %s", self->base, self->out);
	{
		char deep[PATH_MAX];

		path_join(deep, sizeof(deep), self->mnt, "deep/a");
		CTL(0, "stats", deep);
		EXPECT_EQ(stat_of(&s, "lookups"), value_after(self->out, "lookups ")) TH_LOG("%s", self->out);
	}
}

TEST_F(ctl, invalidate_maps_paths_to_the_mount)
{
	char path[PATH_MAX], bind[PATH_MAX];
	long long inv, lower;

	REQUIRE_READY();
	stat_rel(self, "deep/a/b/missing");
	stat_rel(self, "deep/a/b/missing");
	STATS(before);
	inv = stat_of(&before, "invalidations");
	lower = stat_of(&before, "lower_lookups");

	path_join(path, sizeof(path), self->mnt, "deep/a/b");
	CTL(0, "invalidate", path);
	STATS(after);
	EXPECT_EQ(inv + 1, stat_of(&after, "invalidations")) TH_LOG("%s", self->out);
	stat_rel(self, "deep/a/b/missing");
	{
		STATS(again);
		EXPECT_EQ(lower + 1, stat_of(&again, "lower_lookups"))
			TH_LOG("the forgotten name was not looked up again");
	}

	/* Through a bind mount of a subdirectory: the path is the filesystem's, not the bind's. */
	stat_rel(self, "deep/a/b/missing");
	path_join(bind, sizeof(bind), self->base, "bind");
	ASSERT_EQ(0, mkdir(bind, 0755));
	path_join(path, sizeof(path), self->mnt, "deep/a");
	ASSERT_EQ(0, mount(path, bind, NULL, MS_BIND, NULL)) TH_LOG("bind: %s", strerror(errno));
	path_join(path, sizeof(path), bind, "b");
	CTL(0, "invalidate", path);
	EXPECT_TRUE(strstr(self->out, "forgot deep/a/b") != NULL) TH_LOG("%s", self->out);
	{
		STATS(bound);
		EXPECT_EQ(inv + 2, stat_of(&bound, "invalidations"));
	}

	/* The whole tree from the mount point. */
	CTL(0, "invalidate", self->mnt, "--tree");
	{
		STATS(tree);
		EXPECT_EQ(0, stat_of(&tree, "directories")) TH_LOG("directories left after --tree");
	}

	/* A path elsewhere is refused, naming the mount it is on. */
	ctl_run(_metadata, self, "invalidate", self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_TRUE(strstr(self->out, "not under a recallfs mount") != NULL) TH_LOG("%s", self->out);
	/* A name is not a path: "invalidate NAME" must not forget the root of NAME. */
	ctl_run(_metadata, self, "invalidate", self->name, NULL);
	EXPECT_EQ(2, self->status) TH_LOG("%s", self->out);
}

TEST_F(ctl, mode_sync_and_compact)
{
	char buf[64];
	struct stat st;

	REQUIRE_READY();
	CTL(0, "mode", self->name);
	EXPECT_STREQ("verify\n", self->out);
	CTL(0, "mode", self->mnt, "immutable");
	ASSERT_EQ(0, sysfs_read(self->name, "mode", buf, sizeof(buf)));
	EXPECT_STREQ("immutable\n", buf);
	ctl_run(_metadata, self, "mode", self->name, "trusting", NULL);
	EXPECT_EQ(2, self->status);
	ASSERT_EQ(0, sysfs_read(self->name, "mode", buf, sizeof(buf)));
	EXPECT_STREQ("immutable\n", buf);

	for (int i = 0; i < 50; i++) {
		char rel[64];

		xsnprintf(rel, sizeof(rel), "deep/a/b/c/gone%d", i);
		stat_rel(self, rel);
	}
	CTL(0, "sync", self->mnt);
	{
		STATS(s);
		EXPECT_LE(50, stat_of(&s, "records"));
		ASSERT_EQ(0, stat(self->journal, &st));
		EXPECT_EQ(st.st_size, stat_of(&s, "journal_bytes"));
	}
	CTL(0, "verify", self->journal);

	/* Offline compaction of a journal a mount has open is refused, naming the mount. */
	ctl_run(_metadata, self, "compact", self->journal, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_TRUE(strstr(self->out, self->mnt) != NULL) TH_LOG("%s", self->out);
	CTL(0, "compact", self->name);
	CTL(0, "verify", self->journal);
}

/* `recallctl dump` of @journal, its record lines sorted without their offsets. */
static void dump_sorted(struct __test_metadata *_metadata, FIXTURE_DATA(ctl) *self,
			const char *journal, struct strlist *lines)
{
	char *line, *save = NULL;

	CTL(0, "dump", journal);
	for (line = strtok_r(self->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		/* Record lines start with their offset; the header and end lines do not. */
		if (line[0] >= '0' && line[0] <= '9' && sp)
			strlist_add(lines, sp + 1);
	}
	strlist_sort(lines);
}

static char *join_lines(const struct strlist *l)
{
	size_t len = 1, i;
	char *s, *p;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	p = s = xmalloc(len);
	for (i = 0; i < l->n; i++)
		p += sprintf(p, "%s\n", l->v[i]);
	*p = '\0';
	return s;
}

TEST_F(ctl, offline_compaction_keeps_what_the_module_keeps)
{
	char copy[PATH_MAX], offline[PATH_MAX], path[PATH_MAX], diff[512];
	struct strlist a = { 0 }, b = { 0 };
	char *sa, *sb;

	REQUIRE_READY();
	/* A history with listings, positive and negative names and invalidations. */
	path_join(path, sizeof(path), self->mnt, "apps");
	free(snapshot_tree(path));
	for (int i = 0; i < 30; i++) {
		char rel[64];

		xsnprintf(rel, sizeof(rel), "deep/a/b/c/miss%d", i);
		stat_rel(self, rel);
	}
	path_join(path, sizeof(path), self->mnt, "deep/a/b/c");
	CTL(0, "invalidate", path);
	stat_rel(self, "deep/a/b/c/after");
	path_join(path, sizeof(path), self->mnt, "apps/hello");
	CTL(0, "invalidate", path, "--tree");
	stat_rel(self, "apps/hello/1.0.0/bin/nothing");
	ASSERT_EQ(0, umount2(self->mnt, 0));

	path_join(copy, sizeof(copy), self->base, "copy");
	path_join(offline, sizeof(offline), self->base, "offline");
	{
		char *buf;
		size_t len;

		FILE *f;

		ASSERT_EQ(0, read_file(self->journal, &buf, &len));
		f = fopen(copy, "w");
		ASSERT_TRUE(f && fwrite(buf, 1, len, f) == len && !fclose(f)) TH_LOG("copy");
		free(buf);
	}
	CTL(0, "compact", copy, "-o", offline);
	/* The module's: replayed at mount, compacted at once. */
	ASSERT_EQ(0, mount_ctl(self, ",immutable"));
	CTL(0, "compact", self->mnt);
	ASSERT_EQ(0, umount2(self->mnt, 0));

	dump_sorted(_metadata, self, self->journal, &a);
	dump_sorted(_metadata, self, offline, &b);
	sa = join_lines(&a);
	sb = join_lines(&b);
	first_diff(sa, sb, diff, sizeof(diff));
	EXPECT_STREQ(sa, sb) TH_LOG("module's compaction (%zu records) and recallctl's (%zu) differ: %s",
				    a.n, b.n, diff);
	EXPECT_LE(30U, a.n);
	note("compacted: %zu records both ways\n", a.n);
	free(sa);
	free(sb);
	strlist_free(&a);
	strlist_free(&b);
}

TEST_HARNESS_MAIN
