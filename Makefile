# SPDX-License-Identifier: GPL-2.0
#
# hv: top-level targets.
#   make              hv.ko for KDIR (default: the running kernel) and the selftests
#   make check        everything the CI runs: host unit tests, the SVM testbed (QEMU TCG,
#                     Debian 6.1 and 6.12 kernels), the VMX testbed (Bochs, Debian 6.12);
#                     last line "N passed, N failed, N skipped" over all of them
#   make check-svm    the SVM testbed alone
#   make check-vmx    the VMX testbed alone
#   make check-unit   the host build of the pure-logic KUnit suites alone
#   make demo         the main job (see README.md)
#   make install      see install.mk
#
# Nothing here loads a module on the build machine: modules are loaded only
# inside the emulated testbed.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
TESTBED := selftests/testbed

.PHONY: all module selftests check check-svm check-vmx check-unit demo deps clean

all: module selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

selftests:
	$(MAKE) -C selftests/hv

deps:
	bash $(TESTBED)/deps.sh

check-unit:
	$(MAKE) -s -C module/tests/host run

check-svm: deps
	HV_SKIP_DEPS=1 bash $(TESTBED)/check.sh --svm

check-vmx: deps
	HV_SKIP_DEPS=1 bash $(TESTBED)/check.sh --vmx

check: deps
	bash $(TESTBED)/check-all.sh

demo: deps
	bash $(TESTBED)/demo.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C selftests/hv clean
	$(MAKE) -C module/tests/host clean
	rm -rf build

include install.mk
