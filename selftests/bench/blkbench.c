// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench DEVICE [SECS]: the virtio-blk workload of make bench's virtio
 * section, run inside the nested Linux guest (guest-init.sh, hvguest=vbench)
 * under hv-run on hv and under QEMU on KVM alike.  Static: the guest's
 * initramfs has no libc.  Every request is O_DIRECT, so the guest's page
 * cache is out of the way and each one is a virtio-blk request:
 *   seq_read       1 MiB preads, sequential over the device (wrapping)
 *   seq_write      1 MiB pwrites, sequential
 *   rand_read      4 KiB preads at random 4 KiB-aligned offsets, one at a time
 *   rand_write     4 KiB pwrites, the same
 *   rand_read_qd4  4 processes each doing rand_read: 4 requests in flight
 * Each runs for SECS seconds (default 3) of the guest's CLOCK_MONOTONIC
 * after a few untimed requests, and prints one line:
 *   hv-guest: vbench blk FIGURE ops=N secs=S mbps=M iops=I lat_mean_us=A lat_p50_us=B lat_p99_us=C
 * (MB = 10^6 bytes; latency per request, timed around the syscall; p50/p99
 * nearest-rank) or "hv-guest: vbench blk FIGURE failed: WHY".
 * The guest's clock is what the hypervisor gives a nested guest under TCG:
 * only ratios between runs of the same boot mean anything (docs/research.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MAX_SAMPLES	(1u << 16)	/* per process: more than a few seconds can hold */
#define WARMUP		4
#define QD		4

struct figure {
	const char *name;
	size_t bs;
	bool write, random;
	unsigned int procs;
};

static const struct figure figures[] = {
	{ "seq_read", 1u << 20, false, false, 1 },
	{ "seq_write", 1u << 20, true, false, 1 },
	{ "rand_read", 4096, false, true, 1 },
	{ "rand_write", 4096, true, true, 1 },
	{ "rand_read_qd4", 4096, false, true, QD },
};

/* Shared with the children of a multi-process figure (MAP_SHARED). */
struct samples {
	unsigned int n;
	int err;
	uint64_t start, stop;	/* of the timed stretch */
	uint32_t ns[MAX_SAMPLES];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64: a fixed sequence per process, the same under both hypervisors. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One process's loop: requests until @end_ns, each timed into @out. */
static void run_one(const struct figure *f, int fd, uint64_t dev_bytes, uint64_t seed,
		    uint64_t secs_ns, struct samples *out)
{
	uint64_t blocks = dev_bytes / f->bs, pos = 0, end = 0, t0, t1;
	unsigned int i;
	void *buf;

	if (posix_memalign(&buf, 4096, f->bs)) {
		out->err = ENOMEM;
		return;
	}
	memset(buf, 0xa5, f->bs);
	for (i = 0;; i++) {
		off_t off;
		ssize_t r;

		if (i == WARMUP) {
			out->start = now_ns();
			end = out->start + secs_ns;
		}
		if (i >= WARMUP && (now_ns() >= end || out->n == MAX_SAMPLES)) {
			out->stop = now_ns();
			break;
		}
		off = (off_t)((f->random ? next_rand(&seed) % blocks : pos++ % blocks) * f->bs);
		t0 = now_ns();
		r = f->write ? pwrite(fd, buf, f->bs, off) : pread(fd, buf, f->bs, off);
		t1 = now_ns();
		if (r != (ssize_t)f->bs) {
			out->err = r < 0 ? errno : EIO;
			break;
		}
		if (i >= WARMUP)
			out->ns[out->n++] = (uint32_t)(t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0);
	}
	free(buf);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int run_figure(const struct figure *f, const char *dev, unsigned int secs)
{
	size_t size = sizeof(struct samples) * f->procs;
	uint64_t dev_bytes = 0, start = UINT64_MAX, stop = 0, sum = 0;
	double secs_t;
	struct samples *s;
	unsigned int p, n = 0, k;
	uint32_t *all;
	int fd, err = 0;

	fd = open(dev, (f->write ? O_RDWR : O_RDONLY) | O_DIRECT);
	/* A block device's size, or a file's (to try it on the build machine). */
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &dev_bytes)) {
		struct stat st;

		dev_bytes = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	}
	if (fd < 0 || dev_bytes < f->bs * 64) {
		printf("hv-guest: vbench blk %s failed: %s: %s\n", f->name, dev,
		       fd < 0 ? strerror(errno) : "too small or no size");
		return 1;
	}
	s = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED) {
		printf("hv-guest: vbench blk %s failed: mmap: %s\n", f->name, strerror(errno));
		close(fd);
		return 1;
	}
	if (f->procs == 1) {
		run_one(f, fd, dev_bytes, 0x9e3779b97f4a7c15ull, secs * 1000000000ull, s);
	} else {
		for (p = 0; p < f->procs; p++) {
			pid_t pid = fork();

			if (pid == 0) {
				run_one(f, fd, dev_bytes, 0x9e3779b97f4a7c15ull * (p + 1),
					secs * 1000000000ull, &s[p]);
				_exit(0);
			}
			if (pid < 0)
				s[p].err = errno;
		}
		while (wait(NULL) > 0)
			;
	}
	close(fd);
	for (p = 0; p < f->procs; p++) {
		if (s[p].err)
			err = s[p].err;
		n += s[p].n;
		if (s[p].start < start)
			start = s[p].start;
		if (s[p].stop > stop)
			stop = s[p].stop;
	}
	all = malloc(sizeof(*all) * (n ? n : 1));
	if (err || !n || !all || stop <= start) {
		printf("hv-guest: vbench blk %s failed: %s\n", f->name,
		       strerror(err ? err : n ? ENOMEM : EIO));
		munmap(s, size);
		free(all);
		return 1;
	}
	for (p = 0, k = 0; p < f->procs; p++) {
		memcpy(all + k, s[p].ns, sizeof(*all) * s[p].n);
		k += s[p].n;
	}
	for (k = 0; k < n; k++)
		sum += all[k];
	qsort(all, n, sizeof(*all), cmp_u32);
	/* Throughput over the timed stretch, first start to last stop of every process. */
	secs_t = (stop - start) / 1e9;
	printf("hv-guest: vbench blk %s ops=%u secs=%.3f mbps=%.2f iops=%.1f lat_mean_us=%.1f "
	       "lat_p50_us=%.1f lat_p99_us=%.1f\n", f->name, n, secs_t,
	       (double)n * f->bs / 1e6 / secs_t, n / secs_t, sum / 1e3 / n,
	       all[(n - 1) / 2] / 1e3, all[(uint64_t)(n - 1) * 99 / 100] / 1e3);
	fflush(stdout);
	free(all);
	munmap(s, size);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int secs = 3, i;
	int bad = 0;

	if (argc == 3)
		secs = (unsigned int)atoi(argv[2]);
	if (argc < 2 || argc > 3 || !secs) {
		fprintf(stderr, "usage: blkbench DEVICE [SECS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		bad |= run_figure(&figures[i], argv[1], secs);
	return bad;
}
