/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC (HV_CAP_LAPIC) as the core uses it: hv_lapic.c
 * joins the register model (irq/lapic.h) to the vCPUs: interrupt routing
 * between them, kicks and wake-ups, INIT/SIPI, HLT in the kernel and the
 * ioctls.  Core code includes this header, never irq/lapic.h.
 */
#ifndef HV_LAPIC_GLUE_H
#define HV_LAPIC_GLUE_H

#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;
struct hv_mmio_op;

/* VM: HV_ENABLE_CAP(HV_CAP_LAPIC) and HV_SIGNAL_MSI. */
int hv_vm_enable_lapic(struct hv_vm *vm);
long hv_vm_signal_msi(struct hv_vm *vm, void __user *argp);
/* An MSI (@address, @data) hv can deliver: 0, else -EINVAL. */
int hv_msi_check(u64 address, u32 data);
/*
 * Deliver an MSI to the APICs it names: how many accepted it, -EINVAL if
 * it is no MSI, -EWOULDBLOCK if it needs @may_sleep and that is false.
 */
int hv_vm_deliver_msi(struct hv_vm *vm, u64 address, u32 data, bool may_sleep);

/* vCPU creation and teardown (no-ops without the capability). */
int hv_vcpu_lapic_create(struct hv_vcpu *vcpu);
void hv_vcpu_lapic_destroy(struct hv_vcpu *vcpu);

/* Make a vCPU notice vcpu->events: wake it if it waits, IPI its CPU if it is in the guest. */
void hv_vcpu_kick(struct hv_vcpu *vcpu);

/*
 * Before an entry, preemptible: take INIT/SIPI/NMI, and wait in the kernel
 * while the vCPU is halted or waiting for SIPI.  1: enter; -EINTR: a signal
 * is pending; 0: HV_EXIT_IRQ_WINDOW for the VMM (a halted vCPU can take
 * the 8259's vector it waits to inject).
 */
int hv_vcpu_lapic_wait_runnable(struct hv_vcpu *vcpu);
/* Before an entry, preemption off: inject what the APIC has; true if it wants a window. */
bool hv_vcpu_lapic_inject(struct hv_vcpu *vcpu);
/* May the 8259's INTR (HV_INTERRUPT) reach this vCPU now? */
bool hv_vcpu_accepts_pic(struct hv_vcpu *vcpu);

/* HLT with the APIC: halt in the kernel (after the HLT is skipped). */
int hv_vcpu_lapic_halt(struct hv_vcpu *vcpu);
/*
 * One MMIO access of @len bytes (1, 2, 4, 8) at guest-physical @gpa, read
 * into or written from *@value: 0 done by the APIC, -EOPNOTSUPP not its
 * page (no APIC, another address, disabled or x2APIC mode).
 */
int hv_vcpu_lapic_access(struct hv_vcpu *vcpu, u64 gpa, unsigned int len, bool write,
			 u64 *value);
/* After a handled exit: a level-triggered EOI to report (HV_EXIT_EOI)?  0 if so, else @r. */
int hv_vcpu_lapic_eoi_exit(struct hv_vcpu *vcpu, int r);

/* IA32_APIC_BASE as the guest sees it, APIC or not. */
u64 hv_vcpu_apic_base(struct hv_vcpu *vcpu);
/* The APIC's MSRs (base, x2APIC range, TSC deadline): 0, -EINVAL (#GP), -ENOENT not ours. */
int hv_vcpu_lapic_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data);
int hv_vcpu_lapic_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);

/* CR8 <-> TPR around an entry. */
u8 hv_vcpu_lapic_cr8(struct hv_vcpu *vcpu);
void hv_vcpu_lapic_set_cr8(struct hv_vcpu *vcpu, u8 cr8);

/* HV_GET/SET_LAPIC, HV_GET/SET_MP_STATE. */
long hv_vcpu_lapic_ioctl(struct hv_vcpu *vcpu, unsigned int cmd, void __user *argp);

#endif /* HV_LAPIC_GLUE_H */
