#!/bin/bash
# selftests/testbed/check-all.sh [SERIES...]: what `make check` runs.
#   1. the host build of the decoder and walker KUnit suites (module/tests/host), as ONE result
#      point host/check-unit (failing cases are listed as host/<suite>.<case>): the same cases run
#      in-kernel under debug/kunit.<suite>/ and are counted there, so they are not counted twice;
#   1b. host/check-host_refuses_without_opt_in: make check-host, run here without its opt-in,
#      refuses, non-zero, and loads nothing (scripts/check-host.sh; never run for real here);
#   1c. the kernel-log classifier (logcheck.sh) on made-up serial logs, one point a case
#      (host/logcheck/<case>: selftests/testbed/logcheck_test.sh);
#   2. the host unit tests of hv-run's device models (make -C userspace-vmm unit), one point a case
#      (vmm-unit/<case>);
#   3. the SVM testbed (check.sh --svm) on SERIES, default Debian 6.1 and 6.12 and the debug kernel
#      (KUnit suites, then every selftest under KASAN, lockdep, DEBUG_ATOMIC_SLEEP and kmemleak);
#      it runs the VMM's vmm_test too;
#   4. the VMX testbed (check.sh --vmx: Bochs, Debian 6.12), side by side with 3: the SVM run is
#      the long pole, and Bochs runs on one thread.
#   HV_KUNIT_ONLY=1 (`make check-kunit`, with SERIES debug) runs 1 and 3 without selftest binaries;
#   HV_VMX=0 leaves out 4.
# Prints every result, then exactly one last line "N passed, N failed, N skipped";
# exit status 1 if anything failed or nothing ran, or any sub-run (make, check.sh) exited non-zero.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

passed=0 failed=0 skipped=0
out=build/check
mkdir -p "$out"

[ $# -gt 0 ] || set -- 6.1 6.12 debug
kunit_only=${HV_KUNIT_ONLY:-0}

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

# 1b. make check-host loads hv.ko into the machine it runs on: here it must refuse, without its
# opt-in (unset, or any other value), with its one line and a non-zero status, before anything
# is built or loaded. insmod, modprobe and rmmod are stubs first in PATH that record any call.
check_host_refuses() {
	local stub why="" optin had_out=0
	stub=$(mktemp -d "${TMPDIR:-/tmp}/hv-check-host.XXXXXX")
	[ ! -e build/host ] || had_out=1
	for c in insmod modprobe rmmod; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 1\n' "$c" "$stub" >"$stub/$c"
		chmod +x "$stub/$c"
	done
	for optin in "" yes; do
		if HV_CHECK_HOST=$optin PATH="$stub:$PATH" make -s check-host >"$stub/out" 2>&1; then
			why="$why exit status 0 with HV_CHECK_HOST='$optin';"
		elif ! grep -q '^check-host: not running: .*HV_CHECK_HOST=i-may-crash-this-host' "$stub/out"; then
			why="$why no refusal line with HV_CHECK_HOST='$optin': $(head -c 200 "$stub/out");"
		fi
	done
	[ ! -s "$stub/calls" ] || why="$why it called: $(tr '\n' ';' <"$stub/calls")"
	! grep -qs '^hv ' /proc/modules || why="$why hv is loaded on this machine;"
	[ "$had_out" = 1 ] || [ ! -e build/host ] || why="$why it made build/host;"
	rm -rf "$stub"
	if [ -z "$why" ]; then
		echo "ok host/check-host_refuses_without_opt_in"
		passed=$((passed + 1))
	else
		echo "not ok host/check-host_refuses_without_opt_in #$why"
		failed=$((failed + 1))
	fi
}
[ "$kunit_only" = 1 ] || check_host_refuses

# 1c. The kernel-log classifier (logcheck.sh) on made-up logs: one point a case (host/logcheck/*).
logcheck_cases() {
	local line n=0
	while IFS= read -r line; do
		echo "$line"
		n=$((n + 1))
		case $line in
		"ok "*) passed=$((passed + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	done < <(bash selftests/testbed/logcheck_test.sh 2>&1)
	if [ "$n" -eq 0 ]; then
		echo "not ok host/logcheck # selftests/testbed/logcheck_test.sh printed nothing"
		failed=$((failed + 1))
	fi
}
[ "$kunit_only" = 1 ] || logcheck_cases

# 2. hv-run's device models on the host: one KTAP document, results as vmm-unit/<case>.
if [ "$kunit_only" != 1 ]; then
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

# 3, 4. The testbeds, side by side: the SVM run (QEMU, the long pole) streams its results as it
# goes; the VMX run (Bochs, one thread) fills the other core meanwhile, into its own log, and its
# results follow the SVM run's. Every result line goes through, their summaries are added up here.
# The sub-run's exit status counts, not only its summary line: a check.sh that fails without a
# failed point (no test ran, a crash of the script itself) must fail make check too.
run_testbed() { # run_testbed VENDOR [SERIES...]: check.sh --VENDOR into $out/testbed-VENDOR.log
	local vendor=$1 start=$SECONDS rc
	shift
	HV_SKIP_DEPS=${HV_SKIP_DEPS:-1} bash selftests/testbed/check.sh "--$vendor" "$@" \
		>"$out/testbed-$vendor.log" 2>&1
	rc=$?
	echo "$rc $((SECONDS - start))" >"$out/testbed-$vendor.status"
}
tally() { # tally VENDOR: add up what run_testbed VENDOR left
	local vendor=$1 log=$out/testbed-$1.log summary tp tf ts rc=1 secs=0
	read -r rc secs <"$out/testbed-$vendor.status" || true
	echo "# check-all: $vendor testbed took ${secs}s, status $rc"
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok testbed-$vendor # check.sh --$vendor printed no summary, status $rc (see $log)"
		failed=$((failed + 1))
		return
	fi
	read -r tp tf ts < <(echo "$summary" |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
	passed=$((passed + tp)) failed=$((failed + tf)) skipped=$((skipped + ${ts:-0}))
	if [ "$rc" -ne 0 ] && [ "$tf" -eq 0 ]; then
		echo "not ok testbed-$vendor # check.sh --$vendor exited with status $rc but counted no failure (see $log)"
		failed=$((failed + 1))
	elif [ "$rc" -eq 0 ] && [ "$tf" -ne 0 ]; then
		echo "not ok testbed-$vendor # check.sh --$vendor counted $tf failures but exited with status 0"
		failed=$((failed + 1))
	fi
}
rm -f "$out"/testbed-*.status
: >"$out/testbed-svm.log"	# before tail starts: no line of the last run is shown as this one's
vmx_pid=""
if [ "$kunit_only" != 1 ] && [ "${HV_VMX:-1}" != 0 ]; then
	run_testbed vmx &
	vmx_pid=$!
fi
run_testbed svm "$@" &
svm_pid=$!
# The SVM results live, as check.sh writes them (tail ends when the SVM run does).
tail -n +1 -F --pid="$svm_pid" "$out/testbed-svm.log" 2>/dev/null | grep --line-buffered -v -E '^[0-9]+ passed, [0-9]+ failed'
wait "$svm_pid"
tally svm
if [ -n "$vmx_pid" ]; then
	wait "$vmx_pid"
	grep -v -E '^[0-9]+ passed, [0-9]+ failed' "$out/testbed-vmx.log"
	tally vmx
fi

# The failures once more, each with the diagnostic lines just before it in its series' serial
# log, above the count: a CI log that keeps only the head and the tail of the output still names
# every failed point and why it failed.
detail() { # detail SERIES/BINARY/CASE: the "#" lines that precede the case's "not ok" in the log
	local series=${1%%/*} rest=${1#*/}
	local log=${HV_TESTBED_OUT:-build/testbed}/$series.log
	case $rest in
	kernel_log_clean)
		# The first bad lines and the splat's head, as check.sh printed them after the point.
		awk -v p="not ok $1 " 'index($0, p) == 1 { on = 1; next }
			on && /^#   the splat of the first/ { splat = 1 }
			on && /^#   / { sub(/^#   /, "#     "); if (splat ? m++ < 12 : n++ < 6) print substr($0, 1, 300); next }
			on { exit }' "$out"/testbed-*.log
		return 0 ;;
	testbed_complete)
		# A series that never finished: where its log stopped, and from run-qemu.sh's SysRq
		# dump after that, what each CPU and each blocked task was doing.
		[ -f "$log" ] && tr -d '\r' <"$log" | awk '
			/^# hv-test: ALIVE/ { next }
			/^# hv-test: QEMU (STALL|TIMEOUT)/ { for (i = n - 4; i < n; i++) if (i >= 0) print last[i % 4]; print; dump = 1; next }
			!dump { last[n++ % 4] = $0; next }
			/NMI backtrace for cpu|Sending NMI|RIP: 00|task:.* state:|^# hv-test: INFO qemu CPU#[0-9]+ RIP/ { if (k++ < 12) print }
			END { if (!dump) for (i = n - 4; i < n; i++) if (i >= 0) print last[i % 4] }' |
			cut -c1-300 | sed 's/^/#     /'
		return 0 ;;
	esac
	# The kselftest series' log, with run_kselftest.sh's nesting undone (check.sh).
	[ ! -f "${log%.log}.ktap" ] || log=${log%.log}.ktap
	[ "$rest" != "$1" ] && [ "${rest#*/}" != "$rest" ] && [ -f "$log" ] || return 0
	awk -v bin="${rest%%/*}" -v case="${rest#*/}" '
		{ sub(/\r$/, "") }
		$0 == "# hv-test: BEGIN " bin { inbin = 1; n = 0; next }
		/^# hv-test: END / { inbin = 0 }
		!inbin { next }
		/^#/ { buf[n++ % 6] = $0; next }
		/^not ok [0-9]+ / && $4 == case {
			for (i = (n > 6 ? n - 6 : 0); i < n; i++) print "#     " substr(buf[i % 6], 1, 300)
			exit
		}
		/^(not )?ok / { n = 0 }' "$log"
}
if [ "$failed" -ne 0 ]; then
	echo "# check-all: the failed points:"
	for f in "$out/unit.log" "$out/vmm-unit.log" "$out"/testbed-*.log; do
		[ -f "$f" ] || continue
		grep '^not ok ' "$f" | while IFS= read -r line; do
			echo "#   $line"
			point=${line#not ok }
			detail "${point%% *}"
		done
	done | head -n 200
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
