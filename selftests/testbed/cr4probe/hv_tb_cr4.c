// SPDX-License-Identifier: GPL-2.0
/*
 * hv_tb_cr4: a helper of the VMX testbed, loaded only inside the emulated
 * test host (never part of hv, never installed).
 *
 * On VMX the state hv must give back after its last VM is CR4.VMXE on every
 * CPU: VMXOFF leaves no other trace, and a CPU cannot be in VMX operation
 * with CR4.VMXE clear.  Userspace cannot read CR4 (there is no msr-driver
 * equivalent), and the kernel's per-CPU CR4 shadow only shows what was
 * changed through the kernel's helpers.  So this module reads the register
 * itself, on each online CPU, whenever /proc/hv_tb_cr4 is read:
 *
 *	cpu0 cr4=0x3726f0
 *	cpu1 cr4=0x3706f0
 */
#include <linux/cpu.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/smp.h>

static void hv_tb_read_cr4(void *out)
{
	unsigned long cr4;

	/* The register itself, not cr4_read_shadow(): the point is to catch writes that bypassed it. */
	asm volatile("mov %%cr4, %0" : "=r" (cr4));
	*(unsigned long *)out = cr4;
}

static int hv_tb_cr4_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		unsigned long cr4 = 0;
		int r = smp_call_function_single(cpu, hv_tb_read_cr4, &cr4, 1);

		if (r)
			seq_printf(m, "cpu%u error=%d\n", cpu, r);
		else
			seq_printf(m, "cpu%u cr4=%#lx\n", cpu, cr4);
	}
	cpus_read_unlock();
	return 0;
}

static int __init hv_tb_cr4_init(void)
{
	if (!proc_create_single("hv_tb_cr4", 0444, NULL, hv_tb_cr4_show))
		return -ENOMEM;
	return 0;
}

static void __exit hv_tb_cr4_exit(void)
{
	remove_proc_entry("hv_tb_cr4", NULL);
}

module_init(hv_tb_cr4_init);
module_exit(hv_tb_cr4_exit);
MODULE_DESCRIPTION("hv testbed helper: CR4 of every online CPU in /proc/hv_tb_cr4");
MODULE_LICENSE("GPL");
