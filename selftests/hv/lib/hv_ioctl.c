// SPDX-License-Identifier: GPL-2.0
/*
 * The hv ioctl library (see hv_ioctl.h): each function is the ioctl and
 * nothing else, so errno reaches the caller untouched.
 */
#include <sys/ioctl.h>

#include "hv_ioctl.h"

int hv_ioctl_get_api_version(int dev_fd)
{
	return ioctl(dev_fd, HV_GET_API_VERSION, 0);
}

int hv_ioctl_check_cap(int dev_fd, unsigned long cap)
{
	return ioctl(dev_fd, HV_CHECK_CAP, cap);
}

int hv_ioctl_create_vm(int dev_fd, unsigned long flags)
{
	return ioctl(dev_fd, HV_CREATE_VM, flags);
}

int hv_ioctl_get_vcpu_mmap_size(int dev_fd)
{
	return ioctl(dev_fd, HV_GET_VCPU_MMAP_SIZE, 0);
}

int hv_ioctl_get_supported_cpuid(int dev_fd, struct hv_cpuid *cpuid)
{
	return ioctl(dev_fd, HV_GET_SUPPORTED_CPUID, cpuid);
}

int hv_ioctl_set_memory_region(int vm_fd, const struct hv_memory_region *region)
{
	return ioctl(vm_fd, HV_SET_MEMORY_REGION, region);
}

int hv_ioctl_create_vcpu(int vm_fd, unsigned long id)
{
	return ioctl(vm_fd, HV_CREATE_VCPU, id);
}

int hv_ioctl_enable_cap(int vm_fd, const struct hv_enable_cap *cap)
{
	return ioctl(vm_fd, HV_ENABLE_CAP, cap);
}

int hv_ioctl_signal_msi(int vm_fd, const struct hv_msi *msi)
{
	return ioctl(vm_fd, HV_SIGNAL_MSI, msi);
}

int hv_ioctl_ioeventfd(int vm_fd, const struct hv_ioeventfd *args)
{
	return ioctl(vm_fd, HV_IOEVENTFD, args);
}

int hv_ioctl_irqfd(int vm_fd, const struct hv_irqfd *args)
{
	return ioctl(vm_fd, HV_IRQFD, args);
}

int hv_ioctl_register_coalesced(int vm_fd, const struct hv_coalesced_zone *zone)
{
	return ioctl(vm_fd, HV_REGISTER_COALESCED, zone);
}

int hv_ioctl_unregister_coalesced(int vm_fd, const struct hv_coalesced_zone *zone)
{
	return ioctl(vm_fd, HV_UNREGISTER_COALESCED, zone);
}

int hv_ioctl_get_dirty_log(int vm_fd, const struct hv_dirty_log *log)
{
	return ioctl(vm_fd, HV_GET_DIRTY_LOG, log);
}

int hv_ioctl_run(int vcpu_fd)
{
	return ioctl(vcpu_fd, HV_RUN, 0);
}

int hv_ioctl_get_regs(int vcpu_fd, struct hv_regs *regs)
{
	return ioctl(vcpu_fd, HV_GET_REGS, regs);
}

int hv_ioctl_set_regs(int vcpu_fd, const struct hv_regs *regs)
{
	return ioctl(vcpu_fd, HV_SET_REGS, regs);
}

int hv_ioctl_get_sregs(int vcpu_fd, struct hv_sregs *sregs)
{
	return ioctl(vcpu_fd, HV_GET_SREGS, sregs);
}

int hv_ioctl_set_sregs(int vcpu_fd, const struct hv_sregs *sregs)
{
	return ioctl(vcpu_fd, HV_SET_SREGS, sregs);
}

int hv_ioctl_set_cpuid(int vcpu_fd, const struct hv_cpuid *cpuid)
{
	return ioctl(vcpu_fd, HV_SET_CPUID, cpuid);
}

int hv_ioctl_get_cpuid(int vcpu_fd, struct hv_cpuid *cpuid)
{
	return ioctl(vcpu_fd, HV_GET_CPUID, cpuid);
}

int hv_ioctl_get_msrs(int vcpu_fd, struct hv_msrs *msrs)
{
	return ioctl(vcpu_fd, HV_GET_MSRS, msrs);
}

int hv_ioctl_set_msrs(int vcpu_fd, const struct hv_msrs *msrs)
{
	return ioctl(vcpu_fd, HV_SET_MSRS, msrs);
}

int hv_ioctl_interrupt(int vcpu_fd, const struct hv_interrupt *irq)
{
	return ioctl(vcpu_fd, HV_INTERRUPT, irq);
}

int hv_ioctl_get_stats(int vcpu_fd, struct hv_stats *stats)
{
	return ioctl(vcpu_fd, HV_GET_STATS, stats);
}

int hv_ioctl_get_lapic(int vcpu_fd, struct hv_lapic_state *lapic)
{
	return ioctl(vcpu_fd, HV_GET_LAPIC, lapic);
}

int hv_ioctl_set_lapic(int vcpu_fd, const struct hv_lapic_state *lapic)
{
	return ioctl(vcpu_fd, HV_SET_LAPIC, lapic);
}

int hv_ioctl_get_mp_state(int vcpu_fd, struct hv_mp_state *mp)
{
	return ioctl(vcpu_fd, HV_GET_MP_STATE, mp);
}

int hv_ioctl_set_mp_state(int vcpu_fd, const struct hv_mp_state *mp)
{
	return ioctl(vcpu_fd, HV_SET_MP_STATE, mp);
}

const char *hv_exit_name(unsigned int reason)
{
	static const char *const names[HV_STATS_NR_REASONS] = {
		[HV_EXIT_UNKNOWN] = "unknown",
		[HV_EXIT_IO] = "io",
		[HV_EXIT_MMIO] = "mmio",
		[HV_EXIT_HLT] = "hlt",
		[HV_EXIT_SHUTDOWN] = "shutdown",
		[HV_EXIT_HYPERCALL] = "hypercall",
		[HV_EXIT_IRQ_WINDOW] = "irq_window",
		[HV_EXIT_INTR] = "intr",
		[HV_EXIT_FAIL_ENTRY] = "fail_entry",
		[HV_EXIT_INTERNAL_ERROR] = "internal_error",
		[HV_EXIT_EOI] = "eoi",
		[HV_STAT_CPUID] = "cpuid",
		[HV_STAT_MSR] = "msr",
		[HV_STAT_EXTERNAL_INTERRUPT] = "external_interrupt",
		[HV_STAT_NMI] = "nmi",
		[HV_STAT_NPF] = "npf",
		[HV_STAT_EXCEPTION] = "exception",
		[HV_STAT_DR_ACCESS] = "dr_access",
		[HV_STAT_INVALID_INSN] = "invalid_insn",
		[HV_STAT_PAUSE] = "pause",
		[HV_STAT_HALT_POLL] = "halt_poll",
		[HV_STAT_HALT_SLEEP] = "halt_sleep",
		[HV_STAT_YIELD] = "yield",
		[HV_STAT_IOEVENTFD] = "ioeventfd",
		[HV_STAT_EXPERIMENT] = "experiment",
		[HV_STAT_COALESCED] = "coalesced",
		[HV_STAT_OTHER] = "other",
	};

	if (reason < HV_STATS_NR_REASONS && names[reason])
		return names[reason];
	return "reserved";
}
