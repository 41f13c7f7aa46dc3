// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench: what the two backends do alike, by ioctl number: open the
 * device, check its API version, create a VM with one vCPU and map the
 * vCPU's run structure.  Both ABIs have the same shape there (hv's was
 * modelled on KVM's); only the numbers differ.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

const char *bench_dev_probe(const struct bench_dev *d)
{
	static char why[120];
	int fd = open(d->path, O_RDWR | O_CLOEXEC), ver;

	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", d->path, strerror(errno));
		return why;
	}
	ver = ioctl(fd, d->get_api_version, 0);
	close(fd);
	if (ver != d->api_version) {
		snprintf(why, sizeof(why), "%s: API version %d, built for %d", d->path, ver,
			 d->api_version);
		return why;
	}
	return NULL;
}

void bench_fds_close(struct bench_fds *f)
{
	if (f->run)
		munmap(f->run, f->run_size);
	if (f->vcpu_fd >= 0)
		close(f->vcpu_fd);
	if (f->vm_fd >= 0)
		close(f->vm_fd);
	if (f->dev_fd >= 0)
		close(f->dev_fd);
	f->run = NULL;
	f->dev_fd = f->vm_fd = f->vcpu_fd = -1;
}

int bench_fds_open(struct bench_fds *f, const struct bench_dev *d, int (*vm_setup)(int vm_fd))
{
	void *run;
	int size, err;

	f->run = NULL;
	f->vm_fd = f->vcpu_fd = -1;
	f->dev_fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (f->dev_fd < 0)
		goto fail;
	f->vm_fd = ioctl(f->dev_fd, d->create_vm, 0);
	if (f->vm_fd < 0)
		goto fail;
	/* KVM on VMX without unrestricted guest needs a TSS area for real mode; SVM ignores it. */
	if (d->set_tss_addr && ioctl(f->vm_fd, d->set_tss_addr, 0xfffbd000UL) < 0)
		goto fail;
	/* Per-VM features that both hypervisors take only before the first vCPU. */
	if (vm_setup && vm_setup(f->vm_fd) < 0)
		goto fail;
	f->vcpu_fd = ioctl(f->vm_fd, d->create_vcpu, 0);
	if (f->vcpu_fd < 0)
		goto fail;
	size = ioctl(f->dev_fd, d->get_vcpu_mmap_size, 0);
	if (size <= 0)
		goto fail;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->vcpu_fd, 0);
	if (run == MAP_FAILED)
		goto fail;
	f->run = run;
	f->run_size = size;
	return 0;
fail:
	err = errno;
	bench_fds_close(f);
	errno = err;
	return -1;
}
