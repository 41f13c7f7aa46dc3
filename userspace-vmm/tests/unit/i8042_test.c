// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the 8042: the probe Linux's i8042 driver does, the command
 * byte, the aux loop, an absent keyboard, and both ways to pull the reset
 * line.
 */
#include <string.h>

#include "../../devices/i8042.h"
#include "../../vm.h"
#include "unit.h"

struct kbc_env {
	struct iobus bus;
	struct i8042 kbc;
	struct vm vm;
};

static bool env_init(struct kbc_env *e)
{
	memset(e, 0, sizeof(*e));
	iobus_init(&e->bus, "pio");
	return i8042_init(&e->kbc, &e->bus, &e->vm) == 0;
}

static bool i8042_probe_sequence(void)
{
	struct kbc_env e;
	uint8_t ctr;

	CHECK(env_init(&e));
	CHECK_EQ(inb(&e.bus, 0x64) & 0x03, 0);		/* nothing to flush, never busy */
	outb(&e.bus, 0x64, 0xaa);			/* self-test */
	CHECK_EQ(inb(&e.bus, 0x64) & 0x0d, 0x0d);	/* OBF, SYS, last write a command */
	CHECK_EQ(inb(&e.bus, 0x60), 0x55);
	CHECK_EQ(inb(&e.bus, 0x64) & 0x01, 0);		/* reading emptied it */
	outb(&e.bus, 0x64, 0x20);			/* read the command byte */
	ctr = inb(&e.bus, 0x60);
	outb(&e.bus, 0x64, 0x60);
	outb(&e.bus, 0x60, (uint8_t)(ctr | 0x01));
	CHECK_EQ(inb(&e.bus, 0x64) & 0x08, 0);		/* A2: last write was data */
	outb(&e.bus, 0x64, 0x20);
	CHECK_EQ(inb(&e.bus, 0x60), ctr | 0x01);
	outb(&e.bus, 0x64, 0xa7);			/* disable aux: CTR bit 5 */
	outb(&e.bus, 0x64, 0x20);
	CHECK_EQ(inb(&e.bus, 0x60) & 0x20, 0x20);
	outb(&e.bus, 0x64, 0xa9);			/* aux interface test passes */
	CHECK_EQ(inb(&e.bus, 0x60), 0x00);
	CHECK(!e.vm.stopping);
	iobus_destroy(&e.bus);
	return true;
}

static bool i8042_aux_loop_and_absent_keyboard(void)
{
	struct kbc_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0x64, 0xd3);			/* i8042_check_aux(): loop 0x5a */
	outb(&e.bus, 0x60, 0x5a);
	CHECK_EQ(inb(&e.bus, 0x64) & 0x21, 0x21);	/* OBF from the aux side */
	CHECK_EQ(inb(&e.bus, 0x60), 0x5a);
	outb(&e.bus, 0x60, 0xf2);			/* GET ID to the keyboard... */
	CHECK_EQ(inb(&e.bus, 0x64) & 0x01, 0);		/* ...nobody answers */
	outb(&e.bus, 0x64, 0xd4);			/* to the mouse: the same */
	outb(&e.bus, 0x60, 0xff);
	CHECK_EQ(inb(&e.bus, 0x64) & 0x01, 0);
	iobus_destroy(&e.bus);
	return true;
}

static bool i8042_reset_pulse(void)
{
	struct kbc_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0x64, 0xff);			/* pulse nothing (bit 0 set) */
	CHECK(!e.vm.stopping);
	outb(&e.bus, 0x64, 0xfe);			/* Linux's BOOT_KBD */
	CHECK(e.vm.stopping);
	CHECK_EQ(e.vm.exit_status, VM_EXIT_RESET);
	iobus_destroy(&e.bus);
	return true;
}

static bool i8042_reset_output_port(void)
{
	struct kbc_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0x64, 0xd0);
	CHECK_EQ(inb(&e.bus, 0x60) & 0x01, 0x01);	/* not in reset */
	outb(&e.bus, 0x64, 0xd1);
	outb(&e.bus, 0x60, 0x03);			/* A20 on, still running */
	CHECK(!e.vm.stopping);
	outb(&e.bus, 0x64, 0xd1);
	outb(&e.bus, 0x60, 0x02);			/* bit 0 low: reset */
	CHECK(e.vm.stopping);
	CHECK_EQ(e.vm.exit_status, VM_EXIT_RESET);
	iobus_destroy(&e.bus);
	return true;
}

const struct unit_case i8042_cases[] = {
	{ "i8042_probe_sequence", i8042_probe_sequence },
	{ "i8042_aux_loop_and_absent_keyboard", i8042_aux_loop_and_absent_keyboard },
	{ "i8042_reset_pulse", i8042_reset_pulse },
	{ "i8042_reset_output_port", i8042_reset_output_port },
	{ NULL, NULL },
};
