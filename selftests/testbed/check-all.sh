#!/bin/bash
# selftests/testbed/check-all.sh: what `make check` runs.
#   1. the host build of the pure-logic KUnit suites (module/tests/host), KTAP;
#   1b. the host unit tests of hv-run's device models (make -C userspace-vmm unit), KTAP;
#   2. the SVM testbed (check.sh: QEMU TCG, Debian 6.1 and 6.12 kernels; it runs the VMM's vmm_test too).
# Prints every result, then exactly one last line "N passed, N failed, N skipped";
# exit status 1 if anything failed or nothing ran.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

passed=0 failed=0 skipped=0
out=build/check
mkdir -p "$out"

# 1. Host unit tests: KTAP "ok N suite.case" / "not ok N suite.case".
make -s -C module/tests/host run >"$out/unit.log" 2>&1
unit_rc=$?
unit_results=0
while IFS= read -r line; do
	case $line in
	"not ok "*)
		echo "not ok unit/${line#not ok * }"
		failed=$((failed + 1)) unit_results=$((unit_results + 1)) ;;
	"ok "*"# SKIP"*)
		echo "skip unit/${line#ok * }"
		skipped=$((skipped + 1)) unit_results=$((unit_results + 1)) ;;
	"ok "*)
		echo "ok unit/${line#ok * }"
		passed=$((passed + 1)) unit_results=$((unit_results + 1)) ;;
	esac
done <"$out/unit.log"
if [ "$unit_rc" -ne 0 ] && [ "$failed" -eq 0 ] || [ "$unit_results" -eq 0 ]; then
	echo "not ok unit/build_and_run # see $out/unit.log"
	sed 's/^/#   /' "$out/unit.log" | tail -20
	failed=$((failed + 1))
fi

# 1b. hv-run's device models on the host: one KTAP document, results as vmm-unit/<case>.
if [ -f userspace-vmm/tests/unit/Makefile ]; then
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

# 2. The SVM testbed, both kernels.
HV_SKIP_DEPS=${HV_SKIP_DEPS:-1} bash selftests/testbed/check.sh 2>&1 | tee "$out/testbed.log" |
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
