// SPDX-License-Identifier: GPL-2.0
/*
 * "hello": a small dynamically linked program.  Besides the greeting from
 * libgreet it prints where the dynamic loader found the library and which
 * file the kernel executed, so the test can prove both came from the mount.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include "payload.h"

int main(void)
{
	char exe[PATH_MAX];
	Dl_info info;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 2;
	exe[n] = '\0';
	if (!dladdr((void *)greet_message, &info) || !info.dli_fname)
		return 3;
	printf("greeting=%s\nlib=%s\nexe=%s\n", greet_message(),
	       info.dli_fname, exe);
	return 0;
}
