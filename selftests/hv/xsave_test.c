// SPDX-License-Identifier: GPL-2.0
/*
 * xsave_test: XSAVE, XCR0 and the AVX state of a guest (module/x86/xsave.c).
 *
 * hv offers XSAVE and the AVX/AVX-512 components the host kernel has on;
 * the guest's XCR0 is its own (loaded around each entry when it differs
 * from the host's), XSETBV follows the architectural rules, CPUID leaf 0xD
 * reports the sizes for the guest's XCR0, and the guest's vector registers
 * survive exits and the host's own use of them, which the guest never sees.
 *
 * The points need a host kernel with XSAVE: the VMX testbed's does not
 * have it (Bochs's XSAVE area sizes disagree with its component layout,
 * and Linux turns XSAVE off: "XSAVE consistency problem"), so there they
 * skip, naming that; the SVM testbed's (QEMU, EPYC) has x87, SSE and AVX.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define CR4_OSXSAVE		(1ULL << 18)
#define L1_ECX_XSAVE		(1u << 26)
#define L1_ECX_OSXSAVE		(1u << 27)
#define L1_ECX_AVX		(1u << 28)
#define XCR0_X87		(1ULL << 0)
#define XCR0_SSE		(1ULL << 1)
#define XCR0_YMM		(1ULL << 2)
#define XCR0_AVX512		(7ULL << 5)
#define XCR0_PKRU		(1ULL << 9)
#define XSAVE_LEGACY_HEADER	576	/* legacy region + header: the smallest area */
#define NR_YMM			16

/* ---- what both sides use ------------------------------------------------- */

static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | ((uint64_t)hi << 32);
}

/*
 * The 16 YMM registers to and from memory.  The test is built with
 * -mgeneral-regs-only, so the compiler never uses them itself: what they
 * hold between two of these is what the CPU (and hv) left there.
 */
#define YMM_ONE(op, n, p)	__asm__ volatile(op : : "r"((p) + 32 * (n)) : "memory")
#define YMM_ALL(op_fmt, p)							\
	do {									\
		YMM_ONE(op_fmt(0), 0, p); YMM_ONE(op_fmt(1), 1, p);		\
		YMM_ONE(op_fmt(2), 2, p); YMM_ONE(op_fmt(3), 3, p);		\
		YMM_ONE(op_fmt(4), 4, p); YMM_ONE(op_fmt(5), 5, p);		\
		YMM_ONE(op_fmt(6), 6, p); YMM_ONE(op_fmt(7), 7, p);		\
		YMM_ONE(op_fmt(8), 8, p); YMM_ONE(op_fmt(9), 9, p);		\
		YMM_ONE(op_fmt(10), 10, p); YMM_ONE(op_fmt(11), 11, p);	\
		YMM_ONE(op_fmt(12), 12, p); YMM_ONE(op_fmt(13), 13, p);	\
		YMM_ONE(op_fmt(14), 14, p); YMM_ONE(op_fmt(15), 15, p);	\
	} while (0)
#define YMM_LOAD_OP(n)		"vmovdqu (%0), %%ymm" #n
#define YMM_STORE_OP(n)		"vmovdqu %%ymm" #n ", (%0)"

static void ymm_load(const uint8_t *p)
{
	YMM_ALL(YMM_LOAD_OP, p);
}

static void ymm_store(uint8_t *p)
{
	YMM_ALL(YMM_STORE_OP, p);
}

static void ymm_pattern(uint8_t *p, uint8_t seed)
{
	unsigned int i;

	for (i = 0; i < NR_YMM * 32; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* ---- guest side ------------------------------------------------------------ */

static volatile uint64_t gp_count, ud_count;

/* Set by the host before the VM is made (the guest image is a copy). */
static uint64_t xcr0_supported;		/* 0xD.0 EDX:EAX of the supported table */
static uint32_t xsave_size_all;		/* 0xD.0 ECX: the area for all of it */
static uint32_t xsave_1_eax;		/* 0xD.1 EAX: XSAVEOPT, XSAVEC, XGETBV1, XSAVES */

static void guest_gp_skip3(struct ex_regs *regs)
{
	gp_count++;
	regs->rip += 3;		/* XSETBV, MOV to CR4 from RAX: three bytes */
}

static void guest_ud_skip(struct ex_regs *regs)
{
	ud_count++;
	/* XSETBV (0f 01 d1) or vxorps %ymm0,%ymm0,%ymm0 (c5 fc 57 c0). */
	regs->rip += *(const uint8_t *)regs->rip == 0x0f ? 3 : 4;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %%rax, %%cr4" : : "a"(v) : "memory");
}

/* XSETBV; returns 'g' for #GP, 'u' for #UD, 0 if it was taken. */
static char xsetbv_fault(uint32_t index, uint64_t v)
{
	uint64_t gp = gp_count, ud = ud_count;

	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return gp_count != gp ? 'g' : ud_count != ud ? 'u' : 0;
}

/* One AVX instruction; true if it raised #UD. */
static bool avx_ud(void)
{
	uint64_t ud = ud_count;

	__asm__ volatile("vxorps %%ymm0, %%ymm0, %%ymm0" : : : "memory");
	return ud_count != ud;
}

static uint32_t cpuid_reg(uint32_t leaf, uint32_t sub, int reg)
{
	uint32_t r[4];

	cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static void guest_enable_osxsave(void)
{
	write_cr4(read_cr4() | CR4_OSXSAVE);
}

/*
 * CPUID follows CR4 and XCR0: OSXSAVE mirrors CR4.OSXSAVE, 0xD.0 EBX is the
 * area for the current XCR0 (576 for x87 alone, 0xD.0 ECX for all of it).
 */
static void guest_cpuid_follows_state(void)
{
	GUEST_ASSERT(cpuid_reg(1, 0, 2) & L1_ECX_XSAVE);
	GUEST_ASSERT(!(cpuid_reg(1, 0, 2) & L1_ECX_OSXSAVE));
	guest_enable_osxsave();
	GUEST_ASSERT(cpuid_reg(1, 0, 2) & L1_ECX_OSXSAVE);
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87);		/* the reset value */
	GUEST_ASSERT_EQ(cpuid_reg(0xd, 0, 1), XSAVE_LEGACY_HEADER);
	GUEST_ASSERT_EQ(cpuid_reg(0xd, 0, 0) | ((uint64_t)cpuid_reg(0xd, 0, 3) << 32),
			xcr0_supported);
	GUEST_ASSERT_EQ(xsetbv_fault(0, xcr0_supported), 0);
	GUEST_ASSERT_EQ(xgetbv(0), xcr0_supported);
	GUEST_ASSERT_EQ(cpuid_reg(0xd, 0, 1), xsave_size_all);
	GUEST_ASSERT_EQ(cpuid_reg(0xd, 0, 2), xsave_size_all);
	write_cr4(read_cr4() & ~CR4_OSXSAVE);
	GUEST_ASSERT(!(cpuid_reg(1, 0, 2) & L1_ECX_OSXSAVE));
	GUEST_DONE();
}

/* XSETBV's #GP and #UD rules; XCR0 keeps its value through every refusal. */
static void guest_xsetbv_rules(void)
{
	uint64_t full = xcr0_supported;

	guest_install_handler(GP_VECTOR, guest_gp_skip3);
	guest_install_handler(UD_VECTOR, guest_ud_skip);
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE), 'u');	/* no CR4.OSXSAVE */
	guest_enable_osxsave();
	GUEST_ASSERT_EQ(xsetbv_fault(0, full), 0);
	GUEST_ASSERT_EQ(xsetbv_fault(1, full), 'g');			/* only XCR0 exists */
	GUEST_ASSERT_EQ(xsetbv_fault(0, 0), 'g');			/* x87 is mandatory */
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_SSE), 'g');
	GUEST_ASSERT_EQ(xsetbv_fault(0, full | XCR0_PKRU), 'g');	/* PKU not offered */
	GUEST_ASSERT_EQ(xsetbv_fault(0, full | (1ULL << 62)), 'g');	/* reserved */
	if (full & XCR0_YMM)
		GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_YMM), 'g');	/* AVX needs SSE */
	if (full & XCR0_AVX512) {
		/* AVX-512: all three components, and only with AVX. */
		GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_YMM | (1ULL << 5)),
				'g');
		GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_AVX512), 'g');
	}
	GUEST_ASSERT_EQ(xgetbv(0), full);
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE), 0);
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE);
	GUEST_DONE();
}

/*
 * The host's table without AVX (0xD.0 EAX lacks YMM, leaf 1 lacks AVX):
 * XSETBV with YMM is #GP, without it fine.
 */
static void guest_xsetbv_follows_cpuid(void)
{
	guest_install_handler(GP_VECTOR, guest_gp_skip3);
	GUEST_ASSERT(!(cpuid_reg(1, 0, 2) & L1_ECX_AVX));
	guest_enable_osxsave();
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_YMM), 'g');
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE), 0);
	GUEST_DONE();
}

/*
 * The guest's XCR0 is in force while it runs: without YMM in it, AVX is
 * #UD (with the host's XCR0 it would run).  The host checks its own XCR0
 * at each SYNC.
 */
static void guest_xcr0_in_force(void)
{
	guest_install_handler(UD_VECTOR, guest_ud_skip);
	guest_enable_osxsave();
	GUEST_ASSERT(avx_ud());					/* XCR0 = x87 */
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE), 0);
	GUEST_ASSERT(avx_ud());
	GUEST_SYNC(1);
	GUEST_ASSERT(avx_ud());					/* still, after an exit */
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_YMM), 0);
	GUEST_ASSERT(!avx_ud());
	GUEST_SYNC(2);
	GUEST_ASSERT(!avx_ud());
	GUEST_DONE();
}

#define STATE_ROUNDS	20

static uint8_t guest_ymm_want[NR_YMM * 32], guest_ymm_seen[NR_YMM * 32];

/*
 * The guest's YMM registers hold their values across exits to the kernel
 * (CPUID) and to userspace (SYNC), while the host fills its own with
 * another pattern at each SYNC.
 */
static void guest_ymm_preserved(void)
{
	unsigned int round;
	uint32_t a, b, c, d;

	guest_enable_osxsave();
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_YMM), 0);
	ymm_pattern(guest_ymm_want, 0x5a);
	ymm_load(guest_ymm_want);
	for (round = 0; round < STATE_ROUNDS; round++) {
		cpuid_count(0, 0, &a, &b, &c, &d);
		GUEST_SYNC_ARGS(1, round, 0, 0);
		ymm_store(guest_ymm_seen);
		if (guest_memcmp(guest_ymm_seen, guest_ymm_want, sizeof(guest_ymm_want)))
			GUEST_SYNC_ARGS(0xbad, round, 0, 0);
	}
	GUEST_DONE();
}

static uint8_t xsave_area[8192] __attribute__((aligned(64)));

#define XSAVE_FAMILY(name, insn)						\
static void name(uint64_t mask)							\
{										\
	__asm__ volatile(insn " (%0)" : : "r"(xsave_area), "a"((uint32_t)mask),	\
			 "d"((uint32_t)(mask >> 32)) : "memory");		\
}
XSAVE_FAMILY(xsave_all, "xsave")
XSAVE_FAMILY(xsaveopt_all, "xsaveopt")
XSAVE_FAMILY(xsavec_all, "xsavec")
XSAVE_FAMILY(xrstor_all, "xrstor")

/* XSAVE, XSAVEOPT (if offered) and XRSTOR move the AVX state; XSAVEC compacts. */
static void guest_xsave_instructions(void)
{
	uint64_t xcr0 = XCR0_X87 | XCR0_SSE | XCR0_YMM;
	uint64_t *xstate_bv = (uint64_t *)(xsave_area + 512);

	guest_enable_osxsave();
	GUEST_ASSERT_EQ(xsetbv_fault(0, xcr0), 0);
	ymm_pattern(guest_ymm_want, 0x33);
	ymm_load(guest_ymm_want);
	guest_memset(xsave_area, 0, sizeof(xsave_area));
	xsave_all(~0ULL);
	GUEST_ASSERT(*xstate_bv & XCR0_YMM);
	GUEST_ASSERT(!(*xstate_bv & ~xcr0));
	/* Upper halves at the YMM component's offset (0xD.2 EBX), register 1's second half. */
	GUEST_ASSERT_EQ(guest_memcmp(xsave_area + cpuid_reg(0xd, 2, 1) + 16,
				     guest_ymm_want + 32 + 16, 16), 0);
	ymm_pattern(guest_ymm_seen, 0x77);
	ymm_load(guest_ymm_seen);				/* other values */
	xrstor_all(~0ULL);
	ymm_store(guest_ymm_seen);
	GUEST_ASSERT_EQ(guest_memcmp(guest_ymm_seen, guest_ymm_want, sizeof(guest_ymm_want)), 0);
	if (xsave_1_eax & 1) {					/* XSAVEOPT */
		xsaveopt_all(~0ULL);
		GUEST_ASSERT(*xstate_bv & XCR0_YMM);
	}
	if (xsave_1_eax & 2) {					/* XSAVEC */
		guest_memset(xsave_area, 0, sizeof(xsave_area));
		xsavec_all(~0ULL);
		/* XCOMP_BV: bit 63 (compacted format) and at least the AVX component. */
		GUEST_ASSERT(((uint64_t *)(xsave_area + 512))[1] & (1ULL << 63));
		GUEST_ASSERT(((uint64_t *)(xsave_area + 512))[1] & XCR0_YMM);
		/* The first extended component follows the header directly. */
		GUEST_ASSERT_EQ(guest_memcmp(xsave_area + XSAVE_LEGACY_HEADER + 16,
					     guest_ymm_want + 32 + 16, 16), 0);
	}
	GUEST_DONE();
}

/* ---- host side ------------------------------------------------------------- */

static struct hv_cpuid *supported;

/* The points need XSAVE and AVX on the host (its own CPUID says whether the kernel enabled them). */
static void require_host_avx(void)
{
	uint32_t a, b, c, d;
	struct hv_cpuid_entry *e;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & L1_ECX_OSXSAVE))
		TEST_SKIP("the host kernel runs without XSAVE (CPUID.1:ECX.OSXSAVE clear)");
	if (!(xgetbv(0) & XCR0_YMM) || !(c & L1_ECX_AVX))
		TEST_SKIP("the host kernel has no AVX state enabled (XCR0.YMM clear)");
	supported = hv_get_supported_cpuid();
	e = hv_cpuid_find(supported, 1, 0);
	TEST_ASSERT(e && (e->ecx & L1_ECX_XSAVE) && (e->ecx & L1_ECX_AVX),
		    "the host has XSAVE and AVX, hv does not offer them (leaf 1 ECX %#x)",
		    e ? e->ecx : 0);
	TEST_ASSERT(!(e->ecx & L1_ECX_OSXSAVE), "the supported table claims OSXSAVE");
	e = hv_cpuid_find(supported, 0xd, 0);
	TEST_ASSERT(e, "the supported table has no leaf 0xD");
	xcr0_supported = e->eax | ((uint64_t)e->edx << 32);
	xsave_size_all = e->ecx;
	/* The same size the host's CPU reports for the same XCR0, where the host's XCR0 is that. */
	if (xgetbv(0) == xcr0_supported) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
		TEST_ASSERT(b == xsave_size_all, "0xD.0 ECX %u, the host CPU says %u for XCR0 %#llx",
			    xsave_size_all, b, (unsigned long long)xcr0_supported);
	}
	TEST_ASSERT((xcr0_supported & 7) == 7 && !(xcr0_supported & ~xgetbv(0)),
		    "0xD.0 offers XCR0 %#llx, the host has %#llx",
		    (unsigned long long)xcr0_supported, (unsigned long long)xgetbv(0));
	e = hv_cpuid_find(supported, 0xd, 1);
	TEST_ASSERT(e, "the supported table has no leaf 0xD.1");
	xsave_1_eax = e->eax;
	e = hv_cpuid_find(supported, 0xd, 2);
	TEST_ASSERT(e && e->eax == 256 && e->ebx == 576,
		    "0xD.2 (AVX) is not 256 bytes at 576: %#x at %#x", e ? e->eax : 0,
		    e ? e->ebx : 0);
}

/* Runs @guest to DONE on the default CPUID table; SYNCs are not expected. */
static void run_to_done(void *guest)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest);

	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void test_cpuid_follows_state(void)
{
	require_host_avx();
	run_to_done(guest_cpuid_follows_state);
}

static void test_xsetbv_rules(void)
{
	require_host_avx();
	run_to_done(guest_xsetbv_rules);
}

static void test_xsetbv_follows_cpuid(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_cpuid_entry *e;

	require_host_avx();
	/*
	 * The one point that needs the intercept: elsewhere hv reads a
	 * guest's XCR0 back at the exit (module/x86/xsave.c), here the CPU
	 * must not take a value the CPU itself supports.
	 */
	if (host_is_qemu_tcg())
		TEST_SKIP("QEMU 7.2's TCG ignores the XSETBV intercept under SVM: the CPU, not hv, checks the value");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_xsetbv_follows_cpuid);
	e = hv_cpuid_find(supported, 1, 0);
	e->ecx &= ~L1_ECX_AVX;
	e = hv_cpuid_find(supported, 0xd, 0);
	e->eax &= ~(uint32_t)XCR0_YMM;
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, supported) == 0, "HV_SET_CPUID");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void test_xcr0_in_force(void)
{
	uint64_t host_xcr0;
	struct vm *vm;
	struct vcpu *vcpu;

	require_host_avx();
	host_xcr0 = xgetbv(0);
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_xcr0_in_force);
	vcpu_expect_sync(vcpu, 1);
	/* The guest's XCR0 (x87|SSE) must not have stayed: the host's AVX would be #UD. */
	TEST_ASSERT(xgetbv(0) == host_xcr0, "host XCR0 %#llx after HV_RUN, was %#llx",
		    (unsigned long long)xgetbv(0), (unsigned long long)host_xcr0);
	__asm__ volatile("vxorps %%ymm0, %%ymm0, %%ymm0" : : : "memory");
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT(xgetbv(0) == host_xcr0, "host XCR0 changed");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void test_ymm_preserved(void)
{
	uint8_t host_want[NR_YMM * 32], host_seen[NR_YMM * 32];
	struct ucall uc;
	struct vm *vm;
	struct vcpu *vcpu;
	unsigned int round = 0;
	uint64_t cmd;
	int r;

	require_host_avx();
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_ymm_preserved);
	ymm_pattern(host_want, 0xc3);
	for (;;) {
		/*
		 * The host's registers across HV_RUN: the guest's values must not
		 * come back to it (the ioctl wrapper uses no vector register).
		 */
		ymm_load(host_want);
		r = ioctl(vcpu->fd, HV_RUN, 0);
		ymm_store(host_seen);
		TEST_ASSERT(r == 0, "HV_RUN: %s", strerror(errno));
		TEST_ASSERT(!memcmp(host_seen, host_want, sizeof(host_want)),
			    "the host's YMM registers changed across HV_RUN (round %u)", round);
		cmd = vcpu_get_ucall(vcpu, &uc);
		if (cmd == UCALL_ASSERT)
			ucall_print(vcpu, &uc);
		TEST_ASSERT(cmd == UCALL_SYNC || cmd == UCALL_DONE, "guest ended with %s",
			    ucall_name(cmd));
		if (cmd == UCALL_DONE)
			break;
		TEST_ASSERT(uc.args[0] == 1, "the guest's YMM registers changed in round %llu",
			    (unsigned long long)uc.args[1]);
		round++;
		/* Another pattern in the host's registers while the guest is out. */
		ymm_pattern(host_want, (uint8_t)(0xc3 + round));
	}
	TEST_ASSERT(round == STATE_ROUNDS, "%u rounds, expected %u", round, STATE_ROUNDS);
	vm_destroy(vm);
}

static void test_xsave_instructions(void)
{
	require_host_avx();
	run_to_done(guest_xsave_instructions);
}

/*
 * HV_SET_SREGS with CR4.OSXSAVE: accepted when the table offers XSAVE, and
 * the guest then sees OSXSAVE in CPUID (covered above); refused without it
 * (cpu_policy_test/sregs_follow_guest_cpuid).
 */
static void guest_osxsave_from_sregs(void)
{
	GUEST_ASSERT(read_cr4() & CR4_OSXSAVE);
	GUEST_ASSERT(cpuid_reg(1, 0, 2) & L1_ECX_OSXSAVE);
	GUEST_ASSERT_EQ(xsetbv_fault(0, XCR0_X87 | XCR0_SSE | XCR0_YMM), 0);
	GUEST_DONE();
}

static void test_osxsave_from_sregs(void)
{
	struct hv_sregs s;
	struct vm *vm;
	struct vcpu *vcpu;

	require_host_avx();
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_osxsave_from_sregs);
	vcpu_sregs_get(vcpu, &s);
	s.cr4 |= CR4_OSXSAVE;
	TEST_ASSERT(__vcpu_sregs_set(vcpu, &s) == 0, "HV_SET_SREGS with CR4.OSXSAVE: %s",
		    strerror(errno));
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "cpuid_follows_cr4_and_xcr0", test_cpuid_follows_state, 0 },
	{ "xsetbv_rules", test_xsetbv_rules, 0 },
	{ "xsetbv_follows_guest_cpuid", test_xsetbv_follows_cpuid, 0 },
	{ "guest_xcr0_in_force_host_xcr0_back", test_xcr0_in_force, 0 },
	{ "ymm_preserved_across_exits", test_ymm_preserved, 0 },
	{ "xsave_xrstor_xsavec", test_xsave_instructions, 0 },
	{ "osxsave_from_sregs", test_osxsave_from_sregs, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
