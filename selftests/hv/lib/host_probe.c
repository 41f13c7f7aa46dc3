// SPDX-License-Identifier: GPL-2.0
/* hv selftest library: host memory probes (host_probe.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_probe.h"

long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

bool write_str(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	close(fd);
	return ok;
}

bool write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return write_str(path, buf);
}

long long proc_field(const char *path, const char *key, char sep)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == sep) {
			v = atoll(line + klen + 1);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static void tdp_summary_read(FILE *f, struct tdp_summary *s)
{
	char line[256], size[16];

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nested page table: %ld table pages, %ld 4 KiB leaves, %ld 2 MiB leaves, %ld 1 GiB leaves",
			   &s->tables, &s->leaves[1], &s->leaves[2], &s->leaves[3]) >= 3)
			continue;
		if (sscanf(line, "largest nested leaf the CPU takes: %15[^\n]", size) == 1)
			s->max_leaf_level = !strcmp(size, "1 GiB") ? 3 : !strcmp(size, "2 MiB") ? 2 : 1;
	}
}

bool tdp_summary(struct tdp_summary *s)
{
	char path[300], prefix[32];
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/debug/hv");
	long id, best = -1;

	memset(s, 0, sizeof(*s));
	s->tables = -1;
	if (!dir)
		return false;
	snprintf(prefix, sizeof(prefix), "%d-", (int)getpid());
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		id = atol(d->d_name + strlen(prefix));
		if (id > best)
			best = id;
	}
	closedir(dir);
	if (best >= 0) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/hv/%s%ld/stats", prefix, best);
		f = fopen(path, "r");
		if (f) {
			tdp_summary_read(f, s);
			fclose(f);
		}
	}
	return s->tables >= 0;
}

long tdp_leaves(int level)
{
	struct tdp_summary s;

	return tdp_summary(&s) ? s.leaves[level] : -1;
}
