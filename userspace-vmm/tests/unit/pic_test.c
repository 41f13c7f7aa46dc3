// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the 8259A pair: initialisation, priorities, EOIs, masking,
 * ELCR, edge latching, cascade, spurious IRQ 15, auto-EOI, poll, rotation,
 * special mask mode.
 */
#include <string.h>

#include "../../devices/pic.h"
#include "unit.h"

struct pic_env {
	struct iobus bus;
	struct pic pic;
	unsigned int changes;	/* output_changed calls */
};

static void env_output_changed(void *opaque)
{
	((struct pic_env *)opaque)->changes++;
}

/* The sequence Linux's init_8259A() writes: vectors 0x30/0x38, cascade on 2. */
static void linux_init(struct iobus *b, bool auto_eoi)
{
	outb(b, 0x21, 0xff);
	outb(b, 0xa1, 0xff);
	outb(b, 0x20, 0x11);
	outb(b, 0x21, 0x30);
	outb(b, 0x21, 0x04);
	outb(b, 0x21, auto_eoi ? 0x03 : 0x01);
	outb(b, 0xa0, 0x11);
	outb(b, 0xa1, 0x38);
	outb(b, 0xa1, 0x02);
	outb(b, 0xa1, 0x01);
	outb(b, 0x21, 0x00);
	outb(b, 0xa1, 0x00);
}

static bool env_init(struct pic_env *e, bool auto_eoi)
{
	memset(e, 0, sizeof(*e));
	iobus_init(&e->bus, "pio");
	if (pic_init(&e->pic, &e->bus, env_output_changed, e))
		return false;
	linux_init(&e->bus, auto_eoi);
	return true;
}

static uint8_t read_isr(struct iobus *b, uint16_t base)
{
	uint8_t v;

	outb(b, base, 0x0b);
	v = inb(b, base);
	outb(b, base, 0x0a);
	return v;
}

static void pulse(struct pic *pic, unsigned int irq)
{
	pic_set_irq(pic, irq, true);
	pic_set_irq(pic, irq, false);
}

static bool pic_init_and_vector(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	CHECK(!pic_output(&e.pic));
	CHECK_EQ(pic_acknowledge(&e.pic), -1);
	pulse(&e.pic, 0);
	CHECK(pic_output(&e.pic));
	CHECK(e.changes >= 1);
	CHECK_EQ(inb(&e.bus, 0x20), 0x01);		/* IRR */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x30);
	CHECK(!pic_output(&e.pic));
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x01);
	CHECK_EQ(inb(&e.bus, 0x20), 0x00);		/* edge request consumed */
	outb(&e.bus, 0x20, 0x20);			/* non-specific EOI */
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x00);
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_imr_probe_readback(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	/* probe_8259A(): the master's IMR must read back what was written. */
	outb(&e.bus, 0xa1, 0xff);
	outb(&e.bus, 0x21, 0xfb);
	CHECK_EQ(inb(&e.bus, 0x21), 0xfb);
	CHECK_EQ(inb(&e.bus, 0xa1), 0xff);
	CHECK_EQ(io_in(&e.bus, 0x20, 2) >> 8, 0xfb);	/* a word read is IRR then IMR */
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_priority_and_nesting(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	pulse(&e.pic, 3);
	pulse(&e.pic, 1);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x31);	/* IRQ 1 outranks IRQ 3 */
	CHECK(!pic_output(&e.pic));			/* IRQ 3 waits behind IRQ 1 */
	pulse(&e.pic, 0);
	CHECK(pic_output(&e.pic));			/* IRQ 0 nests above IRQ 1 */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x30);
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x03);
	outb(&e.bus, 0x20, 0x20);			/* clears IRQ 0, the highest */
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x02);
	CHECK(!pic_output(&e.pic));
	outb(&e.bus, 0x20, 0x61);			/* specific EOI for IRQ 1 */
	CHECK(pic_output(&e.pic));
	CHECK_EQ(pic_acknowledge(&e.pic), 0x33);
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_mask_holds_edge(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	outb(&e.bus, 0x21, 0x10);			/* mask IRQ 4 */
	pulse(&e.pic, 4);
	CHECK(!pic_output(&e.pic));
	CHECK_EQ(inb(&e.bus, 0x20), 0x10);		/* latched in IRR */
	outb(&e.bus, 0x21, 0x00);
	CHECK(pic_output(&e.pic));
	CHECK_EQ(pic_acknowledge(&e.pic), 0x34);
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_edge_needs_new_edge(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	pic_set_irq(&e.pic, 5, true);			/* held high, edge mode */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x35);
	outb(&e.bus, 0x20, 0x65);
	CHECK(!pic_output(&e.pic));			/* no new edge: nothing */
	pic_set_irq(&e.pic, 5, false);
	pic_set_irq(&e.pic, 5, true);
	CHECK(pic_output(&e.pic));
	/* A second edge while in service is latched and served after the EOI. */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x35);
	pic_set_irq(&e.pic, 5, false);
	pulse(&e.pic, 5);
	CHECK(!pic_output(&e.pic));
	outb(&e.bus, 0x20, 0x65);
	CHECK(pic_output(&e.pic));
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_cascade(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	pulse(&e.pic, 12);
	CHECK(pic_output(&e.pic));
	CHECK_EQ(pic_acknowledge(&e.pic), 0x3c);
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x04);
	CHECK_EQ(read_isr(&e.bus, 0xa0), 0x10);
	/* IRQ 8 outranks IRQ 12 on the slave but the master's IRQ 2 is in service. */
	pulse(&e.pic, 8);
	CHECK(!pic_output(&e.pic));
	outb(&e.bus, 0xa0, 0x64);			/* Linux: specific EOI slave, then master */
	outb(&e.bus, 0x20, 0x62);
	CHECK(pic_output(&e.pic));
	CHECK_EQ(pic_acknowledge(&e.pic), 0x38);
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_elcr_level(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	outb(&e.bus, 0x4d0, 0xff);
	outb(&e.bus, 0x4d1, 0xff);
	CHECK_EQ(inb(&e.bus, 0x4d0), 0xf8);		/* IRQ 0-2 cannot be level */
	CHECK_EQ(inb(&e.bus, 0x4d1), 0xde);		/* nor IRQ 8 and 13 */
	outb(&e.bus, 0x4d0, 0x00);
	outb(&e.bus, 0x4d1, 0x04);			/* IRQ 10 level-triggered */
	pic_set_irq(&e.pic, 10, true);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x3a);
	outb(&e.bus, 0xa0, 0x20);
	outb(&e.bus, 0x20, 0x20);
	CHECK(pic_output(&e.pic));			/* still high: requests again */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x3a);
	pic_set_irq(&e.pic, 10, false);
	outb(&e.bus, 0xa0, 0x20);
	outb(&e.bus, 0x20, 0x20);
	CHECK(!pic_output(&e.pic));
	CHECK_EQ(inb(&e.bus, 0xa0), 0x00);		/* IRR follows the line */
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_spurious_irq15(void)
{
	struct pic_env e;
	int v;

	CHECK(env_init(&e, false));
	outb(&e.bus, 0x4d1, 0x08);			/* IRQ 11 level */
	pic_set_irq(&e.pic, 11, true);
	CHECK(pic_output(&e.pic));
	pic_set_irq(&e.pic, 11, false);			/* gone before INTA... */
	CHECK(pic_output(&e.pic));			/* ...but the master latched IRQ 2's edge */
	v = pic_acknowledge(&e.pic);
	CHECK_EQ(v, 0x3f);				/* the slave answers with IRQ 7: spurious 15 */
	CHECK_EQ(read_isr(&e.bus, 0xa0), 0x00);		/* and sets nothing in service */
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x04);		/* the master does not know */
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_auto_eoi(void)
{
	struct pic_env e;

	CHECK(env_init(&e, true));
	pulse(&e.pic, 6);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x36);
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x00);
	pulse(&e.pic, 7);
	CHECK(pic_output(&e.pic));			/* nothing in service blocks it */
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_poll_mode(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	outb(&e.bus, 0x20, 0x0c);			/* OCW3 poll */
	CHECK_EQ(inb(&e.bus, 0x20), 0x00);		/* nothing requesting */
	pulse(&e.pic, 3);
	outb(&e.bus, 0x20, 0x0c);
	CHECK_EQ(inb(&e.bus, 0x20), 0x83);
	CHECK_EQ(read_isr(&e.bus, 0x20), 0x08);		/* the poll acknowledged it */
	CHECK(!pic_output(&e.pic));
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_rotation(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	pulse(&e.pic, 0);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x30);
	outb(&e.bus, 0x20, 0xa0);			/* rotate on non-specific EOI */
	pulse(&e.pic, 0);
	pulse(&e.pic, 5);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x35);	/* IRQ 0 is now the lowest */
	outb(&e.bus, 0x20, 0x20);
	outb(&e.bus, 0x20, 0xc4);			/* set priority: IRQ 4 lowest, 5 highest */
	pulse(&e.pic, 5);
	pulse(&e.pic, 1);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x35);
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_special_mask(void)
{
	struct pic_env e;

	CHECK(env_init(&e, false));
	pulse(&e.pic, 3);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x33);
	pulse(&e.pic, 5);
	CHECK(!pic_output(&e.pic));			/* lower priority: blocked */
	outb(&e.bus, 0x20, 0x68);			/* special mask mode on */
	outb(&e.bus, 0x21, 0x08);			/* mask the level in service */
	CHECK(pic_output(&e.pic));			/* now IRQ 5 gets through */
	CHECK_EQ(pic_acknowledge(&e.pic), 0x35);
	outb(&e.bus, 0x20, 0x48);			/* special mask mode off */
	iobus_destroy(&e.bus);
	return true;
}

static bool pic_irq_line_adapter(void)
{
	struct pic_env e;
	struct irq_line l;

	CHECK(env_init(&e, false));
	l = pic_irq_line(&e.pic, 9);
	irq_line_pulse(&l);
	CHECK_EQ(pic_acknowledge(&e.pic), 0x39);
	iobus_destroy(&e.bus);
	return true;
}

const struct unit_case pic_cases[] = {
	{ "pic_init_and_vector", pic_init_and_vector },
	{ "pic_imr_probe_readback", pic_imr_probe_readback },
	{ "pic_priority_and_nesting", pic_priority_and_nesting },
	{ "pic_mask_holds_edge", pic_mask_holds_edge },
	{ "pic_edge_needs_new_edge", pic_edge_needs_new_edge },
	{ "pic_cascade", pic_cascade },
	{ "pic_elcr_level", pic_elcr_level },
	{ "pic_spurious_irq15", pic_spurious_irq15 },
	{ "pic_auto_eoi", pic_auto_eoi },
	{ "pic_poll_mode", pic_poll_mode },
	{ "pic_rotation", pic_rotation },
	{ "pic_special_mask", pic_special_mask },
	{ "pic_irq_line_adapter", pic_irq_line_adapter },
	{ NULL, NULL },
};
