/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include "../uapi/linux/hv.h"
#include "x86/insn.h"
#include "x86/mmio_emulate.h"
#include "hv_vm.h"

struct hv_vm;
struct hv_lapic;

/* General purpose registers in hardware encoding order (ModRM reg/rm, REX). */
enum hv_gpr {
	HV_RAX, HV_RCX, HV_RDX, HV_RBX, HV_RSP, HV_RBP, HV_RSI, HV_RDI,
	HV_R8, HV_R9, HV_R10, HV_R11, HV_R12, HV_R13, HV_R14, HV_R15,
	HV_NR_GPRS
};

/* What the next HV_RUN must finish before entering the guest. */
enum hv_pending {
	HV_PENDING_NONE,
	HV_PENDING_PIO_IN,		/* copy run->io data into RAX or memory */
	HV_PENDING_MMIO_READ,		/* run the MMIO instruction with run->mmio.data */
	HV_PENDING_HYPERCALL,		/* RAX = run->hypercall.ret */
};

/*
 * An MMIO instruction in flight (hv_emulate.c): decoded at the exit, run
 * once its memory operand has been read.  Per-vCPU state, guarded like the
 * rest of the vCPU by the vCPU mutex (only its HV_RUN touches it).
 */
struct hv_mmio_pending {
	struct hv_mmio_emul e;
	u64 read_gpa;		/* where the memory operand (MOVS: source) is read */
	u64 write_gpa;		/* where the result (MOVS: destination) is stored */
	bool read_ram;		/* MOVS: the source is guest RAM, not MMIO */
	bool write_ram;		/* MOVS: the destination is guest RAM, not MMIO */
};

/* vcpu->mode, read by kickers without locks. */
enum { HV_OUTSIDE_GUEST, HV_IN_GUEST };

/*
 * Bits of vcpu->events: what other contexts (IPIs from other vCPUs, MSIs,
 * the APIC timer) left for the vCPU thread.  Set with set_bit() before the
 * kick; the vCPU takes them before each entry and checks again, with
 * HV_IN_GUEST announced, that none arrived meanwhile.
 */
enum {
	HV_EVENT_IRQ,		/* an interrupt entered the local APIC's IRR */
	HV_EVENT_NMI,
	HV_EVENT_INIT,
	HV_EVENT_SIPI,		/* sipi_vector holds the start-up page */
};

struct hv_vcpu_stats {
	u64 exits[HV_STATS_NR_REASONS];
	u64 latency_ns_total[HV_STATS_NR_REASONS];
	u64 latency_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
	/* The stats fd's split of each latency: hv's own time and the VMM's. */
	u64 kernel_ns_total[HV_STATS_NR_REASONS];
	u64 kernel_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
	u64 vmm_ns_total[HV_STATS_NR_REASONS];
	u64 vmm_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
};

/*
 * The neutral record of the last VM exit, written by the vendor's enter()
 * right after the exit and read by the dispatcher (hv_exit.c) and the
 * handlers.  Raw values keep the hardware's meaning for dumps and
 * HV_INTERNAL_ERROR_UNKNOWN_EXIT; everything else the core needs is here
 * in neutral terms.
 */
struct hv_exit {
	u32 hw_reason;			/* SVM exit code / VMX exit reason (bits 31:0) */
	u32 reason;			/* HV_STAT_*: vendor table, refined by the handler */
	u64 qual;			/* SVM EXITINFO1 / VMX exit qualification */
	u64 info;			/* SVM EXITINFO2 / VMX VM-exit interruption information */
	u64 next_rip;			/* RIP after the exiting instruction; 0 if unknown */
	bool failed_entry;		/* the entry failed; fail_code says how (docs/abi.md) */
	u64 fail_code;			/* hv_run.fail_entry.hardware_entry_failure_reason */
	u32 cpu;			/* the CPU the exit (or failed entry) happened on */
	u32 user_reason;		/* HV_EXIT_* once the exit is for userspace */
};

/*
 * Locking legend:
 *   mutex     - every vCPU ioctl; held across HV_RUN, so all fields but
 *               the ones below and run (shared with userspace) belong to
 *               the thread that holds it.
 *   mode, cpu - written by the vCPU thread, read locklessly by kickers.
 *   preempted - the same, read by vCPUs of the VM looking for one to yield to.
 *   pid       - RCU: replaced under mutex, synchronize_rcu() before the put.
 *   events    - atomic bit operations; sipi_vector is written before
 *               HV_EVENT_SIPI is set and read after it is taken.
 *   wait      - rcuwait: only the vCPU thread waits, anyone wakes.
 *   lapic     - set at creation; its state has its own lock (irq/lapic.h).
 */
struct hv_vcpu {
	struct hv_vm *vm;
	u32 id;
	struct mutex mutex;
	struct hv_run *run;		/* page 0 of the mmap */
	void *pio_data;			/* page 1 of the mmap */
	struct preempt_notifier pn;
	int cpu;			/* CPU the vCPU is loaded on, -1 if none */
	int mode;
	bool preempted;			/* scheduled out while runnable (sched_out) */
	struct pid __rcu *pid;		/* the thread of the last HV_RUN, for directed yield */
	u32 yield_from;			/* where the last directed yield's search ended */

	u64 regs[HV_NR_GPRS];
	u64 rip;
	u64 rflags;

	struct fpu_guest guest_fpu;

	/* Completion of the last userspace exit. */
	enum hv_pending pending;
	struct hv_mmio_pending pending_mmio;	/* the MMIO instruction in flight */
	bool pending_string;		/* INS: data goes to guest memory */
	u64 pending_gpa;		/* INS destination */
	u32 pending_bytes;		/* IN: operand size; INS: bytes to copy (not taken from run) */
	u64 pending_rip;		/* RIP to resume at once completed */

	/* A queued external interrupt: bit 8 set means valid. */
	u16 queued_irq;

	/* The in-kernel local APIC (HV_CAP_LAPIC), NULL without it: hv_lapic.c. */
	struct hv_lapic *lapic;
	u32 mp_state;			/* HV_MP_STATE_* */
	unsigned long events;		/* HV_EVENT_* */
	u8 sipi_vector;
	bool nmi_pending;
	int eoi_exit;			/* vector of a level-triggered EOI for userspace, or -1 */
	u32 halt_poll_ns;		/* the current polling window */
	struct rcuwait wait;		/* a halted vCPU or one waiting for SIPI */

	/* Guest state the core emulates. */
	struct hv_cpuid_entry *cpuid;
	u32 cpuid_nent;
	u64 cr4_valid;			/* CR4 bits host and CPUID allow: hv_cpuid_cr4_valid() */
	u64 efer_valid;			/* EFER bits the same way: hv_cpuid_efer_valid() */
	u64 misc_enable;
	u64 apic_base;
	u64 tsc_adjust;			/* IA32_TSC_ADJUST: x86/msr.c */
	u32 tsc_aux;			/* IA32_TSC_AUX: x86/msr.c, hv_tsc_aux_load() */
	bool guest_rdtscp;		/* CPUID offers RDTSCP: hv_vcpu_cpuid_limits() */
	bool guest_tsc_aux;		/* ... RDTSCP or RDPID: TSC_AUX exists */
	u64 xcr0;			/* XCR0 as the guest set it: x86/xsave.c */
	u64 xcr0_allowed;		/* what XSETBV may set, from CPUID (0: no XSAVE) */
	bool guest_xsaves;		/* CPUID offers XSAVES: IA32_XSS exists (always 0) */
	bool guest_osxsave;		/* CR4.OSXSAVE, followed by hv_xsave_set_cr4() */
	bool xcr0_switch;		/* entries load xcr0: hv_xsave_update_switch() */
	bool xss_switch;		/* ... and IA32_XSS */
	u64 db[4];			/* DR0-3: hv_set_db(), loaded by hv_debugregs_load() */
	bool db_used;			/* one of them is non-zero */

	u64 last_exit_ns;		/* ktime_get_ns() at the last exit */
	struct hv_exit exit;		/* the last VM exit */
	u32 stat_reason;		/* HV_STAT_* of the last exit: hv_stats.c only */
	u64 user_exit_ns;		/* ktime when HV_RUN returned (0: not since an exit) */
	u64 vmm_ns;			/* the VMM's time within the last exit's latency */
	struct hv_vcpu_stats stats;
	struct hv_gpa_cache gpa_cache;	/* page walks and fetches: hv_read_gpa_cached() */
	struct hv_tdp_cache tdp_cache;	/* table pages for nested page faults */
	u64 tlb_gen;			/* vm->tlb_gen this vCPU last flushed at */
	bool need_tlb_flush;		/* set by the core, cleared by the vendor */
};

int hv_vcpu_create(struct hv_vm *vm, u32 id);
void hv_vcpu_destroy(struct hv_vcpu *vcpu);
long hv_vcpu_ioctl(struct hv_vcpu *vcpu, unsigned int cmd, unsigned long arg);

/* hv_vcpu_state.c: the state ioctls (vCPU mutex held, vCPU loaded). */
long hv_vcpu_get_regs(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_set_regs(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_get_sregs(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_set_sregs(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_set_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid __user *ucpuid);
long hv_vcpu_msrs(struct hv_vcpu *vcpu, struct hv_msrs __user *umsrs, bool set);
void hv_vcpu_cpuid_limits(struct hv_vcpu *vcpu);

static inline u64 hv_gpr_read(struct hv_vcpu *vcpu, unsigned int reg)
{
	return vcpu->regs[reg & (HV_NR_GPRS - 1)];
}

static inline void hv_gpr_write(struct hv_vcpu *vcpu, unsigned int reg, u64 val)
{
	vcpu->regs[reg & (HV_NR_GPRS - 1)] = val;
}

#endif /* HV_VCPU_H */
