// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_test: the MMIO instruction emulator as a guest sees it.  Each
 * instruction form that may touch MMIO runs against an unbacked page; the
 * host answers its read exit and checks its write exit (a read-modify-write
 * is a read exit, then a write exit with the result; CMP, TEST and BT have
 * no write).  The guest runs the same instruction on RAM holding the value
 * the host supplied and compares registers and arithmetic flags, so the
 * expected flags are the CPU's own.
 */
#include <stdlib.h>
#include <string.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define MMIO_GPA	0xd0000000ULL	/* no slot there */
#define FL_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define FL_LOGIC	0x8c5ULL	/* AF is undefined after AND/OR/XOR/TEST */
#define FL_CF		0x1ULL
#define FL_ALL_SET	0x8d7ULL	/* the flags preset before each instruction */

/* RAM the guest runs the same instructions on. */
static uint8_t ram_area[256] __attribute__((aligned(64)));
static uint32_t movs_dst[4];
static uint16_t movs_src[2] = { 0xa1a1, 0xb2b2 };

/* Guest code: zero ram_area, then put @v at @off (no libc: its SIMD needs state the guest lacks). */
static void guest_ram_set(unsigned int off, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < sizeof(ram_area); i++)
		ram_area[i] = 0;
	for (i = 0; i < 8; i++)
		ram_area[off + i] = v >> (8 * i);
}

/*
 * Run @insn (an asm template: %[m] the memory address, %[v] a register
 * holding @val) with all arithmetic flags set first; evaluates to the flags.
 */
#define OP_FLAGS(insn, ptr, val)						\
	({									\
		uint64_t __f = FL_ALL_SET;					\
		__asm__ volatile("pushq %[f]\n\tpopfq\n\t" insn "\n\tpushfq\n\tpopq %[f]" \
				 : [f] "+&r"(__f), [v] "+r"(val)		\
				 : [m] "r"(ptr) : "memory", "cc");		\
		__f;								\
	})

/*
 * @insn on MMIO at @off (the CPU accesses @acc) and on RAM holding @init at
 * the same place: the same flags (under @mask) and the same register.
 */
#define CHECK(insn, off, acc, init, val, mask)					\
	do {									\
		uint64_t __vm = (val), __vr = (val), __i = (init);		\
		uint64_t __fm, __fr;						\
		guest_ram_set((acc), __i);					\
		__fm = OP_FLAGS(insn, (uint8_t *)MMIO_GPA + (off), __vm);	\
		__fr = OP_FLAGS(insn, ram_area + (off), __vr);			\
		GUEST_ASSERT_EQ(__fm & (mask), __fr & (mask));			\
		GUEST_ASSERT_EQ(__vm, __vr);					\
	} while (0)

struct access {
	uint32_t off;		/* from MMIO_GPA */
	uint8_t len;
	uint8_t is_write;
	uint64_t data;		/* read: what the host supplies; write: what it expects */
};

#define RD(o, l, d) { (o), (l), 0, (d) }
#define WR(o, l, d) { (o), (l), 1, (d) }

static void expect_access(struct vcpu *vcpu, const struct access *a, unsigned int i)
{
	struct hv_run *run = vcpu->run;
	uint64_t got = 0;

	vcpu_run(vcpu);
	if (run->exit_reason != HV_EXIT_MMIO || run->mmio.is_write != a->is_write ||
	    run->mmio.phys_addr != MMIO_GPA + a->off || run->mmio.len != a->len)
		vcpu_dump_exit(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write == a->is_write, "access %u: is_write %u, expected %u", i,
		    run->mmio.is_write, a->is_write);
	TEST_ASSERT(run->mmio.phys_addr == MMIO_GPA + a->off,
		    "access %u: phys_addr %#llx, expected %#llx", i,
		    (unsigned long long)run->mmio.phys_addr,
		    (unsigned long long)(MMIO_GPA + a->off));
	TEST_ASSERT(run->mmio.len == a->len, "access %u: len %u, expected %u", i, run->mmio.len,
		    a->len);
	if (a->is_write) {
		memcpy(&got, run->mmio.data, a->len);
		TEST_ASSERT(got == a->data, "access %u: wrote %#llx, expected %#llx", i,
			    (unsigned long long)got, (unsigned long long)a->data);
	} else {
		memset(run->mmio.data, 0xcc, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &a->data, a->len);
	}
}

/* The guest's accesses in order, then its SYNC 1 and DONE. */
static void run_accesses(void (*guest)(void), const struct access *a, unsigned int n)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu;
	unsigned int i;

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	vcpu = vm_vcpu_add(vm, 0, guest);
	for (i = 0; i < n; i++)
		expect_access(vcpu, &a[i], i);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

#define RUN(guest, accesses) run_accesses(guest, accesses, ARRAY_SIZE(accesses))

/* ---- ALU read-modify-write ------------------------------------------------------ */

static void guest_alu_rmw(void)
{
	CHECK("orl %k[v], (%[m])", 0, 0, 0x0f, 0xf0, FL_LOGIC);
	CHECK("andb $0xf0, (%[m])", 8, 8, 0x0f, 0, FL_LOGIC);
	CHECK("addq %q[v], (%[m])", 16, 16, ~0ULL, 1, FL_ARITH);
	CHECK("xorw $0x7fff, (%[m])", 24, 24, 0x8000, 0, FL_LOGIC);
	CHECK("subl $1, (%[m])", 32, 32, 0, 0, FL_ARITH);
	CHECK("adcl %k[v], (%[m])", 40, 40, 0x7fffffff, 0, FL_ARITH);	/* CF=1 in */
	CHECK("sbbb %b[v], (%[m])", 48, 48, 0, 0, FL_ARITH);		/* CF=1 in */
	CHECK("lock incl (%[m])", 56, 56, 0xffffffff, 0, FL_ARITH);	/* keeps CF */
	CHECK("negq (%[m])", 64, 64, 5, 0, FL_ARITH);
	CHECK("notl (%[m])", 72, 72, 0x0f0f0f0f, 0, FL_ARITH);		/* no flag changes */
	CHECK("addl (%[m]), %k[v]", 80, 80, 0x10, 0x7ffffff0, FL_ARITH);	/* to the register */
	CHECK("lock orw %w[v], (%[m])", 88, 88, 0x0101, 0x8000, FL_LOGIC);
	CHECK("decb (%[m])", 96, 96, 0x80, 0, FL_ARITH);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_alu_rmw(void)
{
	static const struct access a[] = {
		RD(0, 4, 0x0f), WR(0, 4, 0xff),
		RD(8, 1, 0x0f), WR(8, 1, 0),
		RD(16, 8, ~0ULL), WR(16, 8, 0),
		RD(24, 2, 0x8000), WR(24, 2, 0xffff),
		RD(32, 4, 0), WR(32, 4, 0xffffffff),
		RD(40, 4, 0x7fffffff), WR(40, 4, 0x80000000),
		RD(48, 1, 0), WR(48, 1, 0xff),
		RD(56, 4, 0xffffffff), WR(56, 4, 0),
		RD(64, 8, 5), WR(64, 8, -5ULL),
		RD(72, 4, 0x0f0f0f0f), WR(72, 4, 0xf0f0f0f0),
		RD(80, 4, 0x10),		/* ADD r32, m32: no write */
		RD(88, 2, 0x0101), WR(88, 2, 0x8101),
		RD(96, 1, 0x80), WR(96, 1, 0x7f),
	};

	RUN(guest_alu_rmw, a);
}

/* ---- CMP, TEST, BT: a read and no write ------------------------------------------- */

static void guest_cmp_test_no_write(void)
{
	CHECK("cmpl $5, (%[m])", 0, 0, 5, 0, FL_ARITH);
	CHECK("testb $0x80, (%[m])", 8, 8, 0x80, 0, FL_LOGIC);
	CHECK("cmpq (%[m]), %q[v]", 16, 16, 7, 3, FL_ARITH);
	CHECK("testl %k[v], (%[m])", 24, 24, 0xf0f0, 0x0f0f, FL_LOGIC);
	CHECK("btl $3, (%[m])", 32, 32, 8, 0, FL_CF);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_cmp_test_no_write(void)
{
	/* A write exit anywhere here fails expect_access() or vcpu_expect_sync(). */
	static const struct access a[] = {
		RD(0, 4, 5), RD(8, 1, 0x80), RD(16, 8, 7), RD(24, 4, 0xf0f0), RD(32, 4, 8),
	};

	RUN(guest_cmp_test_no_write, a);
}

/* ---- XCHG ------------------------------------------------------------------------- */

static void guest_xchg(void)
{
	uint64_t v = 0x1111222233334444ULL;

	__asm__ volatile("xchgq %0, (%1)" : "+r"(v) : "r"(MMIO_GPA) : "memory");
	GUEST_ASSERT_EQ(v, 0x5555666677778888ULL);
	v = 0x99999999999999abULL;
	__asm__ volatile("xchgb %b0, (%1)" : "+r"(v) : "r"(MMIO_GPA + 8) : "memory");
	GUEST_ASSERT_EQ(v, 0x99999999999999cdULL);
	v = 0x99999999aaaabbbbULL;
	__asm__ volatile("xchgl %k0, (%1)" : "+r"(v) : "r"(MMIO_GPA + 16) : "memory");
	GUEST_ASSERT_EQ(v, 0xccccddddULL);	/* a 32-bit register write zero-extends */
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_xchg(void)
{
	static const struct access a[] = {
		RD(0, 8, 0x5555666677778888ULL), WR(0, 8, 0x1111222233334444ULL),
		RD(8, 1, 0xcd), WR(8, 1, 0xab),
		RD(16, 4, 0xccccdddd), WR(16, 4, 0xaaaabbbb),
	};

	RUN(guest_xchg, a);
}

/* ---- BT, BTS, BTR, BTC ------------------------------------------------------------ */

static void guest_bt_family(void)
{
	CHECK("btsl $5, (%[m])", 0, 0, 0, 0, FL_CF);
	/* Register bit offsets address further words: 35 is bit 3 of the next dword. */
	CHECK("btrl %k[v], (%[m])", 64, 68, 8, 35, FL_CF);
	CHECK("btcw $17, (%[m])", 8, 8, 2, 0, FL_CF);
	/* A negative offset: -1 is bit 63 of the qword below. */
	CHECK("btq %q[v], (%[m])", 128, 120, 1ULL << 63, -1ULL, FL_CF);
	CHECK("lock btsq %q[v], (%[m])", 32, 40, 0, 67, FL_CF);
	CHECK("btcl %k[v], (%[m])", 160, 160, 0xffffffff, 31, FL_CF);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_bt_family(void)
{
	static const struct access a[] = {
		RD(0, 4, 0), WR(0, 4, 0x20),
		RD(68, 4, 8), WR(68, 4, 0),
		RD(8, 2, 2), WR(8, 2, 0),
		RD(120, 8, 1ULL << 63),		/* BT: no write */
		RD(40, 8, 0), WR(40, 8, 8),
		RD(160, 4, 0xffffffff), WR(160, 4, 0x7fffffff),
	};

	RUN(guest_bt_family, a);
}

/* ---- MOVZX, MOVSX, MOVNTI --------------------------------------------------------- */

static void guest_movzx_movsx(void)
{
	uint64_t v = ~0ULL;

	__asm__ volatile("movzbl (%1), %k0" : "+r"(v) : "r"(MMIO_GPA + 1) : "memory");
	GUEST_ASSERT_EQ(v, 0x80);
	v = 0;
	__asm__ volatile("movsbl (%1), %k0" : "+r"(v) : "r"(MMIO_GPA + 2) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffff80ULL);
	__asm__ volatile("movswq (%1), %0" : "+r"(v) : "r"(MMIO_GPA + 4) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffffffffff8000ULL);
	v = 0x1111111111111111ULL;
	__asm__ volatile("movzbw (%1), %w0" : "+r"(v) : "r"(MMIO_GPA + 6) : "memory");
	GUEST_ASSERT_EQ(v, 0x11111111111100feULL);
	v = 0x1122334455667788ULL;
	__asm__ volatile("movnti %k0, (%1)" : : "r"(v), "r"(MMIO_GPA + 16) : "memory");
	__asm__ volatile("movnti %0, (%1)" : : "r"(v), "r"(MMIO_GPA + 24) : "memory");
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_movzx_movsx(void)
{
	static const struct access a[] = {
		RD(1, 1, 0x80), RD(2, 1, 0x80), RD(4, 2, 0x8000), RD(6, 1, 0xfe),
		WR(16, 4, 0x55667788), WR(24, 8, 0x1122334455667788ULL),
	};

	RUN(guest_movzx_movsx, a);
}

/* ---- STOS, MOVS, LODS ------------------------------------------------------------- */

static void guest_stos_rep(void)
{
	uint64_t rdi = MMIO_GPA, rcx = 3, rax = 0x11111111deadbeefULL;

	__asm__ volatile("rep stosl" : "+D"(rdi), "+c"(rcx) : "a"(rax) : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 12);
	GUEST_ASSERT_EQ(rcx, 0);
	/* DF: downwards. */
	rdi = MMIO_GPA + 0x23;
	rcx = 2;
	__asm__ volatile("std\n\trep stosb\n\tcld" : "+D"(rdi), "+c"(rcx) : "a"(0x5a) : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x21);
	GUEST_ASSERT_EQ(rcx, 0);
	/* No REP: one element, RCX untouched. */
	rdi = MMIO_GPA + 0x30;
	rcx = 7;
	__asm__ volatile("stosw" : "+D"(rdi), "+c"(rcx) : "a"(0xabcd) : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x32);
	GUEST_ASSERT_EQ(rcx, 7);
	/* REP with RCX = 0 touches nothing (no exit at all). */
	rcx = 0;
	__asm__ volatile("rep stosq" : "+D"(rdi), "+c"(rcx) : "a"(0) : "memory");
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x32);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_stos_rep(void)
{
	static const struct access a[] = {
		WR(0, 4, 0xdeadbeef), WR(4, 4, 0xdeadbeef), WR(8, 4, 0xdeadbeef),
		WR(0x23, 1, 0x5a), WR(0x22, 1, 0x5a),
		WR(0x30, 2, 0xabcd),
	};

	RUN(guest_stos_rep, a);
}

static void guest_movs_rep(void)
{
	uint64_t rsi = MMIO_GPA + 0x40, rdi = (uint64_t)(uintptr_t)movs_dst, rcx = 3, rax;

	/* MMIO to RAM. */
	__asm__ volatile("rep movsl" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x4c);
	GUEST_ASSERT_EQ(rdi, (uint64_t)(uintptr_t)&movs_dst[3]);
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(movs_dst[0], 0x1000);
	GUEST_ASSERT_EQ(movs_dst[1], 0x1001);
	GUEST_ASSERT_EQ(movs_dst[2], 0x1002);
	GUEST_ASSERT_EQ(movs_dst[3], 0);
	/* RAM to MMIO. */
	rsi = (uint64_t)(uintptr_t)movs_src;
	rdi = MMIO_GPA + 0x60;
	rcx = 2;
	__asm__ volatile("rep movsw" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	GUEST_ASSERT_EQ(rsi, (uint64_t)(uintptr_t)&movs_src[2]);
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x64);
	GUEST_ASSERT_EQ(rcx, 0);
	/* MMIO to MMIO: a read exit, then a write exit. */
	rsi = MMIO_GPA + 0x70;
	rdi = MMIO_GPA + 0x78;
	__asm__ volatile("movsq" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x78);
	/* LODS. */
	rsi = MMIO_GPA + 0x80;
	__asm__ volatile("lodsq" : "+S"(rsi), "=a"(rax) : : "memory");
	GUEST_ASSERT_EQ(rax, 0x0123456789abcdefULL);
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x88);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_movs_rep(void)
{
	static const struct access a[] = {
		RD(0x40, 4, 0x1000), RD(0x44, 4, 0x1001), RD(0x48, 4, 0x1002),
		WR(0x60, 2, 0xa1a1), WR(0x62, 2, 0xb2b2),
		RD(0x70, 8, 0xfeedfacecafebeefULL), WR(0x78, 8, 0xfeedfacecafebeefULL),
		RD(0x80, 8, 0x0123456789abcdefULL),
	};

	RUN(guest_movs_rep, a);
}

/* ---- MOVS whose RAM side does not translate: #PF in the guest ------------------- */

#define UNMAPPED_GVA	0x0000500000000000ULL

static volatile uint64_t pf_cr2, pf_error, pf_count;

static void guest_pf_handler(struct ex_regs *regs)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_cr2 = cr2;
	pf_error = regs->error_code;
	pf_count++;
	regs->rip += 1;		/* past the one-byte MOVSB */
}

static void guest_movs_fault(void)
{
	uint64_t rsi = MMIO_GPA, rdi = UNMAPPED_GVA + 0x10;

	guest_install_handler(PF_VECTOR, guest_pf_handler);
	__asm__ volatile("movsb" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(pf_count, 1);
	GUEST_ASSERT_EQ(pf_cr2, UNMAPPED_GVA + 0x10);
	GUEST_ASSERT_EQ(pf_error, 0x2);		/* not present, write, supervisor */
	GUEST_ASSERT_EQ(rsi, MMIO_GPA);		/* nothing moved */
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_movs_fault(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu;

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	vcpu = vm_vcpu_add(vm, 0, guest_movs_fault);
	/* No MMIO exit: the walk of the destination fails first. */
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "alu_rmw", test_alu_rmw, 0 },
	{ "cmp_test_no_write", test_cmp_test_no_write, 0 },
	{ "xchg", test_xchg, 0 },
	{ "bt_family", test_bt_family, 0 },
	{ "movzx_movsx_movnti", test_movzx_movsx, 0 },
	{ "stos_rep", test_stos_rep, 0 },
	{ "movs_rep", test_movs_rep, 0 },
	{ "movs_ram_side_page_fault", test_movs_fault, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
