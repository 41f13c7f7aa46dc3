// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime of the hv-run test kernels (see rt.h): start-up, serial output,
 * interrupts (IDT, 8259 PICs, 8254 PIT), CMOS/RTC and the exit device.
 * Everything is polled or interrupt-driven by the guest itself; no state
 * survives between test kernels.
 */
#include "rt.h"

#define MB_BOOT_MAGIC	0x2badb002

/* ---- start-up and exit ---- */

void __attribute__((noreturn)) guest_exit(unsigned int status)
{
	outb(EXIT_PORT, status & 0xff);
	/*
	 * The exit device ends the VM asynchronously (the first stop request
	 * wins); park without interrupts until it does.
	 */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void __attribute__((noreturn)) rt_start(uint32_t magic, const struct mb_info *mbi);
void __attribute__((noreturn)) rt_start(uint32_t magic, const struct mb_info *mbi)
{
	const char *cmdline = "";

	if (magic != MB_BOOT_MAGIC) {
		printf_serial("not ok multiboot_magic: eax=0x%x\n", magic);
		guest_exit(GUEST_EXIT_BAD_BOOT);
	}
	if (mbi->flags & MB_INFO_CMDLINE)
		cmdline = (const char *)(uintptr_t)mbi->cmdline;
	printf_serial("# cmdline \"%s\"\n", cmdline);
	idt_install();
	guest_exit(guest_main(mbi, cmdline));
}

/* ---- libc bits the compiler may call ---- */

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* ---- serial output ---- */

#define LSR_THRE	0x20

void putc_serial(char c)
{
	unsigned int spins = 0;

	if (c == '\n')
		putc_serial('\r');
	/* A real UART drains; an emulated one is always ready. Never hang on it. */
	while (!(inb(COM1 + 5) & LSR_THRE) && ++spins < 100000)
		;
	outb(COM1, (uint8_t)c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_uint(uint32_t v, unsigned int base, int width, char pad)
{
	char buf[12];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		putc_serial(pad);
	while (n)
		putc_serial(buf[--n]);
}

/* %s %c %d %u %x with an optional zero flag and width, e.g. %02u, %08x. */
void vprintf_serial(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		char pad = ' ';
		int width = 0;
		int32_t d;

		if (*fmt != '%') {
			putc_serial(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 's':
			puts_serial(va_arg(ap, const char *));
			break;
		case 'c':
			putc_serial((char)va_arg(ap, int));
			break;
		case 'd':
			d = va_arg(ap, int32_t);
			if (d < 0) {
				putc_serial('-');
				put_uint(-(uint32_t)d, 10, width, pad);
			} else {
				put_uint((uint32_t)d, 10, width, pad);
			}
			break;
		case 'u':
			put_uint(va_arg(ap, uint32_t), 10, width, pad);
			break;
		case 'x':
			put_uint(va_arg(ap, uint32_t), 16, width, pad);
			break;
		case '%':
			putc_serial('%');
			break;
		default:
			putc_serial('?');
			break;
		}
	}
}

void printf_serial(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf_serial(fmt, ap);
	va_end(ap);
}

bool check(bool pass, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf_serial("%s %s", pass ? "ok" : "not ok", name);
	if (!pass && fmt && *fmt) {
		puts_serial(": ");
		va_start(ap, fmt);
		vprintf_serial(fmt, ap);
		va_end(ap);
	}
	putc_serial('\n');
	return pass;
}

/* ---- interrupts ---- */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;		/* 0x8e: present, DPL 0, 32-bit interrupt gate */
	uint16_t offset_hi;
} __attribute__((packed));

#define NR_VECTORS	48
#define IRQ_STUB_SIZE	16	/* entry.S aligns each stub to 16 bytes */

extern const char irq_stubs[];
static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(8)));
static irq_handler_t irq_handlers[16];

void idt_install(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	unsigned int v;

	for (v = 0; v < NR_VECTORS; v++) {
		uint32_t addr = (uint32_t)(uintptr_t)(irq_stubs + v * IRQ_STUB_SIZE);

		idt[v].offset_lo = addr & 0xffff;
		idt[v].selector = 0x08;
		idt[v].zero = 0;
		idt[v].type = 0x8e;
		idt[v].offset_hi = addr >> 16;
	}
	__asm__ volatile("lidt %0" : : "m"(desc));
}

void irq_set_handler(unsigned int irq, irq_handler_t fn)
{
	if (irq < 16)
		irq_handlers[irq] = fn;
}

void irq_dispatch(struct irq_frame *f);
void irq_dispatch(struct irq_frame *f)
{
	unsigned int irq;

	if (f->vector < IRQ_BASE) {
		printf_serial("not ok exception: vector %u error 0x%x at eip 0x%x\n",
			      f->vector, f->error, f->eip);
		guest_exit(GUEST_EXIT_EXCEPTION);
	}
	irq = f->vector - IRQ_BASE;
	if (irq_handlers[irq])
		irq_handlers[irq](f);
	else
		printf_serial("# spurious irq %u\n", irq);
	pic_eoi(irq);
}

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

void pic_remap(uint8_t master_mask, uint8_t slave_mask)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_BASE);	/* ICW2: vector base */
	outb(PIC2_DATA, IRQ_BASE + 8);
	outb(PIC1_DATA, 0x04);		/* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);		/* ICW3: slave identity 2 */
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode, normal EOI */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, master_mask);
	outb(PIC2_DATA, slave_mask);
}

void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}

void pit_periodic(unsigned int divisor)
{
	outb(0x43, 0x34);		/* channel 0, lobyte/hibyte, mode 2 (rate generator) */
	outb(0x40, divisor & 0xff);
	outb(0x40, (divisor >> 8) & 0xff);
}

/* ---- CMOS/RTC ---- */

uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg & 0x7f);		/* bit 7 clear: NMIs stay enabled */
	return inb(0x71);
}

static unsigned int from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0x0f);
}

static bool rtc_read_once(struct rtc_time *t)
{
	unsigned int spins = 0;
	uint8_t b, hour;
	bool bin;

	/* Status A bit 7: an update is in progress, the registers may be torn. */
	while (cmos_read(0x0a) & 0x80)
		if (++spins > 10000000)
			return false;
	b = cmos_read(0x0b);
	bin = b & 0x04;
	t->second = from_bcd(cmos_read(0x00), bin);
	t->minute = from_bcd(cmos_read(0x02), bin);
	hour = cmos_read(0x04);
	t->day = from_bcd(cmos_read(0x07), bin);
	t->month = from_bcd(cmos_read(0x08), bin);
	t->year = from_bcd(cmos_read(0x09), bin) + 100 * from_bcd(cmos_read(0x32), bin);
	t->hour = from_bcd(hour & 0x7f, bin);
	if (!(b & 0x02)) {		/* 12-hour mode: bit 7 is PM */
		t->hour %= 12;
		if (hour & 0x80)
			t->hour += 12;
	}
	return true;
}

bool rtc_read(struct rtc_time *t)
{
	struct rtc_time a, b;
	int tries;

	for (tries = 0; tries < 10; tries++) {
		if (!rtc_read_once(&a) || !rtc_read_once(&b))
			return false;
		if (a.second == b.second && a.minute == b.minute && a.hour == b.hour &&
		    a.day == b.day && a.month == b.month && a.year == b.year) {
			*t = a;
			return true;
		}
	}
	return false;
}

/* ---- command line ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

uint32_t cmdline_uint(const char *cmdline, const char *key, uint32_t def)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		size_t i;

		while (is_space(*p))
			p++;
		for (i = 0; i < klen && p[i] == key[i]; i++)
			;
		if (i == klen && p[i] == '=') {
			uint32_t v = 0, base = 10;

			p += klen + 1;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				base = 16;
				p += 2;
			}
			for (;; p++) {
				uint32_t digit;

				if (*p >= '0' && *p <= '9')
					digit = *p - '0';
				else if (base == 16 && *p >= 'a' && *p <= 'f')
					digit = *p - 'a' + 10;
				else if (base == 16 && *p >= 'A' && *p <= 'F')
					digit = *p - 'A' + 10;
				else
					break;
				v = v * base + digit;
			}
			return v;
		}
		while (*p && !is_space(*p))
			p++;
	}
	return def;
}
