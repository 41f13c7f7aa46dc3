/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hv: the /dev/hv ioctl ABI.  This header is the single source of the ABI;
 * docs/abi.md explains every ioctl and exit in words.
 *
 * Conventions: only fixed-width types, natural alignment, explicit padding,
 * a flags word in every struct.  Unknown flags or non-zero reserved fields
 * are refused with -EINVAL.  ioctl numbers are never reused.
 */
#ifndef _UAPI_LINUX_HV_H
#define _UAPI_LINUX_HV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HV_API_VERSION		1

/*
 * The ioctl type: 0xE6 is free in Documentation/userspace-api/ioctl/ioctl-number.rst
 * (Linux 6.1 and current mainline); 0xAF, used before ABI v1 was settled, belongs to
 * the Freescale hypervisor.
 */
#define HVIO			0xE6

/* ---- /dev/hv (system) ioctls ------------------------------------------- */
#define HV_GET_API_VERSION	_IO(HVIO, 0x00)		/* returns HV_API_VERSION */
#define HV_CHECK_CAP		_IO(HVIO, 0x01)		/* arg: HV_CAP_*; returns value, 0 = absent */
#define HV_CREATE_VM		_IO(HVIO, 0x02)		/* arg: flags (must be 0); returns VM fd */
#define HV_GET_VCPU_MMAP_SIZE	_IO(HVIO, 0x03)		/* returns bytes to mmap on a vCPU fd */
#define HV_GET_SUPPORTED_CPUID	_IOWR(HVIO, 0x04, struct hv_cpuid)

/* ---- VM fd ioctls -------------------------------------------------------- */
#define HV_SET_MEMORY_REGION	_IOW(HVIO, 0x10, struct hv_memory_region)
#define HV_CREATE_VCPU		_IO(HVIO, 0x11)		/* arg: vCPU id; returns vCPU fd */
#define HV_ENABLE_CAP		_IOW(HVIO, 0x12, struct hv_enable_cap)
#define HV_SIGNAL_MSI		_IOW(HVIO, 0x13, struct hv_msi)	/* returns APICs reached */
#define HV_IOEVENTFD		_IOW(HVIO, 0x14, struct hv_ioeventfd)
#define HV_IRQFD		_IOW(HVIO, 0x15, struct hv_irqfd)
#define HV_REGISTER_COALESCED	_IOW(HVIO, 0x16, struct hv_coalesced_zone)
#define HV_UNREGISTER_COALESCED	_IOW(HVIO, 0x17, struct hv_coalesced_zone)
#define HV_GET_DIRTY_LOG	_IOW(HVIO, 0x18, struct hv_dirty_log)

/* ---- vCPU fd ioctls ------------------------------------------------------ */
#define HV_RUN			_IO(HVIO, 0x20)
#define HV_GET_REGS		_IOR(HVIO, 0x21, struct hv_regs)
#define HV_SET_REGS		_IOW(HVIO, 0x22, struct hv_regs)
#define HV_GET_SREGS		_IOR(HVIO, 0x23, struct hv_sregs)
#define HV_SET_SREGS		_IOW(HVIO, 0x24, struct hv_sregs)
#define HV_SET_CPUID		_IOW(HVIO, 0x25, struct hv_cpuid)
#define HV_GET_MSRS		_IOWR(HVIO, 0x26, struct hv_msrs)
#define HV_SET_MSRS		_IOW(HVIO, 0x27, struct hv_msrs)
#define HV_INTERRUPT		_IOW(HVIO, 0x28, struct hv_interrupt)
#define HV_GET_STATS		_IOR(HVIO, 0x29, struct hv_stats)
#define HV_GET_CPUID		_IOWR(HVIO, 0x2a, struct hv_cpuid)
#define HV_GET_LAPIC		_IOR(HVIO, 0x2b, struct hv_lapic_state)
#define HV_SET_LAPIC		_IOW(HVIO, 0x2c, struct hv_lapic_state)
#define HV_GET_MP_STATE		_IOR(HVIO, 0x2d, struct hv_mp_state)
#define HV_SET_MP_STATE		_IOW(HVIO, 0x2e, struct hv_mp_state)
#define HV_GET_STATS_FD		_IO(HVIO, 0x2f)		/* arg 0; returns a read-only stats fd */

/* ---- capabilities (HV_CHECK_CAP) ----------------------------------------- */
#define HV_CAP_VENDOR		0	/* HV_VENDOR_SVM or HV_VENDOR_VMX */
#define HV_CAP_MAX_VCPUS	1	/* vCPUs per VM */
#define HV_CAP_NR_MEMSLOTS	2	/* memory slots per VM */
#define HV_CAP_READONLY_MEM	3	/* HV_MEM_READONLY is supported */
#define HV_CAP_IMMEDIATE_EXIT	4	/* hv_run.immediate_exit is honoured */
#define HV_CAP_HYPERCALL	5	/* HV_EXIT_HYPERCALL from VMMCALL/VMCALL */
#define HV_CAP_STRING_IO	6	/* INS/OUTS (REP too) exit with count > 1 */
#define HV_CAP_STATS		7	/* HV_GET_STATS; value = HV_STATS_NR_REASONS */
#define HV_CAP_MAX_CPUID	8	/* entries accepted by HV_SET_CPUID */
#define HV_CAP_NRIPS		9	/* hardware next-RIP save (1) or decoded (0) */
/*
 * In-kernel local APICs, one per vCPU (the split irqchip: the I/O APIC and
 * the 8259s stay in the VMM).  Turned on per VM with HV_ENABLE_CAP before
 * the first vCPU is created; it brings HV_SIGNAL_MSI, HV_GET/SET_LAPIC,
 * HV_GET/SET_MP_STATE and HV_EXIT_EOI, and HLT no longer exits.
 */
#define HV_CAP_LAPIC		10
/*
 * Halt polling (HV_CAP_LAPIC VMs): the value is the module's limit in ns
 * (parameter halt_poll_ns); HV_ENABLE_CAP with args[0] = ns sets this VM's
 * own limit (0: never poll).
 */
#define HV_CAP_HALT_POLL	11
/*
 * The hardware features hv's backend found on this CPU, as HV_HW_* bits:
 * the SVM ones (low 16 bits) on SVM, the VMX ones (high 16 bits) on VMX,
 * never a bit of the other vendor.  Informational (hv-info prints them):
 * hv runs without each one it does not require, see docs/abi.md.
 */
#define HV_CAP_HW_FEATURES	12
/*
 * Fast paths (docs/abi.md, "Eventfds"): the value is how many registrations
 * a VM may hold.  HV_IOEVENTFD: guest writes that signal an eventfd in the
 * kernel; HV_IRQFD (needs HV_CAP_LAPIC): an eventfd whose signal is an MSI.
 */
#define HV_CAP_IOEVENTFD	13
#define HV_CAP_IRQFD		14
/*
 * HV_GET_STATS_FD: a vCPU's statistics as a self-describing binary file
 * (below); the value is the format's version.
 */
#define HV_CAP_STATS_FD		15
/*
 * The coalesced MMIO/PIO ring (HV_REGISTER_COALESCED, docs/abi.md): the
 * value is the page offset of the VM's ring in every vCPU fd's mapping
 * (mmap offset value * page size); 0 = absent.
 */
#define HV_CAP_COALESCED_IO	16
/*
 * Dirty-page logging (HV_MEM_LOG_DIRTY, HV_GET_DIRTY_LOG, docs/abi.md):
 * the value is 1.
 */
#define HV_CAP_DIRTY_LOG	17

#define HV_HW_SVM_NPT			0x00000001u	/* nested paging (required) */
#define HV_HW_SVM_NRIPS			0x00000002u	/* next-RIP save (= HV_CAP_NRIPS) */
#define HV_HW_SVM_DECODE_ASSISTS	0x00000004u	/* present; hv decodes itself */
#define HV_HW_SVM_PAUSE_FILTER		0x00000008u	/* PAUSE exits after a count */
#define HV_HW_SVM_PAUSE_THRESHOLD	0x00000010u	/* ... within a cycle window */
#define HV_HW_SVM_AVIC			0x00000020u	/* present; not used */
#define HV_HW_SVM_MASK			0x0000ffffu
#define HV_HW_VMX_EPT			0x00010000u	/* required */
#define HV_HW_VMX_UNRESTRICTED_GUEST	0x00020000u	/* required */
#define HV_HW_VMX_EPT_AD		0x00040000u	/* EPT accessed/dirty flags */
#define HV_HW_VMX_VPID			0x00080000u	/* with INVVPID */
#define HV_HW_VMX_TPR_SHADOW		0x00100000u	/* CR8 without exits */
#define HV_HW_VMX_VIRTUAL_NMIS		0x00200000u	/* NMI injection, NMI windows */
#define HV_HW_VMX_PREEMPTION_TIMER	0x00400000u
#define HV_HW_VMX_PAUSE_LOOP		0x00800000u	/* PAUSE-loop exiting */
#define HV_HW_VMX_APICV			0x01000000u	/* present; not used */
#define HV_HW_VMX_POSTED_INTR		0x02000000u	/* present; not used */
#define HV_HW_VMX_PML			0x04000000u	/* present; not used */
#define HV_HW_VMX_MASK			0xffff0000u

#define HV_VENDOR_SVM		1
#define HV_VENDOR_VMX		2

#define HV_MAX_VCPUS		64
#define HV_MAX_MEMSLOTS		32
#define HV_MAX_CPUID_ENTRIES	256
#define HV_MAX_MSR_ENTRIES	64

/* ---- memory slots --------------------------------------------------------- */
#define HV_MEM_READONLY		0x1u	/* guest writes become HV_EXIT_MMIO */
#define HV_MEM_LOG_DIRTY	0x2u	/* HV_GET_DIRTY_LOG reports writes (HV_CAP_DIRTY_LOG) */

/*
 * Installs, replaces or (memory_size == 0) deletes slot @slot.  guest_phys_addr,
 * memory_size and userspace_addr must be page aligned, must not wrap, and the
 * guest range must not overlap another slot.  Re-installing a slot with the same
 * range and userspace_addr and only HV_MEM_LOG_DIRTY changed turns logging on or
 * off and keeps the slot's mappings; HV_MEM_LOG_DIRTY with HV_MEM_READONLY is
 * -EINVAL.
 */
struct hv_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 reserved[2];
};

/*
 * HV_GET_DIRTY_LOG (VM fd): copy the dirty bitmap of slot @slot (which has
 * HV_MEM_LOG_DIRTY) to @bitmap and clear it, as one step with respect to
 * the vCPUs: every guest write (and every write hv makes for the guest)
 * that completed before the call is in this bitmap or in the next one.
 * One bit per 4 KiB page of the slot, bit i of the array of little-endian
 * 64-bit words for the page at guest_phys_addr + i * 4096; the array is
 * DIV_ROUND_UP(memory_size / 4096, 64) words.  Errors: -ENOENT no such
 * slot or the slot does not log; -EINVAL @flags not 0; -EFAULT @bitmap not
 * writable (the bits are kept for the next call).
 */
struct hv_dirty_log {
	__u32 slot;
	__u32 flags;			/* must be 0 */
	__u64 bitmap;			/* user pointer to the bitmap */
};

/* ---- registers ------------------------------------------------------------ */
struct hv_regs {
	__u32 flags;
	__u32 reserved;
	__u64 rax, rbx, rcx, rdx;
	__u64 rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11;
	__u64 r12, r13, r14, r15;
	__u64 rip, rflags;
};

struct hv_segment {
	__u64 base;
	__u32 limit;		/* byte granular, as seen after G is applied */
	__u16 selector;
	__u8 type;
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;
	__u8 padding;
};

struct hv_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

struct hv_sregs {
	__u32 flags;
	__u32 reserved;
	struct hv_segment cs, ds, es, fs, gs, ss;
	struct hv_segment tr, ldt;
	struct hv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 reserved2[4];
};

/* ---- CPUID ------------------------------------------------------------------ */
#define HV_CPUID_FLAG_SIGNIFICANT_INDEX	(1u << 0)	/* entry matches on index too */

struct hv_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 reserved[3];
};

/*
 * HV_SET_CPUID: nent entries follow; at most HV_MAX_CPUID_ENTRIES (-E2BIG).
 * HV_GET_SUPPORTED_CPUID / HV_GET_CPUID: in, nent is the room in entries[];
 * out, the number written.  -E2BIG (nent set to the size needed) if too small.
 */
struct hv_cpuid {
	__u32 nent;
	__u32 flags;
	struct hv_cpuid_entry entries[];
};

/* ---- MSRs ------------------------------------------------------------------- */
struct hv_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

/*
 * HV_GET_MSRS / HV_SET_MSRS: at most HV_MAX_MSR_ENTRIES (-E2BIG).  Returns
 * the number of entries processed; processing stops at the first MSR that
 * is not supported or whose value is refused.
 */
struct hv_msrs {
	__u32 nmsrs;
	__u32 flags;
	struct hv_msr_entry entries[];
};

/* ---- interrupts ------------------------------------------------------------- */
/*
 * Queues external interrupt @vector (32..255) for injection; it is delivered
 * at the next entry where the guest can take it.  -EBUSY if one is already
 * queued: wait for hv_run.ready_for_interrupt_injection.  With HV_CAP_LAPIC
 * this is the 8259's INTR: it is taken only while the local APIC passes
 * LINT0 in ExtINT mode (or is disabled), as ready_for_interrupt_injection
 * then also says.
 */
struct hv_interrupt {
	__u32 vector;
	__u32 flags;
};

/* ---- the in-kernel local APIC (HV_CAP_LAPIC) ------------------------------- */
/* HV_ENABLE_CAP (VM fd): @cap is an HV_CAP_* that can be turned on; args[] 0. */
struct hv_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
};

/*
 * HV_SIGNAL_MSI (VM fd): an MSI write of @data to @address (0xfeexxxxx),
 * delivered to the local APICs it names.  Returns how many accepted it (0:
 * none matched or all were disabled).  The VMM's I/O APIC sends its
 * redirections this way too.
 */
struct hv_msi {
	__u64 address;
	__u32 data;
	__u32 flags;
	__u64 reserved;
};

/* ---- eventfds: ioeventfd and irqfd ------------------------------------------ */
#define HV_MAX_IOEVENTFDS		256	/* per VM: HV_CHECK_CAP(HV_CAP_IOEVENTFD) */
#define HV_MAX_IRQFDS			256	/* per VM: HV_CHECK_CAP(HV_CAP_IRQFD) */

#define HV_IOEVENTFD_FLAG_PIO		(1u << 0)	/* @addr is a port; else guest-physical */
#define HV_IOEVENTFD_FLAG_DATAMATCH	(1u << 1)	/* only writes of @datamatch */
#define HV_IOEVENTFD_FLAG_DEASSIGN	(1u << 2)	/* remove the registration */

/*
 * HV_IOEVENTFD (VM fd): a guest write of exactly @len bytes to port or
 * guest-physical address @addr (an OUT, or a store to memory no slot backs
 * or a read-only slot) signals eventfd @fd in the kernel and the guest goes
 * on; userspace never sees the exit.  With DATAMATCH only a write of the
 * value @datamatch (which must fit in @len bytes) does; without it
 * @datamatch must be 0.  @len is 1, 2, 4 or 8 (8: MMIO only); the range must
 * lie inside the 64 KiB port space or below 2^48.  A registration that
 * overlaps another of the same space is refused (-EEXIST) unless both
 * have the same @addr and @len, both match data, and their values differ.
 * DEASSIGN removes the registration with the same space, @addr, @len,
 * match and eventfd (-ENOENT if none).  String I/O (INS/OUTS) and reads
 * always go to userspace.
 */
struct hv_ioeventfd {
	__u64 addr;
	__u64 datamatch;
	__u32 len;
	__s32 fd;
	__u32 flags;			/* HV_IOEVENTFD_FLAG_* */
	__u32 reserved[3];
};

#define HV_IRQFD_FLAG_DEASSIGN		(1u << 0)

/*
 * HV_IRQFD (VM fd, HV_CAP_LAPIC): each signal of eventfd @fd delivers the
 * MSI @msi_address/@msi_data (as HV_SIGNAL_MSI) to the local APICs; signals
 * that arrive before the previous one was delivered are merged, as edges
 * are.  An eventfd already signalled when it is assigned delivers at once.
 * One irqfd per eventfd (-EEXIST).  DEASSIGN removes the irqfd of @fd with
 * the same message (-ENOENT if none); closing the eventfd removes it too.
 */
struct hv_irqfd {
	__s32 fd;
	__u32 flags;			/* HV_IRQFD_FLAG_* */
	__u64 msi_address;
	__u32 msi_data;
	__u32 reserved[3];
};

/* ---- the coalesced MMIO/PIO ring ------------------------------------------ */
#define HV_MAX_COALESCED_ZONES		64	/* per VM */

#define HV_COALESCED_FLAG_PIO		(1u << 0)	/* @addr is a port; else guest-physical */

/*
 * HV_REGISTER_COALESCED (VM fd): a guest write (an OUT, or a store to
 * memory no slot backs or a read-only slot) that lies wholly inside
 * [@addr, @addr + @len) of the zone's space is appended to the VM's ring
 * (struct hv_coalesced_ring) and the guest goes on; userspace sees it at
 * its next drain instead of as an exit.  A write the ring has no room for
 * exits as usual (HV_EXIT_IO, HV_EXIT_MMIO): nothing is dropped.  @len >=
 * 1; the zone must lie inside the 64 KiB port space or below 2^48 and must
 * not overlap another zone of its space (-EEXIST); at most
 * HV_MAX_COALESCED_ZONES (-ENOSPC).  HV_UNREGISTER_COALESCED removes the
 * zone with exactly this space, @addr and @len (-ENOENT if none); once it
 * returns no write is appended for the zone any more (writes already in
 * the ring stay there).  An ioeventfd that takes a write comes first;
 * reads, INS/OUTS and local APIC accesses are never coalesced.
 */
struct hv_coalesced_zone {
	__u64 addr;
	__u32 len;
	__u32 flags;			/* HV_COALESCED_FLAG_* */
};

/* One write: @len (1, 2, 4 or 8) bytes of @data, little-endian, the rest 0. */
struct hv_coalesced_entry {
	__u64 addr;			/* port or guest-physical address */
	__u32 len;
	__u32 pio;			/* 1: a port write (OUT); 0: MMIO */
	__u8 data[8];
};

/*
 * The ring: one 4 KiB page per VM, shared by its vCPUs, mapped through any
 * vCPU fd at page offset HV_CHECK_CAP(HV_CAP_COALESCED_IO) (MAP_SHARED,
 * read-write).  The kernel appends at @last, the VMM consumes from @first;
 * @first == @last is empty, one slot always stays free, so the ring holds
 * HV_COALESCED_RING_ENTRIES - 1 writes.  The VMM reads @last with acquire
 * ordering, reads the entries up to it, and stores the new @first with
 * release ordering only after it has applied them; it never writes @last
 * (the kernel keeps its own copy and ignores it).  To keep the guest's
 * order the VMM drains the ring before it handles any exit of any vCPU.
 * A @first out of range makes every write exit.
 */
#define HV_COALESCED_RING_ENTRIES	170	/* (4096 - 8) / 24 */

struct hv_coalesced_ring {
	__u32 first;			/* written by the VMM */
	__u32 last;			/* written by the kernel */
	struct hv_coalesced_entry entries[HV_COALESCED_RING_ENTRIES];
};

#define HV_LAPIC_NR_REGS		64

/*
 * HV_GET_LAPIC / HV_SET_LAPIC: a vCPU's whole local APIC.  regs[] is the
 * register file by offset >> 4 in the xAPIC layout (regs[0x30 >> 4] is
 * the version); in x2APIC mode ICR high (regs[0x31]) is the 32-bit
 * destination.  PPR, APR and the timer's current count are filled in on
 * get and ignored on set; x2apic_id is fixed (the vCPU id) and a set must
 * repeat it.  tsc_deadline is in guest TSC units, 0 when disarmed;
 * timer_remaining_ns counts down to the next one-shot/periodic expiry, 0
 * when the timer is stopped.
 */
struct hv_lapic_state {
	__u64 apic_base;
	__u64 tsc_deadline;
	__u64 timer_remaining_ns;
	__u32 regs[HV_LAPIC_NR_REGS];
	__u32 x2apic_id;
	__u32 esr_pending;	/* errors since the last ESR write */
	__u32 arb_count;	/* lowest-priority interrupts won */
	__u32 flags;
};

/*
 * HV_GET_MP_STATE / HV_SET_MP_STATE: where a vCPU stands with the local
 * APIC on.  Application processors (every vCPU but id 0) start in
 * INIT_RECEIVED: HV_RUN blocks until an INIT-SIPI-SIPI from another vCPU
 * starts them at the SIPI's page, as on a PC.  HALTED is a HLT waiting
 * for an interrupt it can take; HV_RUN goes on waiting.
 */
#define HV_MP_STATE_RUNNABLE		0
#define HV_MP_STATE_HALTED		1
#define HV_MP_STATE_INIT_RECEIVED	2

struct hv_mp_state {
	__u32 state;
	__u32 flags;
};

/* ---- exit reasons --------------------------------------------------------- */
/* hv_run.exit_reason: why HV_RUN returned to userspace. */
#define HV_EXIT_UNKNOWN			0
#define HV_EXIT_IO			1
#define HV_EXIT_MMIO			2
#define HV_EXIT_HLT			3
#define HV_EXIT_SHUTDOWN		4	/* triple fault */
#define HV_EXIT_HYPERCALL		5
#define HV_EXIT_IRQ_WINDOW		6
#define HV_EXIT_INTR			7	/* signal pending; HV_RUN returns -EINTR */
#define HV_EXIT_FAIL_ENTRY		8
#define HV_EXIT_INTERNAL_ERROR		9
#define HV_EXIT_EOI			10	/* HV_CAP_LAPIC: EOI of a level-triggered vector */

/* hv_run.io.direction */
#define HV_IO_DIR_IN			0
#define HV_IO_DIR_OUT			1

/*
 * ---- statistics indices --------------------------------------------------
 * The index of every array in struct hv_stats: one per neutral exit reason,
 * the reason hv classified a VM exit as, whether the kernel handled it or
 * userspace saw it.  The first eleven are the exits that reach userspace and
 * have the value of the HV_EXIT_* of the same name; the others are handled
 * in the kernel and appear only here.
 */
#define HV_STAT_UNKNOWN			HV_EXIT_UNKNOWN
#define HV_STAT_IO			HV_EXIT_IO
#define HV_STAT_MMIO			HV_EXIT_MMIO
#define HV_STAT_HLT			HV_EXIT_HLT
#define HV_STAT_SHUTDOWN		HV_EXIT_SHUTDOWN
#define HV_STAT_HYPERCALL		HV_EXIT_HYPERCALL
#define HV_STAT_IRQ_WINDOW		HV_EXIT_IRQ_WINDOW
#define HV_STAT_INTR			HV_EXIT_INTR
#define HV_STAT_FAIL_ENTRY		HV_EXIT_FAIL_ENTRY
#define HV_STAT_INTERNAL_ERROR		HV_EXIT_INTERNAL_ERROR
#define HV_STAT_EOI			HV_EXIT_EOI
#define HV_STAT_CPUID			16
#define HV_STAT_MSR			17
#define HV_STAT_EXTERNAL_INTERRUPT	18
#define HV_STAT_NMI			19
#define HV_STAT_NPF			20	/* nested/EPT fault resolved by mapping */
#define HV_STAT_EXCEPTION		21	/* intercepted exception reflected */
#define HV_STAT_DR_ACCESS		22
#define HV_STAT_INVALID_INSN		23	/* VMRUN, VMLOAD, MONITOR...: #UD */
#define HV_STAT_PAUSE			24
#define HV_STAT_HALT_POLL		25	/* a halt ended while polling; latency: the poll */
#define HV_STAT_HALT_SLEEP		26	/* a halt slept; latency: the sleep */
#define HV_STAT_YIELD			27	/* a PAUSE exit yielded to a preempted vCPU */
#define HV_STAT_IOEVENTFD		28	/* an OUT or MMIO write that signalled an ioeventfd */
#define HV_STAT_EXPERIMENT		29	/* an exit an experiment's hook completed */
#define HV_STAT_COALESCED		30	/* an OUT or MMIO write put in the coalesced ring */
#define HV_STAT_OTHER			31

#define HV_STATS_NR_REASONS		32
#define HV_STATS_NR_BUCKETS		24	/* bucket i: [2^i, 2^(i+1)) ns; 0 also < 1 */

/*
 * hv_run.internal.suberror, each with one layout of data[] (docs/abi.md):
 * UNKNOWN_EXIT    an exit hv has no handler for; the vCPU can be run again.
 *                 data[0] vendor exit code (SVM exit code, VMX exit reason),
 *                 [1] SVM EXITINFO1 / VMX exit qualification, [2] SVM
 *                 EXITINFO2 / VMX VM-exit interruption information, [3] RIP.
 * EMULATION       an instruction hv had to fetch, decode or carry out (skip
 *                 CPUID/HLT/MSR..., MMIO access, INS/OUTS) could not be.
 *                 data[0] RIP, [1] vendor exit code, [2] its qualification
 *                 (as in UNKNOWN_EXIT), [3..4] the first 16 bytes at CS:RIP
 *                 (little-endian, zeros where unreadable), [5] the guest
 *                 address involved (MMIO GPA, INS/OUTS linear address) or 0.
 * DELIVERY        MMIO touched while the CPU delivered an event (IDT entry,
 *                 stack).  data[0] GPA, [1] the event (SVM EXITINTINFO / VMX
 *                 IDT-vectoring information: vector 7:0, type 10:8, valid 31).
 * TDP_MISCONFIG   the CPU refused one of hv's own nested page table entries
 *                 (VMX EPT misconfiguration, SVM NPF with a reserved bit): an
 *                 hv bug; the VM is dead, HV_RUN fails with EIO from then on.
 *                 data[0] GPA, [1] RIP.
 */
#define HV_INTERNAL_ERROR_UNKNOWN_EXIT	1
#define HV_INTERNAL_ERROR_EMULATION	2
#define HV_INTERNAL_ERROR_DELIVERY	3
#define HV_INTERNAL_ERROR_TDP_MISCONFIG	4

#define HV_INTERNAL_ERROR_UNKNOWN_EXIT_NDATA	4
#define HV_INTERNAL_ERROR_EMULATION_NDATA	6
#define HV_INTERNAL_ERROR_DELIVERY_NDATA	2
#define HV_INTERNAL_ERROR_TDP_MISCONFIG_NDATA	2

/*
 * RAX after VMMCALL/VMCALL from guest CPL > 0: the call is refused in the
 * kernel (-1, KVM's -KVM_EPERM) and never becomes HV_EXIT_HYPERCALL.
 */
#define HV_HYPERCALL_EPERM		((__u64)-1)

/* Bits of hv_run.flags (out) */
#define HV_RUN_FLAG_IF			(1u << 0)	/* guest RFLAGS.IF */
#define HV_RUN_FLAG_INTR_SHADOW		(1u << 1)	/* STI/MOV SS shadow active */

/*
 * Mapped at offset 0 of a vCPU fd; HV_GET_VCPU_MMAP_SIZE bytes.  The page
 * after struct hv_run holds port I/O data (io.data_offset points there), the
 * one after that the VM's coalesced ring (HV_CAP_COALESCED_IO).
 */
struct hv_run {
	/* in: set by userspace before HV_RUN */
	__u8 request_interrupt_window;
	__u8 immediate_exit;
	__u8 padding1[6];

	/* out: set by the kernel */
	__u32 exit_reason;
	__u8 ready_for_interrupt_injection;
	__u8 padding2[3];
	__u32 flags;		/* HV_RUN_FLAG_* */
	__u32 padding3;
	__u64 cr8;
	__u64 apic_base;

	union {
		/* HV_EXIT_IO: count items of size bytes at data_offset */
		struct {
			__u8 direction;		/* HV_IO_DIR_IN / _OUT */
			__u8 size;		/* 1, 2 or 4 */
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/* HV_EXIT_MMIO: a read is completed by the next HV_RUN from data[] */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 padding[3];
		} mmio;
		/*
		 * HV_EXIT_HYPERCALL: VMMCALL (SVM) or VMCALL (VMX) with nr in
		 * RAX and args in RBX, RCX, RDX, RSI, RDI.  The next HV_RUN
		 * writes ret to RAX and resumes after the instruction.
		 */
		struct {
			__u64 nr;
			__u64 args[5];
			__u64 ret;
		} hypercall;
		/* HV_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_entry_failure_reason;
			__u32 cpu;
			__u32 padding;
		} fail_entry;
		/*
		 * HV_EXIT_EOI: the guest ended a level-triggered interrupt
		 * (TMR set) at @vector; the write is complete.  The VMM's I/O
		 * APIC clears Remote IRR of the pins with that vector and
		 * delivers again any whose line is still asserted.
		 */
		struct {
			__u8 vector;
			__u8 padding[7];
		} eoi;
		/* HV_EXIT_INTERNAL_ERROR */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[16];
		} internal;
		/* room to grow without changing the layout */
		__u8 padding[256];
	};
};

/* ---- statistics ------------------------------------------------------------ */
/*
 * Per-vCPU exit statistics, indexed by HV_STAT_*.  Latency is the
 * time from a VM exit to the next VM entry of the same vCPU: in-kernel
 * handling for kernel exits, the userspace round trip for the others.
 */
struct hv_stats {
	__u32 flags;
	__u32 nr_reasons;		/* out: HV_STATS_NR_REASONS */
	__u32 nr_buckets;		/* out: HV_STATS_NR_BUCKETS */
	__u32 padding;
	__u64 exits[HV_STATS_NR_REASONS];
	__u64 latency_ns_total[HV_STATS_NR_REASONS];
	__u64 latency_hist[HV_STATS_NR_REASONS][HV_STATS_NR_BUCKETS];
};

/*
 * ---- the binary stats file (HV_GET_STATS_FD) ----------------------------------
 * A read-only file of one vCPU's statistics that describes itself, so that a
 * tool needs none of this header's other definitions to read it (the shape
 * of KVM's binary stats fd): at offset 0 a struct hv_stats_header; at
 * desc_offset num_desc descriptors of desc_size bytes each (struct
 * hv_stats_desc, possibly grown at its end in a later version); at
 * data_offset data_size bytes of little-endian __u64 values, each
 * descriptor's count of them at data_offset + its offset.  Everything but
 * the data is fixed for the file's life: read it once, then pread() the
 * data as often as wanted (each read is a fresh snapshot).  Names are
 * NUL-terminated, "<what>.<reason>" ("exits.cpuid", "kernel_ns.io").
 */
#define HV_STATS_MAGIC			0x54535648u	/* "HVST" */
#define HV_STATS_VERSION		1
#define HV_STATS_NAME_SIZE		48

struct hv_stats_header {
	__u32 magic;
	__u32 version;
	__u32 flags;			/* 0 */
	__u32 num_desc;
	__u32 desc_size;
	__u32 desc_offset;
	__u32 data_offset;
	__u32 data_size;
	__u32 id_offset;		/* NUL-terminated "hv-vcpu-<id>" */
	__u32 id_size;
	__u32 reserved[6];
};

#define HV_STATS_TYPE_COUNTER		0	/* count values, only ever grow */
#define HV_STATS_TYPE_LOG2_HIST		1	/* bucket i counts [2^i, 2^(i+1)); 0 counts 0 too; the last is open */

#define HV_STATS_UNIT_NONE		0
#define HV_STATS_UNIT_NS		1	/* nanoseconds (histogram bucket bounds, sums) */

struct hv_stats_desc {
	__u32 type;			/* HV_STATS_TYPE_* */
	__u32 unit;			/* HV_STATS_UNIT_* */
	__u32 count;			/* __u64 values: 1, or the buckets of a histogram */
	__u32 offset;			/* from the header's data_offset, bytes */
	char name[HV_STATS_NAME_SIZE];
};

#endif /* _UAPI_LINUX_HV_H */
