/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the two one-port devices.
 *   post_port  0x80: POST codes, accepted and ignored (logged with --debug).
 *   exit_port  0xf4: a write of V (1, 2 or 4 bytes at 0xf4) ends hv-run with
 *              status V & 0xff, so that a test kernel reports its result.
 */
#ifndef HV_RUN_MISC_H
#define HV_RUN_MISC_H

#include "../iobus.h"

struct vm;

struct post_port {
	struct vm *vm;		/* for vm_debug(); no mutable state, so no lock */
};

struct exit_port {
	struct vm *vm;
};

int post_init(struct post_port *p, struct iobus *pio, struct vm *vm);
int exit_init(struct exit_port *e, struct iobus *pio, struct vm *vm);

#endif /* HV_RUN_MISC_H */
