// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench report's virtio section: the "VBENCH <hv|kvm> <round> <device>
 * <figure> key=value..." lines of bench-init.sh (the nested Linux guest's
 * figures under hv-run on hv and under QEMU on KVM) turned into
 *   a table after hv_bench's (stdout and results.txt): per device and figure
 *     the median over the rounds of MB/s, IOPS, mean, p50 and p99 latency
 *     for each side, the range of the rounds' MB/s (of their IOPS for a
 *     figure without MB/s), and the hv/KVM ratios of MB/s, of IOPS and of
 *     the p50 latency
 *   results-virtio.csv: one row per device, figure and backend
 * A figure is whatever the guest printed: a new device's lines need nothing
 * here.  A figure has MB/s or IOPS or both; the other keys are optional (a
 * TCP stream has no per-request latency, a ping-pong moves no bytes to
 * speak of) and show as "-".  Host-side only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define VB_FIGS		32
#define VB_ROUNDS	16
#define VB_BACK		2

enum { VK_MBPS, VK_IOPS, VK_MEAN, VK_P50, VK_P99, VK_NR };
static const char *const vkeys[VK_NR] = { "mbps", "iops", "lat_mean_us", "lat_p50_us",
					  "lat_p99_us" };
static const char *const vback[VB_BACK] = { "hv", "kvm" };

struct vfig {
	char dev[16], name[32];
	unsigned int n[VB_BACK];
	double v[VB_BACK][VK_NR][VB_ROUNDS];
};

static struct vfig figs[VB_FIGS];
static unsigned int nfigs;

static struct vfig *fig(const char *dev, const char *name)
{
	unsigned int i;

	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].dev, dev) && !strcmp(figs[i].name, name))
			return &figs[i];
	if (nfigs == VB_FIGS)
		return NULL;
	snprintf(figs[nfigs].dev, sizeof(figs[nfigs].dev), "%s", dev);
	snprintf(figs[nfigs].name, sizeof(figs[nfigs].name), "%s", name);
	return &figs[nfigs++];
}

void virtio_parse_line(const char *line)
{
	char be[8], dev[16], name[32];
	const char *s = strstr(line, "VBENCH ");
	unsigned int round, b, k;
	struct vfig *f;
	int n;

	if (!s || sscanf(s, "VBENCH %7s %u %15s %31s %n", be, &round, dev, name, &n) != 4)
		return;
	for (b = 0; b < VB_BACK && strcmp(vback[b], be); b++)
		;
	f = b < VB_BACK ? fig(dev, name) : NULL;
	if (!f || f->n[b] == VB_ROUNDS)
		return;
	/* MB/s or IOPS must be there, or the round is left out; a missing key is NaN. */
	for (k = 0; k < VK_NR; k++) {
		char key[32];
		const char *at;

		snprintf(key, sizeof(key), " %s=", vkeys[k]);
		at = strstr(s + n - 1, key);
		f->v[b][k][f->n[b]] = at ? strtod(at + strlen(key), NULL) : NAN;
	}
	if (isnan(f->v[b][VK_MBPS][f->n[b]]) && isnan(f->v[b][VK_IOPS][f->n[b]]))
		return;
	f->n[b]++;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The median of the rounds that have the key (the mean of the middle two for
 * an even count); NaN if none has it.
 */
static double median(const struct vfig *f, unsigned int b, unsigned int k)
{
	double v[VB_ROUNDS];
	unsigned int i, n = 0;

	for (i = 0; i < f->n[b]; i++)
		if (!isnan(f->v[b][k][i]))
			v[n++] = f->v[b][k][i];
	if (!n)
		return NAN;
	qsort(v, n, sizeof(double), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void range(const struct vfig *f, unsigned int b, unsigned int k, double *lo, double *hi)
{
	unsigned int i;

	*lo = INFINITY;
	*hi = 0;
	for (i = 0; i < f->n[b]; i++) {
		*lo = fmin(*lo, f->v[b][k][i]);	/* fmin and fmax pass NaN over */
		*hi = fmax(*hi, f->v[b][k][i]);
	}
	if (isinf(*lo))
		*lo = *hi = NAN;
}

/* The rate the range column shows: MB/s, or IOPS for a figure without bytes. */
static unsigned int rate_key(const struct vfig *f)
{
	return isnan(median(f, 0, VK_MBPS)) && isnan(median(f, 1, VK_MBPS)) ? VK_IOPS : VK_MBPS;
}

static double ratio(const struct vfig *f, unsigned int k)
{
	double h = median(f, 0, k), m = median(f, 1, k);

	return f->n[0] && f->n[1] && m > 0 ? h / m : NAN;
}

/* @v in a column of @width with @prec decimals, "-" for NaN. */
static void col(FILE *out, int width, int prec, double v)
{
	if (isnan(v))
		fprintf(out, "%*s", width, "-");
	else
		fprintf(out, "%*.*f", width, prec, v);
}

static void side(FILE *out, const struct vfig *f, unsigned int b)
{
	double lo, hi;
	char r[24];

	if (!f->n[b]) {
		fprintf(out, "%-57s|", "  missing");
		return;
	}
	range(f, b, rate_key(f), &lo, &hi);
	if (isnan(lo))
		snprintf(r, sizeof(r), "-");
	else if (rate_key(f) == VK_MBPS)
		snprintf(r, sizeof(r), "%.2f-%.2f", lo, hi);
	else
		snprintf(r, sizeof(r), "%.0f-%.0f", lo, hi);
	col(out, 8, 2, median(f, b, VK_MBPS));
	fprintf(out, " %15s", r);
	col(out, 8, 0, median(f, b, VK_IOPS));
	col(out, 8, 0, median(f, b, VK_MEAN));
	col(out, 8, 0, median(f, b, VK_P50));
	col(out, 9, 0, median(f, b, VK_P99));
	fprintf(out, "|");
}

void virtio_write_table(FILE *out)
{
	unsigned int i, rounds = 0;

	if (!nfigs)
		return;
	for (i = 0; i < nfigs; i++)
		rounds = figs[i].n[0] > rounds ? figs[i].n[0] : rounds;
	fprintf(out, "\nvirtio: the nested Linux guest's own figures (blkbench: O_DIRECT on "
		     "/dev/vda; netbench: TCP over a tap\nto the testbed; CLOCK_MONOTONIC), hv-run on hv "
		     "against QEMU on KVM (vhost=off), same kernel,\ninitramfs, disk image, tap, RAM and "
		     "vCPUs; the median of %u rounds; 'range' the rounds'\nlowest and highest MB/s "
		     "(IOPS where there is no MB/s); latency in us per request or round trip;\n"
		     "net tcp_rr's IOPS are 1-byte round trips per second.\n"
		     "hv/KVM: MB/s and IOPS (above 1: hv-run does more) and p50 latency (below 1: hv-run "
		     "answers sooner).\n\n", rounds);
	fprintf(out, "%-18s|%-57s|%-57s| %s\n", "", "  hv (hv-run)", "  KVM (QEMU)", "hv/KVM");
	fprintf(out, "%-18s|%8s %15s %7s %7s %7s %8s|%8s %15s %7s %7s %7s %8s| %5s %5s %5s\n",
		"figure", "MB/s", "range", "IOPS", "mean", "p50", "p99", "MB/s", "range", "IOPS",
		"mean", "p50", "p99", "MB/s", "IOPS", "p50");
	for (i = 0; i < nfigs; i++) {
		const struct vfig *f = &figs[i];

		fprintf(out, "%-4s %-13s|", f->dev, f->name);
		side(out, f, 0);
		side(out, f, 1);
		if (f->n[0] && f->n[1]) {
			col(out, 6, 2, ratio(f, VK_MBPS));
			col(out, 6, 2, ratio(f, VK_IOPS));
			col(out, 6, 2, ratio(f, VK_P50));
			fprintf(out, "\n");
		} else {
			fprintf(out, " %5s %5s %5s\n", "n/a", "n/a", "n/a");
		}
	}
}

/* A CSV cell: ",value", or "," alone for a value the figure does not have. */
static void csv_num(FILE *out, const char *fmt, double v)
{
	fputc(',', out);
	if (!isnan(v))
		fprintf(out, fmt, v);
}

void virtio_write_csv(FILE *out)
{
	unsigned int i, b, k;

	fprintf(out, "device,figure,backend,rounds");
	for (k = 0; k < VK_NR; k++)
		fprintf(out, ",%s", vkeys[k]);
	fprintf(out, ",mbps_min,mbps_max,hv_kvm_mbps_ratio,hv_kvm_lat_p50_ratio,hv_kvm_iops_ratio\n");
	for (i = 0; i < nfigs; i++) {
		const struct vfig *f = &figs[i];

		for (b = 0; b < VB_BACK; b++) {
			double lo, hi;

			fprintf(out, "%s,%s,%s,%u", f->dev, f->name, vback[b], f->n[b]);
			for (k = 0; k < VK_NR; k++)
				csv_num(out, "%.2f", median(f, b, k));
			range(f, b, VK_MBPS, &lo, &hi);
			csv_num(out, "%.2f", lo);
			csv_num(out, "%.2f", hi);
			csv_num(out, "%.3f", ratio(f, VK_MBPS));
			csv_num(out, "%.3f", ratio(f, VK_P50));
			csv_num(out, "%.3f", ratio(f, VK_IOPS));
			fprintf(out, "\n");
		}
	}
}

unsigned int virtio_figures(void)
{
	return nfigs;
}
