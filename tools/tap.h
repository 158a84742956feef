/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallfs tools: the TAP output of the host tests. Each test is a function
 * returning 1 when it passed; CHECK() fails it with a message on stderr.
 */
#ifndef _RECALLFS_TAP_H
#define _RECALLFS_TAP_H

#include <stdio.h>

static int tests, failures;

/* One "ok N - what" or "not ok N - what" line. */
static inline void report(int ok, const char *what)
{
	tests++;
	if (!ok)
		failures++;
	printf("%sok %d - %s\n", ok ? "" : "not ", tests, what);
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		return 0;						\
	}								\
} while (0)

#endif /* _RECALLFS_TAP_H */
