// SPDX-License-Identifier: GPL-2.0
/*
 * Reset through the i8042 keyboard controller (command 0xfe pulses the CPU
 * reset line) or, with "port92=1", through System Control Port A (a write
 * that sets bit 0): hv-run must end with status 3 (guest reboot).  Before
 * the reset, port 0x92 must show A20 enabled, as firmware leaves it.
 */
#include "rt.h"

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	unsigned int spins = 0;
	uint8_t a;

	(void)mbi;
	if (cmdline_uint(cmdline, "port92", 0)) {
		a = inb(0x92);
		check((a & 0x03) == 0x02, "port92_a20_on_reset_off", "port 0x92 reads 0x%x", a);
		puts_serial("# pulsing the reset line (port 0x92 bit 0)\n");
		outb(0x92, a | 0x01);
	} else {
		/* Status bit 1: the controller's input buffer is full; wait until it is not. */
		while ((inb(0x64) & 0x02) && ++spins < 1000000)
			;
		puts_serial("# pulsing the reset line (i8042 command 0xfe)\n");
		outb(0x64, 0xfe);
	}
	/* The stop is asynchronous: give it a while, without an interrupt that could mask the result. */
	for (spins = 0; spins < 50000000; spins++)
		__asm__ volatile("pause");
	puts_serial("not ok reset: still running after the reset command\n");
	return GUEST_EXIT_SURVIVED;
}
