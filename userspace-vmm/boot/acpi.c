// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: minimal ACPI firmware so that a Linux guest can power off and
 * reset, and its PM register block.
 *
 * Tables (in the read-only BIOS area, found through boot_params or by the
 * usual scan of 0xe0000-0xfffff): RSDP -> RSDT/XSDT -> FADT -> FACS, DSDT,
 * and the MADT when the VM has local APICs (vm->lapic).
 *
 * Without the local APIC (--no-lapic, or a hv.ko without HV_CAP_LAPIC)
 * there is deliberately no MADT: the guest then has no local APIC or I/O
 * APIC to look for and keeps the 8259 PIC (CPUID hides the APIC too).
 * With it, the MADT (ACPI 6.x, 5.2.12) describes the platform of vm_irq.c:
 *   local APIC address 0xfee00000, flags PCAT_COMPAT (the 8259s are there
 *     too, and the guest must mask them when it uses the I/O APIC);
 *   one Processor Local APIC entry per vCPU: processor UID = APIC ID = the
 *     vCPU id, enabled (CPUID's initial APIC IDs say the same, boot/cpuid.c);
 *   the I/O APIC: ID nr_cpus (after the local APICs'), 0xfec00000, GSI 0-23;
 *   interrupt source overrides: ISA IRQ 0 (the PIT) is GSI 2, edge, active
 *     high; the SCI, IRQ 9, level and active high, as ACPI's SCI is (the
 *     ISA default would be edge).  The other ISA IRQs are identity-mapped
 *     with the ISA defaults, and PCI INTx has GSIs 16-23 (dsdt.c);
 *   a Local APIC NMI entry: LINT1 of every processor (UID 0xff) is NMI.
 *
 * The FADT is a classic (not hardware-reduced) one: x86 Linux treats a
 * hardware-reduced platform as having no legacy PIC and no PIT timer
 * (acpi_generic_reduced_hw_init() installs the null PIC), which is exactly
 * what this platform runs on.  So power management is the fixed-hardware
 * PM1 block on I/O ports:
 *
 *   0x600  PM1a_STS (2, write 1 to clear)   0x602  PM1a_EN (2)
 *   0x604  PM1a_CNT (2): SCI_EN reads 1; SLP_EN with SLP_TYP 5 = S5 = power off
 *   0x608  PM_TMR (4, 24-bit, 3.579545 MHz)
 *
 * The FADT's reset register is the PCI host bridge's reset control register
 * 0xcf9 (value 6), as on PC chipsets; devices/pci.c implements it.
 * SMI_CMD is 0, which tells the OS the platform is always in ACPI mode.  The
 * DSDT (dsdt.c) holds \_S5 = {5, 5, 0, 0}, the SLP_TYP value for S5, and the
 * PCI root bridge.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mem.h"
#include "../vm.h"
#include "boot.h"

#define ACPI_PM_BASE		0x600
#define ACPI_PM_LEN		0xc
#define PM1_STS			0x0
#define PM1_EN			0x2
#define PM1_CNT			0x4
#define PM_TMR			0x8
#define ACPI_RESET_PORT		0xcf9	/* PCI reset control (devices/pci.c) */
#define ACPI_RESET_VALUE	0x6	/* full reset (bit 2) of the CPU (bit 1) */
#define PM1_CNT_SCI_EN		0x0001
#define PM1_CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define PM1_CNT_SLP_EN		0x2000
#define ACPI_S5_SLP_TYP		5
#define PM_TMR_HZ		3579545ull
#define ACPI_SCI_IRQ		9

/* Where each table goes in the BIOS area. */
#define ACPI_RSDP_ADDR		0xe0000ull
#define ACPI_RSDT_ADDR		0xe0040ull
#define ACPI_XSDT_ADDR		0xe0080ull
#define ACPI_FACS_ADDR		0xe0100ull	/* 64-byte aligned */
#define ACPI_FADT_ADDR		0xe0200ull
#define ACPI_MADT_ADDR		0xe0400ull	/* up to 1 KiB: 44 + 8 * 64 + 12 + 2 * 10 + 6 bytes */
#define ACPI_DSDT_ADDR		0xe0800ull
#define ACPI_AREA_LEN		0x2000		/* all tables within 8 KiB */

#define ACPI_OEM_ID		"HVRUN "
#define ACPI_OEM_TABLE_ID	"HVRUNVM "
#define ACPI_HDR_LEN		36
#define FADT_LEN		244		/* the ACPI 2.0-4.0 layout, revision 4 */
#define FACS_LEN		64

#define MADT_LAPIC_ADDR		0xfee00000u
#define MADT_PCAT_COMPAT	0x1
#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_TYPE_OVERRIDE	2
#define MADT_TYPE_LAPIC_NMI	4
#define MADT_LAPIC_ENABLED	0x1
#define MADT_IOAPIC_ADDR	0xfec00000u	/* devices/ioapic.h's IOAPIC_BASE */
/* MPS INTI flags: polarity bits 1-0 (1 high, 3 low), trigger mode bits 3-2 (1 edge, 3 level). */
#define MPS_HIGH_EDGE		0x5
#define MPS_HIGH_LEVEL		0xd
#define MPS_CONFORMS		0x0
#define ACPI_PIT_IRQ		0
#define ACPI_PIT_GSI		2

struct acpi_pm {
	struct vm *vm;
	pthread_mutex_t lock;		/* guards the registers below */
	uint16_t sts, en, cnt;
	struct timespec start;		/* PM timer zero */
};

/* ---- the PM register block ---- */

static uint32_t pm_timer(struct acpi_pm *pm)
{
	struct timespec now;
	uint64_t sec, nsec;

	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = now.tv_sec - pm->start.tv_sec;
	if (now.tv_nsec >= pm->start.tv_nsec) {
		nsec = now.tv_nsec - pm->start.tv_nsec;
	} else {
		sec--;
		nsec = 1000000000 + now.tv_nsec - pm->start.tv_nsec;
	}
	return (sec * PM_TMR_HZ + nsec * PM_TMR_HZ / 1000000000) & 0xffffff;
}

static uint64_t pm_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct acpi_pm *pm = opaque;
	uint8_t regs[ACPI_PM_LEN] = { 0 };
	uint32_t tmr = pm_timer(pm);
	uint64_t v = 0;
	unsigned int i;

	pthread_mutex_lock(&pm->lock);
	memcpy(regs + PM1_STS, &pm->sts, 2);
	memcpy(regs + PM1_EN, &pm->en, 2);
	memcpy(regs + PM1_CNT, &pm->cnt, 2);
	pthread_mutex_unlock(&pm->lock);
	memcpy(regs + PM_TMR, &tmr, 4);
	for (i = 0; i < size && offset + i < ACPI_PM_LEN; i++)
		v |= (uint64_t)regs[offset + i] << (8 * i);
	return v;
}

static void pm_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct acpi_pm *pm = opaque;
	bool sleep = false;
	unsigned int i;

	pthread_mutex_lock(&pm->lock);
	for (i = 0; i < size && offset + i < ACPI_PM_LEN; i++) {
		unsigned int reg = offset + i, shift = 8 * (reg & 1);
		uint8_t b = value >> (8 * i);

		switch (reg & ~1u) {
		case PM1_STS:
			pm->sts &= ~(b << shift);
			break;
		case PM1_EN:
			pm->en = (pm->en & ~(0xff << shift)) | b << shift;
			break;
		case PM1_CNT:
			pm->cnt = (pm->cnt & ~(0xff << shift)) | b << shift;
			break;
		}
	}
	/* SCI_EN stays set (always ACPI mode); SLP_EN is write-only. */
	pm->cnt |= PM1_CNT_SCI_EN;
	if (pm->cnt & PM1_CNT_SLP_EN) {
		sleep = PM1_CNT_SLP_TYP(pm->cnt) == ACPI_S5_SLP_TYP;
		pm->cnt &= ~PM1_CNT_SLP_EN;
	}
	pthread_mutex_unlock(&pm->lock);
	if (sleep) {
		vm_debug(pm->vm, "acpi: S5 (power off)");
		vm_request_stop(pm->vm, VM_EXIT_POWEROFF);
	}
}

static const struct io_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

/* ---- the tables ---- */

static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t, 24, 1);		/* OEM revision */
	memcpy(t + 28, "HVRN", 4);	/* creator */
	put32(t, 32, 1);		/* creator revision */
}

/* Generic address structure: an I/O port register. */
static void acpi_gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access_size)
{
	p[0] = 1;			/* system I/O space */
	p[1] = bits;
	p[2] = 0;
	p[3] = access_size;		/* 1 byte, 2 word, 3 dword */
	put64(p, 4, port);
}

static void acpi_write_fadt(uint8_t *t)
{
	memset(t, 0, FADT_LEN);
	acpi_header(t, "FACP", FADT_LEN, 4);
	put32(t, 36, ACPI_FACS_ADDR);
	put32(t, 40, ACPI_DSDT_ADDR);
	put16(t, 46, ACPI_SCI_IRQ);
	/* 48 SMI_CMD = 0: no SMM, always in ACPI mode */
	put32(t, 56, ACPI_PM_BASE + PM1_STS);	/* PM1a_EVT_BLK */
	put32(t, 64, ACPI_PM_BASE + PM1_CNT);	/* PM1a_CNT_BLK */
	put32(t, 76, ACPI_PM_BASE + PM_TMR);	/* PM_TMR_BLK */
	t[88] = 4;				/* PM1_EVT_LEN */
	t[89] = 2;				/* PM1_CNT_LEN */
	t[91] = 4;				/* PM_TMR_LEN */
	put16(t, 96, 101);			/* P_LVL2_LAT > 100: no C2 */
	put16(t, 98, 1001);			/* P_LVL3_LAT > 1000: no C3 */
	t[108] = 0x32;				/* CENTURY: the CMOS century byte */
	put16(t, 109, 0x1 | 0x2 | 0x4);		/* IAPC_BOOT_ARCH: legacy devices, 8042, no VGA */
	/* WBINVD, PWR_BUTTON and SLP_BUTTON absent (control method/none), RESET_REG_SUP */
	put32(t, 112, (1u << 0) | (1u << 4) | (1u << 5) | (1u << 10));
	acpi_gas_io(t + 116, ACPI_RESET_PORT, 8, 1);
	t[128] = ACPI_RESET_VALUE;
	put64(t, 132, ACPI_FACS_ADDR);		/* X_FIRMWARE_CTRL */
	put64(t, 140, ACPI_DSDT_ADDR);		/* X_DSDT */
	acpi_gas_io(t + 148, ACPI_PM_BASE + PM1_STS, 32, 2);
	acpi_gas_io(t + 172, ACPI_PM_BASE + PM1_CNT, 16, 2);
	acpi_gas_io(t + 208, ACPI_PM_BASE + PM_TMR, 32, 3);
	t[9] = acpi_checksum(t, FADT_LEN);
}

static size_t madt_override(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = MADT_TYPE_OVERRIDE;
	p[1] = 10;
	p[2] = 0;				/* bus: ISA */
	p[3] = irq;
	put32(p, 4, gsi);
	put16(p, 8, flags);
	return 10;
}

/* The MADT for @nr_cpus processors (at most VM_MAX_CPUS); its length. */
static size_t acpi_write_madt(uint8_t *t, unsigned int nr_cpus)
{
	size_t n = ACPI_HDR_LEN;
	unsigned int i;

	put32(t, n, MADT_LAPIC_ADDR);
	put32(t, n + 4, MADT_PCAT_COMPAT);
	n += 8;
	for (i = 0; i < nr_cpus; i++, n += 8) {
		t[n] = MADT_TYPE_LAPIC;
		t[n + 1] = 8;
		t[n + 2] = (uint8_t)i;		/* ACPI processor UID */
		t[n + 3] = (uint8_t)i;		/* APIC ID */
		put32(t, n + 4, MADT_LAPIC_ENABLED);
	}
	t[n] = MADT_TYPE_IOAPIC;
	t[n + 1] = 12;
	t[n + 2] = (uint8_t)nr_cpus;		/* I/O APIC ID */
	t[n + 3] = 0;
	put32(t, n + 4, MADT_IOAPIC_ADDR);
	put32(t, n + 8, 0);			/* GSI base */
	n += 12;
	n += madt_override(t + n, ACPI_PIT_IRQ, ACPI_PIT_GSI, MPS_HIGH_EDGE);
	n += madt_override(t + n, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MPS_HIGH_LEVEL);
	t[n] = MADT_TYPE_LAPIC_NMI;
	t[n + 1] = 6;
	t[n + 2] = 0xff;			/* all processors */
	put16(t, n + 3, MPS_CONFORMS);		/* NMI is edge and active high by definition */
	t[n + 5] = 1;				/* LINT1 */
	n += 6;
	acpi_header(t, "APIC", (uint32_t)n, 3);
	t[9] = acpi_checksum(t, n);
	return n;
}

/* DefinitionBlock around dsdt.c's AML; false if it does not fit. */
static bool acpi_write_dsdt(uint8_t *t, size_t max, uint64_t ram_low_end, bool apic)
{
	size_t aml = dsdt_write(t + ACPI_HDR_LEN, max - ACPI_HDR_LEN, ram_low_end, apic);

	if (!aml)
		return false;
	acpi_header(t, "DSDT", ACPI_HDR_LEN + aml, 2);
	t[9] = acpi_checksum(t, ACPI_HDR_LEN + aml);
	return true;
}

static void acpi_write_facs(uint8_t *t)
{
	memset(t, 0, FACS_LEN);
	memcpy(t, "FACS", 4);
	put32(t, 4, FACS_LEN);
	t[32] = 2;				/* version */
}

/* The FADT and, with @madt, the MADT: RSDT at 0xe0040 (up to 0x40 bytes), XSDT at 0xe0080. */
static void acpi_write_rsdt_xsdt(uint8_t *rsdt, uint8_t *xsdt, bool madt)
{
	unsigned int n = madt ? 2 : 1;

	acpi_header(rsdt, "RSDT", ACPI_HDR_LEN + 4 * n, 1);
	put32(rsdt, ACPI_HDR_LEN, ACPI_FADT_ADDR);
	if (madt)
		put32(rsdt, ACPI_HDR_LEN + 4, ACPI_MADT_ADDR);
	rsdt[9] = acpi_checksum(rsdt, ACPI_HDR_LEN + 4 * n);
	acpi_header(xsdt, "XSDT", ACPI_HDR_LEN + 8 * n, 1);
	put64(xsdt, ACPI_HDR_LEN, ACPI_FADT_ADDR);
	if (madt)
		put64(xsdt, ACPI_HDR_LEN + 8, ACPI_MADT_ADDR);
	xsdt[9] = acpi_checksum(xsdt, ACPI_HDR_LEN + 8 * n);
}

static void acpi_write_rsdp(uint8_t *p)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, ACPI_OEM_ID, 6);
	p[15] = 2;				/* ACPI 2.0+: XSDT valid */
	put32(p, 16, ACPI_RSDT_ADDR);
	put32(p, 20, 36);
	put64(p, 24, ACPI_XSDT_ADDR);
	p[8] = acpi_checksum(p, 20);
	p[32] = acpi_checksum(p, 36);
}

static int acpi_pm_register(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -1;
	pm->vm = vm;
	pm->cnt = PM1_CNT_SCI_EN;
	pthread_mutex_init(&pm->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &pm->start);
	if (iobus_register(&vm->pio, ACPI_PM_BASE, ACPI_PM_LEN, &pm_ops, pm)) {
		pthread_mutex_destroy(&pm->lock);
		free(pm);
		return -1;
	}
	vm->acpi_pm = pm;
	return 0;
}

void acpi_destroy(struct vm *vm)
{
	if (vm->acpi_pm) {
		pthread_mutex_destroy(&vm->acpi_pm->lock);
		free(vm->acpi_pm);
		vm->acpi_pm = NULL;
	}
}

uint64_t acpi_setup(struct vm *vm)
{
	uint8_t *area = mem_gpa_to_hva(&vm->mem, ACPI_RSDP_ADDR, ACPI_AREA_LEN);

	if (!area)
		return 0;
	if (!vm->acpi_pm && acpi_pm_register(vm))
		return 0;
	if (vm->lapic && (!vm->cfg.nr_cpus || vm->cfg.nr_cpus > VM_MAX_CPUS))
		return 0;
	acpi_write_facs(area + (ACPI_FACS_ADDR - ACPI_RSDP_ADDR));
	if (!acpi_write_dsdt(area + (ACPI_DSDT_ADDR - ACPI_RSDP_ADDR),
			     ACPI_AREA_LEN - (ACPI_DSDT_ADDR - ACPI_RSDP_ADDR), vm->mem.low_end, vm->lapic))
		return 0;
	acpi_write_fadt(area + (ACPI_FADT_ADDR - ACPI_RSDP_ADDR));
	if (vm->lapic)
		acpi_write_madt(area + (ACPI_MADT_ADDR - ACPI_RSDP_ADDR), vm->cfg.nr_cpus);
	acpi_write_rsdt_xsdt(area + (ACPI_RSDT_ADDR - ACPI_RSDP_ADDR), area + (ACPI_XSDT_ADDR - ACPI_RSDP_ADDR),
			     vm->lapic);
	acpi_write_rsdp(area);
	return ACPI_RSDP_ADDR;
}
