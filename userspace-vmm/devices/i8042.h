/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the 8042 keyboard controller at 0x60 (data) / 0x64
 * (status, command), with nothing plugged into its keyboard and aux ports,
 * and its CPU reset line, which ends the VM with VM_EXIT_RESET.
 */
#ifndef HV_RUN_I8042_H
#define HV_RUN_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../iobus.h"

struct vm;

struct i8042 {
	pthread_mutex_t lock;	/* guards everything below */
	struct vm *vm;
	uint8_t ram[32];	/* controller RAM; byte 0 is the command byte */
	uint8_t outport;	/* output port: bit 0 reset (1 = running), bit 1 A20 */
	uint8_t obuf;
	bool obf;		/* output buffer full */
	bool aux_obf;		/* ... with a byte from the aux side */
	bool last_was_cmd;	/* status A2: last write went to 0x64 */
	uint8_t pending;	/* command waiting for its data byte at 0x60, or 0 */
};

/* Registers 0x60 and 0x64.  0 or -errno. */
int i8042_init(struct i8042 *k, struct iobus *pio, struct vm *vm);

#endif /* HV_RUN_I8042_H */
