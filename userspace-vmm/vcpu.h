/* SPDX-License-Identifier: GPL-2.0 */
/* hv-run: vCPU threads (vcpu.c). */
#ifndef HV_RUN_VCPU_H
#define HV_RUN_VCPU_H

#include <stdio.h>

struct vcpu;

/* Start the vCPU's thread; 0 or -errno. */
int vcpu_start(struct vcpu *vcpu);

/* Make the vCPU leave HV_RUN soon (immediate_exit + the kick signal).  Any thread. */
void vcpu_kick(struct vcpu *vcpu);

/* Exits per reason and their mean latency, from HV_GET_STATS. */
void vcpu_print_stats(struct vcpu *vcpu, FILE *out);
/* One "hv-run: vcpu N: @what: rip=... cr3=... idt=..." line on stderr (the vCPU is not running). */
void vcpu_report(struct vcpu *vcpu, const char *what);

#endif /* HV_RUN_VCPU_H */
