// SPDX-License-Identifier: GPL-2.0
/*
 * The experiment hook (hv_experiment.h): exported registration, and the
 * call the exit dispatcher makes before hv's own handling.
 *
 * Locking: hv_hooks[] is written under hv_hooks_lock and read under SRCU
 * (a handler may sleep), so that unregistering waits for every handler
 * still running.  hv_nr_hooks lets exits skip the SRCU section while no
 * experiment is loaded; an exit that raced a registration simply does not
 * see the new hook yet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/srcu.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_experiment.h"
#include "hv_main.h"
#include "hv_vcpu.h"

DEFINE_STATIC_SRCU(hv_hooks_srcu);
static DEFINE_MUTEX(hv_hooks_lock);
static struct hv_exit_hook __rcu *hv_hooks[HV_STATS_NR_REASONS];
unsigned int hv_nr_hooks;

int hv_exit_hook_register(struct hv_exit_hook *hook)
{
	int r = 0;

	if (!hook || !hook->handle || hook->reason >= HV_STATS_NR_REASONS)
		return -EINVAL;
	mutex_lock(&hv_hooks_lock);
	if (rcu_access_pointer(hv_hooks[hook->reason])) {
		r = -EBUSY;
	} else {
		rcu_assign_pointer(hv_hooks[hook->reason], hook);
		WRITE_ONCE(hv_nr_hooks, hv_nr_hooks + 1);
		pr_info("experiment hook on exit reason %u registered\n", hook->reason);
	}
	mutex_unlock(&hv_hooks_lock);
	return r;
}
EXPORT_SYMBOL_GPL(hv_exit_hook_register);

void hv_exit_hook_unregister(struct hv_exit_hook *hook)
{
	bool found = false;

	if (!hook || hook->reason >= HV_STATS_NR_REASONS)
		return;
	mutex_lock(&hv_hooks_lock);
	if (rcu_access_pointer(hv_hooks[hook->reason]) == hook) {
		RCU_INIT_POINTER(hv_hooks[hook->reason], NULL);
		WRITE_ONCE(hv_nr_hooks, hv_nr_hooks - 1);
		found = true;
	}
	mutex_unlock(&hv_hooks_lock);
	if (!found)
		return;
	/* Every handler that saw the hook has returned once this does. */
	synchronize_srcu(&hv_hooks_srcu);
	pr_info("experiment hook on exit reason %u unregistered\n", hook->reason);
}
EXPORT_SYMBOL_GPL(hv_exit_hook_unregister);

bool __hv_exit_hook_run(struct hv_vcpu *vcpu, u32 reason)
{
	struct hv_exit_hook *hook;
	bool done = false;
	int idx;

	if (reason >= HV_STATS_NR_REASONS)
		return false;
	idx = srcu_read_lock(&hv_hooks_srcu);
	hook = srcu_dereference(hv_hooks[array_index_nospec(reason, HV_STATS_NR_REASONS)],
				&hv_hooks_srcu);
	if (hook)
		done = hook->handle(vcpu, hook->data) == HV_HOOK_DONE;
	srcu_read_unlock(&hv_hooks_srcu, idx);
	return done;
}

/* ---- what a handler may use ------------------------------------------------------ */

u32 hv_hook_vcpu_id(struct hv_vcpu *vcpu)
{
	return vcpu->id;
}
EXPORT_SYMBOL_GPL(hv_hook_vcpu_id);

u32 hv_hook_hw_reason(struct hv_vcpu *vcpu)
{
	return vcpu->exit.hw_reason;
}
EXPORT_SYMBOL_GPL(hv_hook_hw_reason);

u64 hv_hook_rip(struct hv_vcpu *vcpu)
{
	return vcpu->rip;
}
EXPORT_SYMBOL_GPL(hv_hook_rip);

int hv_hook_cpl(struct hv_vcpu *vcpu)
{
	return hv_call(get_cpl)(vcpu);
}
EXPORT_SYMBOL_GPL(hv_hook_cpl);

u64 hv_hook_get_reg(struct hv_vcpu *vcpu, unsigned int reg)
{
	BUILD_BUG_ON(HV_HOOK_RAX != HV_RAX || HV_HOOK_RSP != HV_RSP || HV_HOOK_RDI != HV_RDI ||
		     HV_HOOK_R15 != HV_R15);
	if (reg >= HV_NR_GPRS)
		return 0;
	return vcpu->regs[array_index_nospec(reg, HV_NR_GPRS)];
}
EXPORT_SYMBOL_GPL(hv_hook_get_reg);

void hv_hook_set_reg(struct hv_vcpu *vcpu, unsigned int reg, u64 value)
{
	if (reg < HV_NR_GPRS)
		vcpu->regs[array_index_nospec(reg, HV_NR_GPRS)] = value;
}
EXPORT_SYMBOL_GPL(hv_hook_set_reg);

int hv_hook_skip_insn(struct hv_vcpu *vcpu)
{
	return hv_skip_insn(vcpu);
}
EXPORT_SYMBOL_GPL(hv_hook_skip_insn);
