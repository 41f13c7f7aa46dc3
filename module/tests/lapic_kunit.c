// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the local APIC model (module/irq/lapic*.c): registers
 * through the xAPIC page and the x2APIC MSRs, IA32_APIC_BASE transitions,
 * acceptance, dispatch and EOI (with the level-triggered broadcast), LINT
 * pins, errors, get/set of the state, and the timer: its arithmetic, and
 * real hrtimer expiries in each mode.  The owner's side (struct
 * hv_lapic_ops) is a recorder: IPIs and EOI broadcasts are counted, timer
 * kicks complete a completion, the guest TSC is a number the case sets.
 * Expiry cases wait for the kick with a 10 s timeout that only a broken
 * timer reaches; no case measures time.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <asm/apicdef.h>

#include "../irq/lapic.h"

#define ID		3u
#define WAIT		(10 * HZ)

struct rec {
	struct hv_lapic lapic;
	unsigned int ipis;
	struct hv_apic_irq ipi;
	unsigned int eois;
	int eoi_vector;
	atomic_t kicks;
	struct completion kicked;
	u64 tsc;
};

static void rec_send_ipi(void *opaque, const struct hv_apic_irq *irq)
{
	struct rec *r = opaque;

	r->ipis++;
	r->ipi = *irq;
}

static void rec_eoi(void *opaque, u8 vector)
{
	struct rec *r = opaque;

	r->eois++;
	r->eoi_vector = vector;
}

static void rec_kick(void *opaque)
{
	struct rec *r = opaque;

	atomic_inc(&r->kicks);
	complete(&r->kicked);
}

static u64 rec_tsc(void *opaque)
{
	struct rec *r = opaque;

	return READ_ONCE(r->tsc);
}

static const struct hv_lapic_ops rec_ops = {
	.send_ipi = rec_send_ipi,
	.eoi_broadcast = rec_eoi,
	.timer_kick = rec_kick,
	.guest_tsc = rec_tsc,
};

/* A BSP's APIC, reset, software-enabled with spurious vector 0xff. */
static int lapic_test_init(struct kunit *test)
{
	struct rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	init_completion(&r->kicked);
	r->eoi_vector = -1;
	r->tsc = 1000000000000ull;
	if (hv_lapic_init(&r->lapic, ID, HV_LAPIC_F_X2APIC | HV_LAPIC_F_TSC_DEADLINE, 1000000,
			  &rec_ops, r))
		return -EINVAL;
	hv_lapic_reset(&r->lapic, true);
	test->priv = r;
	return 0;
}

static void lapic_test_exit(struct kunit *test)
{
	struct rec *r = test->priv;

	if (r)
		hv_lapic_destroy(&r->lapic);
}

static struct hv_lapic *lapic_of(struct kunit *test)
{
	return &((struct rec *)test->priv)->lapic;
}

static u32 rd(struct hv_lapic *l, u32 off)
{
	u64 v = 0xdeadbeef;

	if (hv_lapic_mmio_read(l, off, 4, &v))
		return 0xdeadbeef;
	return v;
}

static void wr(struct hv_lapic *l, u32 off, u32 val)
{
	hv_lapic_mmio_write(l, off, 4, val);
}

static void enable(struct hv_lapic *l)
{
	wr(l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
}

static struct hv_apic_irq fixed(u8 vec, bool level)
{
	struct hv_apic_irq irq = {
		.vector = vec, .delivery_mode = HV_APIC_DM_FIXED, .level = level, .assert = true,
	};

	return irq;
}

static bool in_bank(struct hv_lapic *l, u32 bank, u8 vec)
{
	return rd(l, bank + (vec / 32) * 0x10) & BIT(vec % 32);
}

/* ESR as software reads it: write, then read (SDM 11.5.3). */
static u32 esr(struct hv_lapic *l)
{
	wr(l, APIC_ESR, 0);
	return rd(l, APIC_ESR);
}

static void lapic_reset_values(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	u32 off;

	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfee00900ull);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID), ID << 24);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVR), 0x00050014u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_SPIV), 0xffu);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_DFR), 0xffffffffu);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LDR), 0u);
	/* the BSP's LINT0 is in ExtINT mode (virtual wire), the rest masked */
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVT0), (u32)APIC_DM_EXTINT);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		if (off != APIC_LVT0)
			KUNIT_EXPECT_EQ(test, rd(l, off), (u32)APIC_LVT_MASKED);
	KUNIT_EXPECT_TRUE(test, hv_lapic_accepts_pic(l));
	/* an AP: no BSP flag, LINT0 masked like the rest */
	hv_lapic_reset(l, false);
	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfee00800ull);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVT0), (u32)APIC_LVT_MASKED);
	KUNIT_EXPECT_FALSE(test, hv_lapic_accepts_pic(l));
}

static void lapic_readonly_registers(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_irq irq = fixed(0x41, false);
	u32 off;

	enable(l);
	hv_lapic_accept(l, &irq);
	wr(l, APIC_LVR, 0x12345678);
	wr(l, APIC_PROCPRI, 0xf0);
	wr(l, APIC_ARBPRI, 0xf0);
	wr(l, APIC_RRR, 0xff);
	wr(l, APIC_TMCCT, 1000);
	for (off = APIC_ISR; off < APIC_IRR + 0x80; off += 0x10)
		wr(l, off, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVR), 0x00050014u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_RRR), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMCCT), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ISR + 0x20), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMR + 0x20), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_IRR + 0x20), BIT(1));
	KUNIT_EXPECT_EQ(test, rd(l, APIC_IRR + 0x70), 0u);
	/* reserved bits of writable registers are dropped */
	wr(l, APIC_TASKPRI, 0xffffff45);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0x45u);
	wr(l, APIC_ID, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID), 0xff000000u);
	wr(l, APIC_DFR, 0);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_DFR), 0x0fffffffu);
	wr(l, APIC_TDCR, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TDCR), 0xbu);
	/* only aligned 32-bit writes count; narrower reads see the bytes */
	wr(l, APIC_TASKPRI, 0x12);
	hv_lapic_mmio_write(l, APIC_TASKPRI, 1, 0x77);
	hv_lapic_mmio_write(l, APIC_TASKPRI + 1, 4, 0x77);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0x12u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID + 3), 0xffu);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID + 4), 0u);
	KUNIT_EXPECT_EQ(test, esr(l), 0u);
}

static void lapic_esr(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	struct hv_apic_irq ill = fixed(3, false);

	enable(l);
	/* unimplemented registers: read 0, "illegal register address" */
	KUNIT_EXPECT_EQ(test, rd(l, 0x3f0), 0u);	/* SELF IPI: x2APIC only */
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVTCMCI), 0u);	/* no CMCI offered */
	/* write-before-read: nothing visible until ESR is written */
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ESR), 0u);
	KUNIT_EXPECT_EQ(test, esr(l), (u32)APIC_ESR_ILLREGA);
	KUNIT_EXPECT_EQ(test, esr(l), 0u);
	/* a fixed IPI with vector < 16: "send illegal vector", nothing sent */
	wr(l, APIC_ICR, 0x4005);
	KUNIT_EXPECT_EQ(test, r->ipis, 0u);
	KUNIT_EXPECT_EQ(test, esr(l), (u32)APIC_ESR_SENDILL);
	/* received with vector < 16: dropped, "receive illegal vector" */
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &ill), HV_LAPIC_NONE);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_IRR), 0u);
	KUNIT_EXPECT_EQ(test, esr(l), (u32)APIC_ESR_RECVILL);
	/* with the error LVT unmasked, an error is an interrupt */
	wr(l, APIC_LVTERR, 0xfe);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &ill), HV_LAPIC_IRQ);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0xfe);
}

static void lapic_ppr_tpr(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_irq lo = fixed(0x45, false), hi = fixed(0x51, false);

	enable(l);
	wr(l, APIC_TASKPRI, 0x40);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x40u);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &lo), HV_LAPIC_IRQ);
	/* same class as TPR: requested but held */
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_IRR, 0x45));
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
	hv_lapic_accept(l, &hi);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x51);
	KUNIT_EXPECT_EQ(test, hv_lapic_ack(l, 0x51), 0);
	/* PPR follows the in-service class; APR the highest of the three */
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x50u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ARBPRI), 0x50u);
	wr(l, APIC_TASKPRI, 0x6a);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x6au);
	/* CR8 is TPR[7:4]; writing it clears TPR[3:0] */
	KUNIT_EXPECT_EQ(test, hv_lapic_get_cr8(l), 6);
	hv_lapic_set_cr8(l, 3);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0x30u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x50u);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x51);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x30u);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x45);
	/* acknowledging what was not requested */
	KUNIT_EXPECT_EQ(test, hv_lapic_ack(l, 0x99), -ENOENT);
}

static void lapic_nested_eoi(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_irq a = fixed(0x30, false), b = fixed(0x50, false), c = fixed(0x40, false);
	struct hv_apic_irq d = fixed(0x31, false);

	enable(l);
	hv_lapic_accept(l, &a);
	KUNIT_ASSERT_EQ(test, hv_lapic_pending(l), 0x30);
	hv_lapic_ack(l, 0x30);
	/* two requests in one class while 0x30 is in service: both kept */
	hv_lapic_accept(l, &b);
	hv_lapic_accept(l, &d);
	KUNIT_ASSERT_EQ(test, hv_lapic_pending(l), 0x50);
	hv_lapic_ack(l, 0x50);
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_IRR, 0x31));
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_IRR, 0x50));
	/* 0x40 is below the in-service 0x50: held */
	hv_lapic_accept(l, &c);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_ISR, 0x30));
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_ISR, 0x50));
	/* EOI ends the highest in-service vector, through the register too */
	wr(l, APIC_EOI, 0);
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_ISR, 0x50));
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_ISR, 0x30));
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x40);
	hv_lapic_ack(l, 0x40);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x40);
	/* 0x31 shares 0x30's class: held until 0x30's EOI */
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x30);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x31);
	hv_lapic_ack(l, 0x31);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x31);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), -1);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
	KUNIT_EXPECT_EQ(test, ((struct rec *)test->priv)->eois, 0u);
}

static void lapic_level_eoi_broadcast(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	struct hv_apic_irq lvl = fixed(0x61, true), edge = fixed(0x62, false);

	enable(l);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &lvl), HV_LAPIC_IRQ);
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_TMR, 0x61));
	hv_lapic_accept(l, &edge);
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_TMR, 0x62));
	hv_lapic_ack(l, 0x62);
	hv_lapic_ack(l, 0x61);
	/* edge: no broadcast */
	wr(l, APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, r->eois, 0u);
	/* level: one broadcast, of that vector */
	wr(l, APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, r->eois, 1u);
	KUNIT_EXPECT_EQ(test, r->eoi_vector, 0x61);
	/* a level de-assert carries nothing */
	lvl.assert = false;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &lvl), HV_LAPIC_NONE);
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_IRR, 0x61));
	/* the vector comes back edge-triggered: TMR follows the last trigger */
	lvl = fixed(0x61, false);
	hv_lapic_accept(l, &lvl);
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_TMR, 0x61));
	hv_lapic_ack(l, 0x61);
	hv_lapic_eoi(l);
	KUNIT_EXPECT_EQ(test, r->eois, 1u);
}

static void lapic_software_disable(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_irq irq = fixed(0x41, false);
	struct hv_apic_irq nmi = { .delivery_mode = HV_APIC_DM_NMI, .assert = true };
	u32 off;

	/* reset leaves the APIC software-disabled: LVTs stay masked */
	wr(l, APIC_LVTT, 0x20);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVTT), (u32)APIC_LVT_MASKED | 0x20);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_NONE);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &nmi), HV_LAPIC_NMI);
	enable(l);
	wr(l, APIC_LVTT, 0x20);
	wr(l, APIC_LVT1, APIC_DM_NMI);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVTT), 0x20u);
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_IRQ);
	/* clearing the enable bit masks every LVT entry; IRR is kept */
	wr(l, APIC_SPIV, 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		KUNIT_EXPECT_TRUE(test, rd(l, off) & APIC_LVT_MASKED);
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_IRR, 0x41));
	KUNIT_EXPECT_EQ(test, rd(l, APIC_SPIV), 0xffu);
	/* SVR keeps focus and vector bits, drops EOI-broadcast suppression */
	wr(l, APIC_SPIV, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_SPIV), 0x3ffu);
}

static void lapic_icr(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;

	enable(l);
	wr(l, APIC_ICR2, 0x03ffffff);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ICR2), 0x03000000u);
	wr(l, APIC_ICR, 0x4031);
	KUNIT_ASSERT_EQ(test, r->ipis, 1u);
	KUNIT_EXPECT_EQ(test, r->ipi.dest, 3u);
	KUNIT_EXPECT_EQ(test, r->ipi.vector, 0x31);
	KUNIT_EXPECT_FALSE(test, r->ipi.logical);
	KUNIT_EXPECT_FALSE(test, r->ipi.x2apic_format);
	/* delivery status (bit 12) reads idle */
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ICR), 0x4031u);
	wr(l, APIC_ICR, 0xc0000 | 0x800 | 0x4400);
	KUNIT_EXPECT_EQ(test, r->ipis, 2u);
	KUNIT_EXPECT_EQ(test, r->ipi.shorthand, HV_APIC_SH_OTHERS);
	KUNIT_EXPECT_EQ(test, r->ipi.delivery_mode, HV_APIC_DM_NMI);
	KUNIT_EXPECT_TRUE(test, r->ipi.logical);
	/* INIT level de-assert is obsolete: not sent */
	wr(l, APIC_ICR, 0x8500);
	KUNIT_EXPECT_EQ(test, r->ipis, 2u);
	wr(l, APIC_ICR, 0xc500);
	KUNIT_EXPECT_EQ(test, r->ipis, 3u);
	KUNIT_EXPECT_EQ(test, r->ipi.delivery_mode, HV_APIC_DM_INIT);
}

static void lapic_x2apic_msrs(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	u64 v;

	/* no x2APIC MSR outside x2APIC mode */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x802, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x808, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, false), 0);
	/* the page is gone */
	KUNIT_EXPECT_EQ(test, hv_lapic_mmio_read(l, APIC_ID, 4, &v), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hv_lapic_mmio_write(l, APIC_TASKPRI, 4, 0x20), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x802, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)ID);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80d, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)hv_apic_x2apic_ldr(ID));
	/* read-only: ID, version, LDR, PPR, ISR, IRR, current count */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x802, 7), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x803, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80d, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x810, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x820, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x839, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80d, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)hv_apic_x2apic_ldr(ID));
	/* not in x2APIC mode: APR, RRD, DFR, ICR high, CMCI, unused MSRs */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x809, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80c, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80e, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80e, 0xffffffff), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x831, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x82f, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x800, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x8ff, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x7ff, &v), -EINVAL);
	/* write-only: EOI and SELF IPI; EOI and ESR take only 0 */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80b, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x83f, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80b, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80b, 0), 0);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x828, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x828, 0), 0);
	/* bits 63:32 are reserved but in ICR */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x808, 1ull << 32), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x808, 0x20), 0);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x808, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x20ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x80f, 0x1ff), 0);
	/* ICR is one 64-bit MSR with a 32-bit destination */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x830, (0x12345678ull << 32) | 0x4031), 0);
	KUNIT_ASSERT_EQ(test, r->ipis, 1u);
	KUNIT_EXPECT_EQ(test, r->ipi.dest, 0x12345678u);
	KUNIT_EXPECT_TRUE(test, r->ipi.x2apic_format);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x830, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (0x12345678ull << 32) | 0x4031);
	/* SELF IPI: a fixed edge IPI to self */
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_write(l, 0x83f, 0x40), 0);
	KUNIT_EXPECT_EQ(test, r->ipis, 2u);
	KUNIT_EXPECT_EQ(test, r->ipi.shorthand, HV_APIC_SH_SELF);
	KUNIT_EXPECT_EQ(test, r->ipi.vector, 0x40);
	KUNIT_EXPECT_EQ(test, r->ipi.delivery_mode, HV_APIC_DM_FIXED);
}

static void lapic_base_transitions(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_target t;
	u64 v;

	enable(l);
	wr(l, APIC_TASKPRI, 0x20);
	wr(l, APIC_LDR, 0x01000000);
	/* reserved bits, and EN=0 with EXTD=1 */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00b00, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 1ull << 52 | 0xfee00900, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00500, false), -EINVAL);
	/* xAPIC -> x2APIC keeps the registers, sets ID and LDR */
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, false), 0);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x808, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x20ull);
	hv_lapic_target(l, &t);
	KUNIT_EXPECT_TRUE(test, t.x2apic);
	KUNIT_EXPECT_EQ(test, t.id, ID);
	KUNIT_EXPECT_EQ(test, t.ldr, hv_apic_x2apic_ldr(ID));
	/* x2APIC -> xAPIC is illegal for the guest */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00900, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfee00d00ull);
	/* x2APIC -> disabled resets the registers */
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00100, false), 0);
	hv_lapic_target(l, &t);
	KUNIT_EXPECT_FALSE(test, t.hw_enabled);
	KUNIT_EXPECT_EQ(test, hv_lapic_mmio_read(l, APIC_ID, 4, &v), -EOPNOTSUPP);
	/* disabled -> x2APIC is illegal for the guest */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, false), -EINVAL);
	/* disabled -> xAPIC: power-up state, initial ID */
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00900, false), 0);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_SPIV), 0xffu);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LDR), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID), ID << 24);
	/* the VMM may restore any valid mode directly */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, true), 0);
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00900, true), 0);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID), ID << 24);
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00500, true), -EINVAL);
	/* a relocated page */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfed00900, false), 0);
	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfed00900ull);
}

static void lapic_no_x2apic_feature(struct kunit *test)
{
	struct rec *r = test->priv;
	struct hv_lapic *l = &r->lapic;

	hv_lapic_destroy(l);
	KUNIT_ASSERT_EQ(test, hv_lapic_init(l, ID, 0, 0, &rec_ops, r), 0);
	hv_lapic_reset(l, false);
	/* EXTD is reserved without x2APIC in CPUID */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, false), -EINVAL);
	/* TSC-deadline mode is not offered: the mode bit is dropped */
	enable(l);
	wr(l, APIC_LVTT, (2 << 17) | 0x40);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVTT), 0x40u);
	KUNIT_EXPECT_EQ(test, hv_lapic_init(l, ID, HV_LAPIC_F_TSC_DEADLINE, 0, &rec_ops, r),
			-EINVAL);
}

static void lapic_lint(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;

	/* the BSP after reset: the 8259 comes through LINT0 */
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_EXTINT);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, false), HV_LAPIC_NONE);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 1, true), HV_LAPIC_NONE);
	enable(l);
	wr(l, APIC_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
	KUNIT_EXPECT_FALSE(test, hv_lapic_accepts_pic(l));
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_NONE);
	wr(l, APIC_LVT1, APIC_DM_NMI);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 1, true), HV_LAPIC_NMI);
	/* fixed, level: once until the EOI, which also broadcasts */
	wr(l, APIC_LVT0, APIC_LVT_LEVEL_TRIGGER | 0x70);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_IRQ);
	KUNIT_EXPECT_TRUE(test, rd(l, APIC_LVT0) & APIC_LVT_REMOTE_IRR);
	KUNIT_EXPECT_TRUE(test, in_bank(l, APIC_TMR, 0x70));
	hv_lapic_ack(l, 0x70);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_NONE);
	KUNIT_EXPECT_FALSE(test, in_bank(l, APIC_IRR, 0x70));
	/* a guest write does not clear remote IRR */
	wr(l, APIC_LVT0, APIC_LVT_LEVEL_TRIGGER | 0x70);
	KUNIT_EXPECT_TRUE(test, rd(l, APIC_LVT0) & APIC_LVT_REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x70);
	KUNIT_EXPECT_FALSE(test, rd(l, APIC_LVT0) & APIC_LVT_REMOTE_IRR);
	KUNIT_EXPECT_EQ(test, r->eois, 1u);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_IRQ);
	/* a hardware-disabled APIC: the pins are INTR and NMI */
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00000, false), 0);
	KUNIT_EXPECT_TRUE(test, hv_lapic_accepts_pic(l));
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 0, true), HV_LAPIC_EXTINT);
	KUNIT_EXPECT_EQ(test, hv_lapic_lint(l, 1, true), HV_LAPIC_NMI);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
}

static void lapic_accept_modes(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct hv_apic_irq irq = { .vector = 0x9a, .assert = true };
	struct hv_apic_target t;

	enable(l);
	irq.delivery_mode = HV_APIC_DM_SIPI;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_SIPI);
	irq.delivery_mode = HV_APIC_DM_INIT;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_INIT);
	irq.delivery_mode = HV_APIC_DM_EXTINT;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_EXTINT);
	irq.delivery_mode = HV_APIC_DM_SMI;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_NONE);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_IRR + 0x40), 0u);
	/* lowest priority: accepted like fixed, and counted for the rotation */
	irq.delivery_mode = HV_APIC_DM_LOWEST;
	KUNIT_EXPECT_EQ(test, hv_lapic_accept(l, &irq), HV_LAPIC_IRQ);
	hv_lapic_target(l, &t);
	KUNIT_EXPECT_EQ(test, t.arb_count, 1u);
	KUNIT_EXPECT_EQ(test, t.id, ID);
	KUNIT_EXPECT_TRUE(test, t.sw_enabled);
	KUNIT_EXPECT_EQ(test, t.dfr_model, HV_APIC_DFR_FLAT);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x9a);
}

static void lapic_init_signal(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	u64 v;

	enable(l);
	wr(l, APIC_ID, 0x07000000);
	wr(l, APIC_TASKPRI, 0x30);
	hv_lapic_init_signal(l);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_ID), 0x07000000u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_SPIV), 0xffu);
	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfee00900ull);
	/* in x2APIC mode INIT keeps x2APIC mode, ID and LDR */
	KUNIT_ASSERT_EQ(test, hv_lapic_set_base(l, 0xfee00d00, false), 0);
	hv_lapic_msr_write(l, 0x808, 0x30);
	hv_lapic_init_signal(l);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x808, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x802, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)ID);
	KUNIT_EXPECT_EQ(test, hv_lapic_msr_read(l, 0x80d, &v), 0);
	KUNIT_EXPECT_EQ(test, v, (u64)hv_apic_x2apic_ldr(ID));
}

/* Registers a guest sets (the rest is derived, or reads 0); banks: the words of 0x55, 0x66 */
static const u32 state_regs[] = {
	APIC_ID, APIC_LVR, APIC_TASKPRI, APIC_LDR, APIC_DFR, APIC_SPIV,
	APIC_ISR + 0x20, APIC_TMR + 0x20, APIC_IRR + 0x30, APIC_ESR, APIC_ICR, APIC_ICR2,
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
	APIC_TMICT, APIC_TDCR,
};

static void lapic_state_roundtrip(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	struct hv_apic_irq a = fixed(0x55, true), b = fixed(0x66, false);
	struct hv_lapic_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct hv_lapic_state *bad = kunit_kzalloc(test, sizeof(*bad), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, bad);
	enable(l);
	wr(l, APIC_TASKPRI, 0x21);
	wr(l, APIC_LDR, 0x04000000);
	wr(l, APIC_LVTERR, APIC_LVT_MASKED | 0xfe);
	wr(l, APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x40);
	wr(l, APIC_TDCR, 0x9);
	hv_lapic_accept(l, &a);
	hv_lapic_ack(l, 0x55);
	hv_lapic_accept(l, &b);
	rd(l, 0x400);			/* an error pending in ESR */
	hv_lapic_get_state(l, s);
	KUNIT_EXPECT_EQ(test, s->regs[APIC_PROCPRI >> 4], 0x50u);
	KUNIT_EXPECT_EQ(test, s->esr_pending, (u32)APIC_ESR_ILLREGA);
	KUNIT_EXPECT_EQ(test, s->x2apic_id, ID);

	/* onto a fresh APIC: every register reads the same */
	hv_lapic_reset(l, false);
	KUNIT_ASSERT_EQ(test, hv_lapic_set_state(l, s), 0);
	for (i = 0; i < ARRAY_SIZE(state_regs); i++)
		KUNIT_EXPECT_EQ_MSG(test, rd(l, state_regs[i]), s->regs[state_regs[i] >> 4],
				    "offset 0x%x", state_regs[i]);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_PROCPRI), 0x50u);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x66);
	KUNIT_EXPECT_EQ(test, esr(l), (u32)APIC_ESR_ILLREGA);
	KUNIT_EXPECT_EQ(test, hv_lapic_eoi(l), 0x55);
	KUNIT_EXPECT_EQ(test, r->eois, 1u);	/* TMR came back too */

	/* invalid states are refused and change nothing */
	hv_lapic_get_state(l, s);
	*bad = *s;
	bad->flags = 1;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->x2apic_id = ID + 1;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->regs[APIC_TASKPRI >> 4] = 0x100;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->regs[APIC_IRR >> 4] = BIT(3);
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->regs[APIC_LVR >> 4] = 0x15;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->regs[0x3f0 >> 4] = 1;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->apic_base = 0xfee00500;
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->apic_base = 0xfee00d00;	/* x2APIC, but the ID is xAPIC-shaped */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	*bad = *s;
	bad->tsc_deadline = 5;		/* not in TSC-deadline mode */
	KUNIT_EXPECT_EQ(test, hv_lapic_set_state(l, bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TASKPRI), 0x21u);
	KUNIT_EXPECT_EQ(test, hv_lapic_get_base(l), 0xfee00900ull);
}

static void lapic_timer_arithmetic(struct kunit *test)
{
	static const u32 divisors[16] = {
		2, 4, 8, 16, 2, 4, 8, 16, 32, 64, 128, 1, 32, 64, 128, 1,
	};
	u32 dcr;

	/* DCR bits 3, 1, 0 (bit 2 is not part of the value) */
	for (dcr = 0; dcr < 16; dcr++)
		KUNIT_EXPECT_EQ_MSG(test, hv_lapic_timer_divisor(dcr), divisors[dcr],
				    "dcr 0x%x", dcr);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_count_to_ns(1000, 16), 16000ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_count_to_ns(0xffffffff, 128),
			0xffffffffull * 128);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_ns_to_count(16000, 16), 1000u);
	/* a tick partly gone still counts */
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_ns_to_count(15999, 16), 1000u);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_ns_to_count(15984, 16), 999u);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_ns_to_count(0, 16), 0u);
	KUNIT_EXPECT_EQ(test, hv_lapic_timer_ns_to_count(1ull << 40, 1), 0xffffffffu);
	/* TSC ticks at 3 GHz and at 1.5 MHz */
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_to_ns(3000000000ull, 3000000), 1000000000ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_to_ns(3, 1500), 2000ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_to_ns(~0ull, 1000), (u64)KTIME_MAX);
}

static void lapic_timer_divide_model(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	u32 cur;

	enable(l);
	wr(l, APIC_LVTT, 0x40);
	wr(l, APIC_TDCR, 0xa);			/* divide by 128 */
	wr(l, APIC_TMICT, 0xffffffff);		/* about 550 s: never expires here */
	KUNIT_EXPECT_EQ(test, l->timer_period_ns, 0xffffffffull * 128);
	cur = rd(l, APIC_TMCCT);
	KUNIT_EXPECT_GT(test, cur, 0u);
	KUNIT_EXPECT_LE(test, cur, 0xffffffffu);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMICT), 0xffffffffu);
	/* a new divisor: the count goes on at the new rate */
	wr(l, APIC_TDCR, 0xb);			/* divide by 1 */
	KUNIT_EXPECT_EQ(test, l->timer_divisor, 1u);
	KUNIT_EXPECT_EQ(test, l->timer_period_ns, 0xffffffffull);
	KUNIT_EXPECT_LE(test, ktime_to_ns(ktime_sub(l->timer_target, ktime_get())),
			(s64)cur);
	KUNIT_EXPECT_LE(test, rd(l, APIC_TMCCT), cur);
	wr(l, APIC_TDCR, 0x3);			/* divide by 16 */
	KUNIT_EXPECT_EQ(test, l->timer_period_ns, 0xffffffffull * 16);
	/* count 0 stops the timer */
	wr(l, APIC_TMICT, 0);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMCCT), 0u);
	/* a periodic count below the floor is clamped */
	wr(l, APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x40);
	wr(l, APIC_TDCR, 0xb);
	wr(l, APIC_TMICT, 10);
	KUNIT_EXPECT_EQ(test, l->timer_period_ns, HV_LAPIC_MIN_PERIOD_NS);
	hv_lapic_timer_cancel(l);
}

static void lapic_timer_oneshot(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	int i;

	enable(l);
	wr(l, APIC_LVTT, 0x40);
	wr(l, APIC_TDCR, 0xb);
	wr(l, APIC_TMICT, 1000);		/* 1 us */
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->kicked, WAIT), 0ul);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x40);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMCCT), 0u);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	KUNIT_EXPECT_EQ(test, l->timer_fired, 1ull);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->kicks), 1);
	/* masked: the count still ends, nothing is requested, nobody kicked */
	hv_lapic_ack(l, 0x40);
	hv_lapic_eoi(l);
	wr(l, APIC_LVTT, APIC_LVT_MASKED | 0x40);
	wr(l, APIC_TMICT, 1000);
	for (i = 0; i < 10000 && READ_ONCE(l->timer_fired) < 2; i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->timer_fired), 2ull);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->kicks), 1);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
}

/*
 * A count that ran out before an LVT write, whose hrtimer callback could
 * not run yet (this CPU's interrupts are off, and the hrtimer is queued
 * here), belongs to the entry in force when it ran out: masked then, the
 * unmask requests nothing; unmasked then, the mask does not lose it.
 */
/* Interrupts off, so no sleeping: spin until @us microseconds have passed. */
static void spin_us(unsigned int us)
{
	ktime_t end = ktime_add_us(ktime_get(), us);

	while (ktime_before(ktime_get(), end))
		cpu_relax();
}

static void lapic_timer_due_expiry_follows_old_lvt(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	unsigned long flags;

	enable(l);
	wr(l, APIC_TDCR, 0xb);
	wr(l, APIC_LVTT, APIC_LVT_MASKED | 0x40);
	local_irq_save(flags);
	wr(l, APIC_TMICT, 1000);		/* 1 us */
	spin_us(50);
	wr(l, APIC_LVTT, 0x40);
	local_irq_restore(flags);
	usleep_range(2000, 3000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->timer_fired), 1ull);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), -1);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->kicks), 0);

	local_irq_save(flags);
	wr(l, APIC_TMICT, 1000);
	spin_us(50);
	wr(l, APIC_LVTT, APIC_LVT_MASKED | 0x40);
	local_irq_restore(flags);
	usleep_range(2000, 3000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->timer_fired), 2ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x40);

	/* the same for a new initial count written after the old one ran out */
	hv_lapic_ack(l, 0x40);
	hv_lapic_eoi(l);
	wr(l, APIC_LVTT, 0x41);
	local_irq_save(flags);
	wr(l, APIC_TMICT, 1000);
	spin_us(50);
	wr(l, APIC_TMICT, 0);
	local_irq_restore(flags);
	usleep_range(2000, 3000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->timer_fired), 3ull);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x41);
}

static void lapic_timer_periodic(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;
	int i;

	enable(l);
	wr(l, APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x41);
	wr(l, APIC_TDCR, 0xb);
	wr(l, APIC_TMICT, 1);			/* clamped to 200 us */
	/* several expiries (coalescing in IRR, as on hardware, is fine) */
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->kicked, WAIT), 0ul);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x41);
	/* still counting after each expiry */
	KUNIT_EXPECT_TRUE(test, l->timer_armed);
	KUNIT_EXPECT_GE(test, l->timer_fired, 3ull);
	wr(l, APIC_TMICT, 0);
	hv_lapic_timer_cancel(l);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&l->timer));
}

static void lapic_timer_tsc_deadline(struct kunit *test)
{
	struct hv_lapic *l = lapic_of(test);
	struct rec *r = test->priv;

	enable(l);
	/* outside TSC-deadline mode the MSR reads 0 and ignores writes */
	hv_lapic_tsc_deadline_write(l, r->tsc + 5);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_deadline_read(l), 0ull);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	wr(l, APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x42);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_LVTT), (u32)APIC_LVT_TIMER_TSCDEADLINE | 0x42);
	/* one second ahead at 1 GHz */
	hv_lapic_tsc_deadline_write(l, r->tsc + 1000000000);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_deadline_read(l), r->tsc + 1000000000);
	KUNIT_EXPECT_TRUE(test, l->timer_armed);
	KUNIT_EXPECT_LE(test, ktime_to_ns(ktime_sub(l->timer_target, ktime_get())),
			1000000000ll);
	/* the initial count is ignored in this mode */
	wr(l, APIC_TMICT, 1000);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMICT), 0u);
	KUNIT_EXPECT_EQ(test, rd(l, APIC_TMCCT), 0u);
	/* 0 disarms */
	hv_lapic_tsc_deadline_write(l, 0);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	/* leaving the mode disarms and clears the deadline */
	hv_lapic_tsc_deadline_write(l, r->tsc + 1000000000);
	wr(l, APIC_LVTT, 0x42);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
	wr(l, APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x42);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_deadline_read(l), 0ull);
	/* a deadline already passed fires at once, then reads 0 */
	hv_lapic_tsc_deadline_write(l, r->tsc - 1);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->kicked, WAIT), 0ul);
	KUNIT_EXPECT_EQ(test, hv_lapic_pending(l), 0x42);
	KUNIT_EXPECT_EQ(test, hv_lapic_tsc_deadline_read(l), 0ull);
	KUNIT_EXPECT_FALSE(test, l->timer_armed);
}

static struct kunit_case hv_lapic_test_cases[] = {
	KUNIT_CASE(lapic_reset_values),
	KUNIT_CASE(lapic_readonly_registers),
	KUNIT_CASE(lapic_esr),
	KUNIT_CASE(lapic_ppr_tpr),
	KUNIT_CASE(lapic_nested_eoi),
	KUNIT_CASE(lapic_level_eoi_broadcast),
	KUNIT_CASE(lapic_software_disable),
	KUNIT_CASE(lapic_icr),
	KUNIT_CASE(lapic_x2apic_msrs),
	KUNIT_CASE(lapic_base_transitions),
	KUNIT_CASE(lapic_no_x2apic_feature),
	KUNIT_CASE(lapic_lint),
	KUNIT_CASE(lapic_accept_modes),
	KUNIT_CASE(lapic_init_signal),
	KUNIT_CASE(lapic_state_roundtrip),
	KUNIT_CASE(lapic_timer_arithmetic),
	KUNIT_CASE(lapic_timer_divide_model),
	KUNIT_CASE(lapic_timer_oneshot),
	KUNIT_CASE(lapic_timer_due_expiry_follows_old_lvt),
	KUNIT_CASE(lapic_timer_periodic),
	KUNIT_CASE(lapic_timer_tsc_deadline),
	{}
};

static struct kunit_suite hv_lapic_test_suite = {
	.name = "hv_lapic",
	.init = lapic_test_init,
	.exit = lapic_test_exit,
	.test_cases = hv_lapic_test_cases,
};

kunit_test_suite(hv_lapic_test_suite);
