// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: queue doorbells on hv's ioeventfds (doorbell.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "doorbell.h"

int doorbells_init(struct doorbells *d, doorbell_assign_fn assign, void *opaque)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	memset(d, 0, sizeof(*d));
	d->assign = assign;
	d->opaque = opaque;
	d->stop_efd = -1;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	d->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->stop_efd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->stop_efd, &ev)) {
		int err = -errno;

		doorbells_destroy(d);
		return err;
	}
	return 0;
}

int doorbell_add(struct doorbells *d, struct doorbell *b, void (*ring)(void *owner, unsigned int q),
		 void *owner, unsigned int q)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = b };

	memset(b, 0, sizeof(*b));
	b->efd = -1;
	b->ring = ring;
	b->owner = owner;
	b->q = q;
	if (d->started || d->nr >= DOORBELLS_MAX)
		return d->started ? -EBUSY : -ENOSPC;
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, b->efd, &ev)) {
		int err = -errno;

		if (b->efd >= 0)
			close(b->efd);
		b->efd = -1;
		return err;
	}
	d->bells[d->nr++] = b;
	return 0;
}

void doorbell_move(struct doorbells *d, struct doorbell *b, uint64_t gpa)
{
	if (b->efd < 0 || (b->registered && b->gpa == gpa))
		return;
	if (b->registered)
		d->assign(d->opaque, b->gpa, DOORBELL_LEN, b->efd, false);
	b->registered = false;
	b->gpa = gpa;
	/* Refused (hv's limit, an old hv.ko): the write exits to the BAR as before. */
	if (gpa && !d->assign(d->opaque, gpa, DOORBELL_LEN, b->efd, true))
		b->registered = true;
}

/* Take @b's signals, if any, and ring it once for them. */
static void doorbell_take(struct doorbell *b)
{
	uint64_t n;

	if (read(b->efd, &n, sizeof(n)) == sizeof(n) && n)
		b->ring(b->owner, b->q);
}

static void *doorbell_thread(void *arg)
{
	struct doorbells *d = arg;
	struct epoll_event ev[16];
	int i, n;

	for (;;) {
		n = epoll_wait(d->epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++) {
			if (!ev[i].data.ptr)
				return NULL;		/* doorbells_stop() */
			doorbell_take(ev[i].data.ptr);
		}
	}
}

int doorbells_start(struct doorbells *d)
{
	int err;

	if (!d->nr)
		return 0;
	err = -pthread_create(&d->thread, NULL, doorbell_thread, d);
	if (!err)
		d->started = true;
	return err;
}

void doorbells_stop(struct doorbells *d)
{
	uint64_t one = 1;
	unsigned int i;

	if (d->started) {
		if (write(d->stop_efd, &one, sizeof(one)) != sizeof(one))
			return;		/* cannot happen: a fresh counter has room */
		pthread_join(d->thread, NULL);
		d->started = false;
	}
	/* A guest's last notifications, signalled after the thread's last look. */
	for (i = 0; i < d->nr; i++)
		doorbell_take(d->bells[i]);
}

void doorbells_destroy(struct doorbells *d)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++) {
		close(d->bells[i]->efd);
		d->bells[i]->efd = -1;
	}
	d->nr = 0;
	if (d->stop_efd >= 0)
		close(d->stop_efd);
	if (d->epfd >= 0)
		close(d->epfd);
	d->stop_efd = d->epfd = -1;
}
