// SPDX-License-Identifier: GPL-2.0
/*
 * CMOS/RTC: the date and time (printed for the harness, which compares them
 * with the testbed's clock) and the memory-size bytes the BIOS would set,
 * checked here for consistency and printed for the harness to compare
 * with --mem.
 */
#include "rt.h"

static unsigned int cmos_word(uint8_t lo_reg)
{
	return cmos_read(lo_reg) | (unsigned int)cmos_read(lo_reg + 1) << 8;
}

static bool valid_time(const struct rtc_time *t)
{
	return t->year >= 2000 && t->year < 2100 && t->month >= 1 && t->month <= 12 &&
	       t->day >= 1 && t->day <= 31 && t->hour < 24 && t->minute < 60 && t->second < 60;
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	unsigned int base_kb, ext_kb_17, ext_kb_30, above16m, above4g, failed = 0;
	struct rtc_time t;
	uint8_t b;

	(void)cmdline;
	if (!check(rtc_read(&t), "rtc_read", "update-in-progress never cleared or readings kept changing"))
		return 1;
	b = cmos_read(0x0b);
	printf_serial("# rtc %04u-%02u-%02u %02u:%02u:%02u (status B 0x%02x: %s, %s)\n",
		      t.year, t.month, t.day, t.hour, t.minute, t.second, b,
		      b & 0x04 ? "binary" : "BCD", b & 0x02 ? "24h" : "12h");
	if (!check(valid_time(&t), "rtc_fields_valid", "%u-%u-%u %u:%u:%u", t.year, t.month, t.day,
		   t.hour, t.minute, t.second))
		failed++;
	/* Status D bit 7: the RTC's battery is good (valid RAM and time). */
	if (!check(cmos_read(0x0d) & 0x80, "rtc_valid_ram_and_time", "status D 0x%02x", cmos_read(0x0d)))
		failed++;

	base_kb = cmos_word(0x15);
	ext_kb_17 = cmos_word(0x17);
	ext_kb_30 = cmos_word(0x30);
	above16m = cmos_word(0x34);
	above4g = cmos_read(0x5b) | (unsigned int)cmos_read(0x5c) << 8 | (unsigned int)cmos_read(0x5d) << 16;
	printf_serial("# cmos_mem base_kb=%u ext_kb=%u ext_kb_30=%u above16m_64k=%u above4g_64k=%u\n",
		      base_kb, ext_kb_17, ext_kb_30, above16m, above4g);
	if (!check(ext_kb_17 == ext_kb_30, "ext_mem_bytes_agree", "0x17/0x18 say %u KiB, 0x30/0x31 %u KiB",
		   ext_kb_17, ext_kb_30))
		failed++;
	/*
	 * Informational only: mem_upper comes from the memory map, which may
	 * exclude firmware tables at the top of RAM, so it need not equal CMOS.
	 */
	if (mbi->flags & MB_INFO_MEM)
		printf_serial("# multiboot mem_lower=%u mem_upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
	return failed;
}
