/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: one registry and dispatcher for I/O ports (vm->pio) and MMIO
 * ranges (vm->mmio).  Owner: core.  Part of the VMM team's contract: change
 * only by agreement, keeping old names working until users have moved.
 *
 * Registration happens before the vCPUs start; dispatch takes no bus lock
 * (the range table is immutable by then).  Each device guards its own state
 * with its own mutex, since it may be entered from vCPU threads, timer
 * threads and the stdin thread.
 */
#ifndef HV_RUN_IOBUS_H
#define HV_RUN_IOBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_ops {
	/* @offset from the registered base; @size is 1, 2, 4 or 8 */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned int size);
	void (*write)(void *opaque, uint64_t offset, unsigned int size, uint64_t value);
};

struct iobus_range {
	uint64_t base;
	uint64_t len;
	const struct io_ops *ops;
	void *opaque;
};

struct iobus {
	const char *name;		/* "pio" or "mmio", for diagnostics */
	struct iobus_range *ranges;	/* sorted by base, never overlapping */
	size_t nr;
	size_t cap;
};

void iobus_init(struct iobus *bus, const char *name);
void iobus_destroy(struct iobus *bus);

/* 0; -EEXIST if [base, base+len) overlaps a registered range; -EINVAL for len 0 or wrap-around; -ENOMEM */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct io_ops *ops, void *opaque);

/* Dispatch one access. false if no device claims @addr (reads then yield all ones, writes are dropped). */
bool iobus_access(struct iobus *bus, uint64_t addr, bool is_write, unsigned int size, uint64_t *value);

#endif /* HV_RUN_IOBUS_H */
