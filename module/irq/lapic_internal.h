/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the local APIC's files share: lapic.c (register accesses),
 * lapic_irq.c (acceptance, dispatch, EOI), lapic_state.c (reset, INIT,
 * IA32_APIC_BASE, get/set) and lapic_timer.c.  Every function declared or
 * defined here is called with lapic->lock held.
 */
#ifndef HV_IRQ_LAPIC_INTERNAL_H
#define HV_IRQ_LAPIC_INTERNAL_H

#include <linux/bits.h>
#include <asm/apicdef.h>

#include "apic_deliver.h"
#include "lapic.h"

/* regs[] index of a register offset */
#define LAPIC_REG(off)		((off) >> 4)

/* IA32_APIC_BASE */
#define LAPIC_BASE_ADDR		GENMASK_ULL(47, 12)
#define LAPIC_BASE_EXTD		BIT_ULL(10)	/* x2APIC mode */
#define LAPIC_BASE_EN		BIT_ULL(11)

enum lapic_mode { LAPIC_DISABLED, LAPIC_XAPIC, LAPIC_X2APIC, LAPIC_INVALID };

/* Register bits a guest can set (the rest is reserved or read-only) */
#define LAPIC_LVT_VECTOR	0xffu
#define LAPIC_LVT_DM		0x700u
#define LAPIC_LVT_COMMON	(LAPIC_LVT_VECTOR | APIC_LVT_MASKED)
#define LAPIC_ICR_BITS		(0xfffu | APIC_INT_ASSERT | APIC_INT_LEVELTRIG | APIC_DEST_ALLBUT)
#define LAPIC_SVR_BITS		(0xffu | APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED)
#define LAPIC_TDCR_BITS		0xbu
#define LAPIC_ESR_BITS		(APIC_ESR_SEND_CS | APIC_ESR_RECV_CS | APIC_ESR_SEND_ACC | \
				 APIC_ESR_RECV_ACC | APIC_ESR_SENDILL | APIC_ESR_RECVILL | \
				 APIC_ESR_ILLREGA)

/* LVT timer mode, bits 18:17 (3 is reserved) */
#define LAPIC_LVT_TIMER_MODE	(3u << 17)
#define LAPIC_TIMER_ONESHOT	0u
#define LAPIC_TIMER_PERIODIC	1u
#define LAPIC_TIMER_TSCDEADLINE	2u

static inline u32 lapic_get(const struct hv_lapic *lapic, u32 off)
{
	return lapic->regs[LAPIC_REG(off)];
}

static inline void lapic_set(struct hv_lapic *lapic, u32 off, u32 val)
{
	lapic->regs[LAPIC_REG(off)] = val;
}

static inline enum lapic_mode lapic_base_mode(u64 base)
{
	if (base & LAPIC_BASE_EN)
		return (base & LAPIC_BASE_EXTD) ? LAPIC_X2APIC : LAPIC_XAPIC;
	return (base & LAPIC_BASE_EXTD) ? LAPIC_INVALID : LAPIC_DISABLED;
}

static inline enum lapic_mode lapic_mode(const struct hv_lapic *lapic)
{
	return lapic_base_mode(lapic->apic_base);
}

static inline bool lapic_sw_enabled(const struct hv_lapic *lapic)
{
	return lapic_get(lapic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static inline unsigned int lapic_timer_mode(const struct hv_lapic *lapic)
{
	return (lapic_get(lapic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE) >> 17;
}

static inline int lapic_highest(const struct hv_lapic *lapic, u32 bank_off)
{
	return hv_apic_highest_vector(&lapic->regs[LAPIC_REG(bank_off)]);
}

/* Banks are eight registers at 16-byte strides: vector v is bit v % 32 of the v / 32th. */
static inline u32 *lapic_vec_word(struct hv_lapic *lapic, u32 bank_off, u8 vec)
{
	return &lapic->regs[LAPIC_REG(bank_off) + vec / 32];
}

static inline bool lapic_vec_test(struct hv_lapic *lapic, u32 bank_off, u8 vec)
{
	return *lapic_vec_word(lapic, bank_off, vec) & BIT(vec % 32);
}

static inline void lapic_vec_set(struct hv_lapic *lapic, u32 bank_off, u8 vec)
{
	*lapic_vec_word(lapic, bank_off, vec) |= BIT(vec % 32);
}

static inline void lapic_vec_clear(struct hv_lapic *lapic, u32 bank_off, u8 vec)
{
	*lapic_vec_word(lapic, bank_off, vec) &= ~BIT(vec % 32);
}

static inline u8 lapic_ppr(struct hv_lapic *lapic)
{
	return hv_apic_ppr(lapic_get(lapic, APIC_TASKPRI), lapic_highest(lapic, APIC_ISR));
}

/* What a register write leaves for after the unlock. */
struct lapic_effects {
	bool ipi;
	struct hv_apic_irq irq;
	int eoi_bcast;			/* vector, or -1 */
};

static inline void lapic_run_effects(struct hv_lapic *lapic, const struct lapic_effects *fx)
{
	if (fx->ipi)
		lapic->ops->send_ipi(lapic->opaque, &fx->irq);
	if (fx->eoi_bcast >= 0)
		lapic->ops->eoi_broadcast(lapic->opaque, fx->eoi_bcast);
}

/* lapic.c */
u32 lapic_reg_write_bits(const struct hv_lapic *lapic, u32 off);
u32 lapic_reg_read(struct hv_lapic *lapic, u32 off);

/* lapic_irq.c */
void lapic_set_irr(struct hv_lapic *lapic, u8 vec, bool level);
bool lapic_error(struct hv_lapic *lapic, u32 bits);
bool lapic_deliver_lvt(struct hv_lapic *lapic, u32 lvt);
int lapic_eoi_locked(struct hv_lapic *lapic, struct lapic_effects *fx);

/* lapic_state.c */
void lapic_power_up(struct hv_lapic *lapic, u32 id);

/* lapic_timer.c */
void lapic_timer_setup(struct hv_lapic *lapic);
void lapic_timer_stop(struct hv_lapic *lapic);
void lapic_timer_tmict_written(struct hv_lapic *lapic);
void lapic_timer_lvtt_written(struct hv_lapic *lapic, u32 old);
void lapic_timer_expire_due(struct hv_lapic *lapic, u32 lvt);
void lapic_timer_tdcr_written(struct hv_lapic *lapic);
u32 lapic_timer_current_count(struct hv_lapic *lapic);
u64 lapic_timer_remaining_ns(struct hv_lapic *lapic);
void lapic_timer_restore(struct hv_lapic *lapic, u64 remaining_ns);

#endif
