/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the MC146818 real-time clock and its CMOS RAM at
 * 0x70 (index, bit 7 = NMI mask) / 0x71 (data), interrupt on an irq_line
 * (IRQ 8).  See rtc.c for what is modelled.
 */
#ifndef HV_RUN_RTC_H
#define HV_RUN_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../iobus.h"
#include "../irq.h"
#include "timer.h"

struct rtc {
	pthread_mutex_t lock;	/* guards everything below but the timer's thread */
	uint8_t index;
	bool nmi_masked;	/* bit 7 of the index: stored, there is no NMI source */
	uint8_t cmos[128];	/* RAM, alarms and registers A/B as written; not the time */
	int64_t offset_ns;	/* guest RTC time minus host CLOCK_REALTIME */
	struct tm set_tm;	/* the time registers while register B's SET bit holds them */
	uint8_t reg_c;		/* PF/AF/UF flags not yet read */
	uint64_t last_eval_ns;	/* RTC time up to which the flags are accounted */
	struct irq_line irq;
	bool irq_high;
	struct dev_clock clock;	/* realtime ns */
	struct dev_timer timer;
};

/*
 * Registers 0x70-0x71.  @ram_below_4g / @ram_above_4g: bytes of guest RAM
 * below and above 4 GiB, for the BIOS memory-size bytes of the CMOS.
 * 0 or -errno.
 */
int rtc_init(struct rtc *rtc, struct iobus *pio, uint64_t ram_below_4g, uint64_t ram_above_4g,
	     struct irq_line irq);
/* Start the timer thread for the periodic, alarm and update interrupts.  0 or -errno. */
int rtc_start(struct rtc *rtc);
void rtc_stop(struct rtc *rtc);
/* Unit tests: read the host time from @clock (realtime ns); call before any access. */
void rtc_set_clock(struct rtc *rtc, struct dev_clock clock);
/* Account for the events due by now and raise IRQ 8; the timer thread calls it. */
void rtc_service(struct rtc *rtc);

#endif /* HV_RUN_RTC_H */
