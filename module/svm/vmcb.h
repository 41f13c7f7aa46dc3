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

/*
 * The LDT the host save area was taken with: the LDTR selector and the
 * descriptor set_ldt() last wrote into this CPU's GDT (svm_clean.c).
 */
struct svm_host_ldt {
	u64 desc[2];
	u16 selector;
};

/* What VMRUN may cache, as of the last #VMEXIT: check_vmcb_clean compares it. */
struct svm_clean_snapshot {
	u32 intercepts[MAX_INTERCEPT];
	u16 pause_filter_thresh;
	u16 pause_filter_count;
	u64 tsc_offset;
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u32 asid;
	u64 nested_cr3;
	u64 g_pat;
	u64 cr0, cr3, cr4, efer;
	u64 dr6, dr7;
	struct vmcb_seg gdtr, idtr, cs, ds, ss, es;
	u8 cpl;
};

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
	/*
	 * The CPU's host save area holds this thread's state (VMSAVE'd since
	 * the last vcpu_load), and the LDT that was loaded then.  Only the
	 * vCPU's thread, with preemption off, touches these.
	 */
	bool host_saved;
	struct svm_host_ldt host_ldt;
	/* check_vmcb_clean: the cached groups as of the last exit, if taken then. */
	bool clean_snapshot_valid;
	struct svm_clean_snapshot clean_snapshot;
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

/*
 * VMCB clean bits (APM vol. 2, "VMCB State Caching"): a set bit lets VMRUN
 * use the copy of that group of fields it cached at the last #VMEXIT of
 * this VMCB on this CPU, so whoever changes a field of a group clears its
 * bit (svm_mark_dirty()).  After a successful VMRUN everything is clean
 * again, except the two groups hv rewrites on most entries anyway (V_TPR
 * and V_IRQ follow the local APIC; CR2 is cheap): those stay dirty, as in
 * KVM.  A CPU without the feature ignores the field.  check_vmcb_clean
 * (svm_clean.c) verifies the marking against a snapshot.
 */
enum svm_clean_bit {
	SVM_CLEAN_INTERCEPTS,	/* intercept vectors, TSC offset, pause filter */
	SVM_CLEAN_IOPM,		/* IOPM_BASE_PA, MSRPM_BASE_PA */
	SVM_CLEAN_ASID,
	SVM_CLEAN_TPR,		/* V_TPR, V_IRQ, V_INTR_PRIO/VECTOR, V_IGN_TPR */
	SVM_CLEAN_NP,		/* nested paging: N_CR3, G_PAT */
	SVM_CLEAN_CRX,		/* CR0, CR3, CR4, EFER */
	SVM_CLEAN_DRX,		/* DR6, DR7 */
	SVM_CLEAN_DT,		/* GDTR, IDTR */
	SVM_CLEAN_SEG,		/* CS, DS, SS, ES, CPL */
	SVM_CLEAN_CR2,
	SVM_CLEAN_LBR,		/* DBGCTL and the last-branch records: hv never writes them */
	SVM_CLEAN_AVIC,		/* not used by hv */
	SVM_CLEAN_NR,
};

#define SVM_CLEAN_ALWAYS_DIRTY	(BIT(SVM_CLEAN_TPR) | BIT(SVM_CLEAN_CR2))
#define SVM_CLEAN_ALL		((BIT(SVM_CLEAN_NR) - 1) & ~SVM_CLEAN_ALWAYS_DIRTY)

static inline void svm_mark_dirty(struct vmcb *vmcb, enum svm_clean_bit bit)
{
	vmcb->control.clean &= ~BIT(bit);
}

static inline void svm_set_intercept(struct vmcb *vmcb, unsigned int bit)
{
	u32 *word = &vmcb->control.intercepts[bit / 32];

	if (!(*word & BIT(bit % 32))) {
		*word |= BIT(bit % 32);
		svm_mark_dirty(vmcb, SVM_CLEAN_INTERCEPTS);
	}
}

static inline void svm_clr_intercept(struct vmcb *vmcb, unsigned int bit)
{
	u32 *word = &vmcb->control.intercepts[bit / 32];

	if (*word & BIT(bit % 32)) {
		*word &= ~BIT(bit % 32);
		svm_mark_dirty(vmcb, SVM_CLEAN_INTERCEPTS);
	}
}

/* vmrun.S */
void svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_save_pa);

/* svm_clean.c */
void svm_host_save(struct svm_vcpu *svm, struct svm_cpu *sd);
void svm_clean_check(struct svm_vcpu *svm);
void svm_clean_snapshot(struct svm_vcpu *svm);
extern bool svm_check_clean;

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
