// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MC146818 on a fake realtime clock: BCD/binary and
 * 12/24-hour encodings, setting the time with SET, update-in-progress,
 * register C flags and IRQ 8 (update, periodic, alarm), CMOS RAM and the
 * memory-size bytes.
 */
#include <string.h>
#include <time.h>

#include "../../devices/rtc.h"
#include "unit.h"

struct rtc_env {
	struct iobus bus;
	struct rtc rtc;
	struct irq_probe irq;
	struct fake_clock clock;
};

/* Thursday 2024-02-29 13:45:56 UTC, @frac_ns into the second. */
static uint64_t leap_day_ns(uint64_t frac_ns)
{
	struct tm tm = { .tm_year = 124, .tm_mon = 1, .tm_mday = 29,
			 .tm_hour = 13, .tm_min = 45, .tm_sec = 56 };

	return (uint64_t)timegm(&tm) * NSEC_PER_SEC + frac_ns;
}

static bool env_init(struct rtc_env *e, uint64_t below, uint64_t above)
{
	memset(e, 0, sizeof(*e));
	e->clock.ns = leap_day_ns(500000000);
	iobus_init(&e->bus, "pio");
	if (rtc_init(&e->rtc, &e->bus, below, above, irq_probe_line(&e->irq)))
		return false;
	rtc_set_clock(&e->rtc, fake_clock_of(&e->clock));
	return true;
}

static uint8_t cmos_read(struct rtc_env *e, uint8_t reg)
{
	outb(&e->bus, 0x70, reg);
	return inb(&e->bus, 0x71);
}

static void cmos_write(struct rtc_env *e, uint8_t reg, uint8_t v)
{
	outb(&e->bus, 0x70, reg);
	outb(&e->bus, 0x71, v);
}

static bool rtc_bcd_24h(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	CHECK_EQ(cmos_read(&e, 0x0b), 0x02);		/* BCD, 24 h */
	CHECK_EQ(cmos_read(&e, 0x00), 0x56);
	CHECK_EQ(cmos_read(&e, 0x02), 0x45);
	CHECK_EQ(cmos_read(&e, 0x04), 0x13);
	CHECK_EQ(cmos_read(&e, 0x06), 5);		/* Thursday: Sunday is 1 */
	CHECK_EQ(cmos_read(&e, 0x07), 0x29);
	CHECK_EQ(cmos_read(&e, 0x08), 0x02);
	CHECK_EQ(cmos_read(&e, 0x09), 0x24);
	CHECK_EQ(cmos_read(&e, 0x32), 0x20);		/* century */
	CHECK_EQ(cmos_read(&e, 0x0d), 0x80);		/* valid RAM and time */
	e.clock.ns += 5 * NSEC_PER_SEC;
	CHECK_EQ(cmos_read(&e, 0x00), 0x01);		/* it runs: 13:46:01 */
	CHECK_EQ(cmos_read(&e, 0x02), 0x46);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_binary_and_12h(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	cmos_write(&e, 0x0b, 0x04);			/* binary, 12 h */
	CHECK_EQ(cmos_read(&e, 0x00), 56);
	CHECK_EQ(cmos_read(&e, 0x04), 0x80 | 1);	/* 1 PM */
	CHECK_EQ(cmos_read(&e, 0x09), 24);
	cmos_write(&e, 0x0b, 0x00);			/* BCD, 12 h */
	CHECK_EQ(cmos_read(&e, 0x04), 0x81);
	e.clock.ns -= 13 * 3600 * NSEC_PER_SEC;		/* 00:45: 12 AM */
	CHECK_EQ(cmos_read(&e, 0x04), 0x12);
	e.clock.ns += 12 * 3600 * NSEC_PER_SEC;		/* 12:45: 12 PM */
	CHECK_EQ(cmos_read(&e, 0x04), 0x92);
	cmos_write(&e, 0x0b, 0x06);			/* binary, 24 h */
	CHECK_EQ(cmos_read(&e, 0x04), 12);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_set_time(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	cmos_write(&e, 0x0b, 0x82);			/* SET: registers hold still */
	cmos_write(&e, 0x09, 0x99);
	cmos_write(&e, 0x32, 0x19);
	cmos_write(&e, 0x08, 0x12);
	cmos_write(&e, 0x07, 0x31);
	cmos_write(&e, 0x04, 0x23);
	cmos_write(&e, 0x02, 0x59);
	cmos_write(&e, 0x00, 0x58);
	e.clock.ns += 10 * NSEC_PER_SEC;
	CHECK_EQ(cmos_read(&e, 0x00), 0x58);		/* frozen while SET */
	CHECK_EQ(cmos_read(&e, 0x0a) & 0x80, 0);	/* and no update in progress */
	cmos_write(&e, 0x0b, 0x02);
	e.clock.ns += 2 * NSEC_PER_SEC;			/* 1999-12-31 23:59:58 + 2 s */
	CHECK_EQ(cmos_read(&e, 0x00), 0x00);
	CHECK_EQ(cmos_read(&e, 0x04), 0x00);
	CHECK_EQ(cmos_read(&e, 0x07), 0x01);
	CHECK_EQ(cmos_read(&e, 0x08), 0x01);
	CHECK_EQ(cmos_read(&e, 0x09), 0x00);
	CHECK_EQ(cmos_read(&e, 0x32), 0x20);
	CHECK_EQ(cmos_read(&e, 0x06), 7);		/* 2000-01-01 was a Saturday */
	/* A 12-hour write: 0x81 is 1 PM. */
	cmos_write(&e, 0x0b, 0x00);
	cmos_write(&e, 0x04, 0x81);
	cmos_write(&e, 0x0b, 0x02);
	CHECK_EQ(cmos_read(&e, 0x04), 0x13);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_update_in_progress(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	CHECK_EQ(cmos_read(&e, 0x0a), 0x26);		/* mid-second: UIP clear */
	e.clock.ns = leap_day_ns(NSEC_PER_SEC - 100000);
	CHECK_EQ(cmos_read(&e, 0x0a), 0xa6);		/* 100 us before the update */
	e.clock.ns = leap_day_ns(NSEC_PER_SEC - 300000);
	CHECK_EQ(cmos_read(&e, 0x0a), 0x26);		/* 300 us before: not yet */
	e.clock.ns = leap_day_ns(NSEC_PER_SEC + 1000000);
	CHECK_EQ(cmos_read(&e, 0x0a), 0xa6);		/* inside the 1984 us update cycle */
	cmos_write(&e, 0x0a, 0xaf);			/* UIP is read-only */
	CHECK_EQ(cmos_read(&e, 0x0a), 0xaf);
	e.clock.ns = leap_day_ns(NSEC_PER_SEC / 2);
	CHECK_EQ(cmos_read(&e, 0x0a), 0x2f);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_update_interrupt(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	CHECK_EQ(cmos_read(&e, 0x0c), 0x00);
	e.clock.ns += 2000000;
	CHECK_EQ(cmos_read(&e, 0x0c), 0x40);		/* PF at 1024 Hz even with PIE off */
	cmos_write(&e, 0x0a, 0x20);			/* rate 0: only the update flag now */
	cmos_write(&e, 0x0b, 0x12);			/* UIE */
	rtc_service(&e.rtc);
	CHECK(!e.irq.level);
	CHECK_EQ(cmos_read(&e, 0x0c), 0x00);
	e.clock.ns += NSEC_PER_SEC;
	rtc_service(&e.rtc);
	CHECK(e.irq.level);
	CHECK_EQ(cmos_read(&e, 0x0c), 0x90);		/* IRQF | UF */
	CHECK(!e.irq.level);				/* reading C drops IRQ 8 */
	CHECK_EQ(cmos_read(&e, 0x0c), 0x00);
	/* Flags are set even when their interrupt is off, without IRQF. */
	cmos_write(&e, 0x0b, 0x02);
	e.clock.ns += NSEC_PER_SEC;
	CHECK_EQ(cmos_read(&e, 0x0c), 0x10);
	CHECK(!e.irq.level);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_periodic_interrupt(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	cmos_write(&e, 0x0a, 0x26);			/* 1024 Hz */
	cmos_write(&e, 0x0b, 0x42);			/* PIE */
	cmos_read(&e, 0x0c);
	e.clock.ns += 500000;				/* half a period */
	rtc_service(&e.rtc);
	CHECK(!e.irq.level);
	e.clock.ns += 500000;
	rtc_service(&e.rtc);
	CHECK(e.irq.level);
	CHECK_EQ(cmos_read(&e, 0x0c), 0xc0);		/* IRQF | PF */
	cmos_write(&e, 0x0a, 0x20);			/* rate 0: no periodic flag */
	e.clock.ns += 10000000;
	CHECK_EQ(cmos_read(&e, 0x0c) & 0x40, 0);
	iobus_destroy(&e.bus);
	return true;
}

static bool rtc_alarm_interrupt(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 0, 0));
	cmos_write(&e, 0x0a, 0x20);			/* no periodic flag */
	cmos_write(&e, 0x01, 0x58);			/* alarm 13:45:58 */
	cmos_write(&e, 0x03, 0x45);
	cmos_write(&e, 0x05, 0xc0);			/* any hour */
	cmos_write(&e, 0x0b, 0x22);			/* AIE */
	cmos_read(&e, 0x0c);
	e.clock.ns += NSEC_PER_SEC;			/* :57 */
	rtc_service(&e.rtc);
	CHECK(!e.irq.level);
	CHECK_EQ(cmos_read(&e, 0x0c) & 0x20, 0);
	e.clock.ns += NSEC_PER_SEC;			/* :58 */
	rtc_service(&e.rtc);
	CHECK(e.irq.level);
	CHECK_EQ(cmos_read(&e, 0x0c), 0xb0);		/* IRQF | AF | UF */
	iobus_destroy(&e.bus);
	return true;
}

static bool cmos_ram_and_memory_size(void)
{
	struct rtc_env e;

	CHECK(env_init(&e, 512ull << 20, 1ull << 30));
	CHECK_EQ(cmos_read(&e, 0x15) | cmos_read(&e, 0x16) << 8, 640);
	CHECK_EQ(cmos_read(&e, 0x17) | cmos_read(&e, 0x18) << 8, 0xffff);	/* capped */
	CHECK_EQ(cmos_read(&e, 0x30) | cmos_read(&e, 0x31) << 8, 0xffff);
	CHECK_EQ(cmos_read(&e, 0x34) | cmos_read(&e, 0x35) << 8, (512 - 16) * 16);
	CHECK_EQ(cmos_read(&e, 0x5b), 0x00);
	CHECK_EQ(cmos_read(&e, 0x5c), 0x40);		/* 1 GiB = 0x4000 x 64 KiB */
	CHECK_EQ(cmos_read(&e, 0x5d), 0x00);
	cmos_write(&e, 0x40, 0xa5);
	outb(&e.bus, 0x70, 0x80 | 0x40);		/* NMI mask bit is not address */
	CHECK_EQ(inb(&e.bus, 0x71), 0xa5);
	CHECK_EQ(inb(&e.bus, 0x70), 0xff);		/* the index port is write-only */
	iobus_destroy(&e.bus);

	CHECK(env_init(&e, 8ull << 20, 0));
	CHECK_EQ(cmos_read(&e, 0x17) | cmos_read(&e, 0x18) << 8, 7 * 1024);
	CHECK_EQ(cmos_read(&e, 0x34) | cmos_read(&e, 0x35) << 8, 0);
	iobus_destroy(&e.bus);
	return true;
}

const struct unit_case rtc_cases[] = {
	{ "rtc_bcd_24h", rtc_bcd_24h },
	{ "rtc_binary_and_12h", rtc_binary_and_12h },
	{ "rtc_set_time", rtc_set_time },
	{ "rtc_update_in_progress", rtc_update_in_progress },
	{ "rtc_update_interrupt", rtc_update_interrupt },
	{ "rtc_periodic_interrupt", rtc_periodic_interrupt },
	{ "rtc_alarm_interrupt", rtc_alarm_interrupt },
	{ "cmos_ram_and_memory_size", cmos_ram_and_memory_size },
	{ NULL, NULL },
};
