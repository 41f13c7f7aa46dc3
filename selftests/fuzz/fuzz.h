/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_fuzz: the /dev/hv fuzzer (see hv_fuzz.c for the engine, fuzz_ops.c
 * for the calls it makes).
 *
 * A program is a list of ops.  An op is a kind and six 64-bit arguments;
 * everything it does follows from them and from the state the earlier ops
 * of the program left (objects are named by table index, never by fd
 * number), so a program saved as text ("kind a0 a1 a2 a3 a4 a5" per line)
 * replays exactly.  Random payloads (structures full of garbage) come
 * from a PRNG seeded by one of the arguments.
 */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <linux/hv.h>

#define FUZZ_NR_ARGS	6
#define FUZZ_MAX_VMS	3
#define FUZZ_MAX_VCPUS	3
#define FUZZ_MAX_MEM	6

struct fuzz_op {
	uint32_t kind;
	uint64_t a[FUZZ_NR_ARGS];
};

/* splitmix64: small, fast, and every seed gives a full-period stream. */
static inline uint64_t fuzz_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t fuzz_below(uint64_t *s, uint64_t n)
{
	return n ? fuzz_next(s) % n : 0;
}

struct fuzz_vcpu {
	int fd;
	struct hv_run *run;
	size_t run_size;
};

struct fuzz_mem {
	void *hva;		/* NULL: none */
	size_t size;
};

struct fuzz_vm {
	int fd;			/* -1: none */
	struct fuzz_vcpu vcpus[FUZZ_MAX_VCPUS];
};

/* The objects a program works on; the race thread shares them (lock). */
struct fuzz_world {
	int dev;
	struct fuzz_vm vms[FUZZ_MAX_VMS];
	struct fuzz_mem mem[FUZZ_MAX_MEM];
	void *ro_page;		/* a read-only page: a user pointer hv must not write */
	void *gone_page;	/* an address that was mapped and no longer is */
	uint64_t calls;		/* ioctls made */
	uint64_t unexpected;	/* errno values outside the ABI's */
};

/* fuzz_ops.c */
extern const char *const fuzz_op_names[];
unsigned int fuzz_nr_kinds(void);
/* A random op over the world's current objects, from @rng. */
void fuzz_op_generate(struct fuzz_op *op, uint64_t *rng);
/* Runs @op; returns false on a finding (printed with "# "). */
bool fuzz_op_run(struct fuzz_world *w, const struct fuzz_op *op);
void fuzz_world_init(struct fuzz_world *w);
void fuzz_world_reset(struct fuzz_world *w);

/* fuzz_guest.c: random guest code in real and long mode */
void fuzz_code_sanitize(uint8_t *code, size_t len, bool real_mode);
bool fuzz_guest_code(uint64_t seed, unsigned int max_ms);
/* fuzz_race.c: HV_RUN against closes, slot changes, signals and fork */
bool fuzz_race(uint64_t seed, unsigned int ms);

#endif
