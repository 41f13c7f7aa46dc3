// SPDX-License-Identifier: GPL-2.0
/*
 * HLT with interrupts disabled: nothing can wake the only vCPU, so hv-run
 * must end with status 5.  A timer is left running on purpose (PIT channel
 * 0 unmasked at the PIC): the VMM must not wake a CPU with IF=0 for it.
 */
#include "rt.h"

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi;
	(void)cmdline;
	pic_remap(0xfe, 0xff);
	pit_periodic(PIT_HZ / 100);
	puts_serial("# cli; hlt with the PIT running\n");
	__asm__ volatile("cli; hlt" ::: "memory");
	puts_serial("not ok halt: HLT with IF=0 returned\n");
	return GUEST_EXIT_SURVIVED;
}
