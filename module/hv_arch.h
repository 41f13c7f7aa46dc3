/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor interface.  One const table per vendor (svm_ops, vmx_ops) is
 * picked at module load; core code calls only through it and never
 * includes vmx/ or svm/ headers.
 *
 * Vendor code only translates: enter() records each VM exit as a neutral
 * struct hv_exit (hv_vcpu.h), and the vendor's exit table maps the
 * hardware exit code to the neutral reason it counts as and to the handler
 * that acts on it; hv_exit.c is the one dispatcher.  Handlers take the
 * struct hv_vcpu, so the table can name a common handler (hv_emulate_cpuid)
 * directly, and a vendor function only where the hardware's information
 * must first be translated (IOIO, nested page faults...).
 *
 * Every member is required unless marked "optional" (NULL allowed);
 * hv_arch_ops_valid() checks that at load.  The ones an exit or an entry
 * uses are called through static calls (hv_call()), which the kernel
 * patches into direct calls once the vendor is known: no indirect call
 * (and no retpoline) on the hot path.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <linux/static_call.h>
#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;
struct hv_sregs;
struct hv_cpuid_entry;

/* One row of a vendor's exit table, indexed by the hardware exit code. */
struct hv_exit_handler {
	/* >0: re-enter; 0: go to userspace (hv_exit_to_user() done); <0: errno. */
	int (*handle)(struct hv_vcpu *vcpu);
	u32 reason;			/* HV_STAT_* the exit counts as */
};

struct hv_arch_ops {
	const char *name;
	u32 vendor;				/* HV_VENDOR_* */

	/* Module load: 0 if this CPU has the extension, -errno with a message if not. */
	int (*probe)(void);
	/* Module load/unload: global (not per-CPU) resources. */
	int (*setup)(void);
	void (*unsetup)(void);

	/*
	 * Per-CPU enable/disable, called on the target CPU with preemption
	 * off when the first VM is created / the last destroyed, and on CPU
	 * hotplug in between.  -EBUSY if another hypervisor owns the CPU.
	 */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
	/* Reboot, kexec and panic: leave VMX/SVM operation, no locks taken. */
	void (*emergency_disable)(void);
	/*
	 * Optional.  The vendor KVM module that, on the older kernel (6.1),
	 * holds the kernel's emergency-disable slot for as long as it is
	 * loaded, with a callback that also turns this extension off when hv
	 * turned it on; NULL if there is none (6.1 turns SVM off itself).
	 */
	const char *emergency_slot_module;

	/* Sizes of the vendor structs that embed struct hv_vm / struct hv_vcpu. */
	size_t vm_size;
	size_t vcpu_size;

	int (*vm_init)(struct hv_vm *vm);
	void (*vm_destroy)(struct hv_vm *vm);

	int (*vcpu_init)(struct hv_vcpu *vcpu);
	void (*vcpu_free)(struct hv_vcpu *vcpu);
	/* Optional.  Preempt-notifier hooks: the vCPU thread now runs on / leaves @cpu. */
	void (*vcpu_load)(struct hv_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct hv_vcpu *vcpu);

	/*
	 * Enter the guest once.  Called with preemption and interrupts
	 * disabled, after vcpu->regs/rip/rflags are final; returns after the
	 * VM exit with vcpu->exit recorded (hardware code, qualification,
	 * next RIP, or a failed entry), the core register cache refreshed and
	 * an event the exit interrupted queued for re-injection.  Interrupts
	 * stay disabled on return.
	 */
	void (*enter)(struct hv_vcpu *vcpu);
	/* The exit table, indexed by vcpu->exit.hw_reason; holes are unknown exits. */
	const struct hv_exit_handler *exit_handlers;
	u32 nr_exit_handlers;
	/* Log the vendor state of the last exit (an unknown exit, a failed entry). */
	void (*dump_exit)(struct hv_vcpu *vcpu, const char *why);
	/*
	 * Do the host's interrupts and NMIs exit this guest as its controls
	 * stand now (SVM: INTR and NMI intercepts with V_INTR_MASKING; VMX:
	 * external-interrupt and NMI exiting)?  hv sets them on every vCPU
	 * and never clears them; asked only after a guest run that outlasted
	 * the host's tick many times over (hv_note_long_run()).
	 */
	bool (*host_irqs_exit)(struct hv_vcpu *vcpu);
	/* HV_CAP_NRIPS: the CPU reports the next RIP of every exiting instruction. */
	bool (*has_next_rip)(void);
	/* HV_CAP_HW_FEATURES: the HV_HW_* bits of this vendor that the backend found. */
	u32 (*hw_features)(void);
	/* Optional: clear CPUID bits the vendor's controls do not back (after x86/cpuid.c). */
	void (*cpuid_mask)(struct hv_cpuid_entry *e);

	void (*get_sregs)(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
	/* MSRs the vendor state holds (EFER, PAT, TSC, segment bases...). */
	int (*get_msr)(struct hv_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);

	/* Interrupt state of the guest as of the last exit. */
	bool (*interrupt_allowed)(struct hv_vcpu *vcpu);
	bool (*interrupt_shadow)(struct hv_vcpu *vcpu);
	/* An instruction completed: no STI/MOV SS shadow remains (int_state, interruptibility). */
	void (*clear_interrupt_shadow)(struct hv_vcpu *vcpu);
	/* Arrange the next entry to deliver / to exit when delivery is possible. */
	void (*inject_irq)(struct hv_vcpu *vcpu, u8 vector);
	void (*inject_exception)(struct hv_vcpu *vcpu, u8 vector, bool has_error, u32 error);
	/* OR @bits into the guest's DR6: the #DB of a single-step that hv completed. */
	void (*add_dr6)(struct hv_vcpu *vcpu, u64 bits);
	/* The guest's CR2, for a #PF the emulator injects. */
	void (*set_cr2)(struct hv_vcpu *vcpu, u64 cr2);
	void (*set_irq_window)(struct hv_vcpu *vcpu, bool enable);
	/* Drop the event queued for the next entry (re-injection too) and NMI blocking: INIT. */
	void (*cancel_event)(struct hv_vcpu *vcpu);
	/*
	 * NMIs (the in-kernel local APIC's): may one be injected now (no NMI
	 * handler running, no shadow, no event queued)?  Inject one; ask for
	 * an exit once one may be (after the handler's IRET).
	 */
	bool (*nmi_allowed)(struct hv_vcpu *vcpu);
	void (*inject_nmi)(struct hv_vcpu *vcpu);
	void (*set_nmi_window)(struct hv_vcpu *vcpu, bool enable);
	/*
	 * The guest's CR8 as the vendor keeps it between exits (SVM V_TPR, the
	 * value VMX's CR8 exits read and write); the in-kernel local APIC's
	 * TPR[7:4] is copied in before each entry and back after it.
	 */
	u8 (*get_cr8)(struct hv_vcpu *vcpu);
	void (*set_cr8)(struct hv_vcpu *vcpu, u8 cr8);
	/*
	 * Exit on the guest's CR8 writes while a requested vector is held back,
	 * so that lowering CR8 delivers it at once.  @held_irr: the highest
	 * pending vector the PPR holds back, -1 if none.  SVM intercepts every
	 * CR8 write then (V_TPR writes do not exit otherwise); VMX with the TPR
	 * shadow sets TPR_THRESHOLD to the vector's class; VMX without it
	 * exits on every CR8 access anyway.
	 */
	void (*set_cr8_write_exit)(struct hv_vcpu *vcpu, int held_irr);

	/* Guest paging state for the software page walker. */
	void (*get_paging)(struct hv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4, u64 *efer);
	/* Code segment base and default operand size (16, 32 or 64). */
	void (*get_code_segment)(struct hv_vcpu *vcpu, u64 *base, int *bits);
	/* Base of segment register @seg (enum hv_seg: ES, CS, SS, DS, FS, GS). */
	u64 (*get_segment_base)(struct hv_vcpu *vcpu, int seg);
	/* Current privilege level (0-3): user accesses for the walker, hypercall refusal. */
	unsigned int (*get_cpl)(struct hv_vcpu *vcpu);

	/*
	 * Nested page table entry format: leaf for @pa, and non-leaf for a
	 * table.  Dirty logging rewrites a leaf with tdp_leaf() of its own
	 * address (bits 51:12) to change only its write permission.
	 */
	u64 (*tdp_leaf)(phys_addr_t pa, bool writable);
	u64 (*tdp_table)(phys_addr_t pa);
	/* Root pointer format (nCR3 or EPTP) for a root table at @pa. */
	u64 (*tdp_root)(phys_addr_t pa);
	u64 tdp_present_mask;			/* any of these bits set: present */
	u64 tdp_writable_mask;			/* set in a leaf tdp_leaf() made writable */
	/*
	 * Or'ed into tdp_leaf() to make a 2 MiB leaf of a level-2 entry or a
	 * 1 GiB one of a level-3 entry (NPT's PS, EPT's bit 7); never set in
	 * a 4 KiB leaf or a table entry.  tdp_max_leaf_level(): the largest
	 * leaf the CPU takes, 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB).
	 */
	u64 tdp_large_mask;
	int (*tdp_max_leaf_level)(void);
};

extern const struct hv_arch_ops *hv_ops;

/*
 * The ops an entry, an exit or the instruction emulator calls: static
 * calls, set once in hv_arch_ops_install().  Optional void ones
 * (vcpu_load, vcpu_put) go through static_call_cond().
 */
DECLARE_STATIC_CALL(hv_enter, *((struct hv_arch_ops *)NULL)->enter);
DECLARE_STATIC_CALL(hv_vcpu_load, *((struct hv_arch_ops *)NULL)->vcpu_load);
DECLARE_STATIC_CALL(hv_vcpu_put, *((struct hv_arch_ops *)NULL)->vcpu_put);
DECLARE_STATIC_CALL(hv_interrupt_allowed, *((struct hv_arch_ops *)NULL)->interrupt_allowed);
DECLARE_STATIC_CALL(hv_interrupt_shadow, *((struct hv_arch_ops *)NULL)->interrupt_shadow);
DECLARE_STATIC_CALL(hv_clear_interrupt_shadow,
	*((struct hv_arch_ops *)NULL)->clear_interrupt_shadow);
DECLARE_STATIC_CALL(hv_inject_irq, *((struct hv_arch_ops *)NULL)->inject_irq);
DECLARE_STATIC_CALL(hv_inject_exception, *((struct hv_arch_ops *)NULL)->inject_exception);
DECLARE_STATIC_CALL(hv_set_irq_window, *((struct hv_arch_ops *)NULL)->set_irq_window);
DECLARE_STATIC_CALL(hv_get_cr8, *((struct hv_arch_ops *)NULL)->get_cr8);
DECLARE_STATIC_CALL(hv_set_cr8, *((struct hv_arch_ops *)NULL)->set_cr8);
DECLARE_STATIC_CALL(hv_get_cpl, *((struct hv_arch_ops *)NULL)->get_cpl);
DECLARE_STATIC_CALL(hv_set_cr2, *((struct hv_arch_ops *)NULL)->set_cr2);
DECLARE_STATIC_CALL(hv_get_paging, *((struct hv_arch_ops *)NULL)->get_paging);
DECLARE_STATIC_CALL(hv_get_code_segment, *((struct hv_arch_ops *)NULL)->get_code_segment);
DECLARE_STATIC_CALL(hv_get_segment_base, *((struct hv_arch_ops *)NULL)->get_segment_base);

#define hv_call(func)		static_call(hv_##func)
#define hv_call_cond(func)	static_call_cond(hv_##func)

/* hv_main.c: check @ops for its required members and point the static calls at it. */
int hv_arch_ops_install(const struct hv_arch_ops *ops);

#ifdef CONFIG_CPU_SUP_AMD
extern const struct hv_arch_ops svm_ops;
#endif
#ifdef CONFIG_CPU_SUP_INTEL
extern const struct hv_arch_ops vmx_ops;
#endif

#endif /* HV_ARCH_H */
