// SPDX-License-Identifier: GPL-2.0
/*
 * hv: module init and exit, vendor probe, and per-CPU enablement of
 * SVM/VMX.  Virtualization is switched on for every online CPU when the
 * first VM is created and off again when the last one goes away, so a
 * loaded but idle hv.ko does not keep other hypervisors out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <asm/cpufeature.h>
#include <asm/reboot.h>

#include "hv_arch.h"
#include "hv_debugfs.h"
#include "hv_main.h"
#include "x86/xsave.h"

const struct hv_arch_ops *hv_ops;

static DEFINE_MUTEX(hv_enable_lock);	/* guards hv_users, hv_cpuhp_state, hv_callback_set */
static unsigned int hv_users;		/* VMs alive */
static int hv_cpuhp_state;
static bool hv_callback_set;		/* hv_emergency_disable() is in the kernel's slot */
static DEFINE_PER_CPU(bool, hv_cpu_enabled);

static int hv_cpu_online(unsigned int cpu)
{
	int r;

	r = hv_ops->cpu_enable();
	if (r)
		return r;
	this_cpu_write(hv_cpu_enabled, true);
	return 0;
}

static int hv_cpu_offline(unsigned int cpu)
{
	if (this_cpu_read(hv_cpu_enabled)) {
		hv_ops->cpu_disable();
		this_cpu_write(hv_cpu_enabled, false);
	}
	return 0;
}

/* Reboot, kexec, panic: leave guest mode operation so the CPU can be reset. */
static void hv_emergency_disable(void)
{
	if (this_cpu_read(hv_cpu_enabled))
		hv_ops->emergency_disable();
}

/*
 * 6.1's kvm_intel takes the single emergency-disable slot when it is
 * loaded, not when it enables VMX, so hv may find it taken while VMX is
 * free; kvm_intel's callback then turns VMX off on every CPU where CR4.VMXE
 * is set, hv's included.  Registering anyway would only trip the kernel's
 * WARN, so hv leaves the slot to it (should kvm_intel be unloaded before
 * hv's last VM goes, the slot stays empty until then).  On 6.12 KVM holds
 * the slot exactly while it holds VMX/SVM, when hv cannot get that far.
 */
static bool hv_emergency_slot_taken(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	struct kobject *kobj;

	if (!hv_ops->emergency_slot_module)
		return false;
	/* Loaded modules are the kobjects of the kset our own module is in. */
	kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, hv_ops->emergency_slot_module);
	if (kobj) {
		kobject_put(kobj);
		return true;
	}
#endif
	return false;
}

/*
 * Take the virtualization extension on every CPU, now and on CPUs that come
 * online later.  If any CPU refuses (another hypervisor holds it), the
 * CPUs already enabled are rolled back by the hotplug core.
 *
 * The kernel has a single emergency-disable slot, which kvm.ko also claims
 * while its vendor module is loaded (6.12), so hv holds it only while it
 * really has SVM/VMX switched on, not for as long as it is loaded.
 */
int hv_get_virt(void)
{
	int r = 0;

	mutex_lock(&hv_enable_lock);
	if (hv_users++ == 0) {
		r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hv:online",
				      hv_cpu_online, hv_cpu_offline);
		if (r < 0) {
			hv_users--;
			goto out;
		}
		hv_cpuhp_state = r;
		r = 0;
		hv_callback_set = !hv_emergency_slot_taken();
		if (hv_callback_set)
			cpu_emergency_register_virt_callback(hv_emergency_disable);
	}
out:
	mutex_unlock(&hv_enable_lock);
	return r;
}

void hv_put_virt(void)
{
	mutex_lock(&hv_enable_lock);
	if (!WARN_ON_ONCE(!hv_users) && --hv_users == 0) {
		if (hv_callback_set)
			cpu_emergency_unregister_virt_callback(hv_emergency_disable);
		hv_callback_set = false;
		cpuhp_remove_state(hv_cpuhp_state);
	}
	mutex_unlock(&hv_enable_lock);
}

DEFINE_STATIC_CALL_NULL(hv_enter, *((struct hv_arch_ops *)NULL)->enter);
DEFINE_STATIC_CALL_NULL(hv_vcpu_load, *((struct hv_arch_ops *)NULL)->vcpu_load);
DEFINE_STATIC_CALL_NULL(hv_vcpu_put, *((struct hv_arch_ops *)NULL)->vcpu_put);
DEFINE_STATIC_CALL_NULL(hv_interrupt_allowed, *((struct hv_arch_ops *)NULL)->interrupt_allowed);
DEFINE_STATIC_CALL_NULL(hv_interrupt_shadow, *((struct hv_arch_ops *)NULL)->interrupt_shadow);
DEFINE_STATIC_CALL_NULL(hv_clear_interrupt_shadow,
	*((struct hv_arch_ops *)NULL)->clear_interrupt_shadow);
DEFINE_STATIC_CALL_NULL(hv_inject_irq, *((struct hv_arch_ops *)NULL)->inject_irq);
DEFINE_STATIC_CALL_NULL(hv_inject_exception, *((struct hv_arch_ops *)NULL)->inject_exception);
DEFINE_STATIC_CALL_NULL(hv_set_irq_window, *((struct hv_arch_ops *)NULL)->set_irq_window);
DEFINE_STATIC_CALL_NULL(hv_get_cr8, *((struct hv_arch_ops *)NULL)->get_cr8);
DEFINE_STATIC_CALL_NULL(hv_set_cr8, *((struct hv_arch_ops *)NULL)->set_cr8);
DEFINE_STATIC_CALL_NULL(hv_get_cpl, *((struct hv_arch_ops *)NULL)->get_cpl);
DEFINE_STATIC_CALL_NULL(hv_set_cr2, *((struct hv_arch_ops *)NULL)->set_cr2);
DEFINE_STATIC_CALL_NULL(hv_get_paging, *((struct hv_arch_ops *)NULL)->get_paging);
DEFINE_STATIC_CALL_NULL(hv_get_code_segment, *((struct hv_arch_ops *)NULL)->get_code_segment);
DEFINE_STATIC_CALL_NULL(hv_get_segment_base, *((struct hv_arch_ops *)NULL)->get_segment_base);

/* Every member hv_arch_ops does not mark optional. */
static bool hv_arch_ops_valid(const struct hv_arch_ops *o)
{
	return o->name && o->vendor && o->probe && o->setup && o->unsetup && o->cpu_enable &&
	       o->cpu_disable && o->emergency_disable && o->vm_size && o->vcpu_size &&
	       o->vm_init && o->vm_destroy && o->vcpu_init && o->vcpu_free && o->enter &&
	       o->exit_handlers &&
	       o->nr_exit_handlers && o->dump_exit && o->host_irqs_exit && o->has_next_rip &&
	       o->hw_features &&
	       o->get_sregs &&
	       o->set_sregs && o->get_msr && o->set_msr && o->interrupt_allowed &&
	       o->interrupt_shadow && o->clear_interrupt_shadow && o->inject_irq &&
	       o->inject_exception && o->add_dr6 && o->set_irq_window && o->cancel_event &&
	       o->nmi_allowed && o->inject_nmi && o->set_nmi_window && o->get_cr8 &&
	       o->set_cr8_write_exit && o->set_cr8 && o->get_paging &&
	       o->get_code_segment && o->get_segment_base && o->get_cpl && o->set_cr2 &&
	       o->tdp_leaf &&
	       o->tdp_table && o->tdp_root && o->tdp_present_mask && o->tdp_writable_mask;
}

int hv_arch_ops_install(const struct hv_arch_ops *ops)
{
	if (WARN_ON_ONCE(!hv_arch_ops_valid(ops)))
		return -EINVAL;
	hv_ops = ops;
	static_call_update(hv_enter, ops->enter);
	static_call_update(hv_vcpu_load, ops->vcpu_load);
	static_call_update(hv_vcpu_put, ops->vcpu_put);
	static_call_update(hv_interrupt_allowed, ops->interrupt_allowed);
	static_call_update(hv_interrupt_shadow, ops->interrupt_shadow);
	static_call_update(hv_clear_interrupt_shadow, ops->clear_interrupt_shadow);
	static_call_update(hv_inject_irq, ops->inject_irq);
	static_call_update(hv_inject_exception, ops->inject_exception);
	static_call_update(hv_set_irq_window, ops->set_irq_window);
	static_call_update(hv_get_cr8, ops->get_cr8);
	static_call_update(hv_set_cr8, ops->set_cr8);
	static_call_update(hv_get_cpl, ops->get_cpl);
	static_call_update(hv_set_cr2, ops->set_cr2);
	static_call_update(hv_get_paging, ops->get_paging);
	static_call_update(hv_get_code_segment, ops->get_code_segment);
	static_call_update(hv_get_segment_base, ops->get_segment_base);
	return 0;
}

static const struct hv_arch_ops *hv_pick_vendor(void)
{
#ifdef CONFIG_CPU_SUP_AMD
	if (boot_cpu_has(X86_FEATURE_SVM))
		return &svm_ops;
#endif
#ifdef CONFIG_CPU_SUP_INTEL
	/*
	 * Raw CPUID: the kernel clears its VMX flag when the firmware locked
	 * VMX off, and vmx_ops.probe() is the one to say so.
	 */
	if (cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31))
		return &vmx_ops;
#endif
	return NULL;
}

static int __init hv_init(void)
{
	const struct hv_arch_ops *ops;
	int r;

	ops = hv_pick_vendor();
	if (!ops) {
		pr_err("no supported virtualization extension (AMD SVM or Intel VMX) on this CPU\n");
		return -EOPNOTSUPP;
	}
	r = hv_arch_ops_install(ops);
	if (r)
		return r;
	r = hv_ops->probe();
	if (r)
		return r;
	hv_xsave_init();	/* the host's XCR0: the CPUID policy depends on it */
	r = hv_ops->setup();
	if (r)
		return r;
	/*
	 * Everything an fd's user needs must be in place before /dev/hv
	 * exists: the first vCPU ioctl registers a preempt notifier, which
	 * only fires once the static key is on.  /dev/hv comes last, and
	 * goes first on the way out.
	 */
	preempt_notifier_inc();
	hv_debugfs_init();	/* where each VM's directory goes; optional */
	r = hv_dev_init();
	if (r)
		goto out_debugfs;
	pr_info("loaded, using %s\n", hv_ops->name);
	return 0;

out_debugfs:
	hv_debugfs_exit();
	preempt_notifier_dec();
	hv_ops->unsetup();
	return r;
}

/* hv_init() in exact reverse. */
static void __exit hv_exit(void)
{
	hv_dev_exit();
	WARN_ON_ONCE(hv_users);
	hv_debugfs_exit();
	preempt_notifier_dec();
	hv_ops->unsetup();
	pr_info("unloaded\n");
}

module_init(hv_init);
module_exit(hv_exit);
/*
 * Failed entries and unexpected exits print one rate-limited line each; the
 * guest state behind them is dumped only on request (as KVM's
 * dump_invalid_vmcb), since a VMM can provoke them as often as it likes.
 */
bool hv_dump_invalid_state;
module_param_named(dump_invalid_state, hv_dump_invalid_state, bool, 0644);
MODULE_PARM_DESC(dump_invalid_state,
		 "Dump the guest state (VMCB/VMCS) to the kernel log with every failed entry or unexpected exit (default: off)");

MODULE_LICENSE("GPL");
MODULE_AUTHOR("hv developers");
MODULE_DESCRIPTION("hv: a small hackable hypervisor (AMD SVM, Intel VMX)");
MODULE_VERSION("0.1.0");
