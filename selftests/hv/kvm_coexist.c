// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist: hv and KVM on one host.  Run by the testbed after it loaded
 * kvm_amd (or kvm_intel).  Only one hypervisor can own SVM/VMX on a CPU:
 *
 *  - 6.12 kvm.ko with enable_virt_at_load=Y (its default) takes SVM/VMX when
 *    kvm_amd/kvm_intel is loaded and keeps it until that module goes away;
 *  - otherwise (6.1, which has no such parameter, or the parameter is N)
 *    KVM takes SVM/VMX with its first VM and gives it back with the last,
 *    so this test makes one KVM VM.
 *
 * While KVM holds SVM/VMX, HV_CREATE_VM must fail with EBUSY and hv must log
 * one line that names the fix; once KVM let go (the second case), hv works.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/hv.h>
#include "ktap.h"

KTAP_DEFINE_STATE;

/* From <linux/kvm.h>, defined here so that the test needs only hv.h. */
#define KVMIO			0xAE
#define KVM_GET_API_VERSION	_IO(KVMIO, 0x00)
#define KVM_CREATE_VM		_IO(KVMIO, 0x01)

#define NR_TESTS		5

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* 1: Y, 0: N, -1: the parameter does not exist (6.1). */
static int enable_virt_at_load(void)
{
	FILE *f = fopen("/sys/module/kvm/parameters/enable_virt_at_load", "r");
	int c;

	if (!f)
		return -1;
	c = fgetc(f);
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

static bool line_names_fix(const char *line, const char *kvm_mod)
{
	return strstr(line, "hv:") && strstr(line, kvm_mod) &&
	       strstr(line, "enable_virt_at_load=0");
}

/*
 * Scan the kernel log for hv's line.  Records up to @after_seq (-1: none)
 * were logged before the failed HV_CREATE_VM; *seen_new tells whether a
 * matching record came after it.  Returns whether any record matched.
 */
static bool kmsg_find(const char *kvm_mod, long long after_seq, bool *seen_new,
		      long long *last_seq)
{
	char buf[8192];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	*seen_new = false;
	*last_seq = -1;
	if (fd < 0) {
		ktap_print_msg("open /dev/kmsg: %s\n", strerror(errno));
		return false;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		long long seq;
		char *text;

		if (n < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		/* "prio,seq,usec,flags;text\n" followed by " KEY=value" lines */
		if (sscanf(buf, "%*u,%lld,", &seq) != 1)
			continue;
		*last_seq = seq;
		text = strchr(buf, ';');
		if (!text)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		if (line_names_fix(text, kvm_mod)) {
			ktap_print_msg("kernel log: %s\n", text);
			found = true;
			if (seq > after_seq)
				*seen_new = true;
		}
	}
	close(fd);
	return found;
}

int main(void)
{
	const char *kvm_mod;
	int hv_fd, kvm_fd = -1, kvm_vm = -1, vm, held_at_load;
	long long seq_before = -1;
	bool seen_new, ok;

	if (exists("/sys/module/kvm_amd"))
		kvm_mod = "kvm_amd";
	else if (exists("/sys/module/kvm_intel"))
		kvm_mod = "kvm_intel";
	else
		ktap_exit_skip_all("neither kvm_amd nor kvm_intel is loaded");

	hv_fd = open("/dev/hv", O_RDWR | O_CLOEXEC);
	if (hv_fd < 0)
		ktap_exit_skip_all("/dev/hv is missing (hv.ko not loaded)");

	ktap_print_header(NR_TESTS);
	held_at_load = enable_virt_at_load();
	ktap_print_msg("%s loaded, kvm enable_virt_at_load=%s\n", kvm_mod,
		       held_at_load < 0 ? "(absent)" : held_at_load ? "Y" : "N");

	/* 1: make sure KVM owns SVM/VMX. */
	if (held_at_load == 1) {
		ktap_result(1, "kvm_holds_virtualization_since_load");
	} else {
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (kvm_fd < 0)
			ktap_print_msg("open /dev/kvm: %s\n", strerror(errno));
		else if ((kvm_vm = ioctl(kvm_fd, KVM_CREATE_VM, 0UL)) < 0)
			ktap_print_msg("KVM_CREATE_VM: %s\n", strerror(errno));
		ktap_result(kvm_vm >= 0, "kvm_create_vm_takes_virtualization");
	}

	/* Remember where the log was, to tell a new line from an old one. */
	{
		bool dummy;

		kmsg_find(kvm_mod, -1, &dummy, &seq_before);
	}

	/* 2: hv must refuse. */
	vm = ioctl(hv_fd, HV_CREATE_VM, 0UL);
	if (vm >= 0) {
		ktap_print_msg("HV_CREATE_VM succeeded while %s holds virtualization\n", kvm_mod);
		close(vm);
		ktap_result(0, "hv_create_vm_ebusy_while_kvm_active");
	} else {
		if (errno != EBUSY)
			ktap_print_msg("HV_CREATE_VM: errno %d (%s), want EBUSY\n",
				       errno, strerror(errno));
		ktap_result(errno == EBUSY, "hv_create_vm_ebusy_while_kvm_active");
	}

	/* 3: ...and say how to fix it. */
	ok = kmsg_find(kvm_mod, seq_before, &seen_new, &seq_before);
	if (!ok)
		ktap_print_msg("no kernel log line with \"hv:\", \"%s\" and \"enable_virt_at_load=0\"\n",
			       kvm_mod);
	else if (!seen_new)
		ktap_print_msg("the line is from before this HV_CREATE_VM (printed once)\n");
	ktap_result(ok, "hv_logs_the_fix");

	/* 4: the system ioctls keep working meanwhile. */
	{
		long v = ioctl(hv_fd, HV_GET_API_VERSION, 0UL);

		if (v != HV_API_VERSION)
			ktap_print_msg("HV_GET_API_VERSION = %ld\n", v);
		ktap_result(v == HV_API_VERSION, "hv_system_ioctls_work_while_kvm_active");
	}

	/* 5: once KVM lets go, hv works. */
	if (held_at_load == 1) {
		ktap_skip("hv_create_vm_after_kvm_released",
			  "kvm holds virtualization until kvm_amd/kvm_intel is unloaded");
	} else if (kvm_vm < 0) {
		ktap_skip("hv_create_vm_after_kvm_released", "no KVM VM could be created");
	} else {
		close(kvm_vm);
		vm = ioctl(hv_fd, HV_CREATE_VM, 0UL);
		if (vm < 0)
			ktap_print_msg("HV_CREATE_VM after closing the KVM VM: %s\n",
				       strerror(errno));
		else
			close(vm);
		ktap_result(vm >= 0, "hv_create_vm_after_kvm_released");
	}
	if (kvm_fd >= 0)
		close(kvm_fd);
	close(hv_fd);
	ktap_finished();
}
