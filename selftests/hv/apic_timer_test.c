// SPDX-License-Identifier: GPL-2.0
/*
 * apic_timer_test: the in-kernel local APIC's timer (HV_CAP_LAPIC) in
 * one-shot, periodic and TSC-deadline modes, its divide configuration and
 * mask, its state through HV_GET_LAPIC/HV_SET_LAPIC, and HLT waiting in the
 * kernel: woken by the timer (a signal in between: EINTR, HALTED), by an MSI
 * from another thread only when the vector is above PPR, never with IF = 0.
 * apic_test has the registers, IPIs and ioctls, smp_test the cases with
 * several vCPUs.
 *
 * Time is the guest TSC at the rate host_tsc_khz() measured (guest_tsc_khz);
 * the timer counts a 1 GHz bus clock.  The testbed is an emulator (QEMU's
 * TCG with nested SVM, Bochs for VMX): windows are tens of milliseconds and
 * the bounds wide: a tick rate within a factor of 2 to 5 of nominal, never
 * an interrupt before its time (a little slack for the TSC calibration).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "apic.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define wait_irqs(n, ms)	guest_wait_count(&guest_irq_n, n, ms)
#define prompt_irqs(n)		guest_prompt_count(&guest_irq_n, n)

/* ---- the timer ----------------------------------------------------------------------- */

#define ONESHOT_NS	20000000u		/* 20 ms */

static void guest_oneshot(void)
{
	uint64_t t0;
	uint32_t c1, c2;

	guest_install_handler(0x50, guest_irq_log_eoi);
	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | 0x50);
	t0 = rdtsc();
	xapic_write(APIC_TMICT, ONESHOT_NS);
	c1 = xapic_read(APIC_TMCCT);
	guest_delay_ms(1);
	c2 = xapic_read(APIC_TMCCT);
	GUEST_ASSERT(c1 > 0 && c1 <= ONESHOT_NS);
	GUEST_ASSERT(c2 < c1);
	sti();
	wait_irqs(1, 2000);
	guest_delay_ms(30);				/* a one-shot fires once */
	cli();
	GUEST_SYNC_ARGS(1, guest_irq_n, guest_tsc_to_us(guest_irq_tsc - t0), xapic_read(APIC_TMCCT));
	/* initial count 0 stops a running count */
	xapic_write(APIC_TMICT, ONESHOT_NS);
	xapic_write(APIC_TMICT, 0);
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	sti();
	guest_delay_ms(30);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 1);
	GUEST_DONE();
}

static void test_timer_oneshot(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_oneshot);
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "no report");
	ktap_print_msg("one-shot of 20 ms: %llu interrupt(s), the first after %llu us\n",
		       (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	TEST_ASSERT(uc.args[1] == 1, "%llu interrupts from a one-shot", (unsigned long long)uc.args[1]);
	TEST_ASSERT(uc.args[2] >= 18000 && uc.args[2] <= 2000000,
		    "a 20 ms one-shot fired after %llu us", (unsigned long long)uc.args[2]);
	TEST_ASSERT(uc.args[3] == 0, "current count %llu after the expiry", (unsigned long long)uc.args[3]);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/* Periodic interrupts counted over @ms of TSC, then stopped: 2 x 32-bit in one value. */
static uint64_t periodic_window(uint32_t tdcr, uint32_t count, uint64_t ms)
{
	uint32_t n0 = guest_irq_n, n, after;

	xapic_write(APIC_TDCR, tdcr);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x51);
	xapic_write(APIC_TMICT, count);
	sti();
	guest_delay_ms(ms);
	cli();
	GUEST_ASSERT(xapic_read(APIC_TMCCT) <= count);
	n = guest_irq_n - n0;
	xapic_write(APIC_TMICT, 0);
	sti();
	guest_delay_ms(1);
	after = guest_irq_n;
	guest_delay_ms(10);
	cli();
	return n | (uint64_t)(guest_irq_n - after) << 32;
}

static void guest_periodic(void)
{
	uint64_t a, b;

	guest_install_handler(0x51, guest_irq_log_eoi);
	xapic_enable();
	a = periodic_window(APIC_TDCR_DIV1, 1000000, 50);	/* 1 ms over 50 ms */
	b = periodic_window(APIC_TDCR_DIV16, 125000, 40);	/* 2 ms over 40 ms */
	GUEST_SYNC_ARGS(1, a, b, 0);
	GUEST_DONE();
}

static void test_timer_periodic(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_periodic);
	uint32_t n1, s1, n2, s2;
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "no report");
	n1 = (uint32_t)uc.args[1];
	s1 = uc.args[1] >> 32;
	n2 = (uint32_t)uc.args[2];
	s2 = uc.args[2] >> 32;
	ktap_print_msg("periodic 1 ms (div 1) over 50 ms: %u ticks; 2 ms (div 16) over 40 ms: %u ticks\n",
		       n1, n2);
	TEST_ASSERT(n1 >= 10 && n1 <= 100, "1 ms periodic timer: %u ticks in 50 ms", n1);
	TEST_ASSERT(n2 >= 5 && n2 <= 40, "2 ms periodic timer (divide by 16): %u ticks in 40 ms", n2);
	TEST_ASSERT(!s1 && !s2, "ticks after the initial count was set to 0: %u, %u", s1, s2);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/*
 * The count's rate against the TSC for each divide value: (counts x divisor)
 * per ns, in thousandths, from two reads of the current count 5 ms apart,
 * each bracketed by RDTSC (retried when a read took long: preemption).
 */
static const uint32_t div_tdcr[4] = { APIC_TDCR_DIV1, APIC_TDCR_DIV2, APIC_TDCR_DIV16, APIC_TDCR_DIV128 };
static const uint32_t div_val[4] = { 1, 2, 16, 128 };

static void guest_divide(void)
{
	uint64_t a0, a1, b0, b1, ns, lim = guest_tsc_khz / 2;	/* 0.5 ms */
	uint32_t i, c0, c1, try;

	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_MASKED | 0x52);
	for (i = 0; i < 4; i++) {
		xapic_write(APIC_TDCR, div_tdcr[i]);
		GUEST_ASSERT_EQ(xapic_read(APIC_TDCR), div_tdcr[i]);
		xapic_write(APIC_TMICT, 0xffffffff);
		for (try = 0; try < 8; try++) {
			a0 = rdtsc();
			c0 = xapic_read(APIC_TMCCT);
			a1 = rdtsc();
			guest_delay_ms(5);
			b0 = rdtsc();
			c1 = xapic_read(APIC_TMCCT);
			b1 = rdtsc();
			if (a1 - a0 < lim && b1 - b0 < lim)
				break;
		}
		ns = ((b0 + b1) / 2 - (a0 + a1) / 2) * 1000000 / guest_tsc_khz;
		GUEST_ASSERT(c1 < c0);
		GUEST_SYNC_ARGS(i, div_val[i], (uint64_t)(c0 - c1) * div_val[i] * 1000 / ns, ns);
		xapic_write(APIC_TMICT, 0);
	}
	GUEST_DONE();
}

static void test_timer_divide(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_divide);
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == i, "no report %u", i);
		ktap_print_msg("divide by %llu: count x divisor / ns = %llu/1000 over %llu us\n",
			       (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
			       (unsigned long long)uc.args[3] / 1000);
		TEST_ASSERT(uc.args[2] >= 700 && uc.args[2] <= 1400,
			    "divide by %llu: the count runs at %llu/1000 of 1 GHz / divisor",
			    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	}
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void guest_masked(void)
{
	uint32_t n;

	guest_install_handler(0x53, guest_irq_log_eoi);
	xapic_write(APIC_LVTT, 0x53);			/* software-disabled: stays masked */
	GUEST_ASSERT_EQ(xapic_read(APIC_LVTT), APIC_LVT_MASKED | 0x53);
	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_MASKED | 0x53);
	xapic_write(APIC_TMICT, 100000);		/* 100 us */
	sti();
	guest_delay_ms(5);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 0);
	GUEST_ASSERT(!xapic_vec_test(APIC_IRR, 0x53));
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);	/* the count ran out all the same */
	xapic_write(APIC_LVTT, 0x53);			/* unmasked after the expiry: no replay */
	sti();
	guest_delay_ms(5);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 0);
	xapic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x53);
	xapic_write(APIC_TMICT, 1000000);
	sti();
	guest_delay_ms(10);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 0);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x53);	/* the running count goes on */
	sti();
	guest_delay_ms(10);
	cli();
	GUEST_ASSERT(guest_irq_n >= 1);
	xapic_write(APIC_SPIV, 0xff);			/* software disable masks every LVT */
	GUEST_ASSERT_EQ(xapic_read(APIC_LVTT) & APIC_LVT_MASKED, APIC_LVT_MASKED);
	n = guest_irq_n;
	sti();
	guest_delay_ms(10);
	cli();
	GUEST_ASSERT(guest_irq_n <= n + 1);			/* one may have been requested already */
	xapic_write(APIC_TMICT, 0);
	GUEST_DONE();
}

static void test_timer_masked(void)
{
	struct vm *vm = vm_create_lapic(0);

	vcpu_expect_done(vm_vcpu_add(vm, 0, guest_masked));
	vm_destroy(vm);
}

static void guest_tsc_deadline(void)
{
	uint64_t ms = guest_tsc_khz, dl;
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & CPUID_1_ECX_TSC_DEADLINE);
	guest_install_handler(0x54, guest_irq_log_eoi);
	xapic_enable();
	/* outside TSC-deadline mode the MSR reads 0 and ignores writes */
	xapic_write(APIC_LVTT, 0x54);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + ms);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	sti();
	guest_delay_ms(3);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 0);

	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x54);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	sti();
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() - ms);	/* passed: fires at once */
	GUEST_ASSERT(wait_irqs(1, 200));
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);	/* and disarms */

	dl = rdtsc() + 5 * ms;
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), dl);
	GUEST_ASSERT(wait_irqs(2, 2000));
	GUEST_ASSERT(guest_irq_tsc + ms / 2 >= dl);		/* not before (0.5 ms slack) */
	GUEST_SYNC_ARGS(1, guest_tsc_to_us(guest_irq_tsc - (dl - 5 * ms)), 0, 0);

	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 5 * ms);	/* 0 disarms */
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	guest_delay_ms(15);
	GUEST_ASSERT_EQ(guest_irq_n, 2);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	xapic_write(APIC_TMICT, 1000);			/* the initial count is ignored */
	GUEST_ASSERT_EQ(xapic_read(APIC_TMICT), 0);
	guest_delay_ms(2);
	GUEST_ASSERT_EQ(guest_irq_n, 2);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 5 * ms);	/* leaving the mode disarms */
	xapic_write(APIC_LVTT, 0x54);
	guest_delay_ms(15);
	cli();
	GUEST_ASSERT_EQ(guest_irq_n, 2);
	GUEST_DONE();
}

static void test_timer_tsc_deadline(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_deadline);
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "no report");
	ktap_print_msg("TSC deadline 5 ms ahead fired after %llu us\n", (unsigned long long)uc.args[1]);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

#define RT_TMICT	0x10000000u
#define RT_LEFT_NS	50000000u		/* what HV_SET_LAPIC restores: 50 ms */

static void guest_round_trip(void)
{
	guest_install_handler(0x57, guest_irq_log_eoi);
	guest_install_handler(0x77, guest_irq_log_eoi);
	xapic_enable();
	xapic_write(APIC_TASKPRI, 0x30);
	xapic_write(APIC_TDCR, APIC_TDCR_DIV16);
	xapic_write(APIC_LVTT, 0x57);
	xapic_write(APIC_TMICT, RT_TMICT);		/* 4.3 s */
	xapic_write(APIC_LVT1, APIC_DM_NMI);
	xapic_write(APIC_LVTERR, 0x4e);
	xapic_write(APIC_DFR, 0x0fffffff);
	xapic_write(APIC_LDR, 0x04000000);
	GUEST_SYNC(1);
	xapic_write(APIC_TASKPRI, 0);
	xapic_write(APIC_TMICT, 0);
	xapic_write(APIC_LVTT, APIC_LVT_MASKED);
	xapic_write(APIC_TDCR, 0);
	xapic_write(APIC_LVT1, APIC_LVT_MASKED);
	xapic_write(APIC_LVTERR, APIC_LVT_MASKED);
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 0);
	GUEST_SYNC(2);					/* the host restores the state of SYNC 1 */
	GUEST_ASSERT_EQ(xapic_read(APIC_TASKPRI), 0x30);
	GUEST_ASSERT_EQ(xapic_read(APIC_TDCR), APIC_TDCR_DIV16);
	GUEST_ASSERT_EQ(xapic_read(APIC_LVTT), 0x57);
	GUEST_ASSERT_EQ(xapic_read(APIC_TMICT), RT_TMICT);
	GUEST_ASSERT_EQ(xapic_read(APIC_LVT1), APIC_DM_NMI);
	GUEST_ASSERT_EQ(xapic_read(APIC_LVTERR), 0x4e);
	GUEST_ASSERT_EQ(xapic_read(APIC_DFR), 0x0fffffff);
	GUEST_ASSERT_EQ(xapic_read(APIC_LDR), 0x04000000);
	GUEST_ASSERT(xapic_vec_test(APIC_IRR, 0x77));
	sti();
	GUEST_ASSERT(prompt_irqs(1));		/* IRR set by HV_SET_LAPIC */
	GUEST_ASSERT_EQ(guest_irq_log[0], 0x77);
	GUEST_ASSERT(wait_irqs(2, 2000));		/* the timer, 50 ms left as restored */
	cli();
	GUEST_ASSERT_EQ(guest_irq_log[1], 0x57);
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	GUEST_DONE();
}

static void test_lapic_round_trip(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_round_trip);
	struct hv_lapic_state s1, s2, s3;
	unsigned int i;

	vcpu_expect_sync(vcpu, 1);
	vcpu_get_lapic(vcpu, &s1);
#define R(off) s1.regs[(off) >> 4]
	TEST_ASSERT(R(APIC_TASKPRI) == 0x30 && R(APIC_PROCPRI) == 0x30 && R(APIC_TDCR) == 3 &&
		    R(APIC_LVTT) == 0x57 && R(APIC_TMICT) == RT_TMICT && R(APIC_LVT1) == APIC_DM_NMI &&
		    R(APIC_LVTERR) == 0x4e && R(APIC_DFR) == 0x0fffffff && R(APIC_LDR) == 0x04000000 &&
		    R(APIC_SPIV) == 0x1ff && R(APIC_LVR) == APIC_VERSION_HV,
		    "HV_GET_LAPIC: TPR %#x PPR %#x TDCR %#x LVTT %#x TMICT %#x LVT1 %#x LVTERR %#x DFR %#x LDR %#x SVR %#x",
		    R(APIC_TASKPRI), R(APIC_PROCPRI), R(APIC_TDCR), R(APIC_LVTT), R(APIC_TMICT),
		    R(APIC_LVT1), R(APIC_LVTERR), R(APIC_DFR), R(APIC_LDR), R(APIC_SPIV));
	TEST_ASSERT(R(APIC_TMCCT) > 0 && R(APIC_TMCCT) <= RT_TMICT && s1.timer_remaining_ns > 0 &&
		    s1.timer_remaining_ns <= (uint64_t)RT_TMICT * 16 && !s1.tsc_deadline,
		    "timer: current count %#x, remaining %llu ns, deadline %llu", R(APIC_TMCCT),
		    (unsigned long long)s1.timer_remaining_ns, (unsigned long long)s1.tsc_deadline);
#undef R
	vcpu_expect_sync(vcpu, 2);
	vcpu_get_lapic(vcpu, &s2);
	TEST_ASSERT(!s2.timer_remaining_ns && !s2.regs[APIC_TMICT >> 4] && !s2.regs[APIC_TASKPRI >> 4],
		    "after the guest's changes: remaining %llu, TMICT %#x, TPR %#x",
		    (unsigned long long)s2.timer_remaining_ns, s2.regs[APIC_TMICT >> 4],
		    s2.regs[APIC_TASKPRI >> 4]);
	s1.regs[(APIC_IRR >> 4) + 0x77 / 32] |= 1u << (0x77 % 32);
	s1.timer_remaining_ns = RT_LEFT_NS;
	vcpu_set_lapic(vcpu, &s1);
	vcpu_get_lapic(vcpu, &s3);
	for (i = 0; i < HV_LAPIC_NR_REGS; i++) {
		if (i == APIC_TMCCT >> 4 || i == APIC_ARBPRI >> 4)
			continue;
		TEST_ASSERT(s3.regs[i] == s1.regs[i], "register %#x: set %#x, got %#x", i << 4,
			    s1.regs[i], s3.regs[i]);
	}
	TEST_ASSERT(s3.timer_remaining_ns > 0 && s3.timer_remaining_ns <= RT_LEFT_NS &&
		    s3.apic_base == s1.apic_base,
		    "after the set: remaining %llu ns, apic_base %#llx",
		    (unsigned long long)s3.timer_remaining_ns, (unsigned long long)s3.apic_base);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

#define HLT_TIMER_MS	500

static void guest_hlt_timer(void)
{
	uint64_t t0;

	guest_install_handler(0x58, guest_irq_log_eoi);
	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, 0x58);
	GUEST_SYNC(1);
	t0 = rdtsc();
	xapic_write(APIC_TMICT, HLT_TIMER_MS * 1000000u);
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	GUEST_SYNC_ARGS(2, guest_irq_n, guest_irq_log[0], guest_tsc_to_us(rdtsc() - t0));
	GUEST_DONE();
}

struct kicker {
	pthread_t target;
	atomic_int stop;
};

/* Signals @target every 10 ms, the first time after 100 ms, until told to stop. */
static void *kick_after(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	ts.tv_nsec = 10 * 1000 * 1000;
	while (!atomic_load(&k->stop)) {
		pthread_kill(k->target, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void sig_nop(int sig)
{
	(void)sig;
}

/*
 * HLT waits in the kernel; a signal ends HV_RUN with EINTR and leaves the
 * vCPU HALTED; the next HV_RUN waits on until the timer wakes it.
 */
static void test_hlt_timer(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hlt_timer);
	struct kicker k = { .target = pthread_self() };
	struct sigaction sa;
	struct ucall uc;
	pthread_t th;
	int r, err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	TEST_ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(pthread_create(&th, NULL, kick_after, &k) == 0, "pthread_create");
	r = __vcpu_run(vcpu);
	err = errno;
	atomic_store(&k.stop, 1);
	pthread_join(th, NULL);
	errno = err;
	TEST_ASSERT(r == -1 && err == EINTR, "HV_RUN in HLT returned %d, expected EINTR", r);
	vcpu_assert_exit(vcpu, HV_EXIT_INTR);
	TEST_ASSERT(vcpu_get_mp_state(vcpu) == HV_MP_STATE_HALTED, "after EINTR in HLT: %s",
		    mp_state_str(vcpu_get_mp_state(vcpu)));
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2, "no report");
	ktap_print_msg("HLT woken by a %u ms one-shot after %llu us\n", HLT_TIMER_MS,
		       (unsigned long long)uc.args[3]);
	TEST_ASSERT(uc.args[1] == 1 && uc.args[2] == 0x58, "%llu interrupts (first %#llx) at the wake-up",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	TEST_ASSERT(uc.args[3] >= HLT_TIMER_MS * 900, "HLT ended after %llu us, before the timer",
		    (unsigned long long)uc.args[3]);
	TEST_ASSERT(vcpu_get_mp_state(vcpu) == HV_MP_STATE_RUNNABLE, "after the wake-up: %s",
		    mp_state_str(vcpu_get_mp_state(vcpu)));
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#define RUN_MS		60000		/* per vCPU thread ucall */

/* A vector at or below PPR does not end HLT; one above does. */
static void guest_hlt_ppr(void)
{
	uint64_t t0;

	guest_install_handler(0x45, guest_irq_log_eoi);
	guest_install_handler(0x65, guest_irq_log_eoi);
	xapic_enable();
	xapic_write(APIC_TASKPRI, 0x50);
	GUEST_SYNC(1);
	t0 = rdtsc();
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	GUEST_SYNC_ARGS(2, guest_irq_n, guest_irq_log[0], guest_tsc_to_us(rdtsc() - t0));
	xapic_write(APIC_TASKPRI, 0);
	sti();
	guest_prompt_count(&guest_irq_n, 2);
	cli();
	GUEST_SYNC_ARGS(3, guest_irq_n, guest_irq_log[1], 0);
	GUEST_DONE();
}

static void test_msi_wakes_hlt_above_ppr(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu_thread t;
	struct ucall uc;

	vcpu_thread_start(&t, vm_vcpu_add(vm, 0, guest_hlt_ppr));
	vcpu_thread_expect_sync(&t, 1, NULL, RUN_MS);
	sleep_ms(50);
	TEST_ASSERT(vm_signal_msi(vm, MSI_ADDR(0), 0x45) == 1, "MSI 0x45 not accepted");
	sleep_ms(100);
	TEST_ASSERT(!vcpu_thread_has_news(&t), "HLT ended for vector 0x45 with TPR 0x50");
	TEST_ASSERT(vm_signal_msi(vm, MSI_ADDR(0), 0x65) == 1, "MSI 0x65 not accepted");
	vcpu_thread_expect_sync(&t, 2, &uc, RUN_MS);
	ktap_print_msg("HLT woken by the MSI after %llu us\n", (unsigned long long)uc.args[3]);
	TEST_ASSERT(uc.args[1] == 1 && uc.args[2] == 0x65, "at the wake-up: %llu interrupts, first %#llx",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	TEST_ASSERT(uc.args[3] >= 100000, "HLT lasted only %llu us", (unsigned long long)uc.args[3]);
	vcpu_thread_expect_sync(&t, 3, &uc, RUN_MS);
	TEST_ASSERT(uc.args[1] == 2 && uc.args[2] == 0x45, "TPR 0: %llu interrupts, second %#llx",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	vcpu_thread_expect_done(&t, RUN_MS);
	vm_destroy(vm);
}

static void guest_hlt_if0(void)
{
	guest_install_handler(0x60, guest_irq_log_eoi);
	xapic_enable();
	GUEST_SYNC(1);
	hlt();						/* IF = 0 */
	GUEST_SYNC_ARGS(2, guest_irq_n, 0, 0);
	sti();
	guest_prompt_count(&guest_irq_n, 1);
	cli();
	GUEST_SYNC_ARGS(3, guest_irq_n, guest_irq_log[0], 0);
	GUEST_DONE();
}

/*
 * HLT with IF = 0 is not ended by a pending interrupt; a signal ends HV_RUN
 * (EINTR) with the vCPU still HALTED; HV_SET_MP_STATE(RUNNABLE) resumes it
 * after the HLT, and the interrupt waits for its STI.
 */
static void test_hlt_if0(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hlt_if0);
	struct vcpu_thread t;
	struct ucall uc;

	vcpu_thread_start(&t, vcpu);
	vcpu_thread_expect_sync(&t, 1, NULL, RUN_MS);
	sleep_ms(30);
	TEST_ASSERT(vm_signal_msi(vm, MSI_ADDR(0), 0x60) == 1, "MSI not accepted");
	sleep_ms(100);
	TEST_ASSERT(!vcpu_thread_has_news(&t), "HLT with IF = 0 ended for a fixed interrupt");
	TEST_ASSERT(vcpu_thread_stop(&t, 10000), "the vCPU finished instead of waiting in HLT");
	TEST_ASSERT(vcpu_get_mp_state(vcpu) == HV_MP_STATE_HALTED, "after EINTR: %s",
		    mp_state_str(vcpu_get_mp_state(vcpu)));
	vcpu_set_mp_state(vcpu, HV_MP_STATE_RUNNABLE);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2, "no report");
	TEST_ASSERT(uc.args[1] == 0, "interrupt taken with IF = 0");
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 3, "no report");
	TEST_ASSERT(uc.args[1] == 1 && uc.args[2] == 0x60, "after STI: %llu interrupts, %#llx",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "timer_oneshot", test_timer_oneshot, 0 },
	{ "timer_periodic", test_timer_periodic, 0 },
	{ "timer_divide_config", test_timer_divide, 0 },
	{ "timer_masked", test_timer_masked, 0 },
	{ "timer_tsc_deadline", test_timer_tsc_deadline, 0 },
	{ "lapic_state_round_trip", test_lapic_round_trip, 0 },
	{ "hlt_eintr_then_timer_wakes", test_hlt_timer, 0 },
	{ "msi_wakes_hlt_above_ppr", test_msi_wakes_hlt_above_ppr, 0 },
	{ "hlt_if0_stays_halted", test_hlt_if0, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
