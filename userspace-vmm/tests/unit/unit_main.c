// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run device unit tests: runs every case of every table as one KTAP
 * document.  Exit status 0 if all passed, 1 otherwise.
 */
#include <stdio.h>

#include "ktap.h"
#include "unit.h"

KTAP_DEFINE_STATE;

int main(void)
{
	const struct unit_case *tables[] = {
		pic_cases, ioapic_cases, serial_cases, pit_cases, rtc_cases, i8042_cases, pci_cases, misc_cases, fw_cfg_cases,
		linux_boot_cases, multiboot_cases, acpi_cases, virtq_cases, virtio_pci_cases, virtio_blk_cases, virtio_msix_cases,
		virtio_console_cases, virtio_net_cases, doorbell_cases, hv_stat_cases, coalesced_cases,
		virtio_balloon_cases,
	};
	unsigned int t, n = 0;
	const struct unit_case *c;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (c = tables[t]; c->name; c++)
			n++;
	ktap_print_header(n);
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (c = tables[t]; c->name; c++)
			ktap_result(c->fn(), c->name);
	ktap_finished();
}
