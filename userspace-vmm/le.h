/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian byte access for register files and guest-visible
 * structures (PCI configuration space, virtio registers and headers),
 * whatever the host's byte order and alignment; big-endian for the few
 * that are (fw_cfg's file directory and DMA control).
 */
#ifndef HV_RUN_LE_H
#define HV_RUN_LE_H

#include <stdint.h>

/* Store the low @size bytes of @v at @p, least significant first. */
static inline void put_le(uint8_t *p, unsigned int size, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Load @size bytes at @p, least significant first. */
static inline uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Store the low @size bytes of @v at @p, most significant first. */
static inline void put_be(uint8_t *p, unsigned int size, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

/* Load @size bytes at @p, most significant first. */
static inline uint64_t get_be(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

#endif /* HV_RUN_LE_H */
