/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the two one-port devices.
 *   post_port  0x80: POST codes, accepted and ignored (logged with --debug).
 *   exit_port  0xf4: a write of V (1, 2 or 4 bytes at 0xf4) ends hv-run with
 *              status V & 0xff, so that a test kernel reports its result.
 *   sysctl_port_a  0x92: fast A20 (remembered) and fast reset (status 3).
 */
#ifndef HV_RUN_MISC_H
#define HV_RUN_MISC_H

#include <stdatomic.h>

#include "../iobus.h"

struct vm;

struct post_port {
	struct vm *vm;		/* for vm_debug(); no mutable state, so no lock */
};

struct exit_port {
	struct vm *vm;
};

struct sysctl_port_a {
	struct vm *vm;
	atomic_uint value;	/* bits 0 (reset) and 1 (A20) as last written */
};

int post_init(struct post_port *p, struct iobus *pio, struct vm *vm);
int exit_init(struct exit_port *e, struct iobus *pio, struct vm *vm);
int sysctl_port_a_init(struct sysctl_port_a *p, struct iobus *pio, struct vm *vm);

#endif /* HV_RUN_MISC_H */
