/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: a device's interrupt output.  Owner: core.  Part of the VMM team's
 * contract: change only by agreement.
 *
 * A device holds a struct irq_line by value, filled in by vm.c when it wires
 * the device to its interrupt controller (today the 8259 pair: set_level is
 * pic_set_irq's adapter, irq is 0-15).  Edge-triggered devices pulse it.
 */
#ifndef HV_RUN_IRQ_H
#define HV_RUN_IRQ_H

#include <stdbool.h>

struct irq_line {
	void (*set_level)(void *opaque, unsigned int irq, bool high);
	void *opaque;
	unsigned int irq;
};

static inline void irq_line_set(const struct irq_line *l, bool high)
{
	l->set_level(l->opaque, l->irq, high);
}

static inline void irq_line_pulse(const struct irq_line *l)
{
	irq_line_set(l, true);
	irq_line_set(l, false);
}

#endif /* HV_RUN_IRQ_H */
