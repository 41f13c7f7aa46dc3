// SPDX-License-Identifier: GPL-2.0
/* hv-run devices: an input reader thread and its wake pipe; see reader.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "reader.h"

void reader_init(struct reader *r)
{
	r->wake[0] = r->wake[1] = -1;
	r->started = false;
}

int reader_start(struct reader *r, void *(*fn)(void *), void *arg)
{
	int err;

	if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	err = -pthread_create(&r->thread, NULL, fn, arg);
	if (err) {
		close(r->wake[0]);
		close(r->wake[1]);
		reader_init(r);
		return err;
	}
	r->started = true;
	return 0;
}

void reader_wake(struct reader *r)
{
	char c = 0;

	if (r->wake[1] >= 0 && write(r->wake[1], &c, 1) < 0)
		return;		/* EAGAIN: a wake-up is pending already */
}

bool reader_drain(struct reader *r)
{
	char drain[16];

	return read(r->wake[0], drain, sizeof(drain)) >= 0 || errno == EAGAIN;
}

void reader_stop(struct reader *r)
{
	char c = 0;

	if (!r->started)
		return;
	if (write(r->wake[1], &c, 1) < 0 && errno != EAGAIN)
		return;		/* cannot happen with our own pipe open; do not join a thread we cannot wake */
	pthread_join(r->thread, NULL);
	close(r->wake[0]);
	close(r->wake[1]);
	reader_init(r);
}
