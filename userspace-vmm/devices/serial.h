/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: a 16550A UART (8 ports from @base), its interrupt on an
 * irq_line, receiving from an input fd on a reader thread and transmitting
 * to an output fd.  See serial.c for what is modelled.
 */
#ifndef HV_RUN_SERIAL_H
#define HV_RUN_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../iobus.h"
#include "../irq.h"
#include "reader.h"

#define SERIAL_FIFO_SIZE	16

struct serial {
	pthread_mutex_t lock;	/* guards everything below but the thread fields */
	struct irq_line irq;
	int in_fd;		/* -1: nothing is ever received but loopback */
	int out_fd;		/* -1: transmitted bytes are dropped */

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;		/* FIFO enable and RX trigger bits as last written */
	uint8_t lsr_errors;	/* OE/PE/FE/BI, cleared by reading LSR */
	uint8_t msr;		/* status bits 7-4 and delta bits 3-0 */
	bool thr_ipending;	/* the THR-empty interrupt is asserted */
	bool irq_high;		/* level last driven on irq */

	uint8_t rx[SERIAL_FIFO_SIZE];	/* ring; capacity 1 with FIFOs off */
	unsigned int rx_head, rx_count;
	uint8_t rbr_last;	/* what RBR reads when the FIFO is empty */

	/* the reader thread (serial_start); its pipe wakes it to stop or when there is room */
	struct reader reader;
	bool stopping;		/* guarded by lock */
	bool reader_waiting;	/* guarded by lock: the reader sleeps until woken */
};

/* Registers 8 ports at @base.  0 or -errno.  Nothing runs until serial_start(). */
int serial_init(struct serial *s, struct iobus *pio, uint16_t base, int in_fd, int out_fd,
		struct irq_line irq);
/* Start the input reader thread (none when in_fd is -1).  0 or -errno. */
int serial_start(struct serial *s);
void serial_stop(struct serial *s);
/*
 * Put up to @len received bytes into the RX FIFO as if they came down the
 * line; returns how many fit (the rest is refused, not overrun: the reader
 * thread uses this for flow control).  Nothing is accepted in loopback mode,
 * where the receiver is disconnected from the line.  Any thread.
 */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

#endif /* HV_RUN_SERIAL_H */
