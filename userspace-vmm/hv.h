/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: one thin wrapper per /dev/hv ioctl.  Each returns what the ioctl
 * returns (>= 0) or -1 with errno preserved from the ioctl, so callers can
 * report strerror(errno) and tell EINTR/EBUSY apart.
 */
#ifndef HV_RUN_HV_H
#define HV_RUN_HV_H

#include <stdint.h>
#include <linux/hv.h>

/* system fd */
int hv_open(void);					/* open("/dev/hv", O_RDWR | O_CLOEXEC) */
int hv_get_api_version(int sys_fd);
int hv_check_cap(int sys_fd, unsigned long cap);
int hv_create_vm(int sys_fd);
int hv_get_vcpu_mmap_size(int sys_fd);
int hv_get_supported_cpuid(int sys_fd, struct hv_cpuid *cpuid);

/* VM fd */
int hv_set_memory_region(int vm_fd, const struct hv_memory_region *region);
int hv_create_vcpu(int vm_fd, unsigned long id);

/* vCPU fd */
int hv_run(int vcpu_fd);
int hv_get_regs(int vcpu_fd, struct hv_regs *regs);
int hv_set_regs(int vcpu_fd, const struct hv_regs *regs);
int hv_get_sregs(int vcpu_fd, struct hv_sregs *sregs);
int hv_set_sregs(int vcpu_fd, const struct hv_sregs *sregs);
int hv_set_cpuid(int vcpu_fd, const struct hv_cpuid *cpuid);
int hv_get_cpuid(int vcpu_fd, struct hv_cpuid *cpuid);
int hv_get_msrs(int vcpu_fd, struct hv_msrs *msrs);
int hv_set_msrs(int vcpu_fd, const struct hv_msrs *msrs);
int hv_interrupt(int vcpu_fd, uint32_t vector);
int hv_get_stats(int vcpu_fd, struct hv_stats *stats);

/* Name of an HV_EXIT_* reason ("io", "cpuid", ...); "reason-N" style for unknown ones. */
const char *hv_exit_name(unsigned int reason);

#endif /* HV_RUN_HV_H */
