// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC (HV_CAP_LAPIC) on the vCPU side.
 *
 * irq/lapic.c models one APIC and decides; this file acts on its
 * decisions: it routes IPIs and MSIs to the APICs they name, makes the
 * target vCPU notice (an event bit, then a wake-up or a host IPI), takes
 * INIT and SIPI, halts a vCPU in the kernel until it can take an
 * interrupt, injects the APIC's vectors, and handles the APIC page, the
 * APIC MSRs and the ioctls.
 *
 * Events and kicks.  Whoever makes an interrupt pending for a vCPU (its
 * own APIC timer in hardirq context, another vCPU's ICR write, an MSI from
 * any thread) sets a bit in vcpu->events after the APIC accepted it, then
 * calls hv_vcpu_kick().  The vCPU thread takes the bits before an entry
 * and, after announcing HV_IN_GUEST with interrupts off, checks that no
 * bit arrived meanwhile (hv_vcpu_enter_guest()); a kicker that saw
 * HV_IN_GUEST sends the reschedule IPI, which forces a VM exit.  Either
 * side sees the other: the same pairing as hv_vm_flush_tlbs().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
/* smp_send_reschedule() traces the IPI on 6.12: the event's declaration. */
#include <trace/events/ipi.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"
#include "irq/lapic.h"
#include "x86/insn.h"

/*
 * Halt polling: a halted vCPU first spins for up to its window, since a
 * wake-up that comes soon is cheaper to catch spinning than through a
 * sleep and a wake-up.  The window grows while halts end soon after it
 * and shrinks when they last longer than the limit (hv_vcpu_halt()).
 */
unsigned int hv_halt_poll_ns = 200000;
module_param_named(halt_poll_ns, hv_halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "Longest halt polling, ns (0: off); HV_CAP_HALT_POLL sets a VM's own");

#define HV_HALT_POLL_START_NS	10000u

/* ---- kicks and routing ------------------------------------------------------ */

void hv_vcpu_kick(struct hv_vcpu *vcpu)
{
	int cpu;

	/* The event bit before mode: pairs with hv_vcpu_enter_guest()'s smp_mb(). */
	smp_mb__after_atomic();
	if (rcuwait_wake_up(&vcpu->wait))
		return;
	cpu = READ_ONCE(vcpu->cpu);
	if (READ_ONCE(vcpu->mode) == HV_IN_GUEST && cpu >= 0 && cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

static void hv_vcpu_post(struct hv_vcpu *vcpu, unsigned int event)
{
	set_bit(event, &vcpu->events);
	hv_vcpu_kick(vcpu);
}

/* @irq reached @vcpu's APIC: 1 if it accepted something, 0 if it dropped it. */
static int hv_vcpu_accept(struct hv_vcpu *vcpu, const struct hv_apic_irq *irq)
{
	switch (hv_lapic_accept(vcpu->lapic, irq)) {
	case HV_LAPIC_IRQ:
		hv_vcpu_post(vcpu, HV_EVENT_IRQ);
		return 1;
	case HV_LAPIC_NMI:
		hv_vcpu_post(vcpu, HV_EVENT_NMI);
		return 1;
	case HV_LAPIC_INIT:
		hv_vcpu_post(vcpu, HV_EVENT_INIT);
		return 1;
	case HV_LAPIC_SIPI:
		WRITE_ONCE(vcpu->sipi_vector, irq->vector);
		/* The vector before the bit: the vCPU reads it after taking the bit. */
		smp_mb__before_atomic();
		hv_vcpu_post(vcpu, HV_EVENT_SIPI);
		return 1;
	default:
		/* ExtINT is the 8259's, through LINT0 only; SMI: hv has no SMM. */
		return 0;
	}
}

/*
 * Lowest-priority arbitration (apic_deliver.c has the rule) among the
 * matching APICs.  Process context: the sender is a vCPU thread or an
 * ioctl.  If the snapshot cannot be allocated, the first match takes it:
 * still a legal choice, only not the balanced one.
 */
static int hv_route_lowest(struct hv_vm *vm, struct hv_vcpu *src,
			   const struct hv_apic_irq *irq, int n)
{
	struct hv_apic_target *t;
	struct hv_vcpu **match;
	int i, m = 0, win;

	/* The pointers first: the 4-byte-aligned targets may follow them, not precede. */
	match = kmalloc_array(n, sizeof(*match) + sizeof(*t), GFP_KERNEL);
	if (!match) {
		for (i = 0; i < n; i++) {
			struct hv_apic_target one;

			hv_lapic_target(vm->vcpus[i]->lapic, &one);
			if (hv_apic_match(&one, irq, vm->vcpus[i] == src))
				return hv_vcpu_accept(vm->vcpus[i], irq);
		}
		return 0;
	}
	t = (struct hv_apic_target *)(match + n);
	for (i = 0; i < n; i++) {
		hv_lapic_target(vm->vcpus[i]->lapic, &t[m]);
		if (hv_apic_match(&t[m], irq, vm->vcpus[i] == src))
			match[m++] = vm->vcpus[i];
	}
	win = m ? hv_apic_lowest_priority(t, m) : -1;
	i = win >= 0 ? hv_vcpu_accept(match[win], irq) : 0;
	kfree(match);
	return i;
}

/*
 * Deliver one message (IPI, MSI) to the APICs it names; @src is the sending
 * vCPU for the shorthands, NULL for an MSI.  Returns how many accepted it.
 */
static int hv_route(struct hv_vm *vm, struct hv_vcpu *src, const struct hv_apic_irq *irq)
{
	int i, n = atomic_read(&vm->online_vcpus), reached = 0;

	/* The count before the pointers it covers: pairs with hv_vcpu_create(). */
	smp_rmb();
	if (hv_apic_is_lowest_priority(irq))
		return hv_route_lowest(vm, src, irq, n);
	for (i = 0; i < n; i++) {
		struct hv_vcpu *vcpu = vm->vcpus[i];
		struct hv_apic_target t;

		hv_lapic_target(vcpu->lapic, &t);
		if (hv_apic_match(&t, irq, vcpu == src))
			reached += hv_vcpu_accept(vcpu, irq);
	}
	return reached;
}

/* ---- the APIC's callbacks (struct hv_lapic_ops) -------------------------------- */

static void hv_lapic_send_ipi(void *opaque, const struct hv_apic_irq *irq)
{
	struct hv_vcpu *vcpu = opaque;

	hv_route(vcpu->vm, vcpu, irq);
}

/* The writer of EOI is this vCPU's thread: report once the write is done. */
static void hv_lapic_eoi_broadcast(void *opaque, u8 vector)
{
	struct hv_vcpu *vcpu = opaque;

	vcpu->eoi_exit = vector;
}

/* hardirq context: the timer's vector is in IRR already. */
static void hv_lapic_timer_kick(void *opaque)
{
	hv_vcpu_post(opaque, HV_EVENT_IRQ);
}

/* Only ever called from the vCPU's own ioctls, where its VMCS/VMCB is loaded. */
static u64 hv_lapic_guest_tsc(void *opaque)
{
	u64 tsc = 0;

	hv_ops->get_msr(opaque, MSR_IA32_TSC, &tsc);
	return tsc;
}

static const struct hv_lapic_ops hv_vcpu_lapic_ops = {
	.send_ipi	= hv_lapic_send_ipi,
	.eoi_broadcast	= hv_lapic_eoi_broadcast,
	.timer_kick	= hv_lapic_timer_kick,
	.guest_tsc	= hv_lapic_guest_tsc,
};

/* ---- VM ioctls -------------------------------------------------------------- */

int hv_vm_enable_lapic(struct hv_vm *vm)
{
	int r = 0;

	mutex_lock(&vm->lock);
	if (atomic_read(&vm->online_vcpus))
		r = -EBUSY;
	else if (vm->lapic_enabled)
		r = -EEXIST;
	else
		vm->lapic_enabled = true;
	mutex_unlock(&vm->lock);
	return r;
}

int hv_msi_check(u64 address, u32 data)
{
	struct hv_apic_irq irq;

	return hv_apic_decode_msi(address, data, &irq) ? -EINVAL : 0;
}

/*
 * Without @may_sleep (an irqfd's wake function: a wait-queue lock held,
 * interrupts off) only what routing does without allocating: every mode
 * but lowest priority, whose arbitration snapshot is allocated.
 */
int hv_vm_deliver_msi(struct hv_vm *vm, u64 address, u32 data, bool may_sleep)
{
	struct hv_apic_irq irq;

	if (hv_apic_decode_msi(address, data, &irq))
		return -EINVAL;
	if (!may_sleep && hv_apic_is_lowest_priority(&irq))
		return -EWOULDBLOCK;
	return hv_route(vm, NULL, &irq);
}

long hv_vm_signal_msi(struct hv_vm *vm, void __user *argp)
{
	struct hv_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (msi.flags || msi.reserved)
		return -EINVAL;
	if (!READ_ONCE(vm->lapic_enabled))
		return -ENXIO;
	return hv_vm_deliver_msi(vm, msi.address, msi.data, true);
}

/* ---- vCPU life cycle ------------------------------------------------------------ */

int hv_vcpu_lapic_create(struct hv_vcpu *vcpu)
{
	u32 features = HV_LAPIC_F_X2APIC;
	int r;

	vcpu->eoi_exit = -1;
	rcuwait_init(&vcpu->wait);
	if (!vcpu->vm->lapic_enabled)
		return 0;
	vcpu->lapic = kzalloc(sizeof(*vcpu->lapic), GFP_KERNEL_ACCOUNT);
	if (!vcpu->lapic)
		return -ENOMEM;
	if (tsc_khz)
		features |= HV_LAPIC_F_TSC_DEADLINE;
	r = hv_lapic_init(vcpu->lapic, vcpu->id, features, tsc_khz, &hv_vcpu_lapic_ops, vcpu);
	if (r) {
		kfree(vcpu->lapic);
		vcpu->lapic = NULL;
		return r;
	}
	hv_lapic_reset(vcpu->lapic, vcpu->id == 0);
	/* As on a PC: the BSP runs, the application processors wait for SIPI. */
	vcpu->mp_state = vcpu->id == 0 ? HV_MP_STATE_RUNNABLE : HV_MP_STATE_INIT_RECEIVED;
	return 0;
}

void hv_vcpu_lapic_destroy(struct hv_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	hv_lapic_destroy(vcpu->lapic);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}

/* ---- INIT, SIPI, halt ------------------------------------------------------------ */

/* @s: a code or data segment (1), or a system one: LDT, TSS (0). */
static void hv_init_segment(struct hv_segment *seg, u16 sel, u64 base, u8 type, bool s)
{
	*seg = (struct hv_segment) {
		.base = base, .limit = 0xffff, .selector = sel, .type = type,
		.present = 1, .s = s,
	};
}

/*
 * INIT (SDM 10.1, "Initialization Overview", the INIT column): real mode
 * at F000:FFF0, caches and MSRs kept; the APIC keeps its mode, base and ID.
 * The BSP runs on from the reset vector, the others wait for SIPI.
 */
static void hv_vcpu_do_init(struct hv_vcpu *vcpu)
{
	struct hv_sregs s;

	memset(&s, 0, sizeof(s));
	hv_init_segment(&s.cs, 0xf000, 0xffff0000, 11, true);	/* code, execute/read, accessed */
	hv_init_segment(&s.ds, 0, 0, 3, true);			/* data, read/write, accessed */
	hv_init_segment(&s.es, 0, 0, 3, true);
	hv_init_segment(&s.fs, 0, 0, 3, true);
	hv_init_segment(&s.gs, 0, 0, 3, true);
	hv_init_segment(&s.ss, 0, 0, 3, true);
	hv_init_segment(&s.tr, 0, 0, 11, false);		/* busy 32-bit TSS */
	hv_init_segment(&s.ldt, 0, 0, 2, false);
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	hv_ops->set_sregs(vcpu, &s);

	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs[HV_RDX] = 0x600;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->pending = HV_PENDING_NONE;
	vcpu->queued_irq = 0;
	vcpu->nmi_pending = false;
	hv_ops->cancel_event(vcpu);
	hv_call(set_irq_window)(vcpu, false);
	hv_lapic_init_signal(vcpu->lapic);
	vcpu->mp_state = (hv_lapic_get_base(vcpu->lapic) & MSR_IA32_APICBASE_BSP) ?
			 HV_MP_STATE_RUNNABLE : HV_MP_STATE_INIT_RECEIVED;
}

/* Start-up IPI (SDM 11.6.1): real mode at VV00:0000, VV the message's vector. */
static void hv_vcpu_do_sipi(struct hv_vcpu *vcpu, u8 vector)
{
	struct hv_sregs s;

	hv_ops->get_sregs(vcpu, &s);
	s.cs.selector = vector << 8;
	s.cs.base = (u64)vector << 12;
	hv_ops->set_sregs(vcpu, &s);
	vcpu->rip = 0;
	vcpu->mp_state = HV_MP_STATE_RUNNABLE;
}

static void hv_vcpu_take_events(struct hv_vcpu *vcpu)
{
	unsigned long ev;

	if (!READ_ONCE(vcpu->events))
		return;
	/* A full barrier: sipi_vector is read after its bit. */
	ev = xchg(&vcpu->events, 0);
	if (ev & BIT(HV_EVENT_INIT))
		hv_vcpu_do_init(vcpu);
	if ((ev & BIT(HV_EVENT_SIPI)) && vcpu->mp_state == HV_MP_STATE_INIT_RECEIVED)
		hv_vcpu_do_sipi(vcpu, READ_ONCE(vcpu->sipi_vector));
	if (ev & BIT(HV_EVENT_NMI))
		vcpu->nmi_pending = true;
}

bool hv_vcpu_accepts_pic(struct hv_vcpu *vcpu)
{
	return !vcpu->lapic || hv_lapic_accepts_pic(vcpu->lapic);
}

/* What ends a HLT: an NMI, or an interrupt the guest takes now (IF set, above PPR). */
static bool hv_vcpu_halt_ends(struct hv_vcpu *vcpu)
{
	if (vcpu->nmi_pending)
		return true;
	if (!(vcpu->rflags & X86_EFLAGS_IF))
		return false;
	if (vcpu->queued_irq && hv_lapic_accepts_pic(vcpu->lapic))
		return true;
	return hv_lapic_pending(vcpu->lapic) >= 0;
}

static u32 hv_halt_poll_limit(struct hv_vm *vm)
{
	s64 max = READ_ONCE(vm->halt_poll_max_ns);

	return max < 0 ? READ_ONCE(hv_halt_poll_ns) : max;
}

/* Spin for the window: true if an event came (the poll paid off). */
static bool hv_vcpu_halt_poll(struct hv_vcpu *vcpu, u64 start)
{
	u64 stop = start + vcpu->halt_poll_ns;

	do {
		if (READ_ONCE(vcpu->events))
			return true;
		cpu_relax();
	} while (single_task_running() && !need_resched() && !signal_pending(current) &&
		 ktime_get_ns() < stop);
	return false;
}

/* Every event sets a bit before its kick: the bits are the condition. */
static void hv_vcpu_block(struct hv_vcpu *vcpu)
{
	rcuwait_wait_event(&vcpu->wait, READ_ONCE(vcpu->events) || signal_pending(current),
			   TASK_INTERRUPTIBLE);
}

/*
 * A halted vCPU waits: poll, then sleep.  The window adapts as KVM's
 * does: a sleep that ended within the limit doubles it (polling would have
 * caught that wake-up), a longer one halves it; a poll that succeeded
 * keeps it.
 */
static void hv_vcpu_halt(struct hv_vcpu *vcpu)
{
	u32 limit = hv_halt_poll_limit(vcpu->vm);
	u64 start = ktime_get_ns(), slept;

	if (vcpu->halt_poll_ns > limit)
		vcpu->halt_poll_ns = limit;
	if (vcpu->halt_poll_ns && hv_vcpu_halt_poll(vcpu, start)) {
		hv_stats_count(vcpu, HV_STAT_HALT_POLL);
		hv_stats_latency(vcpu, HV_STAT_HALT_POLL, ktime_get_ns() - start);
		return;
	}
	hv_vcpu_block(vcpu);
	slept = ktime_get_ns() - start;
	hv_stats_count(vcpu, HV_STAT_HALT_SLEEP);
	hv_stats_latency(vcpu, HV_STAT_HALT_SLEEP, slept);
	if (!limit)
		vcpu->halt_poll_ns = 0;
	else if (slept > limit)
		vcpu->halt_poll_ns /= 2;
	else
		vcpu->halt_poll_ns = min_t(u64, max_t(u64, (u64)vcpu->halt_poll_ns * 2,
						      HV_HALT_POLL_START_NS), limit);
}

/*
 * A halted vCPU that can take the 8259's vector now, while the VMM waits
 * for a window to inject one: tell it (the vCPU stays halted; the vector
 * it injects ends the halt).  Otherwise the VMM would wait for a window
 * and the vCPU for an interrupt, each for the other.
 */
static bool hv_vcpu_halted_window(struct hv_vcpu *vcpu)
{
	if (!vcpu->run->request_interrupt_window || vcpu->queued_irq ||
	    !(vcpu->rflags & X86_EFLAGS_IF) || !hv_lapic_accepts_pic(vcpu->lapic))
		return false;
	vcpu->run->ready_for_interrupt_injection = 1;
	hv_exit_to_user(vcpu, HV_EXIT_IRQ_WINDOW);
	hv_stats_exit(vcpu, HV_STAT_IRQ_WINDOW);
	return true;
}

int hv_vcpu_lapic_wait_runnable(struct hv_vcpu *vcpu)
{
	for (;;) {
		hv_vcpu_take_events(vcpu);
		if (vcpu->mp_state == HV_MP_STATE_HALTED && hv_vcpu_halt_ends(vcpu))
			vcpu->mp_state = HV_MP_STATE_RUNNABLE;
		if (vcpu->mp_state == HV_MP_STATE_RUNNABLE)
			return 1;
		if (signal_pending(current))
			return -EINTR;
		if (vcpu->mp_state == HV_MP_STATE_HALTED && hv_vcpu_halted_window(vcpu))
			return 0;
		if (vcpu->mp_state == HV_MP_STATE_HALTED)
			hv_vcpu_halt(vcpu);
		else
			hv_vcpu_block(vcpu);
	}
}

int hv_vcpu_lapic_halt(struct hv_vcpu *vcpu)
{
	vcpu->mp_state = HV_MP_STATE_HALTED;
	return 1;
}

/* ---- injection ------------------------------------------------------------------- */

/*
 * The APIC's highest deliverable vector, acknowledged (IRR -> ISR) only
 * when it is injected; a vector that cannot go now asks for a window.
 * The vendor keeps an injected event it could not deliver for the next
 * entry (EXITINTINFO, IDT-vectoring), so the acknowledgment stands.
 */
bool hv_vcpu_lapic_inject(struct hv_vcpu *vcpu)
{
	int vec = hv_lapic_pending(vcpu->lapic);

	/* Held back by PPR: a CR8 write that lowers TPR must be seen. */
	hv_ops->set_cr8_write_exit(vcpu, vec < 0 ? hv_lapic_highest_irr(vcpu->lapic) : -1);
	if (vec < 0)
		return false;
	if (!hv_call(interrupt_allowed)(vcpu))
		return true;
	if (!hv_lapic_ack(vcpu->lapic, vec))
		hv_call(inject_irq)(vcpu, vec);
	return false;
}

/* ---- the APIC page and MSRs --------------------------------------------------------- */

u64 hv_vcpu_apic_base(struct hv_vcpu *vcpu)
{
	return vcpu->lapic ? hv_lapic_get_base(vcpu->lapic) : vcpu->apic_base;
}

int hv_vcpu_lapic_access(struct hv_vcpu *vcpu, u64 gpa, unsigned int len, bool write,
			 u64 *value)
{
	u64 base;
	int r;

	if (!vcpu->lapic)
		return -EOPNOTSUPP;
	base = hv_lapic_get_base(vcpu->lapic) & GENMASK_ULL(47, 12);
	if (gpa - base >= HV_LAPIC_MMIO_SIZE)
		return -EOPNOTSUPP;
	if (write) {
		r = hv_lapic_mmio_write(vcpu->lapic, gpa - base, len, *value);
	} else {
		*value = 0;
		r = hv_lapic_mmio_read(vcpu->lapic, gpa - base, len, value);
	}
	/* Disabled or in x2APIC mode, the page is not decoded: ordinary MMIO. */
	if (r == -EOPNOTSUPP)
		return r;
	/* Other refusals (sizes the decoder never produces) read 0 and drop the write. */
	if (r && !write)
		*value = 0;
	return 0;
}

int hv_vcpu_lapic_eoi_exit(struct hv_vcpu *vcpu, int r)
{
	if (likely(vcpu->eoi_exit < 0) || r <= 0)
		return r;
	vcpu->run->eoi.vector = vcpu->eoi_exit;
	vcpu->eoi_exit = -1;
	return hv_exit_to_user(vcpu, HV_EXIT_EOI);
}

int hv_vcpu_lapic_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct hv_lapic *lapic = vcpu->lapic;

	if (!lapic)
		return -ENOENT;
	if (index == MSR_IA32_APICBASE) {
		*data = hv_lapic_get_base(lapic);
		return 0;
	}
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = hv_lapic_tsc_deadline_read(lapic);
		return 0;
	}
	if (hv_lapic_is_x2apic_msr(index))
		return hv_lapic_msr_read(lapic, index, data);
	return -ENOENT;
}

int hv_vcpu_lapic_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct hv_lapic *lapic = vcpu->lapic;

	if (!lapic)
		return -ENOENT;
	if (index == MSR_IA32_APICBASE)
		return hv_lapic_set_base(lapic, data, host);
	if (index == MSR_IA32_TSC_DEADLINE) {
		hv_lapic_tsc_deadline_write(lapic, data);
		return 0;
	}
	if (hv_lapic_is_x2apic_msr(index))
		return hv_lapic_msr_write(lapic, index, data);
	return -ENOENT;
}

u8 hv_vcpu_lapic_cr8(struct hv_vcpu *vcpu)
{
	return hv_lapic_get_cr8(vcpu->lapic);
}

void hv_vcpu_lapic_set_cr8(struct hv_vcpu *vcpu, u8 cr8)
{
	hv_lapic_set_cr8(vcpu->lapic, cr8);
}

/* ---- vCPU ioctls ----------------------------------------------------------------- */

static long hv_vcpu_get_lapic(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_lapic_state *s;
	long r = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	hv_lapic_get_state(vcpu->lapic, s);
	if (copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}

static long hv_vcpu_set_lapic(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_lapic_state *s;
	long r;

	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	r = hv_lapic_set_state(vcpu->lapic, s);
	kfree(s);
	/* A restored IRR may hold something to deliver. */
	if (!r)
		set_bit(HV_EVENT_IRQ, &vcpu->events);
	return r;
}

static long hv_vcpu_set_mp_state(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.flags || mp.state > HV_MP_STATE_INIT_RECEIVED)
		return -EINVAL;
	vcpu->mp_state = mp.state;
	return 0;
}

long hv_vcpu_lapic_ioctl(struct hv_vcpu *vcpu, unsigned int cmd, void __user *argp)
{
	struct hv_mp_state mp = { 0 };

	if (!vcpu->lapic)
		return -ENXIO;
	switch (cmd) {
	case HV_GET_LAPIC:
		return hv_vcpu_get_lapic(vcpu, argp);
	case HV_SET_LAPIC:
		return hv_vcpu_set_lapic(vcpu, argp);
	case HV_GET_MP_STATE:
		mp.state = vcpu->mp_state;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case HV_SET_MP_STATE:
		return hv_vcpu_set_mp_state(vcpu, argp);
	default:
		return -ENOTTY;
	}
}
