// SPDX-License-Identifier: GPL-2.0
/*
 * trace_test: hv's tracepoints (module/hv_trace.h), read back through tracefs.
 *
 * Each point records the hv events of its own process in a trace instance
 * of its own (instances/hv_trace_test.<pid>, filtered on the pid), runs a
 * guest that does a known sequence, and checks the events one by one:
 *
 *   exits_match_the_guest  a guest doing CPUID_ROUNDS CPUIDs (answered in
 *                          the kernel), then OUT_ROUNDS OUTs to TEST_PORT
 *                          (to userspace): hv_exit shows exactly those
 *                          CPUIDs and OUTs, the OUTs' qualification names
 *                          the port (bits 31:16 on both vendors), every
 *                          reason's count equals HV_GET_STATS's, each exit
 *                          follows an hv_entry, and hv_userspace_exit and
 *                          hv_userspace_return pair up with the HV_RUN calls
 *   injections_traced      an interrupt from HV_INTERRUPT and the #GP hv
 *                          injects for a WRMSR to an MSR it does not have:
 *                          one hv_inject each, with vector, type and error
 *                          code (and, for each, as many reinjected copies as
 *                          exits cut its delivery short), nothing else
 *
 * tracefs is mounted at /sys/kernel/tracing when it is not there yet.
 * Without tracefs the points skip, except in the testbed, whose kernels
 * all have it (a failure there).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define TRACEFS		"/sys/kernel/tracing"
#define CPUID_ROUNDS	5
#define OUT_ROUNDS	3
#define TEST_PORT	0x80
#define IRQ_VECTOR	0x30
#define NO_SUCH_MSR	0x7fffffffu	/* outside every range either vendor's bitmap covers */

/* ---- tracefs ------------------------------------------------------------------ */

static char instance[128];

static void write_str(const char *dir, const char *file, const char *text)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open %s", path);
	n = write(fd, text, strlen(text));
	TEST_ASSERT(n == (ssize_t)strlen(text), "write '%s' to %s", text, path);
	close(fd);
}

/* A trace instance of this process's own, recording its hv events from now on. */
static void trace_start(void)
{
	struct stat st;
	char pid[64];

	if (stat(TRACEFS "/instances", &st) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY) {
		if (ktap_in_testbed())
			TEST_FAIL("cannot mount tracefs at %s: %s", TRACEFS, strerror(errno));
		TEST_SKIP("no tracefs at %s (%s)", TRACEFS, strerror(errno));
	}
	TEST_ASSERT(stat(TRACEFS "/events/hv/hv_exit", &st) == 0,
		    "no hv events in %s/events/hv: hv.ko without its tracepoints?", TRACEFS);
	snprintf(instance, sizeof(instance), TRACEFS "/instances/hv_trace_test.%d", (int)getpid());
	rmdir(instance);
	TEST_ASSERT(mkdir(instance, 0700) == 0, "mkdir %s", instance);
	snprintf(pid, sizeof(pid), "common_pid == %d", (int)getpid());
	write_str(instance, "events/hv/filter", pid);
	write_str(instance, "events/hv/enable", "1");
}

/* Stop recording; the instance's trace, malloc'ed (free() it), and the instance gone. */
static char *trace_stop(void)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), path[256];
	ssize_t n;
	int fd;

	TEST_ASSERT(buf, "malloc");
	write_str(instance, "events/hv/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", instance);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open %s", path);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			TEST_ASSERT(buf, "realloc");
		}
	}
	close(fd);
	buf[len] = '\0';
	TEST_ASSERT(rmdir(instance) == 0, "rmdir %s", instance);
	return buf;
}

/*
 * The next line of @trace from *@pos with event @event (": hv_exit: "...):
 * its fields after the event name, or NULL at the end.
 */
static const char *next_event(const char *trace, size_t *pos, const char *event, char *line,
			      size_t size)
{
	char key[64];

	snprintf(key, sizeof(key), ": %s: ", event);
	while (trace[*pos]) {
		const char *bol = trace + *pos, *eol = strchr(bol, '\n'), *hit;
		size_t n = eol ? (size_t)(eol - bol) : strlen(bol);

		*pos += n + (eol ? 1 : 0);
		if (bol[0] == '#' || n >= size)
			continue;
		memcpy(line, bol, n);
		line[n] = '\0';
		hit = strstr(line, key);
		if (hit)
			return hit + strlen(key);
	}
	return NULL;
}

static unsigned int count_events(const char *trace, const char *event)
{
	char line[512];
	size_t pos = 0;
	unsigned int n = 0;

	while (next_event(trace, &pos, event, line, sizeof(line)))
		n++;
	return n;
}

/* The trace as diagnostics (a few dozen events per point): what a session looks like. */
static void show_trace(const char *trace)
{
	const char *p = trace;

	while (*p) {
		const char *eol = strchr(p, '\n');
		int n = eol ? (int)(eol - p) : (int)strlen(p);

		if (*p != '#')
			ktap_print_msg("trace: %.*s\n", n, p);
		p += n + (eol ? 1 : 0);
	}
}

/* ---- exits -------------------------------------------------------------------- */

static void guest_cpuid_then_out(void)
{
	uint32_t a, b, c, d;
	int i;

	for (i = 0; i < CPUID_ROUNDS; i++)
		cpuid_count(0, 0, &a, &b, &c, &d);
	for (i = 0; i < OUT_ROUNDS; i++)
		outb(TEST_PORT, i);
	GUEST_DONE();
}

static void test_exits_match_the_guest(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_then_out);
	unsigned int cpuids = 0, outs = 0, entries, exits, runs = 0, reason, i;
	unsigned int by_reason[HV_STATS_NR_REASONS] = { 0 };
	struct hv_stats stats;
	char *trace, line[512], name[32];
	const char *f;
	size_t pos = 0;

	trace_start();
	for (i = 0; i < OUT_ROUNDS; i++) {
		vcpu_run(vcpu);
		runs++;
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		TEST_ASSERT(vcpu->run->io.port == TEST_PORT, "OUT to %#x", vcpu->run->io.port);
	}
	vcpu_expect_done(vcpu);
	runs++;
	vcpu_get_stats(vcpu, &stats);
	trace = trace_stop();

	while ((f = next_event(trace, &pos, "hv_exit", line, sizeof(line)))) {
		unsigned long long rip, qual, info;
		unsigned int id, hw;
		int verdict;

		TEST_ASSERT(sscanf(f, "vcpu %u reason %31s hw_reason %x rip %llx qual %llx info %llx verdict %d",
				   &id, name, &hw, &rip, &qual, &info, &verdict) == 7,
			    "cannot parse the hv_exit event '%s'", f);
		TEST_ASSERT(id == 0, "an exit of vCPU %u", id);
		for (reason = 0; reason < HV_STATS_NR_REASONS; reason++)
			if (!strcmp(name, hv_exit_name(reason)))
				break;
		TEST_ASSERT(reason < HV_STATS_NR_REASONS, "hv_exit names the reason '%s'", name);
		by_reason[reason]++;
		if (reason == HV_STAT_CPUID) {
			cpuids++;
			TEST_ASSERT(verdict > 0, "a CPUID exit went to userspace (verdict %d)", verdict);
		}
		if (reason == HV_STAT_IO && ((qual >> 16) & 0xffff) == TEST_PORT) {
			outs++;
			TEST_ASSERT(verdict == 0, "an OUT to %#x was not for userspace (verdict %d)",
				    TEST_PORT, verdict);
		}
	}
	entries = count_events(trace, "hv_entry");
	exits = count_events(trace, "hv_exit");
	ktap_print_msg("%u entries, %u exits (%u CPUID, %u OUT to %#x), %u HV_RUN\n",
		       entries, exits, cpuids, outs, TEST_PORT, runs);
	show_trace(trace);
	TEST_ASSERT(cpuids == CPUID_ROUNDS, "%u CPUID exits traced, the guest did %u",
		    cpuids, CPUID_ROUNDS);
	TEST_ASSERT(outs == OUT_ROUNDS, "%u OUTs to %#x traced, the guest did %u",
		    outs, TEST_PORT, OUT_ROUNDS);
	TEST_ASSERT(entries == exits, "%u hv_entry events, %u hv_exit", entries, exits);
	for (reason = 0; reason < HV_STATS_NR_REASONS; reason++) {
		/* Halt polls and sleeps are counted in HV_GET_STATS only: they are no VM exit. */
		if (reason == HV_STAT_HALT_POLL || reason == HV_STAT_HALT_SLEEP ||
		    reason == HV_STAT_INTR)
			continue;
		TEST_ASSERT(by_reason[reason] == stats.exits[reason],
			    "%u exits traced as %s, HV_GET_STATS counted %llu", by_reason[reason],
			    hv_exit_name(reason), (unsigned long long)stats.exits[reason]);
	}
	TEST_ASSERT(count_events(trace, "hv_userspace_exit") == runs,
		    "%u hv_userspace_exit events for %u HV_RUN calls",
		    count_events(trace, "hv_userspace_exit"), runs);
	TEST_ASSERT(count_events(trace, "hv_userspace_return") == runs,
		    "%u hv_userspace_return events for %u HV_RUN calls",
		    count_events(trace, "hv_userspace_return"), runs);
	pos = 0;
	while ((f = next_event(trace, &pos, "hv_userspace_exit", line, sizeof(line)))) {
		TEST_ASSERT(sscanf(f, "vcpu %*u exit_reason %31s", name) == 1,
			    "cannot parse the hv_userspace_exit event '%s'", f);
		TEST_ASSERT(!strcmp(name, "io"), "HV_RUN returned for '%s', the guest only did OUTs",
			    name);
	}
	free(trace);
	vm_destroy(vm);
}

/* ---- injections ------------------------------------------------------------------- */

static volatile unsigned int irqs, gps;

static void guest_irq_handler(struct ex_regs *regs)
{
	(void)regs;
	irqs++;
}

static void guest_gp_handler(struct ex_regs *regs)
{
	gps++;
	regs->rip += 2;		/* past the WRMSR */
}

static void guest_irq_then_gp(void)
{
	guest_install_handler(IRQ_VECTOR, guest_irq_handler);
	guest_install_handler(GP_VECTOR, guest_gp_handler);
	GUEST_SYNC(1);
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	wrmsr(NO_SUCH_MSR, 1);
	GUEST_SYNC_ARGS(2, irqs, gps, 0);
	GUEST_DONE();
}

static void test_injections_traced(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_irq_then_gp);
	struct hv_interrupt irq = { .vector = IRQ_VECTOR };
	unsigned int intr = 0, gp = 0, other = 0;
	char *trace, line[512], type[32];
	struct ucall uc;
	const char *f;
	size_t pos = 0;

	vcpu_expect_sync(vcpu, 1);
	trace_start();
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HLT);
	TEST_ASSERT(ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0, "HV_INTERRUPT: %s", strerror(errno));
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2,
		    "the guest did not reach its report");
	trace = trace_stop();
	TEST_ASSERT(uc.args[1] == 1 && uc.args[2] == 1, "the guest took %llu interrupts and %llu #GPs",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);

	while ((f = next_event(trace, &pos, "hv_inject", line, sizeof(line)))) {
		unsigned int id, vector, has_error, error, reinjected;

		TEST_ASSERT(sscanf(f, "vcpu %u %31s vector %u has_error %u error %x reinjected %u",
				   &id, type, &vector, &has_error, &error, &reinjected) == 6,
			    "cannot parse the hv_inject event '%s'", f);
		/*
		 * An event whose delivery an exit cut short (a nested page
		 * fault on the IDT or the handler's first page) comes again,
		 * marked reinjected: each of those belongs to one of the two.
		 */
		if (!strcmp(type, "intr") && vector == IRQ_VECTOR && !has_error)
			intr += !reinjected;
		else if (!strcmp(type, "exception") && vector == GP_VECTOR && has_error && error == 0)
			gp += !reinjected;
		else
			other++;
	}
	show_trace(trace);
	TEST_ASSERT(intr == 1, "%u injections of vector %#x traced, HV_INTERRUPT made one",
		    intr, IRQ_VECTOR);
	TEST_ASSERT(gp == 1, "%u #GP(0) injections traced, the WRMSR made one", gp);
	TEST_ASSERT(!other, "%u other injections traced", other);
	free(trace);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

int main(void)
{
	const struct hv_test tests[] = {
		{ "exits_match_the_guest", test_exits_match_the_guest, 60 },
		{ "injections_traced", test_injections_traced, 60 },
	};

	hv_test_main(tests, ARRAY_SIZE(tests));
}
