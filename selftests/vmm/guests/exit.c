// SPDX-License-Identifier: GPL-2.0
/*
 * Exit device: ends the VM by writing "code=V" to port 0xf4 with an access
 * of "width=1|2|4" bytes; hv-run must exit with status V & 0xff.  On the way
 * it writes a POST code to port 0x80 (accepted and ignored) and reads a port
 * no device claims, which must read as all ones for every access size.
 */
#include "rt.h"

#define UNCLAIMED_PORT	0x2e0	/* nothing on the contract's device list lives here */

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	uint32_t code = cmdline_uint(cmdline, "code", 0);
	uint32_t width = cmdline_uint(cmdline, "width", 1);
	uint32_t b, w, l;

	(void)mbi;
	outb(POST_PORT, 0x42);
	check(true, "post_port_write", NULL);	/* reaching this line is the check */

	b = inb(UNCLAIMED_PORT);
	w = inw(UNCLAIMED_PORT);
	l = inl(UNCLAIMED_PORT);
	check(b == 0xff && w == 0xffff && l == 0xffffffff, "unclaimed_port_reads_ones",
	      "inb 0x%x inw 0x%x inl 0x%x", b, w, l);
	outb(UNCLAIMED_PORT, 0);		/* dropped */

	printf_serial("# exiting with code 0x%x width %u\n", code, width);
	switch (width) {
	case 2:
		outw(EXIT_PORT, code);
		break;
	case 4:
		outl(EXIT_PORT, code);
		break;
	default:
		outb(EXIT_PORT, code);
		break;
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}
