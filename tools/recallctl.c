// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: status, statistics and invalidation of recallfs mounts, and
 * journal files read, checked, compacted and merged on the module's own codec.
 * See recallctl.8.
 */
#include <string.h>

#include "recallctl.h"

#define RECALLCTL_VERSION	"0.1.0"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} rc_commands[] = {
	{ "status", rc_cmd_status, "status" },
	{ "stats", rc_cmd_stats, "stats [MOUNTPOINT|NAME] [--json|--prometheus]" },
	{ "invalidate", rc_cmd_invalidate, "invalidate PATH [--tree]" },
	{ "mode", rc_cmd_mode, "mode MOUNTPOINT|NAME [immutable|verify|off]" },
	{ "sync", rc_cmd_sync, "sync MOUNTPOINT|NAME" },
	{ "compact", rc_cmd_compact, "compact MOUNTPOINT|NAME | compact JOURNAL [-o OUT]" },
	{ "dump", rc_cmd_dump, "dump JOURNAL [--json]" },
	{ "verify", rc_cmd_verify, "verify JOURNAL" },
	{ "merge", rc_cmd_merge, "merge A B -o OUT" },
	{ "seed", rc_cmd_seed, "seed TREE -o SEED [--under DIR]" },
	{ "export", rc_cmd_export, "export JOURNAL -o SEED [--under DIR]" },
	{ "publish", rc_cmd_publish, "publish --feed FILE [--root TREE] [--tree] [--rotate] [--seed SEED]... DIR..." },
};

#define RC_NCOMMANDS	(sizeof(rc_commands) / sizeof(rc_commands[0]))

static int rc_usage(FILE *f, int status)
{
	size_t i;

	fprintf(f, "usage: recallctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < RC_NCOMMANDS; i++)
		fprintf(f, "  %s\n", rc_commands[i].usage);
	fprintf(f, "\nSee recallctl(8).\n");
	return status;
}

int main(int argc, char **argv)
{
	size_t i;

	recallfs_journal_layout_checks();
	if (argc < 2)
		return rc_usage(stderr, RC_EXIT_ERROR);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return rc_usage(stdout, RC_EXIT_OK);
	if (!strcmp(argv[1], "--version")) {
		printf("recallctl %s (journal format version %d)\n", RECALLCTL_VERSION,
		       RECALLFS_JOURNAL_VERSION);
		return RC_EXIT_OK;
	}
	for (i = 0; i < RC_NCOMMANDS; i++)
		if (!strcmp(argv[1], rc_commands[i].name))
			return rc_commands[i].run(argc - 2, argv + 2);
	rc_error("unknown command '%s'", argv[1]);
	return rc_usage(stderr, RC_EXIT_ERROR);
}
