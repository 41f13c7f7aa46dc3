// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the vCPU run loop.  Each vCPU is one thread calling HV_RUN; exits
 * that reach userspace are dispatched through handlers[], indexed by
 * HV_EXIT_*.  The 8259 pair's interrupts go to vCPU 0: before every entry
 * the loop asks the PIC, injects its vector with HV_INTERRUPT when the last
 * exit said the guest can take one, and otherwise asks hv for an
 * interrupt-window exit.  A running (or, with the local APIC, halted)
 * vCPU 0 is kicked out of HV_RUN with immediate_exit plus a signal when the
 * PIC's output rises (vm_irq.c).
 *
 * Without the local APIC, a vCPU that executes HLT sleeps on vm->wake
 * until the PIC's output rises or the VM stops.  With it, HLT, IPIs and the
 * APIC timers stay in the kernel, and the I/O APIC's messages go straight
 * to hv (HV_SIGNAL_MSI) from whichever thread raised the line; the loop
 * only sees the EOIs of level-triggered vectors (HV_EXIT_EOI), and every
 * vCPU but 0 starts inside HV_RUN waiting for the guest's INIT-SIPI.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "devices/pic.h"
#include "hv_ioctl.h"
#include "vcpu.h"
#include "vm.h"

/* 0: keep running; < 0: the VM is stopping (vm_request_stop() was called). */
typedef int (*exit_handler)(struct vcpu *vcpu);

/* One line on stderr: what happened, and the vCPU state it happened in. */
void vcpu_report(struct vcpu *vcpu, const char *what)
{
	struct hv_regs r = { 0 };
	struct hv_sregs s = { 0 };

	hv_ioctl_get_regs(vcpu->fd, &r);
	hv_ioctl_get_sregs(vcpu->fd, &s);
	fprintf(stderr, "hv-run: vcpu %u: %s: rip=0x%" PRIx64 " rsp=0x%" PRIx64 " rflags=0x%" PRIx64
		" rax=0x%" PRIx64 " cs=0x%x cr0=0x%" PRIx64 " cr2=0x%" PRIx64 " cr3=0x%" PRIx64
		" cr4=0x%" PRIx64 " efer=0x%" PRIx64 " idt=0x%" PRIx64 "/0x%x\n", vcpu->id, what,
		(uint64_t)r.rip, (uint64_t)r.rsp, (uint64_t)r.rflags, (uint64_t)r.rax, s.cs.selector,
		(uint64_t)s.cr0, (uint64_t)s.cr2, (uint64_t)s.cr3, (uint64_t)s.cr4, (uint64_t)s.efer,
		(uint64_t)s.idt.base, s.idt.limit);
}

static int vcpu_fatal(struct vcpu *vcpu, const char *what)
{
	vcpu_report(vcpu, what);
	vm_request_stop(vcpu->vm, VM_EXIT_ERROR);
	return -1;
}

static int handle_io(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	unsigned int size = run->io.size, i;
	uint64_t bytes = (uint64_t)run->io.count * size;
	uint8_t *data;

	/* The kernel fills these, but a bad offset would make us scribble: check. */
	if ((size != 1 && size != 2 && size != 4) || !run->io.count ||
	    run->io.data_offset > vcpu->run_size || bytes > vcpu->run_size - run->io.data_offset)
		return vcpu_fatal(vcpu, "malformed HV_EXIT_IO");
	data = (uint8_t *)run + run->io.data_offset;
	if (vcpu->port_exits)
		vcpu->port_exits[run->io.port]++;
	for (i = 0; i < run->io.count; i++) {
		uint64_t v = 0;
		bool out = run->io.direction == HV_IO_DIR_OUT;

		if (out)
			memcpy(&v, data + i * size, size);
		if (!iobus_access(&vcpu->vm->pio, run->io.port, out, size, &v))
			vm_debug(vcpu->vm, "unclaimed %s port 0x%x size %u value 0x%" PRIx64,
				 out ? "OUT to" : "IN from", run->io.port, size, out ? v : 0);
		if (!out)
			memcpy(data + i * size, &v, size);
	}
	return 0;
}

static int handle_mmio(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	unsigned int len = run->mmio.len;
	uint64_t v = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return vcpu_fatal(vcpu, "malformed HV_EXIT_MMIO");
	if (run->mmio.is_write)
		memcpy(&v, run->mmio.data, len);
	if (!iobus_access(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.is_write, len, &v))
		vm_debug(vcpu->vm, "unclaimed MMIO %s 0x%" PRIx64 " len %u", run->mmio.is_write ?
			 "write to" : "read from", (uint64_t)run->mmio.phys_addr, len);
	if (!run->mmio.is_write)
		memcpy(run->mmio.data, &v, len);
	return 0;
}

/*
 * HLT with IF=1: sleep until the PIC has something or the VM stops.  HLT with
 * IF=0: nothing can wake this vCPU (no NMIs are ever sent); once every vCPU
 * is in that state the VM is over (status 5).
 */
static int handle_hlt(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool all_dead;

	if (!(vcpu->run->flags & HV_RUN_FLAG_IF)) {
		pthread_mutex_lock(&vm->lock);
		vcpu->halted_if_clear = true;
		all_dead = ++vm->nr_halted_if_clear == vm->nr_vcpus;
		pthread_mutex_unlock(&vm->lock);
		if (all_dead)
			vm_request_stop(vm, VM_EXIT_HALTED);
		pthread_mutex_lock(&vm->lock);
		while (!vm->stopping)
			pthread_cond_wait(&vm->wake, &vm->lock);
		pthread_mutex_unlock(&vm->lock);
		return -1;
	}
	pthread_mutex_lock(&vm->lock);
	vcpu->halted = true;
	while (!vm->stopping && !(vcpu->id == 0 && vm->pic && pic_output(vm->pic)))
		pthread_cond_wait(&vm->wake, &vm->lock);
	vcpu->halted = false;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

static int handle_shutdown(struct vcpu *vcpu)
{
	/*
	 * A guest's own doing, and its exit status says so; the state (as the
	 * CPU left it: on SVM architecturally undefined, in practice that of
	 * the last fault) is what whoever debugs it needs first.
	 */
	vcpu_report(vcpu, "triple fault");
	vm_request_stop(vcpu->vm, VM_EXIT_TRIPLE_FAULT);
	return -1;
}

static int handle_hypercall(struct vcpu *vcpu)
{
	/* hv-run defines no hypercalls yet: answer like an unknown syscall. */
	vm_debug(vcpu->vm, "vcpu %u: hypercall %" PRIu64 " refused", vcpu->id,
		 (uint64_t)vcpu->run->hypercall.nr);
	vcpu->run->hypercall.ret = (uint64_t)-ENOSYS;
	return 0;
}

/* HV_EXIT_EOI: Remote IRR of the I/O APIC pins with that vector. */
static int handle_eoi(struct vcpu *vcpu)
{
	vm_irq_eoi(vcpu->vm, vcpu->run->eoi.vector);
	return 0;
}

/* IRQ_WINDOW and INTR: the injection itself happens before the next entry. */
static int handle_nothing(struct vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

static int handle_fail_entry(struct vcpu *vcpu)
{
	char what[96];

	snprintf(what, sizeof(what), "hv refused the guest state (entry failure 0x%" PRIx64 " on cpu %u)",
		 (uint64_t)vcpu->run->fail_entry.hardware_entry_failure_reason,
		 vcpu->run->fail_entry.cpu);
	return vcpu_fatal(vcpu, what);
}

static int handle_internal_error(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	char what[160];
	int n;
	unsigned int i;

	n = snprintf(what, sizeof(what), "hv internal error %u", run->internal.suberror);
	for (i = 0; i < run->internal.ndata && i < 4 && n > 0 && (size_t)n < sizeof(what); i++)
		n += snprintf(what + n, sizeof(what) - n, " 0x%" PRIx64, (uint64_t)run->internal.data[i]);
	return vcpu_fatal(vcpu, what);
}

static int handle_unknown(struct vcpu *vcpu)
{
	char what[64];

	snprintf(what, sizeof(what), "unexpected exit reason %u", vcpu->run->exit_reason);
	return vcpu_fatal(vcpu, what);
}

static const exit_handler handlers[] = {
	[HV_EXIT_UNKNOWN]		= handle_unknown,
	[HV_EXIT_IO]			= handle_io,
	[HV_EXIT_MMIO]			= handle_mmio,
	[HV_EXIT_HLT]			= handle_hlt,
	[HV_EXIT_SHUTDOWN]		= handle_shutdown,
	[HV_EXIT_HYPERCALL]		= handle_hypercall,
	[HV_EXIT_IRQ_WINDOW]		= handle_nothing,
	[HV_EXIT_INTR]			= handle_nothing,
	[HV_EXIT_FAIL_ENTRY]		= handle_fail_entry,
	[HV_EXIT_INTERNAL_ERROR]	= handle_internal_error,
	[HV_EXIT_EOI]			= handle_eoi,
};

/*
 * Called before every HV_RUN.  The PIC is acknowledged only when the guest
 * can take the interrupt now (ready_for_interrupt_injection of the last
 * exit), so its in-service state matches what the guest really received.
 *
 * With the local APIC, hv opens no window while vCPU 0's LINT0 does not
 * take the 8259 (the guest runs on the I/O APIC): asking for one then costs
 * nothing, and it opens once the guest passes LINT0 through again.
 */
static int vcpu_deliver_interrupt(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	struct pic *pic = vcpu->vm->pic;
	struct hv_interrupt irq = { 0 };
	int vector;

	run->request_interrupt_window = 0;
	if (vcpu->id != 0 || !pic || !pic_output(pic))
		return 0;
	if (!run->ready_for_interrupt_injection) {
		run->request_interrupt_window = 1;
		return 0;
	}
	vector = pic_acknowledge(pic);
	irq.vector = (uint32_t)vector;
	if (vector >= 0 && hv_ioctl_interrupt(vcpu->fd, &irq) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "HV_INTERRUPT %d: %s", vector, strerror(errno));
		return vcpu_fatal(vcpu, what);
	}
	/* The window exit tells us when the next one (if any) can go in. */
	run->request_interrupt_window = pic_output(pic);
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	struct hv_run *run = vcpu->run;
	sigset_t set;

	/* Only vCPU threads take the kick signal; it just interrupts HV_RUN. */
	sigemptyset(&set);
	sigaddset(&set, vm->kick_signal);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!vm_stopping(vm)) {
		unsigned int reason;
		int r;

		if (vcpu_deliver_interrupt(vcpu))
			break;
		r = hv_ioctl_run(vcpu->fd);
		/* A kick that arrived during this run has done its job. */
		__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		/* The writes hv coalesced happened before this exit: apply them first. */
		coalesced_drain(&vm->coalesced);
		if (r < 0 && errno != EINTR) {
			char what[64];

			snprintf(what, sizeof(what), "HV_RUN: %s", strerror(errno));
			vcpu_fatal(vcpu, what);
			break;
		}
		reason = run->exit_reason;
		if (reason >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[reason])
			reason = HV_EXIT_UNKNOWN;
		if (handlers[reason](vcpu) < 0)
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int r;

	r = pthread_attr_init(&attr);
	if (r)
		return -r;
	/* --cpu-affinity: from the thread's first instruction, so its first HV_RUN is there too. */
	if (vcpu->host_cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(vcpu->host_cpu, &set);
		r = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (!r)
		r = pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	__atomic_store_n(&vcpu->thread_started, true, __ATOMIC_RELEASE);
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!__atomic_load_n(&vcpu->thread_started, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vcpu->thread, vcpu->vm->kick_signal);
}

/* The busiest ports, most exits first. */
static void vcpu_print_ports(struct vcpu *vcpu, FILE *out)
{
	unsigned int shown, i, best;

	if (!vcpu->port_exits)
		return;
	for (shown = 0; shown < 8; shown++) {
		best = 0;
		for (i = 1; i < 65536; i++)
			if (vcpu->port_exits[i] > vcpu->port_exits[best])
				best = i;
		if (!vcpu->port_exits[best])
			break;
		fprintf(out, "hv-run:     port 0x%04x %10u\n", best, vcpu->port_exits[best]);
		vcpu->port_exits[best] = 0;
	}
}

void vcpu_print_stats(struct vcpu *vcpu, FILE *out)
{
	struct hv_stats st;
	unsigned int i;

	memset(&st, 0, sizeof(st));
	if (hv_ioctl_get_stats(vcpu->fd, &st) < 0) {
		fprintf(out, "hv-run: vcpu %u: HV_GET_STATS: %s\n", vcpu->id, strerror(errno));
		return;
	}
	fprintf(out, "hv-run: vcpu %u exits:\n", vcpu->id);
	for (i = 0; i < HV_STATS_NR_REASONS; i++) {
		uint64_t hist = 0;
		unsigned int b;

		if (!st.exits[i])
			continue;
		/* Only exits followed by a re-entry have a latency. */
		for (b = 0; b < HV_STATS_NR_BUCKETS; b++)
			hist += st.latency_hist[i][b];
		fprintf(out, "hv-run:   %-20s %10" PRIu64, hv_exit_name(i), (uint64_t)st.exits[i]);
		if (hist)
			fprintf(out, "   mean %8.1f us", st.latency_ns_total[i] / 1000.0 / hist);
		fprintf(out, "\n");
		if (i == HV_EXIT_IO)
			vcpu_print_ports(vcpu, out);
	}
}
