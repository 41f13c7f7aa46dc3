// SPDX-License-Identifier: GPL-2.0
/*
 * 8259 PIC + 8254 PIT: channel 0 in periodic mode at "hz=" (default 100)
 * drives IRQ 0 through the master PIC to a real interrupt handler; the
 * guest halts between interrupts (STI;HLT) and counts them over a window of
 * "secs=" (default 3) whole seconds of the CMOS RTC.
 *
 * The rate may come out low but never high: a nested guest under TCG can
 * miss ticks (an edge that arrives while the previous one is still
 * unacknowledged merges with it), but a VMM must not invent any.  So the
 * upper bound is tight (2% plus one tick for each window edge) and the
 * lower one is "min_pct=" of the nominal rate (default 50), which the harness
 * sets from what the testbed can honestly deliver.  The measured rate is
 * printed either way.
 */
#include "rt.h"

static volatile unsigned int ticks;

static void tick(struct irq_frame *f)
{
	(void)f;
	ticks++;
}

static uint16_t pit_read_count0(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x00);		/* counter latch, channel 0 */
	lo = inb(0x40);
	hi = inb(0x40);
	return (uint16_t)(hi << 8 | lo);
}

/* The RTC seconds register, read when no update is in progress. */
static unsigned int rtc_second(void)
{
	struct rtc_time t;

	return rtc_read(&t) ? t.second : 0xff;
}

/* Spin with interrupts on until the first tick or @secs RTC seconds pass. */
static bool first_tick(unsigned int secs)
{
	unsigned int last = rtc_second(), changes = 0;

	sti();
	while (!ticks && changes < secs) {
		unsigned int s = rtc_second();

		if (s != last) {
			changes++;
			last = s;
		}
	}
	cli();
	return ticks != 0;
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	unsigned int hz = cmdline_uint(cmdline, "hz", 100);
	unsigned int secs = cmdline_uint(cmdline, "secs", 3);
	unsigned int min_pct = cmdline_uint(cmdline, "min_pct", 50);
	unsigned int divisor, want, lo, hi, start, n, wakes = 0, last, failed = 0;
	uint16_t c[4];
	bool counts_ok = true, moved = false;
	unsigned int i;

	(void)mbi;
	if (hz < 19 || hz > 10000 || secs < 1 || secs > 60)
		return check(false, "parameters", "hz=%u secs=%u out of range", hz, secs) ? 0 : 1;
	divisor = PIT_HZ / hz;
	irq_set_handler(0, tick);
	pic_remap(0xfe, 0xff);		/* IRQ 0 only */
	pit_periodic(divisor);

	if (!check(first_tick(5), "irq0_delivered", "no IRQ 0 within 5 RTC seconds"))
		return 1;

	/* The count latch: always within (0, divisor], and time moves it. */
	for (i = 0; i < 4; i++) {
		c[i] = pit_read_count0();
		if (c[i] == 0 || c[i] > divisor)
			counts_ok = false;
		if (i && c[i] != c[i - 1])
			moved = true;
		sti_hlt();		/* next tick */
	}
	cli();
	if (!check(counts_ok && moved, "pit_count_latch", "counts %u %u %u %u (divisor %u)",
		   c[0], c[1], c[2], c[3], divisor))
		failed++;

	/* Window: from one RTC second edge to the edge @secs seconds later. */
	last = rtc_second();
	while (rtc_second() == last)
		sti_hlt();
	start = ticks;
	for (n = 0; n < secs; n++) {
		last = rtc_second();
		while (rtc_second() == last) {
			sti_hlt();
			wakes++;
		}
	}
	cli();
	n = ticks - start;
	want = hz * secs;
	lo = want * min_pct / 100;
	hi = want + want / 50 + 2;
	printf_serial("# pit: %u ticks in %u s = %u.%02u Hz (nominal %u Hz, %u%%), %u wakes from HLT\n",
		      n, secs, n / secs, (n % secs) * 100 / secs, hz, n * 100 / want, wakes);
	if (!check(n <= hi, "pit_rate_not_above_nominal", "%u ticks, at most %u allowed", n, hi))
		failed++;
	if (!check(n >= lo, "pit_rate_above_minimum", "%u ticks, at least %u (%u%%) wanted", n, lo, min_pct))
		failed++;
	/* Every wake from HLT needs an interrupt: more wakes than ticks means HLT did not halt. */
	if (!check(wakes <= n + 1, "hlt_waits_for_interrupt", "%u wakes for %u ticks", wakes, n))
		failed++;
	return failed;
}
