/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/errno.h>.  glibc's <errno.h> itself includes
 * <linux/errno.h>, which lands here, so take the values from the uapi header
 * next in the search path.
 */
#ifndef HV_HOST_LINUX_ERRNO_H
#define HV_HOST_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif
