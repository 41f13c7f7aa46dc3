/* SPDX-License-Identifier: GPL-2.0 */
/* x86/xsave.c: the guest's XCR0 and IA32_XSS, and CPUID leaf 0xD. */
#ifndef HV_X86_XSAVE_H
#define HV_X86_XSAVE_H

#include <linux/bits.h>
#include <linux/types.h>

struct hv_vcpu;
struct hv_cpuid_entry;

#define HV_CPUID_1_ECX_XSAVE	BIT(26)
#define HV_CPUID_1_ECX_OSXSAVE	BIT(27)
/* Leaf 0xD.1 EAX: XSAVES (bit 3). */
#define HV_XSAVE_1_EAX_XSAVES	BIT(3)

void hv_xsave_init(void);
u64 hv_xsave_supported_xcr0(void);
u32 hv_xsave_size(u64 xcr0);
u32 hv_xsave_compacted_size(u64 mask);
void hv_xsave_mask_cpuid(struct hv_cpuid_entry *e);
void hv_xsave_cpuid_limits(struct hv_vcpu *vcpu);
void hv_xsave_update_switch(struct hv_vcpu *vcpu);
void hv_xsave_set_cr4(struct hv_vcpu *vcpu, u64 cr4);
void hv_xsave_load_guest(struct hv_vcpu *vcpu);
void hv_xsave_load_host(struct hv_vcpu *vcpu);
bool hv_xcr0_valid(const struct hv_vcpu *vcpu, u64 xcr0);
void hv_xsave_cpuid_runtime(struct hv_vcpu *vcpu, u32 function, u32 index, u32 *ebx, u32 *ecx);
int hv_xss_get(struct hv_vcpu *vcpu, u64 *data);
int hv_xss_set(struct hv_vcpu *vcpu, u64 data);

#endif
