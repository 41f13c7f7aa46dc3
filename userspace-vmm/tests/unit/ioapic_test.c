// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the I/O APIC: registers through IOREGSEL/IOWIN, edge and
 * level pins with polarity, Remote IRR and EOI, masking, the edge-only
 * delivery modes, hostile accesses, and concurrent inputs.  Messages go to
 * a recording stub instead of HV_SIGNAL_MSI.
 */
#include <pthread.h>
#include <string.h>

#include "../../devices/ioapic.h"
#include "unit.h"

#define MAX_MSGS	64

struct ioapic_env {
	struct iobus mmio;
	struct ioapic io;
	unsigned int accept;		/* what the stub answers: local APICs reached */
	pthread_mutex_t lock;
	unsigned int n;
	uint64_t addr[MAX_MSGS];
	uint32_t data[MAX_MSGS];
};

static unsigned int stub_deliver(void *opaque, uint64_t address, uint32_t data)
{
	struct ioapic_env *e = opaque;

	pthread_mutex_lock(&e->lock);
	if (e->n < MAX_MSGS) {
		e->addr[e->n] = address;
		e->data[e->n] = data;
	}
	e->n++;
	pthread_mutex_unlock(&e->lock);
	return e->accept;
}

static bool env_init(struct ioapic_env *e)
{
	memset(e, 0, sizeof(*e));
	e->accept = 1;
	pthread_mutex_init(&e->lock, NULL);
	iobus_init(&e->mmio, "mmio");
	return ioapic_init(&e->io, &e->mmio, 4, stub_deliver, e) == 0;
}

static void env_destroy(struct ioapic_env *e)
{
	ioapic_destroy(&e->io);
	iobus_destroy(&e->mmio);
	pthread_mutex_destroy(&e->lock);
}

static uint64_t mmio_rd(struct ioapic_env *e, uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	iobus_access(&e->mmio, IOAPIC_BASE + off, false, size, &v);
	return v;
}

static void mmio_wr(struct ioapic_env *e, uint64_t off, unsigned int size, uint64_t v)
{
	iobus_access(&e->mmio, IOAPIC_BASE + off, true, size, &v);
}

static uint32_t reg_rd(struct ioapic_env *e, uint32_t index)
{
	mmio_wr(e, 0x00, 4, index);
	return (uint32_t)mmio_rd(e, 0x10, 4);
}

static void reg_wr(struct ioapic_env *e, uint32_t index, uint32_t v)
{
	mmio_wr(e, 0x00, 4, index);
	mmio_wr(e, 0x10, 4, v);
}

/* Program @pin's entry as Linux does: high dword first, then the low one. */
static void rte_wr(struct ioapic_env *e, unsigned int pin, uint64_t rte)
{
	reg_wr(e, 0x10 + 2 * pin + 1, (uint32_t)(rte >> 32));
	reg_wr(e, 0x10 + 2 * pin, (uint32_t)rte);
}

static uint64_t rte_rd(struct ioapic_env *e, unsigned int pin)
{
	return (uint64_t)reg_rd(e, 0x10 + 2 * pin + 1) << 32 | reg_rd(e, 0x10 + 2 * pin);
}

#define LEVEL		(1ull << 15)
#define ACTIVE_LOW	(1ull << 13)
#define REMOTE_IRR	(1ull << 14)
#define MASKED		(1ull << 16)
#define LOGICAL		(1ull << 11)
#define DM(m)		((uint64_t)(m) << 8)
#define DEST(d)		((uint64_t)(d) << 56)

static bool ioapic_registers(void)
{
	struct ioapic_env e;
	unsigned int pin;

	CHECK(env_init(&e));
	CHECK_EQ(reg_rd(&e, 0x00), 4u << 24);			/* ID from ioapic_init */
	CHECK_EQ(reg_rd(&e, 0x01), 0x00170011);			/* 24 entries, version 0x11 */
	CHECK_EQ(reg_rd(&e, 0x02), 4u << 24);			/* arbitration ID */
	reg_wr(&e, 0x00, 0xffffffff);
	CHECK_EQ(reg_rd(&e, 0x00), 0xff000000);			/* only the ID bits */
	CHECK_EQ(reg_rd(&e, 0x02), 0x0f000000);			/* 4-bit arbitration ID */
	reg_wr(&e, 0x01, 0);					/* read-only */
	reg_wr(&e, 0x02, 0);
	CHECK_EQ(reg_rd(&e, 0x01), 0x00170011);
	CHECK_EQ(reg_rd(&e, 0x02), 0x0f000000);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		CHECK_EQ(rte_rd(&e, pin), MASKED);		/* reset: masked */
	/* Every writable bit, and none of delivery status, Remote IRR or the reserved ones. */
	rte_wr(&e, 5, ~0ull);
	CHECK_EQ(rte_rd(&e, 5), 0xff0000000001afffull);
	rte_wr(&e, 5, DEST(3) | LOGICAL | DM(1) | 0x41);
	CHECK_EQ(rte_rd(&e, 5), DEST(3) | LOGICAL | DM(1) | 0x41);
	CHECK_EQ(ioapic_redirection(&e.io, 5), DEST(3) | LOGICAL | DM(1) | 0x41);
	CHECK_EQ(e.n, 0);
	env_destroy(&e);
	return true;
}

/* Hostile register numbers and access shapes: nothing happens, reads give 0. */
static bool ioapic_hostile_accesses(void)
{
	struct ioapic_env e;
	uint64_t v = 0;

	CHECK(env_init(&e));
	mmio_wr(&e, 0x00, 4, 0xffffff41);
	CHECK_EQ(mmio_rd(&e, 0x00, 4), 0x41);			/* IOREGSEL keeps 8 bits */
	CHECK_EQ(mmio_rd(&e, 0x10, 4), 0);			/* 0x41: past entry 23 */
	mmio_wr(&e, 0x10, 4, 0x1234);
	CHECK_EQ(mmio_rd(&e, 0x10, 4), 0);
	CHECK_EQ(reg_rd(&e, 0x03), 0);
	CHECK_EQ(reg_rd(&e, 0x0f), 0);
	CHECK_EQ(reg_rd(&e, 0x40), 0);
	CHECK_EQ(reg_rd(&e, 0xff), 0);
	reg_wr(&e, 0x40, 0);
	/* Not a dword, or not at IOREGSEL/IOWIN: read 0, writes dropped. */
	mmio_wr(&e, 0x00, 4, 0x10);
	mmio_wr(&e, 0x10, 1, 0x00);
	mmio_wr(&e, 0x10, 2, 0x00);
	mmio_wr(&e, 0x10, 8, 0x00);
	mmio_wr(&e, 0x11, 4, 0x00);
	CHECK_EQ(rte_rd(&e, 0), MASKED);
	mmio_wr(&e, 0x00, 4, 0x10);
	CHECK_EQ(mmio_rd(&e, 0x10, 1), 0);
	CHECK_EQ(mmio_rd(&e, 0x10, 8), 0);
	CHECK_EQ(mmio_rd(&e, 0x20, 4), 0);
	CHECK_EQ(mmio_rd(&e, 0xffc, 4), 0);
	/* The page is the I/O APIC's; the next one is not. */
	CHECK(iobus_access(&e.mmio, IOAPIC_BASE + 0xfff, false, 1, &v));
	CHECK(!iobus_access(&e.mmio, IOAPIC_BASE + 0x1000, false, 4, &v));
	/* Pins past 23 do not exist. */
	ioapic_set_irq(&e.io, 24, true);
	ioapic_set_irq(&e.io, ~0u, true);
	CHECK_EQ(ioapic_redirection(&e.io, 24), 0);
	ioapic_eoi(&e.io, 0);
	CHECK_EQ(e.n, 0);
	env_destroy(&e);
	return true;
}

static bool ioapic_edge(void)
{
	struct ioapic_env e;

	CHECK(env_init(&e));
	rte_wr(&e, 2, DEST(1) | 0x30);				/* fixed, physical, APIC 1 */
	ioapic_set_irq(&e.io, 2, true);
	CHECK_EQ(e.n, 1);
	CHECK_EQ(e.addr[0], 0xfee01000);
	CHECK_EQ(e.data[0], 0x4030);				/* assert, edge, fixed */
	ioapic_set_irq(&e.io, 2, true);				/* no edge */
	CHECK_EQ(e.n, 1);
	ioapic_set_irq(&e.io, 2, false);
	CHECK_EQ(e.n, 1);
	ioapic_set_irq(&e.io, 2, true);
	CHECK_EQ(e.n, 2);
	CHECK_EQ(rte_rd(&e, 2) & REMOTE_IRR, 0);		/* edge pins never set it */
	/* An edge on a masked pin is lost; unmasking a high edge pin sends nothing. */
	ioapic_set_irq(&e.io, 2, false);
	rte_wr(&e, 2, MASKED | DEST(1) | 0x30);
	ioapic_set_irq(&e.io, 2, true);
	rte_wr(&e, 2, DEST(1) | 0x30);
	CHECK_EQ(e.n, 2);
	/* Active low: the falling edge is the one that counts. */
	rte_wr(&e, 3, ACTIVE_LOW | LOGICAL | DEST(0x0f) | DM(1) | 0x31);
	ioapic_set_irq(&e.io, 3, true);
	CHECK_EQ(e.n, 2);
	ioapic_set_irq(&e.io, 3, false);
	CHECK_EQ(e.n, 3);
	CHECK_EQ(e.addr[2], 0xfee0f004);			/* logical destination 0x0f */
	CHECK_EQ(e.data[2], 0x4131);				/* lowest priority */
	env_destroy(&e);
	return true;
}

static bool ioapic_level_remote_irr(void)
{
	struct ioapic_env e;

	CHECK(env_init(&e));
	/* A PCI INTx# line: active low, idles high. */
	ioapic_set_irq(&e.io, 16, true);
	rte_wr(&e, 16, LEVEL | ACTIVE_LOW | DEST(2) | 0x50);
	CHECK_EQ(e.n, 0);
	ioapic_set_irq(&e.io, 16, false);			/* asserted */
	CHECK_EQ(e.n, 1);
	CHECK_EQ(e.addr[0], 0xfee02000);
	CHECK_EQ(e.data[0], 0xc050);				/* level, assert */
	CHECK(rte_rd(&e, 16) & REMOTE_IRR);
	ioapic_set_irq(&e.io, 16, false);			/* still asserted: Remote IRR holds it */
	ioapic_set_irq(&e.io, 16, true);
	ioapic_set_irq(&e.io, 16, false);
	CHECK_EQ(e.n, 1);
	ioapic_eoi(&e.io, 0x51);				/* another vector */
	CHECK_EQ(e.n, 1);
	CHECK(rte_rd(&e, 16) & REMOTE_IRR);
	ioapic_eoi(&e.io, 0x50);				/* still asserted: sent again */
	CHECK_EQ(e.n, 2);
	CHECK(rte_rd(&e, 16) & REMOTE_IRR);
	ioapic_set_irq(&e.io, 16, true);			/* the device is served */
	ioapic_eoi(&e.io, 0x50);
	CHECK_EQ(e.n, 2);
	CHECK_EQ(rte_rd(&e, 16) & REMOTE_IRR, 0);
	/* A Remote IRR write is ignored; EOI reaches every pin with the vector. */
	rte_wr(&e, 17, LEVEL | DEST(0) | 0x50);
	rte_wr(&e, 18, LEVEL | DEST(0) | 0x50 | REMOTE_IRR);
	CHECK_EQ(rte_rd(&e, 18) & REMOTE_IRR, 0);
	ioapic_set_irq(&e.io, 17, true);
	ioapic_set_irq(&e.io, 18, true);
	CHECK_EQ(e.n, 4);
	ioapic_eoi(&e.io, 0x50);
	CHECK_EQ(e.n, 6);
	env_destroy(&e);
	return true;
}

/* Masking holds a level back; unmasking an asserted level pin sends it. */
static bool ioapic_level_mask(void)
{
	struct ioapic_env e;

	CHECK(env_init(&e));
	rte_wr(&e, 9, MASKED | LEVEL | DEST(0) | 0x39);
	ioapic_set_irq(&e.io, 9, true);
	CHECK_EQ(e.n, 0);
	rte_wr(&e, 9, LEVEL | DEST(0) | 0x39);
	CHECK_EQ(e.n, 1);
	CHECK_EQ(e.data[0], 0xc039);
	/* Masked after acceptance: the EOI clears Remote IRR but nothing is sent. */
	rte_wr(&e, 9, MASKED | LEVEL | DEST(0) | 0x39);
	ioapic_eoi(&e.io, 0x39);
	CHECK_EQ(e.n, 1);
	CHECK_EQ(rte_rd(&e, 9) & REMOTE_IRR, 0);
	/* A level that went away while masked is not sent on unmask. */
	ioapic_set_irq(&e.io, 9, false);
	rte_wr(&e, 9, LEVEL | DEST(0) | 0x39);
	CHECK_EQ(e.n, 1);
	env_destroy(&e);
	return true;
}

/* A level message no local APIC took leaves Remote IRR clear (no EOI will come). */
static bool ioapic_level_not_accepted(void)
{
	struct ioapic_env e;

	CHECK(env_init(&e));
	e.accept = 0;
	rte_wr(&e, 10, LEVEL | DEST(7) | 0x3a);
	ioapic_set_irq(&e.io, 10, true);
	CHECK_EQ(e.n, 1);
	CHECK_EQ(rte_rd(&e, 10) & REMOTE_IRR, 0);
	/* Once someone takes it, Remote IRR holds further ones back. */
	e.accept = 1;
	rte_wr(&e, 10, LEVEL | DEST(0) | 0x3a);			/* retargeted: sent at once */
	CHECK_EQ(e.n, 2);
	CHECK(rte_rd(&e, 10) & REMOTE_IRR);
	ioapic_set_irq(&e.io, 10, true);
	CHECK_EQ(e.n, 2);
	env_destroy(&e);
	return true;
}

/* Linux's Remote IRR clearing for I/O APICs without an EOI register: edge, then level again. */
static bool ioapic_edge_switch_clears_remote_irr(void)
{
	struct ioapic_env e;

	CHECK(env_init(&e));
	rte_wr(&e, 11, LEVEL | DEST(0) | 0x3b);
	ioapic_set_irq(&e.io, 11, true);
	CHECK_EQ(e.n, 1);
	CHECK(rte_rd(&e, 11) & REMOTE_IRR);
	ioapic_set_irq(&e.io, 11, false);
	rte_wr(&e, 11, MASKED | DEST(0) | 0x3b);		/* masked, edge */
	CHECK_EQ(rte_rd(&e, 11) & REMOTE_IRR, 0);
	rte_wr(&e, 11, LEVEL | DEST(0) | 0x3b);
	CHECK_EQ(e.n, 1);
	ioapic_set_irq(&e.io, 11, true);
	CHECK_EQ(e.n, 2);
	env_destroy(&e);
	return true;
}

/* SMI, NMI, INIT and ExtINT are edge-only: no level bit, no Remote IRR, whatever the entry says. */
static bool ioapic_edge_only_modes(void)
{
	static const unsigned int modes[] = { 2, 4, 5, 7 };
	struct ioapic_env e;
	unsigned int i;

	CHECK(env_init(&e));
	for (i = 0; i < 4; i++) {
		rte_wr(&e, 12, LEVEL | DM(modes[i]) | DEST(0xff));
		ioapic_set_irq(&e.io, 12, true);
		CHECK_EQ(e.n, i + 1);
		CHECK_EQ(e.addr[i], 0xfeeff000);
		CHECK_EQ(e.data[i], 0x4000 | modes[i] << 8);
		CHECK_EQ(rte_rd(&e, 12) & REMOTE_IRR, 0);
		ioapic_set_irq(&e.io, 12, true);		/* held high: no second one */
		CHECK_EQ(e.n, i + 1);
		ioapic_set_irq(&e.io, 12, false);
	}
	env_destroy(&e);
	return true;
}

struct pulser {
	struct ioapic_env *e;
	unsigned int pin;
};

static void *pulse_thread(void *arg)
{
	struct pulser *p = arg;
	unsigned int i;

	for (i = 0; i < 2000; i++) {
		ioapic_set_irq(&p->e->io, p->pin, true);
		ioapic_set_irq(&p->e->io, p->pin, false);
	}
	return NULL;
}

/* Device threads raise lines while a vCPU reprograms other pins: every edge is one message. */
static bool ioapic_concurrent_inputs(void)
{
	struct ioapic_env e;
	struct pulser p[3];
	pthread_t t[3];
	unsigned int i;

	CHECK(env_init(&e));
	for (i = 0; i < 3; i++) {
		rte_wr(&e, i + 1, DEST(i) | (0x40 + i));
		p[i] = (struct pulser){ &e, i + 1 };
		CHECK_EQ(pthread_create(&t[i], NULL, pulse_thread, &p[i]), 0);
	}
	for (i = 0; i < 2000; i++) {
		rte_wr(&e, 20, (i & 1 ? MASKED : 0) | LEVEL | (0x60 + (i & 0xf)));
		(void)rte_rd(&e, 1 + i % 3);
	}
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(e.n, 3 * 2000);
	CHECK_EQ(ioapic_messages(&e.io), 3 * 2000);
	for (i = 1; i <= 3; i++)
		CHECK_EQ(rte_rd(&e, i), DEST(i - 1) | (0x40 + i - 1));
	env_destroy(&e);
	return true;
}

const struct unit_case ioapic_cases[] = {
	{ "ioapic_registers", ioapic_registers },
	{ "ioapic_hostile_accesses", ioapic_hostile_accesses },
	{ "ioapic_edge", ioapic_edge },
	{ "ioapic_level_remote_irr", ioapic_level_remote_irr },
	{ "ioapic_level_mask", ioapic_level_mask },
	{ "ioapic_level_not_accepted", ioapic_level_not_accepted },
	{ "ioapic_edge_switch_clears_remote_irr", ioapic_edge_switch_clears_remote_irr },
	{ "ioapic_edge_only_modes", ioapic_edge_only_modes },
	{ "ioapic_concurrent_inputs", ioapic_concurrent_inputs },
	{ NULL, NULL },
};
