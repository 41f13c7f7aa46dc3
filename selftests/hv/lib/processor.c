// SPDX-License-Identifier: GPL-2.0
/*
 * hv selftest library: the x86 guest environment (page tables mapping the
 * test binary, GDT, TSS, IDT, long-mode vCPU state) and the guest-side
 * helpers.  Everything in the "guest side" part runs inside the guest: see
 * the restrictions in processor.h.
 */
#include <link.h>
#include <string.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"
#include "apic.h"

/* ---- guest side ---------------------------------------------------------------- */

guest_handler_t guest_exception_handlers[256];

/* -1: not yet known; per VM (each VM has its own copy of this global). */
static int guest_amd = -1;

/* Called by the IDT stubs (idt.S) with the saved state. */
void guest_route_exception(struct ex_regs *regs);
void guest_route_exception(struct ex_regs *regs)
{
	guest_handler_t h = guest_exception_handlers[regs->vector & 255];
	uint64_t cr2;

	if (h) {
		h(regs);
		return;
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	guest_ucall(UCALL_UNHANDLED, regs->vector, regs->error_code, regs->rip, cr2);
	for (;;)
		__asm__ volatile("cli; hlt");
}

int guest_cpu_is_amd(void)
{
	uint32_t a, b, c, d;

	if (guest_amd < 0) {
		cpuid_count(0, 0, &a, &b, &c, &d);
		/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
		guest_amd = (b == 0x68747541 || b == 0x6f677948);
	}
	return guest_amd;
}

uint64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3, uint64_t a4)
{
	uint64_t ret;

	if (guest_cpu_is_amd())
		__asm__ volatile("vmmcall"
				 : "=a"(ret)
				 : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3), "D"(a4)
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "=a"(ret)
				 : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3), "D"(a4)
				 : "memory");
	return ret;
}

void guest_memset(void *p, int c, uint64_t n)
{
	volatile uint8_t *d = p;

	while (n--)
		*d++ = (uint8_t)c;
}

void guest_memcpy(void *dst, const void *src, uint64_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	while (n--)
		*d++ = *s++;
}

int guest_memcmp(const void *a, const void *b, uint64_t n)
{
	const volatile uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

/* ---- guest side: local APIC test helpers (apic.h) ------------------------------------- */

uint64_t guest_tsc_khz;
volatile uint32_t guest_irq_log[GUEST_IRQ_LOG_MAX];
volatile uint32_t guest_irq_n;
volatile uint64_t guest_irq_tsc;

void guest_log_irq(uint32_t vector)
{
	uint32_t n = guest_irq_n;

	if (n < GUEST_IRQ_LOG_MAX)
		guest_irq_log[n] = vector;
	guest_irq_tsc = rdtsc();
	guest_irq_n = n + 1;
}

void guest_irq_log_eoi(struct ex_regs *regs)
{
	guest_log_irq(regs->vector);
	xapic_eoi();
}

void guest_delay_ms(uint64_t ms)
{
	uint64_t end = rdtsc() + ms * guest_tsc_khz;

	while (rdtsc() < end)
		cpu_pause();
}

int guest_wait_count(volatile uint32_t *counter, uint32_t n, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * guest_tsc_khz;

	while (*counter < n && rdtsc() < end)
		cpu_pause();
	return *counter >= n;
}

int guest_prompt_count(volatile uint32_t *counter, uint32_t n)
{
	volatile uint32_t i;

	for (i = 0; i < 2000 && *counter < n; i++)
		__asm__ volatile("nop");
	return *counter >= n;
}

uint64_t guest_tsc_to_us(uint64_t tsc)
{
	return guest_tsc_khz ? tsc * 1000 / guest_tsc_khz : 0;
}

/* ---- host side: page tables ------------------------------------------------------ */

/* idt.S: 256 stubs, 16 bytes apart; guest_func_return: where guest_fn returns to. */
extern const uint8_t guest_idt_stubs[];
extern const uint8_t guest_func_return[];

static uint64_t *pte_hva(struct vm *vm, uint64_t table_gpa, unsigned int idx)
{
	uint64_t *p = addr_gpa2hva(vm, table_gpa + idx * 8);

	TEST_ASSERT(p, "page table at GPA %#lx outside guest RAM", (unsigned long)table_gpa);
	return p;
}

/* Installs a leaf for @gva at @leaf_level (0: 4 KiB, 1: 2 MiB). */
static void virt_map_one(struct vm *vm, uint64_t gva, uint64_t gpa, int leaf_level)
{
	uint64_t table = vm->pml4_gpa, *pte;
	int level;

	for (level = 3; level > leaf_level; level--) {
		pte = pte_hva(vm, table, (gva >> (12 + 9 * level)) & 511);
		if (!(*pte & PTE_P))
			*pte = vm_alloc_pages(vm, 1) | PTE_P | PTE_RW;
		TEST_ASSERT(!(*pte & PTE_PS), "GVA %#lx already mapped by a large page",
			    (unsigned long)gva);
		table = *pte & PTE_ADDR_MASK;
	}
	pte = pte_hva(vm, table, (gva >> (12 + 9 * leaf_level)) & 511);
	TEST_ASSERT(!(*pte & PTE_P), "GVA %#lx already mapped", (unsigned long)gva);
	*pte = gpa | PTE_P | PTE_RW | (leaf_level ? PTE_PS : 0);
}

void virt_map(struct vm *vm, uint64_t gva, uint64_t gpa, uint64_t size)
{
	uint64_t off;

	TEST_ASSERT(!(gva % PAGE_SIZE) && !(gpa % PAGE_SIZE) && !(size % PAGE_SIZE),
		    "virt_map: unaligned");
	for (off = 0; off < size; off += PAGE_SIZE)
		virt_map_one(vm, gva + off, gpa + off, 0);
}

void virt_map_2m(struct vm *vm, uint64_t gva, uint64_t gpa, uint64_t size)
{
	uint64_t off;

	TEST_ASSERT(!(gva % SZ_2M) && !(gpa % SZ_2M) && !(size % SZ_2M),
		    "virt_map_2m: unaligned");
	for (off = 0; off < size; off += SZ_2M)
		virt_map_one(vm, gva + off, gpa + off, 1);
}

/* ---- host side: the test binary's image ------------------------------------------- */

struct image_ctx {
	struct vm *vm;
	int done;
};

static int load_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	struct image_ctx *ctx = data;
	struct vm *vm = ctx->vm;
	uint16_t i;

	(void)size;
	if (ctx->done)
		return 1;
	ctx->done = 1;		/* the first object is the executable itself */
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start, end, va;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & PAGE_MASK;
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + PAGE_SIZE - 1) & PAGE_MASK;
		for (va = start; va < end; va += PAGE_SIZE) {
			uint64_t gpa;

			if (addr_gva2gpa(vm, va) != ~0ULL)
				continue;	/* page shared with the previous segment */
			gpa = vm_alloc_pages(vm, 1);
			memcpy(addr_gpa2hva(vm, gpa), (const void *)(uintptr_t)va, PAGE_SIZE);
			virt_map(vm, va, gpa, PAGE_SIZE);
		}
	}
	return 1;
}

void vm_load_image(struct vm *vm)
{
	struct image_ctx ctx = { .vm = vm };

	dl_iterate_phdr(load_segments, &ctx);
	TEST_ASSERT(ctx.done, "dl_iterate_phdr found no executable");
	/* Sanity: the library's own code must now be visible to the guest. */
	TEST_ASSERT(addr_gva2gpa(vm, (uint64_t)(uintptr_t)guest_idt_stubs) != ~0ULL,
		    "image load did not map the IDT stubs");
}

/* ---- host side: descriptor tables and long mode ------------------------------------ */

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

void vm_setup_long_mode(struct vm *vm)
{
	uint64_t gdt_gpa, idt_gpa, tss_gpa, *gdt, *idt;
	unsigned int i;

	vm->pml4_gpa = vm_alloc_pages(vm, 1);
	vm->long_mode = true;
	virt_map_2m(vm, GUEST_DIRECT_MAP, 0, vm->ram_size);

	gdt_gpa = vm_alloc_pages(vm, 1);
	idt_gpa = vm_alloc_pages(vm, 1);
	tss_gpa = vm_alloc_pages(vm, 1);
	vm->gdt_gva = GUEST_DIRECT_MAP + gdt_gpa;
	vm->idt_gva = GUEST_DIRECT_MAP + idt_gpa;
	vm->tss_gva = GUEST_DIRECT_MAP + tss_gpa;

	gdt = addr_gpa2hva(vm, gdt_gpa);
	gdt[0] = 0;
	gdt[GUEST_CS / 8] = gdt_entry(0, 0xfffff, 0x9b, 0xa);	/* P, S, code RX accessed; G, L */
	gdt[GUEST_DS / 8] = gdt_entry(0, 0xfffff, 0x93, 0xc);	/* P, S, data RW accessed; G, D/B */
	/* 64-bit TSS (busy), 16 bytes. */
	gdt[GUEST_TSS / 8] = gdt_entry((uint32_t)vm->tss_gva, 0x67, 0x8b, 0);
	gdt[GUEST_TSS / 8 + 1] = vm->tss_gva >> 32;

	idt = addr_gpa2hva(vm, idt_gpa);
	for (i = 0; i < 256; i++) {
		uint64_t h = (uint64_t)(uintptr_t)guest_idt_stubs + i * 16;

		/* offset 15:0, selector, IST 0, type 0xe (interrupt gate), P */
		idt[2 * i] = (h & 0xffff) | ((uint64_t)GUEST_CS << 16) |
			     (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = h >> 32;
	}
}

static void seg_set(struct hv_segment *s, uint16_t sel, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void vm_long_mode_sregs(struct vm *vm, struct hv_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	seg_set(&sregs->cs, GUEST_CS, 0xb, 1);
	seg_set(&sregs->ds, GUEST_DS, 0x3, 0);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;

	sregs->tr.base = vm->tss_gva;
	sregs->tr.limit = 0x67;
	sregs->tr.selector = GUEST_TSS;
	sregs->tr.type = 0xb;		/* 64-bit TSS, busy */
	sregs->tr.present = 1;

	sregs->ldt.type = 0x2;
	sregs->ldt.unusable = 1;

	sregs->gdt.base = vm->gdt_gva;
	sregs->gdt.limit = 8 * 5 - 1;
	sregs->idt.base = vm->idt_gva;
	sregs->idt.limit = 16 * 256 - 1;

	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs->cr3 = vm->pml4_gpa;
	sregs->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
}

void vcpu_setup_long_mode(struct vcpu *vcpu, void *guest_fn)
{
	struct vm *vm = vcpu->vm;
	struct hv_sregs sregs, cur;
	struct hv_regs regs;
	uint64_t stack_gpa, *ret_slot;

	vcpu_sregs_get(vcpu, &cur);
	vm_long_mode_sregs(vm, &sregs);
	sregs.apic_base = cur.apic_base;
	vcpu_sregs_set(vcpu, &sregs);

	stack_gpa = vm_alloc_pages(vm, GUEST_STACK_SIZE / PAGE_SIZE);
	vcpu->stack_top = GUEST_DIRECT_MAP + stack_gpa + GUEST_STACK_SIZE;
	/* As if called: the return address is guest_func_return. */
	ret_slot = addr_gpa2hva(vm, stack_gpa + GUEST_STACK_SIZE - 8);
	*ret_slot = (uint64_t)(uintptr_t)guest_func_return;

	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)(uintptr_t)guest_fn;
	regs.rsp = vcpu->stack_top - 8;
	regs.rflags = 0x2;
	vcpu_regs_set(vcpu, &regs);
}

void vm_install_exception_handler(struct vm *vm, unsigned int vector, guest_handler_t handler)
{
	guest_handler_t *slot = addr_gva2hva(vm, (uint64_t)(uintptr_t)&guest_exception_handlers[vector & 255]);

	TEST_ASSERT(slot, "guest_exception_handlers not mapped");
	*slot = handler;
}
