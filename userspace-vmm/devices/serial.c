// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the 16550A UART.
 *
 * Modelled: RBR/THR, IER, IIR/FCR, LCR (DLAB), MCR, LSR, MSR, SCR and the
 * divisor latch; 16-byte RX FIFO with the four trigger levels, FIFO
 * enable/clear; the interrupt identification priorities (line status >
 * received data or character timeout > THR empty > modem status); the
 * THR-empty interrupt as Linux's 8250 driver probes it (asserted when
 * ETBEI goes from 0 to 1 with THR empty and after each transmitted byte,
 * cleared by an IIR read that reports it, by writing THR or by clearing
 * ETBEI); loopback (TX into RX with overrun, DTR/RTS/OUT1/OUT2 looped to
 * DSR/CTS/RI/DCD with their delta bits, line disconnected); and the PC
 * board's interrupt gate: the IRQ pin is driven only while MCR OUT2 is set,
 * and never in loopback, where the 16550 forces its OUT2 pin inactive.
 *
 * Timing is not modelled: the host fd is the line, so a byte written to
 * THR is on it at once (THRE and TEMT read 1 again immediately; the TX FIFO
 * never holds anything), and the baud divisor is stored but ignored.  For
 * the same reason the character timeout fires with zero delay: whenever the
 * FIFO holds fewer bytes than the trigger level, the line is idle already
 * (the reader hands over everything it has at once), so IIR reports the
 * timeout instead of waiting four character times.  Parity, framing and
 * break conditions never happen on an fd, so PE/FE/BI and LSR bit 7 stay 0.
 * With no line, the modem inputs read CTS, DSR and DCD asserted and RI off.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <linux/serial_reg.h>

#include "serial.h"

/* IIR bits 7:6, FIFOs enabled: newer <linux/serial_reg.h> name them, linux-libc-dev 6.1 does not. */
#ifndef UART_IIR_FIFO_ENABLED
#define UART_IIR_FIFO_ENABLED	0xc0
#endif

static bool fifo_on(const struct serial *s)
{
	return s->fcr & UART_FCR_ENABLE_FIFO;
}

static unsigned int rx_capacity(const struct serial *s)
{
	return fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned int rx_trigger(const struct serial *s)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return level[s->fcr >> 6];
}

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t id;

	if ((s->ier & UART_IER_RLSI) && s->lsr_errors)
		id = UART_IIR_RLSI;
	else if ((s->ier & UART_IER_RDI) && s->rx_count)
		id = fifo_on(s) && s->rx_count < rx_trigger(s) ? UART_IIR_RX_TIMEOUT : UART_IIR_RDI;
	else if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		id = UART_IIR_THRI;
	else if ((s->ier & UART_IER_MSI) && (s->msr & 0x0f))
		id = UART_IIR_MSI;
	else
		id = UART_IIR_NO_INT;
	return id | (fifo_on(s) ? UART_IIR_FIFO_ENABLED : 0);
}

/* Drive the IRQ pin from the interrupt state through the OUT2 gate. */
static void serial_update_irq(struct serial *s)
{
	bool high = !(serial_iir(s) & UART_IIR_NO_INT) &&
		    (s->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	if (high != s->irq_high) {
		s->irq_high = high;
		irq_line_set(&s->irq, high);
	}
}

/* Tell a reader waiting for room (or for loopback to end) to look again. */
static void serial_wake_reader(struct serial *s)
{
	if (!s->reader_waiting)
		return;
	s->reader_waiting = false;
	reader_wake(&s->reader);
}

static bool rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count >= rx_capacity(s)) {
		s->lsr_errors |= UART_LSR_OE;
		return false;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
	s->rx_count++;
	return true;
}

static void rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	serial_wake_reader(s);
}

static uint8_t modem_inputs(const struct serial *s)
{
	uint8_t m = s->mcr, v = 0;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	if (m & UART_MCR_RTS)
		v |= UART_MSR_CTS;
	if (m & UART_MCR_DTR)
		v |= UART_MSR_DSR;
	if (m & UART_MCR_OUT1)
		v |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		v |= UART_MSR_DCD;
	return v;
}

/* New modem input levels: set the delta bits for what changed. */
static void serial_update_msr(struct serial *s)
{
	uint8_t old = s->msr & 0xf0, now = modem_inputs(s), changed = old ^ now;
	uint8_t delta = s->msr & 0x0f;

	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		delta |= UART_MSR_TERI;	/* trailing edge only */
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	s->msr = now | delta;
}

static void serial_transmit(struct serial *s, uint8_t byte)
{
	if (s->mcr & UART_MCR_LOOP) {
		rx_push(s, byte);
	} else if (s->out_fd >= 0) {
		ssize_t n;

		struct pollfd pfd = { .fd = s->out_fd, .events = POLLOUT };

		/* A non-blocking output (a tty shared with stdin) waits for room. */
		while ((n = write(s->out_fd, &byte, 1)) < 0) {
			if (errno == EAGAIN)
				poll(&pfd, 1, -1);
			else if (errno != EINTR)
				break;	/* a closed pipe loses the byte, as a cut line would */
		}
	}
	/* The byte left THR at once: THR is empty again. */
	s->thr_ipending = s->ier & UART_IER_THRI;
}

static uint8_t serial_read8(void *opaque, unsigned int reg)
{
	struct serial *s = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&s->lock);
	switch (reg) {
	case UART_RX:		/* UART_DLL with DLAB */
		if (s->lcr & UART_LCR_DLAB) {
			v = s->dll;
		} else if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
			s->rx_count--;
			s->rbr_last = v;
			serial_wake_reader(s);
		} else {
			v = s->rbr_last;
		}
		break;
	case UART_IER:
		v = s->lcr & UART_LCR_DLAB ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = serial_iir(s);
		if ((v & (UART_IIR_ID | UART_IIR_NO_INT)) == UART_IIR_THRI)
			s->thr_ipending = false;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = s->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT | (s->rx_count ? UART_LSR_DR : 0);
		s->lsr_errors = 0;
		break;
	case UART_MSR:
		v = s->msr;
		s->msr &= 0xf0;
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void serial_write_fcr(struct serial *s, uint8_t v)
{
	/* Toggling the enable bit empties both FIFOs. */
	if ((v ^ s->fcr) & UART_FCR_ENABLE_FIFO)
		rx_clear(s);
	if (!(v & UART_FCR_ENABLE_FIFO)) {
		/* The other bits are only programmed together with the enable bit. */
		s->fcr = 0;
		return;
	}
	if (v & UART_FCR_CLEAR_RCVR)
		rx_clear(s);
	s->fcr = v & 0xc9;
}

static void serial_write8(void *opaque, unsigned int reg, uint8_t v)
{
	struct serial *s = opaque;
	uint8_t old;

	pthread_mutex_lock(&s->lock);
	switch (reg) {
	case UART_TX:		/* UART_DLL with DLAB */
		if (s->lcr & UART_LCR_DLAB)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case UART_IER:		/* UART_DLM with DLAB */
		if (s->lcr & UART_LCR_DLAB) {
			s->dlm = v;
			break;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		/* THR is always empty, so enabling ETBEI asserts THRE at once. */
		if ((old ^ s->ier) & UART_IER_THRI)
			s->thr_ipending = s->ier & UART_IER_THRI;
		break;
	case UART_FCR:
		serial_write_fcr(s, v);
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		old = s->mcr;
		s->mcr = v & 0x1f;
		serial_update_msr(s);
		if ((old & UART_MCR_LOOP) && !(s->mcr & UART_MCR_LOOP))
			serial_wake_reader(s);	/* the line is connected again */
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break;	/* LSR and MSR writes are factory test modes */
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned int size)
{
	uint64_t value = 0;
	unsigned int i;

	for (i = 0; i < size && i < 8; i++)
		value |= (uint64_t)(offset + i < 8 ? serial_read8(opaque, (unsigned int)(offset + i)) : 0xff)
			 << (8 * i);
	return value;
}

static void serial_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	unsigned int i;

	for (i = 0; i < size && i < 8; i++)
		if (offset + i < 8)
			serial_write8(opaque, (unsigned int)(offset + i), (uint8_t)(value >> (8 * i)));
}

static const struct io_ops serial_ops = { .read = serial_read, .write = serial_write };

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	if (!(s->mcr & UART_MCR_LOOP))
		while (n < len && s->rx_count < rx_capacity(s))
			rx_push(s, buf[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/*
 * The reader: poll the input fd only while the FIFO has room and nothing
 * read earlier is still waiting to go in; otherwise sleep on the wake pipe
 * until the guest drains the FIFO (or loopback ends, or we are stopped).
 */
static void *serial_reader(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[SERIAL_FIFO_SIZE];
	size_t len = 0, off = 0;
	bool eof = false;

	for (;;) {
		struct pollfd pfd[2];
		bool want_input;

		if (off < len)
			off += serial_receive(s, buf + off, len - off);
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		want_input = !eof && off == len && s->rx_count < rx_capacity(s) &&
			     !(s->mcr & UART_MCR_LOOP);
		/* Waiting for room: a drain writes the wake pipe. */
		s->reader_waiting = !want_input;
		pthread_mutex_unlock(&s->lock);

		pfd[0] = (struct pollfd){ .fd = want_input ? s->in_fd : -1, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->reader.wake[0], .events = POLLIN };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents) {
			if (!reader_drain(&s->reader))
				break;
			continue;
		}
		if (pfd[0].revents) {
			ssize_t n = read(s->in_fd, buf, sizeof(buf));

			if (n > 0) {
				len = (size_t)n;
				off = 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				eof = true;	/* input closed: keep running, receive nothing */
			}
		}
	}
	return NULL;
}

int serial_init(struct serial *s, struct iobus *pio, uint16_t base, int in_fd, int out_fd,
		struct irq_line irq)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = -pthread_mutex_init(&s->lock, NULL);
	if (err)
		return err;
	s->irq = irq;
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	reader_init(&s->reader);
	s->msr = modem_inputs(s);
	return iobus_register(pio, base, 8, &serial_ops, s);
}

int serial_start(struct serial *s)
{
	if (s->in_fd < 0)
		return 0;
	return reader_start(&s->reader, serial_reader, s);
}

void serial_stop(struct serial *s)
{
	if (!s->reader.started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	reader_stop(&s->reader);
}
