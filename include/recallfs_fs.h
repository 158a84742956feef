/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * recallfs: definitions shared by the kernel module and the userspace tools.
 *
 * This header is included both by the module (kernel types) and by tools/
 * (userspace), so it only uses fixed-width types and plain macros.
 */
#ifndef _RECALLFS_FS_H
#define _RECALLFS_FS_H

/* statfs(2) f_type of a recallfs mount: "RCLF" in ASCII. */
#define RECALLFS_SUPER_MAGIC	0x52434c46

#define RECALLFS_FS_NAME	"recallfs"

#endif /* _RECALLFS_FS_H */
