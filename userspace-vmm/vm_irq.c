// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: interrupt wiring between the devices, the 8259 pair, the I/O
 * APIC and hv's local APICs.
 *
 * Two platforms (docs/vmm.md, "Interrupts"):
 *   - PIC only (--no-lapic, or a hv.ko without HV_CAP_LAPIC): every line
 *     goes to the 8259 pair, whose INTR vCPU 0's run loop injects with
 *     HV_INTERRUPT (vcpu.c).  HLT exits to hv-run, which sleeps on
 *     vm->wake until INTR rises.
 *   - With the in-kernel local APICs: each line goes to the 8259 pair *and*
 *     to the I/O APIC, as on a PC chipset; the guest picks one by masking
 *     the other.  The I/O APIC sends its redirections to the local APICs as
 *     MSIs (HV_SIGNAL_MSI), and hv reports the EOI of a level-triggered
 *     vector (HV_EXIT_EOI) for its Remote IRR.  The 8259's INTR still
 *     reaches vCPU 0 through HV_INTERRUPT, which hv takes only while that
 *     local APIC's LINT0 is in ExtINT mode (virtual wire: how the guest
 *     boots, and Linux's fallback).  HLT stays in the kernel, so a rise of
 *     INTR always kicks vCPU 0 out of HV_RUN to inject it.
 *
 * Routing (the MADT and the DSDT's _PRT in boot/ describe the same):
 *   ISA IRQ n -> 8259 input n; I/O APIC pin n, except IRQ 0 -> pin 2 (the
 *                MADT's interrupt source override) and IRQ 2, the cascade,
 *                which has no pin.  Active high, edge (the ISA convention).
 *   PCI INTx  -> 8259 input pci_intx_irq(slot + pin) (ISA IRQ 5, 10, 11),
 *                I/O APIC pin pci_intx_gsi(slot + pin) (GSI 16-23).  INTx#
 *                is active low: the wire idles high and is pulled low while
 *                any device on it asserts, which is what the I/O APIC sees
 *                (the guest programs those pins active low, level).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devices/ioapic.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "hv_ioctl.h"
#include "vcpu.h"
#include "vm.h"

#define ISA_IRQ_CASCADE		2
#define ISA_IRQ0_GSI		2

/* Local APIC registers by offset >> 4 (struct hv_lapic_state.regs). */
#define LAPIC_SVR		(0xf0 >> 4)
#define LAPIC_LVT0		(0x350 >> 4)
#define LAPIC_LVT1		(0x360 >> 4)
#define LAPIC_SVR_ENABLE	0x100
#define LAPIC_SPURIOUS_VECTOR	0xff
#define LAPIC_DM_NMI		0x400
#define LAPIC_DM_EXTINT		0x700

/*
 * The PIC's INTR may have changed (any thread, PIC lock released).  Without
 * the local APIC a halted vCPU 0 sleeps in hv-run (handle_hlt()) and is
 * woken through the condvar; a running one is kicked out of HV_RUN so that
 * the interrupt is injected at once rather than at its next exit.  With it,
 * a halted vCPU 0 waits inside HV_RUN: the kick is the only way to reach it.
 */
static void vm_pic_output_changed(void *opaque)
{
	struct vm *vm = opaque;
	struct vcpu *bsp = &vm->vcpus[0];
	bool kick;

	if (!pic_output(vm->pic))
		return;
	pthread_mutex_lock(&vm->lock);
	kick = vm->lapic || !bsp->halted;
	pthread_cond_broadcast(&vm->wake);
	pthread_mutex_unlock(&vm->lock);
	if (kick)
		vcpu_kick(bsp);
}

/* A message to the local APICs (I/O APIC, MSI-X): how many took it (0 on any error). */
unsigned int vm_signal_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct vm *vm = opaque;
	struct hv_msi msi;
	int r;

	memset(&msi, 0, sizeof(msi));
	msi.address = address;
	msi.data = data;
	do
		r = hv_ioctl_signal_msi(vm->fd, &msi);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		/* The guest's own entry (a reserved delivery mode, say): its loss, not the VM's end. */
		vm_debug(vm, "HV_SIGNAL_MSI address 0x%" PRIx64 " data 0x%x: %s", address, data,
			 strerror(errno));
		return 0;
	}
	return (unsigned int)r;
}

static void vm_isa_irq_set(void *opaque, unsigned int irq, bool high)
{
	struct vm *vm = opaque;

	pic_set_irq(vm->pic, irq, high);
	if (vm->ioapic && irq != ISA_IRQ_CASCADE)
		ioapic_set_irq(vm->ioapic, irq == 0 ? ISA_IRQ0_GSI : irq, high);
}

struct irq_line vm_isa_irq_line(struct vm *vm, unsigned int irq)
{
	return (struct irq_line){ .set_level = vm_isa_irq_set, .opaque = vm, .irq = irq };
}

/* PCI INTx into the PIC: pci.c passes the routed ISA IRQ and whether the line is asserted. */
static void vm_pci_intx_pic_set(void *opaque, unsigned int irq, bool asserted)
{
	struct vm *vm = opaque;

	pic_set_irq(vm->pic, irq, asserted);
}

/* PCI INTx into the I/O APIC: the wire is low while asserted (INTx#). */
static void vm_pci_intx_gsi_set(void *opaque, unsigned int gsi, bool asserted)
{
	struct vm *vm = opaque;

	if (vm->ioapic)
		ioapic_set_irq(vm->ioapic, gsi, !asserted);
}

struct irq_line vm_pci_intx_pic_line(struct vm *vm)
{
	return (struct irq_line){ .set_level = vm_pci_intx_pic_set, .opaque = vm };
}

struct irq_line vm_pci_intx_gsi_line(struct vm *vm)
{
	return (struct irq_line){ .set_level = vm_pci_intx_gsi_set, .opaque = vm };
}

int vm_irq_init(struct vm *vm, struct pic *pic, struct ioapic *ioapic)
{
	unsigned int gsi;
	int r;

	r = pic_init(pic, &vm->pio, vm_pic_output_changed, vm);
	if (r)
		return r;
	vm->pic = pic;
	if (!vm->lapic)
		return 0;
	/* Its ID follows the local APICs' (0 .. nr_cpus - 1), as the MADT says. */
	r = ioapic_init(ioapic, &vm->mmio, vm->cfg.nr_cpus, vm_signal_msi, vm);
	if (r)
		return r;
	for (gsi = PCI_INTX_GSI_BASE; gsi < PCI_INTX_GSI_BASE + PCI_INTX_NR_GSIS; gsi++)
		ioapic_set_irq(ioapic, gsi, true);	/* INTx# idles high */
	vm->ioapic = ioapic;
	return 0;
}

void vm_irq_eoi(struct vm *vm, uint8_t vector)
{
	if (vm->ioapic)
		ioapic_eoi(vm->ioapic, vector);
}

int vm_irq_enable_lapic(struct vm *vm)
{
	struct hv_enable_cap cap;

	if (vm->cfg.no_lapic)
		return 0;
	if (hv_ioctl_check_cap(vm->sys_fd, HV_CAP_LAPIC) <= 0) {
		if (vm->cfg.nr_cpus > 1) {
			fprintf(stderr, "hv-run: --cpus %u: this hv.ko has no in-kernel local APIC (HV_CAP_LAPIC), which more than one vCPU needs\n",
				vm->cfg.nr_cpus);
			return VM_EXIT_ERROR;
		}
		vm_debug(vm, "hv.ko has no HV_CAP_LAPIC: the 8259-only platform");
		return 0;
	}
	memset(&cap, 0, sizeof(cap));
	cap.cap = HV_CAP_LAPIC;
	if (hv_ioctl_enable_cap(vm->fd, &cap) < 0) {
		fprintf(stderr, "hv-run: HV_ENABLE_CAP HV_CAP_LAPIC: %s\n", strerror(errno));
		return VM_EXIT_ERROR;
	}
	vm->lapic = true;
	return 0;
}

/*
 * A PC BIOS hands the OS its boot CPU's local APIC in virtual wire mode
 * (MultiProcessor Specification 1.4, 3.6.2.2): enabled, LINT0 ExtINT so the
 * 8259 reaches the CPU, LINT1 NMI.  Linux trusts that when the MADT exists
 * (init_bsp_APIC() then leaves the APIC alone) and takes the PIT through the
 * 8259 until it sets up the I/O APIC; a multiboot test kernel that never
 * touches the APIC runs on the 8259 throughout.  The APs stay as reset
 * leaves them: they wait for INIT-SIPI, and the OS programs them.
 */
int vm_irq_virtual_wire(struct vm *vm)
{
	struct vcpu *bsp = &vm->vcpus[0];
	struct hv_lapic_state st;

	if (!vm->lapic)
		return 0;
	memset(&st, 0, sizeof(st));
	if (hv_ioctl_get_lapic(bsp->fd, &st) < 0) {
		fprintf(stderr, "hv-run: HV_GET_LAPIC: %s\n", strerror(errno));
		return VM_EXIT_ERROR;
	}
	st.regs[LAPIC_SVR] = LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR;
	st.regs[LAPIC_LVT0] = LAPIC_DM_EXTINT;
	st.regs[LAPIC_LVT1] = LAPIC_DM_NMI;
	if (hv_ioctl_set_lapic(bsp->fd, &st) < 0) {
		fprintf(stderr, "hv-run: HV_SET_LAPIC (virtual wire mode): %s\n", strerror(errno));
		return VM_EXIT_ERROR;
	}
	return 0;
}
