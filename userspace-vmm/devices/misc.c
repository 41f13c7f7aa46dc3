// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: port 0x80 (POST codes) and the exit device at 0xf4.
 *
 * Port 0x80 is where firmware writes its progress codes and where Linux
 * writes to pause for an I/O cycle (outb_p); it takes any write and reads
 * as all ones, as a bus with a POST card and nothing else does.
 *
 * The exit device claims 0xf4-0xf7 so that a 32-bit OUT at 0xf4 lands in
 * one device; only writes starting at 0xf4 count.  The status is the low
 * byte of the value, unmodified (unlike QEMU's isa-debug-exit, which
 * reports (V << 1) | 1), so a test kernel's 0 is hv-run's 0.
 */
#include <stdint.h>

#include "../vm.h"
#include "misc.h"

static uint64_t all_ones(void *opaque, uint64_t offset, unsigned int size)
{
	(void)opaque;
	(void)offset;
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void post_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct post_port *p = opaque;

	(void)offset;
	(void)size;
	vm_debug(p->vm, "POST code 0x%02x", (unsigned int)(value & 0xff));
}

static void exit_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct exit_port *e = opaque;

	(void)size;
	if (offset == 0)
		vm_request_stop(e->vm, (int)(value & 0xff));
}

static const struct io_ops post_ops = { .read = all_ones, .write = post_write };
static const struct io_ops exit_ops = { .read = all_ones, .write = exit_write };

int post_init(struct post_port *p, struct iobus *pio, struct vm *vm)
{
	p->vm = vm;
	return iobus_register(pio, VM_POST_PORT, 1, &post_ops, p);
}

int exit_init(struct exit_port *e, struct iobus *pio, struct vm *vm)
{
	e->vm = vm;
	return iobus_register(pio, VM_EXIT_PORT, 4, &exit_ops, e);
}
