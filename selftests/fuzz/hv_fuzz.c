// SPDX-License-Identifier: GPL-2.0
/*
 * hv_fuzz: a seeded, replayable, coverage-guided fuzzer for /dev/hv.
 *
 * Three test points, each bounded in time:
 *   ioctl_programs  programs of fuzz_ops.c's ops (every ioctl on every fd
 *                   kind, bad pointers, slots whose backing changes, HV_RUN
 *                   with garbage in the run structure), each on a fresh set
 *                   of objects; with KCOV (the debug testbed kernel builds
 *                   hv.ko with it) a program that reached new code in hv
 *                   joins the corpus, and later programs are mutations of
 *                   corpus members half of the time
 *   guest_code      random instructions in real mode and in long mode, their
 *                   exits completed with random data (fuzz_guest.c)
 *   races           HV_RUN against close, slot deletion, munmap, signals
 *                   and fork in other threads (fuzz_race.c)
 *   memory_returned after the three, the host's MemAvailable is back where
 *                   it was before them (within MEM_SLACK_KB, and on a KASAN
 *                   kernel its quarantine's bound too): whatever the
 *                   programs pinned, hv released with the fds that held it
 * Every point prints its seed first; a finding prints the program that
 * made it and writes it to $HV_FUZZ_OUT/finding-<seed>.txt (default /tmp).
 *
 * Environment (all optional):
 *   HV_FUZZ_SECS    total seconds for the three points (default: 90 on a
 *                   kernel with kmemleak, i.e. the debug testbed kernel,
 *                   else 15), split 50/25/25
 *   HV_FUZZ_SEED    the seed (default: from the clock, printed)
 *   HV_FUZZ_REPLAY  a program file to run once instead (ioctl_programs)
 *   HV_FUZZ_PROGRAM the same, its lines joined with ';' (how make fuzz passes one)
 *   HV_FUZZ_OUT     where findings and, with HV_FUZZ_CORPUS=1, the corpus go
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "host_probe.h"
#include "hv_util.h"

KTAP_DEFINE_STATE;

#define PROGRAM_MAX	64
#define CORPUS_MAX	256
#define KCOV_WORDS	(64 * 1024)
#define COVER_BITS	(1u << 20)

/* The KCOV interface (include/uapi/linux/kcov.h): spelled out, it is tiny. */
#define KCOV_INIT_TRACE	_IOR('c', 1, unsigned long)
#define KCOV_ENABLE	_IO('c', 100)
#define KCOV_DISABLE	_IO('c', 101)
#define KCOV_TRACE_PC	0

struct program {
	unsigned int n;
	struct fuzz_op ops[PROGRAM_MAX];
};

static struct {
	int fd;
	unsigned long *area;
	uint8_t seen[COVER_BITS / 8];
	unsigned long pcs;		/* distinct PCs (hashed) reached so far */
} kcov = { .fd = -1 };

static struct program corpus[CORPUS_MAX];
static unsigned int corpus_n;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static unsigned int fuzz_secs(void)
{
	const char *s = getenv("HV_FUZZ_SECS");

	if (s && *s)
		return strtoul(s, NULL, 0);
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0 ? 90 : 15;
}

static uint64_t fuzz_seed(void)
{
	const char *s = getenv("HV_FUZZ_SEED");

	if (s && *s)
		return strtoull(s, NULL, 0);
	return now_ms() * 0x9e3779b97f4a7c15ULL ^ getpid();
}

/* Per-task KCOV on hv's instrumented code; false where the kernel has none. */
static bool kcov_open(void)
{
	kcov.fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (kcov.fd < 0)
		return false;
	if (ioctl(kcov.fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto fail;
	kcov.area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE,
			 MAP_SHARED, kcov.fd, 0);
	if (kcov.area == MAP_FAILED)
		goto fail;
	if (ioctl(kcov.fd, KCOV_ENABLE, KCOV_TRACE_PC))
		goto fail;
	return true;
fail:
	close(kcov.fd);
	kcov.fd = -1;
	return false;
}

static void kcov_start(void)
{
	if (kcov.fd >= 0)
		__atomic_store_n(&kcov.area[0], 0, __ATOMIC_RELAXED);
}

/* New PCs since kcov_start(), added to what was seen. */
static unsigned int kcov_collect(void)
{
	unsigned long n, i, pc;
	unsigned int fresh = 0, h;

	if (kcov.fd < 0)
		return 0;
	n = __atomic_load_n(&kcov.area[0], __ATOMIC_RELAXED);
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	for (i = 0; i < n; i++) {
		pc = kcov.area[i + 1];
		h = (unsigned int)((pc * 0x9e3779b97f4a7c15ULL) >> 44) & (COVER_BITS - 1);
		if (!(kcov.seen[h / 8] & (1u << (h % 8)))) {
			kcov.seen[h / 8] |= 1u << (h % 8);
			fresh++;
		}
	}
	kcov.pcs += fresh;
	return fresh;
}

static void program_print(const struct program *p, FILE *f, const char *prefix)
{
	for (unsigned int i = 0; i < p->n; i++) {
		const struct fuzz_op *op = &p->ops[i];

		fprintf(f, "%s%s", prefix, op->kind < fuzz_nr_kinds() ? fuzz_op_names[op->kind] :
			"unknown");
		for (unsigned int j = 0; j < FUZZ_NR_ARGS; j++)
			fprintf(f, " %#" PRIx64, op->a[j]);
		fputc('\n', f);
	}
}

/* One "name a0 .. a5" line into the next op of @p; false if it is not one. */
static bool program_add_line(struct program *p, const char *line)
{
	struct fuzz_op *op = &p->ops[p->n];
	char name[64];
	unsigned int k;

	if (p->n == PROGRAM_MAX ||
	    sscanf(line, "%63s %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64,
		   name, &op->a[0], &op->a[1], &op->a[2], &op->a[3], &op->a[4], &op->a[5]) != 7)
		return false;
	for (k = 0; k < fuzz_nr_kinds() && strcmp(name, fuzz_op_names[k]); k++)
		;
	op->kind = k;
	p->n++;
	return true;
}

/*
 * A saved program: a file of op lines, or (HV_FUZZ_PROGRAM, how make fuzz
 * passes one into the testbed) the same lines joined with ';'.
 */
static bool program_load(struct program *p, const char *path, const char *text)
{
	char line[512];
	FILE *f;

	p->n = 0;
	if (text) {
		while (*text) {
			size_t len = strcspn(text, ";");

			snprintf(line, sizeof(line), "%.*s", (int)len, text);
			program_add_line(p, line);
			text += len + (text[len] == ';');
		}
		return p->n > 0;
	}
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		program_add_line(p, line);
	fclose(f);
	return p->n > 0;
}

static void program_save(const struct program *p, const char *kind, uint64_t tag)
{
	const char *dir = getenv("HV_FUZZ_OUT");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%016" PRIx64 ".txt", dir && *dir ? dir : "/tmp", kind,
		 tag);
	f = fopen(path, "w");
	if (!f)
		return;
	program_print(p, f, "");
	fclose(f);
	ktap_print_msg("%s written to %s\n", kind, path);
}

/* A fresh program, or (with a corpus) a corpus member with ops changed, inserted or cut. */
static void program_make(struct program *p, uint64_t *rng)
{
	unsigned int i, k;

	if (corpus_n && fuzz_below(rng, 2)) {
		*p = corpus[fuzz_below(rng, corpus_n)];
		for (k = 1 + fuzz_below(rng, 4); k; k--) {
			i = fuzz_below(rng, p->n + 1);
			switch (fuzz_below(rng, 3)) {
			case 0:		/* change one argument */
				if (i < p->n)
					p->ops[i].a[fuzz_below(rng, FUZZ_NR_ARGS)] = fuzz_next(rng);
				break;
			case 1:		/* insert a new op */
				if (p->n == PROGRAM_MAX)
					break;
				memmove(&p->ops[i + 1], &p->ops[i], (p->n - i) * sizeof(p->ops[0]));
				fuzz_op_generate(&p->ops[i], rng);
				p->n++;
				break;
			default:	/* cut the tail */
				if (i > 1)
					p->n = i;
				break;
			}
		}
		return;
	}
	p->n = 8 + fuzz_below(rng, PROGRAM_MAX - 8);
	for (i = 0; i < p->n; i++)
		fuzz_op_generate(&p->ops[i], rng);
}

/* Runs @p on fresh objects; false (and the program printed) on a finding. */
static bool program_run(struct fuzz_world *w, const struct program *p, uint64_t tag)
{
	for (unsigned int i = 0; i < p->n; i++) {
		if (!fuzz_op_run(w, &p->ops[i])) {
			struct program upto = *p;

			upto.n = i + 1;
			ktap_print_msg("the program (tag %#" PRIx64 ") up to the finding:\n", tag);
			program_print(&upto, stdout, "#   ");
			program_save(&upto, "finding", tag);
			fuzz_world_reset(w);
			return false;
		}
	}
	fuzz_world_reset(w);
	return true;
}

static void test_ioctl_programs(void)
{
	const char *replay = getenv("HV_FUZZ_REPLAY"), *text = getenv("HV_FUZZ_PROGRAM");
	uint64_t seed = fuzz_seed(), rng = seed, end, programs = 0, kept = 0;
	unsigned int secs = fuzz_secs() / 2;
	static struct program p;
	static struct fuzz_world w;
	bool ok = true, cov;

	fuzz_world_init(&w);
	TEST_ASSERT(w.dev >= 0, "open /dev/hv: %s", strerror(errno));
	if ((replay && *replay) || (text && *text)) {
		TEST_ASSERT(program_load(&p, replay, text && *text ? text : NULL),
			    "no program in %s", text && *text ? "HV_FUZZ_PROGRAM" : replay);
		ktap_print_msg("replaying %u ops\n", p.n);
		TEST_ASSERT(program_run(&w, &p, 0), "the replayed program made a finding");
		return;
	}
	cov = kcov_open();
	ktap_print_msg("seed %#" PRIx64 ", %u s, coverage %s\n", seed, secs,
		       cov ? "from KCOV" : "not available (random programs only)");
	end = now_ms() + secs * 1000ULL;
	while (ok && now_ms() < end) {
		uint64_t tag = rng;

		program_make(&p, &rng);
		kcov_start();
		ok = program_run(&w, &p, tag);
		programs++;
		if (kcov_collect() && corpus_n < CORPUS_MAX) {
			corpus[corpus_n++] = p;
			kept++;
			/* For make fuzz, which keeps them under build/fuzz/corpus/. */
			if (getenv("HV_FUZZ_CORPUS")) {
				printf("# hv-fuzz-corpus %016" PRIx64 "\n", tag);
				program_print(&p, stdout, "# hv-fuzz-op ");
			}
		}
	}
	ktap_print_msg("%" PRIu64 " programs, %" PRIu64 " ioctls, %lu hv code points reached, %" PRIu64
		       " programs kept for new coverage\n", programs, w.calls, kcov.pcs, kept);
	TEST_ASSERT(ok, "finding (seed %#" PRIx64 "): see the program above", seed);
}

/*
 * A quarter of the time in rounds of @round(seed, ms), each on a seed from
 * the point's own stream (the run's seed with @salt mixed in), printed
 * before the round runs: if the emulator under the testbed dies, the log
 * still names the round.
 */
static void run_rounds(const char *what, uint64_t salt, bool (*round)(uint64_t, unsigned int),
		       unsigned int ms)
{
	uint64_t seed = fuzz_seed() ^ salt, rng = seed, end, rounds = 0;
	unsigned int secs = fuzz_secs() / 4;

	ktap_print_msg("seed %#" PRIx64 ", %u s\n", seed, secs);
	end = now_ms() + secs * 1000ULL;
	while (now_ms() < end) {
		uint64_t s = fuzz_next(&rng);

		ktap_print_msg("%s %#" PRIx64 "\n", what, s);
		TEST_ASSERT(round(s, ms), "finding in %s %#" PRIx64, what, s);
		rounds++;
	}
	ktap_print_msg("%" PRIu64 " rounds of %s\n", rounds, what);
}

static void test_guest_code(void)
{
	run_rounds("random guest", 0x6775657374ULL, fuzz_guest_code, 200);
}

static void test_races(void)
{
	run_rounds("race", 0x7261636573ULL, fuzz_race, 300);
}

/*
 * The fuzzing points run in children of this process (hv_test_main()): when
 * the last has exited, every VM, vCPU and slot they made is gone, and so must
 * be every page hv pinned for them. Freeing may lag the exits a little (an
 * mm's teardown, RCU), hence the wait.
 */
#define MEM_SLACK_KB	(32 * 1024)

static long mem_before_kb;

/* Whether the kernel has KASAN: its runtime's symbols in /proc/kallsyms. */
static bool kernel_has_kasan(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " kasan_quarantine_put") != NULL;
	if (f)
		fclose(f);
	return found;
}

/*
 * What may stay away without a leak: the slack, and on a KASAN kernel the
 * objects its quarantine holds back after they were freed, up to 1/32 of
 * RAM (generic KASAN's bound), which the fuzzing's many VMs fill: 66 MB of
 * a 4 GiB test host in one run.  kmemleak, on the same debug kernel,
 * watches those objects instead.
 */
static long mem_slack_kb(void)
{
	return MEM_SLACK_KB +
	       (kernel_has_kasan() ? proc_field("/proc/meminfo", "MemTotal", ':') / 32 : 0);
}

static void test_memory_returned(void)
{
	long now = 0, slack = mem_slack_kb();
	int i;

	for (i = 0; i < 100; i++) {
		now = meminfo_available_kb();
		if (now >= mem_before_kb - slack)
			break;
		usleep(100 * 1000);
	}
	ktap_print_msg("MemAvailable %ld kB before the fuzzing, %ld kB after (slack %ld kB)\n",
		       mem_before_kb, now, slack);
	TEST_ASSERT(now >= mem_before_kb - slack,
		    "%ld kB did not come back after the fuzzing ended", mem_before_kb - now);
}

int main(void)
{
	unsigned int secs = fuzz_secs();
	/* Each point's timeout: its share of the time, and two minutes to end. */
	const struct hv_test tests[] = {
		{ "ioctl_programs", test_ioctl_programs, secs / 2 + 120 },
		{ "guest_code", test_guest_code, secs / 4 + 120 },
		{ "races", test_races, secs / 4 + 120 },
		{ "memory_returned", test_memory_returned, 30 },
	};

	mem_before_kb = meminfo_available_kb();
	hv_test_main(tests, ARRAY_SIZE(tests));
}
