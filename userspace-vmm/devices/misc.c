// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: port 0x80 (POST codes), the exit device at 0xf4 and
 * System Control Port A at 0x92.
 *
 * Port 0x80 is where firmware writes its progress codes and where Linux
 * writes to pause for an I/O cycle (outb_p); it takes any write and reads
 * as all ones, as a bus with a POST card and nothing else does.
 *
 * The exit device claims 0xf4-0xf7 so that a 32-bit OUT at 0xf4 lands in
 * one device; only writes starting at 0xf4 count.  The status is the low
 * byte of the value, unmodified (unlike QEMU's isa-debug-exit, which
 * reports (V << 1) | 1), so a test kernel's 0 is hv-run's 0.
 *
 * Port 0x92 (the PS/2 "fast A20 and reset" port): bit 1 is the A20 gate,
 * bit 0 the fast reset, which a write that turns it from 0 to 1 pulses;
 * both read back as written, and the port reads 0x02 after reset (the
 * firmware enabled A20).  hv never masks A20 (memory above 1 MiB does not
 * wrap), so bit 1 is only remembered; guests that test A20 find it on.
 */
#include <stdatomic.h>
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

#define SYSCTL_A_RESET		0x01
#define SYSCTL_A_A20		0x02

static uint64_t sysctl_a_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct sysctl_port_a *p = opaque;

	(void)offset;
	(void)size;
	return atomic_load(&p->value);
}

static void sysctl_a_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct sysctl_port_a *p = opaque;
	unsigned int old;

	(void)offset;
	(void)size;
	old = atomic_exchange(&p->value, (unsigned int)value & (SYSCTL_A_RESET | SYSCTL_A_A20));
	if (!(old & SYSCTL_A_RESET) && (value & SYSCTL_A_RESET))
		vm_request_stop(p->vm, VM_EXIT_RESET);
}

static const struct io_ops post_ops = { .read = all_ones, .write = post_write };
static const struct io_ops exit_ops = { .read = all_ones, .write = exit_write };
static const struct io_ops sysctl_a_ops = { .read = sysctl_a_read, .write = sysctl_a_write };

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

int sysctl_port_a_init(struct sysctl_port_a *p, struct iobus *pio, struct vm *vm)
{
	p->vm = vm;
	atomic_init(&p->value, SYSCTL_A_A20);
	return iobus_register(pio, VM_SYSCTL_A_PORT, 1, &sysctl_a_ops, p);
}
