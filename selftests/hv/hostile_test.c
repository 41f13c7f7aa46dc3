// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_test: guests that do their worst, each next to a witness VM
 * whose own vCPU thread must keep making progress (the host stays
 * responsive and only the hostile VM is hurt).
 *
 *   idt_not_present_shutdown    IDT on a non-present page, then a fault:
 *                               #PF, #DF, triple fault; HV_EXIT_SHUTDOWN
 *   fault_handlers_not_present  #UD, #PF and #DF gates point at unmapped
 *                               code: the same end through the handlers
 *   exception_loop              a #UD handler that returns to the faulting
 *                               UD2: exceptions forever without an exit of
 *                               the guest's own; only the host's signal
 *                               ends HV_RUN
 *   interrupt_window_spin       IF=1 in a PAUSE loop while the VMM asks
 *                               for the interrupt window and never injects:
 *                               an exit per entry
 *   interrupt_storm             3000 self-IPIs as fast as the guest can send
 *                               them, and MSIs from a host thread, into a
 *                               handler that EOIs each (local APIC)
 *   wild_port_and_mmio          IN/OUT of every size to pseudo-random ports
 *                               and loads/stores at unbacked GPAs across
 *                               the address space (APIC and I/O APIC pages
 *                               too), each completed with data
 *   control_register_combinations  CR0 bit pairs, every CR4 bit, every EFER
 *                               bit: #GP or taken, never a dead VM, what
 *                               was taken reads back and can be undone
 *   msr_index_sweep             RDMSR of every index in the architectural,
 *                               hypervisor and AMD ranges, each read value
 *                               written back
 */
#include <errno.h>
#include <setjmp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

/* ---- the witness ----------------------------------------------------------------- */

static void guest_witness(void)
{
	uint64_t n = 0;

	for (;;)
		if (!(++n & 0x3fff))
			outb(0x80, n >> 14);
}

/*
 * The witness's thread reports an exit it should not have (stopped, with
 * the reason and whether it has the signature of QEMU's nested-SVM defect)
 * instead of failing the point itself: the test's thread decides, and only
 * it can start a case over (hostile_witness_check()).
 */
struct witness {
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t thread;
	atomic_ulong exits;
	atomic_bool stop;
	atomic_bool stopped;		/* by an exit other than its OUTs and signals */
	uint32_t stop_reason;		/* written before stopped is set */
	bool stop_is_defect;		/* the same */
};

static void on_signal(int sig)
{
	(void)sig;
}

static void *witness_run(void *arg)
{
	struct witness *w = arg;
	sigset_t alrm;

	/* The test's itimer (SIGALRM) is for its own vCPU's HV_RUN, not this one's. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);

	while (!atomic_load(&w->stop)) {
		if (__vcpu_run(w->vcpu) < 0) {
			TEST_ASSERT(errno == EINTR, "the witness's HV_RUN: %s", strerror(errno));
			continue;
		}
		if (w->vcpu->run->exit_reason != HV_EXIT_IO &&
		    w->vcpu->run->exit_reason != HV_EXIT_INTR) {
			ktap_print_msg("the witness exited with %s:\n",
				       exit_reason_str(w->vcpu->run->exit_reason));
			vcpu_dump_exit(w->vcpu);
			w->stop_reason = w->vcpu->run->exit_reason;
			w->stop_is_defect = host_is_qemu_tcg() &&
					    vcpu_exit_is_emulator_defect(w->vcpu);
			atomic_store(&w->stopped, true);
			break;
		}
		atomic_fetch_add(&w->exits, 1);
	}
	return NULL;
}

static void witness_start(struct witness *w)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	memset(w, 0, sizeof(*w));
	w->vm = vm_create(0);
	w->vcpu = vm_vcpu_add(w->vm, 0, guest_witness);
	pthread_create(&w->thread, NULL, witness_run, w);
}

static void witness_stop(struct witness *w)
{
	atomic_store(&w->stop, true);
	while (pthread_tryjoin_np(w->thread, NULL) == EBUSY) {
		pthread_kill(w->thread, SIGUSR1);
		usleep(1000);
	}
	vm_destroy(w->vm);
}

/* A hostile VM (@vm, or a plain one) running @guest, next to a fresh witness. */
struct hostile {
	struct witness w;
	struct vm *vm;
	struct vcpu *vcpu;
};

static void hostile_begin(struct hostile *h, struct vm *vm, void *guest)
{
	witness_start(&h->w);
	h->vm = vm ? vm : vm_create(0);
	h->vcpu = vm_vcpu_add(h->vm, 0, guest);
}


/*
 * QEMU's nested-SVM defect (docs/testing.md, "stress_test") stops a busy
 * guest now and then with a triple fault or an internal error that these
 * guests cannot cause (they never touch their IDT or page tables in the
 * cases that check it), and two busy VMs side by side are what it needs.
 * After an unexpected exit, a case calls hostile_check_defect(): on QEMU,
 * with the defect's signature, the case starts over once from its
 * sigsetjmp(), saying so; a second hit, or any other exit, fails it. The
 * witness can be hit too (seen once, an internal error during the
 * interrupt storm on the debug kernel): hostile_witness_check() does the
 * same for it, from the test's thread.
 */
static sigjmp_buf defect_retry;
static bool defect_retried;

static void hostile_check_defect(struct hostile *h)
{
	if (defect_retried || !host_is_qemu_tcg() || !vcpu_exit_is_emulator_defect(h->vcpu))
		return;
	defect_retried = true;
	ktap_print_msg("the guest stopped with the signature of QEMU's nested-SVM defect: once more\n");
	vm_destroy(h->vm);
	witness_stop(&h->w);
	siglongjmp(defect_retry, 1);
}

/*
 * The witness stopped: with the defect's signature, on QEMU, the case
 * starts over once (as for the hostile VM); otherwise the point fails.
 */
static void hostile_witness_check(struct hostile *h, const char *after)
{
	if (!atomic_load(&h->w.stopped))
		return;
	if (h->w.stop_is_defect && !defect_retried) {
		defect_retried = true;
		ktap_print_msg("the witness stopped with the signature of QEMU's nested-SVM defect: once more\n");
		vm_destroy(h->vm);
		witness_stop(&h->w);
		siglongjmp(defect_retry, 1);
	}
	TEST_FAIL("the VM beside it stopped with %s after %s", exit_reason_str(h->w.stop_reason),
		  after);
}

/* The witness goes on: a few more exits of its own within a generous bound. */
static void witness_expect_progress(struct hostile *h, const char *after)
{
	unsigned long start = atomic_load(&h->w.exits);
	unsigned int waited_ms = 0;

	while (atomic_load(&h->w.exits) < start + 3) {
		hostile_witness_check(h, after);
		TEST_ASSERT(waited_ms < 60000, "the VM beside it made no progress after %s", after);
		usleep(10000);
		waited_ms += 10;
	}
}

/* The witness still runs after what the hostile VM did (@after says what); both go. */
static void hostile_end(struct hostile *h, const char *after)
{
	witness_expect_progress(h, after);
	vm_destroy(h->vm);
	witness_stop(&h->w);
}

/* HV_RUN with an itimer of @ms: returns the ioctl's result (EINTR when the timer ended it). */
static int run_for_ms(struct vcpu *vcpu, unsigned int ms)
{
	struct itimerval t = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } }, off = { 0 };
	int r;

	setitimer(ITIMER_REAL, &t, NULL);
	r = __vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

/* ---- triple faults --------------------------------------------------------------- */

#define UNMAPPED_GVA	0x00007ff000000000ULL

static void guest_idt_not_present(void)
{
	struct desc_ptr idt = { .limit = 0xfff, .base = UNMAPPED_GVA };

	lidt(&idt);
	__asm__ volatile("ud2");
	GUEST_ASSERT(0);
}

/* Points IDT gate @vec's handler at @target (a 64-bit interrupt gate keeps its other fields). */
static void set_gate_target(unsigned int vec, uint64_t target)
{
	struct desc_ptr idt;
	uint16_t *g;

	__asm__ volatile("sidt %0" : "=m"(idt));
	g = (uint16_t *)(idt.base + vec * 16);
	g[0] = target;
	g[3] = target >> 16;
	*(uint32_t *)&g[4] = target >> 32;
}

static void guest_handlers_not_present(void)
{
	set_gate_target(UD_VECTOR, UNMAPPED_GVA);
	set_gate_target(PF_VECTOR, UNMAPPED_GVA + 0x1000);
	set_gate_target(8, UNMAPPED_GVA + 0x2000);	/* #DF */
	__asm__ volatile("ud2");
	GUEST_ASSERT(0);
}

static void expect_shutdown(void *guest)
{
	struct hostile h;

	hostile_begin(&h, NULL, guest);
	vcpu_run(h.vcpu);
	vcpu_assert_exit(h.vcpu, HV_EXIT_SHUTDOWN);
	/* A dead guest stays dead: running it again ends the same way or is refused. */
	if (__vcpu_run(h.vcpu) == 0)
		vcpu_assert_exit(h.vcpu, HV_EXIT_SHUTDOWN);
	hostile_end(&h, "a triple fault");
}

static void test_idt_not_present(void)
{
	expect_shutdown(guest_idt_not_present);
}

static void test_handlers_not_present(void)
{
	expect_shutdown(guest_handlers_not_present);
}

/*
 * The last ucall of @vcpu, @uc, must be @cmd (DONE): otherwise the exit or
 * the guest's report is printed and the case fails.
 */
static void expect_last_ucall(struct vcpu *vcpu, struct ucall *uc, uint64_t cmd)
{
	uint64_t got = vcpu_get_ucall(vcpu, uc);

	if (got == UCALL_NONE)
		vcpu_dump_exit(vcpu);
	else if (got != cmd)
		ucall_print(vcpu, uc);
	TEST_ASSERT(got == cmd, "the guest ended with %s", ucall_name(got));
}

/* ---- loops without exits, and exits without end ------------------------------------ */

static void guest_retry(struct ex_regs *regs)
{
	(void)regs;	/* back to the same faulting instruction */
}

static void guest_exception_loop(void)
{
	guest_install_handler(UD_VECTOR, guest_retry);
	__asm__ volatile("ud2");	/* #UD, forever: not intercepted, no exit */
	GUEST_ASSERT(0);
}

static void test_exception_loop(void)
{
	struct hostile h;
	int i;

	(void)sigsetjmp(defect_retry, 0);
	hostile_begin(&h, NULL, guest_exception_loop);
	for (i = 0; i < 3; i++) {
		/*
		 * Each HV_RUN ends only through the signal (the host's timer
		 * interrupts exit). 100 ms is 25 host ticks or more; under Bochs
		 * it is also about 25 s of wall time, so no longer.
		 */
		if (run_for_ms(h.vcpu, 100) == 0)
			hostile_check_defect(&h);
		TEST_ASSERT(errno == EINTR && h.vcpu->run->exit_reason == HV_EXIT_INTR,
			    "HV_RUN of the exception loop ended with %s",
			    errno == EINTR ? exit_reason_str(h.vcpu->run->exit_reason) : strerror(errno));
		witness_expect_progress(&h, "an exception loop");
	}
	hostile_end(&h, "an exception loop");
}

static void guest_window_spin(void)
{
	sti();
	for (;;)
		cpu_pause();
}

static void test_interrupt_window_spin(void)
{
	unsigned int windows, i;
	struct hostile h;

	(void)sigsetjmp(defect_retry, 0);
	windows = 0;
	hostile_begin(&h, NULL, guest_window_spin);
	for (i = 0; i < 2000; i++) {
		h.vcpu->run->request_interrupt_window = 1;
		if (__vcpu_run(h.vcpu) < 0) {
			TEST_ASSERT(errno == EINTR, "HV_RUN: %s", strerror(errno));
			continue;
		}
		if (h.vcpu->run->exit_reason != HV_EXIT_IRQ_WINDOW)
			hostile_check_defect(&h);
		windows += h.vcpu->run->exit_reason == HV_EXIT_IRQ_WINDOW;
	}
	TEST_ASSERT(windows > 1000, "only %u of 2000 entries exited for the window", windows);
	hostile_end(&h, "2000 interrupt windows");
}

/* ---- interrupt storm ----------------------------------------------------------------- */

#define STORM_VECTOR	0x40
#define STORM_IPIS	3000

static volatile uint32_t storm_taken;

static void guest_storm_handler(struct ex_regs *regs)
{
	(void)regs;
	storm_taken++;
	xapic_eoi();
}

static void guest_interrupt_storm(void)
{
	uint32_t i;

	guest_install_handler(STORM_VECTOR, guest_storm_handler);
	xapic_enable();
	sti();
	for (i = 0; i < STORM_IPIS; i++)
		xapic_send_ipi(0, APIC_DM_FIXED | STORM_VECTOR | (1u << 18));	/* to self */
	/* Every self-IPI and at least some of the host's MSIs were taken (they coalesce in IRR). */
	GUEST_ASSERT(storm_taken > STORM_IPIS / 2);
	GUEST_DONE();
}

struct msi_storm {
	struct vm *vm;
	atomic_bool stop;
	unsigned long sent;
};

static void *msi_storm_run(void *arg)
{
	struct msi_storm *s = arg;

	while (!atomic_load(&s->stop)) {
		__vm_signal_msi(s->vm, MSI_ADDR(0), STORM_VECTOR);
		s->sent++;
	}
	return NULL;
}

static void test_interrupt_storm(void)
{
	static struct msi_storm s;
	struct hostile h;
	struct ucall uc;
	pthread_t t;
	int r;

	(void)sigsetjmp(defect_retry, 0);
	memset(&s, 0, sizeof(s));
	hostile_begin(&h, vm_create_lapic(0), guest_interrupt_storm);
	s.vm = h.vm;
	pthread_create(&t, NULL, msi_storm_run, &s);
	r = __vcpu_run(h.vcpu);
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	TEST_ASSERT(r == 0, "HV_RUN: %s", strerror(errno));
	if (vcpu_get_ucall(h.vcpu, &uc) == UCALL_NONE)
		hostile_check_defect(&h);
	expect_last_ucall(h.vcpu, &uc, UCALL_DONE);
	TEST_ASSERT(s.sent > 0, "the host sent no MSI");
	hostile_end(&h, "an interrupt storm");
}

/* ---- wild I/O -------------------------------------------------------------------- */

#define WILD_ACCESSES	3000

/* Unbacked guest-physical windows, mapped at the same guest-virtual addresses. */
static const uint64_t wild_windows[] = {
	0xc0000000ULL, 0xfec00000ULL, 0xfee00000ULL, 0xfed00000ULL, 0x100000000ULL,
	0x7f00000000ULL,	/* below 2^39: every CPU's physical width reaches it */
};

static void guest_wild_io(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL, v, a;
	unsigned int i;

	uint16_t port;

	for (i = 0; i < WILD_ACCESSES; i++) {
		v = s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		a = wild_windows[(v >> 8) % ARRAY_SIZE(wild_windows)] + ((v >> 16) & 0x3ff8);
		port = v >> 44;
		if (port == UCALL_PORT)		/* the one port the test reads as a ucall */
			port++;
		switch ((v >> 40) % 8) {
		case 0: outb(port, v); break;
		case 1: outw(port, v); break;
		case 2: outl(port, v); break;
		case 3: (void)inb(port); break;
		case 4: (void)inl(port); break;
		case 5: *(volatile uint32_t *)a = v; break;
		case 6: (void)*(volatile uint64_t *)a; break;
		default: (void)*(volatile uint8_t *)a; break;
		}
	}
	GUEST_DONE();
}

static void test_wild_io(void)
{
	unsigned int i, exits;
	struct hostile h;
	struct ucall uc;
	struct hv_run *run;
	struct vm *vm;

	(void)sigsetjmp(defect_retry, 0);
	exits = 0;
	vm = vm_create(0);
	for (i = 0; i < ARRAY_SIZE(wild_windows); i++)
		virt_map(vm, wild_windows[i], wild_windows[i], 0x4000);
	hostile_begin(&h, vm, guest_wild_io);
	run = h.vcpu->run;
	for (;;) {
		vcpu_run(h.vcpu);
		if (vcpu_get_ucall(h.vcpu, &uc) == UCALL_DONE)
			break;
		if (uc.cmd != UCALL_NONE)
			ucall_print(h.vcpu, &uc);
		TEST_ASSERT(uc.cmd == UCALL_NONE, "guest reported %s", ucall_name(uc.cmd));
		if (run->exit_reason != HV_EXIT_IO && run->exit_reason != HV_EXIT_MMIO)
			hostile_check_defect(&h);
		if (run->exit_reason == HV_EXIT_IO && run->io.direction == HV_IO_DIR_IN)
			memset(vcpu_io_data(h.vcpu), 0xa5, run->io.size * run->io.count);
		else if (run->exit_reason == HV_EXIT_MMIO)
			memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
		else
			TEST_ASSERT(run->exit_reason == HV_EXIT_IO, "exit %s in the middle of wild I/O",
				    exit_reason_str(run->exit_reason));
		exits++;
	}
	TEST_ASSERT(exits >= WILD_ACCESSES / 2, "only %u of %u accesses reached the VMM", exits,
		    WILD_ACCESSES);
	hostile_end(&h, "wild I/O");
}

/* ---- control registers and MSRs --------------------------------------------------------- */

static volatile uint64_t gp_seen;

static void guest_gp_skip3(struct ex_regs *regs)
{
	gp_seen++;
	regs->rip += 3;		/* mov %rax, %crN */
}

static void guest_gp_skip2(struct ex_regs *regs)
{
	gp_seen++;
	regs->rip += 2;		/* rdmsr, wrmsr */
}

static inline uint64_t get_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t get_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* A MOV to CR0/CR4 from RAX; true if it raised #GP.  A taken value must read back. */
static bool try_cr(int n, uint64_t v)
{
	uint64_t before = gp_seen;

	if (n == 0)
		__asm__ volatile("mov %%rax, %%cr0" : : "a"(v) : "memory");
	else
		__asm__ volatile("mov %%rax, %%cr4" : : "a"(v) : "memory");
	if (gp_seen != before)
		return true;
	GUEST_ASSERT_EQ(n == 0 ? get_cr0() : get_cr4(), v);
	return false;
}

#define CR0_NW	(1ULL << 29)
#define CR0_CD	(1ULL << 30)
#define CR4_PAE	(1ULL << 5)

/*
 * CR0: pairs of the bits a long-mode guest may toggle (MP, EM, TS, NE, WP,
 * AM, CD and NW with CD), each taken and undone.  Not tried: NW without
 * CD, and clearing PE or PG, which are #GP on a CPU, but which SVM does
 * not intercept and QEMU's TCG (the SVM testbed) does not refuse: the
 * guest would leave long mode, into the state that aborts QEMU
 * (docs/testing.md).  CR4: every bit alone, taken and undone, or #GP and
 * left as it was: hv checks every CR4 write on both vendors.
 */
static void guest_cr_combinations(void)
{
	static const unsigned int cr0_bits[] = { 1, 2, 3, 5, 16, 18, 30 };	/* MP EM TS NE WP AM CD */
	uint64_t cr0 = get_cr0(), cr4 = get_cr4(), efer = rdmsr(0xc0000080);
	unsigned int i, j, b;

	guest_install_handler(GP_VECTOR, guest_gp_skip3);
	for (i = 0; i < ARRAY_SIZE(cr0_bits); i++) {
		for (j = i; j < ARRAY_SIZE(cr0_bits); j++) {
			uint64_t v = cr0 ^ (1ULL << cr0_bits[i]) ^ (i != j ? 1ULL << cr0_bits[j] : 0);

			GUEST_ASSERT(!try_cr(0, v));
			if (v & CR0_CD)
				GUEST_ASSERT(!try_cr(0, v | CR0_NW));
			GUEST_ASSERT(!try_cr(0, cr0));
		}
	}
	for (b = 0; b < 64; b++) {
		if (!try_cr(4, cr4 ^ (1ULL << b)))
			GUEST_ASSERT(!try_cr(4, cr4));
		GUEST_ASSERT_EQ(get_cr4(), cr4);
	}
	GUEST_ASSERT(try_cr(4, cr4 & ~CR4_PAE));			/* long mode needs PAE */
	guest_install_handler(GP_VECTOR, guest_gp_skip2);
	for (b = 0; b < 64; b++) {
		uint64_t before = gp_seen;

		wrmsr(0xc0000080, efer ^ (1ULL << b));
		if (gp_seen == before)
			wrmsr(0xc0000080, efer);
		GUEST_ASSERT_EQ(rdmsr(0xc0000080), efer);
	}
	GUEST_DONE();
}

/* @guest to DONE next to the witness. */
static void run_with_witness(void *guest)
{
	struct hostile h;
	struct ucall uc;
	int r;

	(void)sigsetjmp(defect_retry, 0);
	hostile_begin(&h, NULL, guest);
	r = __vcpu_run(h.vcpu);
	TEST_ASSERT(r == 0, "HV_RUN: %s", strerror(errno));
	if (vcpu_get_ucall(h.vcpu, &uc) == UCALL_NONE)
		hostile_check_defect(&h);
	expect_last_ucall(h.vcpu, &uc, UCALL_DONE);
	hostile_end(&h, "the guest's sweep");
}

static void test_cr_combinations(void)
{
	run_with_witness(guest_cr_combinations);
}

static volatile uint64_t msrs_read, msrs_gp;

/* RDMSR; #GP is counted and skipped (0 read).  Each read value is written back. */
static void guest_msr_sweep(void)
{
	static const struct { uint32_t first, count; } ranges[] = {
		{ 0, 0x1000 }, { 0x40000000, 0x200 }, { 0xc0000000, 0x200 },
		{ 0xc0010000, 0x400 }, { 0xc0011000, 0x100 },
	};
	unsigned int r, i;

	guest_install_handler(GP_VECTOR, guest_gp_skip2);
	for (r = 0; r < ARRAY_SIZE(ranges); r++) {
		for (i = 0; i < ranges[r].count; i++) {
			uint32_t msr = ranges[r].first + i, lo = 0, hi = 0;
			uint64_t before = gp_seen;

			/* The TSC and APIC ICR written back would move time or send an IPI. */
			if (msr == 0x10 || msr == 0x830)
				continue;
			__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
			if (gp_seen != before) {
				msrs_gp++;
				continue;
			}
			msrs_read++;
			__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(msr) : "memory");
		}
	}
	GUEST_ASSERT(msrs_read > 0 && msrs_gp > 0);
	GUEST_DONE();
}

static void test_msr_sweep(void)
{
	run_with_witness(guest_msr_sweep);
}

static const struct hv_test tests[] = {
	{ "idt_not_present_shutdown", test_idt_not_present, 0 },
	{ "fault_handlers_not_present", test_handlers_not_present, 0 },
	{ "exception_loop", test_exception_loop, 0 },
	{ "interrupt_window_spin", test_interrupt_window_spin, 0 },
	{ "interrupt_storm", test_interrupt_storm, 300 },
	{ "wild_port_and_mmio", test_wild_io, 0 },
	{ "control_register_combinations", test_cr_combinations, 0 },
	{ "msr_index_sweep", test_msr_sweep, 300 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
