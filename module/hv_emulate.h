/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The neutral exit layer.  hv_exit.c dispatches every VM exit through the
 * vendor's table (hv_arch.h); the handlers here, which the tables name
 * directly or which vendor translators call with neutral arguments, turn
 * an intercepted instruction or fault into an HV_EXIT_* for userspace or
 * emulate it in the kernel.  They return like exit handlers do: >0
 * re-enter the guest, 0 return to userspace (vcpu->run filled), <0 errno.
 */
#ifndef HV_EMULATE_H
#define HV_EMULATE_H

#include <linux/types.h>

struct hv_vcpu;
struct hv_sregs;
struct hv_insn;

/* Segment registers in hardware encoding order. */
enum hv_seg { HV_SEG_ES, HV_SEG_CS, HV_SEG_SS, HV_SEG_DS, HV_SEG_FS, HV_SEG_GS };

/* EFER bits a guest or HV_SET_SREGS/MSRS may set. */
#define HV_EFER_VALID	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

#define HV_APIC_BASE_DEFAULT	0xfee00000ULL
/* RFLAGS bits a guest or HV_SET_REGS may set (bit 1 is fixed to 1). */
#define HV_RFLAGS_WRITABLE	0x3f7fd5ULL

#define HV_VEC_DB	1
#define HV_VEC_NMI	2
#define HV_VEC_UD	6
#define HV_VEC_SS	12
#define HV_VEC_GP	13
#define HV_VEC_PF	14
#define HV_VEC_AC	17

int hv_complete_userspace_exit(struct hv_vcpu *vcpu);

/* ---- hv_exit.c: the dispatcher and the records for userspace ---------------- */
int hv_handle_exit(struct hv_vcpu *vcpu);
int hv_exit_to_user(struct hv_vcpu *vcpu, u32 reason);
int hv_exit_internal_error(struct hv_vcpu *vcpu, u32 suberror, const u64 *data, u32 ndata);
int hv_exit_emulation_error(struct hv_vcpu *vcpu, u64 addr);
int hv_exit_npf(struct hv_vcpu *vcpu, u64 gpa, bool write, u32 event);
int hv_exit_tdp_misconfig(struct hv_vcpu *vcpu, u64 gpa);

/* ---- hv_emulate.c: instructions ----------------------------------------- */
/* The instruction at RIP completed: go on at @rip, with no interrupt shadow left. */
void hv_complete_insn(struct hv_vcpu *vcpu, u64 rip);
/* Advance RIP past the exiting instruction (hardware next RIP or decode). */
int hv_skip_insn(struct hv_vcpu *vcpu);
/* The same, but a failure becomes HV_EXIT_INTERNAL_ERROR: returns 1 or 0. */
int hv_skip_or_error(struct hv_vcpu *vcpu);
/* Fetch and decode the instruction at CS:RIP. */
int hv_fetch_insn(struct hv_vcpu *vcpu, struct hv_insn *insn);
/* Best effort: whatever of @len bytes at CS:RIP can be read, zeros otherwise. */
void hv_read_bytes_at_rip(struct hv_vcpu *vcpu, void *buf, unsigned int len);

/* Exit handlers an exit table may name directly. */
int hv_emulate_cpuid(struct hv_vcpu *vcpu);
int hv_emulate_xsetbv(struct hv_vcpu *vcpu);
int hv_emulate_hlt(struct hv_vcpu *vcpu);
int hv_emulate_rdmsr(struct hv_vcpu *vcpu);
int hv_emulate_wrmsr(struct hv_vcpu *vcpu);
int hv_emulate_mov_dr(struct hv_vcpu *vcpu);
int hv_exit_hypercall(struct hv_vcpu *vcpu);
int hv_exit_irq_window(struct hv_vcpu *vcpu);
int hv_exit_pause(struct hv_vcpu *vcpu);
int hv_exit_shutdown(struct hv_vcpu *vcpu);
int hv_exit_skip(struct hv_vcpu *vcpu);
int hv_exit_reenter(struct hv_vcpu *vcpu);
int hv_inject_ud(struct hv_vcpu *vcpu);
int hv_inject_gp(struct hv_vcpu *vcpu);
int hv_reflect_ac(struct hv_vcpu *vcpu);
int hv_reflect_db(struct hv_vcpu *vcpu);

struct hv_io_exit {
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	u8 addr_size;		/* 2, 4 or 8 */
	u64 next_rip;		/* of the IN/OUT, as the hardware reports it */
};

/* Handlers a vendor translator calls with the exit in neutral terms. */
int hv_exit_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io);
int hv_exit_mmio(struct hv_vcpu *vcpu, u64 gpa);

#endif /* HV_EMULATE_H */
