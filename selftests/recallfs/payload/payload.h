/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constants shared by the test payload (built by the Makefile, placed into
 * the lower tree by mktree.sh) and recallfs_test.c.  The payload is ours, so
 * the test may know what it prints; the tree layout is fixed by mktree.sh.
 */
#ifndef RECALLFS_PAYLOAD_H
#define RECALLFS_PAYLOAD_H

#define GREET_MESSAGE	"hello from libgreet 1.0.0"
#define PLUGIN_NAME	"recallfs-plugin 2.1.0"
#define PLUGIN_SALT	4099

const char *greet_message(void);
int plugin_answer(int x);
const char *plugin_name(void);

#endif
