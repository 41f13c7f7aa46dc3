// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the MC146818 RTC and CMOS RAM.
 *
 * The clock is the host's CLOCK_REALTIME (the guest sees UTC, as Linux
 * expects of a PC RTC by default) plus an offset the guest changes by
 * writing the time registers; registers are computed when read, in BCD or
 * binary (register B bit 2) and in 24- or 12-hour form (bit 1, PM in bit 7
 * of the hour).  Register A holds the divider/rate bits and reports
 * update-in-progress from 244 us before each second until the 1984 us update
 * cycle is over; register B's SET bit freezes the time registers so the
 * guest can write a consistent time, taken over when SET is cleared (and
 * clears UIE, as the chip does); register C's PF/AF/UF/IRQF flags are read
 * and cleared together; register D reports valid RAM and time.  The
 * periodic (rate from register A), alarm (with don't-care values 0xc0-0xff)
 * and update-ended interrupts raise IRQ 8 from a timer thread, which wakes
 * only while one of them is enabled.  The rest of the 128 bytes is CMOS RAM
 * with the BIOS memory-size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35,
 * 0x5b-0x5d), the equipment byte and the 0x10-0x2d checksum, plus the
 * century at 0x32 (a time field, as PC firmware and Linux use it).
 *
 * Left out: the day of week is always the one of the date (a written value
 * is not kept), the divider chain cannot be stopped or reset (DV bits are
 * stored only), daylight-saving (DSE) and the square-wave output (SQWE) do
 * nothing, and switching BCD/binary or 12/24 h re-encodes the time at once
 * instead of leaving stale register contents as the chip would.
 */
#include <errno.h>
#include <string.h>

#include "isa.h"
#include "rtc.h"

#define RTC_SECONDS		0x00
#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES		0x02
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS		0x04
#define RTC_HOURS_ALARM		0x05
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define CMOS_CENTURY		0x32

#define REG_A_UIP	0x80
#define REG_B_SET	0x80
#define REG_B_PIE	0x40
#define REG_B_AIE	0x20
#define REG_B_UIE	0x10
#define REG_B_DM_BINARY	0x04
#define REG_B_24H	0x02
#define REG_C_IRQF	0x80
#define REG_C_PF	0x40
#define REG_C_AF	0x20
#define REG_C_UF	0x10
#define REG_D_VRT	0x80

#define UIP_BEFORE_NS	244000ull
#define UPDATE_NS	1984000ull
#define SECS_PER_DAY	86400ull

static uint64_t rtc_time_ns(const struct rtc *rtc, uint64_t host_ns)
{
	return (uint64_t)((int64_t)host_ns + rtc->offset_ns);
}

static bool rtc_binary(const struct rtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & REG_B_DM_BINARY;
}

static uint8_t rtc_encode(const struct rtc *rtc, unsigned int v)
{
	return rtc_binary(rtc) ? (uint8_t)v : bin_to_bcd(v);
}

static unsigned int rtc_decode(const struct rtc *rtc, uint8_t v)
{
	return rtc_binary(rtc) ? v : bcd_to_bin(v);
}

static uint8_t rtc_encode_hour(const struct rtc *rtc, int hour)
{
	int h12;

	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_encode(rtc, (unsigned int)hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(rtc_encode(rtc, (unsigned int)h12) | (hour >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const struct rtc *rtc, uint8_t v)
{
	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return (int)rtc_decode(rtc, v);
	return (int)(rtc_decode(rtc, v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
}

static void rtc_tm_at(uint64_t rtc_ns, struct tm *tm)
{
	time_t secs = (time_t)(rtc_ns / NSEC_PER_SEC);

	gmtime_r(&secs, tm);
}

/* The broken-down time the time registers show now. */
static void rtc_current_tm(const struct rtc *rtc, struct tm *tm)
{
	if (rtc->cmos[RTC_REG_B] & REG_B_SET)
		*tm = rtc->set_tm;
	else
		rtc_tm_at(rtc_time_ns(rtc, dev_clock_now(&rtc->clock)), tm);
}

static uint8_t rtc_time_field(const struct rtc *rtc, const struct tm *tm, unsigned int reg)
{
	switch (reg) {
	case RTC_SECONDS:
		return rtc_encode(rtc, (unsigned int)tm->tm_sec);
	case RTC_MINUTES:
		return rtc_encode(rtc, (unsigned int)tm->tm_min);
	case RTC_HOURS:
		return rtc_encode_hour(rtc, tm->tm_hour);
	case RTC_DAY_OF_WEEK:
		return rtc_encode(rtc, (unsigned int)tm->tm_wday + 1);
	case RTC_DAY_OF_MONTH:
		return rtc_encode(rtc, (unsigned int)tm->tm_mday);
	case RTC_MONTH:
		return rtc_encode(rtc, (unsigned int)tm->tm_mon + 1);
	case RTC_YEAR:
		return rtc_encode(rtc, (unsigned int)(tm->tm_year + 1900) % 100);
	default:	/* CMOS_CENTURY */
		return rtc_encode(rtc, (unsigned int)(tm->tm_year + 1900) / 100);
	}
}

static bool is_time_reg(unsigned int reg)
{
	return reg == RTC_SECONDS || reg == RTC_MINUTES || reg == RTC_HOURS ||
	       (reg >= RTC_DAY_OF_WEEK && reg <= RTC_YEAR) || reg == CMOS_CENTURY;
}

/* Make the guest's broken-down time the RTC time, keeping the phase within the second. */
static void rtc_commit_tm(struct rtc *rtc, struct tm *tm, uint64_t host_ns)
{
	uint64_t sub = rtc_time_ns(rtc, host_ns) % NSEC_PER_SEC;
	time_t secs = timegm(tm);

	if (secs < 0)
		secs = 0;	/* before 1970: not representable here */
	rtc->offset_ns = (int64_t)((uint64_t)secs * NSEC_PER_SEC + sub) - (int64_t)host_ns;
	/* Events are accounted in RTC time: the jump itself is no event. */
	rtc->last_eval_ns = rtc_time_ns(rtc, host_ns);
}

static void rtc_write_time_field(struct rtc *rtc, unsigned int reg, uint8_t v, uint64_t host_ns)
{
	struct tm tm;
	int year;

	rtc_current_tm(rtc, &tm);
	switch (reg) {
	case RTC_SECONDS:
		tm.tm_sec = (int)rtc_decode(rtc, v);
		break;
	case RTC_MINUTES:
		tm.tm_min = (int)rtc_decode(rtc, v);
		break;
	case RTC_HOURS:
		tm.tm_hour = rtc_decode_hour(rtc, v);
		break;
	case RTC_DAY_OF_WEEK:
		return;		/* derived from the date */
	case RTC_DAY_OF_MONTH:
		tm.tm_mday = (int)rtc_decode(rtc, v);
		break;
	case RTC_MONTH:
		tm.tm_mon = (int)rtc_decode(rtc, v) - 1;
		break;
	case RTC_YEAR:
		year = (tm.tm_year + 1900) / 100 * 100 + (int)rtc_decode(rtc, v);
		tm.tm_year = year - 1900;
		break;
	default:	/* CMOS_CENTURY */
		year = (int)rtc_decode(rtc, v) * 100 + (tm.tm_year + 1900) % 100;
		tm.tm_year = year - 1900;
		break;
	}
	if (rtc->cmos[RTC_REG_B] & REG_B_SET) {
		rtc->set_tm = tm;	/* taken over when SET is cleared */
	} else {
		rtc_commit_tm(rtc, &tm, host_ns);
	}
}

static bool rtc_uip(const struct rtc *rtc, uint64_t host_ns)
{
	uint64_t frac = rtc_time_ns(rtc, host_ns) % NSEC_PER_SEC;

	if (rtc->cmos[RTC_REG_B] & REG_B_SET)
		return false;	/* SET stops update cycles */
	return frac >= NSEC_PER_SEC - UIP_BEFORE_NS || frac < UPDATE_NS;
}

/*
 * The periodic rate as a shift of the 32768 Hz time base: rate select 3-15
 * divide by 2^(rs-1); 1 and 2 give the same rates as 8 and 9 (the chip's
 * table); 0 stops the periodic interrupt (-1).
 */
static int rtc_periodic_shift(const struct rtc *rtc)
{
	unsigned int rs = rtc->cmos[RTC_REG_A] & 0x0f;

	if (!rs)
		return -1;
	if (rs < 3)
		rs += 7;
	return (int)rs - 1;
}

static uint64_t ns_to_32k(uint64_t ns)
{
	return ns / NSEC_PER_SEC * 32768 + ns % NSEC_PER_SEC * 32768 / NSEC_PER_SEC;
}

static uint64_t ticks32k_to_ns(uint64_t t)
{
	return t / 32768 * NSEC_PER_SEC + (t % 32768 * NSEC_PER_SEC + 32767) / 32768;
}

static bool alarm_field_matches(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;
}

static bool rtc_alarm_matches(const struct rtc *rtc, uint64_t second)
{
	struct tm tm;

	rtc_tm_at(second * NSEC_PER_SEC, &tm);
	return alarm_field_matches(rtc->cmos[RTC_SECONDS_ALARM], rtc_time_field(rtc, &tm, RTC_SECONDS)) &&
	       alarm_field_matches(rtc->cmos[RTC_MINUTES_ALARM], rtc_time_field(rtc, &tm, RTC_MINUTES)) &&
	       alarm_field_matches(rtc->cmos[RTC_HOURS_ALARM], rtc_time_field(rtc, &tm, RTC_HOURS));
}

/* Set the register C flags for whatever happened since the last look. */
static void rtc_eval(struct rtc *rtc, uint64_t host_ns)
{
	uint64_t now = rtc_time_ns(rtc, host_ns), last = rtc->last_eval_ns;
	uint64_t s, s_last = last / NSEC_PER_SEC, s_now = now / NSEC_PER_SEC;
	int shift = rtc_periodic_shift(rtc);

	if (now <= last)
		return;
	if (shift >= 0 && ns_to_32k(now) >> shift > ns_to_32k(last) >> shift)
		rtc->reg_c |= REG_C_PF;
	if (!(rtc->cmos[RTC_REG_B] & REG_B_SET) && s_now > s_last) {
		rtc->reg_c |= REG_C_UF;
		/* A day covers every hour/minute/second pattern an alarm can have. */
		for (s = s_now; s > s_last && s_now - s < SECS_PER_DAY; s--) {
			if (rtc_alarm_matches(rtc, s)) {
				rtc->reg_c |= REG_C_AF;
				break;
			}
		}
	}
	rtc->last_eval_ns = now;
}

static uint8_t rtc_irqf(const struct rtc *rtc)
{
	uint8_t enabled = rtc->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);

	/* The enable bits of B line up with the flags of C. */
	return rtc->reg_c & enabled ? REG_C_IRQF : 0;
}

static void rtc_update_irq(struct rtc *rtc)
{
	bool high = rtc_irqf(rtc);

	if (high != rtc->irq_high) {
		rtc->irq_high = high;
		irq_line_set(&rtc->irq, high);
	}
}

/* Wake the timer thread for the next enabled event, if any. */
static void rtc_reschedule(struct rtc *rtc, uint64_t host_ns)
{
	uint64_t now = rtc_time_ns(rtc, host_ns), next = DEV_TIMER_NEVER, t;
	uint8_t b = rtc->cmos[RTC_REG_B];
	int shift = rtc_periodic_shift(rtc);

	if ((b & REG_B_PIE) && shift >= 0) {
		t = ((ns_to_32k(now) >> shift) + 1) << shift;
		next = ticks32k_to_ns(t);
	}
	if ((b & (REG_B_AIE | REG_B_UIE)) && !(b & REG_B_SET)) {
		t = (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC;
		if (t < next)
			next = t;
	}
	if (next != DEV_TIMER_NEVER)
		next = (uint64_t)((int64_t)next - rtc->offset_ns);
	dev_timer_arm(&rtc->timer, next);
}

void rtc_service(struct rtc *rtc)
{
	uint64_t now;

	pthread_mutex_lock(&rtc->lock);
	now = dev_clock_now(&rtc->clock);
	rtc_eval(rtc, now);
	rtc_update_irq(rtc);
	rtc_reschedule(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_timer_fire(void *opaque)
{
	rtc_service(opaque);
}

static uint8_t rtc_read_data(struct rtc *rtc, uint64_t now)
{
	unsigned int reg = rtc->index;
	struct tm tm;
	uint8_t v;

	if (is_time_reg(reg)) {
		rtc_current_tm(rtc, &tm);
		return rtc_time_field(rtc, &tm, reg);
	}
	switch (reg) {
	case RTC_REG_A:
		return (rtc->cmos[RTC_REG_A] & 0x7f) | (rtc_uip(rtc, now) ? REG_A_UIP : 0);
	case RTC_REG_C:
		rtc_eval(rtc, now);
		v = rtc->reg_c | rtc_irqf(rtc);
		rtc->reg_c = 0;
		rtc_update_irq(rtc);
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return rtc->cmos[reg];
	}
}

static void rtc_write_b(struct rtc *rtc, uint8_t v, uint64_t now)
{
	uint8_t old = rtc->cmos[RTC_REG_B];

	rtc_eval(rtc, now);	/* flags up to now belong to the old settings */
	if (!(old & REG_B_SET) && (v & REG_B_SET)) {
		rtc_current_tm(rtc, &rtc->set_tm);
		v &= ~REG_B_UIE;	/* SET clears UIE */
	}
	rtc->cmos[RTC_REG_B] = v;
	if ((old & REG_B_SET) && !(v & REG_B_SET))
		rtc_commit_tm(rtc, &rtc->set_tm, now);
	rtc_update_irq(rtc);
}

static void rtc_write_data(struct rtc *rtc, uint8_t v, uint64_t now)
{
	unsigned int reg = rtc->index;

	if (is_time_reg(reg)) {
		rtc_write_time_field(rtc, reg, v, now);
		return;
	}
	switch (reg) {
	case RTC_REG_A:
		rtc_eval(rtc, now);
		rtc->cmos[RTC_REG_A] = v & 0x7f;	/* UIP is read-only */
		break;
	case RTC_REG_B:
		rtc_write_b(rtc, v, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;		/* read-only */
	default:
		rtc->cmos[reg] = v;
		break;
	}
}

static uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct rtc *rtc = opaque;
	uint64_t now, mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	uint8_t v;

	if (offset != 1)
		return mask;	/* the index port is write-only */
	pthread_mutex_lock(&rtc->lock);
	now = dev_clock_now(&rtc->clock);
	v = rtc_read_data(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
	return (mask & ~0xffull) | v;
}

static void rtc_io_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct rtc *rtc = opaque;
	uint64_t now;

	pthread_mutex_lock(&rtc->lock);
	now = dev_clock_now(&rtc->clock);
	if (offset == 0) {
		rtc->index = value & 0x7f;
		rtc->nmi_masked = value & 0x80;
		if (size > 1)	/* a word write at 0x70 carries the data byte for 0x71 */
			rtc_write_data(rtc, (uint8_t)(value >> 8), now);
	} else {
		rtc_write_data(rtc, (uint8_t)value, now);
	}
	rtc_reschedule(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
}

static const struct io_ops rtc_ops = { .read = rtc_io_read, .write = rtc_io_write };

static void cmos_put16(struct rtc *rtc, unsigned int reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc->cmos[reg] = (uint8_t)v;
	rtc->cmos[reg + 1] = (uint8_t)(v >> 8);
}

static void cmos_fill_memory(struct rtc *rtc, uint64_t below_4g, uint64_t above_4g)
{
	const uint64_t mib = 1ull << 20;
	uint64_t ext_kib = below_4g > mib ? (below_4g - mib) >> 10 : 0;
	uint64_t over_16m = below_4g > 16 * mib ? (below_4g - 16 * mib) >> 16 : 0;
	uint64_t high = above_4g >> 16;
	unsigned int i, sum = 0;

	cmos_put16(rtc, 0x15, 640);		/* base memory, KiB */
	cmos_put16(rtc, 0x17, ext_kib);		/* extended memory over 1 MiB, KiB */
	cmos_put16(rtc, 0x30, ext_kib);		/* the same, as POST found it */
	cmos_put16(rtc, 0x34, over_16m);	/* over 16 MiB, 64 KiB units */
	if (high > 0xffffff)
		high = 0xffffff;
	rtc->cmos[0x5b] = (uint8_t)high;	/* over 4 GiB, 64 KiB units */
	rtc->cmos[0x5c] = (uint8_t)(high >> 8);
	rtc->cmos[0x5d] = (uint8_t)(high >> 16);
	rtc->cmos[0x14] = 0x02;			/* equipment: FPU, no floppy, VGA */
	for (i = 0x10; i <= 0x2d; i++)
		sum += rtc->cmos[i];
	rtc->cmos[0x2e] = (uint8_t)(sum >> 8);	/* checksum, big-endian */
	rtc->cmos[0x2f] = (uint8_t)sum;
}

int rtc_init(struct rtc *rtc, struct iobus *pio, uint64_t ram_below_4g, uint64_t ram_above_4g,
	     struct irq_line irq)
{
	int err;

	memset(rtc, 0, sizeof(*rtc));
	err = -pthread_mutex_init(&rtc->lock, NULL);
	if (err)
		return err;
	rtc->irq = irq;
	rtc->clock = (struct dev_clock){ .now_ns = dev_clock_realtime };
	rtc->cmos[RTC_REG_A] = 0x26;	/* 32.768 kHz time base, 1024 Hz rate */
	rtc->cmos[RTC_REG_B] = REG_B_24H;	/* BCD, 24 h, no interrupts */
	cmos_fill_memory(rtc, ram_below_4g, ram_above_4g);
	rtc->last_eval_ns = rtc_time_ns(rtc, dev_clock_now(&rtc->clock));
	dev_timer_init(&rtc->timer, CLOCK_REALTIME, rtc_timer_fire, rtc);
	return iobus_register(pio, 0x70, 2, &rtc_ops, rtc);
}

void rtc_set_clock(struct rtc *rtc, struct dev_clock clock)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->clock = clock;
	rtc->last_eval_ns = rtc_time_ns(rtc, dev_clock_now(&rtc->clock));
	pthread_mutex_unlock(&rtc->lock);
}

int rtc_start(struct rtc *rtc)
{
	int err = dev_timer_start(&rtc->timer);

	if (err)
		return err;
	pthread_mutex_lock(&rtc->lock);
	rtc_reschedule(rtc, dev_clock_now(&rtc->clock));
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

void rtc_stop(struct rtc *rtc)
{
	dev_timer_stop(&rtc->timer);
}
