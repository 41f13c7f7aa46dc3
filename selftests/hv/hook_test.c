// SPDX-License-Identifier: GPL-2.0
/*
 * hook_test: the experiment hook (module/hv_experiment.h), through the
 * sample experiment samples/hv_hypercall_sample.ko, which answers one
 * hypercall number in the kernel.
 *
 *   sample_answers_hypercall  before the sample is loaded the hypercall
 *                             exits to userspace; with it loaded (nr and ret
 *                             as module parameters) HOOK_ROUNDS of them are
 *                             answered in the kernel with its value, counted
 *                             as HV_STAT_EXPERIMENT, while another number
 *                             still exits; once unloaded, userspace answers
 *                             again
 *   unload_while_running      the sample loaded and unloaded 5 times while a
 *                             vCPU thread runs a guest that does nothing but
 *                             that hypercall: every call gets an answer (the
 *                             sample's or userspace's, the same value), both
 *                             paths are taken, nothing is left loaded
 *
 * The sample is HV_SAMPLES_DIR/hv_hypercall_sample.ko (default /samples,
 * where the testbed puts it).  Without it, or without the right to load
 * modules, the points skip, except in the testbed (a failure there).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define SAMPLE_NAME	"hv_hypercall_sample"
#define HC_NR		0x4856		/* the sample's number in this test */
#define HC_OTHER	0x4857
#define HC_RET		0xabcd1234ULL	/* the sample's answer, and userspace's */
#define HOOK_ROUNDS	50
#define USER_RET	0x55

/* ---- loading the sample ---------------------------------------------------------- */

static void sample_unload_quietly(void)
{
	syscall(SYS_delete_module, SAMPLE_NAME, O_NONBLOCK);
}

static void sample_load(void)
{
	const char *dir = getenv("HV_SAMPLES_DIR");
	char path[512], params[128];
	int fd;

	snprintf(path, sizeof(path), "%s/" SAMPLE_NAME ".ko", dir && *dir ? dir : "/samples");
	snprintf(params, sizeof(params), "nr=%u ret=%llu", HC_NR, (unsigned long long)HC_RET);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (ktap_in_testbed())
			TEST_FAIL("open %s: %s (the testbed ships the samples)", path, strerror(errno));
		TEST_SKIP("no %s (%s): set HV_SAMPLES_DIR to where samples/ was built", path,
			  strerror(errno));
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		int err = errno;

		close(fd);
		if (err == EPERM && !ktap_in_testbed())
			TEST_SKIP("loading %s needs CAP_SYS_MODULE", path);
		TEST_FAIL("finit_module %s: %s", path, strerror(err));
	}
	close(fd);
}

static void sample_unload(void)
{
	TEST_ASSERT(syscall(SYS_delete_module, SAMPLE_NAME, O_NONBLOCK) == 0,
		    "delete_module(" SAMPLE_NAME "): %s", strerror(errno));
}

/* ---- the sample's hypercall ----------------------------------------------------- */

static void guest_hypercalls(void)
{
	uint64_t r;
	int i;

	r = guest_hypercall(HC_NR, 0, 0, 0, 0, 0);
	GUEST_SYNC_ARGS(1, r, 0, 0);			/* no sample: userspace answered */
	for (i = 0; i < HOOK_ROUNDS; i++) {
		r = guest_hypercall(HC_NR, 1, 2, 3, 4, 5);
		GUEST_ASSERT_EQ(r, HC_RET);
	}
	r = guest_hypercall(HC_OTHER, 0, 0, 0, 0, 0);	/* declined: to userspace */
	GUEST_SYNC_ARGS(2, r, 0, 0);
	r = guest_hypercall(HC_NR, 0, 0, 0, 0, 0);	/* unloaded again */
	GUEST_SYNC_ARGS(4, r, 0, 0);
	GUEST_DONE();
}

/* Run until the next ucall, answering hypercalls with USER_RET; how many it answered. */
static unsigned int run_answering(struct vcpu *vcpu, struct ucall *uc)
{
	unsigned int n = 0;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != HV_EXIT_HYPERCALL)
			break;
		vcpu->run->hypercall.ret = USER_RET;
		n++;
	}
	if (vcpu_get_ucall(vcpu, uc) == UCALL_ASSERT) {
		ucall_print(vcpu, uc);
		TEST_FAIL("the guest's assertion failed");
	}
	return n;
}

static void test_sample_answers_hypercall(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hypercalls);
	struct hv_stats st;
	struct ucall uc;
	unsigned int n;

	sample_unload_quietly();
	n = run_answering(vcpu, &uc);
	TEST_ASSERT(n == 1 && uc.args[0] == 1 && uc.args[1] == USER_RET,
		    "before the sample: %u hypercall exits, the guest got %#llx", n,
		    (unsigned long long)uc.args[1]);
	sample_load();
	n = run_answering(vcpu, &uc);
	TEST_ASSERT(n == 1 && uc.args[0] == 2 && uc.args[1] == USER_RET,
		    "with the sample: %u hypercall exits (only %#x's should exit), ucall %llu",
		    n, HC_OTHER, (unsigned long long)uc.args[0]);
	vcpu_get_stats(vcpu, &st);
	TEST_ASSERT(st.exits[HV_STAT_EXPERIMENT] == HOOK_ROUNDS, "HV_STAT_EXPERIMENT %llu, not %u",
		    (unsigned long long)st.exits[HV_STAT_EXPERIMENT], HOOK_ROUNDS);
	sample_unload();
	n = run_answering(vcpu, &uc);
	TEST_ASSERT(n == 1 && uc.args[0] == 4 && uc.args[1] == USER_RET,
		    "after unloading: %u hypercall exits, the guest got %#llx", n,
		    (unsigned long long)uc.args[1]);
	vcpu_expect_done(vcpu);
	vcpu_get_stats(vcpu, &st);
	TEST_ASSERT(st.exits[HV_STAT_EXPERIMENT] == HOOK_ROUNDS, "HV_STAT_EXPERIMENT %llu after unload",
		    (unsigned long long)st.exits[HV_STAT_EXPERIMENT]);

	vm_destroy(vm);
}

/* ---- loading and unloading under a running vCPU ----------------------------------- */

static volatile uint32_t guest_stop;

static void guest_hypercall_loop(void)
{
	uint64_t calls = 0;

	while (!guest_stop) {
		uint64_t r = guest_hypercall(HC_NR, 0, 0, 0, 0, 0);

		GUEST_ASSERT(r == HC_RET);
		calls++;
	}
	GUEST_SYNC_ARGS(1, calls, 0, 0);
	GUEST_DONE();
}

struct loop {
	struct vcpu *vcpu;
	atomic_uint user_answers;
	struct ucall uc;
	int failed_errno;
};

static void *loop_thread(void *arg)
{
	struct loop *l = arg;
	struct hv_run *run = l->vcpu->run;

	for (;;) {
		if (__vcpu_run(l->vcpu)) {
			if (errno == EINTR)
				continue;
			l->failed_errno = errno;
			return NULL;
		}
		/* A signal for the process (module loading may bring one) just runs it again. */
		if (run->exit_reason == HV_EXIT_INTR)
			continue;
		if (run->exit_reason != HV_EXIT_HYPERCALL)
			break;
		run->hypercall.ret = HC_RET;
		atomic_fetch_add(&l->user_answers, 1);
	}
	vcpu_get_ucall(l->vcpu, &l->uc);
	return NULL;
}

static void test_unload_while_running(void)
{
	struct timespec pause = { 0, 150 * 1000 * 1000 };
	struct vm *vm = vm_create(0);
	struct loop l = { .vcpu = vm_vcpu_add(vm, 0, guest_hypercall_loop) };
	unsigned int user, i;
	pthread_t thread;
	struct hv_stats st;

	sample_unload_quietly();
	TEST_ASSERT(pthread_create(&thread, NULL, loop_thread, &l) == 0, "pthread_create");
	for (i = 0; i < 5; i++) {
		nanosleep(&pause, NULL);
		sample_load();
		nanosleep(&pause, NULL);
		sample_unload();
	}
	nanosleep(&pause, NULL);
	*guest_global_ptr(vm, guest_stop) = 1;
	pthread_join(thread, NULL);
	TEST_ASSERT(!l.failed_errno, "HV_RUN failed: %s", strerror(l.failed_errno));
	if (l.uc.cmd == UCALL_ASSERT)
		ucall_print(l.vcpu, &l.uc);
	else if (l.uc.cmd != UCALL_SYNC)
		vcpu_dump_exit(l.vcpu);
	TEST_ASSERT(l.uc.cmd == UCALL_SYNC && l.uc.args[0] == 1,
		    "the guest stopped without its report (%s exit, ucall %llu)",
		    exit_reason_str(l.vcpu->run->exit_reason), (unsigned long long)l.uc.cmd);
	vcpu_get_stats(l.vcpu, &st);
	user = atomic_load(&l.user_answers);
	ktap_print_msg("%llu hypercalls: %llu answered by the sample, %u by userspace\n",
		       (unsigned long long)l.uc.args[1],
		       (unsigned long long)st.exits[HV_STAT_EXPERIMENT], user);
	TEST_ASSERT(st.exits[HV_STAT_EXPERIMENT] > 0 && user > 0,
		    "the sample answered %llu and userspace %u: both paths should have been taken",
		    (unsigned long long)st.exits[HV_STAT_EXPERIMENT], user);
	TEST_ASSERT(st.exits[HV_STAT_EXPERIMENT] + user == l.uc.args[1],
		    "%llu + %u answers for %llu hypercalls",
		    (unsigned long long)st.exits[HV_STAT_EXPERIMENT], user,
		    (unsigned long long)l.uc.args[1]);
	vcpu_expect_done(l.vcpu);
	vm_destroy(vm);
}

int main(void)
{
	const struct hv_test tests[] = {
		{ "sample_answers_hypercall", test_sample_answers_hypercall, 60 },
		{ "unload_while_running", test_unload_while_running, 120 },
	};
	hv_test_main(tests, ARRAY_SIZE(tests));
}
