// SPDX-License-Identifier: GPL-2.0
/* libgreet.so.1: the shared library that "hello" finds via LD_LIBRARY_PATH. */
#include "payload.h"

const char *greet_message(void)
{
	return GREET_MESSAGE;
}
