/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run device unit tests: shared helpers.  Each case is a function that
 * returns true on success; CHECK_EQ reports the first mismatch with its
 * line and makes the case fail.  Devices are reached through a real iobus
 * (core's iobus.c), so port decoding is tested along with the device.
 */
#ifndef HV_RUN_UNIT_H
#define HV_RUN_UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../iobus.h"
#include "../../irq.h"
#include "../../devices/timer.h"

#define CHECK_EQ(got, want) do {							\
	unsigned long long _g = (unsigned long long)(got), _w = (unsigned long long)(want); \
	if (_g != _w) {									\
		printf("# %s:%d: %s = %#llx, expected %#llx\n",			\
		       __FILE__, __LINE__, #got, _g, _w);				\
		return false;								\
	}										\
} while (0)

#define CHECK(cond) do {								\
	if (!(cond)) {									\
		printf("# %s:%d: %s is false\n", __FILE__, __LINE__, #cond);		\
		return false;								\
	}										\
} while (0)

struct unit_case {
	const char *name;
	bool (*fn)(void);
};

/* Port I/O through a bus. */
static inline uint64_t io_in(struct iobus *bus, uint16_t port, unsigned int size)
{
	uint64_t v = 0;

	iobus_access(bus, port, false, size, &v);
	return v;
}

static inline void io_out(struct iobus *bus, uint16_t port, unsigned int size, uint64_t v)
{
	iobus_access(bus, port, true, size, &v);
}

static inline uint8_t inb(struct iobus *bus, uint16_t port)
{
	return (uint8_t)io_in(bus, port, 1);
}

static inline void outb(struct iobus *bus, uint16_t port, uint8_t v)
{
	io_out(bus, port, 1, v);
}

/* An interrupt line that records what the device drove on it. */
struct irq_probe {
	bool level;
	unsigned int rises, falls;
};

static inline void irq_probe_set(void *opaque, unsigned int irq, bool high)
{
	struct irq_probe *p = opaque;

	(void)irq;
	if (high && !p->level)
		p->rises++;
	if (!high && p->level)
		p->falls++;
	p->level = high;
}

static inline struct irq_line irq_probe_line(struct irq_probe *p)
{
	return (struct irq_line){ .set_level = irq_probe_set, .opaque = p, .irq = 0 };
}

/* A clock the test moves by hand. */
struct fake_clock {
	uint64_t ns;
};

static inline uint64_t fake_clock_now(void *opaque)
{
	return ((struct fake_clock *)opaque)->ns;
}

static inline struct dev_clock fake_clock_of(struct fake_clock *c)
{
	return (struct dev_clock){ .now_ns = fake_clock_now, .opaque = c };
}

/* Case tables, one per test file. */
extern const struct unit_case pic_cases[], serial_cases[], pit_cases[], rtc_cases[],
	i8042_cases[], pci_cases[], misc_cases[], linux_boot_cases[], virtq_cases[],
	virtio_pci_cases[], virtio_blk_cases[], ioapic_cases[], acpi_cases[], multiboot_cases[],
	fw_cfg_cases[], virtio_msix_cases[], virtio_console_cases[], virtio_net_cases[], doorbell_cases[],
	hv_stat_cases[], coalesced_cases[], virtio_balloon_cases[];

#endif /* HV_RUN_UNIT_H */
