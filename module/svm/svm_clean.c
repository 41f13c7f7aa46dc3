// SPDX-License-Identifier: GPL-2.0
/*
 * What an SVM world switch does not redo on every entry.
 *
 * The host save area.  VMRUN leaves FS, GS, TR, LDTR, KERNEL_GS_BASE, the
 * SYSCALL and SYSENTER MSRs alone; svm_vmrun() VMLOADs the host's copy
 * after every exit.  That copy is taken (VMSAVE) once per vcpu_load, not
 * once per entry: between two loads this thread runs on this CPU without
 * a context switch and without returning to user mode, so its FS base,
 * user GS base and LDT cannot change, and the per-CPU rest never does.
 * With one exception: another thread of the process may change the LDT
 * (modify_ldt()), which reloads LDTR on every CPU running the process by
 * IPI, also on ours between two entries, and the next VMLOAD would put the
 * old LDT back.  So each entry compares the LDT selector and this CPU's
 * GDT descriptor of the LDT (what set_ldt() last installed) with those of
 * the save and takes a new one when they differ.  Interrupts are off from
 * that check to the VMLOAD after the exit, so an IPI lands only after it.
 *
 * VMCB clean bits (vmcb.h).  Marking is done where fields are written;
 * with the module parameter check_vmcb_clean (on by default in kernels
 * built with KASAN, which the debug testbed is) every entry compares the
 * groups marked clean with a snapshot taken at the last exit, and a
 * difference is hv's bug: a WARN, once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": svm: " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <asm/desc.h>

#include "vmcb.h"

bool svm_check_clean = IS_ENABLED(CONFIG_KASAN);
module_param_named(check_vmcb_clean, svm_check_clean, bool, 0644);
MODULE_PARM_DESC(check_vmcb_clean,
		 "SVM: verify on every entry that VMCB fields marked clean did not change (debugging)");

static void svm_read_host_ldt(struct svm_host_ldt *ldt)
{
	const u64 *gdt = (const u64 *)get_current_gdt_rw();

	/* A system descriptor in long mode: two GDT slots. */
	ldt->desc[0] = READ_ONCE(gdt[GDT_ENTRY_LDT]);
	ldt->desc[1] = READ_ONCE(gdt[GDT_ENTRY_LDT + 1]);
	asm volatile("sldt %0" : "=r"(ldt->selector));
}

/* Interrupts off; called before every entry. */
void svm_host_save(struct svm_vcpu *svm, struct svm_cpu *sd)
{
	struct svm_host_ldt now;

	svm_read_host_ldt(&now);
	if (svm->host_saved && !memcmp(&now, &svm->host_ldt, sizeof(now)))
		return;
	asm volatile("vmsave %%rax" : : "a"(__pa(sd->host_save)) : "memory");
	svm->host_ldt = now;
	svm->host_saved = true;
}

void svm_clean_snapshot(struct svm_vcpu *svm)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;
	const struct vmcb_save_area *s = &svm->vmcb->save;
	struct svm_clean_snapshot *snap = &svm->clean_snapshot;

	memcpy(snap->intercepts, c->intercepts, sizeof(snap->intercepts));
	snap->pause_filter_thresh = c->pause_filter_thresh;
	snap->pause_filter_count = c->pause_filter_count;
	snap->tsc_offset = c->tsc_offset;
	snap->iopm_base_pa = c->iopm_base_pa;
	snap->msrpm_base_pa = c->msrpm_base_pa;
	snap->asid = c->asid;
	snap->nested_cr3 = c->nested_cr3;
	snap->g_pat = s->g_pat;
	snap->cr0 = s->cr0;
	snap->cr3 = s->cr3;
	snap->cr4 = s->cr4;
	snap->efer = s->efer;
	snap->dr6 = s->dr6;
	snap->dr7 = s->dr7;
	snap->gdtr = s->gdtr;
	snap->idtr = s->idtr;
	snap->cs = s->cs;
	snap->ds = s->ds;
	snap->ss = s->ss;
	snap->es = s->es;
	snap->cpl = s->cpl;
}

static bool svm_seg_eq(const struct vmcb_seg *a, const struct vmcb_seg *b)
{
	return a->selector == b->selector && a->attrib == b->attrib &&
	       a->limit == b->limit && a->base == b->base;
}

/* The groups whose fields differ from the snapshot. */
static u32 svm_clean_changed(struct svm_vcpu *svm)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;
	const struct vmcb_save_area *s = &svm->vmcb->save;
	const struct svm_clean_snapshot *snap = &svm->clean_snapshot;
	u32 changed = 0;

	if (memcmp(snap->intercepts, c->intercepts, sizeof(snap->intercepts)) ||
	    snap->pause_filter_thresh != c->pause_filter_thresh ||
	    snap->pause_filter_count != c->pause_filter_count || snap->tsc_offset != c->tsc_offset)
		changed |= BIT(SVM_CLEAN_INTERCEPTS);
	if (snap->iopm_base_pa != c->iopm_base_pa || snap->msrpm_base_pa != c->msrpm_base_pa)
		changed |= BIT(SVM_CLEAN_IOPM);
	if (snap->asid != c->asid)
		changed |= BIT(SVM_CLEAN_ASID);
	if (snap->nested_cr3 != c->nested_cr3 || snap->g_pat != s->g_pat)
		changed |= BIT(SVM_CLEAN_NP);
	if (snap->cr0 != s->cr0 || snap->cr3 != s->cr3 || snap->cr4 != s->cr4 ||
	    snap->efer != s->efer)
		changed |= BIT(SVM_CLEAN_CRX);
	if (snap->dr6 != s->dr6 || snap->dr7 != s->dr7)
		changed |= BIT(SVM_CLEAN_DRX);
	if (!svm_seg_eq(&snap->gdtr, &s->gdtr) || !svm_seg_eq(&snap->idtr, &s->idtr))
		changed |= BIT(SVM_CLEAN_DT);
	if (!svm_seg_eq(&snap->cs, &s->cs) || !svm_seg_eq(&snap->ds, &s->ds) ||
	    !svm_seg_eq(&snap->ss, &s->ss) || !svm_seg_eq(&snap->es, &s->es) ||
	    snap->cpl != s->cpl)
		changed |= BIT(SVM_CLEAN_SEG);
	return changed;
}

/* Before an entry whose clean bits came from svm_clean_snapshot()'s exit. */
void svm_clean_check(struct svm_vcpu *svm)
{
	u32 stale = svm_clean_changed(svm) & svm->vmcb->control.clean;

	WARN_ONCE(stale, "hv: svm: vcpu %u: VMCB groups 0x%x changed but are marked clean\n",
		  svm->vcpu.id, stale);
	/* Whatever the bug, this entry runs with what the VMCB says. */
	svm->vmcb->control.clean &= ~stale;
}
