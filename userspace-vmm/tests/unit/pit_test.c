// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the 8254, on a fake clock: periodic IRQ 0 edges without
 * drift, one-shot modes, latch and read-back, access modes, BCD, channel 2
 * through port 0x61 (gate, OUT, square wave), reprogramming a running rate
 * generator, and the real timer thread.
 */
#include <string.h>
#include <time.h>

#include "../../devices/pit.h"
#include "unit.h"

struct pit_env {
	struct iobus bus;
	struct pit pit;
	struct irq_probe irq;
	struct fake_clock clock;
};

static bool env_init(struct pit_env *e)
{
	memset(e, 0, sizeof(*e));
	e->clock.ns = 1000 * NSEC_PER_SEC;
	iobus_init(&e->bus, "pio");
	if (pit_init(&e->pit, &e->bus, irq_probe_line(&e->irq)))
		return false;
	pit_set_clock(&e->pit, fake_clock_of(&e->clock));
	CHECK(e->irq.level);				/* OUT0 is high at power-up */
	e->irq.rises = 0;
	return true;
}

/* The nanosecond offset of tick @t, as the PIT computes it. */
static uint64_t tick_ns(uint64_t t)
{
	return (t * NSEC_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static void advance(struct pit_env *e, uint64_t ns)
{
	e->clock.ns += ns;
	pit_service(&e->pit);
}

static void program(struct pit_env *e, unsigned int ch, uint8_t control, uint16_t count)
{
	outb(&e->bus, 0x43, (uint8_t)(ch << 6 | control));
	if ((control & 0x30) != 0x20)
		outb(&e->bus, (uint16_t)(0x40 + ch), (uint8_t)count);
	if ((control & 0x30) != 0x10)
		outb(&e->bus, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

static uint16_t read_count(struct pit_env *e, unsigned int ch)
{
	uint16_t lo;

	outb(&e->bus, 0x43, (uint8_t)(ch << 6));	/* counter latch */
	lo = inb(&e->bus, (uint16_t)(0x40 + ch));
	return (uint16_t)(lo | inb(&e->bus, (uint16_t)(0x40 + ch)) << 8);
}

static bool pit_mode2_periodic(void)
{
	struct pit_env e;
	const uint16_t n = 1193;			/* Linux's LATCH for HZ=1000 */
	uint64_t start;
	int k;

	CHECK(env_init(&e));
	start = e.clock.ns;
	program(&e, 0, 0x34, n);			/* i8253 clockevent, periodic */
	CHECK_EQ(e.irq.rises, 0);			/* OUT was high already */
	advance(&e, tick_ns(n) - 1);
	CHECK_EQ(e.irq.rises, 0);			/* one nanosecond early */
	for (k = 1; k <= 10; k++) {
		e.clock.ns = start + tick_ns((uint64_t)k * n);
		pit_service(&e.pit);
		CHECK_EQ(e.irq.rises, k);
		CHECK_EQ(e.pit.irq_next_ns, start + tick_ns((uint64_t)(k + 1) * n));
	}
	CHECK(e.irq.level);
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_no_drift_and_coalescing(void)
{
	struct pit_env e;
	const uint16_t n = 11932;			/* 100 Hz */
	uint64_t start;

	CHECK(env_init(&e));
	start = e.clock.ns;
	program(&e, 0, 0x36, n);			/* mode 3 */
	advance(&e, tick_ns(n) * 7 / 2);		/* 3.5 periods late in one go */
	CHECK_EQ(e.irq.rises, 1);			/* missed edges coalesce */
	/* The next edge is still on the original grid: tick 4N, not 3.5N + N. */
	CHECK_EQ(e.pit.irq_next_ns, start + tick_ns(4ull * n));
	e.clock.ns = start + tick_ns(100000ull * n);	/* about 17 minutes on */
	pit_service(&e.pit);
	CHECK_EQ(e.pit.irq_next_ns, start + tick_ns(100001ull * n));
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_mode0_one_shot(void)
{
	struct pit_env e;

	CHECK(env_init(&e));
	program(&e, 0, 0x30, 1000);
	CHECK(!e.irq.level);				/* mode 0: OUT low while counting */
	advance(&e, tick_ns(999));
	CHECK(!e.irq.level);
	advance(&e, tick_ns(1) + 1000);
	CHECK(e.irq.level);
	CHECK_EQ(e.irq.rises, 1);
	advance(&e, tick_ns(200000));
	CHECK_EQ(e.irq.rises, 1);			/* once only */
	CHECK_EQ(e.pit.irq_next_ns, DEV_TIMER_NEVER);
	program(&e, 0, 0x30, 10);			/* a new count drops OUT again */
	CHECK(!e.irq.level);
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_mode4_linux_oneshot(void)
{
	struct pit_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0x43, 0x38);			/* set_state_oneshot */
	outb(&e.bus, 0x40, 0x10);			/* set_next_event(0x2710) */
	outb(&e.bus, 0x40, 0x27);
	CHECK(e.irq.level);				/* strobe mode idles high */
	advance(&e, tick_ns(0x2710) + 1000);
	CHECK_EQ(e.irq.rises, 1);
	advance(&e, tick_ns(3 * 65536));
	CHECK_EQ(e.irq.rises, 1);
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_latch_and_readback(void)
{
	struct pit_env e;
	uint8_t status;

	CHECK(env_init(&e));
	program(&e, 0, 0x34, 5000);
	advance(&e, tick_ns(1000) + 10);
	outb(&e.bus, 0x43, 0x00);			/* latch channel 0 */
	advance(&e, tick_ns(1500));			/* the latch holds */
	CHECK_EQ(inb(&e.bus, 0x40), (4000 & 0xff));
	CHECK_EQ(inb(&e.bus, 0x40), (4000 >> 8));
	CHECK_EQ(read_count(&e, 0), 2500);		/* a fresh latch sees time pass */
	/* Read-back of count and status for channel 0: status comes first. */
	outb(&e.bus, 0x43, 0xc2);
	status = inb(&e.bus, 0x40);
	CHECK_EQ(status, 0x80 | 0x30 | 0x04);		/* OUT high, lohi, mode 2, binary */
	CHECK_EQ(inb(&e.bus, 0x40), 2500 & 0xff);
	CHECK_EQ(inb(&e.bus, 0x40), 2500 >> 8);
	/* Status of a channel programmed but not loaded: null count. */
	outb(&e.bus, 0x43, 0xb0);
	outb(&e.bus, 0x43, 0xe8);			/* read-back status only, channel 2 */
	CHECK_EQ(inb(&e.bus, 0x42), 0x40 | 0x30);	/* OUT low (mode 0), null count */
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_access_modes(void)
{
	struct pit_env e;

	CHECK(env_init(&e));
	program(&e, 1, 0x14, 200);			/* LSB only, mode 2 */
	advance(&e, tick_ns(50) + 10);
	CHECK_EQ(inb(&e.bus, 0x41), 150);
	CHECK_EQ(inb(&e.bus, 0x41), 150);		/* every read is the LSB */
	program(&e, 1, 0x24, 0x0300);			/* MSB only: N = 0x300 */
	advance(&e, tick_ns(0x100) + 10);
	CHECK_EQ(inb(&e.bus, 0x41), 0x02);
	program(&e, 1, 0x34, 0x1234);			/* live lohi reads alternate */
	CHECK_EQ(inb(&e.bus, 0x41), 0x34);
	CHECK_EQ(inb(&e.bus, 0x41), 0x12);
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_bcd(void)
{
	struct pit_env e;

	CHECK(env_init(&e));
	program(&e, 2, 0x31, 0x1000);			/* mode 0, BCD 1000 */
	outb(&e.bus, 0x61, 0x01);
	advance(&e, tick_ns(1) + 10);
	CHECK_EQ(read_count(&e, 2), 0x0999);
	advance(&e, tick_ns(998));
	CHECK_EQ(read_count(&e, 2), 0x0001);
	advance(&e, tick_ns(2));
	CHECK_EQ(read_count(&e, 2), 0x9999);		/* wraps modulo 10000 */
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_channel2_gate_and_out(void)
{
	struct pit_env e;
	uint16_t frozen;

	CHECK(env_init(&e));
	/* pit_calibrate_tsc(): gate on, speaker off, mode 0, count, poll bit 5. */
	outb(&e.bus, 0x61, (inb(&e.bus, 0x61) & ~0x02) | 0x01);
	program(&e, 2, 0x30, 0xffff);
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0);
	advance(&e, tick_ns(30000) + 10);
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0);
	outb(&e.bus, 0x61, 0x00);			/* gate low pauses mode 0 */
	frozen = read_count(&e, 2);
	CHECK_EQ(frozen, 0xffff - 30000);
	advance(&e, tick_ns(50000));
	CHECK_EQ(read_count(&e, 2), frozen);
	outb(&e.bus, 0x61, 0x01);
	advance(&e, tick_ns(35535) + 10);
	CHECK_EQ(inb(&e.bus, 0x61) & 0x21, 0x21);	/* terminal count: OUT high */
	CHECK_EQ(e.irq.rises, 0);			/* channel 2 has no IRQ */
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_mode3_square_wave(void)
{
	struct pit_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0x61, 0x03);
	program(&e, 2, 0x36, 100);
	advance(&e, tick_ns(10) + 10);
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0x20);	/* first half high */
	CHECK_EQ(read_count(&e, 2), 80);		/* counts down by two */
	advance(&e, tick_ns(45));
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0);		/* second half low */
	advance(&e, tick_ns(50));
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0x20);
	outb(&e.bus, 0x61, 0x02);			/* gate low: OUT forced high */
	advance(&e, tick_ns(50));
	CHECK_EQ(inb(&e.bus, 0x61) & 0x20, 0x20);
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_mode2_new_count_at_period_end(void)
{
	struct pit_env e;
	uint64_t start;

	CHECK(env_init(&e));
	start = e.clock.ns;
	program(&e, 0, 0x34, 1000);
	advance(&e, tick_ns(400) + 10);
	outb(&e.bus, 0x40, 500 & 0xff);			/* a new count while counting */
	outb(&e.bus, 0x40, 500 >> 8);
	CHECK_EQ(read_count(&e, 0), 600);		/* the old period goes on */
	CHECK_EQ(e.pit.irq_next_ns, start + tick_ns(1000));
	e.clock.ns = start + tick_ns(1000);
	pit_service(&e.pit);
	CHECK_EQ(e.irq.rises, 1);
	CHECK_EQ(e.pit.irq_next_ns, start + tick_ns(1000) + tick_ns(500));
	iobus_destroy(&e.bus);
	return true;
}

static bool pit_timer_thread(void)
{
	struct iobus bus;
	struct pit pit;
	struct irq_probe irq = { 0 };
	struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
	unsigned int rises, most;
	uint64_t t0, t1;

	iobus_init(&bus, "pio");
	CHECK(pit_init(&pit, &bus, irq_probe_line(&irq)) == 0);
	irq.rises = 0;
	CHECK(pit_start(&pit) == 0);
	t0 = dev_clock_monotonic(NULL);
	outb(&bus, 0x43, 0x34);				/* 100 Hz on the host clock */
	outb(&bus, 0x40, 11932 & 0xff);
	outb(&bus, 0x40, 11932 >> 8);
	nanosleep(&ts, NULL);
	pit_stop(&pit);
	t1 = dev_clock_monotonic(NULL);
	rises = irq.rises;
	most = (unsigned int)((t1 - t0) / (10 * 1000 * 1000));
	printf("# %u IRQ 0 edges in %llu ms at 100 Hz\n", rises,
	       (unsigned long long)(t1 - t0) / 1000000);
	/* One per elapsed 10 ms at most; a loaded host coalesces, it never adds. */
	CHECK(rises <= most);
	CHECK(rises >= 5);
	iobus_destroy(&bus);
	return true;
}

const struct unit_case pit_cases[] = {
	{ "pit_mode2_periodic", pit_mode2_periodic },
	{ "pit_no_drift_and_coalescing", pit_no_drift_and_coalescing },
	{ "pit_mode0_one_shot", pit_mode0_one_shot },
	{ "pit_mode4_linux_oneshot", pit_mode4_linux_oneshot },
	{ "pit_latch_and_readback", pit_latch_and_readback },
	{ "pit_access_modes", pit_access_modes },
	{ "pit_bcd", pit_bcd },
	{ "pit_channel2_gate_and_out", pit_channel2_gate_and_out },
	{ "pit_mode3_square_wave", pit_mode3_square_wave },
	{ "pit_mode2_new_count_at_period_end", pit_mode2_new_count_at_period_end },
	{ "pit_timer_thread", pit_timer_thread },
	{ NULL, NULL },
};
