// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the cascaded 8259A programmable interrupt controllers.
 *
 * Modelled: ICW1-ICW4 (vector base, single/cascade, LTIM, auto-EOI, special
 * fully nested mode), OCW1 (IMR), OCW2 (non-specific, specific and rotating
 * EOIs, rotate in auto-EOI mode, set priority), OCW3 (IRR/ISR read select,
 * poll mode, special mask mode), edge and level inputs with the PC's ELCR
 * pair at 0x4d0/0x4d1 (IRQ 0, 1, 2, 8 and 13 are edge-only there, as on the
 * PIIX), spurious IRQ 15 from a slave whose request vanished, and the
 * slave cascaded on the master's IRQ 2.
 *
 * Left out: 8080/8085 mode (ICW4 bit 0 clear; only 8086 vectors are given),
 * buffered mode (a bus property), ICW3 wiring other than the PC's (the slave
 * stays on IRQ 2 whatever ICW3 says), and the master's spurious IRQ 7: in
 * this model the INTR output and the acknowledge are computed under one
 * lock, so the request cannot vanish between them; pic_acknowledge() with
 * INTR low returns -1 instead.
 */
#include <errno.h>
#include <string.h>

#include "isa.h"
#include "pic.h"

#define PIC_CASCADE_IRQ	2

static uint8_t chip_level_mask(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Priority rank (0 highest) of the best input in @mask, 8 if none. */
static unsigned int chip_priority(const struct pic_chip *c, uint8_t mask)
{
	unsigned int p;

	for (p = 0; p < 8; p++)
		if (mask & (1u << ((c->lowest + 1 + p) & 7)))
			return p;
	return 8;
}

static unsigned int chip_rank_to_irq(const struct pic_chip *c, unsigned int p)
{
	return (c->lowest + 1 + p) & 7;
}

/*
 * The input the chip would interrupt for now, or -1: the best unmasked
 * request that outranks everything in service.  In special mask mode a
 * masked in-service level no longer blocks; in special fully nested mode
 * the master lets its cascade input through while it is in service, so the
 * slave can nest a higher-priority request.
 */
static int chip_pending(const struct pic_chip *c, bool is_master)
{
	uint8_t in_service = c->isr;
	unsigned int req, cur, irq;

	req = chip_priority(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	cur = chip_priority(c, in_service);
	irq = chip_rank_to_irq(c, req);
	if (req < cur)
		return (int)irq;
	if (req == cur && is_master && c->sfnm && irq == PIC_CASCADE_IRQ)
		return (int)irq;
	return -1;
}

static void chip_set_line(struct pic_chip *c, unsigned int irq, bool high)
{
	uint8_t bit = 1u << irq;

	if (chip_level_mask(c) & bit) {
		if (high)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (high && !(c->lines & bit)) {
		c->irr |= bit;	/* the rising edge is latched until acknowledged */
	}
	if (high)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* INTA on one chip for input @irq: request to in-service (or auto-EOI). */
static void chip_ack(struct pic_chip *c, unsigned int irq)
{
	uint8_t bit = 1u << irq;

	if (!(chip_level_mask(c) & bit))
		c->irr &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

/* Propagate the slave's INT to the master's IRQ 2; true if INTR changed. */
static bool pic_update(struct pic *pic)
{
	bool out;

	chip_set_line(&pic->chip[0], PIC_CASCADE_IRQ, chip_pending(&pic->chip[1], false) >= 0);
	out = chip_pending(&pic->chip[0], true) >= 0;
	if (out == pic->output)
		return false;
	pic->output = out;
	return true;
}

/* Every entry point ends here: drop the lock, then tell core if INTR moved. */
static void pic_unlock_notify(struct pic *pic, bool changed)
{
	pthread_mutex_unlock(&pic->lock);
	if (changed && pic->output_changed)
		pic->output_changed(pic->opaque);
}

void pic_set_irq(struct pic *pic, unsigned int irq, bool high)
{
	bool changed;

	if (irq > 15)
		return;
	pthread_mutex_lock(&pic->lock);
	chip_set_line(&pic->chip[irq >> 3], irq & 7, high);
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
}

bool pic_output(struct pic *pic)
{
	bool out;

	pthread_mutex_lock(&pic->lock);
	out = pic->output;
	pthread_mutex_unlock(&pic->lock);
	return out;
}

int pic_acknowledge(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq, sirq, vector;
	bool changed;

	pthread_mutex_lock(&pic->lock);
	irq = chip_pending(m, true);
	if (irq < 0) {
		pthread_mutex_unlock(&pic->lock);
		return -1;
	}
	chip_ack(m, (unsigned int)irq);
	if (irq == PIC_CASCADE_IRQ && !m->single) {
		sirq = chip_pending(s, false);
		if (sirq >= 0) {
			chip_ack(s, (unsigned int)sirq);
			vector = s->vector_base + sirq;
		} else {
			vector = s->vector_base + 7;	/* spurious IRQ 15 */
		}
	} else {
		vector = m->vector_base + irq;
	}
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
	return vector;
}

static void pic_line_adapter(void *opaque, unsigned int irq, bool high)
{
	pic_set_irq(opaque, irq, high);
}

struct irq_line pic_irq_line(struct pic *pic, unsigned int irq)
{
	return (struct irq_line){ .set_level = pic_line_adapter, .opaque = pic, .irq = irq };
}

/* Clear the highest-priority in-service bit (non-specific EOI); its input or -1. */
static int chip_eoi_highest(struct pic_chip *c)
{
	unsigned int p = chip_priority(c, c->isr);
	unsigned int irq;

	if (p == 8)
		return -1;
	irq = chip_rank_to_irq(c, p);
	c->isr &= ~(1u << irq);
	return (int)irq;
}

static void chip_write_ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned int irq = v & 7;
	int done;

	switch (v >> 5) {
	case 0:		/* rotate in auto-EOI mode: clear */
		c->rotate_on_aeoi = false;
		break;
	case 1:		/* non-specific EOI */
		chip_eoi_highest(c);
		break;
	case 3:		/* specific EOI */
		c->isr &= ~(1u << irq);
		break;
	case 4:		/* rotate in auto-EOI mode: set */
		c->rotate_on_aeoi = true;
		break;
	case 5:		/* rotate on non-specific EOI */
		done = chip_eoi_highest(c);
		if (done >= 0)
			c->lowest = (uint8_t)done;
		break;
	case 6:		/* set priority: @irq becomes the lowest */
		c->lowest = (uint8_t)irq;
		break;
	case 7:		/* rotate on specific EOI */
		c->isr &= ~(1u << irq);
		c->lowest = (uint8_t)irq;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void chip_write_icw1(struct pic_chip *c, uint8_t v)
{
	/*
	 * Initialisation clears IMR and ISR, gives IR0 the highest priority,
	 * selects IRR reads and resets the edge-sense latches: an edge input
	 * that is already high must go low and high again to request.
	 */
	c->ltim = v & 0x08;
	c->single = v & 0x02;
	c->icw4_needed = v & 0x01;
	c->imr = 0;
	c->isr = 0;
	c->irr = c->lines & chip_level_mask(c);
	c->lowest = 7;
	c->auto_eoi = false;
	c->rotate_on_aeoi = false;
	c->sfnm = false;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->init_step = 1;
}

static void chip_write_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 0:
		c->imr = v;	/* OCW1 */
		break;
	case 1:
		c->vector_base = v & 0xf8;
		c->init_step = c->single ? (c->icw4_needed ? 3 : 0) : 2;
		break;
	case 2:
		c->icw3 = v;
		c->init_step = c->icw4_needed ? 3 : 0;
		break;
	default:
		c->auto_eoi = v & 0x02;
		c->sfnm = v & 0x10;
		c->init_step = 0;
		break;
	}
}

/* Poll command: acknowledge the best request on this chip as INTA would. */
static uint8_t chip_poll(struct pic_chip *c, bool is_master)
{
	int irq = chip_pending(c, is_master);

	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned int)irq);
	return (uint8_t)(0x80 | irq);
}

static uint8_t pic_read8(void *opaque, unsigned int port)
{
	struct pic *pic = opaque;
	unsigned int idx = port >> 1;		/* bit 1: the slave, see pic_slave_read8 */
	struct pic_chip *c = &pic->chip[idx];
	uint8_t v;
	bool changed = false;

	pthread_mutex_lock(&pic->lock);
	if (port & 1) {
		v = c->imr;
	} else if (c->poll) {
		c->poll = false;
		v = chip_poll(c, idx == 0);
		changed = pic_update(pic);
	} else {
		v = c->read_isr ? c->isr : c->irr;
	}
	pic_unlock_notify(pic, changed);
	return v;
}

static void pic_write8(void *opaque, unsigned int port, uint8_t v)
{
	struct pic *pic = opaque;
	struct pic_chip *c = &pic->chip[port >> 1];
	bool changed;

	pthread_mutex_lock(&pic->lock);
	if (port & 1) {
		chip_write_data(c, v);
	} else if (v & 0x10) {
		chip_write_icw1(c, v);
	} else if (v & 0x08) {		/* OCW3 */
		if (v & 0x04)
			c->poll = true;
		if (v & 0x02)
			c->read_isr = v & 0x01;
		if (v & 0x40)
			c->special_mask = v & 0x20;
	} else {
		chip_write_ocw2(c, v);
	}
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
}

/*
 * The chips sit at 0x20 and 0xa0, each registered as its own two-port range
 * with the pair as opaque; the slave's handlers set bit 1 of the port
 * number so that the byte handlers above know which chip is meant.
 */
static uint64_t pic_master_read(void *opaque, uint64_t offset, unsigned int size)
{
	return isa_read_split(opaque, offset, size, 2, pic_read8);
}

static void pic_master_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	isa_write_split(opaque, offset, size, 2, value, pic_write8);
}

static uint8_t pic_slave_read8(void *opaque, unsigned int port)
{
	return pic_read8(opaque, port | 2);
}

static void pic_slave_write8(void *opaque, unsigned int port, uint8_t v)
{
	pic_write8(opaque, port | 2, v);
}

static uint64_t pic_slave_read(void *opaque, uint64_t offset, unsigned int size)
{
	return isa_read_split(opaque, offset, size, 2, pic_slave_read8);
}

static void pic_slave_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	isa_write_split(opaque, offset, size, 2, value, pic_slave_write8);
}

static uint8_t elcr_read8(void *opaque, unsigned int port)
{
	struct pic *pic = opaque;
	uint8_t v;

	pthread_mutex_lock(&pic->lock);
	v = pic->chip[port].elcr;
	pthread_mutex_unlock(&pic->lock);
	return v;
}

static void elcr_write8(void *opaque, unsigned int port, uint8_t v)
{
	struct pic *pic = opaque;
	struct pic_chip *c = &pic->chip[port];
	uint8_t level;
	bool changed;

	pthread_mutex_lock(&pic->lock);
	c->elcr = v & c->elcr_mask;
	/* Inputs now level-triggered request exactly while they are high. */
	level = chip_level_mask(c);
	c->irr = (uint8_t)((c->irr & ~level) | (c->lines & level));
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
}

static uint64_t elcr_read(void *opaque, uint64_t offset, unsigned int size)
{
	return isa_read_split(opaque, offset, size, 2, elcr_read8);
}

static void elcr_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	isa_write_split(opaque, offset, size, 2, value, elcr_write8);
}

static const struct io_ops pic_master_ops = { .read = pic_master_read, .write = pic_master_write };
static const struct io_ops pic_slave_ops = { .read = pic_slave_read, .write = pic_slave_write };
static const struct io_ops elcr_ops = { .read = elcr_read, .write = elcr_write };

int pic_init(struct pic *pic, struct iobus *pio, void (*output_changed)(void *opaque), void *opaque)
{
	int i, err;

	memset(pic, 0, sizeof(*pic));
	err = -pthread_mutex_init(&pic->lock, NULL);
	if (err)
		return err;
	pic->output_changed = output_changed;
	pic->opaque = opaque;
	for (i = 0; i < 2; i++)
		pic->chip[i].lowest = 7;
	pic->chip[0].elcr_mask = 0xf8;	/* IRQ 0-2 are edge-only */
	pic->chip[1].elcr_mask = 0xde;	/* IRQ 8 and 13 are edge-only */
	err = iobus_register(pio, 0x20, 2, &pic_master_ops, pic);
	if (!err)
		err = iobus_register(pio, 0xa0, 2, &pic_slave_ops, pic);
	if (!err)
		err = iobus_register(pio, 0x4d0, 2, &elcr_ops, pic);
	return err;
}
