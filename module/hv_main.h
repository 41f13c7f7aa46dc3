/* SPDX-License-Identifier: GPL-2.0 */
/* Functions shared between the core files of hv.ko. */
#ifndef HV_MAIN_H
#define HV_MAIN_H

#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;
struct hv_cpuid_entry;
struct hv_cpuid;

/* hv_main.c: per-CPU virtualization, reference counted by VMs. */
int hv_get_virt(void);
void hv_put_virt(void);
/* hv_main.c: module parameter dump_invalid_state. */
extern bool hv_dump_invalid_state;

/* hv_dev.c */
int hv_dev_init(void);
void hv_dev_exit(void);

/* hv_vm.c */
long hv_vm_ioctl(struct hv_vm *vm, unsigned int cmd, unsigned long arg);
void hv_vm_get(struct hv_vm *vm);
void hv_vm_put(struct hv_vm *vm);

int hv_cpuid_copy_out(struct hv_cpuid __user *ucpuid,
		      const struct hv_cpuid_entry *entries, u32 nent);

/* x86/cpuid.c: the CPUID policy. */
int hv_cpuid_supported(struct hv_cpuid_entry *entries, u32 max);
void hv_cpuid_mask_entry(struct hv_cpuid_entry *e);
void hv_cpuid_set_apic_id(struct hv_cpuid_entry *entries, u32 nent, u32 apic_id);
void hv_cpuid_limit_lapic(struct hv_cpuid_entry *entries, u32 nent, bool lapic);
u64 hv_cpuid_cr4_valid(const struct hv_cpuid_entry *entries, u32 nent, u64 host_valid);
u64 hv_cpuid_efer_valid(const struct hv_cpuid_entry *entries, u32 nent, u64 hv_valid);
/* x86/debugreg.c */
void hv_set_db(struct hv_vcpu *vcpu, unsigned int n, u64 value);
bool hv_debugregs_load(struct hv_vcpu *vcpu, unsigned long guest_dr7, unsigned long host_dr7);
void hv_debugregs_put(bool loaded, unsigned long host_dr7);
/* x86/msr.c */
void hv_tsc_aux_load(struct hv_vcpu *vcpu);
void hv_tsc_aux_put(void);
bool hv_cpuid_has_rdtscp(const struct hv_cpuid_entry *entries, u32 nent);
bool hv_cpuid_has_rdpid(const struct hv_cpuid_entry *entries, u32 nent);
const struct hv_cpuid_entry *hv_cpuid_find(const struct hv_cpuid_entry *table, u32 nent,
					   u32 function, u32 index);

/* x86/msr.c: the MSRs the core emulates for every vendor. */
bool hv_pat_valid(u64 pat);
bool hv_canonical(u64 addr);
int hv_efer_write(u64 *data, u64 cur, u64 cr0, u64 valid);
int hv_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data);
int hv_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);

/* hv_lapic.c: the module parameter halt_poll_ns */
extern unsigned int hv_halt_poll_ns;

/* hv_stats.c */
struct hv_stats;
void hv_stats_count(struct hv_vcpu *vcpu, u32 reason);
void hv_stats_latency(struct hv_vcpu *vcpu, u32 reason, u64 latency_ns);
void hv_stats_exit(struct hv_vcpu *vcpu, u32 reason);
void hv_stats_entry(struct hv_vcpu *vcpu, u64 now);
void hv_stats_user_exit(struct hv_vcpu *vcpu, u64 now);
void hv_stats_vmm_return(struct hv_vcpu *vcpu, u64 now);
const char *hv_stats_reason_name(u32 reason);
/* hv_stats_fd.c: HV_GET_STATS_FD. */
int hv_stats_fd_create(struct hv_vcpu *vcpu);
void hv_stats_fill(struct hv_vcpu *vcpu, struct hv_stats *st);

/*
 * hv_hook.c: an experiment's hook for @reason completed the exit
 * (hv_experiment.h).  Inline, the common case is one load: no experiment.
 */
extern unsigned int hv_nr_hooks;
bool __hv_exit_hook_run(struct hv_vcpu *vcpu, u32 reason);

static inline bool hv_exit_hook_run(struct hv_vcpu *vcpu, u32 reason)
{
	return unlikely(READ_ONCE(hv_nr_hooks)) && __hv_exit_hook_run(vcpu, reason);
}

/* hv_dev.c: x86/cpuid.c's policy, then what the vendor's controls do not back. */
void hv_cpuid_mask_vendor(struct hv_cpuid_entry *entries, u32 nent);

#endif /* HV_MAIN_H */
