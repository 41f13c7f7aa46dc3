// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the 8254 programmable interval timer.
 *
 * Counters are not stepped: each channel remembers when it started counting
 * and from which value, and every read computes the count from the host
 * monotonic clock at 1.193182 MHz.  Channel 0's rising output edges are
 * computed the same way, as absolute times from the start (tick k*N of a
 * periodic mode, never "last tick + period"), and a timerfd thread wakes at
 * each one, so IRQ 0 does not drift and nothing busy-waits.  Edges missed
 * while the host was busy are coalesced into one, as the PIC's edge latch
 * would coalesce them anyway.
 *
 * Modelled: all six modes (0 interrupt on terminal count, 1 hardware
 * retriggerable one-shot, 2 rate generator, 3 square wave, 4 software
 * strobe, 5 hardware strobe) including their gate behaviour (0/4 pause,
 * 2/3 stop with OUT high and restart on the rising edge, 1/5 trigger on it);
 * binary and BCD counting; LSB, MSB and LSB-then-MSB access with the
 * read/write flip-flops; counter latch and read-back (count and status,
 * first read returns the status); a count written in mode 2 or 3 while
 * counting takes over at the end of the current period; channel 2's gate
 * and output at port 0x61 bits 0 and 5, speaker enable (bit 1, stored) and
 * the refresh toggle (bit 4, flips every 15.085 us of the same clock).
 *
 * Simplifications: a count is loaded at once rather than on the next clock
 * edge (one tick, 838 ns, early); in mode 3 with an odd N the count read
 * back follows the even-N pattern; channels 0 and 1 have their gates tied
 * high as on the PC; channel 1 (DRAM refresh) has no output anywhere.  The
 * IRQ 0 line follows channel 0's OUT, but the short low phases of modes 2,
 * 3 and 4 are drawn as a low-high pulse at the rising edge, which is all
 * the PIC's edge-triggered IRQ 0 can see.  OUT is high at power-up (pit_init
 * drives the line high, which the PIC's initialisation forgets), so the
 * first periodic programming does not raise an edge.
 */
#include <errno.h>
#include <string.h>

#include "isa.h"
#include "pit.h"

#define REFRESH_PERIOD_NS	15085

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / NSEC_PER_SEC * PIT_HZ + ns % NSEC_PER_SEC * PIT_HZ / NSEC_PER_SEC;
}

/* The first nanosecond at which @ticks ticks have elapsed. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks / PIT_HZ * NSEC_PER_SEC +
	       (ticks % PIT_HZ * NSEC_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint64_t elapsed_ticks(const struct pit_channel *c, uint64_t now)
{
	return now > c->start_ns ? ns_to_ticks(now - c->start_ns) : 0;
}

/* Modes 2 and 3: a count written while counting takes over at the period end. */
static void channel_sync(struct pit_channel *c, uint64_t now)
{
	if (c->reload_pending && c->active && now >= c->pending_ns) {
		c->start_ns = c->pending_ns;
		c->reload = c->start = c->pending;
		c->reload_pending = false;
		c->null_count = false;
	}
}

/* Counter value (binary, 0 meaning the full modulus) at @now. */
static uint32_t channel_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t m = modulus(c), n = c->reload;
	uint64_t t, phase, half;

	if (!c->active)
		return c->frozen % m;
	t = elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
		return (uint32_t)((n - t % n) % m);
	case 3:
		phase = t % n;
		half = (n + 1) / 2;
		if (phase >= half)
			phase -= half;
		return (uint32_t)(((n & ~1u) - 2 * phase) % m);
	default:	/* 0, 1, 4, 5: count down through zero and wrap */
		return (uint32_t)((c->start + m - t % m) % m);
	}
}

static bool channel_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t t, n = c->reload;

	if (!c->active)
		return c->mode == 0 ? c->done : true;
	t = elapsed_ticks(c, now);
	switch (c->mode) {
	case 0:
		return c->done || t >= c->start;
	case 1:
		return c->done || t >= c->start;	/* low from the trigger to TC */
	case 2:
		return n == 1 || t % n != n - 1;	/* low for the tick before reload */
	case 3:
		return t % n < (n + 1) / 2;
	default:	/* 4, 5: low for the one tick at terminal count */
		return c->done || t != c->start;
	}
}

static bool channel_tc_reached(const struct pit_channel *c, uint64_t now)
{
	return c->active && elapsed_ticks(c, now) >= c->start;
}

/* Absolute time of the next rising OUT edge after @now, or DEV_TIMER_NEVER. */
static uint64_t channel_next_edge(const struct pit_channel *c, uint64_t now)
{
	uint64_t t, e;

	if (!c->active)
		return DEV_TIMER_NEVER;
	if (c->reload_pending)
		return c->pending_ns;	/* a period boundary is a rising edge */
	t = elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
	case 3:
		e = (t + 1 + c->reload - 1) / c->reload * c->reload;
		break;
	default:	/* 0, 1, 4, 5: once, at terminal count (4, 5: one tick later, ignored) */
		if (c->done || t >= c->start)
			return DEV_TIMER_NEVER;
		e = c->start;
		break;
	}
	return c->start_ns + ticks_to_ns(e);
}

static void pit_drive_irq(struct pit *pit, bool high)
{
	if (high != pit->irq_high) {
		pit->irq_high = high;
		irq_line_set(&pit->irq, high);
	}
}

static void pit_reschedule(struct pit *pit, uint64_t now)
{
	pit->irq_next_ns = channel_next_edge(&pit->ch[0], now);
	dev_timer_arm(&pit->timer, pit->irq_next_ns);
}

/* Deliver channel 0's edge if it is due; call with the lock held. */
static void pit_service_locked(struct pit *pit, uint64_t now)
{
	struct pit_channel *c = &pit->ch[0];

	if (pit->irq_next_ns > now) {
		channel_sync(c, now);
		return;
	}
	if (c->mode == 0 || c->mode == 1) {
		pit_drive_irq(pit, true);	/* OUT rises at terminal count and stays */
	} else {
		pit_drive_irq(pit, false);
		pit_drive_irq(pit, true);
	}
	if (c->mode != 2 && c->mode != 3)
		c->done = true;
	channel_sync(c, now);
	pit_reschedule(pit, now);
}

void pit_service(struct pit *pit)
{
	pthread_mutex_lock(&pit->lock);
	pit_service_locked(pit, dev_clock_now(&pit->clock));
	pthread_mutex_unlock(&pit->lock);
}

static void pit_timer_fire(void *opaque)
{
	pit_service(opaque);
}

static uint16_t to_bcd16(uint32_t v)
{
	return (uint16_t)(bin_to_bcd(v / 100 % 100) << 8 | bin_to_bcd(v % 100));
}

static uint32_t from_bcd16(uint16_t v)
{
	return bcd_to_bin((uint8_t)(v >> 8)) * 100 + bcd_to_bin((uint8_t)v);
}

static uint16_t channel_read_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t v = channel_value(c, now);

	return c->bcd ? to_bcd16(v) : (uint16_t)v;
}

static void channel_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return;		/* a latched count holds until it is read */
	c->latched = channel_read_value(c, now);
	c->count_latched = true;
	c->latch_msb_next = false;
}

static void channel_latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((channel_out(c, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
			      c->access << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
	c->status_latched = true;
}

static void channel_start(struct pit_channel *c, uint32_t from, uint64_t now)
{
	c->start = from;
	c->start_ns = now;
	c->active = true;
	c->done = false;
	c->null_count = false;
}

/* A complete count arrived (@raw as written, BCD if so programmed). */
static void channel_load(struct pit_channel *c, uint16_t raw, uint64_t now)
{
	uint32_t n = c->bcd ? from_bcd16(raw) : raw;
	uint64_t t;

	if (!n)
		n = modulus(c);
	c->count_written = true;
	switch (c->mode) {
	case 0:
	case 4:
		c->reload = n;
		if (c->gate) {
			channel_start(c, n, now);
		} else {
			c->active = false;
			c->done = false;
			c->frozen = n;
			c->null_count = false;
		}
		break;
	case 1:
	case 5:
		c->reload = n;		/* used at the next gate trigger */
		c->null_count = true;
		break;
	default:		/* 2, 3 */
		if (c->active) {
			t = elapsed_ticks(c, now);
			c->pending = n;
			c->pending_ns = c->start_ns + ticks_to_ns((t / c->reload + 1) * c->reload);
			c->reload_pending = true;
			c->null_count = true;
		} else {
			c->reload = n;
			c->frozen = n;
			if (c->gate)
				channel_start(c, n, now);
		}
		break;
	}
}

static void channel_write(struct pit_channel *c, uint8_t v, uint64_t now)
{
	switch (c->access) {
	case 1:
		channel_load(c, v, now);
		break;
	case 2:
		channel_load(c, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = v;
			c->write_msb_next = true;
			/* Mode 0: the first byte of a new count stops the old one. */
			if (c->mode == 0 && c->active) {
				c->done = c->done || channel_tc_reached(c, now);
				c->frozen = channel_value(c, now);
				c->active = false;
			}
		} else {
			c->write_msb_next = false;
			channel_load(c, (uint16_t)(c->write_lsb | v << 8), now);
		}
		break;
	}
}

static uint8_t channel_read(struct pit_channel *c, uint64_t now)
{
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched;
		if (c->access == 3 && !c->latch_msb_next) {
			c->latch_msb_next = true;
			return (uint8_t)v;
		}
		c->count_latched = false;
		return (uint8_t)(c->access == 2 || c->access == 3 ? v >> 8 : v);
	}
	v = channel_read_value(c, now);
	switch (c->access) {
	case 1:
		return (uint8_t)v;
	case 2:
		return (uint8_t)(v >> 8);
	default:
		c->read_msb_next = !c->read_msb_next;
		return (uint8_t)(c->read_msb_next ? v : v >> 8);
	}
}

static void channel_control(struct pit_channel *c, uint8_t v, uint64_t now)
{
	uint8_t mode = (v >> 1) & 7;

	c->frozen = channel_value(c, now);	/* undefined until a count; keep it */
	c->mode = mode > 5 ? mode - 4 : mode;
	c->access = (v >> 4) & 3;
	c->bcd = v & 1;
	c->active = false;
	c->done = false;		/* mode 0: OUT low; others: OUT high */
	c->count_written = false;
	c->null_count = true;
	c->reload_pending = false;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->count_latched = false;
	c->status_latched = false;
}

static void channel_set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->count_written)
		return;
	switch (c->mode) {
	case 0:
	case 4:
		if (!gate && c->active) {	/* pause */
			c->done = c->done || channel_tc_reached(c, now);
			c->frozen = channel_value(c, now);
			c->active = false;
		} else if (gate && !c->active) {	/* resume */
			bool done = c->done;

			channel_start(c, c->frozen ? c->frozen : modulus(c), now);
			c->done = done;
		}
		break;
	case 1:
	case 5:
		if (gate)	/* trigger (retrigger) from the reload value */
			channel_start(c, c->reload, now);
		break;
	default:	/* 2, 3: stop with OUT high, reload on the rising edge */
		if (!gate && c->active) {
			channel_sync(c, now);
			c->frozen = channel_value(c, now);
			c->active = false;
		} else if (gate) {
			if (c->reload_pending) {
				c->reload = c->pending;
				c->reload_pending = false;
			}
			channel_start(c, c->reload, now);
		}
		break;
	}
}

static uint8_t pit_read8(void *opaque, unsigned int port)
{
	struct pit *pit = opaque;
	uint64_t now;
	uint8_t v;

	pthread_mutex_lock(&pit->lock);
	now = dev_clock_now(&pit->clock);
	pit_service_locked(pit, now);
	if (port < 3) {
		channel_sync(&pit->ch[port], now);
		v = channel_read(&pit->ch[port], now);
	} else {
		v = 0xff;	/* the control word register is write-only */
	}
	pthread_mutex_unlock(&pit->lock);
	return v;
}

static void pit_control(struct pit *pit, uint8_t v, uint64_t now)
{
	unsigned int sel = v >> 6, i;

	if (sel == 3) {		/* read-back: bits 3-1 pick channels 2-0 */
		for (i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			channel_sync(&pit->ch[i], now);
			if (!(v & 0x20))
				channel_latch_count(&pit->ch[i], now);
			if (!(v & 0x10))
				channel_latch_status(&pit->ch[i], now);
		}
		return;
	}
	channel_sync(&pit->ch[sel], now);
	if (!((v >> 4) & 3)) {
		channel_latch_count(&pit->ch[sel], now);
		return;
	}
	channel_control(&pit->ch[sel], v, now);
}

static void pit_write8(void *opaque, unsigned int port, uint8_t v)
{
	struct pit *pit = opaque;
	uint64_t now;

	pthread_mutex_lock(&pit->lock);
	now = dev_clock_now(&pit->clock);
	pit_service_locked(pit, now);
	if (port < 3) {
		channel_sync(&pit->ch[port], now);
		channel_write(&pit->ch[port], v, now);
	} else {
		pit_control(pit, v, now);
	}
	/* Whatever changed, channel 0's OUT and next edge follow it now. */
	pit_drive_irq(pit, channel_out(&pit->ch[0], now));
	pit_reschedule(pit, now);
	pthread_mutex_unlock(&pit->lock);
}

static uint64_t pit_read(void *opaque, uint64_t offset, unsigned int size)
{
	return isa_read_split(opaque, offset, size, 4, pit_read8);
}

static void pit_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	isa_write_split(opaque, offset, size, 4, value, pit_write8);
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct pit *pit = opaque;
	uint64_t now;
	uint8_t v;

	if (offset)
		return (1ull << (8 * size)) - 1;
	pthread_mutex_lock(&pit->lock);
	now = dev_clock_now(&pit->clock);
	channel_sync(&pit->ch[2], now);
	v = pit->port61 & 0x0f;
	if (now / REFRESH_PERIOD_NS & 1)
		v |= 0x10;
	if (channel_out(&pit->ch[2], now))
		v |= 0x20;
	pthread_mutex_unlock(&pit->lock);
	/* One port: the bytes of a wider read above it belong to nobody. */
	return size == 1 ? v : (~0ull << 8 | v) & (size >= 8 ? ~0ull : (1ull << (8 * size)) - 1);
}

static void port61_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pit *pit = opaque;
	uint64_t now;

	(void)size;
	if (offset)
		return;
	pthread_mutex_lock(&pit->lock);
	now = dev_clock_now(&pit->clock);
	pit->port61 = value & 0x0f;
	channel_sync(&pit->ch[2], now);
	channel_set_gate(&pit->ch[2], value & 1, now);
	pthread_mutex_unlock(&pit->lock);
}

static const struct io_ops pit_ops = { .read = pit_read, .write = pit_write };
static const struct io_ops port61_ops = { .read = port61_read, .write = port61_write };

int pit_init(struct pit *pit, struct iobus *pio, struct irq_line irq)
{
	int i, err;

	memset(pit, 0, sizeof(*pit));
	err = -pthread_mutex_init(&pit->lock, NULL);
	if (err)
		return err;
	pit->irq = irq;
	pit->clock = (struct dev_clock){ .now_ns = dev_clock_monotonic };
	pit->irq_next_ns = DEV_TIMER_NEVER;
	for (i = 0; i < 3; i++) {
		pit->ch[i].access = 3;
		pit->ch[i].reload = 65536;
		pit->ch[i].done = true;		/* power-up: OUT high, nothing counting */
		pit->ch[i].gate = i < 2;	/* channel 2's gate is port 0x61 bit 0 */
	}
	/* OUT0 is high at power-up (see the top): say so on the line. */
	pit->irq_high = true;
	irq_line_set(&pit->irq, true);
	dev_timer_init(&pit->timer, CLOCK_MONOTONIC, pit_timer_fire, pit);
	err = iobus_register(pio, 0x40, 4, &pit_ops, pit);
	if (!err)
		err = iobus_register(pio, 0x61, 1, &port61_ops, pit);
	return err;
}

void pit_set_clock(struct pit *pit, struct dev_clock clock)
{
	pthread_mutex_lock(&pit->lock);
	pit->clock = clock;
	pthread_mutex_unlock(&pit->lock);
}

int pit_start(struct pit *pit)
{
	int err = dev_timer_start(&pit->timer);

	if (err)
		return err;
	pthread_mutex_lock(&pit->lock);
	dev_timer_arm(&pit->timer, pit->irq_next_ns);
	pthread_mutex_unlock(&pit->lock);
	return 0;
}

void pit_stop(struct pit *pit)
{
	dev_timer_stop(&pit->timer);
}
