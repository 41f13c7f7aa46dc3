// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the firmware's description of the platform: the ACPI tables
 * with and without the local APIC (the MADT and what points to it, the
 * DSDT's _PIC and two-way _PRT), and the CPUID topology of boot/cpuid.c.
 */
#include <stdlib.h>
#include <string.h>

#include "../../boot/boot.h"
#include "../../devices/pci.h"
#include "../../vm.h"
#include "unit.h"

#define GUEST_MEM	(64ull << 20)

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static struct vm *vm_new(unsigned int nr_cpus, bool lapic)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm || mem_init(&vm->mem, GUEST_MEM)) {
		free(vm);
		return NULL;
	}
	iobus_init(&vm->pio, "pio");
	vm->cfg.nr_cpus = nr_cpus;
	vm->lapic = lapic;
	return vm;
}

static void vm_free(struct vm *vm)
{
	acpi_destroy(vm);
	iobus_destroy(&vm->pio);
	mem_destroy(&vm->mem);
	free(vm);
}

/* The table the XSDT's entry @i points to (checked: inside the BIOS area, checksum), or NULL. */
static const uint8_t *xsdt_table(struct vm *vm, unsigned int i, const char *sig)
{
	const uint8_t *rsdp = mem_gpa_to_hva(&vm->mem, 0xe0000, 36);
	const uint8_t *xsdt, *t;
	uint64_t addr;

	if (!rsdp || !checksum_ok(rsdp, 20) || !checksum_ok(rsdp, 36))
		return NULL;
	xsdt = mem_gpa_to_hva(&vm->mem, get64(rsdp, 24), 36);
	if (!xsdt || memcmp(xsdt, "XSDT", 4) || 36 + 8 * (i + 1) > get32(xsdt, 4))
		return NULL;
	addr = get64(xsdt, 36 + 8 * i);
	t = mem_gpa_to_hva(&vm->mem, addr, 36);
	if (!t || memcmp(t, sig, 4) || !mem_gpa_to_hva(&vm->mem, addr, get32(t, 4)) ||
	    !checksum_ok(t, get32(t, 4)))
		return NULL;
	return t;
}

static bool acpi_no_madt_without_lapic(void)
{
	struct vm *vm = vm_new(1, false);
	const uint8_t *rsdt, *fadt, *dsdt;

	CHECK(vm);
	CHECK_EQ(acpi_setup(vm), 0xe0000);
	CHECK(xsdt_table(vm, 0, "FACP"));
	CHECK(!xsdt_table(vm, 1, "APIC"));
	rsdt = mem_gpa_to_hva(&vm->mem, 0xe0040, 40);
	CHECK(rsdt);
	CHECK_EQ(get32(rsdt, 4), 40);				/* the FADT alone */
	CHECK(checksum_ok(rsdt, 40));
	fadt = xsdt_table(vm, 0, "FACP");
	dsdt = mem_gpa_to_hva(&vm->mem, get64(fadt, 140), 36);
	CHECK(dsdt && !memcmp(dsdt, "DSDT", 4) && checksum_ok(dsdt, get32(dsdt, 4)));
	/* PIC mode only: a plain _PRT, no _PIC. */
	CHECK(memmem(dsdt, get32(dsdt, 4), "\x08_PRT", 5));
	CHECK(!memmem(dsdt, get32(dsdt, 4), "_PIC", 4));
	vm_free(vm);
	return true;
}

static bool acpi_madt(void)
{
	struct vm *vm = vm_new(4, true);
	const uint8_t *m, *rsdt;
	size_t off, len;
	unsigned int cpus = 0, ioapics = 0, overrides = 0, nmis = 0;

	CHECK(vm);
	CHECK_EQ(acpi_setup(vm), 0xe0000);
	CHECK(xsdt_table(vm, 0, "FACP"));
	m = xsdt_table(vm, 1, "APIC");
	CHECK(m);
	rsdt = mem_gpa_to_hva(&vm->mem, 0xe0040, 44);
	CHECK(rsdt && checksum_ok(rsdt, 44));
	CHECK_EQ(get32(rsdt, 40), 0xe0400);			/* the RSDT lists it too */
	len = get32(m, 4);
	CHECK_EQ(len, 44 + 4 * 8 + 12 + 2 * 10 + 6);
	CHECK_EQ(get32(m, 36), 0xfee00000);
	CHECK_EQ(get32(m, 40), 1);				/* PCAT_COMPAT */
	for (off = 44; off < len; off += m[off + 1]) {
		CHECK(m[off + 1] >= 2 && off + m[off + 1] <= len);
		switch (m[off]) {
		case 0:						/* processor local APIC */
			CHECK_EQ(m[off + 1], 8);
			CHECK_EQ(m[off + 2], cpus);		/* UID */
			CHECK_EQ(m[off + 3], cpus);		/* APIC ID */
			CHECK_EQ(get32(m, off + 4), 1);		/* enabled */
			cpus++;
			break;
		case 1:
			CHECK_EQ(m[off + 1], 12);
			CHECK_EQ(m[off + 2], 4);		/* ID after the CPUs' */
			CHECK_EQ(get32(m, off + 4), 0xfec00000);
			CHECK_EQ(get32(m, off + 8), 0);
			ioapics++;
			break;
		case 2:
			CHECK_EQ(m[off + 1], 10);
			CHECK_EQ(m[off + 2], 0);		/* ISA */
			if (m[off + 3] == 0) {
				CHECK_EQ(get32(m, off + 4), 2);
				CHECK_EQ(m[off + 8] | m[off + 9] << 8, 0x5);	/* edge, high */
			} else {
				CHECK_EQ(m[off + 3], 9);
				CHECK_EQ(get32(m, off + 4), 9);
				CHECK_EQ(m[off + 8] | m[off + 9] << 8, 0xd);	/* level, high */
			}
			overrides++;
			break;
		case 4:
			CHECK_EQ(m[off + 1], 6);
			CHECK_EQ(m[off + 2], 0xff);		/* every processor */
			CHECK_EQ(m[off + 5], 1);		/* LINT1 */
			nmis++;
			break;
		default:
			CHECK(false);
		}
	}
	CHECK_EQ(off, len);
	CHECK_EQ(cpus, 4);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(overrides, 2);
	CHECK_EQ(nmis, 1);
	vm_free(vm);

	/* 64 vCPUs still fit before the DSDT. */
	vm = vm_new(VM_MAX_CPUS, true);
	CHECK(vm);
	CHECK_EQ(acpi_setup(vm), 0xe0000);
	m = xsdt_table(vm, 1, "APIC");
	CHECK(m);
	CHECK(0xe0400 + get32(m, 4) <= 0xe0800);
	CHECK_EQ(m[44 + 63 * 8 + 3], 63);
	vm_free(vm);
	return true;
}

/* The first Package(4) of the PRT whose name is at @name: its GSI of slot 1 pin A. */
static bool prt_first_gsi(const uint8_t *aml, size_t len, const char *name, unsigned int *gsi)
{
	const uint8_t *p = memmem(aml, len, name, 4);
	/* Name (XXXX, Package (pkglen) { NumElements, Package (pkglen) { 4, 0x0c dword, 0, 0, gsi } */
	static const uint8_t entry[] = { 0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x0a };

	if (!p)
		return false;
	p = memmem(p, aml + len - p, entry, sizeof(entry));
	if (!p)
		return false;
	*gsi = p[sizeof(entry)];
	return true;
}

static bool acpi_dsdt_prt_modes(void)
{
	struct vm *vm = vm_new(2, true);
	const uint8_t *fadt, *dsdt;
	unsigned int gsi = 0;
	size_t len;

	CHECK(vm);
	CHECK_EQ(acpi_setup(vm), 0xe0000);
	fadt = xsdt_table(vm, 0, "FACP");
	CHECK(fadt);
	dsdt = mem_gpa_to_hva(&vm->mem, get64(fadt, 140), 36);
	CHECK(dsdt && !memcmp(dsdt, "DSDT", 4));
	len = get32(dsdt, 4);
	CHECK(mem_gpa_to_hva(&vm->mem, get64(fadt, 140), len) && checksum_ok(dsdt, len));
	/* \PICM and \_PIC (Store (Arg0, PICM)), then _PRT as a method choosing PRTA or PRTP. */
	CHECK(memmem(dsdt, len, "\x08PICM\x00", 6));
	CHECK(memmem(dsdt, len, "\x14\x0c_PIC\x01\x70\x68PICM", 13));
	CHECK(memmem(dsdt, len, "_PRT\x00\xa0\x0aPICM\xa4PRTA\xa4PRTP", 21));
	CHECK(!memmem(dsdt, len, "\x08_PRT", 5));
	/* INTA of slot 1: ISA IRQ pci_intx_irq(1) in PIC mode, GSI pci_intx_gsi(1) in APIC mode. */
	CHECK(prt_first_gsi(dsdt, len, "PRTP", &gsi));
	CHECK_EQ(gsi, pci_intx_irq(1));
	CHECK(prt_first_gsi(dsdt, len, "PRTA", &gsi));
	CHECK_EQ(gsi, pci_intx_gsi(1));
	CHECK_EQ(pci_intx_gsi(1), 17);
	CHECK_EQ(pci_intx_gsi(7), 23);
	CHECK_EQ(pci_intx_gsi(8), 16);
	vm_free(vm);
	return true;
}

static struct hv_cpuid *cpuid_table(bool amd)
{
	struct hv_cpuid *c = calloc(1, sizeof(*c) + 8 * sizeof(struct hv_cpuid_entry));
	struct hv_cpuid_entry *e;

	if (!c)
		return NULL;
	e = c->entries;
	e[0] = (struct hv_cpuid_entry){ .function = 0, .eax = 0xd,
		.ebx = amd ? 0x68747541 : 0x756e6547 };		/* "Auth" / "Genu" */
	e[1] = (struct hv_cpuid_entry){ .function = 1, .ebx = 0x07ff0800, .edx = 0x178bfbff };
	e[2] = (struct hv_cpuid_entry){ .function = 4, .index = 0, .eax = 0xfc004121 };	/* L1d */
	e[3] = (struct hv_cpuid_entry){ .function = 4, .index = 3, .eax = 0xfc03c163 };	/* L3 */
	e[4] = (struct hv_cpuid_entry){ .function = 0xb, .index = 0, .eax = 7, .ebx = 9 };
	e[5] = (struct hv_cpuid_entry){ .function = 0xb, .index = 1, .eax = 7, .ebx = 9 };
	e[6] = (struct hv_cpuid_entry){ .function = 0x80000001, .ecx = 0x2 };
	e[7] = (struct hv_cpuid_entry){ .function = 0x80000008, .eax = 0x3030, .ecx = 0x700f };
	c->nent = 8;
	return c;
}

static bool cpuid_topology(void)
{
	struct hv_cpuid *c = cpuid_table(true);

	CHECK(c);
	/* One vCPU, no APIC: what hv-run always gave. */
	cpuid_set_topology(c, 0, 1, false);
	CHECK_EQ(c->entries[1].ebx, 0x00010800);
	CHECK_EQ(c->entries[1].edx & (1u << 28 | 1u << 9), 0);
	CHECK_EQ(c->entries[2].eax, 0x121);
	CHECK_EQ(c->entries[6].ecx & 2, 0);
	CHECK_EQ(c->entries[7].ecx, 0);
	/* vCPU 2 of 3 with the local APIC (AMD). */
	cpuid_set_topology(c, 2, 3, true);
	CHECK_EQ(c->entries[1].ebx, 0x02030800);
	CHECK_EQ(c->entries[1].edx & (1u << 28 | 1u << 9), 1u << 28 | 1u << 9);
	CHECK_EQ(c->entries[2].eax, 0x08000121);		/* 3 cores, L1 per core */
	CHECK_EQ(c->entries[3].eax, 0x08008163);		/* L3 shared by 3 */
	CHECK_EQ(c->entries[4].eax, 0);
	CHECK_EQ(c->entries[4].ebx, 1);
	CHECK_EQ(c->entries[4].ecx, 0x100);
	CHECK_EQ(c->entries[4].edx, 2);
	CHECK_EQ(c->entries[5].eax, 2);				/* 2 bits of core number */
	CHECK_EQ(c->entries[5].ebx, 3);
	CHECK_EQ(c->entries[5].ecx, 0x201);
	CHECK_EQ(c->entries[6].ecx & 2, 2);			/* CmpLegacy */
	CHECK_EQ(c->entries[7].ecx, 0x2002);			/* NC 2, 2 core-ID bits */
	CHECK_EQ(c->entries[7].eax, 0x3030);
	free(c);
	/* Intel: the AMD leaves are left alone. */
	c = cpuid_table(false);
	CHECK(c);
	cpuid_set_topology(c, 63, 64, true);
	CHECK_EQ(c->entries[1].ebx, 0x3f400800);
	CHECK_EQ(c->entries[2].eax >> 26, 63);
	CHECK_EQ(c->entries[6].ecx, 0x2);
	CHECK_EQ(c->entries[7].ecx, 0x700f);
	free(c);
	return true;
}

const struct unit_case acpi_cases[] = {
	{ "acpi_no_madt_without_lapic", acpi_no_madt_without_lapic },
	{ "acpi_madt", acpi_madt },
	{ "acpi_dsdt_prt_modes", acpi_dsdt_prt_modes },
	{ "cpuid_topology", cpuid_topology },
	{ NULL, NULL },
};
