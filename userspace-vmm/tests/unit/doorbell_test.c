// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/doorbell.c: registrations follow doorbell_move(), a signalled
 * eventfd rings its bell from the thread, and doorbells_stop() rings what
 * the thread had not taken yet, so no notification is lost at the end.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../virtio/doorbell.h"

#define MAX_CALLS	8

struct fake_hv {
	unsigned int n;
	struct { uint64_t gpa; int efd; bool assign; } call[MAX_CALLS];
	int refuse;			/* errno to answer assigns with; 0: accept */
};

static int fake_assign(void *opaque, uint64_t gpa, unsigned int len, int efd, bool assign)
{
	struct fake_hv *hv = opaque;

	if (len != DOORBELL_LEN || hv->n >= MAX_CALLS)
		return -EINVAL;
	hv->call[hv->n].gpa = gpa;
	hv->call[hv->n].efd = efd;
	hv->call[hv->n].assign = assign;
	hv->n++;
	return assign && hv->refuse ? -hv->refuse : 0;
}

static atomic_uint rings[2];

static void ring(void *owner, unsigned int q)
{
	(void)owner;
	atomic_fetch_add(&rings[q], 1);
}

static void signal_efd(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		printf("# write to an eventfd failed\n");
}

static bool doorbell_registrations_follow(void)
{
	struct fake_hv hv = { 0 };
	struct doorbells d;
	struct doorbell b;

	CHECK_EQ(doorbells_init(&d, fake_assign, &hv), 0);
	CHECK_EQ(doorbell_add(&d, &b, ring, NULL, 0), 0);
	CHECK(b.efd >= 0);
	doorbell_move(&d, &b, 0);			/* nowhere to nowhere: no call */
	CHECK_EQ(hv.n, 0);
	doorbell_move(&d, &b, 0xe0003000);
	CHECK_EQ(hv.n, 1);
	CHECK(hv.call[0].assign && hv.call[0].gpa == 0xe0003000 && hv.call[0].efd == b.efd);
	doorbell_move(&d, &b, 0xe0003000);		/* unchanged: no call */
	CHECK_EQ(hv.n, 1);
	doorbell_move(&d, &b, 0xf0003000);		/* the BAR moved: out, then in */
	CHECK_EQ(hv.n, 3);
	CHECK(!hv.call[1].assign && hv.call[1].gpa == 0xe0003000);
	CHECK(hv.call[2].assign && hv.call[2].gpa == 0xf0003000);
	doorbell_move(&d, &b, 0);			/* decoding off */
	CHECK_EQ(hv.n, 4);
	CHECK(!hv.call[3].assign && hv.call[3].gpa == 0xf0003000);
	hv.refuse = ENOSPC;				/* refused: nothing to remove later */
	doorbell_move(&d, &b, 0xe0003000);
	CHECK_EQ(hv.n, 5);
	CHECK(!b.registered);
	doorbell_move(&d, &b, 0);
	CHECK_EQ(hv.n, 5);
	doorbells_destroy(&d);
	return true;
}

static bool doorbell_rings_and_drains(void)
{
	struct timespec ms = { 0, 1000 * 1000 };
	struct fake_hv hv = { 0 };
	struct doorbells d;
	struct doorbell b[2], extra;
	int i;

	atomic_store(&rings[0], 0);
	atomic_store(&rings[1], 0);
	CHECK_EQ(doorbells_init(&d, fake_assign, &hv), 0);
	CHECK_EQ(doorbell_add(&d, &b[0], ring, NULL, 0), 0);
	CHECK_EQ(doorbell_add(&d, &b[1], ring, NULL, 1), 0);
	CHECK_EQ(doorbells_start(&d), 0);
	CHECK_EQ(doorbell_add(&d, &extra, ring, NULL, 1), -EBUSY);	/* fixed once started */
	CHECK_EQ(extra.efd, -1);
	signal_efd(b[0].efd);
	for (i = 0; i < 5000 && !atomic_load(&rings[0]); i++)
		nanosleep(&ms, NULL);
	CHECK_EQ(atomic_load(&rings[0]), 1);
	CHECK_EQ(atomic_load(&rings[1]), 0);
	doorbells_stop(&d);
	/* Signalled after the thread stopped: doorbells_stop() of a stopped set rings it. */
	signal_efd(b[1].efd);
	signal_efd(b[1].efd);
	doorbells_stop(&d);
	CHECK_EQ(atomic_load(&rings[1]), 1);		/* two signals, one ring: merged */
	CHECK_EQ(atomic_load(&rings[0]), 1);
	doorbells_destroy(&d);
	return true;
}

const struct unit_case doorbell_cases[] = {
	{ "doorbell_registrations_follow", doorbell_registrations_follow },
	{ "doorbell_rings_and_drains", doorbell_rings_and_drains },
	{ NULL, NULL },
};
