// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: mounted recallfs filesystems, through their sysfs directories
 * (Documentation/ABI/testing/sysfs-fs-recallfs). Every file there but
 * "features" is root's: these commands need root, and say so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recallctl.h"

/* ---- stats ---- */

#define RC_STATS_MAX	64

struct rc_stat {
	char key[48];
	unsigned long long value;
};

struct rc_stats {
	struct rc_stat v[RC_STATS_MAX];
	size_t n;
};

/* The "key value" lines of NAME/stats. 0 or errno. */
static int rc_read_stats(const char *name, struct rc_stats *s)
{
	char buf[8192], *line, *save = NULL;
	int err = rc_sysfs_read(name, "stats", buf, sizeof(buf));

	s->n = 0;
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line && s->n < RC_STATS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		struct rc_stat *st = &s->v[s->n];

		if (sscanf(line, "%47s %llu", st->key, &st->value) == 2)
			s->n++;
	}
	return 0;
}

static unsigned long long rc_stat(const struct rc_stats *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return s->v[i].value;
	return 0;
}

/* What each known key is, for Prometheus (others are exported untyped). */
static const struct {
	const char *key;
	bool gauge;
	const char *help;
} rc_stat_kinds[] = {
	{ "lookups", false, "lookups recallfs was asked for" },
	{ "negative_hits", false, "lookups answered no such name from the index" },
	{ "positive_hits", false, "lookups answered with an existing name from the index" },
	{ "lower_lookups", false, "lookups sent to the lower filesystem" },
	{ "handle_binds", false, "objects reached through their recorded file handle" },
	{ "lower_opens", false, "lower files opened for regular files" },
	{ "shared_opens", false, "opens served by an already open shared lower file" },
	{ "revalidations", false, "directory change-stamp checks" },
	{ "invalidations", false, "directories forgotten" },
	{ "not_admitted", false, "results not recorded because the index was full" },
	{ "evicted", false, "entries evicted for new ones or under memory pressure" },
	{ "shrunk", false, "entries evicted by the shrinker" },
	{ "entries", true, "names recorded now" },
	{ "directories", true, "directories with records now" },
	{ "memory_bytes", true, "memory the index holds now" },
	{ "entry_bytes", true, "memory per recorded name now, on average" },
	{ "journal_bytes", true, "size of the journal file" },
	{ "records", false, "records appended to the journal" },
	{ "replayed", false, "journal records applied at mount" },
	{ "truncated", false, "bytes cut from a torn or corrupt journal tail" },
	{ "errors", false, "journal I/O errors" },
	{ "seeds", true, "seed journals loaded at mount" },
	{ "seed_dirs", true, "directories the seeds name" },
	{ "seed_listings", false, "directories listed ahead of lookups because a seed names them" },
	{ "feed_checks", false, "times the feed file's attributes were asked for" },
	{ "feed_invalidations", false, "feed records applied" },
	{ "feed_resets", false, "times everything was forgotten: the feed was replaced, cut or damaged" },
};

static int rc_stat_kind(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(rc_stat_kinds) / sizeof(rc_stat_kinds[0]); i++)
		if (!strcmp(rc_stat_kinds[i].key, key))
			return (int)i;
	return -1;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void rc_prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

struct rc_selected {
	const struct rc_mount *mnt;
	struct rc_stats stats;
};

/* One metric for every selected mount; the HELP and TYPE lines once. */
static void rc_prom_metric(FILE *f, const struct rc_selected *sel, size_t n, const char *key)
{
	int kind = rc_stat_kind(key);
	bool counter = kind >= 0 && !rc_stat_kinds[kind].gauge;
	size_t i;

	if (kind >= 0)
		fprintf(f, "# HELP recallfs_%s%s %s\n", key, counter ? "_total" : "",
			rc_stat_kinds[kind].help);
	fprintf(f, "# TYPE recallfs_%s%s %s\n", key, counter ? "_total" : "",
		kind < 0 ? "untyped" : counter ? "counter" : "gauge");
	for (i = 0; i < n; i++) {
		fprintf(f, "recallfs_%s%s{name=\"", key, counter ? "_total" : "");
		rc_prom_label(f, sel[i].mnt->name);
		fputs("\",mountpoint=\"", f);
		rc_prom_label(f, sel[i].mnt->mountpoint);
		fprintf(f, "\"} %llu\n", rc_stat(&sel[i].stats, key));
	}
}

static void rc_print_stats(const struct rc_selected *sel, size_t n, const char *format)
{
	size_t i, k;

	if (format && !strcmp(format, "prometheus")) {
		/* Keys in the order the first mount lists them; every mount has the same. */
		for (k = 0; n && k < sel[0].stats.n; k++)
			rc_prom_metric(stdout, sel, n, sel[0].stats.v[k].key);
		return;
	}
	if (format) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s{", i ? "," : "");
			rc_put_json_bytes(stdout, "name", sel[i].mnt->name, strlen(sel[i].mnt->name));
			printf(",");
			rc_put_json_bytes(stdout, "mountpoint", sel[i].mnt->mountpoint,
					  strlen(sel[i].mnt->mountpoint));
			printf(",\"stats\":{");
			for (k = 0; k < sel[i].stats.n; k++)
				printf("%s\"%s\":%llu", k ? "," : "", sel[i].stats.v[k].key,
				       sel[i].stats.v[k].value);
			printf("}}");
		}
		printf("]\n");
		return;
	}
	for (i = 0; i < n; i++) {
		printf("%s%s on %s\n", i ? "\n" : "", sel[i].mnt->name, sel[i].mnt->mountpoint);
		for (k = 0; k < sel[i].stats.n; k++)
			printf("  %-14s %llu\n", sel[i].stats.v[k].key, sel[i].stats.v[k].value);
	}
}

static int rc_stats_error(const struct rc_mount *mnt, int err)
{
	return rc_error("%s (%s): cannot read its stats: %s%s", mnt->name, mnt->mountpoint,
			strerror(err), err == EACCES ? " (root only)" : "");
}

/* The recallfs mounts with a root of "/" each once by name, or the one @arg names. */
static size_t rc_select(const struct rc_mounts *m, const char *arg, struct rc_selected *sel,
			size_t cap, int *ret)
{
	size_t i, j, n = 0;

	*ret = 0;
	if (arg) {
		sel[0].mnt = rc_mount_find(m, arg, NULL, 0);
		if (!sel[0].mnt)
			*ret = RC_EXIT_ERROR;
		return sel[0].mnt ? 1 : 0;
	}
	for (i = 0; i < m->n && n < cap; i++) {
		if (!m->v[i].is_recallfs || !m->v[i].name)
			continue;
		for (j = 0; j < n && strcmp(sel[j].mnt->name, m->v[i].name); j++)
			;
		if (j == n)
			sel[n++].mnt = &m->v[i];
	}
	return n;
}

int rc_cmd_stats(int argc, char **argv)
{
	struct rc_selected *sel;
	struct rc_mounts m;
	const char *arg = NULL, *format = NULL;
	size_t n, i;
	int ret, err;

	for (i = 0; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			format = "json";
		else if (!strcmp(argv[i], "--prometheus"))
			format = "prometheus";
		else if (argv[i][0] == '-' || arg)
			return rc_error("stats: unexpected argument '%s' (usage: stats [MOUNTPOINT|NAME] [--json|--prometheus])",
					argv[i]);
		else
			arg = argv[i];
	}
	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	sel = calloc(m.n + 1, sizeof(*sel));
	if (!sel) {
		rc_mounts_free(&m);
		return rc_error("out of memory");
	}
	n = rc_select(&m, arg, sel, m.n + 1, &ret);
	for (i = 0; !ret && i < n; i++) {
		err = rc_read_stats(sel[i].mnt->name, &sel[i].stats);
		if (err)
			ret = rc_stats_error(sel[i].mnt, err);
	}
	if (!ret)
		rc_print_stats(sel, n, format);
	free(sel);
	rc_mounts_free(&m);
	return ret;
}

/* ---- status ---- */

static void rc_status_line(const struct rc_mount *mnt)
{
	struct rc_stats s;
	char mode[32] = "?";
	unsigned long long lookups, hits;

	if (rc_sysfs_read(mnt->name, "mode", mode, sizeof(mode)))
		snprintf(mode, sizeof(mode), "%s", mnt->immutable ? "immutable" : "?");
	mode[strcspn(mode, "\n")] = '\0';
	printf("%-16s %-24s %-9s %-24s %-24s %-24s", mnt->name, mnt->mountpoint, mode,
	       mnt->lowerdir ?: "-", mnt->journal ?: "-", mnt->feed ?: "-");
	if (rc_read_stats(mnt->name, &s)) {
		printf(" %5s %10s %8s %6s %12s\n", "-", "-", "-", "-", "-");
		return;
	}
	printf(" %5llu", rc_stat(&s, "seeds"));
	lookups = rc_stat(&s, "lookups");
	hits = rc_stat(&s, "negative_hits") + rc_stat(&s, "positive_hits");
	printf(" %10llu %8llu", rc_stat(&s, "entries"), rc_stat(&s, "directories"));
	if (lookups)
		printf(" %5.1f%%", 100.0 * (double)hits / (double)lookups);
	else
		printf(" %6s", "-");
	printf(" %12llu\n", rc_stat(&s, "lower_lookups"));
}

int rc_cmd_status(int argc, char **argv)
{
	struct rc_mounts m;
	size_t i, shown = 0;

	(void)argv;
	if (argc)
		return rc_error("status: takes no arguments");
	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	printf("%-16s %-24s %-9s %-24s %-24s %-24s %5s %10s %8s %6s %12s\n", "NAME", "MOUNTPOINT",
	       "MODE", "LOWERDIR", "JOURNAL", "FEED", "SEEDS", "ENTRIES", "DIRS", "HITS",
	       "LOWER_LOOKUPS");
	for (i = 0; i < m.n; i++) {
		if (m.v[i].is_recallfs && m.v[i].name) {
			rc_status_line(&m.v[i]);
			shown++;
		}
	}
	if (shown && geteuid() != 0)
		rc_warn("stats and modes are root's: run as root to see them");
	rc_mounts_free(&m);
	return RC_EXIT_OK;
}

/* ---- invalidate, mode, sync, compact ---- */

/* Write @text to @file of the mount @arg names, with a message naming both on failure. */
static int rc_mount_write(const char *cmd, const char *arg, const char *file, const char *text)
{
	struct rc_mounts m;
	const struct rc_mount *mnt;
	int err;

	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	mnt = rc_mount_find(&m, arg, NULL, 0);
	if (!mnt) {
		rc_mounts_free(&m);
		return RC_EXIT_ERROR;
	}
	err = rc_sysfs_write(mnt->name, file, text);
	if (err)
		rc_error("%s %s (%s on %s): %s", cmd, arg, mnt->name, mnt->mountpoint, strerror(err));
	rc_mounts_free(&m);
	return err ? RC_EXIT_ERROR : RC_EXIT_OK;
}

int rc_cmd_invalidate(int argc, char **argv)
{
	char rel[4096 + 2];
	struct rc_mounts m;
	const struct rc_mount *mnt;
	const char *path = NULL;
	bool tree = false;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--tree"))
			tree = true;
		else if (argv[i][0] == '-' || path)
			return rc_error("invalidate: unexpected argument '%s' (usage: invalidate PATH [--tree])",
					argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return rc_error("invalidate: which directory? (usage: invalidate PATH [--tree])");
	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	mnt = rc_mount_find(&m, path, rel, sizeof(rel));
	if (!mnt) {
		rc_mounts_free(&m);
		return RC_EXIT_ERROR;
	}
	/* sysfs takes "/" for the root; the relative path otherwise. */
	err = rc_sysfs_write(mnt->name, tree ? "invalidate_tree" : "invalidate", rel[0] ? rel : "/");
	if (err)
		rc_error("invalidate%s %s (%s on %s, directory '%s'): %s", tree ? " --tree" : "",
			 path, mnt->name, mnt->mountpoint, rel[0] ? rel : "/", strerror(err));
	else
		printf("%s: forgot %s%s\n", mnt->name, rel[0] ? rel : "/", tree ? " and below" : "");
	rc_mounts_free(&m);
	return err ? RC_EXIT_ERROR : RC_EXIT_OK;
}

int rc_cmd_mode(int argc, char **argv)
{
	char mode[32];
	struct rc_mounts m;
	const struct rc_mount *mnt;
	int err;

	if (argc < 1 || argc > 2)
		return rc_error("mode: usage: mode MOUNTPOINT|NAME [immutable|verify|off]");
	if (argc == 2) {
		if (strcmp(argv[1], "immutable") && strcmp(argv[1], "verify") && strcmp(argv[1], "off"))
			return rc_error("mode: '%s' is not a mode (immutable, verify or off)", argv[1]);
		return rc_mount_write("mode", argv[0], "mode", argv[1]);
	}
	if (rc_mounts_read(&m))
		return RC_EXIT_ERROR;
	mnt = rc_mount_find(&m, argv[0], NULL, 0);
	err = mnt ? rc_sysfs_read(mnt->name, "mode", mode, sizeof(mode)) : -1;
	if (!err)
		printf("%s", mode);
	else if (mnt)
		rc_error("mode %s (%s on %s): %s", argv[0], mnt->name, mnt->mountpoint, strerror(err));
	rc_mounts_free(&m);
	return err ? RC_EXIT_ERROR : RC_EXIT_OK;
}

int rc_cmd_sync(int argc, char **argv)
{
	if (argc != 1)
		return rc_error("sync: usage: sync MOUNTPOINT|NAME");
	return rc_mount_write("sync", argv[0], "sync", "1");
}

int rc_cmd_compact(int argc, char **argv)
{
	struct stat st;

	if (argc == 3 && !strcmp(argv[1], "-o"))
		return rc_offline_compact(argv[0], argv[2]);
	if (argc != 1)
		return rc_error("compact: usage: compact MOUNTPOINT|NAME, or compact JOURNAL [-o OUT]");
	/* A regular file is a journal; a mount point or a name is a mount. */
	if (!stat(argv[0], &st) && S_ISREG(st.st_mode))
		return rc_offline_compact(argv[0], NULL);
	return rc_mount_write("compact", argv[0], "compact", "1");
}
