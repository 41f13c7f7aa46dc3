/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library, x86 guest side: the guest environment vm_create()
 * builds, and helpers that guest code calls.
 *
 * Guest code is plain C in the test binary.  vm_create() copies the binary's
 * PT_LOAD segments (as they are in host memory at that moment) into guest
 * RAM and maps them at the same virtual addresses, so guest code can call
 * other functions and read globals and string literals.  Each VM has its
 * own copy of the globals: the host sees the guest's copy through
 * guest_global_ptr() / sync_global_{to,from}_guest().
 *
 * Guest memory map (GVAs):
 *   the test binary's image        at its link addresses (static, non-PIE)
 *   GUEST_DIRECT_MAP + gpa         all of slot 0, 2 MiB pages
 *   GDT, TSS, IDT, vCPU stacks     pages of slot 0, used through the direct map
 * Slot 0 GPAs below GUEST_ALLOC_BASE (1 MiB) are never allocated by the
 * library: tests may use them freely (real-mode code, scratch data).
 *
 * Guest state at entry: 64-bit mode, CPL 0, CR0 = PE|ET|NE|WP|PG,
 * CR4 = PAE|OSFXSR|OSXMMEXCPT, EFER = SCE|LME|LMA|NXE, CS = 0x08 (L=1),
 * DS/ES/FS/GS/SS = 0x10 (base 0), TR = 0x18, RFLAGS = 0x2 (IF = 0),
 * RDI/RSI = arguments, RSP = 16 KiB stack of its own.
 *
 * Restrictions for guest code:
 *  - no libc calls at all (static glibc resolves memcpy/memset/strlen
 *    through IFUNCs to AVX versions, and anything with a syscall,
 *    errno/TLS, locale or stdio cannot work): use the guest_* helpers;
 *  - the selftests are built with -mgeneral-regs-only (no SSE/AVX code),
 *    -mno-red-zone (guest interrupts use the same stack),
 *    -fno-stack-protector (no TLS canary), -fno-tree-loop-distribute-
 *    patterns (no memset/memcpy calls made from loops); keep structures
 *    that guest code copies or zeroes small (the compiler may still emit a
 *    memcpy call for large ones);
 *  - no heap: malloc'ed memory is not in the image; pass guest memory
 *    (vm_alloc_pages() + GUEST_DIRECT_MAP) or use globals;
 *  - host writes to globals after vm_create() are not seen by the guest
 *    unless sync_global_to_guest() copies them.
 */
#ifndef HV_SELFTEST_PROCESSOR_H
#define HV_SELFTEST_PROCESSOR_H

#include <stdint.h>

#include "hv_util.h"

#define GUEST_DIRECT_MAP	0xffff880000000000ULL
#define GUEST_ALLOC_BASE	0x100000ULL
#define GUEST_STACK_SIZE	(16 * 1024)

/* Selectors of the library's GDT. */
#define GUEST_CS		0x08
#define GUEST_DS		0x10
#define GUEST_TSS		0x18

#define X86_CR0_PE	(1UL << 0)
#define X86_CR0_MP	(1UL << 1)
#define X86_CR0_ET	(1UL << 4)
#define X86_CR0_NE	(1UL << 5)
#define X86_CR0_WP	(1UL << 16)
#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PAE	(1UL << 5)
#define X86_CR4_OSFXSR	(1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define EFER_SCE	(1UL << 0)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define EFER_NXE	(1UL << 11)
#define X86_RFLAGS_IF	(1UL << 9)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

#define MSR_IA32_TSC		0x00000010
#define MSR_EFER		0xc0000080
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define DE_VECTOR	0
#define UD_VECTOR	6
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14

/* Stack frame of the guest's IDT handlers; handlers may change it. */
struct ex_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*guest_handler_t)(struct ex_regs *regs);

/* Per-VM guest table (a guest global) of IDT handlers; NULL: report UCALL_UNHANDLED. */
extern guest_handler_t guest_exception_handlers[256];

struct vm;
/* Host side: installs @handler for @vector in @vm's copy of the table. */
void vm_install_exception_handler(struct vm *vm, unsigned int vector, guest_handler_t handler);

/* ---- guest helpers (usable in guest code) ---------------------------------- */

static inline void guest_install_handler(unsigned int vector, guest_handler_t handler)
{
	guest_exception_handlers[vector & 255] = handler;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *eax,
			       uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
	__asm__ volatile("cpuid"
			 : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx)
			 : "a"(leaf), "c"(subleaf)
			 : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | ((uint64_t)hi << 32);
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((uint64_t)hi << 32);
}

static inline void cli(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void sti(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" : : : "memory"); }
static inline void sti_nop(void) { __asm__ volatile("sti; nop" : : : "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p) : "memory");
}

/* Guest: true on AMD/Hygon (VMMCALL), false elsewhere (VMCALL); CPUID once per VM. */
int guest_cpu_is_amd(void);
/*
 * Guest: hypercall @nr with five args (RAX = nr; RBX, RCX, RDX, RSI, RDI
 * = args, see HV_EXIT_HYPERCALL) through VMMCALL on AMD or VMCALL on
 * Intel; returns RAX.
 */
uint64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3, uint64_t a4);

/* Guest-safe byte helpers (libc's are not usable in the guest). */
void guest_memset(void *p, int c, uint64_t n);
void guest_memcpy(void *d, const void *s, uint64_t n);
int guest_memcmp(const void *a, const void *b, uint64_t n);

/* ---- host side: building the guest environment ----------------------------- */

/* Maps [gva, gva + size) to [gpa, ...) with 4 KiB pages (both page aligned). */
void virt_map(struct vm *vm, uint64_t gva, uint64_t gpa, uint64_t size);
/* Same with 2 MiB pages (both 2 MiB aligned). */
void virt_map_2m(struct vm *vm, uint64_t gva, uint64_t gpa, uint64_t size);
/* Copies the test binary's loaded image into guest memory and maps it. */
void vm_load_image(struct vm *vm);
/* Page tables, direct map, GDT/TSS/IDT (vm_create() calls it). */
void vm_setup_long_mode(struct vm *vm);
/* Sets the 64-bit register state of a vCPU to call @guest_fn. */
void vcpu_setup_long_mode(struct vcpu *vcpu, void *guest_fn);
/* Fills @sregs for long mode as vcpu_setup_long_mode() does. */
void vm_long_mode_sregs(struct vm *vm, struct hv_sregs *sregs);

#endif /* HV_SELFTEST_PROCESSOR_H */
