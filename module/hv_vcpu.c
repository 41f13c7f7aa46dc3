// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: the vCPU file descriptor, its mmap'd struct hv_run, the run loop
 * and the scheduling hooks.
 *
 * A vCPU is the thread that calls HV_RUN.  While it holds the vCPU mutex,
 * a preempt notifier tells the vendor code whenever the thread is
 * scheduled in or out, so per-CPU hardware state (a loaded VMCS, the ASID
 * of this CPU) follows the thread across CPUs.  The loop re-enters the
 * guest for exits handled in the kernel and returns to userspace for the
 * rest, for a pending signal and when userspace asked to stop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"
#include "x86/xsave.h"

#define CREATE_TRACE_POINTS
#include "hv_trace.h"

static struct hv_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct hv_vcpu, pn);
}

static void hv_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct hv_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	WRITE_ONCE(vcpu->preempted, false);
	WRITE_ONCE(vcpu->cpu, cpu);
	hv_call_cond(vcpu_load)(vcpu, cpu);
}

static void hv_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct hv_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	/* Still runnable: preempted, not blocked (a halt or a wait sleeps). */
	if (current->on_rq)
		WRITE_ONCE(vcpu->preempted, true);
	hv_call_cond(vcpu_put)(vcpu);
	hv_tsc_aux_put();
	WRITE_ONCE(vcpu->cpu, -1);
}

/*
 * Directed yield (module parameter directed_yield): a vCPU spinning in a
 * PAUSE loop (VMX PAUSE-loop exiting, SVM pause filter) is probably
 * waiting for a lock a preempted vCPU of its VM holds.  Give that vCPU's
 * thread the rest of our time slice (yield_to()), trying the VM's vCPUs
 * round-robin from where the last search ended.  A research experiment
 * replaces this function (docs/research.md, "Scheduling hooks").
 */
static bool hv_directed_yield = true;
module_param_named(directed_yield, hv_directed_yield, bool, 0644);
MODULE_PARM_DESC(directed_yield, "PAUSE-loop exits yield to a preempted vCPU of the VM");

static bool hv_yield_to_vcpu(struct hv_vcpu *target)
{
	struct task_struct *task = NULL;
	struct pid *pid;
	bool yielded;

	rcu_read_lock();
	pid = rcu_dereference(target->pid);
	if (pid)
		task = get_pid_task(pid, PIDTYPE_PID);
	rcu_read_unlock();
	if (!task)
		return false;
	yielded = yield_to(task, true) > 0;
	put_task_struct(task);
	return yielded;
}

int hv_exit_pause(struct hv_vcpu *vcpu)
{
	struct hv_vm *vm = vcpu->vm;
	u32 i, n = atomic_read(&vm->online_vcpus);

	if (!READ_ONCE(hv_directed_yield) || n < 2)
		return 1;
	/* The count before the pointers: pairs with hv_vcpu_create(). */
	smp_rmb();
	for (i = 1; i <= n; i++) {
		struct hv_vcpu *v = vm->vcpus[(vcpu->yield_from + i) % n];

		if (v == vcpu || !READ_ONCE(v->preempted))
			continue;
		if (hv_yield_to_vcpu(v)) {
			vcpu->yield_from = (vcpu->yield_from + i) % n;
			hv_stats_count(vcpu, HV_STAT_YIELD);
			break;
		}
	}
	return 1;
}

/* The thread running HV_RUN, for hv_yield_to_vcpu(): a new thread replaces the old. */
static void hv_vcpu_track_pid(struct hv_vcpu *vcpu)
{
	struct pid *old = rcu_access_pointer(vcpu->pid);

	if (old == task_pid(current))
		return;
	rcu_assign_pointer(vcpu->pid, get_task_pid(current, PIDTYPE_PID));
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
}

static struct preempt_ops hv_preempt_ops = {
	.sched_in	= hv_sched_in,
	.sched_out	= hv_sched_out,
};

/* Bind the vCPU to the calling thread for the duration of one ioctl. */
static void hv_vcpu_load(struct hv_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->pn);
	WRITE_ONCE(vcpu->cpu, cpu);
	hv_call_cond(vcpu_load)(vcpu, cpu);
	put_cpu();
}

static void hv_vcpu_put(struct hv_vcpu *vcpu)
{
	preempt_disable();
	hv_call_cond(vcpu_put)(vcpu);
	hv_tsc_aux_put();
	preempt_notifier_unregister(&vcpu->pn);
	WRITE_ONCE(vcpu->cpu, -1);
	WRITE_ONCE(vcpu->preempted, false);
	preempt_enable();
}

/*
 * Queue or deliver interrupts before entry; interrupt window as asked.  The
 * 8259's vector (HV_INTERRUPT) goes first, when the local APIC lets LINT0
 * through; then the local APIC's, and a window if one of them has to wait.
 * Returns the CR8 the guest enters with (the APIC's TPR[7:4]; 0 without it).
 */
static u8 hv_prepare_events(struct hv_vcpu *vcpu)
{
	bool want_window, want_nmi_window = false;
	u8 cr8 = 0;

	/* A window for the 8259 only while LINT0 takes it: else it would never be used. */
	want_window = vcpu->run->request_interrupt_window && hv_vcpu_accepts_pic(vcpu);

	/* An NMI first: it takes the injection slot, so the interrupts below wait. */
	if (vcpu->nmi_pending) {
		if (hv_ops->nmi_allowed(vcpu)) {
			hv_ops->inject_nmi(vcpu);
			vcpu->nmi_pending = false;
		} else {
			want_nmi_window = true;
		}
	}
	if (vcpu->queued_irq && hv_vcpu_accepts_pic(vcpu)) {
		if (hv_call(interrupt_allowed)(vcpu)) {
			hv_call(inject_irq)(vcpu, vcpu->queued_irq & 0xff);
			vcpu->queued_irq = 0;
		} else {
			want_window = true;
		}
	}
	if (vcpu->lapic) {
		cr8 = hv_vcpu_lapic_cr8(vcpu);
		hv_call(set_cr8)(vcpu, cr8);
		if (hv_vcpu_lapic_inject(vcpu))
			want_window = true;
	}
	hv_call(set_irq_window)(vcpu, want_window);
	if (vcpu->lapic)
		hv_ops->set_nmi_window(vcpu, want_nmi_window);
	return cr8;
}

/*
 * A guest CR8 write since @before goes to the APIC's TPR: SVM's V_TPR and
 * VMX's TPR shadow change without an exit (synced before the exit is
 * handled, so an APIC access it made sees the TPR it set), VMX's CR8
 * without the shadow in its CR8 exit (synced after).
 */
static u8 hv_sync_cr8(struct hv_vcpu *vcpu, u8 before)
{
	u8 cr8 = hv_call(get_cr8)(vcpu);

	if (cr8 != before)
		hv_vcpu_lapic_set_cr8(vcpu, cr8);
	return cr8;
}

/* The clock the stats read, or 0 while the VM's exits are not timed (HV_CAP_STATS 0). */
static u64 hv_stats_clock(struct hv_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->stats_untimed) ? 0 : ktime_get_ns();
}

/*
 * A guest run longer than this says that the host's interrupts did not
 * reach the CPU: its tick (HZ >= 100) and every IPI sent to it exit the
 * guest (host_irqs_exit()), so a run ends within milliseconds unless the
 * CPU has none at all (nohz_full with nothing else to do) or does not
 * deliver them (an emulator's or an L0 hypervisor's defect).
 */
#define HV_LONG_GUEST_RUN_MS	5000

/*
 * Say so in the log, with whether hv's controls had the host's interrupts
 * exit the guest: a CPU that RCU or the watchdog then reports stalled sat
 * in guest mode all along, and the line tells apart an emulator that
 * withheld the interrupts and a hypervisor that left them unintercepted.  Timed
 * in jiffies, which the other CPUs' ticks advance while this one is
 * away: free to read on every entry, where ktime may read a slow
 * clocksource.
 */
static void hv_note_long_run(struct hv_vcpu *vcpu, int cpu, unsigned long in_guest)
{
	pr_info_ratelimited("vcpu %u: one guest run lasted %u ms on CPU %d without an exit; host interrupts %s\n",
			    vcpu->id, jiffies_to_msecs(in_guest), cpu,
			    hv_ops->host_irqs_exit(vcpu) ? "set to exit it" :
							   "NOT set to exit it");
}

/*
 * One guest entry and exit.  Returns >0 to go around again, 0 to return
 * to userspace, <0 for an error.
 */
static int hv_vcpu_enter_guest(struct hv_vcpu *vcpu)
{
	struct hv_vm *vm = vcpu->vm;
	unsigned long entered, in_guest;
	u64 exit_rip;
	u8 cr8;
	int r;

	preempt_disable();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cr8 = hv_prepare_events(vcpu);

	local_irq_disable();
	WRITE_ONCE(vcpu->mode, HV_IN_GUEST);
	/* Pairs with hv_vm_flush_tlbs() and hv_vcpu_kick(): see the comments there. */
	smp_mb();
	if (need_resched() || signal_pending(current) || READ_ONCE(vcpu->events)) {
		WRITE_ONCE(vcpu->mode, HV_OUTSIDE_GUEST);
		local_irq_enable();
		preempt_enable();
		return 1;
	}
	if (vcpu->tlb_gen != atomic64_read(&vm->tlb_gen)) {
		vcpu->tlb_gen = atomic64_read(&vm->tlb_gen);
		vcpu->need_tlb_flush = true;
	}

	/*
	 * ktime, not local_clock(): when the host could not calibrate its TSC,
	 * sched_clock falls back to jiffies and every exit would measure 0 ns,
	 * while the clocksource (HPET, ACPI PM) still has fine resolution.  It
	 * is also monotonic across CPUs, as a latency spanning a migration needs.
	 */
	trace_hv_entry(vcpu->id, vcpu->rip);
	hv_stats_entry(vcpu, hv_stats_clock(vcpu));

	/*
	 * Guest mode is to RCU what user mode is: nothing of the host's is
	 * read under RCU until the exit.  Say so, or a CPU that runs nothing
	 * but this vCPU passes no quiescent state (its tick always lands with
	 * preemption off, right after an exit) until RCU forces a reschedule,
	 * and every grace period in the host waits for that.
	 */
	rcu_note_context_switch(false);

	hv_tsc_aux_load(vcpu);
	hv_xsave_load_guest(vcpu);
	entered = jiffies;
	hv_call(enter)(vcpu);
	in_guest = jiffies - entered;
	hv_xsave_load_host(vcpu);

	vcpu->last_exit_ns = hv_stats_clock(vcpu);
	WRITE_ONCE(vcpu->mode, HV_OUTSIDE_GUEST);
	local_irq_enable();
	if (unlikely(in_guest > msecs_to_jiffies(HV_LONG_GUEST_RUN_MS)))
		hv_note_long_run(vcpu, smp_processor_id(), in_guest);
	preempt_enable();

	if (vcpu->lapic)
		cr8 = hv_sync_cr8(vcpu, cr8);
	exit_rip = vcpu->rip;	/* the handler may move it past the instruction */
	r = hv_handle_exit(vcpu);
	if (vcpu->lapic)
		hv_sync_cr8(vcpu, cr8);
	trace_hv_exit(vcpu->id, vcpu->exit.hw_reason, vcpu->stat_reason, exit_rip,
		      vcpu->exit.qual, vcpu->exit.info, r);
	return r;
}

static int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	int r;

	hv_stats_vmm_return(vcpu, hv_stats_clock(vcpu));
	if (READ_ONCE(vcpu->vm->dead))
		return -EIO;
	trace_hv_userspace_return(vcpu->id, vcpu->exit.user_reason);
	r = hv_complete_userspace_exit(vcpu);
	if (r < 0)
		return r;
	if (!r)
		goto out;	/* a new exit for userspace: an MMIO RMW's write */

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	for (;;) {
		if (READ_ONCE(run->immediate_exit) || signal_pending(current)) {
			hv_exit_to_user(vcpu, HV_EXIT_INTR);
			hv_stats_exit(vcpu, HV_STAT_INTR);
			r = -EINTR;
			break;
		}
		cond_resched();
		/*
		 * Halted or waiting for SIPI: block here.  A signal ends the wait
		 * (<0: the top of the loop reports it); so does a window the VMM
		 * asked for that a halted vCPU opened (0: HV_EXIT_IRQ_WINDOW).
		 */
		if (vcpu->lapic) {
			r = hv_vcpu_lapic_wait_runnable(vcpu);
			if (r < 0)
				continue;
			if (r == 0)
				break;
		}
		r = hv_vcpu_enter_guest(vcpu);
		if (r <= 0)
			break;
		if (READ_ONCE(vcpu->vm->dead)) {
			r = -EIO;
			break;
		}
	}
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
out:
	run->ready_for_interrupt_injection = !vcpu->queued_irq && hv_vcpu_accepts_pic(vcpu) &&
					     hv_call(interrupt_allowed)(vcpu);
	run->flags = (vcpu->rflags & X86_EFLAGS_IF ? HV_RUN_FLAG_IF : 0) |
		     (hv_call(interrupt_shadow)(vcpu) ? HV_RUN_FLAG_INTR_SHADOW : 0);
	run->apic_base = hv_vcpu_apic_base(vcpu);
	if (vcpu->lapic)
		run->cr8 = hv_vcpu_lapic_cr8(vcpu);
	trace_hv_userspace_exit(vcpu->id, vcpu->exit.user_reason, r);
	hv_stats_user_exit(vcpu, hv_stats_clock(vcpu));
	return r;
}

static long hv_vcpu_interrupt(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.flags || irq.vector < 32 || irq.vector > 255)
		return -EINVAL;
	if (vcpu->queued_irq)
		return -EBUSY;
	vcpu->queued_irq = 0x100 | irq.vector;
	return 0;
}

static long hv_vcpu_get_stats(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_stats *st;
	long r = 0;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	hv_stats_fill(vcpu, st);
	if (copy_to_user(argp, st, sizeof(*st)))
		r = -EFAULT;
	kfree(st);
	return r;
}

long hv_vcpu_ioctl(struct hv_vcpu *vcpu, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	/* The stats fd reads without the vCPU's mutex: no need to wait for a running vCPU. */
	if (cmd == HV_GET_STATS_FD)
		return arg ? -EINVAL : hv_stats_fd_create(vcpu);
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	hv_vcpu_load(vcpu);

	switch (cmd) {
	case HV_RUN:
		if (arg) {
			r = -EINVAL;
			break;
		}
		hv_vcpu_track_pid(vcpu);
		r = hv_vcpu_run(vcpu);
		break;
	case HV_GET_REGS:
		r = hv_vcpu_get_regs(vcpu, argp);
		break;
	case HV_SET_REGS:
		r = hv_vcpu_set_regs(vcpu, argp);
		break;
	case HV_GET_SREGS:
		r = hv_vcpu_get_sregs(vcpu, argp);
		break;
	case HV_SET_SREGS:
		r = hv_vcpu_set_sregs(vcpu, argp);
		break;
	case HV_SET_CPUID:
		r = hv_vcpu_set_cpuid(vcpu, argp);
		break;
	case HV_GET_CPUID:
		r = hv_cpuid_copy_out(argp, vcpu->cpuid, vcpu->cpuid_nent);
		break;
	case HV_GET_MSRS:
		r = hv_vcpu_msrs(vcpu, argp, false);
		break;
	case HV_SET_MSRS:
		r = hv_vcpu_msrs(vcpu, argp, true);
		break;
	case HV_INTERRUPT:
		r = hv_vcpu_interrupt(vcpu, argp);
		break;
	case HV_GET_STATS:
		r = hv_vcpu_get_stats(vcpu, argp);
		break;
	case HV_GET_LAPIC:
	case HV_SET_LAPIC:
	case HV_GET_MP_STATE:
	case HV_SET_MP_STATE:
		r = hv_vcpu_lapic_ioctl(vcpu, cmd, argp);
		break;
	default:
		r = -ENOTTY;
		break;
	}

	hv_vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static long hv_vcpu_file_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return hv_vcpu_ioctl(filp->private_data, cmd, arg);
}

static vm_fault_t hv_vcpu_fault(struct vm_fault *vmf)
{
	struct hv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == 1)
		page = virt_to_page(vcpu->pio_data);
	else if (vmf->pgoff == HV_VCPU_PAGE_RING)
		page = hv_coalesced_ring_page(&vcpu->vm->coalesced);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct hv_vcpu_vm_ops = {
	.fault = hv_vcpu_fault,
};

static int hv_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	/*
	 * struct hv_run is shared with the kernel: a private mapping would
	 * turn into a copy at the VMM's first write, and the VMM would no
	 * longer see (nor be seen by) the vCPU.  Refuse it up front.
	 */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= HV_VCPU_MMAP_PAGES || pages > HV_VCPU_MMAP_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &hv_vcpu_vm_ops;
	return 0;
}

static int hv_vcpu_release(struct inode *inode, struct file *filp)
{
	struct hv_vcpu *vcpu = filp->private_data;

	hv_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations hv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= hv_vcpu_file_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= hv_vcpu_mmap,
	.release	= hv_vcpu_release,
	.llseek		= noop_llseek,
};

/* x86 reset state (SDM "Processor State After Reset"); the vendor sets the rest. */
static void hv_vcpu_reset(struct hv_vcpu *vcpu)
{
	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs[HV_RDX] = 0x600;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->apic_base = HV_APIC_BASE_DEFAULT | (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
	vcpu->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	hv_xsave_update_switch(vcpu);
}

static int hv_vcpu_default_cpuid(struct hv_vcpu *vcpu)
{
	vcpu->cpuid = kvcalloc(HV_MAX_CPUID_ENTRIES, sizeof(*vcpu->cpuid), GFP_KERNEL_ACCOUNT);
	if (!vcpu->cpuid)
		return -ENOMEM;
	vcpu->cpuid_nent = hv_cpuid_supported(vcpu->cpuid, HV_MAX_CPUID_ENTRIES);
	hv_cpuid_mask_vendor(vcpu->cpuid, vcpu->cpuid_nent);
	hv_cpuid_set_apic_id(vcpu->cpuid, vcpu->cpuid_nent, vcpu->id);
	hv_cpuid_limit_lapic(vcpu->cpuid, vcpu->cpuid_nent, vcpu->vm->lapic_enabled);
	hv_vcpu_cpuid_limits(vcpu);
	return 0;
}

int hv_vcpu_create(struct hv_vm *vm, u32 id)
{
	struct hv_vcpu *vcpu;
	struct file *file;
	int i, r, fd;

	mutex_lock(&vm->lock);
	for (i = 0; i < atomic_read(&vm->online_vcpus); i++) {
		if (vm->vcpus[i]->id == id) {
			r = -EEXIST;
			goto out_unlock;
		}
	}
	r = -ENOMEM;
	vcpu = kvzalloc(hv_ops->vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto out_unlock;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->pn, &hv_preempt_ops);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data)
		goto out_free_pages;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto out_free_pages;
	r = hv_vcpu_default_cpuid(vcpu);
	if (r)
		goto out_free_fpu;
	hv_vcpu_reset(vcpu);
	r = hv_vcpu_lapic_create(vcpu);
	if (r)
		goto out_free_cpuid;
	r = hv_ops->vcpu_init(vcpu);
	if (r)
		goto out_free_lapic;

	/*
	 * The fd number is reserved and the file made first, but the fd is
	 * installed only once the vCPU is in vm->vcpus[]: from then on
	 * another thread can HV_RUN it, and hv_vm_flush_tlbs() must already
	 * see it (a vCPU it missed would keep translations of pages the host took back).
	 * Nothing can fail after fd_install(), so the vCPU never has to be
	 * taken back out of vm->vcpus[].
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_vcpu_free;
	}
	file = anon_inode_getfile("hv-vcpu", &hv_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto out_put_fd;
	}
	/* The vCPU file's reference on the VM; dropped in hv_vcpu_release(). */
	hv_vm_get(vm);
	vm->vcpus[atomic_read(&vm->online_vcpus)] = vcpu;
	/* Publish the pointer before the count that makes it visible. */
	smp_wmb();
	atomic_inc(&vm->online_vcpus);
	fd_install(fd, file);
	mutex_unlock(&vm->lock);
	return fd;

out_put_fd:
	put_unused_fd(fd);
out_vcpu_free:
	hv_ops->vcpu_free(vcpu);
out_free_lapic:
	hv_vcpu_lapic_destroy(vcpu);
out_free_cpuid:
	kvfree(vcpu->cpuid);
out_free_fpu:
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
out_free_pages:
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kvfree(vcpu);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}

void hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	/* No vCPU of the VM runs any more: nobody reads the pid. */
	put_pid(rcu_dereference_protected(vcpu->pid, true));
	hv_vcpu_lapic_destroy(vcpu);
	hv_ops->vcpu_free(vcpu);
	kvfree(vcpu->cpuid);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	hv_tdp_cache_free(&vcpu->tdp_cache);
	kvfree(vcpu);
}
