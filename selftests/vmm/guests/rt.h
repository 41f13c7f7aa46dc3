/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime of the hv-run test kernels: freestanding 32-bit code started by a
 * multiboot (v1) loader.  Each test kernel defines guest_main(); it talks
 * to the test harness through COM1 (polled output) and ends the VM through
 * the exit device, port 0xf4, whose value becomes hv-run's exit status.
 *
 * Output convention (parsed by selftests/vmm/vmm_test.c): one line per
 * check, "ok <name>" or "not ok <name>: <why>", plus free-form "# " lines.
 */
#ifndef HV_GUEST_RT_H
#define HV_GUEST_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_PORT	0xf4
#define POST_PORT	0x80
#define COM1		0x3f8

/* Exit statuses a test kernel uses for its own trouble (not hv-run's). */
#define GUEST_EXIT_BAD_BOOT	0xe1	/* not started by a multiboot loader */
#define GUEST_EXIT_EXCEPTION	0xe2	/* unexpected CPU exception */
#define GUEST_EXIT_SURVIVED	0xe3	/* lived past what should have ended the VM */

/* The multiboot information structure, as far as the tests read it. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB, valid with flags bit 0 */
	uint32_t mem_upper;	/* KiB above 1 MiB, flags bit 0 */
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address of a C string, flags bit 2 */
};

#define MB_INFO_MEM	(1u << 0)
#define MB_INFO_CMDLINE	(1u << 2)

/* The register frame built by entry.S's interrupt stubs (pushal order). */
struct irq_frame {
	uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }

/*
 * STI;HLT back to back: STI's one-instruction interrupt shadow means an
 * interrupt that is already pending is taken at the HLT, not lost before it.
 */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/* Provided by each test kernel. Its return value is the exit status. */
int guest_main(const struct mb_info *mbi, const char *cmdline);

/* Serial output on COM1 (polled; the UART test restores COM1 before it prints). */
void putc_serial(char c);
void puts_serial(const char *s);
void printf_serial(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf_serial(const char *fmt, va_list ap);

/* One check result line; returns @pass so callers can count failures. */
bool check(bool pass, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Ends the VM through the exit device; never returns. */
void __attribute__((noreturn)) guest_exit(unsigned int status);

/* Interrupts: vectors 0-31 are exceptions, the PICs are remapped to 32-47. */
#define IRQ_BASE	32
typedef void (*irq_handler_t)(struct irq_frame *f);
void idt_install(void);
void irq_set_handler(unsigned int irq, irq_handler_t fn);	/* irq 0-15 */
void pic_remap(uint8_t master_mask, uint8_t slave_mask);
void pic_eoi(unsigned int irq);
void pit_periodic(unsigned int divisor);			/* channel 0, mode 2 */
#define PIT_HZ		1193182u

/* CMOS/RTC */
uint8_t cmos_read(uint8_t reg);
struct rtc_time {
	unsigned int year, month, day, hour, minute, second;
};
/* A consistent reading (no update in progress, two equal reads); false on a timeout. */
bool rtc_read(struct rtc_time *t);

/* Command line: the value of "key=<number>" (decimal or 0x hex), or @def. */
uint32_t cmdline_uint(const char *cmdline, const char *key, uint32_t def);

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);

#endif /* HV_GUEST_RT_H */
