// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the deadline timer thread (see timer.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "timer.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t dev_clock_monotonic(void *opaque)
{
	(void)opaque;
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t dev_clock_realtime(void *opaque)
{
	(void)opaque;
	return clock_ns(CLOCK_REALTIME);
}

void dev_timer_init(struct dev_timer *t, clockid_t clock, void (*fire)(void *opaque), void *opaque)
{
	memset(t, 0, sizeof(*t));
	t->clock = clock;
	t->tfd = -1;
	t->wake[0] = t->wake[1] = -1;
	t->fire = fire;
	t->opaque = opaque;
}

static void *dev_timer_thread(void *arg)
{
	struct dev_timer *t = arg;
	struct pollfd pfd[2] = {
		{ .fd = t->tfd, .events = POLLIN },
		{ .fd = t->wake[0], .events = POLLIN },
	};

	for (;;) {
		uint64_t expirations;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		/*
		 * Non-blocking: a re-arm between poll() and read() resets the
		 * count and read() says EAGAIN.  fire() looks at the clock, so
		 * a call that finds nothing due is harmless.
		 */
		if (read(t->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
			break;
		t->fire(t->opaque);
	}
	return NULL;
}

int dev_timer_start(struct dev_timer *t)
{
	int err;

	t->tfd = timerfd_create(t->clock, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->tfd < 0)
		return -errno;
	if (pipe2(t->wake, O_CLOEXEC) < 0) {
		err = -errno;
		goto out_close_tfd;
	}
	err = -pthread_create(&t->thread, NULL, dev_timer_thread, t);
	if (err)
		goto out_close_pipe;
	t->started = true;
	return 0;

out_close_pipe:
	close(t->wake[0]);
	close(t->wake[1]);
	t->wake[0] = t->wake[1] = -1;
out_close_tfd:
	close(t->tfd);
	t->tfd = -1;
	return err;
}

void dev_timer_arm(struct dev_timer *t, uint64_t deadline_ns)
{
	struct itimerspec its = { 0 };

	if (!t->started)
		return;
	if (deadline_ns != DEV_TIMER_NEVER) {
		/* A zero it_value would disarm: a deadline of 0 means "now". */
		if (!deadline_ns)
			deadline_ns = 1;
		its.it_value.tv_sec = (time_t)(deadline_ns / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(deadline_ns % NSEC_PER_SEC);
	}
	timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void dev_timer_stop(struct dev_timer *t)
{
	char c = 0;

	if (!t->started)
		return;
	while (write(t->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(t->thread, NULL);
	close(t->wake[0]);
	close(t->wake[1]);
	close(t->tfd);
	t->wake[0] = t->wake[1] = t->tfd = -1;
	t->started = false;
}
