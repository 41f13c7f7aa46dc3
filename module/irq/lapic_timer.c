// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer (SDM 11.5.4) on an hrtimer: one-shot and periodic
 * counts of the 1 GHz bus clock divided by the divide configuration, and
 * TSC-deadline mode (IA32_TSC_DEADLINE against the guest's TSC).
 *
 * The count is not stepped: the model keeps the absolute expiry
 * (timer_target) and computes the current count from the time left.  The
 * hrtimer callback runs in hardirq context (HRTIMER_MODE_ABS_HARD, also on
 * PREEMPT_RT) and takes lapic->lock, so register paths stop or rearm it
 * with hrtimer_try_to_cancel under the lock and never wait for it; a
 * callback that loses that race finds timer_armed clear, the target moved
 * or the hrtimer queued again, and does nothing.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "lapic.h"
#include "lapic_internal.h"

/*
 * Divide configuration (SDM figure 11-10): bits 3, 1, 0 form a value v;
 * the divisor is 2^(v + 1) for v < 7, and 1 for v = 7 (0b1011).
 */
u32 hv_lapic_timer_divisor(u32 dcr)
{
	u32 v = ((dcr >> 1) & 4) | (dcr & 3);

	return 1u << ((v + 1) & 7);
}

u64 hv_lapic_timer_count_to_ns(u32 count, u32 divisor)
{
	return (u64)count * divisor * HV_LAPIC_BUS_NS;
}

/* Whole counts left in @ns (a partly elapsed tick still reads as one more). */
u32 hv_lapic_timer_ns_to_count(u64 ns, u32 divisor)
{
	u64 count = div64_u64(ns + (u64)divisor * HV_LAPIC_BUS_NS - 1,
			      (u64)divisor * HV_LAPIC_BUS_NS);

	return count > U32_MAX ? U32_MAX : (u32)count;
}

/* TSC ticks to nanoseconds at @tsc_khz, saturating at KTIME_MAX. */
u64 hv_lapic_tsc_to_ns(u64 tsc_delta, u32 tsc_khz)
{
	if (div64_u64(tsc_delta, tsc_khz) >= div64_u64(KTIME_MAX, NSEC_PER_MSEC))
		return KTIME_MAX;
	return mul_u64_u32_div(tsc_delta, NSEC_PER_MSEC, tsc_khz);
}

static void timer_arm(struct hv_lapic *lapic, ktime_t target)
{
	lapic->timer_armed = true;
	lapic->timer_target = target;
	hrtimer_start(&lapic->timer, target, HRTIMER_MODE_ABS_HARD);
}

void lapic_timer_stop(struct hv_lapic *lapic)
{
	lapic->timer_armed = false;
	hrtimer_try_to_cancel(&lapic->timer);
}

/* The period a periodic count reloads with: never below the host's floor. */
static u64 periodic_ns(u64 ns)
{
	return ns < HV_LAPIC_MIN_PERIOD_NS ? HV_LAPIC_MIN_PERIOD_NS : ns;
}

/* Initial count written: a new count starts; 0 stops (SDM 11.5.4). */
void lapic_timer_tmict_written(struct hv_lapic *lapic)
{
	u32 count = lapic_get(lapic, APIC_TMICT);
	unsigned int mode = lapic_timer_mode(lapic);
	u64 ns;

	if (mode == LAPIC_TIMER_TSCDEADLINE)
		return;		/* the initial count is ignored in that mode */
	lapic_timer_expire_due(lapic, lapic_get(lapic, APIC_LVTT));
	lapic_timer_stop(lapic);
	lapic->timer_divisor = hv_lapic_timer_divisor(lapic_get(lapic, APIC_TDCR));
	if (!count)
		return;
	ns = hv_lapic_timer_count_to_ns(count, lapic->timer_divisor);
	lapic->timer_period_ns = mode == LAPIC_TIMER_PERIODIC ? periodic_ns(ns) : ns;
	timer_arm(lapic, ktime_add_ns(ktime_get(), lapic->timer_period_ns));
}

/*
 * Entering or leaving TSC-deadline mode disarms the timer (SDM 11.5.4.1);
 * one-shot <-> periodic keeps the count running, the mode applies at expiry.
 */
void lapic_timer_lvtt_written(struct hv_lapic *lapic, u32 old)
{
	bool was_tsc = ((old & LAPIC_LVT_TIMER_MODE) >> 17) == LAPIC_TIMER_TSCDEADLINE;
	bool is_tsc = lapic_timer_mode(lapic) == LAPIC_TIMER_TSCDEADLINE;

	if (was_tsc == is_tsc)
		return;
	lapic_timer_stop(lapic);
	lapic->tsc_deadline = 0;
}

u32 lapic_timer_current_count(struct hv_lapic *lapic)
{
	u64 left = lapic_timer_remaining_ns(lapic);
	u32 count;

	if (!left || lapic_timer_mode(lapic) == LAPIC_TIMER_TSCDEADLINE)
		return 0;
	count = hv_lapic_timer_ns_to_count(left, lapic->timer_divisor);
	return min(count, lapic_get(lapic, APIC_TMICT));
}

/*
 * A new divisor while counting changes the rate, not the count: the
 * remaining count runs on at the new divisor (as KVM rescales it).
 */
void lapic_timer_tdcr_written(struct hv_lapic *lapic)
{
	u32 div = hv_lapic_timer_divisor(lapic_get(lapic, APIC_TDCR));
	u32 left;
	u64 ns;

	if (div == lapic->timer_divisor)
		return;
	lapic_timer_expire_due(lapic, lapic_get(lapic, APIC_LVTT));
	if (!lapic->timer_armed || lapic_timer_mode(lapic) == LAPIC_TIMER_TSCDEADLINE) {
		lapic->timer_divisor = div;
		return;
	}
	left = lapic_timer_current_count(lapic);
	lapic->timer_divisor = div;
	ns = hv_lapic_timer_count_to_ns(lapic_get(lapic, APIC_TMICT), div);
	lapic->timer_period_ns = lapic_timer_mode(lapic) == LAPIC_TIMER_PERIODIC ?
				 periodic_ns(ns) : ns;
	hrtimer_try_to_cancel(&lapic->timer);
	timer_arm(lapic, ktime_add_ns(ktime_get(), hv_lapic_timer_count_to_ns(left, div)));
}

/* Time to the next expiry: 0 if none is programmed or it is due now. */
u64 lapic_timer_remaining_ns(struct hv_lapic *lapic)
{
	s64 left;

	if (!lapic->timer_armed)
		return 0;
	left = ktime_to_ns(ktime_sub(lapic->timer_target, ktime_get()));
	return left > 0 ? left : 0;
}

/*
 * Re-arm after hv_lapic_set_state, lapic->regs and tsc_deadline restored:
 * one-shot/periodic from the remaining time (0: not counting), TSC-deadline
 * from the deadline.
 */
void lapic_timer_restore(struct hv_lapic *lapic, u64 remaining_ns)
{
	unsigned int mode = lapic_timer_mode(lapic);
	u32 count = lapic_get(lapic, APIC_TMICT);
	u64 ns;

	lapic->timer_divisor = hv_lapic_timer_divisor(lapic_get(lapic, APIC_TDCR));
	if (mode == LAPIC_TIMER_TSCDEADLINE) {
		u64 val = lapic->tsc_deadline;

		lapic->tsc_deadline = 0;
		if (val) {
			u64 now_tsc = lapic->ops->guest_tsc(lapic->opaque);

			lapic->tsc_deadline = val;
			ns = val > now_tsc ? hv_lapic_tsc_to_ns(val - now_tsc, lapic->tsc_khz) : 0;
			timer_arm(lapic, ktime_add_safe(ktime_get(), ns_to_ktime(ns)));
		}
		return;
	}
	if (!count || !remaining_ns)
		return;
	ns = hv_lapic_timer_count_to_ns(count, lapic->timer_divisor);
	lapic->timer_period_ns = mode == LAPIC_TIMER_PERIODIC ? periodic_ns(ns) : ns;
	timer_arm(lapic, ktime_add_ns(ktime_get(), min(remaining_ns, lapic->timer_period_ns)));
}

u64 hv_lapic_tsc_deadline_read(struct hv_lapic *lapic)
{
	unsigned long flags;
	u64 val = 0;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_timer_mode(lapic) == LAPIC_TIMER_TSCDEADLINE)
		val = lapic->tsc_deadline;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return val;
}

/*
 * IA32_TSC_DEADLINE (SDM 11.5.4.1): 0 disarms; a deadline already passed
 * fires at once; writes outside TSC-deadline mode are ignored.
 */
void hv_lapic_tsc_deadline_write(struct hv_lapic *lapic, u64 val)
{
	unsigned long flags;
	u64 now_tsc, ns = 0;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) == LAPIC_DISABLED ||
	    lapic_timer_mode(lapic) != LAPIC_TIMER_TSCDEADLINE)
		goto out;
	lapic_timer_expire_due(lapic, lapic_get(lapic, APIC_LVTT));
	lapic_timer_stop(lapic);
	lapic->tsc_deadline = val;
	if (!val)
		goto out;
	now_tsc = lapic->ops->guest_tsc(lapic->opaque);
	if (val > now_tsc)
		ns = hv_lapic_tsc_to_ns(val - now_tsc, lapic->tsc_khz);
	timer_arm(lapic, ktime_add_safe(ktime_get(), ns_to_ktime(ns)));
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}

/*
 * One expiry, lapic->lock held, at @now (not before timer_target), under
 * LVT timer entry @lvt: the one in force when the count ran out.  Masked,
 * the count still ends (or reloads) but nothing is requested; periodic,
 * the next target is one period after this one (not after now, so the
 * average rate holds), or one period from now if the host fell a whole
 * period behind (no catch-up burst).  Returns whether an interrupt was
 * requested; timer_armed says whether the timer goes on.
 */
static bool timer_expire(struct hv_lapic *lapic, u32 lvt, ktime_t now)
{
	bool irq = false;

	lapic->timer_fired++;
	if (!(lvt & APIC_LVT_MASKED))
		irq = lapic_deliver_lvt(lapic, lvt);
	switch ((lvt & LAPIC_LVT_TIMER_MODE) >> 17) {
	case LAPIC_TIMER_PERIODIC:
		lapic->timer_period_ns = periodic_ns(lapic->timer_period_ns);
		lapic->timer_target = ktime_add_ns(lapic->timer_target, lapic->timer_period_ns);
		if (ktime_before(lapic->timer_target, now))
			lapic->timer_target = ktime_add_ns(now, lapic->timer_period_ns);
		break;
	case LAPIC_TIMER_TSCDEADLINE:
		lapic->tsc_deadline = 0;
		lapic->timer_armed = false;
		break;
	default:
		lapic->timer_armed = false;
		break;
	}
	return irq;
}

/*
 * Before a register write that the timer depends on (LVT timer entry, SVR,
 * initial count, divide configuration, TSC deadline), lapic->lock held: an
 * expiry that is already due, but whose hrtimer callback has not run yet
 * (a late host timer, or one spinning on this lock), happens now, under
 * the LVT entry @lvt it fell under.  Otherwise a count that ran out while
 * masked would interrupt once unmasked, and one that ran out unmasked would
 * be lost by a mask or a new count: real hardware decided at zero.  The
 * vCPU's own thread writes these registers, and it looks at IRR before it
 * enters the guest again, so no kick is needed.
 */
void lapic_timer_expire_due(struct hv_lapic *lapic, u32 lvt)
{
	ktime_t now = ktime_get();

	if (!lapic->timer_armed || ktime_before(now, lapic->timer_target))
		return;
	timer_expire(lapic, lvt, now);
	/* A callback that loses the race finds it disarmed, or not due, and does nothing. */
	hrtimer_try_to_cancel(&lapic->timer);
	if (lapic->timer_armed)
		hrtimer_start(&lapic->timer, lapic->timer_target, HRTIMER_MODE_ABS_HARD);
}

/* Expiry, in hardirq context: the LVT entry as it is now decides. */
static enum hrtimer_restart lapic_timer_fn(struct hrtimer *timer)
{
	struct hv_lapic *lapic = container_of(timer, struct hv_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	ktime_t now = ktime_get();
	bool kick = false;

	raw_spin_lock(&lapic->lock);
	if (!lapic->timer_armed || hrtimer_is_queued(timer) ||
	    ktime_before(now, lapic->timer_target))
		goto out;		/* stopped or re-armed meanwhile */
	kick = timer_expire(lapic, lapic_get(lapic, APIC_LVTT), now);
	if (lapic->timer_armed) {
		hrtimer_set_expires(timer, lapic->timer_target);
		ret = HRTIMER_RESTART;
	}
out:
	raw_spin_unlock(&lapic->lock);
	if (kick)
		lapic->ops->timer_kick(lapic->opaque);
	return ret;
}

void lapic_timer_setup(struct hv_lapic *lapic)
{
	hrtimer_init(&lapic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	lapic->timer.function = lapic_timer_fn;
	lapic->timer_divisor = hv_lapic_timer_divisor(0);
}

/* Stop the timer and wait for a callback running on another CPU. */
void hv_lapic_timer_cancel(struct hv_lapic *lapic)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lapic->timer_armed = false;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	hrtimer_cancel(&lapic->timer);
}
