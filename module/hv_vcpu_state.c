// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU state ioctls: HV_GET/SET_REGS, HV_GET/SET_SREGS, HV_SET_CPUID
 * and HV_GET/SET_MSRS, called by hv_vcpu_ioctl() with the vCPU mutex held
 * and the vCPU loaded.  Everything userspace passes is checked in full
 * before any of it is stored (reserved fields zero, x86/sregs.c's rules,
 * the CPUID masks), so a refused call leaves the vCPU as it was; the
 * CPUID table also decides which CR4/EFER bits and which MSRs the guest
 * has (hv_vcpu_cpuid_limits()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"
#include "x86/sregs.h"
#include "x86/xsave.h"

long hv_vcpu_get_regs(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_regs regs = {
		.rax = vcpu->regs[HV_RAX], .rbx = vcpu->regs[HV_RBX],
		.rcx = vcpu->regs[HV_RCX], .rdx = vcpu->regs[HV_RDX],
		.rsi = vcpu->regs[HV_RSI], .rdi = vcpu->regs[HV_RDI],
		.rsp = vcpu->regs[HV_RSP], .rbp = vcpu->regs[HV_RBP],
		.r8 = vcpu->regs[HV_R8], .r9 = vcpu->regs[HV_R9],
		.r10 = vcpu->regs[HV_R10], .r11 = vcpu->regs[HV_R11],
		.r12 = vcpu->regs[HV_R12], .r13 = vcpu->regs[HV_R13],
		.r14 = vcpu->regs[HV_R14], .r15 = vcpu->regs[HV_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};

	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

long hv_vcpu_set_regs(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	if (regs.flags || regs.reserved)
		return -EINVAL;
	vcpu->regs[HV_RAX] = regs.rax;
	vcpu->regs[HV_RBX] = regs.rbx;
	vcpu->regs[HV_RCX] = regs.rcx;
	vcpu->regs[HV_RDX] = regs.rdx;
	vcpu->regs[HV_RSI] = regs.rsi;
	vcpu->regs[HV_RDI] = regs.rdi;
	vcpu->regs[HV_RSP] = regs.rsp;
	vcpu->regs[HV_RBP] = regs.rbp;
	vcpu->regs[HV_R8] = regs.r8;
	vcpu->regs[HV_R9] = regs.r9;
	vcpu->regs[HV_R10] = regs.r10;
	vcpu->regs[HV_R11] = regs.r11;
	vcpu->regs[HV_R12] = regs.r12;
	vcpu->regs[HV_R13] = regs.r13;
	vcpu->regs[HV_R14] = regs.r14;
	vcpu->regs[HV_R15] = regs.r15;
	vcpu->rip = regs.rip;
	/* Bit 1 is always set; reserved bits are cleared as hardware would. */
	vcpu->rflags = (regs.rflags & HV_RFLAGS_WRITABLE) | X86_EFLAGS_FIXED;
	/* New registers void whatever the last exit left to complete. */
	vcpu->pending = HV_PENDING_NONE;
	return 0;
}

long hv_vcpu_get_sregs(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_sregs sregs;

	memset(&sregs, 0, sizeof(sregs));
	hv_ops->get_sregs(vcpu, &sregs);
	sregs.apic_base = hv_vcpu_apic_base(vcpu);
	if (vcpu->lapic)
		sregs.cr8 = hv_vcpu_lapic_cr8(vcpu);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static bool hv_sregs_reserved_clear(const struct hv_sregs *s)
{
	const struct hv_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	int i;

	if (s->flags || s->reserved)
		return false;
	for (i = 0; i < ARRAY_SIZE(s->reserved2); i++)
		if (s->reserved2[i])
			return false;
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (segs[i]->padding)
			return false;
	return !s->gdt.padding[0] && !s->gdt.padding[1] && !s->gdt.padding[2] &&
	       !s->idt.padding[0] && !s->idt.padding[1] && !s->idt.padding[2];
}

/* CR4 bits a guest may have: the host CPU supports them and hv backs them. */
static u64 hv_cr4_valid(void)
{
	u64 valid = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
		    X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
		    X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		valid |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		valid |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		valid |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		valid |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		valid |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		valid |= X86_CR4_SMAP;
	return valid;
}

/*
 * What the vCPU's CPUID table allows, after every change of the table: CR4
 * and EFER bits, and RDTSCP/RDPID with IA32_TSC_AUX (the vendors read
 * guest_rdtscp and guest_tsc_aux at entry).
 */
void hv_vcpu_cpuid_limits(struct hv_vcpu *vcpu)
{
	vcpu->cr4_valid = hv_cpuid_cr4_valid(vcpu->cpuid, vcpu->cpuid_nent, hv_cr4_valid());
	vcpu->efer_valid = hv_cpuid_efer_valid(vcpu->cpuid, vcpu->cpuid_nent, HV_EFER_VALID);
	vcpu->guest_rdtscp = hv_cpuid_has_rdtscp(vcpu->cpuid, vcpu->cpuid_nent);
	vcpu->guest_tsc_aux = vcpu->guest_rdtscp ||
			      hv_cpuid_has_rdpid(vcpu->cpuid, vcpu->cpuid_nent);
	hv_xsave_cpuid_limits(vcpu);
}

/*
 * The whole set is checked (x86/sregs.c) before any of it is stored, so a
 * refused set leaves the vCPU as it was.  CR3 is judged against the
 * physical-address width the guest's CPUID announces, as KVM does.
 */
static int hv_vcpu_check_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	const struct hv_cpuid_entry *e;
	struct hv_sregs_limits lim = {
		.cr4_valid = vcpu->cr4_valid,
		.efer_valid = vcpu->efer_valid,
	};

	e = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 0x80000008, 0);
	lim.maxphyaddr = hv_sregs_maxphyaddr(e, e ? e->eax : 0);
	return hv_sregs_check(sregs, &lim) == HV_SREGS_OK ? 0 : -EINVAL;
}

long hv_vcpu_set_sregs(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_sregs sregs;
	int r;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	if (!hv_sregs_reserved_clear(&sregs))
		return -EINVAL;
	r = hv_vcpu_check_sregs(vcpu, &sregs);
	if (r)
		return r;
	r = hv_msr_set(vcpu, MSR_IA32_APICBASE, sregs.apic_base, true);
	if (r)
		return r;
	r = hv_ops->set_sregs(vcpu, &sregs);
	if (r)
		return r;
	if (vcpu->lapic)
		hv_vcpu_lapic_set_cr8(vcpu, sregs.cr8);
	vcpu->pending = HV_PENDING_NONE;
	return 0;
}

long hv_vcpu_set_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid __user *ucpuid)
{
	struct hv_cpuid_entry *entries;
	struct hv_cpuid hdr;
	u32 i;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	if (hdr.nent > HV_MAX_CPUID_ENTRIES)
		return -E2BIG;
	entries = vmemdup_user(ucpuid->entries, hdr.nent * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < hdr.nent; i++) {
		struct hv_cpuid_entry *e = &entries[i];

		if ((e->flags & ~HV_CPUID_FLAG_SIGNIFICANT_INDEX) ||
		    e->reserved[0] || e->reserved[1] || e->reserved[2]) {
			kvfree(entries);
			return -EINVAL;
		}
		hv_cpuid_mask_entry(e);
	}
	hv_cpuid_mask_vendor(entries, hdr.nent);
	hv_cpuid_limit_lapic(entries, hdr.nent, vcpu->lapic);
	kvfree(vcpu->cpuid);
	vcpu->cpuid = entries;
	vcpu->cpuid_nent = hdr.nent;
	hv_vcpu_cpuid_limits(vcpu);
	return 0;
}

long hv_vcpu_msrs(struct hv_vcpu *vcpu, struct hv_msrs __user *umsrs, bool set)
{
	struct hv_msr_entry *entries;
	struct hv_msrs hdr;
	u32 i;
	int r;

	if (copy_from_user(&hdr, umsrs, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	if (hdr.nmsrs > HV_MAX_MSR_ENTRIES)
		return -E2BIG;
	entries = vmemdup_user(umsrs->entries, hdr.nmsrs * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (entries[i].reserved) {
			r = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < hdr.nmsrs; i++) {
		struct hv_msr_entry *e = &entries[i];

		if (set ? hv_msr_set(vcpu, e->index, e->data, true) :
			  hv_msr_get(vcpu, e->index, &e->data))
			break;
	}
	r = i;
	if (!set && copy_to_user(umsrs->entries, entries, i * sizeof(*entries)))
		r = -EFAULT;
out:
	kvfree(entries);
	return r;
}
