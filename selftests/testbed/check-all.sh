#!/bin/bash
# selftests/testbed/check-all.sh [SERIES...]: what `make check` runs.
#   1. the host build of the decoder and walker KUnit suites (module/tests/host), as ONE result
#      point host/check-unit (failing cases are listed as host/<suite>.<case>): the same cases run
#      in-kernel under debug/kunit.<suite>/ and are counted there, so they are not counted twice;
#   1b. the host unit tests of hv-run's device models (make -C userspace-vmm unit), KTAP, one point
#      a case (vmm-unit/<case>);
#   2. the SVM testbed (check.sh) on Debian 6.1 and 6.12 and on the debug kernel (KUnit suites,
#      then every selftest under KASAN, lockdep, DEBUG_ATOMIC_SLEEP and kmemleak); it runs the
#      VMM's vmm_test too.
#   SERIES (default: 6.1 6.12 debug) are passed to check.sh; `make check-kunit` uses this script
#   with HV_KUNIT_ONLY=1 and SERIES debug.
# Prints every result, then exactly one last line "N passed, N failed, N skipped";
# exit status 1 if anything failed or nothing ran.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

passed=0 failed=0 skipped=0
out=build/check
mkdir -p "$out"

[ $# -gt 0 ] || set -- 6.1 6.12 debug

# 1. Host unit tests: KTAP "ok N suite.case" / "not ok N suite.case", summed up in one point.
make -s -C module/tests/host run >"$out/unit.log" 2>&1
unit_rc=$?
unit_ok=$(grep -c '^ok ' "$out/unit.log")
unit_bad=$(grep -c '^not ok ' "$out/unit.log")
if [ "$unit_rc" -eq 0 ] && [ "$unit_bad" -eq 0 ] && [ "$unit_ok" -gt 0 ]; then
	echo "ok host/check-unit"
	echo "# host/check-unit: $unit_ok cases passed (counted per case under debug/kunit.*)"
	passed=$((passed + 1))
else
	sed -n 's/^not ok [0-9]* \(.*\)/not ok host\/\1/p' "$out/unit.log"
	echo "not ok host/check-unit # $unit_bad of $((unit_ok + unit_bad)) cases failed, status $unit_rc (see $out/unit.log)"
	sed 's/^/#   /' "$out/unit.log" | grep -v '^#   ok ' | tail -20
	failed=$((failed + 1 + unit_bad))
fi

# 1b. hv-run's device models on the host: one KTAP document, results as vmm-unit/<case>.
if [ "${HV_KUNIT_ONLY:-0}" != 1 ] && [ -f userspace-vmm/tests/unit/Makefile ]; then
	make -s -C userspace-vmm unit >"$out/vmm-unit.log" 2>&1
	vmm_rc=$?
	vmm_results=0 vmm_failed=0
	while IFS= read -r line; do
		case $line in
		"not ok "*)
			echo "not ok vmm-unit/${line#not ok * }"
			vmm_failed=$((vmm_failed + 1)) vmm_results=$((vmm_results + 1)) ;;
		"ok "*"# SKIP"*)
			echo "skip vmm-unit/${line#ok * }"
			skipped=$((skipped + 1)) vmm_results=$((vmm_results + 1)) ;;
		"ok "*)
			echo "ok vmm-unit/${line#ok * }"
			passed=$((passed + 1)) vmm_results=$((vmm_results + 1)) ;;
		esac
	done <"$out/vmm-unit.log"
	failed=$((failed + vmm_failed))
	if { [ "$vmm_rc" -ne 0 ] && [ "$vmm_failed" -eq 0 ]; } || [ "$vmm_results" -eq 0 ]; then
		echo "not ok vmm-unit/build_and_run # see $out/vmm-unit.log"
		sed 's/^/#   /' "$out/vmm-unit.log" | tail -20
		failed=$((failed + 1))
	fi
fi

# 2. The SVM testbed.
HV_SKIP_DEPS=${HV_SKIP_DEPS:-1} bash selftests/testbed/check.sh "$@" 2>&1 | tee "$out/testbed.log" |
	grep -v -E '^[0-9]+ passed, [0-9]+ failed'
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/testbed.log" | tail -n 1)
if [ -z "$summary" ]; then
	echo "not ok testbed # check.sh printed no summary (see $out/testbed.log)"
	failed=$((failed + 1))
else
	read -r tp tf ts < <(echo "$summary" |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
	passed=$((passed + tp)) failed=$((failed + tf)) skipped=$((skipped + ${ts:-0}))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
