// SPDX-License-Identifier: GPL-2.0
/*
 * hv_kunit.ko: the KUnit suites of this directory, run when the module is
 * loaded into a kernel with CONFIG_KUNIT (the debug testbed kernel).
 *
 * The suites test hv.ko's own source, compiled a second time into this
 * module rather than exported from hv.ko: hv.ko keeps its symbol table and
 * behaviour, and the tests need no loaded hv.ko.  The units the suites use
 * only through their public functions are compiled here; suites that need
 * a unit's static helpers (hv_mmu.c, hv_stats.c) include it themselves.
 * Each source file may be included once in the module.
 */
#include <linux/module.h>

#include "../x86/insn.c"
#include "../x86/mmio_emulate.c"
#include "../x86/walk.c"
#include "../x86/cpuid.c"
#include "../x86/xsave.c"
#include "../x86/sregs.c"
#include "../hv_memslot.c"
#include "../irq/apic_deliver.c"
#include "../irq/lapic.c"
#include "../irq/lapic_irq.c"
#include "../irq/lapic_state.c"
#include "../irq/lapic_timer.c"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for hv.ko's internal logic");
