// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* recallfs tools: table-driven CRC32C (reflected polynomial 0x82f63b78). */
#include "recallfs_shim.h"

static __u32 crc32c_table[256];

static void crc32c_init(void)
{
	for (__u32 i = 0; i < 256; i++) {
		__u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
		crc32c_table[i] = c;
	}
}

__u32 recallfs_crc32c_raw(__u32 crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!crc32c_table[1])
		crc32c_init();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
