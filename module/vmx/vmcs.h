/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX vendor state.  VMCS field encodings, exit reasons and control bits
 * are the kernel's own hardware definitions (<asm/vmx.h>, <uapi/asm/vmx.h>,
 * <asm/msr-index.h>); this header adds hv's per-vCPU and per-CPU state, the
 * capabilities read once at load, and wrappers for the VMX instructions.
 */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include <linux/list.h>
#include <linux/printk.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/desc_defs.h>
#include <asm/vmx.h>

#include "../hv_arch.h"
#include "../hv_vm.h"
#include "../hv_vcpu.h"

/* IA32_VMX_BASIC (SDM Vol. 3 Appendix A.1); named here, 6.1 and 6.12 differ. */
#define HV_VMX_BASIC_REVISION		GENMASK_ULL(30, 0)
#define HV_VMX_BASIC_SIZE(b)		(((b) >> 32) & 0x1fff)
#define HV_VMX_BASIC_INOUT		BIT_ULL(54)	/* instruction info for INS/OUTS */
#define HV_VMX_BASIC_TRUE_CTLS		BIT_ULL(55)
/* Secondary control "enable XSAVES/XRSTORS" (bit 20): the kernel's name changed in 6.x. */
#define HV_SECONDARY_EXEC_XSAVES	BIT(20)

/* IA32_VMX_EPT_VPID_CAP bits hv relies on. */
#define HV_EPT_CAP_WALK4		BIT_ULL(6)
#define HV_EPT_CAP_WB			BIT_ULL(14)
#define HV_EPT_CAP_2M			BIT_ULL(16)
#define HV_EPT_CAP_1G			BIT_ULL(17)
#define HV_EPT_CAP_INVEPT		BIT_ULL(20)
#define HV_EPT_CAP_AD			BIT_ULL(21)
#define HV_EPT_CAP_INVEPT_SINGLE	BIT_ULL(25)
#define HV_EPT_CAP_INVEPT_ALL		BIT_ULL(26)
#define HV_VPID_CAP_INVVPID		BIT_ULL(32)
#define HV_VPID_CAP_INVVPID_SINGLE	BIT_ULL(41)
#define HV_VPID_CAP_INVVPID_ALL		BIT_ULL(42)

/* EPT entries (SDM Vol. 3 "EPT Translation Mechanism"). */
#define HV_EPT_R			BIT_ULL(0)
#define HV_EPT_W			BIT_ULL(1)
#define HV_EPT_X			BIT_ULL(2)
#define HV_EPT_MT_WB			(6ULL << 3)
#define HV_EPT_LARGE			BIT_ULL(7)	/* a PDE maps 2 MiB */
#define HV_EPT_A			BIT_ULL(8)
#define HV_EPT_D			BIT_ULL(9)
#define HV_EPTP_MT_WB			6ULL
#define HV_EPTP_WALK4			(3ULL << 3)
#define HV_EPTP_AD			BIT_ULL(6)

/* Exit qualification of a VM-entry failure exit is this small number. */
#define HV_VMX_EXIT_FAILED_ENTRY	BIT(31)
#define HV_VMX_BASIC_REASON		GENMASK(15, 0)

/* Exit qualification of an I/O instruction (SDM Table "I/O Instructions"). */
#define HV_VMX_IO_SIZE			GENMASK(2, 0)
#define HV_VMX_IO_IN			BIT(3)
#define HV_VMX_IO_STRING		BIT(4)
#define HV_VMX_IO_REP			BIT(5)

/* Exit qualification of a control-register access. */
#define HV_VMX_CR_NUM(q)		((q) & 0xf)
#define HV_VMX_CR_TYPE(q)		(((q) >> 4) & 3)
#define HV_VMX_CR_GPR(q)		(((q) >> 8) & 0xf)
#define HV_VMX_CR_LMSW_DATA(q)		(((q) >> 16) & 0xffff)
enum { HV_CR_MOV_TO, HV_CR_MOV_FROM, HV_CR_CLTS, HV_CR_LMSW };

/* Guest segment access rights, VMX layout (bits 7:0 are the descriptor's). */
#define HV_VMX_AR_S			BIT(4)
#define HV_VMX_AR_P			BIT(7)
#define HV_VMX_AR_AVL			BIT(12)
#define HV_VMX_AR_L			BIT(13)
#define HV_VMX_AR_DB			BIT(14)
#define HV_VMX_AR_G			BIT(15)
#define HV_VMX_AR_UNUSABLE		BIT(16)

/* What the capability MSRs allow, decided once at module load. */
/* PAUSE-loop exiting: cycles between PAUSEs of one loop, and the loop's length (KVM's defaults). */
#define VMX_PLE_GAP		128
#define VMX_PLE_WINDOW		4096

struct vmx_caps {
	u64 basic;
	u32 pin, proc, proc2, exit, entry;	/* control words hv runs with */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid;
	bool vpid;				/* VPIDs in use */
	bool ept_ad;				/* EPT accessed/dirty flags in use */
	bool ept_2m;				/* EPT PDEs may map 2 MiB */
	bool ept_1g;				/* EPT PDPTEs may map 1 GiB */
	bool preemption_timer;			/* usable, see vmx_enter() */
	bool virtual_nmis;			/* virtual NMIs and NMI-window exiting */
	bool tpr_shadow;			/* usable: vmx_tpr_shadow_usable() */
	u32 timer_value;			/* about 1 ms of TSC, in timer ticks */
	u32 vmcs_size;
};

extern struct vmx_caps vmx_caps;

/*
 * Host state switched lazily: saved at the first entry after the vCPU
 * was loaded, given back when it is put (sched-out, end of the ioctl).
 * While loaded, the CPU runs with the guest's syscall MSRs, which the
 * kernel only uses on the way to and from user mode.
 */
struct vmx_host_state {
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
	u64 kernel_gs_base;
	u64 star, lstar, cstar, sfmask;
	u64 debugctl;
	struct desc_ptr idt;
};

/* The guest MSRs VMX does not switch; hv swaps them (see vmx_host_state). */
struct vmx_guest_msrs {
	u64 kernel_gs_base;
	u64 star, lstar, cstar, sfmask;
};

/*
 * Locking legend: everything here belongs to the thread holding the vCPU
 * mutex, except loaded_cpu/loaded_link/launched, which the CPU the VMCS
 * is active on may also change (VMCLEAR by IPI, CPU offline) with
 * interrupts disabled.
 */
struct vmx_vcpu {
	struct hv_vcpu vcpu;		/* first: hv_arch_ops.vcpu_size */
	void *vmcs;
	phys_addr_t vmcs_pa;
	int loaded_cpu;			/* CPU the VMCS is active on, -1 if clear */
	struct list_head loaded_link;	/* on that CPU's vmx_cpu.loaded list */
	bool launched;			/* VMLAUNCH done since the last VMCLEAR */
	bool vmcs_ready;		/* fields written (at the first load) */
	bool need_cpu_flush;		/* arrived on a CPU: drop its stale translations */
	u16 vpid;

	u32 pin;			/* current pin-based controls */
	u32 proc;			/* current primary processor-based controls */
	u32 proc2;			/* current secondary processor-based controls */
	u32 entry;			/* current VM-entry controls */
	u64 host_cr3, host_cr4;		/* as written into the VMCS */
	bool host_state_saved;
	struct vmx_host_state host;
	struct vmx_guest_msrs msrs;
	u64 cr2;			/* guest CR2: VMX does not switch it */
	u64 dr6;			/* guest DR6: kept in software, like DR0-3 */
	u8 cr8;				/* guest CR8 without a TPR shadow: CR8 accesses exit */
	u8 *vapic;			/* virtual-APIC page with the TPR shadow, else NULL */
	u32 tpr_threshold;		/* as written into the VMCS */

	/* The last exit, read while the VMCS was current. */
	u32 exit_reason;		/* full field: bit 31 = VM-entry failure */
	u64 exit_qual;
	u32 exit_intr_info;
	u32 idt_vectoring;
	u32 idt_vectoring_err;
	u32 insn_len;
	u32 interruptibility;
	int fail;			/* 0 exit, 1 VMfailValid, 2 VMfailInvalid, 3 fault */
	u32 insn_error;			/* VM-instruction error of a VMfailValid */
};

/*
 * Per-CPU VMX state, valid while the CPU is enabled; only its own CPU
 * touches it, with interrupts off where an IPI (vmx_clear_ipi()) could.
 */
struct vmx_cpu {
	void *vmxon;			/* VMXON region */
	void *current_vmcs;		/* VMCS last VMPTRLD'ed here */
	struct list_head loaded;	/* vmx_vcpus whose VMCS is active here */
	bool on;			/* in VMX operation */
};

struct vmx_vm {
	struct hv_vm vm;		/* first: hv_arch_ops.vm_size */
	u64 tsc_offset;			/* guest TSC = host TSC + offset, VM-wide */
};

static inline struct vmx_vm *to_vmx_vm(struct hv_vm *vm)
{
	return container_of(vm, struct vmx_vm, vm);
}

static inline struct vmx_vcpu *to_vmx(struct hv_vcpu *vcpu)
{
	return container_of(vcpu, struct vmx_vcpu, vcpu);
}

/* ---- VMX instructions -------------------------------------------------- */

void vmx_insn_failed(const char *insn, u64 operand);

/* vmx_caps.c: the capabilities, read at probe time. */
int vmx_probe(void);
int vmx_feature_control(bool may_write);
bool vmx_tpr_shadow_enabled(void);
u32 vmx_hw_features(void);
void vmx_cpuid_mask(struct hv_cpuid_entry *e);

/* CF or ZF set after a VMX instruction means VMfailInvalid or VMfailValid. */
static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;
	bool ok;

	asm volatile("vmread %[field], %[value]" CC_SET(a)
		     : CC_OUT(a) (ok), [value] "=rm" (value)
		     : [field] "r" (field));
	if (unlikely(!ok)) {
		vmx_insn_failed("vmread", field);
		return 0;
	}
	return value;
}

static __always_inline void vmcs_write(unsigned long field, unsigned long value)
{
	bool ok;

	asm volatile("vmwrite %[value], %[field]" CC_SET(a)
		     : CC_OUT(a) (ok)
		     : [field] "r" (field), [value] "rm" (value)
		     : "memory");
	if (unlikely(!ok))
		vmx_insn_failed("vmwrite", field);
}

static __always_inline int vmx_vmclear(phys_addr_t pa)
{
	bool ok;

	asm volatile("vmclear %[pa]" CC_SET(a) : CC_OUT(a) (ok) : [pa] "m" (pa) : "memory");
	return ok ? 0 : -EIO;
}

static __always_inline int vmx_vmptrld(phys_addr_t pa)
{
	bool ok;

	asm volatile("vmptrld %[pa]" CC_SET(a) : CC_OUT(a) (ok) : [pa] "m" (pa) : "memory");
	return ok ? 0 : -EIO;
}

/* vmenter.S: 0 after a VM exit, 1 VMfailValid, 2 VMfailInvalid, 3 fault. */
int vmx_vmenter(u64 *regs, bool launched);
extern const char vmx_vmexit[];

/* ---- vmx.c ---------------------------------------------------------------- */
void vmx_set_proc_controls(struct vmx_vcpu *vmx, u32 proc);
void vmx_set_entry_controls(struct vmx_vcpu *vmx, u32 entry);

/* ---- vmx_state.c: the guest's registers as the ABI sees them ---------- */
void vmx_init_guest_state(struct vmx_vcpu *vmx);
void vmx_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
int vmx_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
int vmx_get_msr(struct hv_vcpu *vcpu, u32 index, u64 *data);
int vmx_set_msr(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);
u64 vmx_guest_cr0(void);
u64 vmx_guest_cr4(void);
int vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0);
int vmx_set_cr3(struct vmx_vcpu *vmx, u64 cr3);
int vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4);
bool vmx_interrupt_allowed(struct hv_vcpu *vcpu);
bool vmx_interrupt_shadow(struct hv_vcpu *vcpu);
void vmx_clear_interrupt_shadow(struct hv_vcpu *vcpu);
void vmx_set_cr2(struct hv_vcpu *vcpu, u64 cr2);
void vmx_inject_irq(struct hv_vcpu *vcpu, u8 vector);
void vmx_inject_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error, u32 error);
void vmx_add_dr6(struct hv_vcpu *vcpu, u64 bits);
void vmx_set_irq_window(struct hv_vcpu *vcpu, bool enable);
void vmx_cancel_event(struct hv_vcpu *vcpu);
bool vmx_nmi_allowed(struct hv_vcpu *vcpu);
void vmx_inject_nmi(struct hv_vcpu *vcpu);
void vmx_set_nmi_window(struct hv_vcpu *vcpu, bool enable);
u8 vmx_get_cr8(struct hv_vcpu *vcpu);
void vmx_set_cr8(struct hv_vcpu *vcpu, u8 cr8);
void vmx_set_cr8_write_exit(struct hv_vcpu *vcpu, int held_irr);
void vmx_get_paging(struct hv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4, u64 *efer);
void vmx_get_code_segment(struct hv_vcpu *vcpu, u64 *base, int *bits);
unsigned int vmx_get_cpl(struct hv_vcpu *vcpu);
u64 vmx_get_segment_base(struct hv_vcpu *vcpu, int seg);

/* ---- ept.c -------------------------------------------------------------- */
int vmx_ept_check_caps(void);
u64 vmx_tdp_leaf(phys_addr_t pa, bool writable);
u64 vmx_tdp_table(phys_addr_t pa);
u64 vmx_tdp_root(phys_addr_t pa);
int vmx_tdp_max_leaf_level(void);
void vmx_flush_ept(u64 eptp);
void vmx_flush_vpid(u16 vpid);
int vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);

/* ---- vmx_exit.c --------------------------------------------------------- */
/* Up to the highest basic exit reason hv handles. */
#define VMX_EXIT_TABLE_SIZE	(EXIT_REASON_XSETBV + 1)
extern const struct hv_exit_handler vmx_exit_handlers[VMX_EXIT_TABLE_SIZE];
void vmx_record_exit(struct vmx_vcpu *vmx);
void vmx_dump_exit(struct hv_vcpu *vcpu, const char *why);
__printf(2, 3) void vmx_dump(struct vmx_vcpu *vmx, const char *fmt, ...);
const char *vmx_insn_error_string(u32 error);

#endif /* HV_VMX_VMCS_H */
