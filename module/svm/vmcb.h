/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SVM vendor state.  The VMCB layout, intercept numbers and exit codes are
 * the kernel's own hardware definitions (<asm/svm.h>, identical in 6.1 and
 * 6.12); this header adds hv's per-vCPU and per-CPU state around them.
 */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include <linux/types.h>
#include <asm/svm.h>

#include "../hv_arch.h"
#include "../hv_vm.h"
#include "../hv_vcpu.h"

/* VMCB segment attribute bits (APM vol. 2, "Segment State in the VMCB"). */
#define SVM_SEG_S	BIT(4)
#define SVM_SEG_P	BIT(7)
#define SVM_SEG_AVL	BIT(8)
#define SVM_SEG_L	BIT(9)
#define SVM_SEG_DB	BIT(10)
#define SVM_SEG_G	BIT(11)

/* EXITINFO1 of an IOIO intercept. */
#define SVM_IOIO_IN	BIT(0)
#define SVM_IOIO_SZ8	BIT(4)
#define SVM_IOIO_SZ16	BIT(5)
#define SVM_IOIO_A16	BIT(7)
#define SVM_IOIO_A32	BIT(8)

/* EXITINFO1 of a nested page fault. */
#define SVM_NPF_WRITE	BIT_ULL(1)
#define SVM_NPF_RSVD	BIT_ULL(3)

struct svm_vm {
	struct hv_vm vm;		/* first: hv_arch_ops.vm_size */
	u64 tsc_offset;			/* guest TSC = host TSC + offset, VM-wide */
};

struct svm_vcpu {
	struct hv_vcpu vcpu;		/* first: hv_arch_ops.vcpu_size */
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;
	u64 asid_gen;			/* generation of asid on asid_cpu */
	int asid_cpu;
	/*
	 * NMI blocking, which SVM (without vNMI) leaves to the hypervisor: set
	 * by an injected NMI, until the guest's IRET (intercepted) has
	 * completed, i.e. RIP moved past it.
	 */
	bool nmi_masked;
	bool awaiting_iret;
	u64 iret_rip;
};

/* Per-CPU SVM state, valid while the CPU is enabled. */
struct svm_cpu {
	void *hsave;			/* VM_HSAVE_PA: the CPU saves host state here */
	void *host_save;		/* VMSAVE/VMLOAD area for host FS/GS/TR/... */
	u64 asid_gen;
	u32 next_asid;
	u32 max_asid;
};

static inline struct svm_vcpu *to_svm(struct hv_vcpu *vcpu)
{
	return container_of(vcpu, struct svm_vcpu, vcpu);
}

static inline struct svm_vm *to_svm_vm(struct hv_vm *vm)
{
	return container_of(vm, struct svm_vm, vm);
}

static inline void svm_set_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] |= 1u << (bit % 32);
}

static inline void svm_clr_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] &= ~(1u << (bit % 32));
}

/* vmrun.S */
void svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_save_pa);

/* svm_exit.c */
/* Up to the highest exit code hv handles, the nested page fault. */
#define SVM_EXIT_TABLE_SIZE	(SVM_EXIT_NPF + 1)

/* PAUSEs before an exit, and the cycles between two that count as a loop (KVM's defaults). */
#define SVM_PAUSE_FILTER_COUNT	3000
#define SVM_PAUSE_FILTER_THRESH	128
extern const struct hv_exit_handler svm_exit_handlers[SVM_EXIT_TABLE_SIZE];
void svm_record_exit(struct svm_vcpu *svm);
void svm_dump_exit(struct hv_vcpu *vcpu, const char *why);
void svm_dump_vmcb(struct svm_vcpu *svm, const char *why);

#endif /* HV_SVM_VMCB_H */
