// SPDX-License-Identifier: GPL-2.0
/*
 * debug_test: the guest's debug facilities work as on a CPU of its own,
 * and leave the host's alone (module/x86/debugreg.c).
 *
 * Single-stepping (RFLAGS.TF) over an instruction that hv executes for the
 * guest (CPUID, RDMSR, an OUT the VMM completes) traps right after it,
 * with DR6.BS, as the CPU's own single-step would.  Hardware breakpoints
 * in DR0-3 fire in the guest, after exits and on either host CPU, also
 * when SVM's guest arms DR7 without an exit.  A host breakpoint (perf)
 * keeps counting across HV_RUNs of a guest that loads DR0-3 of its own.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define DB_VECTOR		1
#define RFLAGS_TF		(1ULL << 8)
#define RFLAGS_RF		(1ULL << 16)
#define DR6_CLEAR		0xffff0ff0ULL	/* DR6 with no condition reported */
#define DR6_B(n)		(1ULL << (n))
#define DR6_BS			(1ULL << 14)
#define DR7_FIXED		0x400ULL
#define DR7_L(n)		(1ULL << (2 * (n)))
#define DR7_WRITE4(n)		((1ULL | 3ULL << 2) << (16 + 4 * (n)))	/* RW=01, LEN=11 */
#define PORT_STEP		0x80		/* an OUT the VMM completes */
#define MSR_IA32_APICBASE	0x1b

static volatile uint64_t db_count, db_rip, db_dr6;

/* Records the #DB, clears DR6 and TF, and sets RF to run a breakpointed instruction. */
static void guest_db(struct ex_regs *regs)
{
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	db_count++;
	db_rip = regs->rip;
	db_dr6 = dr6;
	__asm__ volatile("mov %0, %%dr6" : : "r"(DR6_CLEAR));
	regs->rflags = (regs->rflags & ~RFLAGS_TF) | RFLAGS_RF;
}

/* One #DB since @before, at @rip, with @bits in DR6 and no other condition. */
#define GUEST_EXPECT_DB(before, rip, bits) do {					\
	GUEST_ASSERT_EQ(db_count, (before) + 1);				\
	GUEST_ASSERT_EQ(db_rip, (uint64_t)(rip));				\
	GUEST_ASSERT_EQ(db_dr6 & (DR6_BS | 0xf), (uint64_t)(bits));		\
} while (0)

extern char after_cpuid[], after_rdmsr[], after_out[];

/* TF is set by POPF, so the first trap comes after the instruction that follows it. */
static void __attribute__((noinline)) guest_single_step(void)
{
	uint64_t n;

	guest_install_handler(DB_VECTOR, guest_db);
	n = db_count;
	__asm__ volatile("pushfq; orq %[tf], (%%rsp); popfq\n\t"
			 "cpuid\n\t"
			 ".global after_cpuid\n"
			 "after_cpuid: nop"
			 : : [tf] "i"(RFLAGS_TF), "a"(0), "c"(0) : "rbx", "rdx", "memory");
	GUEST_EXPECT_DB(n, after_cpuid, DR6_BS);

	n = db_count;
	__asm__ volatile("pushfq; orq %[tf], (%%rsp); popfq\n\t"
			 "rdmsr\n\t"
			 ".global after_rdmsr\n"
			 "after_rdmsr: nop"
			 : : [tf] "i"(RFLAGS_TF), "c"(MSR_IA32_APICBASE) : "rax", "rdx", "memory");
	GUEST_EXPECT_DB(n, after_rdmsr, DR6_BS);

	n = db_count;
	__asm__ volatile("pushfq; orq %[tf], (%%rsp); popfq\n\t"
			 "outb %%al, %[port]\n\t"
			 ".global after_out\n"
			 "after_out: nop"
			 : : [tf] "i"(RFLAGS_TF), [port] "i"(PORT_STEP), "a"(0) : "memory");
	GUEST_EXPECT_DB(n, after_out, DR6_BS);
	GUEST_DONE();
}

static void test_single_step(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_single_step);
	struct ucall uc;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(vcpu->run->io.port == PORT_STEP, "I/O exit at port %#x", vcpu->run->io.port);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest ended with %s",
		    ucall_name(uc.cmd));
	vm_destroy(vm);
}

/* ---- hardware breakpoints ---------------------------------------------------------- */

static volatile uint32_t watched, host_watched;

static void __attribute__((noinline)) bp_target(void)
{
	__asm__ volatile("");
}

static void __attribute__((noinline)) bp_target2(void)
{
	__asm__ volatile("");
}

static inline void set_dr(int n, uint64_t v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	default: __asm__ volatile("mov %0, %%dr7" : : "r"(v)); break;
	}
}

/*
 * DR0 watches writes to `watched`, DR1 the first instruction of
 * bp_target().  Each fires once per round; between rounds a SYNC lets the
 * host move the vCPU to the other CPU (and write a watched variable of its
 * own).  Last, DR2 is written (an exit) and armed by a DR7 write that SVM
 * does not intercept, then hit before any other exit.
 */
static void guest_hw_breakpoints(void)
{
	uint64_t n;
	int round;

	guest_install_handler(DB_VECTOR, guest_db);
	set_dr(0, (uint64_t)&watched);
	set_dr(1, (uint64_t)bp_target);
	set_dr(7, DR7_FIXED | DR7_L(0) | DR7_WRITE4(0) | DR7_L(1));
	for (round = 0; round < 4; round++) {
		n = db_count;
		watched = round;
		GUEST_ASSERT_EQ(db_count, n + 1);
		GUEST_ASSERT_EQ(db_dr6 & (DR6_BS | 0xf), DR6_B(0));
		n = db_count;
		bp_target();
		GUEST_EXPECT_DB(n, bp_target, DR6_B(1));
		GUEST_SYNC(round);
	}
	set_dr(7, DR7_FIXED);
	set_dr(2, (uint64_t)bp_target2);
	set_dr(7, DR7_FIXED | DR7_L(2));
	n = db_count;
	bp_target2();
	GUEST_EXPECT_DB(n, bp_target2, DR6_B(2));
	set_dr(7, DR7_FIXED);
	n = db_count;
	watched = 9;
	bp_target();
	GUEST_ASSERT_EQ(db_count, n);		/* disarmed */
	GUEST_DONE();
}

/*
 * DR0-2 and DR7 set, then 4 SYNCs: the host's breakpoint on its own
 * variable (in whichever slot perf chose) must see the host's writes while
 * hv loads these around every entry.  None of them is that variable: a
 * DR0-3 left with the guest's value after HV_RUN loses the host's writes.
 */
static void guest_arms_breakpoints(void)
{
	int round;

	set_dr(0, (uint64_t)&watched);
	set_dr(1, (uint64_t)bp_target);
	set_dr(2, (uint64_t)bp_target2);
	set_dr(7, DR7_FIXED | DR7_L(0) | DR7_WRITE4(0) | DR7_L(1) | DR7_L(2));
	for (round = 0; round < 4; round++)
		GUEST_SYNC(round);
	GUEST_DONE();
}

/* A perf hardware breakpoint on writes to host_watched by this thread. */
static int host_watch(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&host_watched,
		.bp_len = HW_BREAKPOINT_LEN_4,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	int fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);

	TEST_ASSERT(fd >= 0, "perf_event_open of a hardware breakpoint: %s", strerror(errno));
	return fd;
}

static uint64_t host_watch_count(int fd)
{
	uint64_t count = 0;

	TEST_ASSERT(read(fd, &count, sizeof(count)) == sizeof(count), "read of the perf counter");
	return count;
}

/*
 * Runs @guest.  Without @host_fd (-1), the vCPU thread moves to another
 * CPU at each SYNC.  With it, the thread stays on one CPU (a migration
 * would reinstall the host's breakpoint by itself), writes its own
 * watched variable at each SYNC, and the perf counter must see every
 * write: only hv can have put the host's DR0-3 back.
 */
static void run_breakpoint_guest(void *guest, int host_fd)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest);
	uint64_t writes = 0, before = host_fd >= 0 ? host_watch_count(host_fd) : 0;
	struct ucall uc;
	int round = 0;

	if (host_fd >= 0)
		pin_to_cpu(0);
	while (vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC) {
		TEST_ASSERT(uc.args[0] == (uint64_t)round, "SYNC %llu, expected %d",
			    (unsigned long long)uc.args[0], round);
		round++;
		if (host_fd < 0) {
			pin_to_cpu(round % ncpus);
		} else {
			host_watched = round;
			writes++;
			TEST_ASSERT(host_watch_count(host_fd) == before + writes,
				    "the host's breakpoint counted %llu of %llu writes after HV_RUN",
				    (unsigned long long)(host_watch_count(host_fd) - before),
				    (unsigned long long)writes);
		}
	}
	TEST_ASSERT(uc.cmd == UCALL_DONE && round == 4, "guest ended with %s after %d rounds",
		    ucall_name(uc.cmd), round);
	vm_destroy(vm);
}

/*
 * QEMU 7.2's TCG loads DR7 at VMRUN and #VMEXIT by assignment
 * (helper_vmrun() sets env->dr[7]), not through cpu_x86_update_dr7(), so
 * its breakpoint bookkeeping falls out of step with DR7: a guest's
 * breakpoints never fire, and with the host's perf breakpoint armed too
 * QEMU itself crashed (SIGSEGV) in this test.
 */
static void skip_if_qemu_svm(void)
{
	if (hv_check_cap(HV_CAP_VENDOR) == HV_VENDOR_SVM && host_is_qemu_tcg())
		TEST_SKIP("QEMU's TCG SVM loads DR7 at VMRUN and #VMEXIT without arming breakpoints");
}

static void test_hw_breakpoints(void)
{
	skip_if_qemu_svm();
	run_breakpoint_guest(guest_hw_breakpoints, -1);
}

static void test_host_breakpoints(void)
{
	int fd;

	skip_if_qemu_svm();
	fd = host_watch();
	run_breakpoint_guest(guest_arms_breakpoints, fd);
	close(fd);
}

static const struct hv_test tests[] = {
	{ "single_step_over_emulated_insns", test_single_step, 0 },
	{ "hw_breakpoints_fire", test_hw_breakpoints, 0 },
	{ "host_breakpoints_survive", test_host_breakpoints, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
