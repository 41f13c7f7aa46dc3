// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of hv-stat (userspace-vmm/hv-stat.c) on a stats file made
 * here, as HV_GET_STATS_FD lays it out (docs/abi.md, "Binary statistics"),
 * with reasons cpuid (hv time only), io (hv and VMM time), mmio (no
 * exits) and one whose name needs XML escaping.  The binary is the one
 * `make unit` builds next to devices_test and names in HV_STAT.
 *
 *   hv_stat_svg      --file F --svg S: S is well-formed XML with an svg
 *                    root, one reason group per reason with exits (in the
 *                    file's order, the odd name escaped), each with an hv
 *                    and a VMM panel whose bars are the non-zero buckets
 *   hv_stat_csv      --file F --csv: every non-zero bucket, nothing else
 *   hv_stat_errors   --svg without a file: status 2; a chart it cannot
 *                    write: status 1; a file that is no stats file: 1
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/hv.h>

#include "unit.h"

#define NBUCKETS	24
#define MAX_DESC	16

/* The synthetic VM: what each reason holds. */
struct fake_reason {
	const char *name;
	uint64_t exits;
	bool vmm;			/* has vmm_ns descriptors (a reason userspace sees) */
	uint64_t hv[NBUCKETS], vmm_hist[NBUCKETS];
};

static struct fake_reason fake[] = {
	{ "cpuid", 40, false, { [11] = 30, [12] = 8, [16] = 2 }, { 0 } },
	{ "io", 12, true, { [13] = 10, [14] = 2 }, { [14] = 9, [18] = 2, [21] = 1 } },
	{ "mmio", 0, true, { 0 }, { 0 } },
	{ "a<b&c\"", 3, false, { [9] = 3 }, { 0 } },
};
#define NFAKE	(sizeof(fake) / sizeof(fake[0]))

static uint64_t hist_sum_ns(const uint64_t *h)
{
	uint64_t s = 0;
	unsigned int b;

	for (b = 0; b < NBUCKETS; b++)
		s += h[b] * (3ULL << b) / 2;	/* each in the middle of its bucket */
	return s;
}

/* Writes the file to @path; false on an I/O error. */
static bool write_stats_file(const char *path)
{
	static char buf[64 + 32 + MAX_DESC * 5 * sizeof(struct hv_stats_desc) + 8192];
	struct hv_stats_header *h = (void *)buf;
	struct hv_stats_desc *d;
	uint32_t nd = 0, data = 0, i;
	uint64_t vals[1024];
	unsigned int nv = 0;
	size_t size;
	int fd;
	bool ok;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < NFAKE; i++)
		nd += fake[i].vmm ? 5 : 3;
	h->magic = HV_STATS_MAGIC;
	h->version = HV_STATS_VERSION;
	h->num_desc = nd;
	h->desc_size = sizeof(*d);
	h->id_offset = sizeof(*h);
	h->id_size = 32;
	h->desc_offset = h->id_offset + h->id_size;
	h->data_offset = h->desc_offset + nd * sizeof(*d);
	strcpy(buf + h->id_offset, "hv-vcpu-0");
	d = (void *)(buf + h->desc_offset);
	for (i = 0; i < NFAKE; i++) {
		const struct fake_reason *r = &fake[i];
		const char *what[5] = { "exits", "kernel_ns", "kernel_ns_sum", "vmm_ns", "vmm_ns_sum" };
		unsigned int k, n = r->vmm ? 5 : 3;

		for (k = 0; k < n; k++, d++) {
			bool hist = k == 1 || k == 3;

			d->type = hist ? HV_STATS_TYPE_LOG2_HIST : HV_STATS_TYPE_COUNTER;
			d->unit = k ? HV_STATS_UNIT_NS : HV_STATS_UNIT_NONE;
			d->count = hist ? NBUCKETS : 1;
			d->offset = data;
			snprintf(d->name, sizeof(d->name), "%s.%s", what[k], r->name);
			data += 8 * d->count;
			if (k == 0)
				vals[nv++] = r->exits;
			else if (hist) {
				memcpy(&vals[nv], k == 1 ? r->hv : r->vmm_hist, 8 * NBUCKETS);
				nv += NBUCKETS;
			} else
				vals[nv++] = hist_sum_ns(k == 2 ? r->hv : r->vmm_hist);
		}
	}
	h->data_size = data;
	memcpy(buf + h->data_offset, vals, data);
	size = h->data_offset + data;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	ok = write(fd, buf, size) == (ssize_t)size;
	return !close(fd) && ok;
}

/*
 * Runs hv-stat with @args (NULL-terminated, after the program), its stdout
 * and stderr into @out (NUL-terminated, truncated to @size); its exit status,
 * or -1 if it did not exit.
 */
static int run_hv_stat(const char *const *args, char *out, size_t size)
{
	const char *bin = getenv("HV_STAT");
	char *argv[16];
	int pipefd[2], status;
	size_t len = 0, i;
	ssize_t n;
	pid_t pid;

	if (!bin) {
		snprintf(out, size, "HV_STAT is not set (make -C userspace-vmm unit sets it)");
		return -1;
	}
	argv[0] = (char *)bin;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < size - 1 && (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *read_file(const char *path)
{
	static char buf[1 << 20];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* ---- a small XML well-formedness check ---------------------------------------------- */

static bool xml_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == ':' || c == '.';
}

/* At '&': a known entity or a character reference; its length, 0 if none. */
static size_t xml_entity(const char *p)
{
	static const char *const known[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&apos;" };
	size_t i = 2;

	for (unsigned int k = 0; k < 5; k++)
		if (!strncmp(p, known[k], strlen(known[k])))
			return strlen(known[k]);
	if (p[1] != '#')
		return 0;
	while (p[i] >= '0' && p[i] <= '9')
		i++;
	return i > 2 && p[i] == ';' ? i + 1 : 0;
}

/*
 * Tags balance, one root element (@root), attribute values quoted with no
 * '<', every '&' an entity, no text outside the root but white space.
 * Returns NULL, or what is wrong.
 */
static const char *xml_check(const char *s, const char *root)
{
	char stack[64][32];
	unsigned int depth = 0, roots = 0;
	const char *p = s;

	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			return "unterminated XML declaration";
		p += 2;
	}
	while (*p) {
		if (*p != '<') {
			if (!depth && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
				return "text outside the root element";
			if (*p == '&') {
				size_t n = xml_entity(p);

				if (!n)
					return "a bare '&' in text";
				p += n;
			} else {
				if (*p == '>')
					return "a bare '>' in text";
				p++;
			}
			continue;
		}
		if (!strncmp(p, "<!--", 4)) {
			p = strstr(p, "-->");
			if (!p)
				return "unterminated comment";
			p += 3;
			continue;
		}
		if (p[1] == '/') {
			size_t n = 0;

			p += 2;
			while (xml_name_char(p[n]))
				n++;
			if (!depth || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p, n))
				return "an end tag that closes no open element";
			depth--;
			p += n;
			if (*p != '>')
				return "junk in an end tag";
			p++;
			continue;
		}
		{
			size_t n = 0;

			p++;
			while (xml_name_char(p[n]))
				n++;
			if (!n || n >= sizeof(stack[0]))
				return "a tag without a name";
			if (depth == sizeof(stack) / sizeof(stack[0]))
				return "nested too deep";
			if (!depth) {
				roots++;
				if (roots > 1)
					return "more than one root element";
				if (strlen(root) != n || strncmp(p, root, n))
					return "the root element is not the expected one";
			}
			memcpy(stack[depth], p, n);
			stack[depth][n] = '\0';
			p += n;
			for (;;) {
				char q;

				while (*p == ' ' || *p == '\n' || *p == '\t')
					p++;
				if (*p == '>') {
					depth++;
					p++;
					break;
				}
				if (p[0] == '/' && p[1] == '>') {
					p += 2;
					break;
				}
				n = 0;
				while (xml_name_char(p[n]))
					n++;
				if (!n || p[n] != '=' || (p[n + 1] != '"' && p[n + 1] != '\''))
					return "an attribute that is not name=\"value\"";
				q = p[n + 1];
				p += n + 2;
				while (*p && *p != q) {
					if (*p == '<')
						return "a '<' in an attribute value";
					if (*p == '&') {
						size_t e = xml_entity(p);

						if (!e)
							return "a bare '&' in an attribute value";
						p += e;
					} else {
						p++;
					}
				}
				if (!*p)
					return "an unterminated attribute value";
				p++;
			}
		}
	}
	if (depth)
		return "elements left open at the end";
	return roots ? NULL : "no root element";
}

/* ---- the cases ----------------------------------------------------------------------- */

static bool tmp_paths(char *stats, char *svg, size_t size)
{
	snprintf(stats, size, "/tmp/hv-stat-unit.%d.stats", (int)getpid());
	snprintf(svg, size, "/tmp/hv-stat-unit.%d.svg", (int)getpid());
	return write_stats_file(stats);
}

/* The count of @needle in @hay from @from up to (not including) @to (NULL: the end). */
static unsigned int count_in(const char *from, const char *to, const char *needle)
{
	unsigned int n = 0;
	const char *p = from;

	while ((p = strstr(p, needle)) && (!to || p < to)) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static unsigned int nonzero(const uint64_t *h)
{
	unsigned int b, n = 0;

	for (b = 0; b < NBUCKETS; b++)
		n += h[b] != 0;
	return n;
}

static bool hv_stat_svg(void)
{
	static const char *const want[] = { "cpuid", "io", "a&lt;b&amp;c&quot;" };
	char stats[64], svg[64], out[4096];
	const char *args[] = { "--file", stats, "--svg", svg, NULL };
	const char *text, *why, *g, *next, *panel;
	unsigned int i;
	int rc;

	CHECK(tmp_paths(stats, svg, sizeof(stats)));
	rc = run_hv_stat(args, out, sizeof(out));
	if (rc)
		printf("# hv-stat: %s\n", out);
	CHECK_EQ(rc, 0);
	/* The table is still printed. */
	CHECK(strstr(out, "\ncpuid ") && strstr(out, "\nio "));
	text = read_file(svg);
	CHECK(text);
	why = xml_check(text, "svg");
	if (why)
		printf("# %s: %s\n", svg, why);
	CHECK(!why);
	CHECK_EQ(count_in(text, NULL, "<g class=\"reason\""), 3);
	CHECK(!strstr(text, "data-reason=\"mmio\""));
	g = text;
	for (i = 0; i < 3; i++) {
		char attr[96];

		snprintf(attr, sizeof(attr), "<g class=\"reason\" data-reason=\"%s\"", want[i]);
		next = strstr(g, attr);
		if (!next)
			printf("# no group %s after the previous one\n", attr);
		CHECK(next);
		g = next + 1;
	}
	/* io's group: its hv panel's bars are hv's non-zero buckets, its VMM panel's the VMM's. */
	g = strstr(text, "data-reason=\"io\"");
	next = strstr(g + 1, "<g class=\"reason\"");
	panel = strstr(g, "<g class=\"vmm\">");
	CHECK(panel && (!next || panel < next));
	CHECK_EQ(count_in(g, panel, "<title>"), nonzero(fake[1].hv));
	CHECK_EQ(count_in(panel, next, "<title>"), nonzero(fake[1].vmm_hist));
	/* cpuid never reaches the VMM: its VMM panel says so and has no bars. */
	g = strstr(text, "data-reason=\"cpuid\"");
	panel = strstr(g, "<g class=\"vmm\">");
	next = strstr(g + 1, "<g class=\"reason\"");
	CHECK(panel && panel < next);
	CHECK_EQ(count_in(panel, next, "<title>"), 0);
	CHECK(strstr(panel, "never reaches the VMM") < next);
	CHECK_EQ(count_in(g, panel, "<title>"), nonzero(fake[0].hv));
	unlink(stats);
	unlink(svg);
	return true;
}

static bool hv_stat_csv(void)
{
	char stats[64], svg[64], out[4096], line[160];
	const char *args[] = { "--file", stats, "--csv", NULL };
	unsigned int i, b, lines = 0;

	CHECK(tmp_paths(stats, svg, sizeof(stats)));
	CHECK_EQ(run_hv_stat(args, out, sizeof(out)), 0);
	CHECK(!strncmp(out, "reason,what,bucket_upper_ns,count\n", 34));
	for (i = 0; i < NFAKE; i++) {
		for (b = 0; b < NBUCKETS; b++) {
			if (fake[i].hv[b]) {
				snprintf(line, sizeof(line), "\n%s,hv,%llu,%llu\n", fake[i].name,
					 2ULL << b, (unsigned long long)fake[i].hv[b]);
				if (!strstr(out, line))
					printf("# no line %s", line + 1);
				CHECK(strstr(out, line));
				lines++;
			}
			if (fake[i].vmm_hist[b]) {
				snprintf(line, sizeof(line), "\n%s,vmm,%llu,%llu\n", fake[i].name,
					 2ULL << b, (unsigned long long)fake[i].vmm_hist[b]);
				CHECK(strstr(out, line));
				lines++;
			}
		}
	}
	CHECK_EQ(count_in(out, NULL, "\n"), lines + 1);
	unlink(stats);
	return true;
}

static bool hv_stat_errors(void)
{
	char stats[64], svg[64], out[4096];
	const char *no_value[] = { "--file", stats, "--svg", NULL };
	const char *no_dir[] = { "--file", stats, "--svg", "/nonexistent/hv-stat/x.svg", NULL };
	const char *not_stats[] = { "--file", "/proc/self/status", NULL };

	CHECK(tmp_paths(stats, svg, sizeof(stats)));
	CHECK_EQ(run_hv_stat(no_value, out, sizeof(out)), 2);
	CHECK_EQ(run_hv_stat(no_dir, out, sizeof(out)), 1);
	CHECK(strstr(out, "/nonexistent/hv-stat/x.svg"));
	CHECK_EQ(run_hv_stat(not_stats, out, sizeof(out)), 1);
	CHECK(strstr(out, "not an hv stats file"));
	unlink(stats);
	return true;
}

const struct unit_case hv_stat_cases[] = {
	{ "hv_stat_svg", hv_stat_svg },
	{ "hv_stat_csv", hv_stat_csv },
	{ "hv_stat_errors", hv_stat_errors },
	{ NULL, NULL },
};
