/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/bits.h>, for the host KUnit runner only. */
#ifndef HV_HOST_LINUX_BITS_H
#define HV_HOST_LINUX_BITS_H

#define BIT_ULL(nr)	(1ULL << (nr))

#endif
