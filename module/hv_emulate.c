// SPDX-License-Identifier: GPL-2.0
/*
 * The neutral exit handlers shared by SVM and VMX, which the vendors' exit
 * tables name (hv_exit.c dispatches): instruction skipping and fetching,
 * CPUID/MSR/DR emulation, and the exits that go to userspace (port I/O,
 * MMIO, hypercalls) together with their completion on the next HV_RUN.
 * Every guest-controlled value (registers, instruction bytes, page tables)
 * is treated as hostile: a failure becomes an exception in the guest or
 * HV_EXIT_INTERNAL_ERROR, never a host problem.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"
#include "x86/insn.h"
#include "x86/mmio_emulate.h"
#include "x86/walk.h"
#include "x86/xsave.h"

/* The vCPU's own walks and fetches, string operands' too, go through its gpa cache. */
static int hv_walk_read_cached(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	struct hv_vcpu *vcpu = opaque;

	return hv_read_gpa_cached(vcpu->vm, &vcpu->gpa_cache, gpa, buf, len);
}

/*
 * Translate a guest linear address with the guest's current paging mode, as
 * an access of the guest's current privilege: at CPL 3 a user access, so
 * that fetching a user-mode instruction is not refused by SMEP (nor a user
 * string I/O buffer by SMAP).
 */
static int hv_translate(struct hv_vcpu *vcpu, u64 gva, unsigned int access, u64 *gpa)
{
	struct hv_walk_ctx ctx = { .read_gpa = hv_walk_read_cached, .opaque = vcpu };
	u32 error_code;
	int r;

	if (hv_call(get_cpl)(vcpu) == 3)
		access |= HV_WALK_USER;
	hv_call(get_paging)(vcpu, &ctx.cr0, &ctx.cr3, &ctx.cr4, &ctx.efer);
	r = hv_walk_gva(&ctx, gva, access, gpa, &error_code);
	return r ? -EFAULT : 0;
}

/* Read guest linear memory; may cross one page boundary. */
static int hv_read_linear(struct hv_vcpu *vcpu, u64 gva, void *buf, unsigned int len,
			  unsigned int access)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gva));
		u64 gpa;

		if (hv_translate(vcpu, gva, access, &gpa) ||
		    hv_read_gpa_cached(vcpu->vm, &vcpu->gpa_cache, gpa, buf, chunk))
			return -EFAULT;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

static u64 hv_rip_linear(struct hv_vcpu *vcpu, int *bits)
{
	u64 cs_base, linear;

	hv_call(get_code_segment)(vcpu, &cs_base, bits);
	linear = cs_base + vcpu->rip;
	return *bits == 64 ? linear : (u32)linear;
}

/* Best effort: whatever of @len bytes at CS:RIP can be read, zeros otherwise. */
void hv_read_bytes_at_rip(struct hv_vcpu *vcpu, void *buf, unsigned int len)
{
	int bits;

	memset(buf, 0, len);
	if (hv_read_linear(vcpu, hv_rip_linear(vcpu, &bits), buf, len, HV_WALK_FETCH))
		memset(buf, 0, len);
}

int hv_fetch_insn(struct hv_vcpu *vcpu, struct hv_insn *insn)
{
	u8 bytes[HV_INSN_MAX_LEN];
	unsigned int avail;
	int bits;
	u64 linear = hv_rip_linear(vcpu, &bits);

	/*
	 * Fetch what is on the first page, and the second page only if the
	 * decoder needs it: the next page may legitimately be unmapped.
	 */
	avail = min_t(u64, sizeof(bytes), PAGE_SIZE - offset_in_page(linear));
	if (hv_read_linear(vcpu, linear, bytes, avail, HV_WALK_FETCH))
		return -EFAULT;
	if (hv_insn_decode(insn, bytes, avail, bits) != -ENODATA)
		goto decoded;
	if (hv_read_linear(vcpu, linear + avail, bytes + avail, sizeof(bytes) - avail,
			   HV_WALK_FETCH))
		return -EFAULT;
	avail = sizeof(bytes);
decoded:
	return hv_insn_decode(insn, bytes, avail, bits);
}

/*
 * The instruction at RIP is done: resume at @rip.  Like the CPU, end the
 * interrupt shadow an STI or MOV SS before it left: the shadow covers one
 * instruction, and this one has now executed (SDM "Interrupt and Exception
 * Priorities", APM "Interrupt Shadows").  Without this an interrupt queued
 * at a HLT after STI could not be taken at the HLT.
 */
void hv_complete_insn(struct hv_vcpu *vcpu, u64 rip)
{
	vcpu->rip = rip;
	hv_call(clear_interrupt_shadow)(vcpu);
	/*
	 * hv, not the CPU, executed it, so the CPU did not single-step it:
	 * raise the #DB trap it would have, with DR6.BS (SDM 17.3.1.4).
	 */
	if (vcpu->rflags & X86_EFLAGS_TF) {
		hv_ops->add_dr6(vcpu, DR_STEP);
		hv_call(inject_exception)(vcpu, HV_VEC_DB, false, 0);
	}
}

/* The RIP after the exiting instruction: the hardware's, or decoded. */
static int hv_next_rip(struct hv_vcpu *vcpu, u64 *rip)
{
	struct hv_insn insn;
	int r;

	if (vcpu->exit.next_rip) {
		*rip = vcpu->exit.next_rip;
		return 0;
	}
	r = hv_fetch_insn(vcpu, &insn);
	if (r)
		return r;
	*rip = vcpu->rip + insn.len;
	return 0;
}

int hv_skip_insn(struct hv_vcpu *vcpu)
{
	u64 rip;
	int r = hv_next_rip(vcpu, &rip);

	if (!r)
		hv_complete_insn(vcpu, rip);
	return r;
}

/* Skip the exiting instruction; if it cannot be decoded, say so to userspace. */
int hv_skip_or_error(struct hv_vcpu *vcpu)
{
	if (hv_skip_insn(vcpu))
		return hv_exit_emulation_error(vcpu, 0);
	return 1;
}

/* INVD, WBINVD: a no-op is what a guest can have (INVD would discard dirty host lines). */
int hv_exit_skip(struct hv_vcpu *vcpu)
{
	return hv_skip_or_error(vcpu);
}

/* Physical interrupts, NMIs, timers: the host takes them once interrupts are on again. */
int hv_exit_reenter(struct hv_vcpu *vcpu)
{
	return 1;
}

int hv_exit_shutdown(struct hv_vcpu *vcpu)
{
	/*
	 * SVM leaves the VMCB undefined after a shutdown intercept: the VMM
	 * must reset the vCPU (HV_SET_REGS/SREGS) before running it again.
	 */
	return hv_exit_to_user(vcpu, HV_EXIT_SHUTDOWN);
}

int hv_inject_ud(struct hv_vcpu *vcpu)
{
	hv_call(inject_exception)(vcpu, HV_VEC_UD, false, 0);
	return 1;
}

/* Also RDPMC: no performance counters are virtualized, the guest sees #GP. */
int hv_inject_gp(struct hv_vcpu *vcpu)
{
	hv_call(inject_exception)(vcpu, HV_VEC_GP, true, 0);
	return 1;
}

/* #AC and #DB are intercepted only to stop delivery loops; reflect them. */
int hv_reflect_ac(struct hv_vcpu *vcpu)
{
	hv_call(inject_exception)(vcpu, HV_VEC_AC, true, 0);
	return 1;
}

int hv_reflect_db(struct hv_vcpu *vcpu)
{
	hv_call(inject_exception)(vcpu, HV_VEC_DB, false, 0);
	return 1;
}

/*
 * HLT: skip it, and go to userspace to wait for an interrupt unless one is
 * queued that the guest can take now (it would wake the guest at once).
 * With the in-kernel local APIC the vCPU halts in the kernel instead.
 */
int hv_emulate_hlt(struct hv_vcpu *vcpu)
{
	int r = hv_skip_or_error(vcpu);

	if (r <= 0)
		return r;
	if (vcpu->lapic)
		return hv_vcpu_lapic_halt(vcpu);
	if (vcpu->queued_irq && hv_call(interrupt_allowed)(vcpu))
		return 1;
	return hv_exit_to_user(vcpu, HV_EXIT_HLT);
}

/*
 * The interrupt window opened: report it if userspace asked for it, no
 * queued interrupt of ours is about to use it and the 8259's vector would
 * be taken (LINT0); otherwise just re-enter.
 */
int hv_exit_irq_window(struct hv_vcpu *vcpu)
{
	hv_call(set_irq_window)(vcpu, false);
	if (!vcpu->queued_irq && vcpu->run->request_interrupt_window && hv_vcpu_accepts_pic(vcpu)) {
		vcpu->run->ready_for_interrupt_injection = 1;
		return hv_exit_to_user(vcpu, HV_EXIT_IRQ_WINDOW);
	}
	return 1;
}

int hv_emulate_cpuid(struct hv_vcpu *vcpu)
{
	u32 function = vcpu->regs[HV_RAX], index = vcpu->regs[HV_RCX];
	const struct hv_cpuid_entry *e;

	u32 ebx = 0, ecx = 0;

	e = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, function, index);
	if (e) {
		ebx = e->ebx;
		ecx = e->ecx;
		hv_xsave_cpuid_runtime(vcpu, function, index, &ebx, &ecx);
	}
	vcpu->regs[HV_RAX] = e ? e->eax : 0;
	vcpu->regs[HV_RBX] = ebx;
	vcpu->regs[HV_RCX] = ecx;
	vcpu->regs[HV_RDX] = e ? e->edx : 0;
	return hv_skip_or_error(vcpu);
}

/*
 * XSETBV, intercepted on both vendors.  The CPU raises #UD without
 * CR4.OSXSAVE and #GP at CPL > 0 before the intercept, but the checks cost
 * nothing and keep the rules in one place; the value's are x86/xsave.c's.
 */
int hv_emulate_xsetbv(struct hv_vcpu *vcpu)
{
	u64 xcr0 = (u32)vcpu->regs[HV_RAX] | ((u64)(u32)vcpu->regs[HV_RDX] << 32);

	if (!vcpu->guest_osxsave || !vcpu->xcr0_allowed)
		return hv_inject_ud(vcpu);
	if (hv_call(get_cpl)(vcpu) || (u32)vcpu->regs[HV_RCX] != 0 || !hv_xcr0_valid(vcpu, xcr0))
		return hv_inject_gp(vcpu);
	vcpu->xcr0 = xcr0;
	hv_xsave_update_switch(vcpu);
	return hv_skip_or_error(vcpu);
}

int hv_emulate_rdmsr(struct hv_vcpu *vcpu)
{
	u32 index = vcpu->regs[HV_RCX];
	u64 data;

	if (hv_msr_get(vcpu, index, &data))
		return hv_inject_gp(vcpu);
	vcpu->regs[HV_RAX] = (u32)data;
	vcpu->regs[HV_RDX] = data >> 32;
	return hv_skip_or_error(vcpu);
}

int hv_emulate_wrmsr(struct hv_vcpu *vcpu)
{
	u32 index = vcpu->regs[HV_RCX];
	u64 data = (u32)vcpu->regs[HV_RAX] | (vcpu->regs[HV_RDX] << 32);

	if (hv_msr_set(vcpu, index, data, false))
		return hv_inject_gp(vcpu);
	return hv_skip_or_error(vcpu);
}

/*
 * SVM's MOV to/from DR0-3 (DR6/DR7 live in the VMCB, not intercepted):
 * the values go to vcpu->db[], which x86/debugreg.c loads into the
 * hardware around entry once the guest uses them.
 */
int hv_emulate_mov_dr(struct hv_vcpu *vcpu)
{
	struct hv_insn insn;
	bool is_write;
	u8 dr, gpr;

	if (hv_fetch_insn(vcpu, &insn) || hv_insn_decode_mov_dr(&insn, &dr, &gpr, &is_write) ||
	    dr > 3)
		return hv_inject_ud(vcpu);
	if (is_write)
		hv_set_db(vcpu, dr, hv_gpr_read(vcpu, gpr));
	else
		hv_gpr_write(vcpu, gpr, vcpu->db[dr]);
	hv_complete_insn(vcpu, vcpu->rip + insn.len);
	return 1;
}

static u64 hv_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/*
 * INS/OUTS (REP or not): move up to one page of items per exit between the
 * guest's memory and the PIO data page.  A REP that is not finished leaves
 * RIP on the instruction, so the guest re-executes it for the rest, as the
 * CPU does after an interrupt.  With RFLAGS.DF set, one item per exit.
 */
static int hv_exit_string_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io)
{
	struct hv_run *run = vcpu->run;
	u64 mask = hv_addr_mask(io->addr_size);
	bool down = vcpu->rflags & X86_EFLAGS_DF;
	unsigned int reg = io->in ? HV_RDI : HV_RSI;
	u64 count, off, linear = 0, gpa, bytes;
	struct hv_insn insn;
	int seg = HV_SEG_DS;

	count = io->rep ? vcpu->regs[HV_RCX] & mask : 1;
	if (!count) {
		hv_complete_insn(vcpu, io->next_rip);
		return 1;
	}
	if (io->in) {
		seg = HV_SEG_ES;	/* INS always writes ES:rDI */
	} else {
		if (hv_fetch_insn(vcpu, &insn))
			goto emulation_error;
		switch (insn.seg) {
		case 0x26:
			seg = HV_SEG_ES;
			break;
		case 0x2e:
			seg = HV_SEG_CS;
			break;
		case 0x36:
			seg = HV_SEG_SS;
			break;
		case 0x64:
			seg = HV_SEG_FS;
			break;
		case 0x65:
			seg = HV_SEG_GS;
			break;
		}
	}
	off = vcpu->regs[reg] & mask;
	linear = hv_call(get_segment_base)(vcpu, seg) + off;
	if (io->addr_size != 8)
		linear = (u32)linear;
	/* Items that fit in this guest page (unaligned items: one at a time). */
	if (down || offset_in_page(linear) % io->size)
		count = 1;
	else
		count = min(count, (PAGE_SIZE - offset_in_page(linear)) / io->size);
	if (!count)
		count = 1;
	bytes = count * io->size;
	if (offset_in_page(linear) + bytes > PAGE_SIZE ||
	    hv_translate(vcpu, linear, io->in ? HV_WALK_WRITE : 0, &gpa))
		goto emulation_error;
	if (!io->in && hv_read_gpa(vcpu->vm, gpa, vcpu->pio_data, bytes))
		goto emulation_error;

	vcpu->regs[reg] = (vcpu->regs[reg] & ~mask) |
			  ((down ? off - bytes : off + bytes) & mask);
	if (io->rep)
		vcpu->regs[HV_RCX] = (vcpu->regs[HV_RCX] & ~mask) |
				     ((vcpu->regs[HV_RCX] - count) & mask);
	/* Resume after the instruction only once the REP count is exhausted. */
	if (!io->rep || !(vcpu->regs[HV_RCX] & mask))
		vcpu->pending_rip = io->next_rip;
	else
		vcpu->pending_rip = vcpu->rip;
	if (io->in) {
		vcpu->pending = HV_PENDING_PIO_IN;
		vcpu->pending_string = true;
		vcpu->pending_gpa = gpa;
		vcpu->pending_bytes = bytes;
	} else {
		hv_complete_insn(vcpu, vcpu->pending_rip);
	}
	run->io.count = count;
	return hv_exit_to_user(vcpu, HV_EXIT_IO);

emulation_error:
	return hv_exit_emulation_error(vcpu, linear);
}

int hv_exit_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io)
{
	struct hv_run *run = vcpu->run;
	u64 rax = vcpu->regs[HV_RAX];

	run->io.direction = io->in ? HV_IO_DIR_IN : HV_IO_DIR_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = 1;
	run->io.data_offset = PAGE_SIZE;
	if (io->string)
		return hv_exit_string_io(vcpu, io);

	if (io->in) {
		vcpu->pending = HV_PENDING_PIO_IN;
		vcpu->pending_string = false;
		vcpu->pending_bytes = io->size;
		vcpu->pending_rip = io->next_rip;
	} else {
		hv_complete_insn(vcpu, io->next_rip);
		if (hv_ioeventfd_write(&vcpu->vm->eventfds, true, io->port, io->size, rax)) {
			vcpu->exit.reason = HV_STAT_IOEVENTFD;
			return 1;
		}
		if (hv_coalesced_write(&vcpu->vm->coalesced, true, io->port, io->size, rax)) {
			vcpu->exit.reason = HV_STAT_COALESCED;
			return 1;
		}
		memcpy(vcpu->pio_data, &rax, io->size);
	}
	return hv_exit_to_user(vcpu, HV_EXIT_IO);
}

/* ---- MMIO: the emulator's glue (x86/mmio_emulate.c decides, this moves data) ---- */

static void hv_mmio_user_exit(struct hv_vcpu *vcpu, u64 gpa, unsigned int len, bool write,
			      u64 value)
{
	struct hv_run *run = vcpu->run;

	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &value, len);
	hv_exit_to_user(vcpu, HV_EXIT_MMIO);
}

/*
 * The second half of an MMIO instruction: compute with @value, the memory
 * operand it read (if it reads one), write back registers and flags,
 * step a string instruction, then store the result: to guest RAM (the
 * RAM side of a MOVS), to the local APIC, or as a write exit.  The
 * instruction is complete before the write exit goes out, as for a MOV.
 * Returns 1 to re-enter the guest, 0 for userspace.
 */
static int hv_mmio_finish(struct hv_vcpu *vcpu, u64 value)
{
	struct hv_mmio_pending *p = &vcpu->pending_mmio;
	u64 store = 0;
	bool stores;

	stores = hv_mmio_exec(&p->e, vcpu->regs, &vcpu->rflags, value, &store);
	if (p->e.kind >= HV_MMIO_MOVS && !hv_mmio_string_step(&p->e, vcpu->regs, vcpu->rflags))
		vcpu->pending_rip = vcpu->rip;	/* REP not finished: execute it again */
	hv_complete_insn(vcpu, vcpu->pending_rip);
	if (!stores)
		return 1;
	if (p->write_ram && !hv_write_gpa(vcpu->vm, p->write_gpa, &store, p->e.size))
		return 1;
	if (!hv_vcpu_lapic_access(vcpu, p->write_gpa, p->e.size, true, &store))
		return 1;
	if (hv_ioeventfd_write(&vcpu->vm->eventfds, false, p->write_gpa, p->e.size, store)) {
		vcpu->exit.reason = HV_STAT_IOEVENTFD;
		return 1;
	}
	if (hv_coalesced_write(&vcpu->vm->coalesced, false, p->write_gpa, p->e.size, store)) {
		vcpu->exit.reason = HV_STAT_COALESCED;
		return 1;
	}
	hv_mmio_user_exit(vcpu, p->write_gpa, p->e.size, true, store);
	return 0;
}

/* The first half: read the memory operand, from RAM, the APIC or a read exit. */
static int hv_mmio_start(struct hv_vcpu *vcpu)
{
	struct hv_mmio_pending *p = &vcpu->pending_mmio;
	u64 value = 0;

	if (!hv_mmio_reads(&p->e))
		return hv_mmio_finish(vcpu, 0);
	if (p->read_ram && !hv_read_gpa(vcpu->vm, p->read_gpa, &value, p->e.size))
		return hv_mmio_finish(vcpu, value);
	if (!hv_vcpu_lapic_access(vcpu, p->read_gpa, p->e.size, false, &value))
		return hv_mmio_finish(vcpu, value);
	hv_mmio_user_exit(vcpu, p->read_gpa, p->e.size, false, 0);
	vcpu->pending = HV_PENDING_MMIO_READ;
	return 0;
}

/*
 * The guest-physical address of a string operand at @seg:@reg, translated
 * as the CPU would: 0, or 1 with #GP/#SS/#PF injected, or -EFAULT when
 * the walk itself failed or the element crosses a page (not emulated).
 * Segment limits are not checked: in 64-bit mode there are none, and
 * outside it the CPU checked the operand it faulted on, not always the
 * other one.
 */
static int hv_mmio_string_gpa(struct hv_vcpu *vcpu, int seg, unsigned int reg, bool write,
			      int bits, u64 *gpa)
{
	const struct hv_mmio_emul *e = &vcpu->pending_mmio.e;
	struct hv_walk_ctx ctx = { .read_gpa = hv_walk_read_cached, .opaque = vcpu };
	unsigned int access = write ? HV_WALK_WRITE : 0;
	u64 linear = vcpu->regs[reg] & hv_addr_mask(e->addr_size);
	u32 error_code = 0;
	int r;

	linear += hv_call(get_segment_base)(vcpu, seg);
	if (bits != 64)
		linear = (u32)linear;
	if (offset_in_page(linear) + e->size > PAGE_SIZE)
		return -EFAULT;
	if (hv_call(get_cpl)(vcpu) == 3)
		access |= HV_WALK_USER;
	hv_call(get_paging)(vcpu, &ctx.cr0, &ctx.cr3, &ctx.cr4, &ctx.efer);
	r = hv_walk_gva(&ctx, linear, access, gpa, &error_code);
	if (r == HV_WALK_PAGE_FAULT) {
		hv_call(set_cr2)(vcpu, linear);
		hv_call(inject_exception)(vcpu, HV_VEC_PF, true, error_code);
		return 1;
	}
	if (r == HV_WALK_GP) {
		/* Non-canonical: #SS(0) through SS, #GP(0) otherwise. */
		hv_call(inject_exception)(vcpu, seg == HV_SEG_SS ? HV_VEC_SS : HV_VEC_GP, true, 0);
		return 1;
	}
	return r ? -EFAULT : 0;
}

/*
 * MOVS/STOS/LODS: one element per exit.  STOS and LODS touch only the
 * MMIO at @gpa.  MOVS has two sides: both are translated, each is tried
 * as guest RAM first and is MMIO otherwise; one of them must be @gpa.
 * Returns 0 to go on, 1 when the instruction is over (nothing to move,
 * an exception injected), -EFAULT for an emulation error.
 */
static int hv_mmio_string_setup(struct hv_vcpu *vcpu, u64 gpa, int bits)
{
	struct hv_mmio_pending *p = &vcpu->pending_mmio;
	u64 src, dst;
	int r;

	/* rCX may be 0 by now if another vCPU rewrote the code: nothing to do. */
	if (!hv_mmio_string_count(&p->e, vcpu->regs)) {
		hv_complete_insn(vcpu, vcpu->pending_rip);
		return 1;
	}
	if (p->e.kind != HV_MMIO_MOVS)
		return 0;
	r = hv_mmio_string_gpa(vcpu, p->e.src_seg, HV_RSI, false, bits, &src);
	if (r)
		return r;
	r = hv_mmio_string_gpa(vcpu, HV_SEG_ES, HV_RDI, true, bits, &dst);
	if (r)
		return r;
	if (src != gpa && dst != gpa)
		return -EFAULT;
	p->read_gpa = src;
	p->write_gpa = dst;
	p->read_ram = true;
	p->write_ram = true;
	return 0;
}

int hv_exit_mmio(struct hv_vcpu *vcpu, u64 gpa)
{
	struct hv_mmio_pending *p = &vcpu->pending_mmio;
	struct hv_insn insn;
	int r;

	*p = (struct hv_mmio_pending){ .read_gpa = gpa, .write_gpa = gpa };
	if (hv_fetch_insn(vcpu, &insn) || hv_mmio_decode(&insn, &p->e))
		return hv_exit_emulation_error(vcpu, gpa);
	vcpu->pending_rip = vcpu->rip + insn.len;
	if (p->e.kind >= HV_MMIO_MOVS) {
		r = hv_mmio_string_setup(vcpu, gpa, insn.mode_bits);
		if (r < 0)
			return hv_exit_emulation_error(vcpu, gpa);
		if (r)
			return r;
	}
	/* An access across a page boundary: its second page is not emulated. */
	if (offset_in_page(p->read_gpa) + p->e.size > PAGE_SIZE ||
	    offset_in_page(p->write_gpa) + p->e.size > PAGE_SIZE)
		return hv_exit_emulation_error(vcpu, gpa);
	return hv_mmio_start(vcpu);
}

/*
 * VMMCALL/VMCALL.  Only the guest's kernel may call the VMM: from CPL > 0
 * the call fails in the guest with RAX = HV_HYPERCALL_EPERM and never
 * reaches userspace, as KVM does (-KVM_EPERM), so that guest user space
 * cannot talk to the VMM behind its kernel's back.
 */
int hv_exit_hypercall(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;

	if (hv_call(get_cpl)(vcpu)) {
		vcpu->regs[HV_RAX] = HV_HYPERCALL_EPERM;
		return hv_skip_or_error(vcpu);
	}

	run->hypercall.nr = vcpu->regs[HV_RAX];
	run->hypercall.args[0] = vcpu->regs[HV_RBX];
	run->hypercall.args[1] = vcpu->regs[HV_RCX];
	run->hypercall.args[2] = vcpu->regs[HV_RDX];
	run->hypercall.args[3] = vcpu->regs[HV_RSI];
	run->hypercall.args[4] = vcpu->regs[HV_RDI];
	run->hypercall.ret = 0;
	if (hv_skip_insn(vcpu))
		return hv_exit_emulation_error(vcpu, 0);
	vcpu->pending = HV_PENDING_HYPERCALL;
	vcpu->pending_rip = vcpu->rip;
	return hv_exit_to_user(vcpu, HV_EXIT_HYPERCALL);
}

static int hv_complete_pio_in(struct hv_vcpu *vcpu)
{
	u64 rax = vcpu->regs[HV_RAX];

	/* Sizes come from hv's own record: userspace may rewrite struct hv_run. */
	if (vcpu->pending_string)
		return hv_write_gpa(vcpu->vm, vcpu->pending_gpa, vcpu->pio_data,
				    vcpu->pending_bytes) ? -EFAULT : 0;
	switch (vcpu->pending_bytes) {
	case 1:
		rax = (rax & ~0xffULL) | *(u8 *)vcpu->pio_data;
		break;
	case 2:
		rax = (rax & ~0xffffULL) | *(u16 *)vcpu->pio_data;
		break;
	default:
		rax = *(u32 *)vcpu->pio_data;	/* 32-bit writes zero-extend */
		break;
	}
	vcpu->regs[HV_RAX] = rax;
	return 0;
}

/*
 * Finish the exit that last went to userspace with what userspace left in
 * struct hv_run: IN data, MMIO read data or a hypercall result.  Returns
 * 1 to enter the guest, 0 when struct hv_run holds a new exit for
 * userspace (the write exit of an MMIO read-modify-write), or -errno.
 */
int hv_complete_userspace_exit(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	enum hv_pending pending = vcpu->pending;
	u64 value = 0;
	int r = 0;

	vcpu->pending = HV_PENDING_NONE;
	switch (pending) {
	case HV_PENDING_NONE:
		return 1;
	case HV_PENDING_PIO_IN:
		r = hv_complete_pio_in(vcpu);
		break;
	case HV_PENDING_MMIO_READ:
		/* The size is hv's own (at most 8), not run->mmio.len. */
		memcpy(&value, run->mmio.data, vcpu->pending_mmio.e.size);
		return hv_mmio_finish(vcpu, value);
	case HV_PENDING_HYPERCALL:
		vcpu->regs[HV_RAX] = run->hypercall.ret;
		break;
	}
	if (r)
		return r;
	hv_complete_insn(vcpu, vcpu->pending_rip);
	return 1;
}
