// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the 16550A: registers and DLAB, loopback data and modem
 * lines, FIFO and overrun, IIR priorities, the THRE interrupt as Linux
 * probes it, trigger level and timeout, the OUT2 gate, transmission to the
 * output fd, flow control, and the reader thread.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../devices/serial.h"
#include "unit.h"

#define COM1 0x3f8

struct serial_env {
	struct iobus bus;
	struct serial s;
	struct irq_probe irq;
};

static bool env_init(struct serial_env *e, int in_fd, int out_fd)
{
	memset(e, 0, sizeof(*e));
	iobus_init(&e->bus, "pio");
	return serial_init(&e->s, &e->bus, COM1, in_fd, out_fd, irq_probe_line(&e->irq)) == 0;
}

static void env_destroy(struct serial_env *e)
{
	serial_stop(&e->s);
	iobus_destroy(&e->bus);
}

static bool serial_registers(void)
{
	struct serial_env e;

	CHECK(env_init(&e, -1, -1));
	outb(&e.bus, COM1 + 1, 0xff);
	CHECK_EQ(inb(&e.bus, COM1 + 1), 0x0f);		/* IER has 4 bits on a 16550A */
	outb(&e.bus, COM1 + 1, 0x00);
	outb(&e.bus, COM1 + 7, 0x5a);
	CHECK_EQ(inb(&e.bus, COM1 + 7), 0x5a);
	outb(&e.bus, COM1 + 3, 0x80);			/* DLAB */
	outb(&e.bus, COM1 + 0, 0x0c);
	outb(&e.bus, COM1 + 1, 0x01);
	CHECK_EQ(inb(&e.bus, COM1 + 0), 0x0c);
	CHECK_EQ(inb(&e.bus, COM1 + 1), 0x01);
	outb(&e.bus, COM1 + 3, 0x03);			/* 8N1, DLAB off */
	CHECK_EQ(inb(&e.bus, COM1 + 1), 0x00);		/* IER untouched by DLM */
	CHECK_EQ(inb(&e.bus, COM1 + 3), 0x03);
	CHECK_EQ(inb(&e.bus, COM1 + 5), 0x60);		/* THRE | TEMT, no data */
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x01);		/* no FIFO, no interrupt */
	outb(&e.bus, COM1 + 2, 0x01);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc1);		/* FIFOs on: bits 7-6; bit 5 clear (not a 16750) */
	env_destroy(&e);
	return true;
}

static bool serial_loopback_modem_lines(void)
{
	struct serial_env e;

	CHECK(env_init(&e, -1, -1));
	CHECK_EQ(inb(&e.bus, COM1 + 6) & 0xf0, 0xb0);	/* no line: CTS, DSR, DCD */
	outb(&e.bus, COM1 + 4, 0x1a);			/* Linux's probe: LOOP | OUT2 | RTS */
	CHECK_EQ(inb(&e.bus, COM1 + 6), 0x90 | 0x02);	/* CTS, DCD; DSR dropped: DDSR */
	CHECK_EQ(inb(&e.bus, COM1 + 6), 0x90);		/* deltas clear on read */
	outb(&e.bus, COM1 + 4, 0x1f);			/* + DTR, OUT1 */
	CHECK_EQ(inb(&e.bus, COM1 + 6), 0xf0 | 0x02);	/* RI rising is no TERI */
	outb(&e.bus, COM1 + 4, 0x1b);			/* OUT1 off: RI trailing edge */
	CHECK_EQ(inb(&e.bus, COM1 + 6), 0xb0 | 0x04);
	env_destroy(&e);
	return true;
}

static bool serial_loopback_data(void)
{
	struct serial_env e;
	int p[2];
	char c;

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK(env_init(&e, -1, p[1]));
	outb(&e.bus, COM1 + 2, 0x07);
	outb(&e.bus, COM1 + 4, 0x10);
	outb(&e.bus, COM1, 'h');
	outb(&e.bus, COM1, 'v');
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x01, 0x01);
	CHECK_EQ(inb(&e.bus, COM1), 'h');
	CHECK_EQ(inb(&e.bus, COM1), 'v');
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x01, 0x00);
	CHECK(read(p[0], &c, 1) < 0);			/* nothing went out on the line */
	env_destroy(&e);
	close(p[0]);
	close(p[1]);
	return true;
}

static bool serial_fifo_overrun(void)
{
	struct serial_env e;
	int i;

	CHECK(env_init(&e, -1, -1));
	outb(&e.bus, COM1 + 2, 0x07);
	outb(&e.bus, COM1 + 4, 0x10);
	for (i = 0; i < 17; i++)
		outb(&e.bus, COM1, (uint8_t)i);
	CHECK_EQ(inb(&e.bus, COM1 + 5), 0x63);		/* DR | OE | THRE | TEMT */
	CHECK_EQ(inb(&e.bus, COM1 + 5), 0x61);		/* OE cleared by the read */
	for (i = 0; i < 16; i++)
		CHECK_EQ(inb(&e.bus, COM1), i);		/* the 17th byte was lost */
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x01, 0);
	/* Without FIFOs the holding register takes one byte. */
	outb(&e.bus, COM1 + 2, 0x00);
	outb(&e.bus, COM1, 0x41);
	outb(&e.bus, COM1, 0x42);
	CHECK_EQ(inb(&e.bus, COM1 + 5), 0x63);
	CHECK_EQ(inb(&e.bus, COM1), 0x41);
	env_destroy(&e);
	return true;
}

static bool serial_iir_priorities(void)
{
	struct serial_env e;
	int i;

	CHECK(env_init(&e, -1, -1));
	outb(&e.bus, COM1 + 2, 0x01);			/* FIFO, trigger 1 */
	outb(&e.bus, COM1 + 4, 0x10);			/* loopback */
	for (i = 0; i < 17; i++)
		outb(&e.bus, COM1, 'x');		/* data and an overrun */
	outb(&e.bus, COM1 + 4, 0x11);			/* DTR: DSR changes, DDSR */
	outb(&e.bus, COM1 + 1, 0x0f);			/* all four sources enabled */
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc6);		/* line status first */
	inb(&e.bus, COM1 + 5);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc4);		/* then received data */
	for (i = 0; i < 16; i++)
		inb(&e.bus, COM1);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc2);		/* then THR empty... */
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc0);		/* ...cleared by that read: modem status */
	inb(&e.bus, COM1 + 6);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc1);
	env_destroy(&e);
	return true;
}

static bool serial_thre_as_linux_probes(void)
{
	struct serial_env e;

	CHECK(env_init(&e, -1, -1));
	/* serial8250_do_startup()'s THRE test, twice. */
	outb(&e.bus, COM1 + 1, 0x02);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x02);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x01);		/* the IIR read cleared it */
	outb(&e.bus, COM1 + 1, 0x00);
	outb(&e.bus, COM1 + 1, 0x02);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x02);		/* re-asserted: no UART_BUG_THRE */
	/* A rewrite of IER with THRI already on does not re-assert... */
	outb(&e.bus, COM1 + 1, 0x02);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x01);
	/* ...but a transmitted byte does, once THR is empty again. */
	outb(&e.bus, COM1, 'a');
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0x02);
	env_destroy(&e);
	return true;
}

static bool serial_trigger_and_timeout(void)
{
	struct serial_env e;
	const uint8_t data[8] = "01234567";

	CHECK(env_init(&e, -1, -1));
	outb(&e.bus, COM1 + 2, 0x81);			/* FIFO, trigger level 8 */
	outb(&e.bus, COM1 + 1, 0x01);
	CHECK_EQ(serial_receive(&e.s, data, 3), 3);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xcc);		/* below trigger: character timeout */
	CHECK_EQ(serial_receive(&e.s, data, 5), 5);
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc4);		/* at trigger: data available */
	outb(&e.bus, COM1 + 2, 0x83);			/* clear RX */
	CHECK_EQ(inb(&e.bus, COM1 + 2), 0xc1);
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x01, 0);
	env_destroy(&e);
	return true;
}

static bool serial_irq_gate(void)
{
	struct serial_env e;
	const uint8_t b = 'k';

	CHECK(env_init(&e, -1, -1));
	outb(&e.bus, COM1 + 1, 0x01);
	CHECK_EQ(serial_receive(&e.s, &b, 1), 1);
	CHECK(!e.irq.level);				/* pending, but OUT2 is off */
	outb(&e.bus, COM1 + 4, 0x08);
	CHECK(e.irq.level);
	outb(&e.bus, COM1 + 4, 0x18);			/* loopback closes the gate */
	CHECK(!e.irq.level);
	outb(&e.bus, COM1 + 4, 0x08);
	CHECK(e.irq.level);
	inb(&e.bus, COM1);				/* drained: the line drops */
	CHECK(!e.irq.level);
	CHECK_EQ(e.irq.rises, 2);
	env_destroy(&e);
	return true;
}

static bool serial_transmit_to_fd(void)
{
	struct serial_env e;
	char buf[8] = { 0 };
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(env_init(&e, -1, p[1]));
	outb(&e.bus, COM1, 'o');
	outb(&e.bus, COM1, 'k');
	io_out(&e.bus, COM1, 1, '\n');
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "ok\n", 3));
	env_destroy(&e);
	close(p[0]);
	close(p[1]);
	return true;
}

static bool serial_receive_flow_control(void)
{
	struct serial_env e;
	uint8_t data[20];

	memset(data, 'z', sizeof(data));
	CHECK(env_init(&e, -1, -1));
	CHECK_EQ(serial_receive(&e.s, data, sizeof(data)), 1);	/* no FIFO: one byte */
	outb(&e.bus, COM1 + 2, 0x01);			/* enabling FIFOs empties them */
	CHECK_EQ(serial_receive(&e.s, data, sizeof(data)), 16);
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x02, 0);	/* refused, not overrun */
	outb(&e.bus, COM1 + 4, 0x10);
	inb(&e.bus, COM1);
	CHECK_EQ(serial_receive(&e.s, data, 1), 0);	/* loopback: the line is cut */
	env_destroy(&e);
	return true;
}

/* Wait up to @ms for LSR.DR; false on timeout. */
static bool wait_data(struct iobus *b, int ms)
{
	struct timespec ts = { .tv_nsec = 1000000 };

	while (ms-- > 0) {
		if (inb(b, COM1 + 5) & 0x01)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static bool serial_reader_thread(void)
{
	struct serial_env e;
	char msg[41];
	int p[2], i;

	for (i = 0; i < 40; i++)
		msg[i] = (char)('A' + i % 26);
	CHECK(pipe(p) == 0);
	CHECK(env_init(&e, p[0], -1));
	outb(&e.bus, COM1 + 2, 0x01);
	CHECK(serial_start(&e.s) == 0);
	CHECK_EQ(write(p[1], msg, 40), 40);		/* more than the FIFO holds */
	for (i = 0; i < 40; i++) {
		CHECK(wait_data(&e.bus, 2000));
		CHECK_EQ(inb(&e.bus, COM1), (uint8_t)msg[i]);
	}
	CHECK_EQ(inb(&e.bus, COM1 + 5) & 0x03, 0);	/* no data left, never an overrun */
	env_destroy(&e);				/* joins the reader */
	close(p[0]);
	close(p[1]);
	return true;
}

const struct unit_case serial_cases[] = {
	{ "serial_registers", serial_registers },
	{ "serial_loopback_modem_lines", serial_loopback_modem_lines },
	{ "serial_loopback_data", serial_loopback_data },
	{ "serial_fifo_overrun", serial_fifo_overrun },
	{ "serial_iir_priorities", serial_iir_priorities },
	{ "serial_thre_as_linux_probes", serial_thre_as_linux_probes },
	{ "serial_trigger_and_timeout", serial_trigger_and_timeout },
	{ "serial_irq_gate", serial_irq_gate },
	{ "serial_transmit_to_fd", serial_transmit_to_fd },
	{ "serial_receive_flow_control", serial_receive_flow_control },
	{ "serial_reader_thread", serial_reader_thread },
	{ NULL, NULL },
};
