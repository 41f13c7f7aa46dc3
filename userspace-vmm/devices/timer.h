/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: a deadline timer thread shared by the PIT and the RTC.
 *
 * One thread per timer sleeps in poll() on a timerfd armed with an absolute
 * deadline (so periodic devices compute each tick from their start time and
 * never drift) and on a pipe used only to stop it.  When the deadline passes
 * it calls fire(); the device then works out what happened from the clock
 * and re-arms.  No busy-waiting anywhere.
 *
 * Devices read time through a struct dev_clock so that unit tests can inject
 * a fake clock and call the devices' service functions themselves, without
 * starting a thread.
 */
#ifndef HV_RUN_DEV_TIMER_H
#define HV_RUN_DEV_TIMER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC		1000000000ull
#define DEV_TIMER_NEVER		UINT64_MAX

struct dev_clock {
	uint64_t (*now_ns)(void *opaque);
	void *opaque;
};

/* The host clocks, in nanoseconds; opaque is unused. */
uint64_t dev_clock_monotonic(void *opaque);
uint64_t dev_clock_realtime(void *opaque);

static inline uint64_t dev_clock_now(const struct dev_clock *c)
{
	return c->now_ns(c->opaque);
}

struct dev_timer {
	clockid_t clock;	/* CLOCK_MONOTONIC or CLOCK_REALTIME */
	int tfd;		/* -1 while not started */
	int wake[2];		/* stop pipe */
	pthread_t thread;
	bool started;
	void (*fire)(void *opaque);
	void *opaque;
};

/* Not started: dev_timer_arm() is a no-op until dev_timer_start(). */
void dev_timer_init(struct dev_timer *t, clockid_t clock, void (*fire)(void *opaque), void *opaque);
/* 0 or -errno.  fire() runs on the timer thread, with no device lock held. */
int dev_timer_start(struct dev_timer *t);
/* Deadline in ns of t->clock, or DEV_TIMER_NEVER.  Any thread. */
void dev_timer_arm(struct dev_timer *t, uint64_t deadline_ns);
/* Joins the thread; safe on a timer that never started. */
void dev_timer_stop(struct dev_timer *t);

#endif /* HV_RUN_DEV_TIMER_H */
