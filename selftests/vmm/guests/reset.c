// SPDX-License-Identifier: GPL-2.0
/*
 * Reset through the i8042 keyboard controller: command 0xfe pulses the CPU
 * reset line, and hv-run must end with status 3 (guest reboot).
 */
#include "rt.h"

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	unsigned int spins = 0;

	(void)mbi;
	(void)cmdline;
	/* Status bit 1: the controller's input buffer is full; wait until it is not. */
	while ((inb(0x64) & 0x02) && ++spins < 1000000)
		;
	puts_serial("# pulsing the reset line (i8042 command 0xfe)\n");
	outb(0x64, 0xfe);
	/* The stop is asynchronous: give it a while, without an interrupt that could mask the result. */
	for (spins = 0; spins < 50000000; spins++)
		__asm__ volatile("pause");
	puts_serial("not ok reset: still running after the reset command\n");
	return GUEST_EXIT_SURVIVED;
}
