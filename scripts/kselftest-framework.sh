#!/bin/bash
# scripts/kselftest-framework.sh: prints the directory of the kernel's kselftest framework
# (tools/testing/selftests: its Makefile, lib.mk, run_kselftest.sh and kselftest/runner.sh, with
# the one kernel file its Makefile includes, scripts/subarch.include, at ../../../scripts), taken
# from Debian's linux-source-6.1 once (scripts/linux-source.sh). selftests/hv/Makefile's install
# and run_tests use it; so does the testbed (selftests/testbed/check.sh). Nothing of the framework
# is kept in this repository.
set -euo pipefail

files=(Makefile lib.mk run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl kselftest/module.sh)
dir=$(bash "$(dirname "$0")/linux-source.sh" kselftest scripts/subarch.include \
	"${files[@]/#/tools/testing/selftests/}")
echo "$dir/tools/testing/selftests"
