// SPDX-License-Identifier: GPL-2.0
/* libplugin.so: loaded by the test with dlopen() from the recallfs mount. */
#include "payload.h"

int plugin_answer(int x)
{
	return x * 7 + PLUGIN_SALT;
}

const char *plugin_name(void)
{
	return PLUGIN_NAME;
}
