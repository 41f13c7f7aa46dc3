// SPDX-License-Identifier: GPL-2.0
/*
 * sched_test: a running vCPU migrated between CPUs, HV_RUN interrupted by
 * signals many times, the process's LDT changed while a vCPU runs, SIGKILL
 * of a process with a running VM, and many VMs created and destroyed, each
 * checked for state kept and memory returned.
 */
#include <asm/ldt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- migration while running ------------------------------------------------------- */

#define MIGRATE_SYNCS	300
#define MIGRATE_EVERY	5

static void guest_count(uint64_t n)
{
	uint64_t i;

	for (i = 1; i <= n; i++)
		GUEST_SYNC(i);
	GUEST_DONE();
}

struct migrate_ctx {
	struct vcpu *vcpu;
	atomic_int tid;
	atomic_int done;
	atomic_uint flips;		/* affinity changes made so far */
	unsigned int cpus_seen;		/* bit mask, CPUs 0 and 1 */
	atomic_uint syncs;
};

static void *migrate_vcpu_thread(void *arg)
{
	struct migrate_ctx *c = arg;
	struct ucall uc;

	atomic_store(&c->tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&c->flips))
		sleep_ms(1);
	for (;;) {
		uint64_t cmd = vcpu_run_ucall(c->vcpu, &uc);
		int cpu = sched_getcpu();

		if (cpu == 0 || cpu == 1)
			c->cpus_seen |= 1u << cpu;
		if (cmd == UCALL_DONE)
			break;
		TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == atomic_load(&c->syncs) + 1,
			    "got %s %llu, expected SYNC %u", ucall_name(cmd),
			    (unsigned long long)uc.args[0], atomic_load(&c->syncs) + 1);
		atomic_fetch_add(&c->syncs, 1);
		/*
		 * Never get more than 2 * MIGRATE_EVERY exits ahead of the
		 * flipper, however slowly it is scheduled.
		 */
		while (atomic_load(&c->syncs) >= 2 * MIGRATE_EVERY * atomic_load(&c->flips))
			sleep_ms(1);
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void test_migrate(void)
{
	struct migrate_ctx c = { 0 };
	unsigned int flips = 0;
	struct vm *vm;
	pthread_t th;
	cpu_set_t set;
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (online < 2)
		TEST_SKIP("only %ld CPU online: nothing to migrate to", online);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		TEST_SKIP("CPUs 0 and 1 not both usable: %s", strerror(errno));

	vm = vm_create(0);
	c.vcpu = vm_vcpu_add(vm, 0, guest_count);
	vcpu_args_set(c.vcpu, MIGRATE_SYNCS, 0);
	TEST_ASSERT(pthread_create(&th, NULL, migrate_vcpu_thread, &c) == 0, "pthread_create");
	while (!atomic_load(&c.tid))
		sleep_ms(1);
	/*
	 * Flip the vCPU thread to the other CPU, let it make MIGRATE_EVERY
	 * more exits there, flip again: migrations happen however fast or
	 * slow the exits are.
	 */
	while (!atomic_load(&c.done)) {
		unsigned int until = atomic_load(&c.syncs) + MIGRATE_EVERY;
		struct timespec ts = { 0, 200 * 1000 };

		CPU_ZERO(&set);
		CPU_SET(flips & 1, &set);
		TEST_ASSERT(sched_setaffinity(atomic_load(&c.tid), sizeof(set), &set) == 0 ||
			    atomic_load(&c.done), "sched_setaffinity of the vCPU thread");
		flips++;
		atomic_store(&c.flips, flips);
		while (!atomic_load(&c.done) && atomic_load(&c.syncs) < until)
			nanosleep(&ts, NULL);
	}
	pthread_join(th, NULL);
	TEST_ASSERT(atomic_load(&c.syncs) == MIGRATE_SYNCS, "%u syncs, expected %u",
		    atomic_load(&c.syncs), MIGRATE_SYNCS);
	ktap_print_msg("%u affinity flips during %u exits; ran on CPU mask %#x\n", flips,
		       atomic_load(&c.syncs), c.cpus_seen);
	TEST_ASSERT(flips >= 2 && c.cpus_seen == 3, "the vCPU thread did not run on both CPUs");
	vm_destroy(vm);
}

/* ---- signals interrupting HV_RUN ----------------------------------------------------- */

#define NR_INTERRUPTS	100
#define R13_MAGIC	0x5eed5eed12345678ULL

static void guest_spin_r12(void)
{
	/* R12 counts up forever; R13 is never touched. */
	__asm__ volatile("1: incq %%r12\n\tjmp 1b" : : : "r12", "memory");
}

static void sig_handler(int sig)
{
	(void)sig;
}

struct storm {
	pthread_t target;
	atomic_int stop;
};

static void *storm_fn(void *arg)
{
	struct storm *s = arg;

	while (!atomic_load(&s->stop)) {
		pthread_kill(s->target, SIGUSR1);
		sleep_ms(3);
	}
	return NULL;
}

static void test_signal_storm(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin_r12);
	struct storm s = { .target = pthread_self() };
	struct hv_regs regs, first;
	struct sigaction sa;
	uint64_t last = 0, increased = 0;
	unsigned int i, eintr = 0;
	pthread_t th;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;	/* no SA_RESTART */
	TEST_ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	vcpu_regs_get(vcpu, &first);
	first.r12 = 0;
	first.r13 = R13_MAGIC;
	first.rbx = ~R13_MAGIC;
	vcpu_regs_set(vcpu, &first);

	TEST_ASSERT(pthread_create(&th, NULL, storm_fn, &s) == 0, "pthread_create");
	for (i = 0; i < NR_INTERRUPTS; i++) {
		int r = __vcpu_run(vcpu);

		if (r != -1 || errno != EINTR) {
			atomic_store(&s.stop, 1);
			pthread_join(th, NULL);
			vcpu_dump_exit(vcpu);
			TEST_FAIL("run %u: HV_RUN returned %d, expected -1/EINTR", i, r);
		}
		eintr++;
		vcpu_assert_exit(vcpu, HV_EXIT_INTR);
		vcpu_regs_get(vcpu, &regs);
		TEST_ASSERT(regs.r12 >= last, "run %u: counter went back from %llu to %llu", i,
			    (unsigned long long)last, (unsigned long long)regs.r12);
		TEST_ASSERT(regs.r13 == R13_MAGIC && regs.rbx == ~R13_MAGIC,
			    "run %u: untouched registers changed (r13 %#llx rbx %#llx)", i,
			    (unsigned long long)regs.r13, (unsigned long long)regs.rbx);
		TEST_ASSERT(regs.rip >= (uint64_t)(uintptr_t)guest_spin_r12 &&
			    regs.rip < (uint64_t)(uintptr_t)guest_spin_r12 + 64,
			    "run %u: RIP %#llx left the loop", i, (unsigned long long)regs.rip);
		if (regs.r12 > last)
			increased++;
		last = regs.r12;
	}
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	ktap_print_msg("%u interruptions, counter %llu, increased in %llu runs\n", eintr,
		       (unsigned long long)last, (unsigned long long)increased);
	TEST_ASSERT(last > 0 && increased > 0, "the guest never ran");
	vm_destroy(vm);
}

/* ---- SIGKILL of a process with a running VM ----------------------------------------- */

#define BIG_GPA		0x40000000ULL
#define BIG_GVA		0x40000000ULL
#define BIG_SIZE	(128UL << 20)
#define MEM_SLACK_KB	(24 * 1024)

static void guest_touch(uint8_t *p, uint64_t size)
{
	uint64_t off;

	for (off = 0; off < size; off += PAGE_SIZE)
		p[off] = (uint8_t)(off >> 12) | 1;
	GUEST_SYNC(1);
	for (;;)
		__asm__ volatile("nop");
}

/* In the child: a VM whose guest touches BIG_SIZE bytes, then spins. */
static void __attribute__((noreturn)) sigkill_child(int ready_fd)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_touch);
	char ok = 1;

	vm_add_slot(vm, 1, 0, BIG_GPA, BIG_SIZE);
	virt_map_2m(vm, BIG_GVA, BIG_GPA, BIG_SIZE);
	vcpu_args_set(vcpu, BIG_GVA, BIG_SIZE);
	vcpu_expect_sync(vcpu, 1);
	if (write(ready_fd, &ok, 1) != 1)
		_exit(1);
	vcpu_run(vcpu);		/* spins until SIGKILL */
	_exit(2);
}

static long wait_mem_back(long before_kb)
{
	long now = 0;
	int i;

	for (i = 0; i < 100; i++) {	/* up to 10 s: freeing may be deferred */
		now = meminfo_available_kb();
		if (now >= before_kb - MEM_SLACK_KB)
			break;
		sleep_ms(100);
	}
	return now;
}

static void test_sigkill(void)
{
	long before, during, after;
	int pfd[2], status;
	char c;
	pid_t pid;

	before = meminfo_available_kb();
	TEST_ASSERT(before > (long)(BIG_SIZE / 1024) * 2, "only %ld kB available", before);
	TEST_ASSERT(pipe(pfd) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		close(pfd[0]);
		sigkill_child(pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		TEST_FAIL("child failed before its guest touched the memory (status %#x)", status);
	}
	sleep_ms(50);		/* the child is back in HV_RUN */
	during = meminfo_available_kb();
	TEST_ASSERT(kill(pid, SIGKILL) == 0, "kill");
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "child status %#x, expected SIGKILL", status);
	after = wait_mem_back(before);
	ktap_print_msg("MemAvailable: %ld kB before, %ld kB with the VM, %ld kB after SIGKILL\n",
		       before, during, after);
	/* The measurement must be able to see the guest's memory at all. */
	TEST_ASSERT(before - during >= (long)(BIG_SIZE / 1024) / 2,
		    "guest memory not visible in MemAvailable (%ld kB drop)", before - during);
	TEST_ASSERT(after >= before - MEM_SLACK_KB, "%ld kB not returned after SIGKILL",
		    before - after);
}

/* ---- many VMs -------------------------------------------------------------------- */

#define NR_VMS	40

#define EXTRA_GPA	0x10000000ULL
#define EXTRA_SIZE	(4 * SZ_1M)

static void guest_small(uint64_t i, volatile uint8_t *p)
{
	uint64_t off;

	for (off = 0; off < EXTRA_SIZE; off += PAGE_SIZE) {
		GUEST_ASSERT_EQ(p[off], (uint8_t)i);
		p[off] = (uint8_t)~i;
	}
	GUEST_SYNC(i);
	GUEST_DONE();
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	TEST_ASSERT(d, "opendir /proc/self/fd");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void one_vm(uint64_t i)
{
	struct vm *vm = vm_create(8 << 20);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_small);
	uint8_t *extra = vm_add_slot(vm, 1, 0, EXTRA_GPA, EXTRA_SIZE);

	/* Touched by the host, then by the guest (pinned by the module). */
	memset(extra, (int)i, EXTRA_SIZE);
	virt_map_2m(vm, EXTRA_GPA, EXTRA_GPA, EXTRA_SIZE);
	vcpu_args_set(vcpu, i, EXTRA_GPA);
	vcpu_expect_sync(vcpu, i);
	TEST_ASSERT(extra[0] == (uint8_t)~i && extra[EXTRA_SIZE - PAGE_SIZE] == (uint8_t)~i,
		    "guest writes not seen by the host");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void test_create_destroy(void)
{
	long before, after;
	int fds_before, fds_after;
	unsigned int i;

	one_vm(0);		/* warm up allocator caches */
	fds_before = count_fds();
	before = meminfo_available_kb();
	for (i = 1; i <= NR_VMS; i++)
		one_vm(i);
	fds_after = count_fds();
	after = wait_mem_back(before);
	ktap_print_msg("%u VMs: MemAvailable %ld kB -> %ld kB, fds %d -> %d\n", NR_VMS, before,
		       after, fds_before, fds_after);
	TEST_ASSERT(fds_after == fds_before, "fd leak: %d -> %d", fds_before, fds_after);
	/* Each VM pins > 5 MiB: leaking them would be far more than the slack. */
	TEST_ASSERT(after >= before - MEM_SLACK_KB, "%ld kB not returned", before - after);
}

/* ---- the host's LDT changed under a running vCPU ------------------------------------------- */

/*
 * SVM takes the host's FS/GS/TR/LDTR state once per vcpu_load and puts it
 * back after every exit.  Another thread's modify_ldt() installs a new LDT
 * on the vCPU thread's CPU by IPI while HV_RUN loops in the kernel; if the
 * next exit put the old LDTR back, the vCPU thread would return to user
 * mode with the old, freed, one-entry LDT, and loading a selector of the
 * new second entry would fault.
 */
static volatile uint64_t ldt_guest_stop;

static void guest_cpuid_until_stopped(void)
{
	uint64_t n = 0;

	while (!ldt_guest_stop) {
		uint32_t a, b, c, d;

		cpuid_count(0, 0, &a, &b, &c, &d);
		n++;
	}
	GUEST_SYNC(n);
	GUEST_DONE();
}

static int ldt_write(unsigned int entry)
{
	struct user_desc d = {
		.entry_number = entry,
		.base_addr = 0,
		.limit = 0xfffff,
		.seg_32bit = 1,
		.contents = 0,		/* data, expand-up */
		.read_exec_only = 0,
		.limit_in_pages = 1,
		.seg_not_present = 0,
		.useable = 1,
	};

	return (int)syscall(SYS_modify_ldt, 1, &d, sizeof(d));
}

struct ldt_ctx {
	volatile uint64_t *stop;	/* the guest's ldt_guest_stop */
	atomic_int running;
	int err;
};

static void *ldt_changer(void *arg)
{
	struct ldt_ctx *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!atomic_load(&c->running))
		sleep_ms(1);
	/* The vCPU loops on CPUID exits in the kernel: change the LDT under it. */
	sleep_ms(50);
	c->err = ldt_write(1) ? errno : 0;
	/* More exits, each followed by the host's VMLOAD, before the guest stops. */
	sleep_ms(50);
	*c->stop = 1;
	return NULL;
}

static sigjmp_buf ldt_fault_jmp;

static void ldt_fault(int sig)
{
	(void)sig;
	siglongjmp(ldt_fault_jmp, 1);
}

static void test_ldt_change(void)
{
	struct ldt_ctx c = { 0 };
	struct sigaction sa = { .sa_handler = ldt_fault }, old;
	uint16_t sel = (1 << 3) | 4 | 3;	/* LDT entry 1, RPL 3 */
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	pthread_t th;
	cpu_set_t set;
	uint64_t cmd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		TEST_SKIP("one CPU: the LDT change could only come by a context switch");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	TEST_ASSERT(sched_setaffinity(0, sizeof(set), &set) == 0, "pin to CPU 0: %s",
		    strerror(errno));
	if (ldt_write(0)) {
		/* The debug testbed's kernel (tinyconfig) has none: then no process has an LDT. */
		if (errno == ENOSYS)
			TEST_SKIP("kernel without modify_ldt (CONFIG_MODIFY_LDT_SYSCALL=n): no LDT to keep");
		TEST_FAIL("modify_ldt(entry 0): %s", strerror(errno));
	}

	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_cpuid_until_stopped);
	c.stop = guest_global_ptr(vm, ldt_guest_stop);
	TEST_ASSERT(c.stop, "ldt_guest_stop is not mapped");
	TEST_ASSERT(pthread_create(&th, NULL, ldt_changer, &c) == 0, "pthread_create");
	atomic_store(&c.running, 1);
	cmd = vcpu_run_ucall(vcpu, &uc);
	TEST_ASSERT(cmd == UCALL_SYNC, "got %s, expected SYNC", ucall_name(cmd));
	ktap_print_msg("%llu CPUID exits handled in the kernel around the LDT change\n",
		       (unsigned long long)uc.args[0]);
	pthread_join(th, NULL);
	TEST_ASSERT(c.err == 0, "modify_ldt(entry 1): %s", strerror(c.err));

	/* The first return to user mode since the change: is the new LDT loaded? */
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(ldt_fault_jmp, 1) == 0) {
		__asm__ volatile("mov %0, %%es" : : "r"(sel));
		__asm__ volatile("mov %0, %%es" : : "r"((uint16_t)0));
	} else {
		sigaction(SIGSEGV, &old, NULL);
		TEST_FAIL("loading LDT selector %#x faulted: HV_RUN returned with the old LDT loaded",
			  sel);
	}
	sigaction(SIGSEGV, &old, NULL);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest did not finish");
	vm_destroy(vm);
}

/* ---- rmmod while a VM exists ------------------------------------------------------------ */

/*
 * Unloading hv.ko while a VM (or just /dev/hv) is open must be refused;
 * the testbed's unload_module point, after every binary has closed its
 * fds, is the "later succeeds" half.
 */
static void test_unload_refused(void)
{
	struct vm *vm = vm_create_bare(2 << 20);
	long r;

	r = syscall(SYS_delete_module, "hv", O_NONBLOCK);
	TEST_ASSERT(r < 0, "delete_module(hv) succeeded with a VM open");
	TEST_ASSERT(errno == EWOULDBLOCK || errno == EBUSY,
		    "delete_module(hv) with a VM open: %s (expected EWOULDBLOCK or EBUSY)",
		    strerror(errno));
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "migrate_between_cpus", test_migrate, 300 },
	{ "signal_storm", test_signal_storm, 300 },
	{ "ldt_changed_while_vcpu_runs", test_ldt_change, 120 },
	{ "sigkill_frees_guest_memory", test_sigkill, 300 },
	{ "create_destroy_many_vms", test_create_destroy, 300 },
	{ "module_unload_refused_while_vm_exists", test_unload_refused, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
