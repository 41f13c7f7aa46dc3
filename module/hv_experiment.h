/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The experiment hook: how a separate module changes how hv handles a kind
 * of VM exit, without patching hv (docs/research.md, "Experiments";
 * samples/hv_hypercall_sample.c is a whole one).
 *
 * An experiment registers one struct hv_exit_hook per neutral exit reason
 * (HV_STAT_*, the classification of hv's exit tables: an MMIO access is
 * still HV_STAT_NPF there, an OUT is HV_STAT_IO).  For every exit of that
 * reason, of every VM, hv calls handle() before its own handling:
 *
 *   HV_HOOK_DECLINE  hv handles the exit as if there were no hook (the
 *                    handler must not have changed the vCPU then);
 *   HV_HOOK_DONE     the handler completed the exit (skipped or emulated
 *                    the instruction with the hv_hook_* calls below): hv
 *                    re-enters the guest.  The exit counts as
 *                    HV_STAT_EXPERIMENT in the statistics and the traces.
 *
 * The handler runs on the vCPU's thread, preemptible, and may sleep; it is
 * the only code touching that vCPU meanwhile.  A reason has at most one hook
 * (-EBUSY).  After hv_exit_hook_unregister() returns, no handler of the hook
 * runs or will run: an experiment module unregisters in its exit function
 * and can then be unloaded while VMs run, which go back to hv's handling.
 * hv.ko cannot be unloaded while a module using these symbols is loaded.
 */
#ifndef HV_EXPERIMENT_H
#define HV_EXPERIMENT_H

#include <linux/types.h>

struct hv_vcpu;

enum hv_hook_result {
	HV_HOOK_DECLINE = 0,
	HV_HOOK_DONE = 1,
};

struct hv_exit_hook {
	u32 reason;			/* HV_STAT_*, below HV_STATS_NR_REASONS */
	enum hv_hook_result (*handle)(struct hv_vcpu *vcpu, void *data);
	void *data;			/* handed to handle() */
};

/* 0; -EINVAL for a bad reason or no handler; -EBUSY if the reason has a hook. */
int hv_exit_hook_register(struct hv_exit_hook *hook);
void hv_exit_hook_unregister(struct hv_exit_hook *hook);

/* General-purpose registers, numbered as the hardware encodes them (ModRM, REX). */
#define HV_HOOK_RAX	0
#define HV_HOOK_RCX	1
#define HV_HOOK_RDX	2
#define HV_HOOK_RBX	3
#define HV_HOOK_RSP	4
#define HV_HOOK_RBP	5
#define HV_HOOK_RSI	6
#define HV_HOOK_RDI	7
#define HV_HOOK_R15	15

/* What a handler sees of the vCPU and the exit. */
u32 hv_hook_vcpu_id(struct hv_vcpu *vcpu);
u32 hv_hook_hw_reason(struct hv_vcpu *vcpu);	/* SVM exit code, VMX basic exit reason */
u64 hv_hook_rip(struct hv_vcpu *vcpu);
int hv_hook_cpl(struct hv_vcpu *vcpu);
/* @reg above HV_HOOK_R15 reads 0 and writes nothing. */
u64 hv_hook_get_reg(struct hv_vcpu *vcpu, unsigned int reg);
void hv_hook_set_reg(struct hv_vcpu *vcpu, unsigned int reg, u64 value);
/*
 * Complete the exiting instruction (RIP past it, the STI/MOV SS shadow
 * and single-step handled as hv does): 0, or -errno if it cannot be
 * decoded, the vCPU unchanged.
 */
int hv_hook_skip_insn(struct hv_vcpu *vcpu);

#endif /* HV_EXPERIMENT_H */
