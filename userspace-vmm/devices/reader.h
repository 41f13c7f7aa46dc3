/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: a thread that reads an input fd for a device (the UART,
 * virtio-console) and a wake pipe to interrupt its poll(): to stop it, or
 * to tell it the guest made room.  The device keeps its own lock and
 * "stopping" flag; this is only the thread and the pipe.
 */
#ifndef HV_RUN_READER_H
#define HV_RUN_READER_H

#include <pthread.h>
#include <stdbool.h>

struct reader {
	pthread_t thread;
	int wake[2];		/* [0] for the thread's poll(), [1] written to wake it */
	bool started;
};

/* No thread, no pipe (before reader_start()). */
void reader_init(struct reader *r);
/* The pipe (non-blocking) and the thread running @fn(@arg).  0 or -errno. */
int reader_start(struct reader *r, void *(*fn)(void *), void *arg);
/* Wake the thread's poll() (any thread; a full pipe already holds a wake-up). */
void reader_wake(struct reader *r);
/* In the thread, once reader->wake[0] polled readable: empty it.  False on an error. */
bool reader_drain(struct reader *r);
/* The caller set its stopping flag under its lock: wake the thread, join it, close the pipe. */
void reader_stop(struct reader *r);

#endif /* HV_RUN_READER_H */
