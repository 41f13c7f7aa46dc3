/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC's priority, acceptance and destination rules as pure
 * functions: plain values in, decisions out; no locks, no vCPU, no kernel
 * API beyond <linux/types.h>.  The register model (lapic.c) and the
 * interrupt router that will deliver IPIs and MSIs both decide with these,
 * and the KUnit suite hv_apic runs them in the debug kernel and on the build
 * machine (module/tests/host).
 *
 * Sources: Intel SDM vol. 3A ch. 11 (APIC; "ch. 10" in older editions),
 * the Intel x2APIC specification, AMD APM vol. 2 ch. 16.
 */
#ifndef HV_IRQ_APIC_DELIVER_H
#define HV_IRQ_APIC_DELIVER_H

#include <linux/types.h>

/* Delivery modes: ICR, LVT and MSI data bits 10:8. */
#define HV_APIC_DM_FIXED	0
#define HV_APIC_DM_LOWEST	1
#define HV_APIC_DM_SMI		2
#define HV_APIC_DM_REMRD	3	/* reserved since the Pentium 4 */
#define HV_APIC_DM_NMI		4
#define HV_APIC_DM_INIT		5
#define HV_APIC_DM_SIPI		6	/* start-up; ICR only */
#define HV_APIC_DM_EXTINT	7

/* Destination shorthands: ICR bits 19:18. */
#define HV_APIC_SH_NONE		0
#define HV_APIC_SH_SELF		1
#define HV_APIC_SH_ALL		2	/* all including self */
#define HV_APIC_SH_OTHERS	3	/* all excluding self */

/* Broadcast destinations: 8-bit (xAPIC, MSI, I/O APIC) and 32-bit (x2APIC). */
#define HV_APIC_BCAST		0xffu
#define HV_X2APIC_BCAST		0xffffffffu

/* xAPIC DFR bits 31:28: the logical model. */
#define HV_APIC_DFR_FLAT	0xf
#define HV_APIC_DFR_CLUSTER	0x0

/* The MSI address window and its fields (SDM 11.11.1). */
#define HV_MSI_ADDR_BASE	0xfee00000u
#define HV_MSI_ADDR_BASE_MASK	0xfff00000u

/*
 * One interrupt message on its way to local APICs: an IPI (ICR), an MSI, an
 * I/O APIC redirection or a local source (LVT).
 */
struct hv_apic_irq {
	u32 dest;		/* physical ID or logical MDA, see x2apic_format */
	u8 vector;
	u8 delivery_mode;	/* HV_APIC_DM_* */
	u8 shorthand;		/* HV_APIC_SH_*; always NONE for MSIs */
	bool logical;		/* destination mode: logical, else physical */
	bool level;		/* trigger mode: level, else edge */
	bool assert;		/* level: assert, else de-assert; edge: true */
	bool redir_hint;	/* MSI RH: arbitrate as lowest priority */
	bool x2apic_format;	/* 32-bit destination (x2APIC ICR), else 8-bit */
};

/* One local APIC as the destination and arbitration rules see it. */
struct hv_apic_target {
	u32 id;			/* xAPIC: 8-bit ID (ID[31:24]); x2APIC: 32-bit */
	u32 ldr;		/* xAPIC: 8-bit logical ID (LDR[31:24]); x2APIC: LDR */
	u8 dfr_model;		/* xAPIC: DFR[31:28]; unused in x2APIC mode */
	bool x2apic;		/* x2APIC mode */
	bool hw_enabled;	/* IA32_APIC_BASE.EN: a disabled APIC matches nothing */
	bool sw_enabled;	/* SVR bit 8: may take fixed/lowest-priority */
	u8 ppr;			/* processor priority, for lowest-priority arbitration */
	u32 arb_count;		/* lowest-priority interrupts won so far */
};

/* PPR from TPR and the highest in-service vector (-1: none) (SDM 11.8.3.1). */
u8 hv_apic_ppr(u8 tpr, int isrv);

/*
 * APR (SDM 11.8.3.1): TPR while TPR's class is at least the highest
 * requested and above the highest in-service class, else the highest of the
 * three classes.  Read-only; hv's arbitration does not use it (see
 * hv_apic_lowest_priority).
 */
u8 hv_apic_apr(u8 tpr, int isrv, int irrv);

/* Highest set bit of a 256-bit IRR/ISR/TMR bank (8 x 32 bits), or -1. */
int hv_apic_highest_vector(const u32 bank[8]);

/* May the highest requested vector @irrv (-1: none) be dispatched at @ppr? */
bool hv_apic_deliverable(int irrv, u8 ppr);

/* The x2APIC logical ID, derived from the x2APIC ID (SDM 11.12.10.2). */
u32 hv_apic_x2apic_ldr(u32 x2apic_id);

bool hv_apic_match_physical(const struct hv_apic_target *t, u32 dest, bool x2apic_format);
bool hv_apic_match_logical(const struct hv_apic_target *t, u32 mda, bool x2apic_format);

/* Does @irq, sent by @is_source's APIC or not, reach @t?  Shorthands included. */
bool hv_apic_match(const struct hv_apic_target *t, const struct hv_apic_irq *irq,
		   bool is_source);

/* Is @irq delivered to one APIC chosen by lowest-priority arbitration? */
bool hv_apic_is_lowest_priority(const struct hv_apic_irq *irq);

/*
 * Lowest-priority arbitration among @n matched APICs: the index of the
 * winner, or -1 if none is software-enabled.  The rule is documented in
 * apic_deliver.c.
 */
int hv_apic_lowest_priority(const struct hv_apic_target *t, unsigned int n);

/* Decode ICR (xAPIC: dest in bits 63:56; x2APIC: bits 63:32). */
void hv_apic_decode_icr(u64 icr, bool x2apic, struct hv_apic_irq *irq);

/* Decode an MSI into @irq: 0, or -EINVAL for a message no APIC accepts. */
int hv_apic_decode_msi(u64 addr, u32 data, struct hv_apic_irq *irq);

#endif
