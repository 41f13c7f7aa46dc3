// SPDX-License-Identifier: GPL-2.0
/*
 * Races: one thread runs a vCPU whose guest writes over a memory slot in a
 * loop, while another, driven by the seed, deletes and re-adds that slot,
 * munmaps, protects or drops its backing, signals the running thread,
 * replaces the vCPU's or the VM's fd with /dev/null (dup2: the file goes
 * away under the running ioctl, the number stays valid for this program),
 * and forks children that use the inherited fds and exit.  hv must keep
 * the host healthy whatever order these land in; what the guest sees is
 * not checked here (stress_test does that for the slot churn).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "hv_util.h"
#include "processor.h"

#define RACE_GPA	0x40000000ULL
#define RACE_SIZE	(64 * 4096ULL)
#define RACE_SLOT	1

static void guest_writer(uint64_t gva, uint64_t size)
{
	uint64_t off, round = 0;

	for (;;) {
		for (off = 0; off < size; off += 4096)
			*(volatile uint64_t *)(gva + off) = round;
		outb(0x80, round++);
	}
}

struct race {
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t runner;
	volatile bool stop;
	bool ok;
	void *backing;
};

static void on_usr1(int sig)
{
	(void)sig;
}

/* The vCPU thread: run, complete MMIO (slot deleted) and port exits, until told to stop. */
static void *race_runner(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		if (__vcpu_run(r->vcpu) < 0) {
			if (errno == EINTR || errno == EFAULT)
				continue;
			/* The fd replaced (ENOTTY, EBADF) or the VM gone (EIO): done. */
			if (errno != ENOTTY && errno != EBADF && errno != EIO && errno != EINVAL) {
				ktap_print_msg("finding: HV_RUN errno %d (%s) in a race\n", errno,
					       strerror(errno));
				r->ok = false;
			}
			break;
		}
		if (r->vcpu->run->exit_reason != HV_EXIT_IO && r->vcpu->run->exit_reason != HV_EXIT_MMIO &&
		    r->vcpu->run->exit_reason != HV_EXIT_INTR)
			break;	/* e.g. an internal error after the backing went away */
	}
	return NULL;
}

static void race_step(struct race *r, uint64_t *rng, int devnull)
{
	switch (fuzz_below(rng, 8)) {
	case 0:
		__vm_set_memory_region(r->vm, RACE_SLOT, 0, RACE_GPA, 0, NULL);
		break;
	case 1:
		__vm_set_memory_region(r->vm, RACE_SLOT, fuzz_below(rng, 2) ? HV_MEM_READONLY : 0,
				       RACE_GPA, RACE_SIZE, r->backing);
		break;
	case 2:
		mmap(r->backing, RACE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case 3:
		mprotect(r->backing, RACE_SIZE, fuzz_below(rng, 2) ? PROT_READ : PROT_NONE);
		break;
	case 4:
		madvise(r->backing, RACE_SIZE, MADV_DONTNEED);
		break;
	case 5:
		pthread_kill(r->runner, SIGUSR1);
		break;
	case 6: {
		pid_t pid = fork();

		if (pid == 0) {
			/* Another process: hv must refuse or survive, and clean up at its exit. */
			ioctl(r->vcpu->fd, HV_RUN, 0);
			ioctl(r->vm->fd, HV_CREATE_VCPU, 2);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	}
	default:
		if (fuzz_below(rng, 4) == 0)
			dup2(devnull, fuzz_below(rng, 2) ? r->vcpu->fd : r->vm->fd);
		break;
	}
}

bool fuzz_race(uint64_t seed, unsigned int ms)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct race r = { .ok = true };
	uint64_t rng = seed;
	struct timespec end, now;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	sigaction(SIGUSR1, &sa, NULL);
	r.vm = vm_create(0);
	r.backing = vm_add_slot(r.vm, RACE_SLOT, 0, RACE_GPA, RACE_SIZE);
	virt_map(r.vm, RACE_GPA, RACE_GPA, RACE_SIZE);
	r.vcpu = vm_vcpu_add(r.vm, 0, guest_writer);
	vcpu_args_set(r.vcpu, RACE_GPA, RACE_SIZE);
	pthread_create(&r.runner, NULL, race_runner, &r);

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	end.tv_sec += ms / 1000 + end.tv_nsec / 1000000000;
	end.tv_nsec %= 1000000000;
	do {
		race_step(&r, &rng, devnull);
		usleep(fuzz_below(&rng, 2000));
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));

	r.stop = true;
	while (pthread_tryjoin_np(r.runner, NULL) == EBUSY) {
		pthread_kill(r.runner, SIGUSR1);
		usleep(1000);
	}
	vm_destroy(r.vm);	/* closes what is left (/dev/null copies included) */
	close(devnull);
	return r.ok;
}
