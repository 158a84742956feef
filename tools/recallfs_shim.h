/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallfs tools: what fs/recallfs/journal_format.c needs from the kernel,
 * in userspace. Byte order, BUILD_BUG_ON and a raw CRC32C; nothing else.
 */
#ifndef _RECALLFS_SHIM_H
#define _RECALLFS_SHIM_H

#include <endian.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#define cpu_to_le16(x)	((__le16)htole16(x))
#define cpu_to_le32(x)	((__le32)htole32(x))
#define cpu_to_le64(x)	((__le64)htole64(x))
#define le16_to_cpu(x)	((__u16)le16toh(x))
#define le32_to_cpu(x)	((__u32)le32toh(x))
#define le64_to_cpu(x)	((__u64)le64toh(x))

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "layout check: " #cond)

/* CRC32C (Castagnoli) update, no pre- or post-inversion: the kernel's crc32c(). */
__u32 recallfs_crc32c_raw(__u32 crc, const void *buf, size_t len);

#endif /* _RECALLFS_SHIM_H */
