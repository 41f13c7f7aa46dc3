/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels hv supports (Debian's 6.1 and
 * 6.12), kept in one place so the rest of the code reads the same on both.
 */
#ifndef HV_COMPAT_H
#define HV_COMPAT_H

#include <linux/version.h>

/* <asm/cpufeature.h> renamed the helper for CPU features in 6.x kernels? No: same. */

#endif /* HV_COMPAT_H */
