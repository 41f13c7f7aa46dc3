/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library, host side: VM and vCPU objects with asserting
 * helpers built on the ioctl library (hv_ioctl.h, one plain wrapper per
 * ioctl, shared with hv-run), guest memory translation, and a test runner
 * that runs every test point in its own child process.
 *
 * Test flow:
 *
 *	static void test_foo(void)
 *	{
 *		struct vm *vm = vm_create(0);
 *		struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_foo);
 *		struct ucall uc;
 *
 *		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest did not finish");
 *		vm_destroy(vm);
 *	}
 *
 *	static const struct hv_test tests[] = { { "foo", test_foo, 0 }, };
 *	int main(void) { return hv_test_main(tests, ARRAY_SIZE(tests)); }
 *
 * A test point passes when its function returns.  TEST_ASSERT() prints a
 * "# file:line: ..." diagnostic and fails the point; TEST_SKIP() skips it
 * with a reason.  Each point runs in a forked child (so a crash, a hang or
 * a leaked fd fails only that point) with a timeout.  The library helpers
 * that set things up (vm_create, vm_vcpu_add...) TEST_ASSERT on failure.
 *
 * The guest side (guest code restrictions, ucall, GUEST_ASSERT) is in
 * processor.h and ucall.h.
 */
#ifndef HV_SELFTEST_UTIL_H
#define HV_SELFTEST_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

#include "hv_ioctl.h"
#include "ktap.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PAGE_SIZE	4096UL
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define SZ_2M		(2UL << 20)
#define SZ_1M		(1UL << 20)

/* Default size of slot 0 (guest RAM at GPA 0) made by vm_create(0). */
#define VM_DEFAULT_RAM	(64UL << 20)

/* ---- failing, skipping, running tests ------------------------------------ */

void __attribute__((noreturn, format(printf, 4, 5)))
__test_assert_fail(const char *file, int line, const char *expr, const char *fmt, ...);

/* Fail the current test point (only inside a test point function). */
#define TEST_ASSERT(cond, fmt, ...)						\
	do {									\
		if (!(cond))							\
			__test_assert_fail(__FILE__, __LINE__, #cond,		\
					   fmt, ##__VA_ARGS__);			\
	} while (0)

#define TEST_FAIL(fmt, ...)	__test_assert_fail(__FILE__, __LINE__, "failed", fmt, ##__VA_ARGS__)

/* @call (an ioctl wrapper or a syscall) must fail with errno @err. */
#define EXPECT_ERRNO(call, err)							\
	do {									\
		errno = 0;							\
		int __r = (call);						\
		TEST_ASSERT(__r == -1 && errno == (err), "%s returned %d (%s), expected %s", \
			    #call, __r, strerror(errno), strerror(err));	\
	} while (0)

/* Skip the current test point with a reason (only inside a test point). */
void __attribute__((noreturn, format(printf, 1, 2))) TEST_SKIP(const char *fmt, ...);

struct hv_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;		/* 0: 120 s */
};

/*
 * Checks /dev/hv (skips the whole binary with a reason if it cannot be
 * used; fails it inside the testbed, see ktap_exit_skip_all()), prints the
 * KTAP header, runs every test point selected by HV_TEST_CASES (default:
 * all, see ktap_case_selected()) in a child and reports it, then exits with
 * the kselftest status.
 */
int __attribute__((noreturn)) hv_test_main(const struct hv_test *tests, size_t n);

/* ---- /dev/hv ------------------------------------------------------------- */

/* Opens /dev/hv; TEST_ASSERTs on failure. */
int hv_open_dev(void);
/* HV_CHECK_CAP on a fresh /dev/hv fd; returns the value (0 = absent). */
long hv_check_cap(unsigned int cap);
/* HV_GET_SUPPORTED_CPUID; malloc'ed, free() it. */
struct hv_cpuid *hv_get_supported_cpuid(void);
/* Entry @function/@index of @cpuid, or NULL. */
struct hv_cpuid_entry *hv_cpuid_find(struct hv_cpuid *cpuid, uint32_t function, uint32_t index);
/* hv_exit_name(): "io", "hlt"... */
const char *exit_reason_str(uint32_t reason);
/* MemAvailable from /proc/meminfo in KiB; TEST_ASSERTs on failure. */
long meminfo_available_kb(void);

/* ---- VMs and vCPUs ------------------------------------------------------- */

struct vm_slot {
	bool used;
	uint32_t flags;
	uint64_t gpa, size;
	void *hva;
	bool owned;			/* hva was mmap'ed by the library */
};

struct vcpu {
	struct vm *vm;
	uint32_t id;
	int fd;
	struct hv_run *run;
	size_t run_size;
	uint64_t stack_top;		/* GVA, long-mode vCPUs only */
};

struct vm {
	int dev_fd;
	int fd;
	uint32_t vendor;		/* HV_VENDOR_* */
	struct vm_slot slots[HV_MAX_MEMSLOTS];

	/* Guest physical page allocator in slot 0 (bump, never frees). */
	uint64_t ram_size;
	uint64_t alloc_next, alloc_end;

	/* Long mode: guest page tables and descriptor tables (GVAs). */
	bool long_mode;
	uint64_t pml4_gpa;
	uint64_t gdt_gva, idt_gva, tss_gva;
	unsigned int nr_vcpus;
	struct vcpu *vcpus[HV_MAX_VCPUS];
};

/*
 * A VM ready for 64-bit guest code: slot 0 of @ram_size bytes (0: the
 * default, must be a multiple of 2 MiB) at GPA 0, the test binary's loaded
 * image copied into it and mapped at its own addresses, all of slot 0
 * mapped at GUEST_DIRECT_MAP + GPA, a GDT, a TSS and an IDT whose handlers
 * report unexpected exceptions with UCALL_UNHANDLED.
 */
struct vm *vm_create(uint64_t ram_size);
/* Only slot 0 at GPA 0 (for real-mode guests): no page tables, no tables. */
struct vm *vm_create_bare(uint64_t ram_size);
/* Closes the vCPUs, the VM and unmaps the library's memory. */
void vm_destroy(struct vm *vm);

/* Raw HV_SET_MEMORY_REGION: returns the ioctl result (-1 and errno). */
int __vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void *hva);
/* Same, TEST_ASSERTs success, and records the slot for translations. */
void vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			  uint64_t gpa, uint64_t size, void *hva);
/* mmap()s @size bytes of anonymous memory and installs it as @slot. */
void *vm_add_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size);
/* Deletes @slot (memory_size 0); the memory stays mapped in the host. */
void vm_delete_slot(struct vm *vm, uint32_t slot);

/* Host address of @gpa in a recorded slot, or NULL. */
void *addr_gpa2hva(struct vm *vm, uint64_t gpa);
/* Walks the guest page tables: GPA of @gva, or ~0 if not mapped. */
uint64_t addr_gva2gpa(struct vm *vm, uint64_t gva);
/* addr_gpa2hva(addr_gva2gpa()); NULL if either step fails. */
void *addr_gva2hva(struct vm *vm, uint64_t gva);
/* Copies from guest virtual memory page by page; false if unmapped. */
bool vm_read_guest(struct vm *vm, uint64_t gva, void *buf, size_t len);

/* Host view of a global of the test binary, in this VM's guest copy. */
#define guest_global_ptr(vm, var) ((__typeof__(&(var)))addr_gva2hva(vm, (uint64_t)(uintptr_t)&(var)))
/* Copy a global from the host into the guest's copy and back. */
#define sync_global_to_guest(vm, var)	(*guest_global_ptr(vm, var) = (var))
#define sync_global_from_guest(vm, var)	((var) = *guest_global_ptr(vm, var))

/* Allocates @n zeroed pages of slot 0; returns the GPA. */
uint64_t vm_alloc_pages(struct vm *vm, unsigned int n);

/* vCPU with its run struct mapped, no register state set. */
struct vcpu *vm_vcpu_add_bare(struct vm *vm, uint32_t id);
/*
 * vCPU in 64-bit mode about to call @guest_fn(rdi, rsi) on its own stack
 * (vcpu_args_set() sets them); if @guest_fn returns, the guest reports
 * UCALL_DONE.  RFLAGS.IF is 0.
 */
struct vcpu *vm_vcpu_add(struct vm *vm, uint32_t id, void *guest_fn);
void vcpu_args_set(struct vcpu *vcpu, uint64_t arg0, uint64_t arg1);

/* HV_RUN: returns the ioctl result (-1 and errno), nothing asserted. */
int __vcpu_run(struct vcpu *vcpu);
/* HV_RUN; TEST_ASSERTs it succeeded. */
void vcpu_run(struct vcpu *vcpu);

void vcpu_regs_get(struct vcpu *vcpu, struct hv_regs *regs);
void vcpu_regs_set(struct vcpu *vcpu, const struct hv_regs *regs);
void vcpu_sregs_get(struct vcpu *vcpu, struct hv_sregs *sregs);
void vcpu_sregs_set(struct vcpu *vcpu, const struct hv_sregs *sregs);
int __vcpu_sregs_set(struct vcpu *vcpu, const struct hv_sregs *sregs);
/* One MSR through HV_GET_MSRS / HV_SET_MSRS; returns entries processed. */
int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *data);
int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t data);
void vcpu_get_stats(struct vcpu *vcpu, struct hv_stats *stats);

/* Asserts the last exit was @reason, printing the details if not. */
void __vcpu_assert_exit(struct vcpu *vcpu, uint32_t reason, const char *file, int line);
#define vcpu_assert_exit(vcpu, reason) __vcpu_assert_exit(vcpu, reason, __FILE__, __LINE__)
/* Prints the last exit (reason and payload) as "# " lines. */
void vcpu_dump_exit(struct vcpu *vcpu);
/* Port I/O data of the last HV_EXIT_IO. */
static inline void *vcpu_io_data(struct vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

/* ---- the in-kernel local APIC (HV_CAP_LAPIC) ------------------------------ */

/* HV_ENABLE_CAP on @vm: returns the ioctl result (-1 and errno), nothing asserted. */
int __vm_enable_cap(struct vm *vm, uint32_t cap, uint32_t flags, uint64_t arg0);
/*
 * HV_ENABLE_CAP(HV_CAP_LAPIC) (before any vCPU); for long-mode VMs also the
 * xAPIC page mapped at its GPA in the guest page tables and the guest's
 * guest_tsc_khz (apic.h) set.  TEST_ASSERTs success.
 */
void vm_enable_lapic(struct vm *vm);
/* vm_create() + vm_enable_lapic(). */
struct vm *vm_create_lapic(uint64_t ram_size);
/* HV_SIGNAL_MSI: returns the ioctl result (APICs reached, or -1 and errno). */
int __vm_signal_msi(struct vm *vm, uint64_t address, uint32_t data);
/* Same, TEST_ASSERTs it did not fail; returns the APICs reached. */
int vm_signal_msi(struct vm *vm, uint64_t address, uint32_t data);

void vcpu_get_lapic(struct vcpu *vcpu, struct hv_lapic_state *s);
void vcpu_set_lapic(struct vcpu *vcpu, const struct hv_lapic_state *s);
/* HV_GET_MP_STATE / HV_SET_MP_STATE (flags 0), asserting. */
uint32_t vcpu_get_mp_state(struct vcpu *vcpu);
void vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state);
const char *mp_state_str(uint32_t state);

/*
 * The TSC rate in kHz measured against CLOCK_MONOTONIC over about @ms
 * milliseconds.  Guest TSCs run at the host's rate (hv offsets, never
 * scales, them), so guest code can time itself with it.
 */
uint64_t host_tsc_khz(unsigned int ms);

/* Bind the calling thread to host CPU @cpu (the test fails if it cannot). */
void pin_to_cpu(int cpu);

/*
 * The CPU this runs on is QEMU's TCG (its hypervisor leaf says so): for
 * the skips that name a defect of QEMU's nested SVM, never a real CPU's.
 */
bool host_is_qemu_tcg(void);

/*
 * Whether the exit @vcpu just made is one of the two faces of QEMU's
 * nested-SVM defect (docs/testing.md, "stress_test"), for guests that
 * cannot cause it themselves: a triple fault whose last fault read the
 * IDT's #DF entry (they never touch their IDT or page tables), or an
 * internal error that carries the host's own state (a RIP in the kernel
 * half: they run at low addresses).  False when the state cannot be read
 * (a closed fd).
 */
bool vcpu_exit_is_emulator_defect(struct vcpu *vcpu);

/* ---- a vCPU in a thread of its own -------------------------------------------- */

#define VCPU_THREAD_QUEUE	64

struct ucall;

/*
 * The thread runs the vCPU until UCALL_DONE, queueing every SYNC and the
 * DONE for the test to take with vcpu_thread_next().  Any other exit, a
 * failed HV_RUN, UCALL_ASSERT or UCALL_UNHANDLED fails the test point from
 * the thread (with the usual diagnostics, naming the vCPU); UCALL_PRINT is
 * printed.  HV_RUN interrupted by a signal (EINTR, HV_EXIT_INTR) is run
 * again unless vcpu_thread_stop() asked the thread to stop.
 */
struct vcpu_thread {
	struct vcpu *vcpu;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ucall *queue;		/* VCPU_THREAD_QUEUE entries */
	unsigned int queued, taken;
	bool finished;			/* the thread has returned */
	bool stop;			/* stop at the next EINTR */
	bool stopped_by_signal;		/* it did: HV_RUN returned EINTR, exit HV_EXIT_INTR */
	unsigned int eintr;		/* EINTR returns seen */
};

/* Starts @t running @vcpu (installs a no-op SIGUSR1 handler without SA_RESTART). */
void vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu);
/* The next SYNC or DONE of the vCPU; fails the point after @timeout_ms. */
uint64_t vcpu_thread_next(struct vcpu_thread *t, struct ucall *uc, unsigned int timeout_ms);
/* vcpu_thread_next() and asserts SYNC @arg0 (returns the ucall in @uc if not NULL). */
void __vcpu_thread_expect_sync(struct vcpu_thread *t, uint64_t arg0, struct ucall *uc,
			       unsigned int timeout_ms, const char *file, int line);
#define vcpu_thread_expect_sync(t, arg0, uc, ms) \
	__vcpu_thread_expect_sync(t, arg0, uc, ms, __FILE__, __LINE__)
/* Waits for DONE (after any SYNCs not taken yet: they fail the point) and joins. */
void __vcpu_thread_expect_done(struct vcpu_thread *t, unsigned int timeout_ms,
			       const char *file, int line);
#define vcpu_thread_expect_done(t, ms) __vcpu_thread_expect_done(t, ms, __FILE__, __LINE__)
/* True if the thread has a ucall queued that was not taken yet, or has returned. */
bool vcpu_thread_has_news(struct vcpu_thread *t);
/*
 * Signals the thread (SIGUSR1, every 2 ms) until HV_RUN returns EINTR, then
 * joins it; returns true if it stopped that way, false if it had already
 * finished (DONE).  Fails the point if it does neither within @timeout_ms.
 */
bool vcpu_thread_stop(struct vcpu_thread *t, unsigned int timeout_ms);

#endif /* HV_SELFTEST_UTIL_H */
