/* SPDX-License-Identifier: GPL-2.0 */
/* hv_debugfs.c: /sys/kernel/debug/hv/, a text summary of each VM's exits. */
#ifndef HV_DEBUGFS_H
#define HV_DEBUGFS_H

struct hv_vm;

void hv_debugfs_init(void);
void hv_debugfs_exit(void);
void hv_debugfs_vm_create(struct hv_vm *vm);
void hv_debugfs_vm_destroy(struct hv_vm *vm);

#endif /* HV_DEBUGFS_H */
