// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench: round-trip cost of VM exits, the same guest code under /dev/hv
 * and /dev/kvm (make bench; docs/research.md, "Benchmark").
 *
 *   hv_bench run BACKEND BATCHES ITERS WARMUP RAWFILE
 *       BACKEND hv or kvm: runs every operation BATCHES times in a fresh
 *       VM each time, ITERS timed iterations after WARMUP untimed ones,
 *       and appends one record per batch to RAWFILE (cycles, or why the
 *       batch is n/a or failed).  Exit status 1 if an operation failed.
 *       bench-init.sh calls it once per round, hv and KVM loaded in turn,
 *       so both sample the same stretches of a busy host's time.
 *       HV_BENCH_OPS=op,op... runs only those, HV_BENCH_OPS=-op,op... all
 *       but those.
 *   hv_bench summarize BACKEND RAWFILE
 *       pools every batch of each operation and prints one line per
 *       operation (below).
 *   hv_bench report OUTDIR FILE...
 *       reads the BENCH lines of FILEs (serial logs) and writes
 *       OUTDIR/results.txt, results.csv and results.svg (report.c).
 *
 * Lines of `summarize` (one per operation; cycles are the guest's TSC):
 *   BENCH <backend> <op> ok <samples> <min> <p1> <p10> <p25> <p50> <p75> <p90> <p99> <max>
 *         <batch medians, comma separated> <batch p99s, comma separated>
 *   BENCH <backend> <op> na <reason>         the backend cannot do it identically
 *   BENCH <backend> <op> fail <reason>       it went wrong (a bug or a broken setup)
 *
 * Self-check, every batch: the guest checks each operation's result (the
 * MMIO pattern, the hypercall's answer, the MSR value, the interrupt
 * count, the touched pages' contents), ran every iteration to the end,
 * and the host saw exactly one userspace exit of the op's kind per
 * iteration (none for the in-kernel ops); for the eventfd ops the host
 * also checks the eventfd (every OUT counted; for irqfd, every signal
 * consumed by the irqfd) and, for irqfd, that the guest's handler ran once
 * per iteration; anything else is "fail".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "bench.h"

/* The selftest library's KTAP runner is linked in (hv_util.c) but not used. */
KTAP_DEFINE_STATE;

const struct bench_op_info bench_ops[OP_NR] = {
	[OP_CONTROL] = { "control", BX_OTHER, "no exit: the two fenced RDTSCs alone" },
	[OP_CPUID] = { "cpuid", BX_OTHER, "CPUID leaf 0, answered in the kernel" },
	[OP_CPUID_UNTIMED] = { "cpuid_untimed", BX_OTHER,
			       "the same with the VM's exit timing off: what hv's own timing costs" },
	[OP_HC_KERNEL] = { "hypercall_kernel", BX_OTHER, "VMMCALL/VMCALL answered in the kernel" },
	[OP_HC_USER] = { "hypercall_user", BX_HYPERCALL, "VMMCALL/VMCALL to userspace and back" },
	[OP_RDMSR] = { "rdmsr", BX_OTHER, "RDMSR IA32_MISC_ENABLE, in the kernel" },
	[OP_WRMSR] = { "wrmsr", BX_OTHER, "WRMSR IA32_MISC_ENABLE (same value), in the kernel" },
	[OP_PIO_OUT] = { "pio_out", BX_IO, "OUT to an unclaimed port, to userspace" },
	[OP_PIO_IOEVENTFD] = { "pio_ioeventfd", BX_OTHER,
			       "OUT to a port registered as an ioeventfd, signalled in the kernel" },
	[OP_PIO_COALESCED] = { "pio_coalesced", BX_OTHER,
			       "OUT to a coalesced port: appended to the ring (a full ring exits)" },
	[OP_MMIO_READ] = { "mmio_read", BX_MMIO, "4-byte read of an unbacked GPA, to userspace" },
	[OP_MMIO_WRITE] = { "mmio_write", BX_MMIO, "4-byte write to an unbacked GPA, to userspace" },
	[OP_HLT_IRQ] = { "hlt_irq", BX_HLT, "STI;HLT to userspace, woken by an injected interrupt" },
	[OP_IRQFD] = { "irqfd", BX_OTHER,
		       "OUT to an ioeventfd whose eventfd is an irqfd (MSI): to the handler's first instruction" },
	[OP_FIRST_TOUCH] = { "first_touch", BX_OTHER, "first write to a fresh 4 KiB page (nested fault)" },
	[OP_DIRTY_WRITE] = { "dirty_write", BX_OTHER,
			     "write to a page dirty logging write-protected (a get-and-clear before), in the kernel" },
	[OP_DIRTY_HARVEST] = { "dirty_harvest", BX_OTHER,
			       "host TSC cycles per page of one get-and-clear of 1024 dirty pages (x 262,144: per GiB)" },
};

/* ---- one batch: a fresh VM running one op ---------------------------------------- */

/* A batch that runs longer than this fails (a guest stuck in the hypervisor). */
#define BATCH_TIMEOUT_S	120
static volatile sig_atomic_t batch_timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	batch_timed_out = 1;
}

struct batch {
	const struct bench_backend *be;
	enum bench_op op;
	unsigned int iters, warmup;
	uint64_t *cycles;	/* out: iters values */
	char why[200];		/* n/a or failure reason */
	/* OP_PIO_COALESCED: the ring, the writes seen so far (ring or exit), full-ring exits. */
	struct bench_ring *ring;
	uint32_t ring_entries;
	unsigned int coalesced_seen, full_exits;
	/* OP_DIRTY_*: get-and-clears done, the bitmap, host cycles per page of each timed one. */
	unsigned int harvests;
	uint64_t bitmap[BENCH_FRESH_PAGES / 64];
	uint64_t harvest_cycles[BENCH_HARVEST_ROUNDS];
	unsigned int samples;	/* out: values in cycles (iters, or the harvests timed) */
};

static inline uint64_t host_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/*
 * An OUT to BENCH_DIRTY_PORT: get and clear the fresh slot's log, timed,
 * and check that it names exactly the pages the guest wrote since the last
 * one, the first @pages of the slot: a hypervisor that loses or invents a
 * dirty page fails the op.  -1 (b->why set) on anything else.
 */
static int harvest(struct batch *b, struct bench_vm *bvm, uint8_t round)
{
	unsigned int pages = b->op == OP_DIRTY_HARVEST ? BENCH_HARVEST_PAGES : b->warmup + b->iters;
	unsigned int i, bad = 0, first_bad = 0;
	uint64_t t0, t1;

	memset(b->bitmap, 0, sizeof(b->bitmap));
	t0 = host_tsc();
	if (b->be->get_dirty_log(bvm, BENCH_FRESH_SLOT, b->bitmap) < 0) {
		snprintf(b->why, sizeof(b->why), "%s get dirty log: %s", b->be->name, strerror(errno));
		return -1;
	}
	t1 = host_tsc();
	for (i = 0; i < BENCH_FRESH_PAGES; i++) {
		bool dirty = b->bitmap[i / 64] >> (i % 64) & 1;

		if (dirty != (i < pages) && !bad++)
			first_bad = i;
	}
	if (bad || round != (b->op == OP_DIRTY_HARVEST ? b->harvests : b->harvests & 1)) {
		snprintf(b->why, sizeof(b->why),
			 "harvest %u (round %u): %u pages wrong, the first page %u, of %u written",
			 b->harvests, round, bad, first_bad, pages);
		return -1;
	}
	if (b->op == OP_DIRTY_HARVEST && b->harvests > 0)
		b->harvest_cycles[b->harvests - 1] = (t1 - t0) / pages;
	b->harvests++;
	return 0;
}

/*
 * OP_PIO_COALESCED: take every write the kernel appended, as a VMM must
 * before it handles an exit, checking each is the op's port and the next
 * value in the guest's order.  -1 (b->why set) on anything else.
 */
static int drain_ring(struct batch *b)
{
	struct bench_ring *r = b->ring;
	uint32_t first = r->first;
	uint32_t last = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE);

	if (last >= b->ring_entries) {
		snprintf(b->why, sizeof(b->why), "the ring's last is %u of %u", last, b->ring_entries);
		return -1;
	}
	for (; first != last; first = (first + 1) % b->ring_entries) {
		const struct bench_ring_entry *e = &r->e[first];

		if (!e->pio || e->addr != BENCH_COALESCED_PORT || e->len != 1 ||
		    e->data[0] != (uint8_t)b->coalesced_seen) {
			snprintf(b->why, sizeof(b->why),
				 "ring entry %u: pio %u port %#llx len %u value %#x, want the write of %#x",
				 b->coalesced_seen, e->pio, (unsigned long long)e->addr, e->len,
				 e->data[0], (uint8_t)b->coalesced_seen);
			return -1;
		}
		b->coalesced_seen++;
	}
	__atomic_store_n(&r->first, first, __ATOMIC_RELEASE);
	return 0;
}

/* The selftest library's VM object, as plain memory: no /dev/hv behind it. */
static struct vm *env_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	void *ram;

	if (!vm)
		return NULL;
	ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		free(vm);
		return NULL;
	}
	vm->dev_fd = vm->fd = -1;
	vm->slots[0] = (struct vm_slot){ .used = true, .gpa = 0, .size = BENCH_RAM_SIZE,
					 .hva = ram, .owned = true };
	vm->ram_size = BENCH_RAM_SIZE;
	vm->alloc_next = GUEST_ALLOC_BASE;
	vm->alloc_end = BENCH_RAM_SIZE;
	vm_setup_long_mode(vm);
	vm_load_image(vm);
	return vm;
}

static void env_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < HV_MAX_MEMSLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].owned)
			munmap(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

/* Host side of one userspace exit; returns 1 for "the run is over", 0 go on, -1 failure. */
static int answer_exit(struct batch *b, struct bench_vm *bvm, struct bench_exit *ex,
		       unsigned int *counted)
{
	const struct bench_op_info *info = &bench_ops[b->op];
	uint32_t pattern = BENCH_MMIO_PATTERN;

	if (ex->kind == BX_INTR)
		return 0;
	if (ex->kind == BX_IO && ex->port == BENCH_DONE_PORT && ex->io_out)
		return 1;
	if ((b->op == OP_DIRTY_WRITE || b->op == OP_DIRTY_HARVEST) && ex->kind == BX_IO &&
	    ex->port == BENCH_DIRTY_PORT && ex->io_out && ex->size == 1)
		return harvest(b, bvm, ex->io_data[0]);
	/* The ring was full: this write exits, after everything before it was drained. */
	if (b->op == OP_PIO_COALESCED && ex->kind == BX_IO && ex->port == BENCH_COALESCED_PORT &&
	    ex->io_out && ex->size == 1) {
		if (ex->io_data[0] != (uint8_t)b->coalesced_seen)
			goto unexpected;
		b->coalesced_seen++;
		b->full_exits++;
		return 0;
	}
	if (ex->kind != info->exit)
		goto unexpected;
	switch (ex->kind) {
	case BX_IO:
		if (ex->port != BENCH_PIO_PORT || !ex->io_out || ex->size != 1)
			goto unexpected;
		break;
	case BX_MMIO:
		if (ex->gpa != BENCH_MMIO_GPA || ex->len != 4 || ex->is_write != (b->op == OP_MMIO_WRITE))
			goto unexpected;
		if (!ex->is_write)
			memcpy(ex->mmio_data, &pattern, 4);
		break;
	case BX_HYPERCALL:
		if (ex->hc_nr != BENCH_HC_USER)
			goto unexpected;
		*ex->hc_ret = 0;
		break;
	case BX_HLT:
		/* Wakes it: the handler runs at the next entry (IF is set). */
		if (b->be->interrupt(bvm, BENCH_IRQ_VECTOR) < 0) {
			snprintf(b->why, sizeof(b->why), "%s interrupt: %s", b->be->name,
				 strerror(errno));
			return -1;
		}
		break;
	default:
		goto unexpected;
	}
	(*counted)++;
	return 0;
unexpected:
	snprintf(b->why, sizeof(b->why), "unexpected exit after %u of the op's: %s", *counted,
		 ex->desc);
	return -1;
}

/* Runs one batch; 0 ok, 1 n/a, -1 failed (b->why says why). */
static int run_batch(struct batch *b)
{
	const struct bench_op_info *info = &bench_ops[b->op];
	struct bench_guest_result *res;
	struct bench_vm *bvm = NULL;
	unsigned int counted = 0, want;
	struct hv_sregs sregs;
	struct hv_regs regs;
	void *fresh = NULL;
	uint64_t stack_gpa, fresh_size = BENCH_FRESH_PAGES * PAGE_SIZE;
	bool logging = b->op == OP_DIRTY_WRITE || b->op == OP_DIRTY_HARVEST;
	const char *na = NULL;
	struct bench_exit ex;
	struct vm *vm;
	int ret = -1, r, efd = -1;

	b->ring = NULL;
	b->ring_entries = 0;
	b->coalesced_seen = 0;
	b->full_exits = 0;
	b->harvests = 0;
	b->samples = b->iters;
	vm = env_create();
	if (!vm) {
		snprintf(b->why, sizeof(b->why), "guest memory: %s", strerror(errno));
		return -1;
	}
	/* The op's guest mappings exist in every VM, so every VM is built alike. */
	virt_map(vm, BENCH_MMIO_GVA, BENCH_MMIO_GPA, PAGE_SIZE);
	virt_map(vm, BENCH_APIC_GVA, BENCH_MSI_ADDRESS, PAGE_SIZE);
	virt_map_2m(vm, BENCH_FRESH_GVA, BENCH_FRESH_GPA, fresh_size);
	/*
	 * Fresh pages, never touched by the host, in 4 KiB pages on both sides:
	 * with THP, KVM maps 2 MiB nested pages where hv maps 4 KiB, and the op
	 * would count faults of different sizes (docs/research.md).
	 */
	fresh = mmap(NULL, fresh_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED) {
		fresh = NULL;
		snprintf(b->why, sizeof(b->why), "fresh memory: %s", strerror(errno));
		goto out;
	}
	madvise(fresh, fresh_size, MADV_NOHUGEPAGE);

	vm_long_mode_sregs(vm, &sregs);
	stack_gpa = vm_alloc_pages(vm, GUEST_STACK_SIZE / PAGE_SIZE);
	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)(uintptr_t)bench_guest_main;
	/* As after a call: RSP + 8 16-byte aligned; bench_guest_main never returns. */
	regs.rsp = GUEST_DIRECT_MAP + stack_gpa + GUEST_STACK_SIZE - 8;
	regs.rflags = 0x2;
	regs.rdi = b->op;
	regs.rsi = BENCH_ARGS(b->iters, b->warmup);

	bvm = b->be->create(b->op == OP_IRQFD);
	if (!bvm) {
		snprintf(b->why, sizeof(b->why), "%s: cannot create a VM: %s", b->be->name, strerror(errno));
		goto out;
	}
	if (b->be->set_memory(bvm, 0, 0, BENCH_RAM_SIZE, vm->slots[0].hva) ||
	    (!logging && b->be->set_memory(bvm, BENCH_FRESH_SLOT, BENCH_FRESH_GPA, fresh_size, fresh)) ||
	    b->be->set_state(bvm, &sregs, &regs)) {
		snprintf(b->why, sizeof(b->why), "%s: VM set-up failed: %s", b->be->name, strerror(errno));
		goto out;
	}
	if (logging)
		na = b->be->dirty_log_slot(bvm, BENCH_FRESH_SLOT, BENCH_FRESH_GPA, fresh_size, fresh);
	else if (b->op == OP_HC_USER)
		na = b->be->user_hypercall(bvm);
	else if (b->op == OP_HC_KERNEL)
		na = b->be->kernel_hypercall(bvm);
	else if (b->op == OP_CPUID_UNTIMED)
		na = b->be->stats_untimed(bvm);
	else if (b->op == OP_PIO_COALESCED)
		na = b->be->coalesced(bvm, BENCH_COALESCED_PORT, &b->ring, &b->ring_entries);
	if (na) {
		snprintf(b->why, sizeof(b->why), "%s", na);
		ret = 1;
		goto out;
	}
	if (b->op == OP_PIO_IOEVENTFD || b->op == OP_IRQFD) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd < 0 || b->be->ioeventfd(bvm, b->op == OP_IRQFD ? BENCH_IRQFD_PORT :
						BENCH_EVENTFD_PORT, efd)) {
			snprintf(b->why, sizeof(b->why), "%s ioeventfd: %s", b->be->name,
				 strerror(errno));
			goto out;
		}
	}
	/* The doorbell's eventfd is also the interrupt's: vhost's chain, all in the kernel. */
	if (b->op == OP_IRQFD &&
	    b->be->irqfd(bvm, efd, BENCH_MSI_ADDRESS, BENCH_IRQFD_VECTOR)) {
		snprintf(b->why, sizeof(b->why), "%s irqfd: %s", b->be->name, strerror(errno));
		goto out;
	}

	batch_timed_out = 0;
	alarm(BATCH_TIMEOUT_S);
	for (;;) {
		memset(&ex, 0, sizeof(ex));
		if (b->be->run(bvm, &ex) < 0) {
			snprintf(b->why, sizeof(b->why), "%s run: %s", b->be->name, strerror(errno));
			goto out;
		}
		if (batch_timed_out) {
			snprintf(b->why, sizeof(b->why), "timed out after %u s (%u userspace exits)",
				 BATCH_TIMEOUT_S, counted);
			goto out;
		}
		if (b->ring && drain_ring(b))
			goto out;
		r = answer_exit(b, bvm, &ex, &counted);
		if (r < 0)
			goto out;
		if (r > 0)
			break;
	}

	res = guest_global_ptr(vm, bench_result);
	if (!res) {
		snprintf(b->why, sizeof(b->why), "bench_result is not mapped in the guest");
		goto out;
	}
	if (res->status != 1) {
		snprintf(b->why, sizeof(b->why), "guest check at guest.c:%lu failed (value %#lx)",
			 (unsigned long)(res->status - 2), (unsigned long)res->check);
		goto out;
	}
	want = info->exit == BX_OTHER ? 0 : b->iters + b->warmup;
	if (counted != want) {
		snprintf(b->why, sizeof(b->why), "%u userspace exits, want %u", counted, want);
		goto out;
	}
	if (b->op == OP_PIO_IOEVENTFD) {
		uint64_t signals = 0;

		if (read(efd, &signals, sizeof(signals)) != sizeof(signals) ||
		    signals != b->iters + b->warmup) {
			snprintf(b->why, sizeof(b->why), "the ioeventfd counted %llu OUTs, want %u",
				 (unsigned long long)signals, b->iters + b->warmup);
			goto out;
		}
	}
	/*
	 * Every OUT was seen once, in order (drain_ring(), answer_exit()); a
	 * full ring must have exited at least once per ring's worth of OUTs.
	 */
	if (b->op == OP_PIO_COALESCED &&
	    (b->coalesced_seen != b->iters + b->warmup ||
	     b->full_exits < (b->iters + b->warmup) / b->ring_entries)) {
		snprintf(b->why, sizeof(b->why), "%u OUTs through the ring or a full-ring exit, want %u; %u full-ring exits",
			 b->coalesced_seen, b->iters + b->warmup, b->full_exits);
		goto out;
	}
	if (b->op == OP_IRQFD) {
		uint64_t left = 0;

		/* The irqfd took every signal; the guest counted one interrupt per OUT. */
		if (read(efd, &left, sizeof(left)) >= 0 || errno != EAGAIN ||
		    res->irqs != b->iters + b->warmup) {
			snprintf(b->why, sizeof(b->why),
				 "%llu interrupts for %u OUTs, %llu signals left on the eventfd",
				 (unsigned long long)res->irqs, b->iters + b->warmup,
				 (unsigned long long)left);
			goto out;
		}
	}
	if (logging && b->harvests != (b->op == OP_DIRTY_WRITE ? 2 : BENCH_HARVEST_ROUNDS + 1)) {
		snprintf(b->why, sizeof(b->why), "%u get-and-clears, the guest asked for more",
			 b->harvests);
		goto out;
	}
	if (b->op == OP_DIRTY_HARVEST) {
		b->samples = BENCH_HARVEST_ROUNDS;
		memcpy(b->cycles, b->harvest_cycles, sizeof(b->harvest_cycles));
	} else {
		memcpy(b->cycles, res->cycles, b->iters * sizeof(uint64_t));
	}
	ret = 0;
out:
	alarm(0);
	if (bvm)
		b->be->destroy(bvm);
	if (efd >= 0)
		close(efd);
	if (fresh)
		munmap(fresh, fresh_size);
	env_destroy(vm);
	return ret;
}

/* ---- statistics -------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v[n]. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned int p)
{
	size_t rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/*
 * Raw results: one record per batch, appended by `run` to RAWFILE (so that
 * batches of several runs, with the hypervisors loaded in turn between
 * them, pool into one distribution) and read back by `summarize`.
 */
#define RAW_MAGIC	0x48564231	/* "HVB1" */

struct raw_record {
	uint32_t magic, op;
	uint32_t status;	/* 0 ok (iters cycles follow), 1 n/a, 2 failed */
	uint32_t iters;
	char why[200];
};

static int write_record(FILE *raw, enum bench_op op, int status, const struct batch *b)
{
	struct raw_record h = { .magic = RAW_MAGIC, .op = op, .status = status,
				.iters = status ? 0 : b->samples };

	snprintf(h.why, sizeof(h.why), "%s", status ? b->why : "");
	if (fwrite(&h, sizeof(h), 1, raw) != 1 ||
	    (h.iters && fwrite(b->cycles, sizeof(uint64_t), h.iters, raw) != h.iters))
		return -1;
	return 0;
}

/* Runs @batches batches of every op, appending their records to @raw. */
/*
 * HV_BENCH_OPS: a comma-separated list of operations to run (all when unset
 * or empty), or with a leading '-' the ones to leave out.  bench-init.sh
 * runs hypercall_kernel on hv apart, with the sample experiment loaded.
 */
static bool op_selected(enum bench_op op)
{
	const char *list = getenv("HV_BENCH_OPS"), *p;
	size_t n = strlen(bench_ops[op].name);
	bool except;

	if (!list || !*list)
		return true;
	except = *list == '-';
	for (p = list + except; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == n && !strncmp(p, bench_ops[op].name, n))
			return !except;
	}
	return except;
}

static int run_all(const struct bench_backend *be, unsigned int batches, unsigned int iters,
		   unsigned int warmup, FILE *raw)
{
	struct batch b = { .be = be, .iters = iters, .warmup = warmup };
	const char *na = be->probe();
	unsigned int op, i;
	int r, status = 0;

	b.cycles = calloc(iters > BENCH_HARVEST_ROUNDS ? iters : BENCH_HARVEST_ROUNDS, sizeof(uint64_t));
	if (!b.cycles)
		return -1;
	for (op = 0; op < OP_NR; op++) {
		if (!op_selected(op))
			continue;
		b.op = op;
		for (i = 0; i < batches; i++) {
			if (na) {
				snprintf(b.why, sizeof(b.why), "%s", na);
				r = -1;
			} else {
				r = run_batch(&b);
			}
			if (write_record(raw, op, r < 0 ? 2 : r, &b)) {
				free(b.cycles);
				return -1;
			}
			if (r < 0)
				status = -1;
			if (r)
				break;	/* n/a or failed: no more batches of this op */
		}
	}
	free(b.cycles);
	return status;
}

/* The BENCH line of one op from every record of it in @raw. */
static void summarize_op(const char *backend, enum bench_op op, FILE *raw)
{
	static const unsigned int ps[] = { 0, 1, 10, 25, 50, 75, 90, 99, 100 };
	uint64_t *all = NULL, *grown, bmed[256], bp99[256];
	unsigned int nb = 0, i;
	size_t n = 0;
	char why[240] = "";
	int status = -1;	/* -1: no record */
	struct raw_record h;

	rewind(raw);
	while (fread(&h, sizeof(h), 1, raw) == 1) {
		if (h.magic != RAW_MAGIC || h.iters > BENCH_MAX_ITERS) {
			status = 2;
			snprintf(why, sizeof(why), "corrupt raw file");
			break;
		}
		if (h.op != op) {
			if (fseek(raw, (long)h.iters * sizeof(uint64_t), SEEK_CUR))
				break;
			continue;
		}
		if (h.status) {
			/* A failure wins over n/a, and either over results. */
			if ((int)h.status > status) {
				snprintf(why, sizeof(why), "%.200s", h.why);
				status = h.status;
			}
			continue;
		}
		grown = realloc(all, (n + h.iters) * sizeof(uint64_t));
		if (!grown || fread(grown + n, sizeof(uint64_t), h.iters, raw) != h.iters ||
		    nb == ARRAY_SIZE(bmed)) {
			all = grown ? grown : all;
			status = 2;
			snprintf(why, sizeof(why), "cannot read the raw file");
			break;
		}
		all = grown;
		qsort(all + n, h.iters, sizeof(uint64_t), cmp_u64);
		bmed[nb] = pct(all + n, h.iters, 50);
		bp99[nb] = pct(all + n, h.iters, 99);
		nb++;
		n += h.iters;
		if (status < 0)
			status = 0;
	}
	if (status)
		printf("BENCH %s %s %s %s\n", backend, bench_ops[op].name,
		       status == 1 ? "na" : "fail", status < 0 ? "no result recorded" : why);
	if (status) {
		free(all);
		return;
	}
	qsort(all, n, sizeof(uint64_t), cmp_u64);
	printf("BENCH %s %s ok %zu", backend, bench_ops[op].name, n);
	for (i = 0; i < ARRAY_SIZE(ps); i++)
		printf(" %lu", (unsigned long)(ps[i] ? pct(all, n, ps[i]) : all[0]));
	for (i = 0; i < nb; i++)
		printf("%c%lu", i ? ',' : ' ', (unsigned long)bmed[i]);
	for (i = 0; i < nb; i++)
		printf("%c%lu", i ? ',' : ' ', (unsigned long)bp99[i]);
	printf("\n");
	free(all);
}

static unsigned int arg_uint(const char *s, unsigned int min, unsigned int max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "hv_bench: %s must be %u..%u, not '%s'\n", what, min, max, s);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr, "usage: hv_bench run hv|kvm BATCHES ITERS WARMUP RAWFILE\n"
			"       hv_bench summarize hv|kvm RAWFILE\n"
			"       hv_bench report OUTDIR FILE...\n");
	return 2;
}

static const struct bench_backend *backend_named(const char *name)
{
	if (!strcmp(name, "hv"))
		return &bench_backend_hv;
	if (!strcmp(name, "kvm"))
		return &bench_backend_kvm;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct bench_backend *be;
	unsigned int batches, iters, warmup, op;
	FILE *raw;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return bench_report(argc - 2, argv + 2);
	if (argc < 3 || !(be = backend_named(argv[2])))
		return usage();
	if (!strcmp(argv[1], "summarize") && argc == 4) {
		raw = fopen(argv[3], "rb");
		if (!raw) {
			fprintf(stderr, "hv_bench: %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
		for (op = 0; op < OP_NR; op++)
			summarize_op(be->name, op, raw);
		fclose(raw);
		return 0;
	}
	if (strcmp(argv[1], "run") || argc != 7)
		return usage();
	batches = arg_uint(argv[3], 1, 64, "BATCHES");
	iters = arg_uint(argv[4], 1, BENCH_MAX_ITERS, "ITERS");
	warmup = arg_uint(argv[5], 0, BENCH_MAX_WARMUP, "WARMUP");
	raw = fopen(argv[6], "ab");
	if (!raw) {
		fprintf(stderr, "hv_bench: %s: %s\n", argv[6], strerror(errno));
		return 1;
	}
	/* SIGALRM interrupts HV_RUN/KVM_RUN (EINTR): no SA_RESTART. */
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	status = run_all(be, batches, iters, warmup, raw);
	if (fclose(raw))
		status = -1;
	return status ? 1 : 0;
}
