// SPDX-License-Identifier: GPL-2.0
/*
 * XSAVE for guests: XCR0 and IA32_XSS, the state components on offer, and
 * the sizes CPUID leaf 0xD reports.
 *
 * The register state itself is the kernel's guest-FPU API's: the vCPU's
 * fpstate (fpu_alloc_guest_fpstate()) holds every component the host
 * kernel enables except the dynamic ones (AMX), and fpu_swap_kvm_fpstate()
 * puts it into the registers for HV_RUN.  What hv adds is the guest's own
 * XCR0 and XSS around each entry: the guest's XSAVE, XRSTOR and AVX
 * instructions must see the components it enabled, not the host's.  The
 * switch happens with interrupts off, as close to the entry as possible,
 * because host code that saves FPU state (kernel_fpu_begin() in an
 * interrupt) must find the host's XCR0 and XSS in place.
 *
 * A guest may enable, of the components the host kernel has on:
 * x87, SSE, AVX, and the three of AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM).
 * Not PKRU (PKU is not offered), not MPX (gone from Linux), not AMX (the
 * kernel hands its state out on request only), and no supervisor
 * component: the guest's IA32_XSS is always 0.
 *
 * (No pr_fmt here: hv_kunit.ko compiles this file after others; the one
 * message says "hv:" itself.)
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "../hv_main.h"
#include "../hv_vcpu.h"
#include "xsave.h"
#include "../../uapi/linux/hv.h"

#define HV_XCR0_OFFERABLE	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
				 XFEATURE_MASK_AVX512)
/* The legacy region and the XSAVE header: where the extended components start. */
#define HV_XSAVE_BASE_SIZE	(512 + 64)
#define HV_XSAVE_MAX_COMPONENT	63

/*
 * Read once at module load, then constant: the host's XCR0 and XSS (the
 * same on every CPU: the kernel sets them alike), what guests may enable,
 * and the standard-format offset, size and compacted-format alignment of
 * each component the host has, from the host's CPUID leaf 0xD.
 */
static u64 hv_host_xcr0;
static u64 hv_host_xss;
static u64 hv_guest_xcr0_supported;
static struct {
	u32 size, offset;
	bool align64;
} hv_xstate[HV_XSAVE_MAX_COMPONENT + 1];

void hv_xsave_init(void)
{
	u32 eax, ebx, ecx, edx;
	unsigned int i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE) || !boot_cpu_has(X86_FEATURE_OSXSAVE))
		return;
	hv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (boot_cpu_has(X86_FEATURE_XSAVES))
		rdmsrl(MSR_IA32_XSS, hv_host_xss);
	hv_guest_xcr0_supported = hv_host_xcr0 & HV_XCR0_OFFERABLE;
	/* AVX-512 is all three components or none (SDM 13.3). */
	if ((hv_guest_xcr0_supported & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
		hv_guest_xcr0_supported &= ~XFEATURE_MASK_AVX512;
	for (i = 2; i <= HV_XSAVE_MAX_COMPONENT; i++) {
		if (!(hv_guest_xcr0_supported & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		hv_xstate[i].size = eax;
		hv_xstate[i].offset = ebx;
		hv_xstate[i].align64 = ecx & BIT(1);
	}
}

/* The XCR0 bits a guest may set: 0 when the host has no XSAVE (nothing is offered then). */
u64 hv_xsave_supported_xcr0(void)
{
	return hv_guest_xcr0_supported;
}

/* CPUID 0xD.0 EBX/ECX: the standard-format area for the components in @xcr0. */
u32 hv_xsave_size(u64 xcr0)
{
	u32 size = HV_XSAVE_BASE_SIZE;
	unsigned int i;

	xcr0 &= hv_guest_xcr0_supported;
	for (i = 2; i <= HV_XSAVE_MAX_COMPONENT; i++)
		if (xcr0 & BIT_ULL(i))
			size = max(size, hv_xstate[i].offset + hv_xstate[i].size);
	return size;
}

/* CPUID 0xD.1 EBX: the compacted-format area (XSAVEC, XSAVES) for @mask. */
u32 hv_xsave_compacted_size(u64 mask)
{
	u32 size = HV_XSAVE_BASE_SIZE;
	unsigned int i;

	mask &= hv_guest_xcr0_supported;
	for (i = 2; i <= HV_XSAVE_MAX_COMPONENT; i++) {
		if (!(mask & BIT_ULL(i)))
			continue;
		if (hv_xstate[i].align64)
			size = ALIGN(size, 64);
		size += hv_xstate[i].size;
	}
	return size;
}

static void hv_cpuid_zero(struct hv_cpuid_entry *e)
{
	e->eax = 0;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

/*
 * Leaf 0xD.1 EAX as the host kernel uses it: XSAVEOPT, XSAVEC, XGETBV with
 * ECX=1 and XSAVES only where the kernel has them on (clearcpuid= can
 * turn them off, as on a CPU whose implementation is broken), as KVM does.
 */
static u32 hv_xsave_1_eax_host(void)
{
	return (boot_cpu_has(X86_FEATURE_XSAVEOPT) ? BIT(0) : 0) |
	       (boot_cpu_has(X86_FEATURE_XSAVEC) ? BIT(1) : 0) |
	       (boot_cpu_has(X86_FEATURE_XGETBV1) ? BIT(2) : 0) |
	       (boot_cpu_has(X86_FEATURE_XSAVES) ? HV_XSAVE_1_EAX_XSAVES : 0);
}

/*
 * The guest's subleaf @index of leaf 0xD, as the supported table lists it
 * (sizes for the components on offer; the guest's own EBX is filled in at
 * its CPUID: hv_xsave_cpuid_runtime()).  Subleaf 1 keeps the host's
 * XSAVEOPT, XSAVEC, XGETBV with ECX=1 and XSAVES bits, the supervisor
 * components (ECX, EDX) none; a component subleaf passes the host's
 * layout for an offered component, zeros otherwise.
 */
void hv_xsave_mask_cpuid(struct hv_cpuid_entry *e)
{
	u64 sup = hv_guest_xcr0_supported;

	if (!sup) {
		hv_cpuid_zero(e);
		return;
	}
	switch (e->index) {
	case 0:
		e->eax &= (u32)sup;
		e->edx &= (u32)(sup >> 32);
		e->ebx = hv_xsave_size(XFEATURE_MASK_FP | XFEATURE_MASK_SSE);
		e->ecx = hv_xsave_size(e->eax | ((u64)e->edx << 32));
		break;
	case 1:
		e->eax &= hv_xsave_1_eax_host();
		e->ebx = hv_xsave_compacted_size(XFEATURE_MASK_FP | XFEATURE_MASK_SSE);
		e->ecx = 0;	/* no supervisor component */
		e->edx = 0;
		break;
	default:
		if (e->index > HV_XSAVE_MAX_COMPONENT || !(sup & BIT_ULL(e->index))) {
			hv_cpuid_zero(e);
			break;
		}
		e->eax = hv_xstate[e->index].size;
		e->ebx = hv_xstate[e->index].offset;
		e->ecx = hv_xstate[e->index].align64 ? BIT(1) : 0;	/* user component */
		e->edx = 0;
		break;
	}
}

/*
 * After every change of the vCPU's CPUID table: the XCR0 bits its table
 * offers (0xD.0 EAX/EDX within what hv supports, nothing without the
 * XSAVE bit), and whether it has XSAVES (IA32_XSS exists for it then).
 */
void hv_xsave_cpuid_limits(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry *l1 = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 1, 0);
	const struct hv_cpuid_entry *d0 = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 0xd, 0);
	const struct hv_cpuid_entry *d1 = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 0xd, 1);
	u64 allowed = 0;

	if (l1 && (l1->ecx & HV_CPUID_1_ECX_XSAVE) && d0)
		allowed = (d0->eax | ((u64)d0->edx << 32)) & hv_guest_xcr0_supported;
	/* x87 is always on; without SSE, AVX cannot be enabled (XSETBV's rules). */
	vcpu->xcr0_allowed = allowed ? allowed | XFEATURE_MASK_FP : 0;
	vcpu->guest_xsaves = vcpu->xcr0_allowed && d1 && (d1->eax & HV_XSAVE_1_EAX_XSAVES) &&
			     boot_cpu_has(X86_FEATURE_XSAVES);
	hv_xsave_update_switch(vcpu);
}

/*
 * Whether entries must load the guest's XCR0 and XSS: only while the guest
 * has CR4.OSXSAVE (without it no instruction depends on them) and only
 * where its values differ from the host's, so that a guest that enables
 * what the host has (Linux does) costs no XSETBV per entry.  Called when
 * XCR0, CR4 or the CPUID table changes.
 */
void hv_xsave_update_switch(struct hv_vcpu *vcpu)
{
	bool on = vcpu->guest_osxsave && hv_guest_xcr0_supported;

	vcpu->xcr0_switch = on && vcpu->xcr0 != hv_host_xcr0;
	/* The guest's XSS is 0; it only matters to XSAVES and XRSTORS. */
	vcpu->xss_switch = on && vcpu->guest_xsaves && hv_host_xss;
}

/* The vendor's CR4 changed (a guest write, HV_SET_SREGS, INIT). */
void hv_xsave_set_cr4(struct hv_vcpu *vcpu, u64 cr4)
{
	bool osxsave = cr4 & X86_CR4_OSXSAVE;

	if (osxsave != vcpu->guest_osxsave) {
		vcpu->guest_osxsave = osxsave;
		hv_xsave_update_switch(vcpu);
	}
}

/* Interrupts off, right before entry. */
void hv_xsave_load_guest(struct hv_vcpu *vcpu)
{
	if (vcpu->xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (vcpu->xss_switch)
		wrmsrl(MSR_IA32_XSS, 0);
}

/*
 * Interrupts still off, right after the exit: the host's XCR0 and XSS
 * back.  XCR0 is read back first rather than assumed: a CPU that lets
 * XSETBV through without its intercept (QEMU 7.2's TCG ignores it under
 * SVM) would otherwise leave the guest's XCR0 in the host, where the
 * kernel's next XSAVES and every AVX instruction of the host's depend on
 * it.  The guest's write is then taken as if hv had emulated it, if hv
 * would have accepted it.  One XGETBV per exit, while CR4.OSXSAVE is on.
 */
void hv_xsave_load_host(struct hv_vcpu *vcpu)
{
	u64 hw;

	if (vcpu->xss_switch)
		wrmsrl(MSR_IA32_XSS, hv_host_xss);
	if (vcpu->guest_osxsave) {
		hw = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (hw != (vcpu->xcr0_switch ? vcpu->xcr0 : hv_host_xcr0)) {
			pr_info_once("hv: the CPU ran a guest's XSETBV without its intercept: XCR0 is read back at each exit\n");
			if (hv_xcr0_valid(vcpu, hw)) {
				vcpu->xcr0 = hw;
				hv_xsave_update_switch(vcpu);
			}
		}
		if (hw != hv_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, hv_host_xcr0);
	}
}

/*
 * Whether @xcr0 is a value XSETBV accepts for this vCPU (SDM XSETBV, APM
 * 11.5.2): x87 set; nothing the guest's CPUID does not offer; AVX only
 * with SSE; the AVX-512 components all together and only with AVX.
 */
bool hv_xcr0_valid(const struct hv_vcpu *vcpu, u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~vcpu->xcr0_allowed))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	     !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return true;
}

/*
 * A guest CPUID of leaf 1 or 0xD: OSXSAVE mirrors CR4.OSXSAVE, and the
 * area sizes follow the guest's XCR0 (and XSS, always 0), as on hardware.
 */
void hv_xsave_cpuid_runtime(struct hv_vcpu *vcpu, u32 function, u32 index, u32 *ebx, u32 *ecx)
{
	if (function == 1) {
		*ecx &= ~HV_CPUID_1_ECX_OSXSAVE;
		if (vcpu->guest_osxsave)
			*ecx |= HV_CPUID_1_ECX_OSXSAVE;
	} else if (function == 0xd && vcpu->xcr0_allowed) {
		if (index == 0)
			*ebx = hv_xsave_size(vcpu->xcr0);
		else if (index == 1)
			*ebx = hv_xsave_compacted_size(vcpu->xcr0);
	}
}

/* IA32_XSS: exists for a guest offered XSAVES; no supervisor component can be set. */
int hv_xss_get(struct hv_vcpu *vcpu, u64 *data)
{
	if (!vcpu->guest_xsaves)
		return -EINVAL;
	*data = 0;
	return 0;
}

int hv_xss_set(struct hv_vcpu *vcpu, u64 data)
{
	return vcpu->guest_xsaves && !data ? 0 : -EINVAL;
}
