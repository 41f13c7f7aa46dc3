// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART on COM1 (0x3f8, IRQ 4): registers, line status, interrupt
 * identification and loopback, then bytes typed on hv-run's stdin received
 * through IRQ 4.  While loopback is on the transmitter does not reach
 * stdout, so results are recorded first and printed afterwards.
 *
 * The harness sends its bytes only after the line "# ready for input",
 * so nothing from stdin can be in the receiver during the loopback checks.
 */
#include "rt.h"

#define RBR	0	/* read, DLAB=0 */
#define THR	0	/* write, DLAB=0 */
#define DLL	0	/* DLAB=1 */
#define IER	1
#define DLM	1	/* DLAB=1 */
#define IIR	2	/* read */
#define FCR	2	/* write */
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xc0	/* both bits: FIFOs enabled (16550A) */

#define NR_RESULTS	16
#define RX_WANT		2

/* The results of the silent phase, printed once COM1 talks to stdout again. */
struct result {
	const char *name;
	bool pass;
	uint32_t got, want;
};

struct uart_test {
	struct result res[NR_RESULTS];
	unsigned int nr;
	/* written by the IRQ handlers, read by the halted main loop */
	volatile unsigned int ticks, rx_irqs, rx_len;
	volatile uint8_t rx[8];
};

static struct uart_test ut;

static uint8_t rd(unsigned int reg) { return inb(COM1 + reg); }
static void wr(unsigned int reg, uint8_t v) { outb(COM1 + reg, v); }

static void record(const char *name, uint32_t got, uint32_t want)
{
	if (ut.nr < NR_RESULTS)
		ut.res[ut.nr++] = (struct result){ name, got == want, got, want };
}

static void drain_rx(void)
{
	unsigned int n = 0;

	while ((rd(LSR) & LSR_DR) && n++ < 64)
		(void)rd(RBR);
}

static void silent_checks(void)
{
	uint8_t v;

	wr(SCR, 0x5a);
	v = rd(SCR);
	wr(SCR, 0xa5);
	record("scratch_register", (uint32_t)v << 8 | rd(SCR), 0x5aa5);

	wr(LCR, 0x83);			/* DLAB on, 8N1 */
	wr(DLL, 0x0c);			/* 9600 baud */
	wr(DLM, 0x00);
	record("divisor_latch", (uint32_t)rd(DLM) << 8 | rd(DLL), 0x000c);
	wr(LCR, 0x03);			/* DLAB off */
	record("line_control", rd(LCR), 0x03);

	wr(FCR, 0x07);			/* enable and clear both FIFOs */
	wr(IER, 0x00);
	record("iir_fifo_no_interrupt", rd(IIR) & 0xcf, IIR_FIFO | IIR_NONE);

	/* Loopback: the transmitter feeds the receiver, the modem outputs feed MSR. */
	wr(MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	drain_rx();
	/* The 8250 driver's own probe: LOOP|OUT2|RTS must read back as DCD|CTS. */
	record("loopback_msr_dcd_cts", rd(MSR) & 0xf0, 0x90);
	wr(MCR, MCR_LOOP | MCR_OUT1 | MCR_DTR);
	record("loopback_msr_ri_dsr", rd(MSR) & 0xf0, 0x60);
	wr(MCR, MCR_LOOP);
	record("loopback_dr_clear", rd(LSR) & LSR_DR, 0);

	wr(THR, 0x42);
	record("loopback_dr_set", rd(LSR) & LSR_DR, LSR_DR);
	record("loopback_thre_temt", rd(LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
	record("loopback_byte", rd(RBR), 0x42);
	record("loopback_dr_after_read", rd(LSR) & LSR_DR, 0);

	/* FIFO order with three bytes in flight. */
	wr(THR, 0x11);
	wr(THR, 0x22);
	wr(THR, 0x33);
	v = rd(RBR);
	record("loopback_fifo_order", (uint32_t)v << 16 | (uint32_t)rd(RBR) << 8 | rd(RBR), 0x112233);

	/* IIR: receive data available outranks THR empty; THRE is cleared by reading IIR. */
	wr(IER, 0x03);
	wr(THR, 0x77);
	record("iir_rda", rd(IIR) & 0x0f, IIR_RDA);
	record("loopback_rda_byte", rd(RBR), 0x77);
	v = rd(IIR) & 0x0f;		/* the THRE interrupt is now the pending one... */
	record("iir_thre", (uint32_t)v << 4 | (rd(IIR) & 0x0f), IIR_THRE << 4 | IIR_NONE);
	wr(IER, 0x00);			/* ...and reading IIR acknowledged it */

	wr(MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);	/* back to normal, OUT2 gates IRQ 4 */
	drain_rx();
}

static void tick(struct irq_frame *f)
{
	(void)f;
	ut.ticks++;
}

static void com1_irq(struct irq_frame *f)
{
	unsigned int n = 0;

	(void)f;
	ut.rx_irqs++;
	while ((rd(LSR) & LSR_DR) && n++ < 16) {
		uint8_t c = rd(RBR);

		if (ut.rx_len < sizeof(ut.rx))
			ut.rx[ut.rx_len++] = c;
	}
}

/* Interrupt-driven receive of RX_WANT bytes, with the PIT as a watchdog. */
static bool receive(void)
{
	const unsigned int limit = 2000;	/* 20 s at 100 Hz */
	unsigned int i;

	irq_set_handler(0, tick);
	irq_set_handler(4, com1_irq);
	pic_remap(0xff & ~0x11, 0xff);		/* IRQ 0 and IRQ 4 */
	pit_periodic(PIT_HZ / 100);
	wr(IER, 0x01);				/* receive data available */
	puts_serial("# ready for input\n");
	while (ut.rx_len < RX_WANT && ut.ticks < limit)
		sti_hlt();
	cli();
	wr(IER, 0x00);
	printf_serial("# rx %u bytes in %u interrupts after %u ticks\n", ut.rx_len, ut.rx_irqs, ut.ticks);
	if (!check(ut.rx_len >= RX_WANT, "stdin_receive_irq", "%u of %u bytes before the watchdog",
		   ut.rx_len, RX_WANT))
		return false;
	printf_serial("# received");
	for (i = 0; i < ut.rx_len; i++)
		printf_serial(" %02x", ut.rx[i]);
	putc_serial('\n');
	return true;
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	unsigned int i, failed = 0;
	uint8_t lsr;

	(void)mbi;
	(void)cmdline;
	puts_serial("# transmitter check\n");
	lsr = rd(LSR);
	if (!check((lsr & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT), "thre_temt_after_write",
		   "LSR 0x%02x after writes", lsr))
		failed++;

	silent_checks();
	for (i = 0; i < ut.nr; i++)
		if (!check(ut.res[i].pass, ut.res[i].name, "got 0x%x, want 0x%x",
			   ut.res[i].got, ut.res[i].want))
			failed++;
	if (!receive())
		failed++;
	return failed;
}
