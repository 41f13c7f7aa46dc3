/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the 8254 programmable interval timer at 0x40-0x43 and
 * system control port B at 0x61 (channel 2 gate, channel 2 output, refresh
 * toggle).  Channel 0's output drives an irq_line (IRQ 0) from a timerfd
 * thread.  See pit.c for what is modelled.
 */
#ifndef HV_RUN_PIT_H
#define HV_RUN_PIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../iobus.h"
#include "../irq.h"
#include "timer.h"

#define PIT_HZ		1193182ull

struct pit_channel {
	uint8_t mode;		/* 0-5 (6 and 7 alias 2 and 3) */
	uint8_t access;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	uint32_t reload;	/* N: 1-65536, or 1-10000 in BCD */
	bool count_written;	/* a count arrived since the control word */
	bool null_count;	/* status bit 6: written count not yet in the counter */

	bool active;		/* counting: value follows the clock from start_ns */
	uint64_t start_ns;
	uint32_t start;		/* counter value at start_ns */
	uint32_t frozen;	/* counter value while not active */
	bool done;		/* modes 0, 1, 4, 5: terminal count already reached */
	bool reload_pending;	/* modes 2, 3: a new N takes over at pending_ns */
	uint32_t pending;
	uint64_t pending_ns;

	bool write_msb_next;
	uint8_t write_lsb;
	bool read_msb_next;
	bool count_latched, latch_msb_next;
	uint16_t latched;
	bool status_latched;
	uint8_t status;
};

struct pit {
	pthread_mutex_t lock;	/* guards everything below but the timer's thread */
	struct pit_channel ch[3];
	uint8_t port61;		/* bits 0-3 as written */
	struct irq_line irq;
	bool irq_high;		/* channel 0 OUT as last driven on irq */
	uint64_t irq_next_ns;	/* next rising edge of channel 0 OUT, or DEV_TIMER_NEVER */
	struct dev_clock clock;
	struct dev_timer timer;
};

/* Registers 0x40-0x43 and 0x61.  0 or -errno. */
int pit_init(struct pit *pit, struct iobus *pio, struct irq_line irq);
/* Start the IRQ 0 timer thread.  0 or -errno.  Only with the default clock. */
int pit_start(struct pit *pit);
void pit_stop(struct pit *pit);
/* Unit tests: read time from @clock (monotonic ns) instead of the host. */
void pit_set_clock(struct pit *pit, struct dev_clock clock);
/* Raise the channel 0 edges that are due by now; the timer thread calls it. */
void pit_service(struct pit *pit);

#endif /* HV_RUN_PIT_H */
