// SPDX-License-Identifier: GPL-2.0
/*
 * realmode_test: 16-bit real-mode guests (CR0.PE = 0) written as raw
 * machine code.  SVM runs real mode natively; VMX needs unrestricted
 * guest.
 */
#include <string.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define CODE_SEG	0x100		/* CS base 0x1000 */
#define DATA_SEG	0x200		/* DS/SS base 0x2000 */
#define EXTRA_SEG	0x300		/* ES base 0x3000 */
#define STACK_TOP	0x1000		/* SS:SP = 0x3000 linear */

static void rm_seg(struct hv_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

static struct vcpu *realmode_vcpu(struct vm *vm, const uint8_t *code, size_t len)
{
	struct vcpu *vcpu = vm_vcpu_add_bare(vm, 0);
	struct hv_sregs sregs;
	struct hv_regs regs;

	memcpy(addr_gpa2hva(vm, (uint64_t)CODE_SEG << 4), code, len);

	vcpu_sregs_get(vcpu, &sregs);
	rm_seg(&sregs.cs, CODE_SEG, 0xb);
	rm_seg(&sregs.ds, DATA_SEG, 0x3);
	rm_seg(&sregs.ss, DATA_SEG, 0x3);
	rm_seg(&sregs.es, EXTRA_SEG, 0x3);
	rm_seg(&sregs.fs, 0, 0x3);
	rm_seg(&sregs.gs, 0, 0x3);
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.limit = 0xffff;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.limit = 0xffff;
	sregs.ldt.type = 0x2;
	sregs.ldt.present = 1;
	sregs.gdt.base = 0;
	sregs.gdt.limit = 0xffff;
	sregs.idt.base = 0;
	sregs.idt.limit = 0x3ff;
	sregs.cr0 = X86_CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = 0;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

static uint32_t expect_io16(struct vcpu *vcpu, uint8_t dir, uint8_t size, uint16_t port)
{
	struct hv_run *run = vcpu->run;
	uint32_t v = 0;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(run->io.direction == dir && run->io.size == size && run->io.port == port &&
		    run->io.count == 1, "io exit dir %u size %u port %#x count %u (expected %u %u %#x 1)",
		    run->io.direction, run->io.size, run->io.port, run->io.count, dir, size, port);
	TEST_ASSERT(run->io.data_offset + size <= vcpu->run_size, "data outside the mapping");
	if (dir == HV_IO_DIR_OUT)
		memcpy(&v, vcpu_io_data(vcpu), size);
	return v;
}

static void expect_hlt_at(struct vcpu *vcpu, uint64_t ip)
{
	struct hv_regs regs;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(regs.rip == ip, "HLT exit at IP %#llx, expected %#llx",
		    (unsigned long long)regs.rip, (unsigned long long)ip);
}

static void test_arith_out(void)
{
	static const uint8_t code[] = {
		0xb8, 0x07, 0x00,	/* 0x00 mov ax, 7 */
		0xbb, 0x06, 0x00,	/* 0x03 mov bx, 6 */
		0xf7, 0xe3,		/* 0x06 mul bx          ; dx:ax = 42 */
		0x05, 0x00, 0x01,	/* 0x08 add ax, 0x100   ; 0x12a */
		0xe7, 0x10,		/* 0x0b out 0x10, ax */
		0xa3, 0x00, 0x02,	/* 0x0d mov [0x200], ax ; DS:0x200 */
		0xb9, 0x0a, 0x00,	/* 0x10 mov cx, 10 */
		0x31, 0xc0,		/* 0x13 xor ax, ax */
		0x01, 0xc8,		/* 0x15 add ax, cx */
		0xe2, 0xfc,		/* 0x17 loop 0x15       ; ax = 55 */
		0xe7, 0x12,		/* 0x19 out 0x12, ax */
		0xf4,			/* 0x1b hlt */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = realmode_vcpu(vm, code, sizeof(code));
	struct hv_sregs sregs;
	struct hv_regs regs;
	uint16_t *mem;
	uint32_t v;

	v = expect_io16(vcpu, HV_IO_DIR_OUT, 2, 0x10);
	TEST_ASSERT(v == 0x12a, "7 * 6 + 0x100 = %#x", v);
	v = expect_io16(vcpu, HV_IO_DIR_OUT, 2, 0x12);
	TEST_ASSERT(v == 55, "sum 1..10 = %u", v);
	expect_hlt_at(vcpu, 0x1c);

	mem = addr_gpa2hva(vm, ((uint64_t)DATA_SEG << 4) + 0x200);
	TEST_ASSERT(*mem == 0x12a, "DS:0x200 holds %#x", *mem);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT((regs.rax & 0xffff) == 55 && (regs.rcx & 0xffff) == 0 &&
		    (regs.rdx & 0xffff) == 0 && (regs.rbx & 0xffff) == 6,
		    "registers ax %#llx bx %#llx cx %#llx dx %#llx", (unsigned long long)regs.rax,
		    (unsigned long long)regs.rbx, (unsigned long long)regs.rcx,
		    (unsigned long long)regs.rdx);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT(!(sregs.cr0 & X86_CR0_PE) && sregs.cs.selector == CODE_SEG &&
		    sregs.cs.base == (uint64_t)CODE_SEG << 4,
		    "after the run: cr0 %#llx cs %#x base %#llx", (unsigned long long)sregs.cr0,
		    sregs.cs.selector, (unsigned long long)sregs.cs.base);
	vm_destroy(vm);
}

static void test_in_call_segments(void)
{
	static const uint8_t code[] = {
		0xe4, 0x20,		/* 0x00 in al, 0x20     ; host: 5 */
		0x30, 0xe4,		/* 0x02 xor ah, ah */
		0x50,			/* 0x04 push ax */
		0xe8, 0x07, 0x00,	/* 0x05 call 0x0f */
		0x59,			/* 0x08 pop cx          ; cx = 5 */
		0x26, 0x89, 0x05,	/* 0x09 mov es:[di], ax */
		0xe7, 0x14,		/* 0x0c out 0x14, ax */
		0xf4,			/* 0x0e hlt */
		0xd1, 0xe0,		/* 0x0f shl ax, 1 */
		0x05, 0x03, 0x00,	/* 0x11 add ax, 3 */
		0xc3,			/* 0x14 ret */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = realmode_vcpu(vm, code, sizeof(code));
	struct hv_regs regs;
	uint16_t *mem;
	uint8_t five = 5;
	uint32_t v;

	vcpu_regs_get(vcpu, &regs);
	regs.rdi = 0x10;
	vcpu_regs_set(vcpu, &regs);

	expect_io16(vcpu, HV_IO_DIR_IN, 1, 0x20);
	memcpy(vcpu_io_data(vcpu), &five, 1);
	v = expect_io16(vcpu, HV_IO_DIR_OUT, 2, 0x14);
	TEST_ASSERT(v == 13, "5 * 2 + 3 = %u", v);
	expect_hlt_at(vcpu, 0x0f);

	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT((regs.rcx & 0xffff) == 5, "pop cx gave %#llx", (unsigned long long)regs.rcx);
	TEST_ASSERT((regs.rsp & 0xffff) == STACK_TOP, "SP %#llx after push/call/ret/pop",
		    (unsigned long long)regs.rsp);
	mem = addr_gpa2hva(vm, ((uint64_t)EXTRA_SEG << 4) + 0x10);
	TEST_ASSERT(*mem == 13, "ES:DI holds %#x", *mem);
	mem = addr_gpa2hva(vm, ((uint64_t)DATA_SEG << 4) + STACK_TOP - 2);
	TEST_ASSERT(*mem == 5, "stack slot SS:SP-2 holds %#x, expected the pushed 5", *mem);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "realmode_arith_loop_out", test_arith_out, 0 },
	{ "realmode_in_call_segments", test_in_call_segments, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
