/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor interface.  One const table per vendor (svm_ops, vmx_ops) is
 * picked at module load; core code calls only through it and never
 * includes vmx/ or svm/ headers.  Vendor code translates hardware exits
 * into neutral HV_EXIT_* reasons with the help of the shared x86 helpers.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;
struct hv_sregs;

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
	 * The vendor KVM module that, on the older kernel (6.1), holds the
	 * kernel's emergency-disable slot for as long as it is loaded, with a
	 * callback that also turns this extension off when hv turned it on;
	 * NULL if there is none (6.1 turns SVM off itself).
	 */
	const char *emergency_slot_module;

	/* Sizes of the vendor structs that embed struct hv_vm / struct hv_vcpu. */
	size_t vm_size;
	size_t vcpu_size;

	int (*vm_init)(struct hv_vm *vm);
	void (*vm_destroy)(struct hv_vm *vm);

	int (*vcpu_init)(struct hv_vcpu *vcpu);
	void (*vcpu_free)(struct hv_vcpu *vcpu);
	/* Preempt-notifier hooks: the vCPU thread now runs on / leaves @cpu. */
	void (*vcpu_load)(struct hv_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct hv_vcpu *vcpu);

	/*
	 * Enter the guest once.  Called with preemption and interrupts
	 * disabled, after vcpu->regs/rip/rflags are final; returns after the
	 * VM exit with the exit recorded in the vendor state and the core
	 * register cache refreshed.  Interrupts stay disabled on return.
	 */
	void (*enter)(struct hv_vcpu *vcpu);
	/*
	 * Handle the exit recorded by enter(), preemptible.  Sets
	 * vcpu->stat_reason.  >0: re-enter; 0: go to userspace (vcpu->run
	 * filled in); <0: errno for HV_RUN.
	 */
	int (*handle_exit)(struct hv_vcpu *vcpu);

	void (*get_sregs)(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
	/* MSRs the vendor state holds (EFER, PAT, TSC, segment bases...). */
	int (*get_msr)(struct hv_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);

	/* Interrupt state of the guest as of the last exit. */
	bool (*interrupt_allowed)(struct hv_vcpu *vcpu);
	bool (*interrupt_shadow)(struct hv_vcpu *vcpu);
	/* Arrange the next entry to deliver / to exit when delivery is possible. */
	void (*inject_irq)(struct hv_vcpu *vcpu, u8 vector);
	void (*inject_exception)(struct hv_vcpu *vcpu, u8 vector, bool has_error, u32 error);
	void (*set_irq_window)(struct hv_vcpu *vcpu, bool enable);

	/* Guest paging state for the software page walker. */
	void (*get_paging)(struct hv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4, u64 *efer);
	/* Code segment base and default operand size (16, 32 or 64). */
	void (*get_code_segment)(struct hv_vcpu *vcpu, u64 *base, int *bits);
	/* Base of segment register @seg (enum hv_seg: ES, CS, SS, DS, FS, GS). */
	u64 (*get_segment_base)(struct hv_vcpu *vcpu, int seg);
	/* Current privilege level (0-3): the walker checks CPL 3 accesses as user accesses. */
	unsigned int (*get_cpl)(struct hv_vcpu *vcpu);

	/* Nested page table entry format: leaf for @pa, and non-leaf for a table. */
	u64 (*tdp_leaf)(phys_addr_t pa, bool writable);
	u64 (*tdp_table)(phys_addr_t pa);
	/* Root pointer format (nCR3 or EPTP) for a root table at @pa. */
	u64 (*tdp_root)(phys_addr_t pa);
	u64 tdp_present_mask;			/* any of these bits set: present */
};

extern const struct hv_arch_ops *hv_ops;

#ifdef CONFIG_CPU_SUP_AMD
extern const struct hv_arch_ops svm_ops;
#endif
#ifdef CONFIG_CPU_SUP_INTEL
extern const struct hv_arch_ops vmx_ops;
#endif

#endif /* HV_ARCH_H */
