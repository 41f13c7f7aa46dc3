// SPDX-License-Identifier: GPL-2.0
/*
 * A test kernel linked at 0x8000 (LOAD_BASE, see the Makefile), where
 * real-mode-era test kernels load: hv-run must load it there and put its
 * own boot structures elsewhere.  The information structure and the command
 * line it points to must lie outside the image, and the image must be
 * intact (a word written at link time reads back).  Exits with "code=".
 */
#include "rt.h"

extern char __image_start[], __bss_end[];
static volatile uint32_t canary = 0x6c6f7721;

static bool outside(uint32_t addr, uint32_t len, uint32_t lo, uint32_t hi)
{
	return addr + len <= lo || addr >= hi;
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	uint32_t lo = (uint32_t)(uintptr_t)__image_start, hi = (uint32_t)(uintptr_t)__bss_end;
	uint32_t m = (uint32_t)(uintptr_t)mbi, c = (uint32_t)(uintptr_t)cmdline, n = 0;
	bool ok = true;

	while (cmdline[n])
		n++;
	ok &= check(lo == 0x8000, "loaded_at_0x8000", "image at 0x%x", lo);
	ok &= check(canary == 0x6c6f7721, "image_intact", "data word 0x%x", canary);
	ok &= check(outside(m, sizeof(*mbi), lo, hi), "boot_info_outside_image",
		    "boot information at 0x%x, image [0x%x, 0x%x)", m, lo, hi);
	ok &= check(n > 0 && outside(c, n + 1, lo, hi), "cmdline_outside_image",
		    "command line at 0x%x (%u bytes), image [0x%x, 0x%x)", c, n, lo, hi);
	return ok ? (int)cmdline_uint(cmdline, "code", 0) : 1;
}
