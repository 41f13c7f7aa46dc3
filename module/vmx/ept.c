// SPDX-License-Identifier: GPL-2.0
/*
 * Intel EPT and VPID: the entry format hv_mmu.c builds its tables with,
 * the EPT pointer, TLB invalidation (INVEPT, INVVPID) and the VPID
 * allocator.
 *
 * hv maps every guest page with a 4 KiB write-back leaf.  Translations
 * the CPU caches are tagged with the EPT pointer (guest-physical and
 * combined mappings) and the VPID (combined mappings); hv drops them with
 * a single-context INVEPT whenever the VM zaps mappings and whenever a
 * vCPU arrives on a CPU, so a CPU never uses what it cached for a vCPU
 * before the vCPU left it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/bitmap.h>
#include <linux/spinlock.h>
#include <asm/msr.h>

#include "vmcs.h"

/* VPID 0 is the host's; a vCPU gets one of 1..65535. */
#define HV_VMX_NR_VPIDS		BIT(16)

static DECLARE_BITMAP(vmx_vpid_bitmap, HV_VMX_NR_VPIDS);
static DEFINE_SPINLOCK(vmx_vpid_lock);	/* guards vmx_vpid_bitmap */

/* The INVEPT/INVVPID descriptor: 128 bits. */
struct vmx_inv_desc {
	u64 a, b;
};

int vmx_ept_check_caps(void)
{
	u64 cap = vmx_caps.ept_vpid;

	if (!(cap & HV_EPT_CAP_WALK4) || !(cap & HV_EPT_CAP_WB)) {
		pr_err("EPT lacks 4-level tables or write-back paging structures (IA32_VMX_EPT_VPID_CAP %#llx)\n",
		       cap);
		return -EOPNOTSUPP;
	}
	if (!(cap & HV_EPT_CAP_INVEPT) ||
	    !(cap & (HV_EPT_CAP_INVEPT_SINGLE | HV_EPT_CAP_INVEPT_ALL))) {
		pr_err("CPU has EPT but no usable INVEPT (IA32_VMX_EPT_VPID_CAP %#llx)\n", cap);
		return -EOPNOTSUPP;
	}
	vmx_caps.ept_ad = cap & HV_EPT_CAP_AD;
	vmx_caps.ept_2m = cap & HV_EPT_CAP_2M;
	vmx_caps.ept_1g = cap & HV_EPT_CAP_1G;
	/* Without INVVPID hv could not drop a reused VPID's mappings: run without VPIDs. */
	if (vmx_caps.vpid && (!(cap & HV_VPID_CAP_INVVPID) ||
			      !(cap & (HV_VPID_CAP_INVVPID_SINGLE | HV_VPID_CAP_INVVPID_ALL))))
		vmx_caps.vpid = false;
	return 0;
}

/*
 * A leaf: readable and executable always, writable unless the slot is
 * read-only or dirty logging write-protects the page (only W changes then:
 * EPT's separate R/W/X bits keep reads and fetches going without an exit,
 * and hv does not use the A/D flags or PML to find written pages);
 * write-back memory type (the guest's PAT still applies).
 * With A/D enabled the flags are preset, as the NPT entries are, so the
 * CPU never has to write them.
 */
u64 vmx_tdp_leaf(phys_addr_t pa, bool writable)
{
	u64 pte = pa | HV_EPT_R | HV_EPT_X | HV_EPT_MT_WB;

	if (writable)
		pte |= HV_EPT_W;
	if (vmx_caps.ept_ad)
		pte |= HV_EPT_A | (writable ? HV_EPT_D : 0);
	return pte;
}

/* Non-leaf entries: bits 7:3 are reserved, permissions are the leaf's to narrow. */
u64 vmx_tdp_table(phys_addr_t pa)
{
	return pa | HV_EPT_R | HV_EPT_W | HV_EPT_X;
}

int vmx_tdp_max_leaf_level(void)
{
	return vmx_caps.ept_1g ? 3 : vmx_caps.ept_2m ? 2 : 1;
}

u64 vmx_tdp_root(phys_addr_t pa)
{
	return pa | HV_EPTP_MT_WB | HV_EPTP_WALK4 | (vmx_caps.ept_ad ? HV_EPTP_AD : 0);
}

static bool vmx_invept(unsigned long type, u64 eptp)
{
	struct vmx_inv_desc desc = { .a = eptp };
	bool ok;

	asm volatile("invept %[desc], %[type]" CC_SET(a)
		     : CC_OUT(a) (ok) : [desc] "m" (desc), [type] "r" (type) : "memory");
	return ok;
}

static bool vmx_invvpid(unsigned long type, u16 vpid)
{
	struct vmx_inv_desc desc = { .a = vpid };
	bool ok;

	asm volatile("invvpid %[desc], %[type]" CC_SET(a)
		     : CC_OUT(a) (ok) : [desc] "m" (desc), [type] "r" (type) : "memory");
	return ok;
}

/* Guest-physical and combined mappings of @eptp, on this CPU. */
void vmx_flush_ept(u64 eptp)
{
	bool ok;

	if (vmx_caps.ept_vpid & HV_EPT_CAP_INVEPT_SINGLE)
		ok = vmx_invept(VMX_EPT_EXTENT_CONTEXT, eptp);
	else
		ok = vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (!ok)
		vmx_insn_failed("invept", eptp);
}

/* Linear and combined mappings tagged with @vpid, on this CPU. */
void vmx_flush_vpid(u16 vpid)
{
	bool ok;

	if (!vpid)
		return;
	if (vmx_caps.ept_vpid & HV_VPID_CAP_INVVPID_SINGLE)
		ok = vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid);
	else
		ok = vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	if (!ok)
		vmx_insn_failed("invvpid", vpid);
}

/* 0 when VPIDs are off or all taken: the vCPU then runs untagged (flushed on every entry). */
int vmx_vpid_alloc(void)
{
	unsigned long vpid;

	if (!vmx_caps.vpid)
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_next_zero_bit(vmx_vpid_bitmap, HV_VMX_NR_VPIDS, 1);
	if (vpid < HV_VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}
