/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the cascaded 8259A pair of the PC (master 0x20/0x21,
 * slave 0xa0/0xa1 on the master's IRQ 2) and the edge/level control
 * registers ELCR1/ELCR2 at 0x4d0/0x4d1.  See pic.c for what is modelled.
 */
#ifndef HV_RUN_PIC_H
#define HV_RUN_PIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../iobus.h"
#include "../irq.h"

struct pic_chip {
	uint8_t irr;		/* interrupt request register */
	uint8_t isr;		/* in-service register */
	uint8_t imr;		/* interrupt mask register (OCW1) */
	uint8_t lines;		/* current input levels (edge detection, level mode) */
	uint8_t elcr;		/* 1 = level-triggered input */
	uint8_t elcr_mask;	/* ELCR bits that may be set */
	uint8_t vector_base;	/* ICW2 & 0xf8 */
	uint8_t icw3;		/* stored; the wiring is fixed (slave on IRQ 2) */
	uint8_t lowest;		/* input with the lowest priority (rotation) */
	uint8_t init_step;	/* 0 ready; 1, 2, 3: expecting ICW2, ICW3, ICW4 */
	bool icw4_needed;
	bool single;		/* ICW1 SNGL: no ICW3 */
	bool ltim;		/* ICW1 LTIM: every input level-triggered */
	bool auto_eoi;
	bool rotate_on_aeoi;
	bool sfnm;		/* special fully nested mode (master) */
	bool special_mask;
	bool read_isr;		/* OCW3 RR/RIS: port 0 reads ISR, else IRR */
	bool poll;		/* OCW3 P: next port 0 read is a poll */
};

struct pic {
	pthread_mutex_t lock;	/* guards everything below */
	struct pic_chip chip[2];	/* [0] master, [1] slave */
	bool output;		/* the master's INT pin, last computed */
	void (*output_changed)(void *opaque);
	void *opaque;
};

/*
 * Registers 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1 on @pio.  output_changed
 * (may be NULL) is called, from whichever thread changed the state and
 * with the PIC lock released, whenever the INTR output may have changed:
 * treat it as "look again" and read pic_output().  0 or -errno.
 */
int pic_init(struct pic *pic, struct iobus *pio, void (*output_changed)(void *opaque), void *opaque);
/* Input @irq (0-15) to level @high.  Edge inputs latch a rising edge. */
void pic_set_irq(struct pic *pic, unsigned int irq, bool high);
/* The INTR line towards the CPU. */
bool pic_output(struct pic *pic);
/*
 * INTA: the vector to inject, or -1 when INTR is low (no acknowledge cycle
 * happens).  A slave whose request went away after it raised the master's
 * IRQ 2 answers with its IRQ 7 (vector base + 7, ISR untouched), the
 * spurious IRQ 15 the real pair gives.
 */
int pic_acknowledge(struct pic *pic);
/* An irq_line feeding input @irq, for the other devices. */
struct irq_line pic_irq_line(struct pic *pic, unsigned int irq);

#endif /* HV_RUN_PIC_H */
