// SPDX-License-Identifier: GPL-2.0
/*
 * exits_test: one test point per exit reason that reaches userspace, plus
 * the exits the kernel handles itself (CPUID, MSRs) and the exit counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define TEST_PORT	0xe0
#define MMIO_GPA	0xd0000000ULL	/* no slot there */
#define IRQ_VECTOR	0x40

/* ---- port I/O --------------------------------------------------------------------- */

static void guest_io_out(void)
{
	outb(TEST_PORT, 0xab);
	outw(TEST_PORT + 2, 0xbeef);
	outl(TEST_PORT + 4, 0xdeadbeef);
	GUEST_DONE();
}

static void *expect_io(struct vcpu *vcpu, uint8_t dir, uint8_t size, uint16_t port)
{
	struct hv_run *run = vcpu->run;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	if (run->io.direction != dir || run->io.size != size || run->io.port != port ||
	    run->io.count != 1)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT(run->io.direction == dir, "direction %u, expected %u", run->io.direction, dir);
	TEST_ASSERT(run->io.size == size, "size %u, expected %u", run->io.size, size);
	TEST_ASSERT(run->io.port == port, "port %#x, expected %#x", run->io.port, port);
	TEST_ASSERT(run->io.count == 1, "count %u, expected 1", run->io.count);
	TEST_ASSERT(run->io.data_offset >= sizeof(*run) &&
		    run->io.data_offset + size <= vcpu->run_size,
		    "data_offset %#llx outside the mapping", (unsigned long long)run->io.data_offset);
	return vcpu_io_data(vcpu);
}

static void test_io_out(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_io_out);
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	memcpy(&v8, expect_io(vcpu, HV_IO_DIR_OUT, 1, TEST_PORT), 1);
	TEST_ASSERT(v8 == 0xab, "outb data %#x", v8);
	memcpy(&v16, expect_io(vcpu, HV_IO_DIR_OUT, 2, TEST_PORT + 2), 2);
	TEST_ASSERT(v16 == 0xbeef, "outw data %#x", v16);
	memcpy(&v32, expect_io(vcpu, HV_IO_DIR_OUT, 4, TEST_PORT + 4), 4);
	TEST_ASSERT(v32 == 0xdeadbeef, "outl data %#x", v32);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

#define RAX_INIT	0x1122334455667788ULL

static void guest_io_in(void)
{
	uint64_t rax;

	/* 8- and 16-bit IN keep the rest of RAX, 32-bit IN zero-extends. */
	__asm__ volatile("movabsq $0x1122334455667788, %%rax\n\tinb %%dx, %%al"
			 : "=a"(rax) : "d"(TEST_PORT) : "memory");
	GUEST_ASSERT_EQ(rax, (RAX_INIT & ~0xffULL) | 0x5a);
	__asm__ volatile("movabsq $0x1122334455667788, %%rax\n\tinw %%dx, %%ax"
			 : "=a"(rax) : "d"(TEST_PORT + 2) : "memory");
	GUEST_ASSERT_EQ(rax, (RAX_INIT & ~0xffffULL) | 0xa55a);
	__asm__ volatile("movabsq $0x1122334455667788, %%rax\n\tinl %%dx, %%eax"
			 : "=a"(rax) : "d"(TEST_PORT + 4) : "memory");
	GUEST_ASSERT_EQ(rax, 0xcafef00dULL);
	GUEST_DONE();
}

static void test_io_in(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_io_in);
	uint8_t v8 = 0x5a;
	uint16_t v16 = 0xa55a;
	uint32_t v32 = 0xcafef00d;

	memcpy(expect_io(vcpu, HV_IO_DIR_IN, 1, TEST_PORT), &v8, 1);
	memcpy(expect_io(vcpu, HV_IO_DIR_IN, 2, TEST_PORT + 2), &v16, 2);
	memcpy(expect_io(vcpu, HV_IO_DIR_IN, 4, TEST_PORT + 4), &v32, 4);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static const char string_out_msg[] = "hv string I/O!";	/* 14 bytes + NUL */
#define STRING_LEN	14
static uint8_t string_in_buf[32];

static void guest_string_out(void)
{
	const char *src = string_out_msg;
	uint64_t n = STRING_LEN;

	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(TEST_PORT) : "memory");
	GUEST_ASSERT_EQ(n, 0);
	GUEST_ASSERT_EQ(src, string_out_msg + STRING_LEN);
	GUEST_DONE();
}

static void guest_string_in(void)
{
	uint8_t *dst = string_in_buf;
	uint64_t n = 16, i;

	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(TEST_PORT) : "memory");
	GUEST_ASSERT_EQ(n, 0);
	GUEST_ASSERT_EQ(dst, string_in_buf + 16);
	for (i = 0; i < 16; i++)
		GUEST_ASSERT_EQ(string_in_buf[i], 3 * i + 1);
	GUEST_ASSERT_EQ(string_in_buf[16], 0);
	GUEST_DONE();
}

/* Runs until a ucall, moving string I/O data; returns the largest count seen. */
static unsigned int string_io_loop(struct vcpu *vcpu, uint8_t dir, uint8_t *buf,
				   unsigned int len)
{
	struct hv_run *run = vcpu->run;
	unsigned int done = 0, max_count = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		TEST_ASSERT(run->io.direction == dir && run->io.size == 1 &&
			    run->io.port == TEST_PORT && run->io.count >= 1,
			    "io exit dir %u size %u port %#x count %u", run->io.direction,
			    run->io.size, run->io.port, run->io.count);
		TEST_ASSERT(done + run->io.count <= len, "more data than the guest moves");
		TEST_ASSERT(run->io.data_offset + run->io.count <= vcpu->run_size,
			    "data outside the mapping");
		if (dir == HV_IO_DIR_OUT)
			memcpy(buf + done, vcpu_io_data(vcpu), run->io.count);
		else
			memcpy(vcpu_io_data(vcpu), buf + done, run->io.count);
		done += run->io.count;
		if (run->io.count > max_count)
			max_count = run->io.count;
	}
	if (uc.cmd != UCALL_DONE) {
		ucall_print(vcpu, &uc);
		TEST_FAIL("guest reported %s", ucall_name(uc.cmd));
	}
	TEST_ASSERT(done == len, "%u bytes moved, expected %u", done, len);
	return max_count;
}

static void require_string_io(void)
{
	if (!hv_check_cap(HV_CAP_STRING_IO))
		TEST_SKIP("HV_CAP_STRING_IO is 0: INS/OUTS do not exit with count > 1");
}

static void test_io_string_out(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t buf[STRING_LEN];
	unsigned int max;

	require_string_io();
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_string_out);
	max = string_io_loop(vcpu, HV_IO_DIR_OUT, buf, STRING_LEN);
	TEST_ASSERT(!memcmp(buf, string_out_msg, STRING_LEN), "rep outsb data differs");
	TEST_ASSERT(max > 1, "every exit had count 1 although HV_CAP_STRING_IO is set");
	vm_destroy(vm);
}

static void test_io_string_in(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t buf[16];
	unsigned int max, i;

	require_string_io();
	for (i = 0; i < 16; i++)
		buf[i] = 3 * i + 1;
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_string_in);
	max = string_io_loop(vcpu, HV_IO_DIR_IN, buf, 16);
	TEST_ASSERT(max > 1, "every exit had count 1 although HV_CAP_STRING_IO is set");
	TEST_ASSERT(!memcmp(guest_global_ptr(vm, string_in_buf), buf, 16),
		    "guest buffer differs");
	vm_destroy(vm);
}

/* ---- MMIO ----------------------------------------------------------------------- */

static void guest_mmio(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)MMIO_GPA;
	uint64_t v;

	__asm__ volatile("movb %b0, (%1)" : : "a"(0x11), "r"(p) : "memory");
	__asm__ volatile("movw %w0, (%1)" : : "a"(0x2233), "r"(p + 8) : "memory");
	__asm__ volatile("movl %k0, (%1)" : : "a"(0x44556677), "r"(p + 16) : "memory");
	__asm__ volatile("movq %0, (%1)" : : "a"(0x8899aabbccddeeffULL), "r"(p + 24) : "memory");
	GUEST_SYNC(1);

	v = RAX_INIT;
	__asm__ volatile("movb (%1), %b0" : "+a"(v) : "r"(p + 1) : "memory");
	GUEST_ASSERT_EQ(v, (RAX_INIT & ~0xffULL) | 0x5a);
	v = RAX_INIT;
	__asm__ volatile("movw (%1), %w0" : "+a"(v) : "r"(p + 10) : "memory");
	GUEST_ASSERT_EQ(v, (RAX_INIT & ~0xffffULL) | 0x1234);
	v = RAX_INIT;
	__asm__ volatile("movl (%1), %k0" : "+a"(v) : "r"(p + 20) : "memory");
	GUEST_ASSERT_EQ(v, 0x89abcdefULL);
	v = RAX_INIT;
	__asm__ volatile("movq (%1), %0" : "+a"(v) : "r"(p + 32) : "memory");
	GUEST_ASSERT_EQ(v, 0xfedcba9876543210ULL);
	GUEST_DONE();
}

static void expect_mmio(struct vcpu *vcpu, int is_write, uint64_t gpa, uint32_t len)
{
	struct hv_run *run = vcpu->run;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
	if (run->mmio.is_write != is_write || run->mmio.phys_addr != gpa || run->mmio.len != len)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT(run->mmio.is_write == is_write, "is_write %u", run->mmio.is_write);
	TEST_ASSERT(run->mmio.phys_addr == gpa, "phys_addr %#llx, expected %#llx",
		    (unsigned long long)run->mmio.phys_addr, (unsigned long long)gpa);
	TEST_ASSERT(run->mmio.len == len, "len %u, expected %u", run->mmio.len, len);
}

static struct vcpu *mmio_setup(struct vm **vmp)
{
	struct vm *vm = vm_create(0);

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	*vmp = vm;
	return vm_vcpu_add(vm, 0, guest_mmio);
}

static void test_mmio_write(void)
{
	struct vm *vm;
	struct vcpu *vcpu = mmio_setup(&vm);
	static const struct { uint64_t off; uint32_t len; uint64_t val; } w[] = {
		{ 0, 1, 0x11 }, { 8, 2, 0x2233 }, { 16, 4, 0x44556677 },
		{ 24, 8, 0x8899aabbccddeeffULL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		uint64_t got = 0;

		expect_mmio(vcpu, 1, MMIO_GPA + w[i].off, w[i].len);
		memcpy(&got, vcpu->run->mmio.data, w[i].len);
		TEST_ASSERT(got == w[i].val, "%u-byte write data %#llx, expected %#llx",
			    w[i].len, (unsigned long long)got, (unsigned long long)w[i].val);
	}
	vcpu_expect_sync(vcpu, 1);
	vm_destroy(vm);
}

static void test_mmio_read(void)
{
	struct vm *vm;
	struct vcpu *vcpu = mmio_setup(&vm);
	static const struct { uint64_t off; uint32_t len; uint64_t val; } r[] = {
		{ 1, 1, 0x5a }, { 10, 2, 0x1234 }, { 20, 4, 0x89abcdef },
		{ 32, 8, 0xfedcba9876543210ULL },
	};
	unsigned int i;

	for (i = 0; i < 4; i++)
		expect_mmio(vcpu, 1, MMIO_GPA + i * 8, 1u << i);
	vcpu_expect_sync(vcpu, 1);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		expect_mmio(vcpu, 0, MMIO_GPA + r[i].off, r[i].len);
		memset(vcpu->run->mmio.data, 0xee, sizeof(vcpu->run->mmio.data));
		memcpy(vcpu->run->mmio.data, &r[i].val, r[i].len);
	}
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/*
 * HV_INTERNAL_ERROR_EMULATION has one layout (uapi/linux/hv.h): an MMIO
 * access hv does not emulate (a rotate of memory) reports RIP, the vendor exit
 * code and qualification, the instruction bytes and the MMIO address.
 */
static void guest_mmio_undecodable(void)
{
	__asm__ volatile("roll $3, (%0)" : : "r"((uintptr_t)MMIO_GPA + 0x40) : "memory");
	GUEST_DONE();
}

static void test_mmio_emulation_error(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu;
	struct hv_run *run;
	struct hv_regs regs;
	uint8_t bytes[16];

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	vcpu = vm_vcpu_add(vm, 0, guest_mmio_undecodable);
	run = vcpu->run;
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_INTERNAL_ERROR);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(run->internal.suberror == HV_INTERNAL_ERROR_EMULATION, "suberror %u",
		    run->internal.suberror);
	TEST_ASSERT(run->internal.ndata == HV_INTERNAL_ERROR_EMULATION_NDATA, "ndata %u",
		    run->internal.ndata);
	TEST_ASSERT(run->internal.data[0] == regs.rip, "data[0] %#llx, RIP %#llx",
		    (unsigned long long)run->internal.data[0], (unsigned long long)regs.rip);
	TEST_ASSERT(vm_read_guest(vm, regs.rip, bytes, sizeof(bytes)), "read code at RIP");
	TEST_ASSERT(!memcmp(&run->internal.data[3], bytes, sizeof(bytes)),
		    "data[3..4] are not the bytes at RIP (first %02x, expected %02x)",
		    ((uint8_t *)&run->internal.data[3])[0], bytes[0]);
	TEST_ASSERT(run->internal.data[5] == MMIO_GPA + 0x40, "data[5] %#llx, expected the GPA",
		    (unsigned long long)run->internal.data[5]);
	vm_destroy(vm);
}

/* ---- HLT, hypercall, shutdown ------------------------------------------------------ */

static void guest_hlt(void)
{
	hlt();
	GUEST_DONE();
}

static void test_hlt(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hlt);
	struct hv_regs regs;
	uint8_t insn;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(vm_read_guest(vm, regs.rip - 1, &insn, 1) && insn == 0xf4,
		    "RIP %#llx is not just after the HLT", (unsigned long long)regs.rip);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

#define HC_NR		0x4856
#define HC_RET		0xfeedfacecafebeefULL

static void guest_hypercall_fn(void)
{
	uint64_t ret;

	ret = guest_hypercall(HC_NR, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555);
	GUEST_ASSERT_EQ(ret, HC_RET);
	ret = guest_hypercall(HC_NR + 1, ~0ULL, 0, 1, 2, 3);
	GUEST_ASSERT_EQ(ret, 7);
	GUEST_DONE();
}

static void test_hypercall(void)
{
	static const uint64_t args1[5] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555 };
	static const uint64_t args2[5] = { ~0ULL, 0, 1, 2, 3 };
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_run *run;
	unsigned int i;

	if (!hv_check_cap(HV_CAP_HYPERCALL))
		TEST_SKIP("HV_CAP_HYPERCALL is 0");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_hypercall_fn);
	run = vcpu->run;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HYPERCALL);
	TEST_ASSERT(run->hypercall.nr == HC_NR, "nr %#llx", (unsigned long long)run->hypercall.nr);
	for (i = 0; i < 5; i++)
		TEST_ASSERT(run->hypercall.args[i] == args1[i], "args[%u] = %#llx, expected %#llx",
			    i, (unsigned long long)run->hypercall.args[i],
			    (unsigned long long)args1[i]);
	run->hypercall.ret = HC_RET;

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HYPERCALL);
	TEST_ASSERT(run->hypercall.nr == HC_NR + 1, "nr %#llx",
		    (unsigned long long)run->hypercall.nr);
	for (i = 0; i < 5; i++)
		TEST_ASSERT(run->hypercall.args[i] == args2[i], "args[%u] = %#llx, expected %#llx",
			    i, (unsigned long long)run->hypercall.args[i],
			    (unsigned long long)args2[i]);
	run->hypercall.ret = 7;
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

static void guest_shutdown(void)
{
	struct desc_ptr idt = { 0, 0 };

	lidt(&idt);
	__asm__ volatile("ud2");
	GUEST_ASSERT(0);
}

static void test_shutdown(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_shutdown);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_SHUTDOWN);
	vm_destroy(vm);
}

/* ---- interrupt window and injection ---------------------------------------------------- */

static volatile uint64_t irq_count, irq_vector;

static void guest_irq_handler(struct ex_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
}

static void guest_irq_window(void)
{
	volatile uint64_t i;

	guest_install_handler(IRQ_VECTOR, guest_irq_handler);
	for (i = 0; i < 1000; i++)
		;
	GUEST_SYNC(1);		/* still IF = 0: no window exit may come first */
	sti_nop();
	for (i = 0; i < 10000000 && !irq_count; i++)
		;
	cli();
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_ASSERT_EQ(irq_vector, IRQ_VECTOR);
	GUEST_DONE();
}

static void test_irq_window(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_irq_window);
	struct hv_interrupt irq = { .vector = IRQ_VECTOR };
	struct hv_run *run = vcpu->run;

	run->request_interrupt_window = 1;
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(!(run->flags & HV_RUN_FLAG_IF), "HV_RUN_FLAG_IF set while the guest has IF=0");
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IRQ_WINDOW);
	TEST_ASSERT(run->ready_for_interrupt_injection, "window exit but not ready for injection");
	TEST_ASSERT(run->flags & HV_RUN_FLAG_IF, "window exit without HV_RUN_FLAG_IF");
	run->request_interrupt_window = 0;
	TEST_ASSERT(ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0, "HV_INTERRUPT vector %u", irq.vector);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/*
 * The interrupt shadow after an instruction hv completes for the guest.
 * STI blocks interrupts until the instruction after it has executed; when
 * that instruction exits (HLT here) and hv skips it, the shadow must end
 * with it, as on hardware.  Otherwise an interrupt queued at the HLT is
 * not taken there: the guest runs the instruction after HLT first (behind
 * an extra interrupt-window exit), or never, when that instruction is CLI.
 */
static volatile uint64_t after_hlt, after_hlt_at_irq;

static void guest_shadow_irq_handler(struct ex_regs *regs)
{
	(void)regs;
	irq_count++;
	after_hlt_at_irq = after_hlt;
}

static void guest_sti_hlt(void)
{
	guest_install_handler(IRQ_VECTOR, guest_shadow_irq_handler);
	GUEST_SYNC(1);		/* IF = 0: the interrupt is queued here */
	__asm__ volatile("sti; hlt; incq %0" : "+m"(after_hlt) : : "memory");
	cli();
	GUEST_SYNC_ARGS(2, irq_count, after_hlt_at_irq, after_hlt);
	GUEST_DONE();
}

static void test_sti_hlt_interrupt(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sti_hlt);
	struct hv_interrupt irq = { .vector = IRQ_VECTOR };
	struct hv_run *run = vcpu->run;
	struct hv_stats *s0 = calloc(1, sizeof(*s0)), *s1 = calloc(1, sizeof(*s1));
	unsigned int hlt_exits = 0;
	struct ucall uc;

	TEST_ASSERT(s0 && s1, "calloc");
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0, "HV_INTERRUPT: %s", strerror(errno));
	vcpu_get_stats(vcpu, s0);
	/* A VMM resumes a vCPU after HLT; count how often the guest came back with it. */
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != HV_EXIT_HLT || ++hlt_exits > 3)
			break;
	}
	vcpu_get_stats(vcpu, s1);
	TEST_ASSERT(vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2,
		    "guest did not reach its report (exit %s)", exit_reason_str(run->exit_reason));
	ktap_print_msg("irqs %llu, instruction after HLT ran %llu time(s) before the handler, HLT exits to userspace %u, window exits %llu\n",
		       (unsigned long long)uc.args[1], (unsigned long long)uc.args[2], hlt_exits,
		       (unsigned long long)(s1->exits[HV_STAT_IRQ_WINDOW] -
					    s0->exits[HV_STAT_IRQ_WINDOW]));
	TEST_ASSERT(uc.args[1] == 1, "%llu interrupts taken, expected 1",
		    (unsigned long long)uc.args[1]);
	TEST_ASSERT(uc.args[2] == 0, "the instruction after STI;HLT ran before the interrupt");
	TEST_ASSERT(hlt_exits == 0, "HLT exited to userspace with a deliverable interrupt queued");
	TEST_ASSERT(s1->exits[HV_STAT_IRQ_WINDOW] == s0->exits[HV_STAT_IRQ_WINDOW],
		    "an interrupt-window exit was needed to deliver the interrupt at HLT");
	vcpu_expect_done(vcpu);
	free(s0);
	free(s1);
	vm_destroy(vm);
}

static void guest_sti_hlt_cli(void)
{
	volatile uint64_t i;

	guest_install_handler(IRQ_VECTOR, guest_shadow_irq_handler);
	GUEST_SYNC(1);
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	GUEST_SYNC_ARGS(2, irq_count, 0, 0);
	sti_nop();
	for (i = 0; i < 10000000 && irq_count < 2; i++)
		;
	cli();
	GUEST_SYNC_ARGS(3, irq_count, 0, 0);
	GUEST_DONE();
}

static void test_sti_hlt_cli_interrupt(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sti_hlt_cli);
	struct hv_interrupt irq = { .vector = IRQ_VECTOR };
	struct hv_run *run = vcpu->run;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1);
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_HLT);
	ktap_print_msg("after STI;HLT: ready_for_interrupt_injection %u, flags %#x\n",
		       run->ready_for_interrupt_injection, run->flags);
	TEST_ASSERT(!(run->flags & HV_RUN_FLAG_INTR_SHADOW),
		    "the STI shadow outlived the HLT it covered");
	TEST_ASSERT(run->ready_for_interrupt_injection,
		    "not ready for injection after HLT with IF = 1");
	TEST_ASSERT(ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0, "HV_INTERRUPT: %s", strerror(errno));
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2,
		    "guest did not reach its report");
	TEST_ASSERT(uc.args[1] == 1, "the interrupt queued at HLT was not taken before CLI (%llu)",
		    (unsigned long long)uc.args[1]);
	TEST_ASSERT(ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0,
		    "second HV_INTERRUPT: %s (the first one still queued?)", strerror(errno));
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 3,
		    "guest did not reach its second report");
	TEST_ASSERT(uc.args[1] == 2, "%llu interrupts taken, expected 2",
		    (unsigned long long)uc.args[1]);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/* ---- HV_EXIT_INTR ------------------------------------------------------------------- */

static void guest_spin(void)
{
	GUEST_SYNC(1);
	for (;;)
		__asm__ volatile("nop");
}

static void sigusr1_handler(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	atomic_int stop;
	atomic_uint sent;
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	while (!atomic_load(&k->stop)) {
		nanosleep(&ts, NULL);
		pthread_kill(k->target, SIGUSR1);
		atomic_fetch_add(&k->sent, 1);
	}
	return NULL;
}

static void install_sigusr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigusr1_handler;	/* no SA_RESTART */
	TEST_ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
}

static void test_intr_signal(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin);
	struct kicker k = { .target = pthread_self() };
	pthread_t th;
	int r, err;

	install_sigusr1();
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(pthread_create(&th, NULL, kicker_fn, &k) == 0, "pthread_create");
	r = __vcpu_run(vcpu);
	err = errno;
	atomic_store(&k.stop, 1);
	pthread_join(th, NULL);
	errno = err;
	TEST_ASSERT(r == -1 && err == EINTR, "HV_RUN returned %d, expected -1/EINTR", r);
	vcpu_assert_exit(vcpu, HV_EXIT_INTR);
	ktap_print_msg("HV_RUN interrupted after %u signal(s)\n", atomic_load(&k.sent));
	vm_destroy(vm);
}

static void test_intr_immediate_exit(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_regs before, after;
	int r;

	if (!hv_check_cap(HV_CAP_IMMEDIATE_EXIT))
		TEST_SKIP("HV_CAP_IMMEDIATE_EXIT is 0");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_spin);
	vcpu_regs_get(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR, "HV_RUN with immediate_exit returned %d", r);
	vcpu_assert_exit(vcpu, HV_EXIT_INTR);
	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT(after.rip == before.rip, "guest ran: RIP %#llx -> %#llx",
		    (unsigned long long)before.rip, (unsigned long long)after.rip);
	vcpu->run->immediate_exit = 0;
	vcpu_expect_sync(vcpu, 1);
	vm_destroy(vm);
}

/* ---- entry failure ---------------------------------------------------------------- */

/*
 * The width a guest may be promised is 48 bits (hv's 4-level nested tables);
 * the CPU's own can be smaller (QEMU's TCG and Bochs: 40 bits).
 */
#define GUEST_PHYS_BITS	48u

/*
 * Give @vcpu a state HV_SET_SREGS must accept but the CPU refuses at entry:
 * its CPUID announces 48 physical-address bits, and CR3 has a bit set that
 * is inside those 48 but above the host CPU's own width.  HV_SET_SREGS judges
 * CR3 against what the guest was told (as KVM does); VMRUN refuses a CR3
 * with a bit above the CPU's width (APM "CR3 MBZ bits"), and so do VMX's
 * guest-state checks (SDM 26.3.1.1), which report basic reason 33.
 *
 * The other candidates are gone: HV_SET_SREGS now refuses long mode with
 * CS.L and CS.D (the old state), and HV_SET_MSRS cannot change EFER.LMA.
 * On a CPU with 48 or more physical-address bits there is no such bit, and
 * the test fails rather than skip: the exit would go untested.
 */
static void make_entry_fail(struct vcpu *vcpu)
{
	struct hv_cpuid *c = calloc(1, sizeof(*c) + HV_MAX_CPUID_ENTRIES * sizeof(c->entries[0]));
	struct hv_cpuid_entry *e;
	uint32_t a, b, cx, d, host_bits;
	struct hv_sregs sregs;
	int r;

	cpuid_count(0x80000008, 0, &a, &b, &cx, &d);
	host_bits = a & 0xff;
	if (host_bits >= GUEST_PHYS_BITS)
		TEST_FAIL("host MAXPHYADDR is %u: no CR3 bit is valid for a %u-bit guest but not for this CPU, so no entry can be made to fail",
			  host_bits, GUEST_PHYS_BITS);

	TEST_ASSERT(c, "calloc");
	c->nent = HV_MAX_CPUID_ENTRIES;
	TEST_ASSERT(ioctl(vcpu->fd, HV_GET_CPUID, c) == 0, "HV_GET_CPUID");
	e = hv_cpuid_find(c, 0x80000008, 0);
	TEST_ASSERT(e, "the vCPU's CPUID has no leaf 0x80000008");
	e->eax = (e->eax & ~0xffu) | GUEST_PHYS_BITS;
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, c) == 0, "HV_SET_CPUID");
	free(c);

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr3 |= 1ULL << host_bits;
	r = __vcpu_sregs_set(vcpu, &sregs);
	TEST_ASSERT(r == 0, "HV_SET_SREGS refused CR3 %#llx (bit %u, within the guest's %u bits): errno %d",
		    (unsigned long long)sregs.cr3, host_bits, GUEST_PHYS_BITS, errno);
}

/*
 * Run @vcpu into a failed entry.  The guest did not run, so its registers and
 * state must be what they were: in particular nothing of the host's (QEMU's
 * TCG writes the host's RIP, RSP, CR3... into the VMCB on VMEXIT_INVALID).
 */
static void assert_fail_entry(struct vm *vm, struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	struct hv_regs regs0, regs1;
	struct hv_sregs sregs0, sregs1;
	int r;

	vcpu_regs_get(vcpu, &regs0);
	vcpu_sregs_get(vcpu, &sregs0);
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == 0, "HV_RUN returned %d", r);
	vcpu_assert_exit(vcpu, HV_EXIT_FAIL_ENTRY);
	vcpu_regs_get(vcpu, &regs1);
	vcpu_sregs_get(vcpu, &sregs1);
	TEST_ASSERT(!memcmp(&regs0, &regs1, sizeof(regs0)),
		    "registers changed by a failed entry: rip %#llx -> %#llx, rsp %#llx -> %#llx",
		    (unsigned long long)regs0.rip, (unsigned long long)regs1.rip,
		    (unsigned long long)regs0.rsp, (unsigned long long)regs1.rsp);
	TEST_ASSERT(!memcmp(&sregs0, &sregs1, sizeof(sregs0)),
		    "sregs changed by a failed entry: cr0 %#llx -> %#llx, cr3 %#llx -> %#llx, cs %#x -> %#x",
		    (unsigned long long)sregs0.cr0, (unsigned long long)sregs1.cr0,
		    (unsigned long long)sregs0.cr3, (unsigned long long)sregs1.cr3,
		    sregs0.cs.selector, sregs1.cs.selector);
	/* VMEXIT_INVALID is the 64-bit exit code -1, also where QEMU writes 32 bits. */
	if (vm->vendor == HV_VENDOR_SVM)
		TEST_ASSERT(run->fail_entry.hardware_entry_failure_reason == ~0ULL,
			    "SVM: expected VMEXIT_INVALID (-1), got %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	/*
	 * VMX: a guest-state check fails after the VMCS checks passed, so the
	 * CPU exits with bit 31 set and basic reason 33 (invalid guest state);
	 * hv puts that in the low half (docs/abi.md).  A VM-instruction error
	 * (bit 31 clear) would mean hv's own VMCS was bad.
	 */
	if (vm->vendor == HV_VENDOR_VMX)
		TEST_ASSERT((run->fail_entry.hardware_entry_failure_reason & 0x8000ffffULL) ==
			    0x80000021ULL,
			    "VMX: expected exit reason 33 (invalid guest state) with bit 31 set, got %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
}

static void test_fail_entry(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin);
	struct hv_run *run = vcpu->run;

	make_entry_fail(vcpu);
	assert_fail_entry(vm, vcpu);
	ktap_print_msg("hardware_entry_failure_reason %#llx on cpu %u\n",
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		       run->fail_entry.cpu);
	vm_destroy(vm);
}

/*
 * Kernel log records whose text contains @needle, among those written to
 * /dev/kmsg since @fd was opened at its end.  Lost records (EPIPE: the log
 * wrapped under the test) fail the test: they mean a flood.
 */
static unsigned int kmsg_count(int fd, const char *needle)
{
	unsigned int n = 0;
	char rec[2048];
	ssize_t len;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EAGAIN)
			return n;
		TEST_ASSERT(len >= 0, "read /dev/kmsg: %s (records lost: the log overflowed)",
			    strerror(errno));
		rec[len] = '\0';
		if (strstr(rec, needle))
			n++;
	}
}

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	TEST_ASSERT(fd >= 0, "open /dev/kmsg: %s", strerror(errno));
	TEST_ASSERT(lseek(fd, 0, SEEK_END) >= 0, "lseek /dev/kmsg: %s", strerror(errno));
	return fd;
}

#define DUMP_PARAM	"/sys/module/hv/parameters/dump_invalid_state"

static void set_dump_param(const char *val)
{
	int fd = open(DUMP_PARAM, O_WRONLY | O_CLOEXEC);

	TEST_ASSERT(fd >= 0, "open %s: %s", DUMP_PARAM, strerror(errno));
	TEST_ASSERT(write(fd, val, 1) == 1, "write %s: %s", DUMP_PARAM, strerror(errno));
	close(fd);
}

/*
 * A VMM can fail entries as fast as it likes: the kernel log must not follow.
 * hv prints one line per failed entry, rate limited (the printk default: 10
 * lines per 5 s, then a "callbacks suppressed" note), and dumps the guest
 * state only with the module parameter dump_invalid_state set.  The bound
 * allows the rate limit's burst for every 5 s the loop took, so a slow
 * testbed cannot fail it, but never more than a tenth of the entries.
 */
#define FAIL_ENTRIES		400
#define RATELIMIT_BURST		10u
#define RATELIMIT_SECONDS	5u

static void test_fail_entry_log(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin);
	unsigned int i, lines, bound;
	struct timespec t0, t1;
	int fd;

	make_entry_fail(vcpu);
	fd = kmsg_open_at_end();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < FAIL_ENTRIES; i++)
		assert_fail_entry(vm, vcpu);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	lines = kmsg_count(fd, "hv: ");
	bound = RATELIMIT_BURST * ((t1.tv_sec - t0.tv_sec) / RATELIMIT_SECONDS + 2);
	if (bound > FAIL_ENTRIES / 10)
		bound = FAIL_ENTRIES / 10;
	ktap_print_msg("%u failed entries in %ld s: %u kernel log lines from hv (bound %u)\n",
		       FAIL_ENTRIES, (long)(t1.tv_sec - t0.tv_sec), lines, bound);
	TEST_ASSERT(lines >= 1, "no kernel log line for %u failed entries", FAIL_ENTRIES);
	TEST_ASSERT(lines <= bound, "%u kernel log lines for %u failed entries, bound %u",
		    lines, FAIL_ENTRIES, bound);
	close(fd);

	/*
	 * With the parameter set, a failed entry dumps the guest state: more
	 * than the one line, even right after the flood used up the burst.
	 */
	set_dump_param("1");
	fd = kmsg_open_at_end();
	assert_fail_entry(vm, vcpu);
	lines = kmsg_count(fd, "hv: ");
	set_dump_param("0");
	close(fd);
	TEST_ASSERT(lines >= 3, "dump_invalid_state=1: %u lines for a failed entry, want the line and a dump",
		    lines);
	vm_destroy(vm);
}

/* ---- CPUID ---------------------------------------------------------------------- */

static void guest_cpuid_fn(void)
{
	static const uint32_t leaves[] = { 0, 1, 0x80000001, 0x80000002 };
	uint32_t a, b, c, d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		cpuid_count(leaves[i], 0, &a, &b, &c, &d);
		GUEST_SYNC_ARGS(a, b, c, d);
	}
	GUEST_DONE();
}

static struct hv_cpuid *vcpu_get_cpuid(struct vcpu *vcpu)
{
	struct hv_cpuid *c = calloc(1, sizeof(*c) + HV_MAX_CPUID_ENTRIES * sizeof(c->entries[0]));

	TEST_ASSERT(c, "calloc");
	c->nent = HV_MAX_CPUID_ENTRIES;
	TEST_ASSERT(ioctl(vcpu->fd, HV_GET_CPUID, c) == 0, "HV_GET_CPUID");
	return c;
}

static void vcpu_set_cpuid(struct vcpu *vcpu, struct hv_cpuid *c)
{
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, c) == 0, "HV_SET_CPUID (%u entries)", c->nent);
}

/* Runs guest_cpuid_fn; out[i] = eax..edx of leaves 0, 1, 0x80000001, 0x80000002. */
static void run_cpuid_guest(struct vcpu *vcpu, uint32_t out[4][4])
{
	struct ucall uc;
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest did not report leaf %u", i);
		for (j = 0; j < 4; j++)
			out[i][j] = uc.args[j];
	}
	vcpu_expect_done(vcpu);
}

static void test_cpuid(void)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid(), *cur;
	struct hv_cpuid_entry *e0, *e1, *e81, *e82;
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_fn);
	uint32_t out[4][4];
	unsigned int i;

	e0 = hv_cpuid_find(sup, 0, 0);
	e1 = hv_cpuid_find(sup, 1, 0);
	TEST_ASSERT(e0 && e1, "HV_GET_SUPPORTED_CPUID lacks leaf 0 or 1 (%u entries)", sup->nent);
	TEST_ASSERT(!(e1->ecx & (1u << 5)), "supported CPUID.1:ECX.VMX is set");
	e81 = hv_cpuid_find(sup, 0x80000001, 0);
	if (e81)
		TEST_ASSERT(!(e81->ecx & (1u << 2)), "supported CPUID.80000001:ECX.SVM is set");

	/* The in-kernel local APIC's bits are offered: APIC, x2APIC. */
	TEST_ASSERT((e1->edx & (1u << 9)) && (e1->ecx & (1u << 21)),
		    "supported CPUID.1 lacks APIC or x2APIC (EDX %#x ECX %#x)", e1->edx, e1->ecx);

	/*
	 * docs/abi.md: a new vCPU's CPUID table is the supported table, minus
	 * the local APIC's bits in a VM without HV_CAP_LAPIC. Not an empty one
	 * the test would have to fill in: the guest below runs on the default
	 * table as it is.
	 */
	cur = vcpu_get_cpuid(vcpu);
	TEST_ASSERT(cur->nent == sup->nent,
		    "new vCPU's CPUID table has %u entries, HV_GET_SUPPORTED_CPUID %u",
		    cur->nent, sup->nent);
	for (i = 0; i < sup->nent; i++) {
		struct hv_cpuid_entry *s = &sup->entries[i];
		struct hv_cpuid_entry *c = hv_cpuid_find(cur, s->function, s->index);
		uint32_t ecx = s->ecx, edx = s->edx;

		if (s->function == 1) {
			edx &= ~(1u << 9);
			ecx &= ~((1u << 21) | (1u << 24));
		} else if (s->function == 0x80000001) {
			edx &= ~(1u << 9);
		}
		TEST_ASSERT(c && c->flags == s->flags && c->eax == s->eax && c->ebx == s->ebx &&
			    c->ecx == ecx && c->edx == edx,
			    "new vCPU's CPUID %#x.%u differs from the supported one", s->function,
			    s->index);
	}

	run_cpuid_guest(vcpu, out);
	/* Answered from that table: the signature (leaf 1 EAX) and the brand string. */
	TEST_ASSERT(out[1][0] == e1->eax, "guest CPUID.1:EAX %#x, the default table has %#x",
		    out[1][0], e1->eax);
	e82 = hv_cpuid_find(sup, 0x80000002, 0);
	TEST_ASSERT(e82 && out[3][0] == e82->eax && out[3][1] == e82->ebx &&
		    out[3][2] == e82->ecx && out[3][3] == e82->edx,
		    "guest CPUID.80000002 (brand string) differs from the default table");
	TEST_ASSERT(out[0][1] == e0->ebx && out[0][2] == e0->ecx && out[0][3] == e0->edx,
		    "guest vendor %.4s%.4s%.4s differs from the supported one",
		    (char *)&out[0][1], (char *)&out[0][3], (char *)&out[0][2]);
	TEST_ASSERT(out[1][2] & (1u << 31), "guest CPUID.1:ECX.HYPERVISOR is clear (ecx %#x)",
		    out[1][2]);
	TEST_ASSERT(!(out[1][2] & (1u << 5)), "guest CPUID.1:ECX.VMX is set");
	TEST_ASSERT(!(out[2][2] & (1u << 2)), "guest CPUID.80000001:ECX.SVM is set");
	free(cur);
	free(sup);
	vm_destroy(vm);
}

static void test_cpuid_set(void)
{
	static const uint32_t custom[4] = { 0x6c656574, 0x68762d73, 0x74657374, 0x21212121 };
	struct hv_cpuid *sup = hv_get_supported_cpuid(), *got;
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_fn);
	struct hv_cpuid_entry *e;
	uint32_t out[4][4];

	e = hv_cpuid_find(sup, 0x80000002, 0);
	if (!e) {
		TEST_ASSERT(sup->nent < HV_MAX_CPUID_ENTRIES, "no room for leaf 0x80000002");
		e = &sup->entries[sup->nent++];
		memset(e, 0, sizeof(*e));
		e->function = 0x80000002;
	}
	e->eax = custom[0];
	e->ebx = custom[1];
	e->ecx = custom[2];
	e->edx = custom[3];
	vcpu_set_cpuid(vcpu, sup);

	got = vcpu_get_cpuid(vcpu);
	e = hv_cpuid_find(got, 0x80000002, 0);
	TEST_ASSERT(e && e->eax == custom[0] && e->ebx == custom[1] && e->ecx == custom[2] &&
		    e->edx == custom[3], "HV_GET_CPUID does not return the leaf just set");

	run_cpuid_guest(vcpu, out);
	TEST_ASSERT(!memcmp(out[3], custom, sizeof(custom)),
		    "guest leaf 0x80000002 = %#x %#x %#x %#x", out[3][0], out[3][1], out[3][2],
		    out[3][3]);
	free(got);
	free(sup);
	vm_destroy(vm);
}

/*
 * CPUID may not offer what the vCPU cannot do: when it says INVPCID
 * (CPUID.7.0:EBX bit 10), INVPCID must run without #UD (on VMX that needs
 * the secondary control "enable INVPCID").
 */
static volatile uint64_t ud_count;

static void guest_ud_skip5(struct ex_regs *regs)
{
	ud_count++;
	regs->rip += 5;		/* INVPCID (%rax), %rcx: 66 0f 38 82 08 */
}

static void guest_invpcid(void)
{
	static uint64_t desc[2];
	uint32_t a, b, c, d;

	guest_install_handler(UD_VECTOR, guest_ud_skip5);
	cpuid_count(7, 0, &a, &b, &c, &d);
	/* Type 2: every context, globals too; the descriptor is not used. */
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0x82, 0x08"
			 : : "a"(desc), "c"(2ULL) : "memory");
	GUEST_SYNC_ARGS(1, (b >> 10) & 1, ud_count, 0);
	GUEST_DONE();
}

static void test_cpuid_invpcid_backed(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_invpcid);
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest did not report");
	ktap_print_msg("CPUID.7.0:EBX.INVPCID %llu, #UD on INVPCID %llu\n",
		       (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	TEST_ASSERT(!(uc.args[1] && uc.args[2]), "CPUID offers INVPCID but INVPCID raised #UD");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/* ---- MSRs --------------------------------------------------------------------- */

#define KGS_GUEST	0xffff888012345000ULL
#define KGS_HOST	0xffff8880abcde000ULL
#define BOGUS_MSR	0x4b564eeeU

static volatile uint64_t gp_count;

static void guest_gp_handler(struct ex_regs *regs)
{
	gp_count++;
	regs->rip += 2;		/* skip RDMSR / WRMSR */
}

static void guest_msr(void)
{
	uint64_t t1, t2;
	volatile uint64_t i;

	guest_install_handler(GP_VECTOR, guest_gp_handler);
	t1 = rdmsr(MSR_IA32_TSC);
	for (i = 0; i < 10000; i++)
		;
	t2 = rdmsr(MSR_IA32_TSC);
	GUEST_ASSERT(t2 > t1);

	wrmsr(MSR_KERNEL_GS_BASE, KGS_GUEST);
	GUEST_ASSERT_EQ(rdmsr(MSR_KERNEL_GS_BASE), KGS_GUEST);
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(rdmsr(MSR_KERNEL_GS_BASE), KGS_HOST);
	GUEST_ASSERT_EQ(gp_count, 0);

	rdmsr(BOGUS_MSR);
	GUEST_ASSERT_EQ(gp_count, 1);
	wrmsr(BOGUS_MSR, 1);
	GUEST_ASSERT_EQ(gp_count, 2);
	GUEST_DONE();
}

static void test_msr(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_msr);
	uint64_t v = 0;

	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE, &v) == 1, "HV_GET_MSRS KERNEL_GS_BASE");
	TEST_ASSERT(v == KGS_GUEST, "host sees KERNEL_GS_BASE %#llx, guest wrote %#llx",
		    (unsigned long long)v, KGS_GUEST);
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_KERNEL_GS_BASE, KGS_HOST) == 1,
		    "HV_SET_MSRS KERNEL_GS_BASE");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/* ---- statistics --------------------------------------------------------------------- */

static void guest_stats(void)
{
	uint32_t a, b, c, d;
	int i;

	for (i = 0; i < 10; i++)
		outb(0x80, i);
	for (i = 0; i < 5; i++)
		cpuid_count(0, 0, &a, &b, &c, &d);
	for (i = 0; i < 3; i++)
		hlt();
	GUEST_DONE();
}

static uint64_t hist_sum(const struct hv_stats *s, unsigned int r)
{
	uint64_t sum = 0;
	unsigned int b;

	for (b = 0; b < HV_STATS_NR_BUCKETS; b++)
		sum += s->latency_hist[r][b];
	return sum;
}

static void test_stats(void)
{
	struct hv_stats *s0, *s1;
	struct vm *vm;
	struct vcpu *vcpu;
	unsigned int i, r;

	if (!hv_check_cap(HV_CAP_STATS))
		TEST_SKIP("HV_CAP_STATS is 0");
	s0 = calloc(1, sizeof(*s0));
	s1 = calloc(1, sizeof(*s1));
	TEST_ASSERT(s0 && s1, "calloc");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_stats);
	vcpu_get_stats(vcpu, s0);
	TEST_ASSERT(s0->nr_reasons == HV_STATS_NR_REASONS && s0->nr_buckets == HV_STATS_NR_BUCKETS,
		    "nr_reasons %u nr_buckets %u", s0->nr_reasons, s0->nr_buckets);
	for (i = 0; i < 10; i++)
		expect_io(vcpu, HV_IO_DIR_OUT, 1, 0x80);
	for (i = 0; i < 3; i++) {
		vcpu_run(vcpu);
		vcpu_assert_exit(vcpu, HV_EXIT_HLT);
	}
	vcpu_expect_done(vcpu);
	vcpu_get_stats(vcpu, s1);

#define DELTA(r) (s1->exits[r] - s0->exits[r])
	TEST_ASSERT(DELTA(HV_STAT_IO) == 11, "IO exits +%llu, expected 10 OUT + 1 ucall",
		    (unsigned long long)DELTA(HV_STAT_IO));
	TEST_ASSERT(DELTA(HV_STAT_HLT) == 3, "HLT exits +%llu, expected 3",
		    (unsigned long long)DELTA(HV_STAT_HLT));
	TEST_ASSERT(DELTA(HV_STAT_CPUID) == 5, "CPUID exits +%llu, expected 5",
		    (unsigned long long)DELTA(HV_STAT_CPUID));
#undef DELTA
	for (r = 0; r < HV_STATS_NR_REASONS; r++) {
		uint64_t n = s1->exits[r], h = hist_sum(s1, r);

		/* The last exit of a reason may not have been re-entered from yet. */
		TEST_ASSERT(h == n || h + 1 == n, "reason %u (%s): %llu exits but %llu in the histogram",
			    r, exit_reason_str(r), (unsigned long long)n, (unsigned long long)h);
	}
	TEST_ASSERT(hist_sum(s1, HV_STAT_HLT) == 3 && hist_sum(s1, HV_STAT_CPUID) == 5,
		    "HLT/CPUID exits missing from the latency histogram");
	TEST_ASSERT(s1->latency_ns_total[HV_STAT_IO] > 0 && s1->latency_ns_total[HV_STAT_CPUID] > 0,
		    "zero total latency");
	free(s0);
	free(s1);
	vm_destroy(vm);
}

/*
 * The cost of one exit of each kind the stats time: a CPUID the kernel
 * handles and an OUT that goes to userspace and back, COST_LOOPS of each
 * (COST_LOOPS_BOCHS on VMX, whose testbed is slow), COST_ROUNDS times.  Prints, per round, the median of each (interpolated
 * inside its log2 histogram bucket) and the mean, from HV_GET_STATS: the
 * figures to compare before and after a change to the exit path, in the
 * same testbed under the same machine conditions (TCG time is not
 * hardware time; the lowest round is the least disturbed by other load).
 */
#define COST_LOOPS	1000
#define COST_LOOPS_BOCHS 100	/* VMX: Bochs emulates every guest instruction */
#define COST_ROUNDS	3
#define COST_PORT	0x80

static uint32_t cost_loops = COST_LOOPS;	/* the guest's copy is set per vendor */

static void guest_exit_cost(void)
{
	uint32_t a, b, c, d;
	int i, round;

	for (round = 0; round < COST_ROUNDS; round++) {
		GUEST_SYNC(0);
		for (i = 0; i < (int)cost_loops; i++)
			cpuid_count(0, 0, &a, &b, &c, &d);
		GUEST_SYNC(1);
		for (i = 0; i < (int)cost_loops; i++)
			outb(COST_PORT, i);
	}
	GUEST_DONE();
}

/* The median of the exits of reason @r between @s0 and @s1, interpolated in its bucket. */
static uint64_t median_ns(const struct hv_stats *s0, const struct hv_stats *s1, unsigned int r)
{
	uint64_t n = 0, seen = 0, in;
	unsigned int b;

	for (b = 0; b < HV_STATS_NR_BUCKETS; b++)
		n += s1->latency_hist[r][b] - s0->latency_hist[r][b];
	for (b = 0; b < HV_STATS_NR_BUCKETS; b++) {
		in = s1->latency_hist[r][b] - s0->latency_hist[r][b];
		if (2 * (seen + in) >= n)
			break;
		seen += in;
	}
	if (b == HV_STATS_NR_BUCKETS || !in)
		return 0;
	/* Bucket b is [2^b, 2^(b+1)): place the median linearly inside it. */
	return (1ULL << b) + ((1ULL << b) * (n / 2 - seen)) / in;
}

static void report_cost(const char *what, unsigned int round, const struct hv_stats *s0,
			const struct hv_stats *s1, unsigned int r)
{
	uint64_t n = s1->exits[r] - s0->exits[r];
	uint64_t ns = s1->latency_ns_total[r] - s0->latency_ns_total[r];

	ktap_print_msg("exit_cost round %u %s: %llu exits, median %llu ns, mean %llu ns\n", round,
		       what, (unsigned long long)n, (unsigned long long)median_ns(s0, s1, r),
		       (unsigned long long)(n ? ns / n : 0));
}

static void test_exit_cost(void)
{
	struct hv_stats *s[3];
	struct vm *vm;
	struct vcpu *vcpu;
	unsigned int i, round, loops = COST_LOOPS;
	uint64_t n;

	if (!hv_check_cap(HV_CAP_STATS))
		TEST_SKIP("HV_CAP_STATS is 0");
	for (i = 0; i < 3; i++) {
		s[i] = calloc(1, sizeof(*s[i]));
		TEST_ASSERT(s[i], "calloc");
	}
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_exit_cost);
	if (vm->vendor == HV_VENDOR_VMX)
		loops = COST_LOOPS_BOCHS;
	*guest_global_ptr(vm, cost_loops) = loops;
	for (round = 0; round < COST_ROUNDS; round++) {
		vcpu_expect_sync(vcpu, 0);
		vcpu_get_stats(vcpu, s[0]);
		vcpu_expect_sync(vcpu, 1);
		vcpu_get_stats(vcpu, s[1]);
		for (i = 0; i < loops; i++)
			expect_io(vcpu, HV_IO_DIR_OUT, 1, COST_PORT);
		vcpu_get_stats(vcpu, s[2]);
		n = s[1]->exits[HV_STAT_CPUID] - s[0]->exits[HV_STAT_CPUID];
		TEST_ASSERT(n == loops, "%llu CPUID exits, expected %u", (unsigned long long)n,
			    loops);
		/* The ucall that started the loop, then the OUTs, the last not re-entered yet. */
		n = s[2]->exits[HV_STAT_IO] - s[1]->exits[HV_STAT_IO];
		TEST_ASSERT(n == loops, "%llu I/O exits, expected %u", (unsigned long long)n, loops);
		report_cost("cpuid (kernel)", round, s[0], s[1], HV_STAT_CPUID);
		report_cost("out (userspace round trip)", round, s[1], s[2], HV_STAT_IO);
	}
	vcpu_expect_done(vcpu);
	for (i = 0; i < 3; i++)
		free(s[i]);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "io_out", test_io_out, 0 },
	{ "io_in", test_io_in, 0 },
	{ "io_string_out", test_io_string_out, 0 },
	{ "io_string_in", test_io_string_in, 0 },
	{ "mmio_write", test_mmio_write, 0 },
	{ "mmio_read", test_mmio_read, 0 },
	{ "mmio_emulation_error_layout", test_mmio_emulation_error, 0 },
	{ "hlt", test_hlt, 0 },
	{ "hypercall", test_hypercall, 0 },
	{ "shutdown", test_shutdown, 0 },
	{ "irq_window_and_interrupt", test_irq_window, 0 },
	{ "sti_hlt_interrupt_at_hlt", test_sti_hlt_interrupt, 0 },
	{ "sti_hlt_cli_interrupt_not_busy", test_sti_hlt_cli_interrupt, 0 },
	{ "intr_signal", test_intr_signal, 0 },
	{ "intr_immediate_exit", test_intr_immediate_exit, 0 },
	{ "fail_entry", test_fail_entry, 0 },
	{ "fail_entry_log_rate_limited", test_fail_entry_log, 0 },
	{ "cpuid", test_cpuid, 0 },
	{ "cpuid_set", test_cpuid_set, 0 },
	{ "cpuid_invpcid_backed", test_cpuid_invpcid_backed, 0 },
	{ "msr", test_msr, 0 },
	{ "stats", test_stats, 0 },
	{ "exit_cost", test_exit_cost, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
