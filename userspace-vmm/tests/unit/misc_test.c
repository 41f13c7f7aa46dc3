// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the POST port and the exit device, and of the bus refusing
 * a device registered twice.
 */
#include <errno.h>
#include <string.h>

#include "../../devices/misc.h"
#include "../../devices/serial.h"
#include "../../vm.h"
#include "unit.h"

static bool exit_port_status(void)
{
	struct iobus bus;
	struct exit_port ep;
	struct vm vm;
	unsigned int size;

	for (size = 1; size <= 4; size *= 2) {
		memset(&vm, 0, sizeof(vm));
		iobus_init(&bus, "pio");
		CHECK_EQ(exit_init(&ep, &bus, &vm), 0);
		io_out(&bus, 0xf5, 1, 0x01);		/* not at 0xf4: ignored */
		CHECK(!vm.stopping);
		io_out(&bus, 0xf4, size, 0x1234562a);	/* the low byte is the status */
		CHECK(vm.stopping);
		CHECK_EQ(vm.exit_status, 0x2a);
		iobus_destroy(&bus);
	}
	memset(&vm, 0, sizeof(vm));
	iobus_init(&bus, "pio");
	CHECK_EQ(exit_init(&ep, &bus, &vm), 0);
	outb(&bus, 0xf4, 0x00);				/* 0 = pass, a real status */
	CHECK(vm.stopping);
	CHECK_EQ(vm.exit_status, 0);
	iobus_destroy(&bus);
	return true;
}

static bool post_port_ignored(void)
{
	struct iobus bus;
	struct post_port pp;
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	iobus_init(&bus, "pio");
	CHECK_EQ(post_init(&pp, &bus, &vm), 0);
	outb(&bus, 0x80, 0x55);
	CHECK(!vm.stopping);
	CHECK_EQ(inb(&bus, 0x80), 0xff);
	iobus_destroy(&bus);
	return true;
}

/* Port 0x92: A20 on after reset, bits read back, the fast reset on a 0 -> 1 write of bit 0. */
static bool sysctl_port_a_reset(void)
{
	struct sysctl_port_a p;
	struct iobus bus;
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	iobus_init(&bus, "pio");
	CHECK_EQ(sysctl_port_a_init(&p, &bus, &vm), 0);
	CHECK_EQ(inb(&bus, 0x92), 0x02);
	outb(&bus, 0x92, 0x00);				/* A20 off: remembered */
	CHECK_EQ(inb(&bus, 0x92), 0x00);
	outb(&bus, 0x92, 0xf2);				/* other bits: not kept */
	CHECK_EQ(inb(&bus, 0x92), 0x02);
	CHECK(!vm.stopping);
	outb(&bus, 0x92, 0x03);				/* the reset bit set: reset */
	CHECK(vm.stopping);
	CHECK_EQ(vm.exit_status, 3);
	iobus_destroy(&bus);

	/* Bit 0 already set: writing it again is no new pulse. */
	memset(&vm, 0, sizeof(vm));
	iobus_init(&bus, "pio");
	CHECK_EQ(sysctl_port_a_init(&p, &bus, &vm), 0);
	atomic_store(&p.value, 0x03);
	outb(&bus, 0x92, 0x03);
	CHECK(!vm.stopping);
	iobus_destroy(&bus);
	return true;
}

static bool devices_refuse_overlap(void)
{
	struct iobus bus;
	struct serial a, b;
	struct irq_probe irq = { 0 };

	iobus_init(&bus, "pio");
	CHECK_EQ(serial_init(&a, &bus, 0x3f8, -1, -1, irq_probe_line(&irq)), 0);
	CHECK_EQ(serial_init(&b, &bus, 0x3fc, -1, -1, irq_probe_line(&irq)), -EEXIST);
	iobus_destroy(&bus);
	return true;
}

const struct unit_case misc_cases[] = {
	{ "exit_port_status", exit_port_status },
	{ "post_port_ignored", post_port_ignored },
	{ "sysctl_port_a_reset", sysctl_port_a_reset },
	{ "devices_refuse_overlap", devices_refuse_overlap },
	{ NULL, NULL },
};
