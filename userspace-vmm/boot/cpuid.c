// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the CPU topology a vCPU's CPUID describes, which, like the MADT,
 * is the platform's (the VM's) and not the host CPU's that answered
 * HV_GET_SUPPORTED_CPUID.
 *
 * The VM is one package of N cores with one thread each, and vCPU i's
 * initial APIC ID is i (the MADT's processor entries say the same):
 *   leaf 1        EBX[31:24] initial APIC ID, EBX[23:16] logical processors
 *                 per package (N), EDX[28] HTT when N > 1 (else the count
 *                 is not looked at), EDX[9] APIC with the local APIC
 *   leaf 4        (Intel) EAX[31:26] cores per package - 1; EAX[25:14]
 *                 threads sharing the cache - 1: 0 for L1/L2 (per core),
 *                 N - 1 for L3 and beyond (the package's)
 *   leaf 0xb/0x1f (if present) SMT level: shift 0, 1 thread; core level:
 *                 shift = bits of N - 1, N threads; EDX the x2APIC ID
 *   0x80000001    (AMD) ECX[1] CmpLegacy when N > 1: HTT counts cores,
 *                 not threads; EDX[9] APIC as leaf 1's
 *   0x80000008    (AMD) ECX[7:0] NC = N - 1, ECX[15:12] the APIC ID bits
 *                 of the core number
 * hv.ko's CPUID policy may still clear some of these (it masks every table
 * a VMM sets); Linux then sees N single-core packages, which it also
 * handles: the APIC IDs stay 0 .. N - 1 either way.
 *
 * With N = 1 and no local APIC this is exactly the table hv-run always
 * gave: APIC ID 0, one logical processor, no APIC.
 */
#include <string.h>

#include "boot.h"

#define CPUID1_EDX_APIC		(1u << 9)
#define CPUID1_EDX_HTT		(1u << 28)
#define EXT1_ECX_CMP_LEGACY	(1u << 1)
#define TOPO_TYPE_SMT		1
#define TOPO_TYPE_CORE		2

/* Bits needed to number @n things (0 for 1). */
static unsigned int count_bits(unsigned int n)
{
	unsigned int b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

static bool cpuid_vendor_amd(const struct hv_cpuid *c)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++) {
		const struct hv_cpuid_entry *e = &c->entries[i];

		/* "AuthenticAMD" and "HygonGenuine" (an AMD design): EBX "Auth"/"Hygo". */
		if (e->function == 0)
			return e->ebx == 0x68747541 || e->ebx == 0x6f677948;
	}
	return false;
}

/* Leaf 0xb/0x1f subleaf: the level of @e->index. */
static void cpuid_topology_level(struct hv_cpuid_entry *e, unsigned int id, unsigned int nr)
{
	e->edx = id;
	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		e->ecx = TOPO_TYPE_SMT << 8;
		break;
	case 1:
		e->eax = count_bits(nr);
		e->ebx = nr;
		e->ecx = TOPO_TYPE_CORE << 8 | 1;
		break;
	default:
		e->eax = e->ebx = 0;
		e->ecx = e->index & 0xff;	/* type 0: no more levels */
		break;
	}
}

void cpuid_set_topology(struct hv_cpuid *c, unsigned int id, unsigned int nr_cpus, bool lapic)
{
	bool amd = cpuid_vendor_amd(c);
	unsigned int i;

	for (i = 0; i < c->nent; i++) {
		struct hv_cpuid_entry *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0xffff) | (nr_cpus & 0xff) << 16 | (id & 0xff) << 24;
			e->edx &= ~(CPUID1_EDX_HTT | CPUID1_EDX_APIC);
			if (nr_cpus > 1)
				e->edx |= CPUID1_EDX_HTT;
			if (lapic)
				e->edx |= CPUID1_EDX_APIC;
			break;
		case 4:
			e->eax &= 0x3fff;
			if (!(e->eax & 0x1f))
				break;		/* no cache at this subleaf */
			e->eax |= (nr_cpus - 1) << 26;
			if (((e->eax >> 5) & 7) >= 3)
				e->eax |= (nr_cpus - 1) << 14;
			break;
		case 0xb:
		case 0x1f:
			cpuid_topology_level(e, id, nr_cpus);
			break;
		case 0x80000001:
			if (!amd)
				break;
			e->ecx &= ~EXT1_ECX_CMP_LEGACY;
			if (nr_cpus > 1)
				e->ecx |= EXT1_ECX_CMP_LEGACY;
			e->edx &= ~CPUID1_EDX_APIC;	/* AMD's copy of leaf 1's bit */
			if (lapic)
				e->edx |= CPUID1_EDX_APIC;
			break;
		case 0x80000008:
			if (amd)
				e->ecx = (e->ecx & ~0xf0ffu) | count_bits(nr_cpus) << 12 | (nr_cpus - 1);
			break;
		}
	}
}
