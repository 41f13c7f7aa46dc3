#!/bin/bash
# selftests/testbed/check-all.sh: what `make check` runs.
#   1. the host build of the pure-logic KUnit suites (module/tests/host), KTAP;
#   2. the SVM testbed (check.sh --svm: QEMU TCG, Debian 6.1 and 6.12 kernels);
#   3. the VMX testbed (check.sh --vmx: Bochs, Debian 6.12).
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

# 2, 3. The testbeds: every result line goes through, their summaries are added up here.
testbed() { # testbed VENDOR: check.sh --VENDOR, log in $out/testbed-VENDOR.log
	local log=$out/testbed-$1.log summary tp tf ts start=$SECONDS
	HV_SKIP_DEPS=${HV_SKIP_DEPS:-1} bash selftests/testbed/check.sh "--$1" 2>&1 | tee "$log" |
		grep -v -E '^[0-9]+ passed, [0-9]+ failed'
	echo "# check-all: $1 testbed took $((SECONDS - start))s"
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok testbed-$1 # check.sh --$1 printed no summary (see $log)"
		failed=$((failed + 1))
		return
	fi
	read -r tp tf ts < <(echo "$summary" |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
	passed=$((passed + tp)) failed=$((failed + tf)) skipped=$((skipped + ${ts:-0}))
}
testbed svm
testbed vmx

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
