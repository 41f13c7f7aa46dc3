// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the I/O bus.  Ranges are kept sorted by base and never overlap,
 * so dispatch is a binary search.  The table is only changed before the
 * vCPUs start; afterwards it is read without a lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iobus.h"

void iobus_init(struct iobus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void iobus_destroy(struct iobus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nr = bus->cap = 0;
}

/* Index of the first range whose end is above @addr (nr if none). */
static size_t iobus_lower_bound(const struct iobus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct iobus_range *r = &bus->ranges[mid];

		/* r->len >= 1 and base + len does not wrap (checked at registration). */
		if (r->base + r->len - 1 < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct io_ops *ops, void *opaque)
{
	uint64_t last;
	size_t i;

	if (!len || !ops)
		return -EINVAL;
	last = base + len - 1;
	if (last < base)
		return -EINVAL;
	i = iobus_lower_bound(bus, base);
	/* ranges[i] is the first range ending at or above base: it must start after last. */
	if (i < bus->nr && bus->ranges[i].base <= last)
		return -EEXIST;
	if (bus->nr == bus->cap) {
		size_t cap = bus->cap ? bus->cap * 2 : 16;
		struct iobus_range *n = realloc(bus->ranges, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		bus->ranges = n;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->nr - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct iobus_range){ .base = base, .len = len, .ops = ops, .opaque = opaque };
	bus->nr++;
	return 0;
}

bool iobus_access(struct iobus *bus, uint64_t addr, bool is_write, unsigned int size, uint64_t *value)
{
	size_t i = iobus_lower_bound(bus, addr);
	const struct iobus_range *r;

	if (i == bus->nr || bus->ranges[i].base > addr) {
		if (!is_write)
			*value = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
		return false;
	}
	r = &bus->ranges[i];
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, size, *value);
	} else {
		*value = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size)
				      : (size >= 8 ? ~0ull : (1ull << (size * 8)) - 1);
	}
	return true;
}
