// SPDX-License-Identifier: GPL-2.0
/*
 * memory_test: guest memory seen from both sides, extra slots, read-only
 * slots, deleting and re-adding slots, and two VMs with separate memory.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define SLOT1		1
#define SLOT1_GPA	0x10000000ULL	/* 256 MiB, above slot 0 */
#define SLOT1_SIZE	(2 * SZ_1M)
#define SLOT1_GVA	0x20000000ULL

/* ---- guest side ---------------------------------------------------------------- */

/* Writes a pattern to @n qwords at @p, then checks the host's pattern. */
static void guest_rw(uint64_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		p[i] = 0x1000 + i * 0x10001;
	GUEST_SYNC(1);
	for (i = 0; i < n; i++)
		GUEST_ASSERT_EQ(p[i], ~i);
	GUEST_SYNC(2);
	for (i = 0; i < n; i++)
		GUEST_ASSERT_EQ(p[i], i * 3);
	GUEST_DONE();
}

static void host_rw(struct vcpu *vcpu, uint64_t *h, uint64_t n)
{
	uint64_t i;

	vcpu_expect_sync(vcpu, 1);
	for (i = 0; i < n; i++)
		TEST_ASSERT(h[i] == 0x1000 + i * 0x10001, "host sees %#llx at qword %llu",
			    (unsigned long long)h[i], (unsigned long long)i);
	for (i = 0; i < n; i++)
		h[i] = ~i;
	vcpu_expect_sync(vcpu, 2);
	for (i = 0; i < n; i++)
		h[i] = i * 3;
	vcpu_expect_done(vcpu);
}

static void test_slot0_both_ways(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rw);
	uint64_t gpa = vm_alloc_pages(vm, 4);
	uint64_t n = 4 * PAGE_SIZE / 8;

	vcpu_args_set(vcpu, GUEST_DIRECT_MAP + gpa, n);
	host_rw(vcpu, addr_gpa2hva(vm, gpa), n);
	vm_destroy(vm);
}

static void test_second_slot(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rw);
	uint8_t *h = vm_add_slot(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE);

	virt_map(vm, SLOT1_GVA, SLOT1_GPA, SLOT1_SIZE);
	/* The last page of the slot, to catch off-by-one slot ends. */
	vcpu_args_set(vcpu, SLOT1_GVA + SLOT1_SIZE - PAGE_SIZE, PAGE_SIZE / 8);
	host_rw(vcpu, (uint64_t *)(h + SLOT1_SIZE - PAGE_SIZE), PAGE_SIZE / 8);
	vm_destroy(vm);
}

/* ---- read-only slot ---------------------------------------------------------------- */

static void guest_readonly(uint64_t *p)
{
	uint64_t v;

	GUEST_ASSERT_EQ(p[0], 0x0123456789abcdefULL);
	GUEST_ASSERT_EQ(p[511], 0x1111);
	__asm__ volatile("movq %0, (%1)" : : "a"(0xbadbadbadULL), "r"(&p[2]) : "memory");
	__asm__ volatile("movl %k0, (%1)" : : "a"(0x77777777), "r"(&p[3]) : "memory");
	__asm__ volatile("movq (%1), %0" : "=a"(v) : "r"(&p[2]) : "memory");
	GUEST_ASSERT_EQ(v, 0x2222);
	GUEST_ASSERT_EQ(p[3], 0x3333);
	GUEST_DONE();
}

static void test_readonly_slot(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_run *run;
	uint64_t *h;

	if (!hv_check_cap(HV_CAP_READONLY_MEM))
		TEST_SKIP("HV_CAP_READONLY_MEM is 0");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_readonly);
	run = vcpu->run;
	h = vm_add_slot(vm, SLOT1, HV_MEM_READONLY, SLOT1_GPA, SLOT1_SIZE);
	h[0] = 0x0123456789abcdefULL;
	h[2] = 0x2222;
	h[3] = 0x3333;
	h[511] = 0x1111;
	virt_map(vm, SLOT1_GVA, SLOT1_GPA, SLOT1_SIZE);
	vcpu_args_set(vcpu, SLOT1_GVA, 0);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write && run->mmio.phys_addr == SLOT1_GPA + 16 &&
		    run->mmio.len == 8 && !memcmp(run->mmio.data, &(uint64_t){ 0xbadbadbadULL }, 8),
		    "write to read-only memory: is_write %u gpa %#llx len %u",
		    run->mmio.is_write, (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write && run->mmio.phys_addr == SLOT1_GPA + 24 &&
		    run->mmio.len == 4 && !memcmp(run->mmio.data, &(uint32_t){ 0x77777777 }, 4),
		    "write to read-only memory: is_write %u gpa %#llx len %u",
		    run->mmio.is_write, (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	vcpu_expect_done(vcpu);
	TEST_ASSERT(h[2] == 0x2222 && h[3] == 0x3333, "read-only memory changed: %#llx %#llx",
		    (unsigned long long)h[2], (unsigned long long)h[3]);
	vm_destroy(vm);
}

/* ---- deleting and re-adding a slot -------------------------------------------------- */

static void guest_delete(volatile uint64_t *p)
{
	uint64_t v;

	GUEST_ASSERT_EQ(*p, 0xaaaa);
	GUEST_SYNC(1);		/* host deletes the slot */
	__asm__ volatile("movq (%1), %0" : "=a"(v) : "r"(p) : "memory");
	GUEST_ASSERT_EQ(v, 0xbbbb);
	__asm__ volatile("movq %0, (%1)" : : "a"((uint64_t)0xcccc), "r"(p) : "memory");
	GUEST_SYNC(2);		/* host re-adds it */
	GUEST_ASSERT_EQ(*p, 0xaaaa);
	*p = 0xdddd;
	GUEST_DONE();
}

static void test_delete_readd(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_delete);
	struct hv_run *run = vcpu->run;
	uint64_t *h = vm_add_slot(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE);
	uint64_t off = SZ_1M + 8;

	virt_map(vm, SLOT1_GVA, SLOT1_GPA, SLOT1_SIZE);
	h[off / 8] = 0xaaaa;
	vcpu_args_set(vcpu, SLOT1_GVA + off, 0);
	vcpu_expect_sync(vcpu, 1);

	vm_delete_slot(vm, SLOT1);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(!run->mmio.is_write && run->mmio.phys_addr == SLOT1_GPA + off &&
		    run->mmio.len == 8, "read of a deleted slot: is_write %u gpa %#llx len %u",
		    run->mmio.is_write, (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	memcpy(run->mmio.data, &(uint64_t){ 0xbbbb }, 8);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write && run->mmio.phys_addr == SLOT1_GPA + off &&
		    run->mmio.len == 8 && !memcmp(run->mmio.data, &(uint64_t){ 0xcccc }, 8),
		    "write to a deleted slot: is_write %u gpa %#llx len %u",
		    run->mmio.is_write, (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT(h[off / 8] == 0xaaaa, "deleted slot's memory changed");

	vm_set_memory_region(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, h);
	vcpu_expect_done(vcpu);
	TEST_ASSERT(h[off / 8] == 0xdddd, "guest write after re-adding not seen: %#llx",
		    (unsigned long long)h[off / 8]);
	vm_destroy(vm);
}

/* ---- instruction fetches after the code moves ----------------------------------------- */

/*
 * Skipping an intercepted instruction without next-RIP help (NRIPS on SVM)
 * walks the guest's page tables and decodes the bytes at RIP.  The code
 * below moves under a CPUID that hv must skip: if anything along the way
 * (a cached translation, a cached host page) went stale, hv would decode
 * the old instruction, resume inside the new one and the guest would
 * return the wrong value or fault.  Code page A and code page B put CPUIDs
 * of different lengths at the same offset; each returns its page's number.
 */
#define CODE_GVA	0x30000000ULL

static const uint8_t code_a[] = {
	0x53,				/* push %rbx (CPUID writes it) */
	0x0f, 0xa2,			/* cpuid */
	0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov $1, %eax */
	0x5b,				/* pop %rbx */
	0xc3,				/* ret */
};

static const uint8_t code_b[] = {
	0x53,
	0x66, 0x66, 0x66, 0x0f, 0xa2,	/* cpuid with three ignored prefixes */
	0xb8, 0x02, 0x00, 0x00, 0x00,	/* mov $2, %eax */
	0x5b,
	0xc3,
};

static uint64_t guest_call(uint64_t code)
{
	return ((uint64_t (*)(void))code)();
}

/* @pte: the guest's own PTE for CODE_GVA, through the direct map. */
static void guest_remap(volatile uint64_t *pte)
{
	uint64_t cr3;

	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 1);
	/* Page B follows page A: point the PTE at it, flush the one entry. */
	*pte += PAGE_SIZE;
	__asm__ volatile("invlpg (%0)" : : "r"(CODE_GVA) : "memory");
	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 2);
	/* Back to A, this time flushed by reloading CR3. */
	*pte -= PAGE_SIZE;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 1);
	GUEST_DONE();
}

/* GPA of the 4 KiB PTE that maps @gva (virt_map()'s tables). */
static uint64_t pte_gpa(struct vm *vm, uint64_t gva)
{
	uint64_t table = vm->pml4_gpa, *pte;
	int level;

	for (level = 3; level > 0; level--) {
		pte = addr_gpa2hva(vm, table + ((gva >> (12 + 9 * level)) & 511) * 8);
		TEST_ASSERT(pte && (*pte & PTE_P), "no table for GVA %#llx at level %d",
			    (unsigned long long)gva, level);
		table = *pte & PTE_ADDR_MASK;
	}
	return table + ((gva >> 12) & 511) * 8;
}

static void test_fetch_after_guest_remap(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_remap);
	uint8_t *h = vm_add_slot(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE);

	memcpy(h, code_a, sizeof(code_a));
	memcpy(h + PAGE_SIZE, code_b, sizeof(code_b));
	virt_map(vm, CODE_GVA, SLOT1_GPA, PAGE_SIZE);
	vcpu_args_set(vcpu, GUEST_DIRECT_MAP + pte_gpa(vm, CODE_GVA), 0);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void guest_slot_change(void)
{
	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 1);
	GUEST_SYNC(1);		/* host replaces the slot's memory */
	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 2);
	GUEST_SYNC(2);		/* and back */
	GUEST_ASSERT_EQ(guest_call(CODE_GVA), 1);
	GUEST_DONE();
}

/*
 * The same GPA, other host memory: the guest's page tables do not change,
 * only the slot does.  The old memory stays mapped (raw ioctl, not the
 * library's, which would unmap it), so a stale host page would still hold
 * code A rather than something freed and unpredictable.
 */
static void test_fetch_after_slot_change(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_slot_change);
	uint8_t *h = vm_add_slot(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE);
	uint8_t *h2 = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(h2 != MAP_FAILED, "mmap");
	memcpy(h, code_a, sizeof(code_a));
	memcpy(h2, code_b, sizeof(code_b));
	virt_map(vm, CODE_GVA, SLOT1_GPA, PAGE_SIZE);
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(__vm_set_memory_region(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, h2) == 0,
		    "HV_SET_MEMORY_REGION to new memory");
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT(__vm_set_memory_region(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, h) == 0,
		    "HV_SET_MEMORY_REGION back");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
	munmap(h2, SLOT1_SIZE);
}

/* ---- two VMs ---------------------------------------------------------------------- */

static void guest_two_vms(volatile uint64_t *p)
{
	uint64_t mine = p[0];

	GUEST_SYNC_ARGS(1, mine, 0, 0);
	p[1] = mine * 2;
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(p[0], mine);	/* the other VM wrote its own memory */
	GUEST_ASSERT_EQ(p[1], mine * 2);
	GUEST_DONE();
}

static void test_two_vms(void)
{
	struct vm *vm[2];
	struct vcpu *vcpu[2];
	uint64_t *h[2];
	struct ucall uc;
	int i;

	for (i = 0; i < 2; i++) {
		vm[i] = vm_create(0);
		vcpu[i] = vm_vcpu_add(vm[i], 0, guest_two_vms);
		h[i] = vm_add_slot(vm[i], SLOT1, 0, SLOT1_GPA, SLOT1_SIZE);
		virt_map(vm[i], SLOT1_GVA, SLOT1_GPA, PAGE_SIZE);
		h[i][0] = 0x100 + i;
		vcpu_args_set(vcpu[i], SLOT1_GVA, 0);
	}
	for (i = 0; i < 2; i++) {
		TEST_ASSERT(vcpu_run_ucall(vcpu[i], &uc) == UCALL_SYNC && uc.args[0] == 1,
			    "VM %d: no SYNC 1", i);
		TEST_ASSERT(uc.args[1] == 0x100u + i, "VM %d read %#llx at the shared GPA", i,
			    (unsigned long long)uc.args[1]);
	}
	/* Interleaved: VM 0 writes, then VM 1, each sees only its own. */
	for (i = 0; i < 2; i++)
		vcpu_expect_sync(vcpu[i], 2);
	for (i = 0; i < 2; i++)
		TEST_ASSERT(h[i][1] == (0x100u + i) * 2, "VM %d memory has %#llx", i,
			    (unsigned long long)h[i][1]);
	for (i = 0; i < 2; i++)
		vcpu_expect_done(vcpu[i]);
	vm_destroy(vm[0]);
	vm_destroy(vm[1]);
}

static const struct hv_test tests[] = {
	{ "slot0_guest_and_host_writes", test_slot0_both_ways, 0 },
	{ "second_slot", test_second_slot, 0 },
	{ "readonly_slot", test_readonly_slot, 0 },
	{ "delete_and_readd_slot", test_delete_readd, 0 },
	{ "two_vms_separate_memory", test_two_vms, 0 },
	{ "fetch_after_guest_remap", test_fetch_after_guest_remap, 0 },
	{ "fetch_after_slot_change", test_fetch_after_slot_change, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
