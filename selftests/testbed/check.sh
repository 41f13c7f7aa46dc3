#!/bin/bash
# selftests/testbed/check.sh [--svm|--vmx] [SERIES...]
#   A testbed end to end, for one vendor:
#     --svm (default)  QEMU TCG, -cpu EPYC (svm, npt), run-qemu.sh; series default: 6.1 6.12; also
#                      `debug`: our own kernel (debug-kernel.sh: KUnit, KASAN, lockdep,
#                      DEBUG_ATOMIC_SLEEP, kmemleak; built once, cached), where hv_kunit.ko is built
#                      and loaded too, its suites reported as debug/kunit.<suite>/<case>, and the run
#                      must show the sanitizers active
#     --vmx            Bochs, corei7_skylake_x (vmx, ept, vpid, unrestricted guest), run-bochs.sh;
#                      series default: 6.12 (one series: Bochs is slow; 6.12 is the one whose kvm
#                      takes VMX at load, so kvm_coexist sees hv's EBUSY path). Result names carry
#                      a "vmx-" prefix: vmx-6.12/abi_test/... beside the SVM run's 6.12/abi_test/...
#                      Only the binaries and cases of selftests/testbed/vmx.list run there (the
#                      VMX-specific paths; HV_VMX_CASES overrides).
#   The selftests are built once (`make -k -C selftests/hv OUTPUT=build/testbed/selftests`, list
#   from its print-tests target), and the hv-run VMM with its tests (build-vmm.sh), then for each
#   kernel series: kernel.sh (fetch the kernel matching the installed headers), build-module.sh
#   (hv.ko, warnings are errors; on VMX also the hv_tb_cr4 helper that reads CR4 on every CPU),
#   mkinitramfs.sh, the emulator with 2 CPUs, and the serial log is parsed. Output, one line a result:
#       ok <series>/<binary>/<test>      a KTAP result line of a selftest binary
#       not ok <series>/<name> # <why>
#       skip <series>/<name>: <reason>
#   plus testbed points (<series>/load_module, hv_info/*, kvm_load, <vendor>_seen_with_kvm, kvm_unload,
#   unload_module, svm_off_after_unload or vmx_off_after_unload, build_module, boot, vendor,
#   testbed_complete, kernel_log_clean) and a <series>/<binary> failure for a binary that crashed,
#   timed out or broke its plan.
#   The guest's points of each series are held against selftests/testbed/expected/<series>.txt
#   (expected.sh): a point missing from the run, skipped without being an expected skip with that
#   reason, or not in the list fails (regenerate the list from a full run: make testbed-expected).
#   Last line, always: `N passed, N failed, N skipped`. Exit status 1 if anything failed or no test
#   ran at all, else 0.
# Files: build/testbed/<series>.log (full serial log), build/testbed/<series>/ (hv.ko, build.log,
#   initrd.gz), the emulator's own output in <series>.log.qemu or <series>.log.bochs/,
#   build/testbed/results.txt (SVM) or results-vmx.txt (the result lines),
#   build/testbed/selftests/ (the test binaries), build/testbed/kselftest/ (the kselftest install), build/testbed/<series>.points (the guest's points
#   before the expected list is applied) and <series>.scope ("full", or the binaries of a partial
#   run), read by expected.sh update. Runs of one vendor sharing an output directory are
#   serialized (flock); an SVM and a VMX run may share it at the same time (make check runs them
#   side by side): the VMX run builds into selftests-vmx/, fuzz-vmx/ and vmm-vmx/, with its own lock.
# Environment:
#   HV_TESTBED_OUT    output directory instead of build/testbed
#   HV_TEST_BINARIES  space-separated test binaries to use instead of building selftests/hv
#   HV_MODULE_SRC     source root of the module (default: the repository; see build-module.sh)
#   HV_TEST_TIMEOUT   per-binary timeout inside the guest, in guest seconds (default 900 on SVM,
#                     where vmm_test's six nested Linux boots took 280 s on the debug kernel;
#                     60 on VMX, where guest time is Bochs ticks / HV_BOCHS_IPS and crawls while
#                     a VM runs: the longest binary, abi_test, took 2 guest seconds for 97 wall
#                     seconds; run-bochs.sh's progress bound, HV_BOCHS_STALL, is the outer guard)
#   HV_QEMU_TIMEOUT, HV_QEMU_MEM, HV_QEMU_CPU, HV_QEMU_APPEND, HV_QEMU_TEE   see run-qemu.sh
#   HV_BOCHS_TIMEOUT, HV_BOCHS_MEM, HV_BOCHS_IPS, HV_BOCHS_APPEND, HV_BOCHS_TEE  see run-bochs.sh
#   HV_SMP            CPUs of the test host (default 2)
#   HV_SKIP_DEPS=1    do not run deps.sh
#   HV_VMM=0          leave out the hv-run VMM and its selftest (selftests/vmm, built by build-vmm.sh into
#                     <out>/vmm; vmm_test joins the binaries unless HV_TEST_BINARIES names them)
#   HV_VMM_OPT_IN     vmm_test's opt-in cases to run too (patterns: cases that cannot pass yet
#                     and are in no expected list, vmm_test.c's opt_in_cases, none at present;
#                     with HV_EXPECTED=0)
#   HV_VMM_LINUX_SERIES  series on which vmm_test boots Linux as a nested guest (default all; e.g. 6.12:
#                     elsewhere linux_boot skips; the boot takes about 8 s under nested TCG)
#   HV_KUNIT_ONLY=1   no selftest binaries (the KUnit suites and the load/unload points only)
#   HV_TEST_CASES     case patterns (fnmatch, space or comma separated; ktap.h), as vmx.list
#                     gives them on VMX (where vmx.list wins unless HV_VMX_CASES=all):
#                     "PATTERN" for every binary, "BINARY:PATTERN" for one (e.g.
#                     "mem_backing_test:pageout_* vmm_test:overcommit_*"); for quick runs with
#                     HV_EXPECTED=0 (the expected lists hold full runs) and
#                     HV_KSELFTEST_SERIES=none (the kselftest runner does not select cases)
#   HV_VMX_CASES      the VMX run's selection (default selftests/testbed/vmx.list; "all": every
#                     binary and case, as on SVM)
#   HV_EXPECTED=0     do not hold the run against the expected lists (while debugging)
#   HV_KSELFTEST_SERIES  the SVM series whose selftests/hv binaries run through the kernel's
#                     kselftest framework (make -C selftests/hv install, then run_kselftest.sh in
#                     the guest) instead of /init's loop (default 6.12; none: no series); its log
#                     unnested is <series>.ktap, and kselftest/run_kselftest is the framework's point
#                     (listed in expected/6.12.txt: another value makes the lists disagree)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

vendor=svm
case "${1:-}" in
--svm) shift ;;
--vmx) vendor=vmx; shift ;;
-*) hv_die "usage: check.sh [--svm|--vmx] [SERIES...]" ;;
esac

tb=$HV_TESTBED_DIR
out=${HV_TESTBED_OUT:-$HV_REPO_DIR/build/testbed}
mkdir -p "$out"
resfile=$out/results.txt
[ "$vendor" = svm ] || resfile=$out/results-$vendor.txt
# One run of a vendor at a time per output directory (several people may share a work tree).
# The two vendors' series have different names; what both build goes to directories of their own
# (suffix $vsfx), so make check can run the SVM and the VMX testbed side by side.
vsfx=""
[ "$vendor" = svm ] || vsfx=-$vendor
exec 9>"$out/.lock$vsfx"
if ! flock -n 9; then
	echo "# testbed: waiting for another check.sh using $out"
	flock 9
fi
results=$(mktemp "${TMPDIR:-/tmp}/hv-results.XXXXXX")
trap 'cp "$results" "$resfile" 2>/dev/null; rm -f "$results"' EXIT

# The kernel-log classifier: allow, allow_splats, sanitizer_re, kernel_log_check.
# shellcheck source-path=SCRIPTDIR source=logcheck.sh
. "$HV_TESTBED_DIR/logcheck.sh"
if [ "$vendor" = vmx ]; then
	allow+=(
		# Mitigation notice for the CPU model Bochs presents.
		'RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks'
	)
	allow_splats+=(
		# Bochs 2.7's corei7_skylake_x CPUID is inconsistent: leaf 1 counts fewer logical CPUs
		# than leaf 4 has cores (6.12's topology parser warns at every CPU's bring-up), at
		# boot, before /init, from the emulated CPU alone. (Its XSAVE layout is kept out of the
		# kernel's way by clearcpuid=: run-bochs.sh.)
		'at arch/x86/kernel/cpu/topology_common\.c:[0-9]+ parse_legacy'
	)
	allow+=(
		# clearcpuid= taints the kernel and says so (run-bochs.sh says why it is there).
		'Clearing CPUID bits:'
	)
fi

# The KUnit suites hv_kunit.ko must report (debug series): every .name of module/tests/*_kunit.c.
kunit_expected() {
	sed -n 's/^[[:space:]]*\.name = "\(hv_[a-z0-9_]*\)",$/\1/p' "$HV_REPO_DIR"/module/tests/*_kunit.c | LC_ALL=C sort
}

# debug_checks SERIES LOG: every expected suite ran, and the kernel really had its sanitizers on.
debug_checks() {
	local want got missing san
	want=$(kunit_expected)
	got=$(sed -n 's/\r$//; s/^# hv-test: BEGIN kunit\.//p' "$2" | LC_ALL=C sort -u)
	missing=$(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	if [ -z "$want" ]; then
		res fail "$1/kunit_suites" "no suite names found in module/tests/*_kunit.c"
	elif [ -n "$missing" ]; then
		res fail "$1/kunit_suites" "suites that did not report: $missing"
	else
		res ok "$1/kunit_suites"
	fi
	san=$(sed -n 's/\r$//; s/^# hv-test: INFO sanitizers: //p' "$2" | head -n1)
	if [ "$san" = "kasan=yes lockdep=yes kmemleak=yes" ]; then
		res ok "$1/sanitizers_active"
	else
		res fail "$1/sanitizers_active" "want kasan, lockdep and kmemleak on, got '${san:-nothing}'"
	fi
	if grep -q '^# hv-test: KMEMLEAK END' "$2"; then
		res ok "$1/kmemleak_scan"
	else
		res fail "$1/kmemleak_scan" "the kmemleak scan after the tests did not complete"
	fi
}

res() { # res ok|fail|skip NAME [WHY]
	case "$1" in
	ok) echo "ok $2" ;;
	fail) echo "not ok $2${3:+ # $3}" ;;
	skip) echo "skip $2: ${3:-skipped}" ;;
	esac | tee -a "$results"
}

# parse SERIES LOG: the results of one run, in the format above.
parse_log() {
	awk -v S="$1" -v V="$vendor" '
	function emit(kind, name, why) {
		if (kind == "ok") print "ok " name
		else if (kind == "skip") print "skip " name ": " (why == "" ? "skipped" : why)
		else print "not ok " name (why == "" ? "" : " # " why)
	}
	function strip(s) { sub(/\r$/, "", s); return s }
	function unmark(s) { sub(/^# hv-test: /, "", s); return s }
	{ $0 = strip($0) }
	/^# hv-test: START / {
		started = 1
		if (match($0, / vendor=[a-z]+/)) {
			v = substr($0, RSTART + 8, RLENGTH - 8)
			if (v == V) emit("ok", S "/vendor", "")
			else emit("fail", S "/vendor", "the test host reports vendor=" v ", this run is for " V)
		}
		next
	}
	/^# hv-test: DONE$/ { done = 1; next }
	/^# hv-test: (QEMU|BOCHS) / { qemu_to = $0; next }
	/^# hv-test: RESULT / {
		line = substr($0, length("# hv-test: RESULT ") + 1)
		why = ""
		if ((i = index(line, " # ")) > 0) { why = substr(line, i + 3); line = substr(line, 1, i - 1) }
		if (line ~ /^not ok /) { kind = "fail"; name = substr(line, 8) }
		else if (line ~ /^ok /) { kind = "ok"; name = substr(line, 4) }
		else if (line ~ /^skip /) { kind = "skip"; name = substr(line, 6) }
		else next
		seen[name] = 1
		emit(kind, S "/" name, why)
		next
	}
	/^# hv-test: BEGIN / {
		if (cur != "") emit("fail", S "/" cur, "no END marker before the next binary")
		cur = substr($0, length("# hv-test: BEGIN ") + 1)
		nres = 0; nfail = 0; nskip = 0; plan = -1; skipall = ""; timedout = ""; bail = ""
		next
	}
	cur != "" && /^Bail out!/ { if (bail == "") bail = $0; next }
	/^# hv-test: TIMEOUT / { if (cur != "") timedout = $0; next }
	/^# hv-test: END / {
		rest = substr($0, length("# hv-test: END ") + 1)
		n = split(rest, f, " rc=")
		name = f[1]; rc = f[2] + 0
		if (cur == "" || name != cur) { emit("fail", S "/" name, "END without BEGIN"); cur = ""; next }
		b = S "/" cur
		# Exit status 4 (the kselftest skip) after a plan whose every point was reported as
		# skipped: those points are held against the expected list, the binary is fine.
		if (rc == 4 && plan > 0 && nres == plan && nskip == nres) rc = 0
		if (timedout != "") emit("fail", b, "timed out (" unmark(timedout) "), rc=" rc)
		# Otherwise exit status 4 is a skip of the whole binary when it planned and reported
		# nothing; after a plan it may have dropped points it never reported.
		else if (rc == 4 && nres == 0 && plan <= 0) emit("skip", b, skipall == "" ? "exit status 4 (skip)" : skipall)
		else if (rc == 4) emit("fail", b, "exit status 4 (skip) after planning " plan " points and reporting " nres ", " nskip " of them skipped")
		else if (rc != 0 && nfail == 0) emit("fail", b, bail != "" ? bail : "exit status " rc " and no failed test point (crash?)")
		else if (rc == 0 && nres == 0 && plan != 0) emit("fail", b, "exit status 0 but no test result")
		else if (plan < 0 && nres > 0) emit("fail", b, "no KTAP plan line")
		else if (plan >= 0 && nres != plan) emit("fail", b, "planned " plan " tests, reported " nres)
		else if (plan == 0 && nres == 0) emit("skip", b, skipall == "" ? "empty plan" : skipall)
		cur = ""
		next
	}
	cur != "" && /^1\.\.[0-9]+/ {
		plan = substr($0, 4) + 0
		if (plan == 0 && (i = index($0, "# SKIP")) > 0) skipall = substr($0, i + 7)
		if (plan == 0 && skipall == "") skipall = "1..0"
		next
	}
	cur != "" && /^(not )?ok [0-9]+( |$)/ {
		line = $0
		fail = (line ~ /^not ok/)
		sub(/^(not )?ok [0-9]+ ?/, "", line)
		dir = ""
		if ((i = index(line, " # ")) > 0) { dir = substr(line, i + 3); line = substr(line, 1, i - 1) }
		else if ((i = index(line, "# ")) == 1) { dir = substr(line, 3); line = "" }
		if (line == "") line = "test" (nres + 1)
		nres++
		name = S "/" cur "/" line
		if (toupper(substr(dir, 1, 4)) == "SKIP") {
			nskip++
			r = substr(dir, 5); sub(/^ +/, "", r)
			emit("skip", name, r)
		} else if (toupper(substr(dir, 1, 4)) == "TODO") {
			emit("skip", name, "TODO " substr(dir, 6))
		} else if (fail) {
			nfail++
			emit("fail", name, "")
		} else emit("ok", name, "")
		next
	}
	END {
		if (cur != "") emit("fail", S "/" cur, "no END marker: the guest crashed, hung or was killed")
		if (!started) emit("fail", S "/boot", "the kernel never reached /init")
		if (started && !seen["load_module"]) emit("fail", S "/load_module", "not reported")
		if (started && !seen["unload_module"]) emit("fail", S "/unload_module", "not reported")
		if (!done) emit("fail", S "/testbed_complete", qemu_to != "" ? unmark(qemu_to) : "the run did not finish (panic, hang or emulator error)")
		else emit("ok", S "/testbed_complete", "")
	}' "$2"
}

# The serial log with run_kselftest.sh's output (between "# hv-test: KSELFTEST BEGIN" and "END",
# see init.sh) turned into /init's own protocol, so that parse_log sees the same BEGIN/END documents
# in every series. The runner (the kernel's kselftest/runner.sh) prints a TAP plan, then per binary
# "# selftests: hv: <binary>", the binary's output with each line prefixed "# ", and
# "ok N selftests: hv: <binary>" with " # SKIP" (exit status 4), or "not ok N ... # exit=<rc>" or
# "# TIMEOUT <secs> seconds" (its timeout stopped the binary: the rest of the run goes on). The
# framework's own result, kselftest/run_kselftest, is a RESULT point at the end: ok when every
# runner document had its plan, reported that many results, none "not ok", and ended with rc 0.
kselftest_unnest() { # LOG
	awk '
	function fail(why) { if (bad == "") bad = why }
	function end_binary(rc) { print "# hv-test: END " cur " rc=" rc; cur = "" }
	{ sub(/\r$/, "") }
	/^# hv-test: ALIVE$/ { next }
	/^# hv-test: KSELFTEST BEGIN / {
		if (inks) fail("a runner document without its END")
		inks = 1; ran = 1; plan = -1; nres = 0; cur = ""; next
	}
	/^# hv-test: KSELFTEST END / {
		rc = $0; sub(/.* rc=/, "", rc)
		if (cur != "") { fail(cur " has no result line"); end_binary(-1) }
		if (rc != 0) fail("run_kselftest.sh exited with status " rc)
		if (plan < 0) fail("no TAP plan from run_kselftest.sh")
		else if (nres != plan) fail("run_kselftest.sh planned " plan " binaries and reported " nres)
		inks = 0; next
	}
	!inks { print; next }
	/^TAP version / { next }
	cur == "" && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
	/^# selftests: hv: / {
		if (cur != "") { fail(cur " has no result line"); end_binary(-1) }
		cur = substr($0, length("# selftests: hv: ") + 1)
		print "# hv-test: BEGIN " cur; next
	}
	/^(not )?ok [0-9]+ selftests: hv: / {
		nres++
		name = $0; sub(/^(not )?ok [0-9]+ selftests: hv: /, "", name); sub(/ #.*/, "", name)
		rc = 0
		if ($0 ~ /^not ok/) {
			fail("not ok " name)
			rc = 1
			if (match($0, /# exit=[0-9]+/)) rc = substr($0, RSTART + 7, RLENGTH - 7)
			if ($0 ~ /# TIMEOUT/) {
				rc = 124
				print "# hv-test: TIMEOUT " name " after the settings file timeout (" $0 ")"
			}
		} else if ($0 ~ /# SKIP/) rc = 4
		if (cur != name) fail("result for " name " inside " cur)
		end_binary(rc); next
	}
	cur != "" && /^# / { print substr($0, 3); next }
	cur != "" && /^#$/ { next }
	{ print }
	END {
		if (inks) fail("the runner did not finish (no KSELFTEST END)")
		if (ran && bad == "") print "# hv-test: RESULT ok kselftest/run_kselftest"
		else if (ran) print "# hv-test: RESULT not ok kselftest/run_kselftest # " bad
	}' "$1"
}

[ "${HV_SKIP_DEPS:-0}" = 1 ] || "$tb/deps.sh" || res fail deps "deps.sh failed"

# The selftest binaries (built once: they are static and the same for both kernels).
tests=()
if [ "${HV_KUNIT_ONLY:-0}" = 1 ]; then
	echo "# testbed: HV_KUNIT_ONLY=1: no selftest binaries"
elif [ -n "${HV_TEST_BINARIES:-}" ]; then
	read -r -a tests <<<"$HV_TEST_BINARIES"
elif [ -f "$HV_REPO_DIR/selftests/hv/Makefile" ]; then
	# Built out of the source tree (OUTPUT=), with -k so one broken test does not hide the others.
	sel=$out/selftests$vsfx
	mkdir -p "$sel"
	if make -k -C "$HV_REPO_DIR/selftests/hv" OUTPUT="$sel" >"$out/selftests-build$vsfx.log" 2>&1; then
		res ok selftests_build
	else
		grep -E 'error|Error' "$out/selftests-build$vsfx.log" | head -n 30 | sed 's/^/#   /'
		res fail selftests_build "make -C selftests/hv failed, log: $out/selftests-build$vsfx.log"
	fi
	if list=$(make -s -C "$HV_REPO_DIR/selftests/hv" OUTPUT="$sel" print-tests 2>/dev/null) &&
		[ -n "$list" ]; then
		while read -r t; do
			[ -n "$t" ] || continue
			case "$t" in /*) ;; *) [ -e "$t" ] || t=$sel/$t ;; esac
			if [ -f "$t" ]; then
				tests+=("$t")
			else
				res fail "selftests/$(basename "$t")" "print-tests names $t, which was not built"
			fi
		done <<<"$list"
	else
		# No print-tests target: every ELF executable the build left behind.
		while IFS= read -r t; do
			[ "$(head -c 4 "$t" | od -An -c | tr -d ' ')" = '177ELF' ] && tests+=("$t")
		done < <(find "$sel" "$HV_REPO_DIR/selftests/hv" -path '*/.obj' -prune -o -type f -perm -u+x \
			! -name '*.o' -print | LC_ALL=C sort)
	fi
else
	res fail selftests_build "selftests/hv/Makefile is missing"
fi
# The fuzzer (selftests/fuzz), a binary like the others, bounded in time per series (below).
if [ -z "${HV_TEST_BINARIES:-}" ] && [ "${HV_KUNIT_ONLY:-0}" != 1 ] &&
	[ -f "$HV_REPO_DIR/selftests/fuzz/Makefile" ]; then
	if make -C "$HV_REPO_DIR/selftests/fuzz" OUTPUT="$out/fuzz$vsfx" >"$out/fuzz-build$vsfx.log" 2>&1; then
		res ok fuzz_build
		tests+=("$out/fuzz$vsfx/hv_fuzz")
	else
		grep -E 'error|Error' "$out/fuzz-build$vsfx.log" | head -n 30 | sed 's/^/#   /'
		res fail fuzz_build "make -C selftests/fuzz failed, log: $out/fuzz-build$vsfx.log"
	fi
fi

# The hv-run VMM, its test kernels and the Linux guest's initramfs, built once (static, kernel-independent).
vmmdir=""
if [ "${HV_VMM:-1}" != 0 ] && [ -f "$HV_REPO_DIR/userspace-vmm/Makefile" ] &&
	[ -f "$HV_REPO_DIR/selftests/vmm/Makefile" ]; then
	if "$tb/build-vmm.sh" "$out/vmm$vsfx" 2>"$out/vmm-build$vsfx.err"; then
		res ok vmm_build
		vmmdir=$out/vmm$vsfx
		[ -n "${HV_TEST_BINARIES:-}" ] || tests+=("$vmmdir/vmm_test")
	else
		sed 's/^/#   /' "$out/vmm-build$vsfx.err" | tail -n 30
		res fail vmm_build "hv-run or selftests/vmm did not build, log: $out/vmm$vsfx/build.log"
	fi
fi

# The VMX run's selection (vmx.list): only the listed binaries, each with its case patterns
# (mkinitramfs.sh -c: /init passes them as HV_TEST_CASES).
cases_file=""
if [ "$vendor" = vmx ] && [ "${HV_VMX_CASES:-}" != all ] && [ ${#tests[@]} -gt 0 ]; then
	cases_file=${HV_VMX_CASES:-$tb/vmx.list}
	[ -f "$cases_file" ] || hv_die "no VMX selection $cases_file (HV_VMX_CASES)"
	listed=$(sed -e 's/#.*//' "$cases_file" | awk 'NF { print $1 }' | LC_ALL=C sort -u)
	kept=()
	for t in "${tests[@]}"; do
		grep -qxF "$(basename "$t")" <<<"$listed" && kept+=("$t")
	done
	# A listed binary that was not built is a failure, not a quiet omission (full runs only).
	if [ -z "${HV_TEST_BINARIES:-}" ]; then
		for b in $listed; do
			[ "$b" != vmm_test ] || [ "${HV_VMM:-1}" != 0 ] || continue
			found=0
			for t in "${kept[@]}"; do [ "$(basename "$t")" = "$b" ] && found=1; done
			[ "$found" = 1 ] || res fail "vmx-selection/$b" "listed in $cases_file, but no such test binary"
		done
	fi
	echo "# testbed: VMX selection from ${cases_file#"$HV_REPO_DIR"/}: ${#kept[@]} of ${#tests[@]} binaries"
	tests=("${kept[@]}")
fi
# HV_TEST_CASES on SVM (or on VMX with HV_VMX_CASES=all): the same kind of selection, from the
# environment. A pattern BINARY:PATTERN is for that binary only, a bare pattern for every binary
# (each of them bails out if a pattern of its own matches none of its cases).
if [ -z "$cases_file" ] && [ -n "${HV_TEST_CASES:-}" ] && [ ${#tests[@]} -gt 0 ]; then
	cases_file=$out/testbed$vsfx.cases
	: >"$cases_file"
	for t in "${tests[@]}"; do
		b=$(basename "$t")
		pats=""
		for p in ${HV_TEST_CASES//,/ }; do
			case $p in
			"$b":*) pats="$pats ${p#*:}" ;;
			*:*) ;;
			*) pats="$pats $p" ;;
			esac
		done
		[ -z "$pats" ] || echo "$b$pats" >>"$cases_file"
	done
	echo "# testbed: case selection (HV_TEST_CASES): $(tr '\n' ';' <"$cases_file")"
fi
echo "# testbed: ${#tests[@]} test binaries: ${tests[*]##*/}"

# The kselftest series: selftests/hv installed by the kernel's kselftest framework (its own
# Makefile and lib.mk, from linux-source-6.1, with selftests/hv linked in as TARGETS=hv: the
# Makefile's install target), whose binaries then run through its run_kselftest.sh in place of
# /init's loop (init.sh). One SVM series, not all: the points are the same, only the runner differs.
ksft_series=""
ksft_dir=$out/kselftest
if [ "$vendor" = svm ] && [ "${HV_KSELFTEST_SERIES:-6.12}" != none ] && [ ${#tests[@]} -gt 0 ]; then
	for x in "$@"; do [ "$x" = "${HV_KSELFTEST_SERIES:-6.12}" ] && ksft_series=$x; done
fi
if [ -n "$ksft_series" ]; then
	rm -rf "$ksft_dir"
	if make -s -C "$HV_REPO_DIR/selftests/hv" OUTPUT="$out/selftests" install INSTALL_PATH="$ksft_dir" \
		>"$out/kselftest-install.log" 2>&1 && [ -x "$ksft_dir/run_kselftest.sh" ]; then
		res ok "$ksft_series/kselftest_install"
	else
		sed 's/^/#   /' "$out/kselftest-install.log" | tail -n 20
		res fail "$ksft_series/kselftest_install" "make -C selftests/hv install failed, log: $out/kselftest-install.log"
		ksft_series=""
	fi
fi

# What expected.sh must require: every binary of a full run, else only the ones run (and the
# framework's point when one of them runs through it, and hv-info's when hv-run is built).
scope=full
if [ -n "${HV_TEST_BINARIES:-}" ] || [ "${HV_KUNIT_ONLY:-0}" = 1 ]; then
	scope="-"
	[ -z "$vmmdir" ] || scope="$scope hv_info"
	for t in "${tests[@]}"; do
		scope="$scope $(basename "$t")"
		[ -z "$ksft_series" ] || ! grep -qxF "hv:$(basename "$t")" "$ksft_dir/kselftest-list.txt" ||
			[[ "$scope" == *" kselftest"* ]] || scope="$scope kselftest"
	done
fi

# build_helper KVER DIR: the hv_tb_cr4 helper module for KVER, built in DIR (warnings are errors
# here too); prints the path of the .ko.
build_helper() {
	local kdir=/usr/src/linux-headers-$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$tb/cr4probe/Kbuild" "$tb/cr4probe/hv_tb_cr4.c" "$dir/"
	if ! make -C "$kdir" M="$dir" modules >"$dir/build.log" 2>&1 ||
		grep -qi 'warning:' "$dir/build.log" || [ ! -f "$dir/hv_tb_cr4.ko" ]; then
		sed 's/^/#   /' "$dir/build.log" | tail -n 20
		return 1
	fi
	echo "$dir/hv_tb_cr4.ko"
}

# Why the emulator, not hv, ended the run (run-qemu.sh's status, the serial log), or nothing when
# that is not shown. Either the test host died without a word of its own: QEMU crashed (status 4),
# the console stalled (3), or QEMU ended by itself (0: the test host reset, -no-reboot) before
# /init's DONE, and in each case the kernel logged nothing bad (a panic, an oops, a lockup report:
# those are the kernel's word and fail the run). Or a stall or the wall-clock limit (1) whose
# SysRq dump shows a CPU that took a maskable interrupt with IF clear, which no x86 CPU does
# (interrupt_with_if_clear, logcheck.sh): then whatever the kernel said after is its reaction.
# Or the kernel died of an int3 no longer in memory (stale_int3, logcheck.sh): a stale
# translation of code the kernel had patched, whatever the kernel then said.
# QEMU only: Bochs is not known for this.
emulator_death() { # STATUS LOG
	local why sig
	[ "$vendor" = svm ] || return 0
	if ! grep -aq '^# hv-test: DONE' "$2"; then
		sig=$(stale_int3 "$2" 2>/dev/null)
		if [ -n "$sig" ]; then
			echo "a CPU of the test host trapped on an int3 that its code no longer held ($sig)"
			return 0
		fi
	fi
	case $1 in
	1 | 3)
		sig=$(interrupt_with_if_clear "$2" 2>/dev/null)
		if [ -n "$sig" ]; then
			echo "a CPU of the test host took an interrupt with IF clear ($sig)"
			return 0
		fi
		[ "$1" = 3 ] || return 0
		why="the test host went silent, and its kernel said nothing"
		;;
	4) why="QEMU crashed, and the test host's kernel said nothing" ;;
	0)
		grep -aq '^# hv-test: DONE' "$2" && return 0
		why="the test host reset before its tests ended, and its kernel said nothing"
		;;
	*) return 0 ;;
	esac
	[ -z "$(kernel_log_bad "$2" 2>/dev/null)" ] || return 0
	echo "$why"
}

if [ "$vendor" = vmx ]; then
	[ $# -gt 0 ] || set -- 6.12
	prefix=vmx-
	test_timeout=${HV_TEST_TIMEOUT:-60}
else
	[ $# -gt 0 ] || set -- 6.1 6.12
	prefix=""
	# 1500: vmm_test took 470-540 s on the debug kernel (its Linux boots under KASAN) before
	# virtio-net and the balloon added about 400 s there; a binary that truly hangs is caught
	# sooner by the heartbeat's stall limit.
	test_timeout=${HV_TEST_TIMEOUT:-1500}
fi
envs=()
# vmm_test's opt-in cases (not in the expected lists: run them with HV_EXPECTED=0).
[ -z "${HV_VMM_OPT_IN:-}" ] || envs+=(-e "HV_VMM_OPT_IN=$HV_VMM_OPT_IN")
# Bochs sends the serial console at its baud rate in guest time: the boot's info chatter alone
# would take minutes, so only what came from /init on (and the boot's warnings) is printed.
[ "$vendor" = svm ] || envs+=(-e HVTB_DMESG=since-init)
# A heartbeat from /init while a binary runs, so that the emulator's progress bound sees a slow
# step that is still moving. Bochs: every half guest second (20-40 s of wall time on an idle
# machine while a VM runs; the nested Linux boot is one KTAP point of 100 s idle, 800 s on a
# busy machine). QEMU: every 20 s, from every CPU in turn, against run-qemu.sh's stall limit
# (HV_QEMU_STALL).
if [ "$vendor" = svm ]; then
	envs+=(-e HVTB_HEARTBEAT=20 -e HVTB_HEARTBEAT_CPUS=1)
else
	envs+=(-e HVTB_HEARTBEAT=0.5)
fi
for series in "$@"; do
	s=$prefix$series
	series_envs=()
	# stress_test's churn points run on the debug kernel only, for now: on the Debian kernels a
	# few percent of them hit a QEMU TCG fault in nested SVM (guest code run with the host's
	# translation, or host code with the guest's); docs/testing.md, "stress_test", has the evidence.
	[ "$vendor" != svm ] || [ "$series" = debug ] ||
		series_envs+=(-e "HV_STRESS_CHURN_OFF=QEMU TCG nested SVM defect hits the churn tests on Debian kernels (docs/testing.md: stress_test)")
	# The fuzzer runs in make check on the debug kernel, under KASAN, lockdep and kmemleak, for
	# 90 s; make fuzz (HV_FUZZ_SECS) runs it on the series it names. The Debian series leave it
	# out: there it adds little the debug series does not, and QEMU 7.2 once died of a
	# segmentation fault under its random guest code (docs/testing.md, "The fuzzer").
	series_tests=()
	for t in "${tests[@]}"; do
		[ "${t##*/}" != hv_fuzz ] || [ "$series" = debug ] || [ -n "${HV_FUZZ_SECS:-}" ] || continue
		series_tests+=("$t")
	done
	series_envs+=(-e "HV_FUZZ_SECS=${HV_FUZZ_SECS:-90}")
	[ -z "${HV_FUZZ_SEED:-}" ] || series_envs+=(-e "HV_FUZZ_SEED=$HV_FUZZ_SEED")
	[ -z "${HV_FUZZ_CORPUS:-}" ] || series_envs+=(-e "HV_FUZZ_CORPUS=$HV_FUZZ_CORPUS")
	[ -z "${HV_FUZZ_PROGRAM:-}" ] || series_envs+=(-e "HV_FUZZ_PROGRAM=$HV_FUZZ_PROGRAM")
	sdir=$out/$s
	log=$out/$s.log
	rm -rf "$sdir" "$log" "$log.try1" "$log.qemu" "$log.bochs" "$log.times" "$out/$s.ktap"
	mkdir -p "$sdir"
	echo "# testbed: === $s ==="
	[ "$series" = debug ] && echo "# testbed: the debug kernel is built on first use (about 20 min on 2 cores)"
	if ! kver=$("$tb/kernel.sh" "$series" 2>"$sdir/kernel.log"); then
		cat "$sdir/kernel.log" >&2
		res fail "$s/kernel" "cannot resolve or fetch the $series kernel"
		continue
	fi
	echo "# testbed: kernel $kver"
	hvko=""
	t0=$(date +%s)
	if hvko=$("$tb/build-module.sh" "$kver" "$sdir" 2>"$sdir/build-module.err"); then
		res ok "$s/build_module"
	else
		sed 's/^/#   /' "$sdir/build-module.err" | tail -n 40
		res fail "$s/build_module" "hv.ko did not build cleanly for $kver"
		hvko=""
	fi
	vmmargs=()
	if [ -n "$vmmdir" ]; then
		vmmargs=(-V "$vmmdir")
		# The nested Linux boot runs on every series by default (under Bochs it adds about
		# 100 s of wall time to the VMX run: measured, and inside its budget).
		case "${HV_VMM_LINUX_SERIES:-all}" in
		all | "$s") ;;
		*) vmmargs+=(-e HV_VMM_LINUX=0) ;;
		esac
	fi
	kunitko=""
	if [ "$series" = debug ] && [ -n "$hvko" ]; then
		kunitko=$sdir/hv_kunit.ko
		if [ -f "$kunitko" ]; then
			res ok "$s/build_kunit"
		else
			res fail "$s/build_kunit" "no hv_kunit.ko next to hv.ko (CONFIG_KUNIT missing?)"
			kunitko=""
		fi
	fi
	helpers=()
	if [ "$vendor" = vmx ]; then
		if helper=$(build_helper "$kver" "$sdir/cr4probe"); then
			helpers+=(-x "$helper")
			res ok "$s/build_cr4_helper"
		else
			res fail "$s/build_cr4_helper" "hv_tb_cr4.ko did not build cleanly, log: $sdir/cr4probe/build.log"
		fi
	fi
	ksftargs=()
	[ "$series" != "$ksft_series" ] || ksftargs=(-K "$ksft_dir")
	if ! "$tb/mkinitramfs.sh" ${hvko:+-m "$hvko"} ${kunitko:+-k "$kunitko"} -t "$test_timeout" -v "$vendor" \
		${cases_file:+-c "$cases_file"} "${helpers[@]}" "${envs[@]}" "${series_envs[@]}" "${vmmargs[@]}" \
		"${ksftargs[@]}" "$kver" "$sdir/initrd.gz" "${series_tests[@]}"; then
		res fail "$s/initramfs" "mkinitramfs.sh failed"
		continue
	fi
	t1=$(date +%s)
	try=1
	while :; do
		erc=0
		if [ "$vendor" = vmx ]; then
			emu=bochs
			"$tb/run-bochs.sh" "$kver" "$sdir/initrd.gz" "$log" "${HV_SMP:-2}" || erc=$?
		else
			emu=qemu
			"$tb/run-qemu.sh" "$kver" "$sdir/initrd.gz" "$log" "${HV_SMP:-2}" || erc=$?
		fi
		why=$(emulator_death "$erc" "$log")
		{ [ -n "$why" ] && [ "$try" = 1 ]; } || break
		echo "# testbed: $s: $why: how QEMU TCG's defects take the test host down"
		echo "# testbed: (docs/testing.md, \"When the test host dies\"). The last lines of its log"
		echo "# testbed: ($log.try1):"
		grep -av '^# hv-test: ALIVE' "$log" | awk '/^# hv-test: QEMU (STALL|TIMEOUT)/ { exit } { print }' |
			tail -n 8 | sed 's/^/#   /'
		echo "# testbed: $s: the whole series runs once more; a second such end fails it"
		mv "$log" "$log.try1"
		try=2
	done
	t2=$(date +%s)
	echo "# testbed: $s: build $((t1 - t0))s, boot and tests $((t2 - t1))s"
	[ "$erc" -eq 0 ] || res fail "$s/$emu" "run-$emu.sh failed (status $erc), log: $log"
	rm -f "$out/$s.points" "$out/$s.scope"
	# The kselftest series' runner output unnested (the log as /init's loop would have printed it).
	kselftest_unnest "$log" >"$out/$s.ktap"
	parse_log "$s" "$out/$s.ktap" >"$out/$s.points"
	echo "$scope" >"$out/$s.scope"
	if [ "${HV_EXPECTED:-1}" = 0 ]; then
		tee -a "$results" <"$out/$s.points"
	elif [ "$scope" = full ]; then
		"$tb/expected.sh" check "$s" "$out/$s.points" | tee -a "$results"
	else
		# shellcheck disable=SC2086 # the binaries' names, one word each
		"$tb/expected.sh" check "$s" "$out/$s.points" ${scope#-} - | tee -a "$results"
	fi
	[ "$series" = debug ] && debug_checks "$s" "$log"
	kernel_log_check "$s" "$log"
done

passed=$(grep -c '^ok ' "$results" || true)
failed=$(grep -c '^not ok ' "$results" || true)
skipped=$(grep -c '^skip ' "$results" || true)
status=0
[ "$failed" -eq 0 ] || status=1
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "# testbed: no test ran at all"
	status=1
fi
if [ "$failed" -ne 0 ]; then
	echo "# testbed: failed:"
	grep '^not ok ' "$results" | sed 's/^/#   /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
