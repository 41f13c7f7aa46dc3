// SPDX-License-Identifier: GPL-2.0
/*
 * Triple fault: with an empty IDT, INT3 cannot be delivered (#GP), nor can
 * the #GP, nor the double fault; the CPU shuts down and hv-run must end
 * with status 4.
 */
#include "rt.h"

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)mbi;
	(void)cmdline;
	puts_serial("# loading an empty IDT and raising #BP\n");
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	puts_serial("not ok triple_fault: survived INT3 with an empty IDT\n");
	return GUEST_EXIT_SURVIVED;
}
