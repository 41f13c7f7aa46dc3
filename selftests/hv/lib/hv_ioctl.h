/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hv ioctl library: one wrapper per /dev/hv ioctl, shared by the
 * selftests (lib/hv_util.c builds its asserting helpers on it) and by the
 * hv-run VMM (userspace-vmm/, which compiles this directory's hv_ioctl.c).
 * It lives under selftests/hv so that the selftests stay self-contained when
 * they are copied into a kernel tree's tools/testing/selftests
 * (docs/architecture.md, "Userspace").
 *
 * Every wrapper is named after its ioctl (HV_GET_REGS: hv_ioctl_get_regs),
 * takes the fd the ioctl is issued on first, and returns what the ioctl
 * returns (>= 0) or -1 with errno exactly as the ioctl left it: nothing
 * here retries (a run loop must see EINTR), prints, allocates or exits.
 * Callers decide what an error means.
 */
#ifndef HV_IOCTL_H
#define HV_IOCTL_H

#include <stdint.h>
#include <linux/hv.h>

#define HV_DEV_PATH	"/dev/hv"

/* On the /dev/hv fd. */
int hv_ioctl_get_api_version(int dev_fd);
int hv_ioctl_check_cap(int dev_fd, unsigned long cap);
int hv_ioctl_create_vm(int dev_fd, unsigned long flags);
int hv_ioctl_get_vcpu_mmap_size(int dev_fd);
int hv_ioctl_get_supported_cpuid(int dev_fd, struct hv_cpuid *cpuid);

/* On a VM fd. */
int hv_ioctl_set_memory_region(int vm_fd, const struct hv_memory_region *region);
int hv_ioctl_create_vcpu(int vm_fd, unsigned long id);
int hv_ioctl_enable_cap(int vm_fd, const struct hv_enable_cap *cap);
int hv_ioctl_signal_msi(int vm_fd, const struct hv_msi *msi);
int hv_ioctl_ioeventfd(int vm_fd, const struct hv_ioeventfd *args);
int hv_ioctl_irqfd(int vm_fd, const struct hv_irqfd *args);
int hv_ioctl_register_coalesced(int vm_fd, const struct hv_coalesced_zone *zone);
int hv_ioctl_unregister_coalesced(int vm_fd, const struct hv_coalesced_zone *zone);
int hv_ioctl_get_dirty_log(int vm_fd, const struct hv_dirty_log *log);

/* On a vCPU fd. */
int hv_ioctl_run(int vcpu_fd);
int hv_ioctl_get_regs(int vcpu_fd, struct hv_regs *regs);
int hv_ioctl_set_regs(int vcpu_fd, const struct hv_regs *regs);
int hv_ioctl_get_sregs(int vcpu_fd, struct hv_sregs *sregs);
int hv_ioctl_set_sregs(int vcpu_fd, const struct hv_sregs *sregs);
int hv_ioctl_set_cpuid(int vcpu_fd, const struct hv_cpuid *cpuid);
int hv_ioctl_get_cpuid(int vcpu_fd, struct hv_cpuid *cpuid);
int hv_ioctl_get_msrs(int vcpu_fd, struct hv_msrs *msrs);
int hv_ioctl_set_msrs(int vcpu_fd, const struct hv_msrs *msrs);
int hv_ioctl_interrupt(int vcpu_fd, const struct hv_interrupt *irq);
int hv_ioctl_get_stats(int vcpu_fd, struct hv_stats *stats);
int hv_ioctl_get_lapic(int vcpu_fd, struct hv_lapic_state *lapic);
int hv_ioctl_set_lapic(int vcpu_fd, const struct hv_lapic_state *lapic);
int hv_ioctl_get_mp_state(int vcpu_fd, struct hv_mp_state *mp);
int hv_ioctl_set_mp_state(int vcpu_fd, const struct hv_mp_state *mp);

/*
 * Name of an exit reason or stats index (HV_EXIT_IO: "io", HV_STAT_CPUID:
 * "cpuid"); "reserved" for a value the ABI does not define.
 */
const char *hv_exit_name(unsigned int reason);

#endif /* HV_IOCTL_H */
