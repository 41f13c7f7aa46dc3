// SPDX-License-Identifier: GPL-2.0
/*
 * The three vm.c functions the devices call, for the unit tests: a stop
 * request is recorded in the struct vm the test handed to the device, so a
 * test can see whether (and with what status) a device ended the VM.
 */
#include <stdarg.h>
#include <stdio.h>

#include "../../vm.h"

void vm_request_stop(struct vm *vm, int exit_status)
{
	if (vm->stopping)
		return;		/* first caller wins, as in vm.c */
	vm->stopping = true;
	vm->exit_status = exit_status;
}

bool vm_stopping(struct vm *vm)
{
	return vm->stopping;
}

void vm_debug(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (!vm->cfg.debug)
		return;
	va_start(ap, fmt);
	printf("# debug: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}
