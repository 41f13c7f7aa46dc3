# SPDX-License-Identifier: GPL-2.0
#
# hv: top-level targets.
#   make              hv.ko for KDIR (default: the running kernel) and the selftests
#   make check        everything the CI runs: host unit tests, the SVM testbed (QEMU TCG,
#                     Debian 6.1 and 6.12 kernels, then the debug kernel: KUnit suites and
#                     every selftest under KASAN/lockdep/kmemleak), the VMX testbed (Bochs,
#                     Debian 6.12); last line "N passed, N failed, N skipped" over all of them
#   make check-svm    the SVM testbed alone, Debian kernels
#   make check-vmx    the VMX testbed alone
#   make check-kunit  the KUnit suites (hv_kunit.ko) alone, in the debug kernel under QEMU
#   make check-unit   the host build of the decoder, walker and sregs KUnit suites (seconds)
#   make check-vmm    the hv-run VMM alone: its selftest (vmm_test) in the 6.12 testbed
#   make testbed-expected  regenerate selftests/testbed/expected/<series>.txt (the test points each
#                     testbed must report) from the last full, passing run; review with git diff
#   make demo         the main job (see README.md)
#   make fuzz         the /dev/hv fuzzer for DURATION seconds (default 600) in the debug testbed
#                     kernel (FUZZ_KERNEL=6.1|6.12 for another); corpus and findings in build/fuzz/
#   make bench        not a test: hv_bench (selftests/bench), the same guest code on /dev/hv and
#                     /dev/kvm in one SVM testbed boot; prints per operation the median and p99
#                     cycles and the hv/KVM ratio, writes build/bench/results.{txt,csv,svg}
#                     (docs/research.md, "Benchmark"); `make bench VMX=1` the same under Bochs
#   make checkpatch   the kernel's checkpatch.pl --strict over module/ and uapi/: every finding
#                     printed, a summary line, non-zero exit on any ERROR (scripts/checkpatch.sh)
#   make check-host   on a test host with real VT-x/AMD-V only, as root, with
#                     HV_CHECK_HOST=i-may-crash-this-host: loads hv.ko into THIS machine's kernel and
#                     runs the kselftests (scripts/check-host.sh, docs/test-hosts.md); without the
#                     opt-in it refuses; never part of make check
#   make install      see install.mk
#
# Nothing here loads a module on the build machine: modules are loaded only
# inside the emulated testbed (check-host aside, behind its opt-in).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
TESTBED := selftests/testbed

.PHONY: all module selftests check check-svm check-vmx check-kunit check-unit check-vmm testbed-expected \
	demo bench deps clean fuzz

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

# vmm_test is built by check.sh (build-vmm.sh) before the initramfs is made.
check-vmm: deps
	HV_SKIP_DEPS=1 HV_TEST_BINARIES=$(CURDIR)/build/testbed/vmm/vmm_test bash $(TESTBED)/check.sh 6.12

check-kunit: deps
	HV_KUNIT_ONLY=1 bash $(TESTBED)/check-all.sh debug

check: deps
	bash $(TESTBED)/check-all.sh

DURATION ?= 600
FUZZ_KERNEL ?= debug
fuzz: deps
	HV_SKIP_DEPS=1 bash $(TESTBED)/fuzz.sh $(DURATION) $(FUZZ_KERNEL)

testbed-expected:
	bash $(TESTBED)/expected.sh update

demo: deps
	bash $(TESTBED)/demo.sh

bench: deps
	HV_SKIP_DEPS=1 bash $(TESTBED)/bench.sh $(if $(VMX),--vmx,--svm)

# Fetches checkpatch.pl itself (from linux-source-6.1, once): no dependency on `deps`.
.PHONY: checkpatch
checkpatch:
	bash scripts/checkpatch.sh

# No `deps`: a test host is not ours to install packages on (docs/test-hosts.md lists them).
.PHONY: check-host
check-host:
	bash scripts/check-host.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C selftests/hv clean
	$(MAKE) -C selftests/vmm clean
	$(MAKE) -C selftests/bench clean
	$(MAKE) -C module/tests/host clean
	rm -rf build

include install.mk
