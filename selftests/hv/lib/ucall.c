// SPDX-License-Identifier: GPL-2.0
/*
 * ucall: guest -> host messages over port UCALL_PORT (see ucall.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

/* ---- guest side ---------------------------------------------------------------- */

static void guest_ucall_send(struct ucall *uc)
{
	__asm__ volatile("outb %%al, %%dx"
			 : : "a"(0), "d"(UCALL_PORT), "D"(uc) : "memory");
}

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.file = NULL;
	uc.text = NULL;
	uc.line = 0;
	guest_ucall_send(&uc);
}

void guest_ucall_text(uint64_t cmd, const char *file, uint64_t line, const char *text,
		      uint64_t a0, uint64_t a1)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = 0;
	uc.args[3] = 0;
	uc.file = file;
	uc.text = text;
	uc.line = line;
	guest_ucall_send(&uc);
}

void guest_done(void)
{
	guest_ucall(UCALL_DONE, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("hlt");
}

/* ---- host side ------------------------------------------------------------------ */

const char *ucall_name(uint64_t cmd)
{
	switch (cmd) {
	case UCALL_NONE: return "NONE";
	case UCALL_DONE: return "DONE";
	case UCALL_SYNC: return "SYNC";
	case UCALL_ASSERT: return "ASSERT";
	case UCALL_PRINT: return "PRINT";
	case UCALL_UNHANDLED: return "UNHANDLED";
	default: return "(invalid)";
	}
}

uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct hv_run *run = vcpu->run;
	struct hv_regs regs;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != HV_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != HV_IO_DIR_OUT)
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(vm_read_guest(vcpu->vm, regs.rdi, uc, sizeof(*uc)),
		    "ucall struct at GVA %#llx not mapped", (unsigned long long)regs.rdi);
	TEST_ASSERT(uc->cmd > UCALL_NONE && uc->cmd <= UCALL_UNHANDLED,
		    "bad ucall command %llu", (unsigned long long)uc->cmd);
	return uc->cmd;
}

/* Reads a NUL-terminated string of the image through the guest's mapping. */
static const char *guest_str(struct vm *vm, const char *gva, char *buf, size_t len)
{
	size_t i;

	if (!gva)
		return "(null)";
	for (i = 0; i + 1 < len; i++) {
		if (!vm_read_guest(vm, (uint64_t)(uintptr_t)gva + i, &buf[i], 1))
			return "(unmapped)";
		if (!buf[i])
			return buf;
	}
	buf[i] = 0;
	return buf;
}

void ucall_print(struct vcpu *vcpu, const struct ucall *uc)
{
	char file[128], text[256];

	switch (uc->cmd) {
	case UCALL_ASSERT:
		ktap_print_msg("guest assertion failed at %s:%llu: %s (values %#llx, %#llx)\n",
			       guest_str(vcpu->vm, uc->file, file, sizeof(file)),
			       (unsigned long long)uc->line,
			       guest_str(vcpu->vm, uc->text, text, sizeof(text)),
			       (unsigned long long)uc->args[0], (unsigned long long)uc->args[1]);
		break;
	case UCALL_PRINT:
		ktap_print_msg("guest %s:%llu: %s %#llx %#llx\n",
			       guest_str(vcpu->vm, uc->file, file, sizeof(file)),
			       (unsigned long long)uc->line,
			       guest_str(vcpu->vm, uc->text, text, sizeof(text)),
			       (unsigned long long)uc->args[0], (unsigned long long)uc->args[1]);
		break;
	case UCALL_UNHANDLED:
		ktap_print_msg("guest unexpected exception: vector %llu error code %#llx rip %#llx cr2 %#llx\n",
			       (unsigned long long)uc->args[0], (unsigned long long)uc->args[1],
			       (unsigned long long)uc->args[2], (unsigned long long)uc->args[3]);
		break;
	default:
		ktap_print_msg("ucall %s args %#llx %#llx %#llx %#llx\n", ucall_name(uc->cmd),
			       (unsigned long long)uc->args[0], (unsigned long long)uc->args[1],
			       (unsigned long long)uc->args[2], (unsigned long long)uc->args[3]);
	}
}

uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	uint64_t cmd;

	for (;;) {
		vcpu_run(vcpu);
		cmd = vcpu_get_ucall(vcpu, uc);
		if (cmd == UCALL_NONE) {
			vcpu_dump_exit(vcpu);
			errno = 0;
			TEST_FAIL("expected a ucall, got exit %s",
				  exit_reason_str(vcpu->run->exit_reason));
		}
		if (cmd == UCALL_ASSERT || cmd == UCALL_UNHANDLED) {
			ucall_print(vcpu, uc);
			errno = 0;
			TEST_FAIL("guest reported %s", ucall_name(cmd));
		}
		if (cmd != UCALL_PRINT)
			return cmd;
		ucall_print(vcpu, uc);
	}
}

void __vcpu_expect(struct vcpu *vcpu, uint64_t cmd, uint64_t arg0, const char *file, int line)
{
	struct ucall uc;
	uint64_t got = vcpu_run_ucall(vcpu, &uc);

	errno = 0;
	if (got != cmd) {
		ucall_print(vcpu, &uc);
		__test_assert_fail(file, line, "ucall", "expected %s, got %s",
				   ucall_name(cmd), ucall_name(got));
	}
	if (cmd == UCALL_SYNC && uc.args[0] != arg0)
		__test_assert_fail(file, line, "ucall", "expected SYNC %#llx, got SYNC %#llx",
				   (unsigned long long)arg0, (unsigned long long)uc.args[0]);
}
