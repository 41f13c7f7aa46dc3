/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: helpers for 8-bit ISA devices.
 *
 * The ISA bus splits a 16- or 32-bit access to an 8-bit device into byte
 * cycles at consecutive ports, so a device that only knows bytes handles a
 * wide access as its bytes in order.  Bytes past the end of the device's
 * range belong to nobody: reads give all ones, writes are dropped.
 */
#ifndef HV_RUN_DEV_ISA_H
#define HV_RUN_DEV_ISA_H

#include <stdint.h>

typedef uint8_t (*isa_read8_fn)(void *opaque, unsigned int port);
typedef void (*isa_write8_fn)(void *opaque, unsigned int port, uint8_t value);

static inline uint64_t isa_read_split(void *opaque, uint64_t offset, unsigned int size,
				      uint64_t len, isa_read8_fn read8)
{
	uint64_t value = 0;
	unsigned int i;

	for (i = 0; i < size && i < 8; i++) {
		uint64_t b = offset + i < len ? read8(opaque, (unsigned int)(offset + i)) : 0xff;

		value |= b << (8 * i);
	}
	return value;
}

static inline void isa_write_split(void *opaque, uint64_t offset, unsigned int size,
				   uint64_t len, uint64_t value, isa_write8_fn write8)
{
	unsigned int i;

	for (i = 0; i < size && i < 8; i++)
		if (offset + i < len)
			write8(opaque, (unsigned int)(offset + i), (uint8_t)(value >> (8 * i)));
}

/* Binary <-> packed BCD for one byte (values 0-99). */
static inline uint8_t bin_to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static inline unsigned int bcd_to_bin(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

#endif /* HV_RUN_DEV_ISA_H */
