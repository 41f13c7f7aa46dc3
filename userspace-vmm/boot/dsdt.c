// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the DSDT, encoded as AML by hand (ACPI spec, "ACPI Machine
 * Language Specification").  It declares only what the guest cannot find
 * otherwise:
 *
 *   Name (_S5, Package () { 5, 5, 0, 0 })     SLP_TYP for power off (acpi.c)
 *   Scope (\_SB) {
 *     Device (PCI0) {                          the host bridge of devices/pci.c:
 *       Name (_HID, EisaId ("PNP0A03"))        with ACPI on, Linux enumerates
 *       Name (_UID, 0)                         only the PCI root bridges that
 *       Name (_BBN, 0)                         the namespace names
 *       Name (_CRS, ResourceTemplate () {      its windows: bus 0-255, ports
 *         ...                                  around 0xcf8, the VGA window and
 *       })                                     the 32-bit hole above RAM
 *       Name (_PRT, Package () {               INTx routing, slots 1-31, pins
 *         Package () { 0x0001FFFF, 0, 0, 11 }, A-D, straight to ISA IRQs (no
 *         ...                                  link devices): GSI = the IRQ
 *       })                                     pci_intx_irq(slot + pin) of
 *     }                                        devices/pci.c
 *   }
 *
 * With ACPI on, Linux routes PCI interrupts only through _PRT ("PCI: Using
 * ACPI for IRQ routing"); without an entry it falls back to the interrupt
 * line register with a warning.  In PIC mode (no MADT) a GSI is the 8259
 * input, which Linux makes level-triggered in the ELCR.
 *
 * With the I/O APIC (hv-run's local APIC platform) the routing depends on
 * the interrupt model the OS chose, which it tells through \_PIC (0 PIC,
 * 1 APIC), so _PRT becomes a method, as on PC firmware:
 *
 *   Name (PICM, Zero)
 *   Method (_PIC, 1) { Store (Arg0, PICM) }
 *   ... in PCI0:
 *     Name (PRTP, Package () { ...the PIC-mode table above... })
 *     Name (PRTA, Package () { Package () { 0x0001FFFF, 0, 0, 17 }, ... })
 *     Method (_PRT) { If (PICM) { Return (PRTA) } Return (PRTP) }
 *
 * In APIC mode INTx of slot S pin P is GSI 16 + (S + P) % 8: I/O APIC pins
 * 16-23, which nothing else uses, rather than the ISA IRQs 5/10/11 of PIC
 * mode.  An ISA pin would need an interrupt source override per IRQ to turn
 * it level and active low, and would sit on a pin whose 8259 twin the ISA
 * side also drives; pins above 15 are PCI's by convention, and Linux gives
 * a _PRT GSI without a link device the PCI defaults, level and active low
 * (acpi_pci_irq_enable()), exactly what the wires are (vm_irq.c).  The
 * guest booted with "noapic" still evaluates \_PIC (0) and gets the PIC
 * table.
 */
#include <string.h>

#include "../devices/pci.h"
#include "boot.h"

struct aml {
	uint8_t *buf;
	size_t len, cap;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	while (n--) {
		aml_byte(a, v & 0xff);
		v >>= 8;
	}
}

/* Integer constant in its shortest encoding. */
static void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, 0x00);			/* ZeroOp */
	} else if (v == 1) {
		aml_byte(a, 0x01);			/* OneOp */
	} else if (v <= 0xff) {
		aml_byte(a, 0x0a);			/* BytePrefix */
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, 0x0b);			/* WordPrefix */
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, 0x0c);			/* DWordPrefix */
		aml_le(a, v, 4);
	} else {
		aml_byte(a, 0x0e);			/* QWordPrefix */
		aml_le(a, v, 8);
	}
}

/* PkgLength counts itself: 1 byte below 63, else 2 or 3 bytes with the low nibble first. */
static void aml_pkglength(struct aml *a, size_t body)
{
	size_t total;

	if (body + 1 < 0x40) {
		aml_byte(a, body + 1);
		return;
	}
	total = body + 2;
	if (total < 0x1000) {
		aml_byte(a, 0x40 | (total & 0xf));
		aml_byte(a, total >> 4);
		return;
	}
	total = body + 3;
	aml_byte(a, 0x80 | (total & 0xf));
	aml_byte(a, (total >> 4) & 0xff);
	aml_byte(a, total >> 12);
}

/* @op (1 or 2 bytes), PkgLength, then @body. */
static void aml_package_op(struct aml *a, const uint8_t *op, size_t oplen, const struct aml *body)
{
	if (body->overflow) {
		a->overflow = true;
		return;
	}
	aml_bytes(a, op, oplen);
	aml_pkglength(a, body->len);
	aml_bytes(a, body->buf, body->len);
}

static void aml_name(struct aml *a, const char seg[4])
{
	aml_byte(a, 0x08);				/* NameOp */
	aml_bytes(a, seg, 4);
}

/* Word address space descriptor (bus numbers or I/O), a producer with fixed min and max. */
static void res_word(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max)
{
	aml_byte(a, 0x88);
	aml_le(a, 13, 2);
	aml_byte(a, type);				/* 1 I/O, 2 bus numbers */
	aml_byte(a, 0x0c);				/* _MIF, _MAF; producer, positive decode */
	aml_byte(a, type_flags);
	aml_le(a, 0, 2);				/* granularity */
	aml_le(a, min, 2);
	aml_le(a, max, 2);
	aml_le(a, 0, 2);				/* translation */
	aml_le(a, (uint32_t)max - min + 1, 2);
}

/* DWord memory window, read/write, not cacheable. */
static void res_dword_mem(struct aml *a, uint32_t min, uint32_t max)
{
	aml_byte(a, 0x87);
	aml_le(a, 23, 2);
	aml_byte(a, 0);					/* memory */
	aml_byte(a, 0x0c);
	aml_byte(a, 0x01);				/* _RW */
	aml_le(a, 0, 4);
	aml_le(a, min, 4);
	aml_le(a, max, 4);
	aml_le(a, 0, 4);
	aml_le(a, max - min + 1, 4);
}

static void dsdt_pci0_crs(struct aml *crs, uint64_t ram_low_end)
{
	/* The 32-bit hole starts at the next 256 MiB boundary above RAM. */
	uint32_t hole = (ram_low_end + 0xfffffff) & ~0xfffffffull;
	static const uint8_t cf8[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };

	res_word(crs, 2, 0, 0x00, 0xff);		/* WordBusNumber 0-255 */
	aml_bytes(crs, cf8, sizeof(cf8));		/* IO (Decode16, 0xcf8, 0xcf8, 1, 8) */
	res_word(crs, 1, 0x03, 0x0000, 0x0cf7);		/* WordIO, entire ISA range */
	res_word(crs, 1, 0x03, 0x0d00, 0xffff);
	res_dword_mem(crs, 0xa0000, 0xbffff);		/* VGA window */
	if (hole < 0xfec00000u)
		res_dword_mem(crs, hole, 0xfebfffff);
	aml_byte(crs, 0x79);				/* end tag */
	aml_byte(crs, 0x00);				/* checksum 0: not checked */
}

static const uint8_t method_op[] = { 0x14 }, if_op[] = { 0xa0 }, package_op[] = { 0x12 };

/*
 * Package (4) { slot << 16 | 0xffff, pin, 0 (no link device), GSI } per slot
 * 1-31 and pin; @apic: the I/O APIC's GSIs, else the 8259's inputs.
 */
static void dsdt_pci0_prt(struct aml *prt, bool apic)
{
	unsigned int slot, pin;
	uint8_t b_entry[32];

	aml_byte(prt, 31 * 4);				/* NumElements */
	for (slot = 1; slot < 32; slot++) {
		for (pin = 0; pin < 4; pin++) {
			struct aml e = { .buf = b_entry, .cap = sizeof(b_entry) };

			aml_byte(&e, 4);
			aml_byte(&e, 0x0c);		/* DWordPrefix: keep the address's width */
			aml_le(&e, slot << 16 | 0xffff, 4);
			aml_integer(&e, pin);
			aml_integer(&e, 0);
			aml_integer(&e, apic ? pci_intx_gsi(slot + pin) : pci_intx_irq(slot + pin));
			aml_package_op(prt, package_op, sizeof(package_op), &e);
		}
	}
}

/* Name (PICM, Zero); Method (_PIC, 1) { Store (Arg0, PICM) } */
static void dsdt_pic_method(struct aml *a)
{
	static const uint8_t body[] = {
		'_', 'P', 'I', 'C', 0x01,		/* one argument, not serialized */
		0x70, 0x68, 'P', 'I', 'C', 'M',		/* StoreOp Arg0Op PICM */
	};
	const struct aml m = { .buf = (uint8_t *)body, .len = sizeof(body), .cap = sizeof(body) };

	aml_name(a, "PICM");
	aml_integer(a, 0);
	aml_package_op(a, method_op, sizeof(method_op), &m);
}

/* Method (_PRT) { If (PICM) { Return (PRTA) } Return (PRTP) } */
static void dsdt_prt_method(struct aml *dev)
{
	static const uint8_t then[] = { 'P', 'I', 'C', 'M', 0xa4, 'P', 'R', 'T', 'A' };
	static const uint8_t other[] = { 0xa4, 'P', 'R', 'T', 'P' };
	const struct aml t = { .buf = (uint8_t *)then, .len = sizeof(then), .cap = sizeof(then) };
	uint8_t b[32];
	struct aml m = { .buf = b, .cap = sizeof(b) };

	aml_bytes(&m, "_PRT", 4);
	aml_byte(&m, 0x00);				/* no arguments, not serialized */
	aml_package_op(&m, if_op, sizeof(if_op), &t);
	aml_bytes(&m, other, sizeof(other));
	aml_package_op(dev, method_op, sizeof(method_op), &m);
}

size_t dsdt_write(uint8_t *out, size_t max, uint64_t ram_low_end, bool apic)
{
	static const uint8_t s5[] = {
		0x12, 0x08, 0x04,			/* PackageOp, PkgLength 8, 4 elements */
		0x0a, 5, 0x0a, 5, 0x00, 0x00,		/* SLP_TYPa 5, SLP_TYPb 5, reserved */
	};
	static const uint8_t scope_op[] = { 0x10 }, device_op[] = { 0x5b, 0x82 }, buffer_op[] = { 0x11 };
	uint8_t b_crs[256], b_buf[280], b_prt[2048], b_prta[2048], b_dev[4600], b_scope[4620];
	struct aml a = { .buf = out, .cap = max };
	struct aml crs = { .buf = b_crs, .cap = sizeof(b_crs) };
	struct aml buf = { .buf = b_buf, .cap = sizeof(b_buf) };
	struct aml prt = { .buf = b_prt, .cap = sizeof(b_prt) };
	struct aml prta = { .buf = b_prta, .cap = sizeof(b_prta) };
	struct aml dev = { .buf = b_dev, .cap = sizeof(b_dev) };
	struct aml scope = { .buf = b_scope, .cap = sizeof(b_scope) };

	aml_name(&a, "_S5_");
	aml_bytes(&a, s5, sizeof(s5));
	if (apic)
		dsdt_pic_method(&a);

	dsdt_pci0_crs(&crs, ram_low_end);
	aml_integer(&buf, crs.len);			/* BufferSize */
	aml_bytes(&buf, crs.buf, crs.len);

	aml_bytes(&dev, "PCI0", 4);
	aml_name(&dev, "_HID");
	aml_integer(&dev, 0x030ad041);			/* EisaId ("PNP0A03") */
	aml_name(&dev, "_UID");
	aml_integer(&dev, 0);
	aml_name(&dev, "_BBN");
	aml_integer(&dev, 0);
	aml_name(&dev, "_CRS");
	aml_package_op(&dev, buffer_op, sizeof(buffer_op), &buf);
	dsdt_pci0_prt(&prt, false);
	if (apic) {
		dsdt_pci0_prt(&prta, true);
		aml_name(&dev, "PRTP");
		aml_package_op(&dev, package_op, sizeof(package_op), &prt);
		aml_name(&dev, "PRTA");
		aml_package_op(&dev, package_op, sizeof(package_op), &prta);
		dsdt_prt_method(&dev);
	} else {
		aml_name(&dev, "_PRT");
		aml_package_op(&dev, package_op, sizeof(package_op), &prt);
	}

	aml_bytes(&scope, "\\_SB_", 5);
	aml_package_op(&scope, device_op, sizeof(device_op), &dev);
	aml_package_op(&a, scope_op, sizeof(scope_op), &scope);
	return a.overflow ? 0 : a.len;
}
