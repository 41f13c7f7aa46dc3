// SPDX-License-Identifier: GPL-2.0
/*
 * Host-only check of the library's guest environment builder: builds the
 * page tables, image copy, GDT and IDT of a VM in plain memory (no
 * /dev/hv) and verifies them by walking them.  `make -C selftests/hv
 * selfcheck` runs it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

static int data_global = 0x5a5a1234;
static char bss_global[10000];
static const char rodata_string[] = "read-only data of the test binary";

extern const uint8_t guest_idt_stubs[];
extern const uint8_t guest_func_return[];

static struct vm *fake_vm(uint64_t ram)
{
	static struct vm vm;
	void *hva = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(hva != MAP_FAILED, "mmap");
	vm.ram_size = ram;
	vm.slots[0] = (struct vm_slot){ .used = true, .gpa = 0, .size = ram, .hva = hva, .owned = true };
	vm.alloc_next = GUEST_ALLOC_BASE;
	vm.alloc_end = ram;
	return &vm;
}

static void check_same(struct vm *vm, const void *p, size_t len, const char *what)
{
	uint8_t buf[256];

	if (len > sizeof(buf))
		len = sizeof(buf);
	TEST_ASSERT(vm_read_guest(vm, (uint64_t)(uintptr_t)p, buf, len), "%s not mapped", what);
	TEST_ASSERT(!memcmp(buf, p, len), "%s differs in the guest copy", what);
	ktap_print_msg("%-16s gva %p -> gpa %#lx\n", what, p,
		       (unsigned long)addr_gva2gpa(vm, (uint64_t)(uintptr_t)p));
}

static void test_environment(void)
{
	struct vm *vm = fake_vm(VM_DEFAULT_RAM);
	uint64_t *gdt, *idt, gpa;
	unsigned int i;

	bss_global[9999] = 7;
	vm_setup_long_mode(vm);
	vm_load_image(vm);

	check_same(vm, (const void *)test_environment, 64, "text");
	check_same(vm, (const void *)guest_hypercall, 64, "lib text");
	check_same(vm, rodata_string, sizeof(rodata_string), "rodata");
	check_same(vm, &data_global, sizeof(data_global), "data");
	check_same(vm, bss_global, sizeof(bss_global), "bss");
	check_same(vm, &bss_global[9999], 1, "bss end");
	check_same(vm, guest_exception_handlers, sizeof(guest_exception_handlers), "handlers");

	/* The copy is a copy: a host write does not show, a sync does. */
	data_global = 99;
	TEST_ASSERT(*guest_global_ptr(vm, data_global) == 0x5a5a1234, "guest copy aliases host");
	sync_global_to_guest(vm, data_global);
	TEST_ASSERT(*guest_global_ptr(vm, data_global) == 99, "sync_global_to_guest");

	/* Direct map: 2 MiB pages covering slot 0. */
	for (gpa = 0; gpa < vm->ram_size; gpa += 0x1234567 % vm->ram_size + 4096)
		TEST_ASSERT(addr_gva2gpa(vm, GUEST_DIRECT_MAP + gpa) == gpa,
			    "direct map of %#lx", (unsigned long)gpa);
	TEST_ASSERT(addr_gva2gpa(vm, GUEST_DIRECT_MAP + vm->ram_size) == ~0ULL,
		    "direct map beyond RAM");
	TEST_ASSERT(addr_gva2gpa(vm, 0) == ~0ULL, "GVA 0 mapped");

	/* virt_map of an unbacked GPA. */
	virt_map(vm, 0xd0000000, 0xd0000000, PAGE_SIZE);
	TEST_ASSERT(addr_gva2gpa(vm, 0xd0000123) == 0xd0000123, "virt_map");
	TEST_ASSERT(addr_gva2hva(vm, 0xd0000123) == NULL, "unbacked GPA has an HVA");

	gdt = addr_gva2hva(vm, vm->gdt_gva);
	TEST_ASSERT(gdt[1] == 0x00af9b000000ffffULL, "code descriptor %#llx",
		    (unsigned long long)gdt[1]);
	TEST_ASSERT(gdt[2] == 0x00cf93000000ffffULL, "data descriptor %#llx",
		    (unsigned long long)gdt[2]);
	TEST_ASSERT(((gdt[3] >> 16) & 0xffffff) == (vm->tss_gva & 0xffffff) &&
		    (gdt[3] >> 56) == ((vm->tss_gva >> 24) & 0xff) && gdt[4] == vm->tss_gva >> 32 &&
		    ((gdt[3] >> 40) & 0xff) == 0x8b, "TSS descriptor");

	idt = addr_gva2hva(vm, vm->idt_gva);
	for (i = 0; i < 256; i++) {
		uint64_t lo = idt[2 * i], hi = idt[2 * i + 1];
		uint64_t off = (lo & 0xffff) | ((lo >> 48) << 16) | (hi << 32);
		const uint8_t *stub = guest_idt_stubs + 16 * i;
		int has_err = i == 8 || (i >= 10 && i <= 14) || i == 17 || i == 21 || i == 29 ||
			      i == 30;
		const uint8_t *push_vec = has_err ? stub : stub + 2;

		TEST_ASSERT(off == (uint64_t)(uintptr_t)stub, "IDT[%u] offset", i);
		TEST_ASSERT(((lo >> 16) & 0xffff) == GUEST_CS && ((lo >> 40) & 0xff) == 0x8e,
			    "IDT[%u] selector/type", i);
		if (!has_err)
			TEST_ASSERT(stub[0] == 0x6a && stub[1] == 0, "stub %u: push $0", i);
		if (i < 128)
			TEST_ASSERT(push_vec[0] == 0x6a && push_vec[1] == i, "stub %u: push $%u", i, i);
		else
			TEST_ASSERT(push_vec[0] == 0x68 && push_vec[1] == i && push_vec[2] == 0,
				    "stub %u: push $%u", i, i);
		check_same(vm, stub, 16, i ? "stub" : "stub 0");
		if (i > 0)
			break;	/* the rest are the same mapping; one print is enough */
	}
	for (; i < 256; i++) {
		const uint8_t *stub = guest_idt_stubs + 16 * i;
		int has_err = i == 8 || (i >= 10 && i <= 14) || i == 17 || i == 21 || i == 29 ||
			      i == 30;
		const uint8_t *push_vec = has_err ? stub : stub + 2;

		TEST_ASSERT(push_vec[0] == (i < 128 ? 0x6a : 0x68) && push_vec[1] == i,
			    "stub %u: push $%u", i, i);
	}

	TEST_ASSERT(vm->alloc_next < 4 * SZ_1M, "image + tables used %#lx bytes",
		    (unsigned long)(vm->alloc_next - GUEST_ALLOC_BASE));
	ktap_print_msg("guest RAM used by the library: %lu KiB\n",
		       (unsigned long)(vm->alloc_next - GUEST_ALLOC_BASE) / 1024);
}

static void test_struct_layout(void)
{
	TEST_ASSERT(sizeof(struct ex_regs) == 22 * 8, "ex_regs size");
	TEST_ASSERT(__builtin_offsetof(struct ex_regs, vector) == 15 * 8, "ex_regs.vector");
	TEST_ASSERT(__builtin_offsetof(struct ex_regs, rip) == 17 * 8, "ex_regs.rip");
	TEST_ASSERT(sizeof(struct desc_ptr) == 10, "desc_ptr");
}

int main(void)
{
	static const struct hv_test tests[] = {
		{ "environment", test_environment, 0 },
		{ "struct_layout", test_struct_layout, 0 },
	};
	unsigned int i;

	/* Not hv_test_main(): that needs /dev/hv.  Run in-process. */
	ktap_print_header(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		ktap_result(1, tests[i].name);
	}
	ktap_finished();
}
