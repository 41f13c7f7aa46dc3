// SPDX-License-Identifier: GPL-2.0
/*
 * usermode_test: exits taken from CPL 3 with SMEP and SMAP on.  Without
 * NRIP-save or decode assists hv fetches the exiting instruction (to skip
 * CPUID, to decode an MMIO access) and reads string I/O buffers by walking
 * the guest's page tables; those walks must be user accesses when the guest
 * runs at CPL 3, or SMEP/SMAP refuse them and the exit fails.  Linux user
 * space (CPUID in glibc and busybox) hit exactly this.
 *
 * The guest is raw 64-bit code in a 2 MiB user page (U/S set at every
 * level), entered directly at CPL 3 with IOPL 3 so that it may use ports.
 */
#include <errno.h>
#include <string.h>

#include "hv_util.h"
#include "processor.h"

KTAP_DEFINE_STATE;

#define PML4_GPA	0x1000ULL
#define CODE_GPA	0x10000ULL
#define STACK_TOP	0x20000ULL
#define BUF_GPA		0x30000ULL
#define MMIO_GVA	0x300000ULL	/* in the second 2 MiB page, which maps past RAM */
#define USER_CS		0x2b		/* GDT index 5, RPL 3 */
#define USER_DS		0x23		/* GDT index 4, RPL 3 */
#define PTE_US		(1ULL << 2)
#define X86_CR4_SMEP	(1UL << 20)
#define X86_CR4_SMAP	(1UL << 21)
#define RFLAGS_IOPL3	(3UL << 12)

static void user_seg(struct hv_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = 3;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

/* A vCPU at CPL 3 about to run @code; skips the test if the CPU lacks SMEP/SMAP. */
static struct vcpu *user_vcpu(struct vm *vm, const uint8_t *code, size_t len)
{
	struct vcpu *vcpu = vm_vcpu_add_bare(vm, 0);
	uint64_t *pt = addr_gpa2hva(vm, PML4_GPA);
	struct hv_sregs sregs;
	struct hv_regs regs;

	TEST_ASSERT(pt, "no RAM at the page tables");
	memset(pt, 0, 3 * 4096);
	pt[0] = (PML4_GPA + 0x1000) | PTE_P | PTE_RW | PTE_US;			/* PML4 -> PDPT */
	pt[512] = (PML4_GPA + 0x2000) | PTE_P | PTE_RW | PTE_US;		/* PDPT -> PD */
	pt[1024] = 0x000000 | PTE_P | PTE_RW | PTE_US | PTE_PS;			/* 0-2 MiB */
	/* 2-4 MiB: the 2 MiB just past RAM (ram_size is a multiple of 2 MiB), i.e. MMIO */
	pt[1025] = vm->ram_size | PTE_P | PTE_RW | PTE_US | PTE_PS;
	memcpy(addr_gpa2hva(vm, CODE_GPA), code, len);

	vcpu_sregs_get(vcpu, &sregs);
	user_seg(&sregs.cs, USER_CS, 0xb, true);
	user_seg(&sregs.ds, USER_DS, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_SMEP | X86_CR4_SMAP;
	sregs.efer = EFER_LME | EFER_LMA;
	if (__vcpu_sregs_set(vcpu, &sregs) < 0) {
		TEST_ASSERT(errno == EINVAL, "HV_SET_SREGS: %s", strerror(errno));
		TEST_SKIP("the CPU has no SMEP/SMAP (HV_SET_SREGS refused CR4 0x%llx)",
			  (unsigned long long)sregs.cr4);
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2 | RFLAGS_IOPL3;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

static uint32_t expect_out(struct vcpu *vcpu, uint16_t port, uint32_t count)
{
	struct hv_run *run = vcpu->run;
	uint32_t v = 0;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(run->io.direction == HV_IO_DIR_OUT && run->io.size == 1 &&
		    run->io.port == port && run->io.count == count,
		    "io exit dir %u size %u port %#x count %u (expected OUT 1 %#x %u)",
		    run->io.direction, run->io.size, run->io.port, run->io.count, port, count);
	memcpy(&v, vcpu_io_data(vcpu), count < 4 ? count : 4);
	return v;
}

static void test_cpuid_at_cpl3(void)
{
	static const uint8_t code[] = {
		0x31, 0xc0,		/* xor eax, eax */
		0x0f, 0xa2,		/* cpuid */
		0xe6, 0x10,		/* out 0x10, al */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = user_vcpu(vm, code, sizeof(code));
	struct hv_cpuid *cpuid = hv_get_supported_cpuid();
	struct hv_cpuid_entry *leaf0 = hv_cpuid_find(cpuid, 0, 0);
	uint32_t v = expect_out(vcpu, 0x10, 1);

	TEST_ASSERT(leaf0, "no CPUID leaf 0 in the supported table");
	TEST_ASSERT(v == (leaf0->eax & 0xff), "CPUID(0).EAX at CPL 3 gave %#x, expected %#x",
		    v, leaf0->eax & 0xff);
	free(cpuid);
	vm_destroy(vm);
}

static void test_mmio_read_at_cpl3(void)
{
	static const uint8_t code[] = {
		0x8b, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00,	/* mov eax, [0x300000] */
		0xe6, 0x11,					/* out 0x11, al */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = user_vcpu(vm, code, sizeof(code));
	struct hv_run *run = vcpu->run;
	uint64_t gpa = vm->ram_size + (MMIO_GVA - 0x200000);
	uint32_t v;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(run->mmio.phys_addr == gpa && run->mmio.len == 4 && !run->mmio.is_write,
		    "mmio exit at %#llx len %u write %u (expected %#llx 4 0)",
		    (unsigned long long)run->mmio.phys_addr, run->mmio.len, run->mmio.is_write,
		    (unsigned long long)gpa);
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	run->mmio.data[0] = 0x5a;
	v = expect_out(vcpu, 0x11, 1);
	TEST_ASSERT(v == 0x5a, "MMIO read at CPL 3 loaded %#x, expected 0x5a", v);
	vm_destroy(vm);
}

static void test_string_out_at_cpl3(void)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x03, 0x00,	/* mov rsi, 0x30000 */
		0xb9, 0x04, 0x00, 0x00, 0x00,			/* mov ecx, 4 */
		0x66, 0xba, 0x12, 0x00,				/* mov dx, 0x12 */
		0xf3, 0x6e,					/* rep outsb */
		0xe6, 0x13,					/* out 0x13, al */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu = user_vcpu(vm, code, sizeof(code));
	char got[5] = { 0 };

	memcpy(addr_gpa2hva(vm, BUF_GPA), "user", 4);
	expect_out(vcpu, 0x12, 4);
	memcpy(got, vcpu_io_data(vcpu), 4);
	TEST_ASSERT(!memcmp(got, "user", 4), "OUTSB at CPL 3 sent '%s', expected 'user'", got);
	expect_out(vcpu, 0x13, 1);
	vm_destroy(vm);
}

/*
 * VMMCALL/VMCALL from CPL 3 is refused in the kernel, as KVM does: RAX
 * becomes HV_HYPERCALL_EPERM, the guest goes on after the instruction, and
 * the VMM never sees an HV_EXIT_HYPERCALL (exits_test/hypercall is the
 * CPL 0 case, which does reach the VMM).
 */
static void test_hypercall_at_cpl3(void)
{
	uint8_t code[] = {
		0xb8, 0x56, 0x48, 0x00, 0x00,	/* mov eax, 0x4856 */
		0x0f, 0x01, 0xd9,		/* vmmcall (SVM); VMX: 0f 01 c1, vmcall */
		0xe6, 0x14,			/* out 0x14, al */
	};
	struct vm *vm = vm_create_bare(0);
	struct vcpu *vcpu;
	struct hv_regs regs;

	if (vm->vendor == HV_VENDOR_VMX)
		code[7] = 0xc1;
	vcpu = user_vcpu(vm, code, sizeof(code));
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason != HV_EXIT_HYPERCALL,
		    "a hypercall from CPL 3 reached the VMM");
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(regs.rax == HV_HYPERCALL_EPERM, "RAX %#llx after a CPL 3 hypercall, expected %#llx",
		    (unsigned long long)regs.rax, (unsigned long long)HV_HYPERCALL_EPERM);
	TEST_ASSERT(regs.rip == CODE_GPA + sizeof(code), "RIP %#llx, expected past the OUT",
		    (unsigned long long)regs.rip);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "usermode_cpuid_smep", test_cpuid_at_cpl3, 0 },
	{ "usermode_mmio_read_smep", test_mmio_read_at_cpl3, 0 },
	{ "usermode_rep_outsb_smap", test_string_out_at_cpl3, 0 },
	{ "usermode_hypercall_refused", test_hypercall_at_cpl3, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
