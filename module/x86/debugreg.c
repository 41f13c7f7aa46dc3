// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers in the hardware, and the host's kept intact.
 *
 * MOV to and from DR0-3 exits on both vendors and lands in vcpu->db[];
 * DR7 (and on SVM DR6) is in the VMCB/VMCS, which entry loads.  For a
 * guest breakpoint to fire, the CPU must also hold the guest's DR0-3
 * while the guest runs.  They are loaded before each entry once the guest
 * uses them (one of them non-zero, or its DR7 arming one: on SVM the
 * guest writes DR7 without an exit, so a DR0 written earlier must already
 * be in place), and the host's breakpoints (perf, ptrace, kgdb) are put
 * back after the exit, before the host's DR7 arms them again.  A host
 * with no breakpoint armed keeps the guest's addresses in DR0-3, which
 * are inert under its DR7 (as on KVM).
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/processor.h>

#include "../hv_main.h"
#include "../hv_vcpu.h"

/* A guest write to DRn, n < 4 (a MOV DR exit; HV_SET_REGS has no DRs). */
void hv_set_db(struct hv_vcpu *vcpu, unsigned int n, u64 value)
{
	vcpu->db[n & 3] = value;
	vcpu->db_used = vcpu->db[0] | vcpu->db[1] | vcpu->db[2] | vcpu->db[3];
}

/*
 * Before entry, interrupts off, with the DR7 the guest will run with and
 * the host's (@host_dr7, 0 unless it has breakpoints armed): the guest's
 * DR0-3 into the hardware if it uses them.  The host's DR7 is cleared
 * first, or its breakpoints would watch the guest's addresses until the
 * entry.  Returns whether they were loaded, for hv_debugregs_put().
 */
bool hv_debugregs_load(struct hv_vcpu *vcpu, unsigned long guest_dr7, unsigned long host_dr7)
{
	if (!vcpu->db_used && !(guest_dr7 & (DR_LOCAL_ENABLE_MASK | DR_GLOBAL_ENABLE_MASK)))
		return false;
	if (host_dr7)
		set_debugreg(0, 7);
	set_debugreg(vcpu->db[0], 0);
	set_debugreg(vcpu->db[1], 1);
	set_debugreg(vcpu->db[2], 2);
	set_debugreg(vcpu->db[3], 3);
	return true;
}

/*
 * After the exit, interrupts still off: the exit left DR7 disabled; give
 * the host back @host_dr7 (non-zero only with hw_breakpoint_active()),
 * and its DR0-3 first if the guest's were loaded.
 */
void hv_debugregs_put(bool loaded, unsigned long host_dr7)
{
	if (!host_dr7)
		return;
	if (loaded)
		hw_breakpoint_restore();
	else
		set_debugreg(host_dr7, 7);
}
