#!/bin/bash
# selftests/testbed/check.sh [SERIES...]          (default: 6.1 6.12; also: debug)
#   The SVM testbed end to end. Series debug is our own kernel (debug-kernel.sh: KUnit, KASAN, lockdep,
#   DEBUG_ATOMIC_SLEEP, kmemleak; built once, cached): hv_kunit.ko is built and loaded there too, its
#   suites reported as <series>/kunit.<suite>/<case>, and the run must show the sanitizers active. The selftests are built once (`make -k -C selftests/hv
#   OUTPUT=build/testbed/selftests`, list from its print-tests target), then for each Debian kernel
#   series: kernel.sh (fetch the kernel matching the installed headers), build-module.sh (hv.ko,
#   warnings are errors), mkinitramfs.sh, run-qemu.sh (QEMU TCG, EPYC, -smp 2), and the serial log
#   is parsed. Output, one line a result:
#       ok <series>/<binary>/<test>      a KTAP result line of a selftest binary
#       not ok <series>/<name> # <why>
#       skip <series>/<name>: <reason>
#   plus testbed points (<series>/load_module, kvm_load, kvm_unload, unload_module,
#   svm_off_after_unload, build_module, boot, testbed_complete, kernel_log_clean) and a
#   <series>/<binary> failure for a binary that crashed, timed out or broke its plan.
#   Last line, always: `N passed, N failed, N skipped`. Exit status 1 if anything failed or no test
#   ran at all, else 0.
# Files: build/testbed/<series>.log (full serial log), build/testbed/<series>/ (hv.ko, build.log,
#   initrd.gz, QEMU's stderr in <series>.log.qemu), build/testbed/results.txt (the result lines),
#   build/testbed/selftests/ (the test binaries). Runs sharing an output directory are serialized (flock).
# Environment:
#   HV_TESTBED_OUT    output directory instead of build/testbed
#   HV_TEST_BINARIES  space-separated test binaries to use instead of building selftests/hv
#   HV_MODULE_SRC     source root of the module (default: the repository; see build-module.sh)
#   HV_TEST_TIMEOUT   per-binary timeout inside the guest, seconds (default 300)
#   HV_QEMU_TIMEOUT, HV_QEMU_MEM, HV_QEMU_CPU, HV_QEMU_APPEND, HV_QEMU_TEE   see run-qemu.sh
#   HV_SMP            vCPUs (default 2)
#   HV_SKIP_DEPS=1    do not run deps.sh
#   HV_VMM=0          leave out the hv-run VMM and its selftest (selftests/vmm, built by build-vmm.sh into
#                     <out>/vmm; vmm_test joins the binaries unless HV_TEST_BINARIES names them)
#   HV_VMM_LINUX_SERIES  series on which vmm_test boots Linux as a nested guest (default all; e.g. 6.12:
#                     elsewhere linux_boot skips; the boot takes about 8 s under nested TCG)
#   HV_KUNIT_ONLY=1   no selftest binaries (the KUnit suites and the load/unload points only)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

tb=$HV_TESTBED_DIR
out=${HV_TESTBED_OUT:-$HV_REPO_DIR/build/testbed}
mkdir -p "$out"
# One run at a time per output directory (several people may share a work tree).
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "# testbed: waiting for another check.sh using $out"
	flock 9
fi
results=$(mktemp "${TMPDIR:-/tmp}/hv-results.XXXXXX")
trap 'cp "$results" "$out/results.txt" 2>/dev/null; rm -f "$results"' EXIT

# Lines in the serial log that look bad but are not (ERE, matched against the whole line).
allow=(
	'Speculative Return Stack Overflow: WARNING: See https'
	'WARNING: Unprivileged eBPF is enabled'
)
# Sanitizer reports that do not say WARNING/BUG themselves: kmemleak's summary and its giving up,
# lockdep's unannotated lock (its stack dump says Call Trace too).
sanitizer_re='suspected memory leak|kmemleak: .*(disabl|pool empty)|INFO: trying to register non-static key'

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
	awk -v S="$1" '
	function emit(kind, name, why) {
		if (kind == "ok") print "ok " name
		else if (kind == "skip") print "skip " name ": " (why == "" ? "skipped" : why)
		else print "not ok " name (why == "" ? "" : " # " why)
	}
	function strip(s) { sub(/\r$/, "", s); return s }
	function unmark(s) { sub(/^# hv-test: /, "", s); return s }
	{ $0 = strip($0) }
	/^# hv-test: START / { started = 1; next }
	/^# hv-test: DONE$/ { done = 1; next }
	/^# hv-test: QEMU TIMEOUT/ { qemu_to = $0; next }
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
		nres = 0; nfail = 0; plan = -1; skipall = ""; timedout = ""
		next
	}
	/^# hv-test: TIMEOUT / { if (cur != "") timedout = $0; next }
	/^# hv-test: END / {
		rest = substr($0, length("# hv-test: END ") + 1)
		n = split(rest, f, " rc=")
		name = f[1]; rc = f[2] + 0
		if (cur == "" || name != cur) { emit("fail", S "/" name, "END without BEGIN"); cur = ""; next }
		b = S "/" cur
		if (timedout != "") emit("fail", b, "timed out (" unmark(timedout) "), rc=" rc)
		else if (rc == 4 && nres == 0) emit("skip", b, skipall == "" ? "exit status 4 (skip)" : skipall)
		else if (rc != 0 && rc != 4 && nfail == 0) emit("fail", b, "exit status " rc " and no failed test point (crash?)")
		else if (rc == 0 && nres == 0 && plan != 0) emit("fail", b, "exit status 0 but no test result")
		else if (plan > 0 && nres != plan && rc != 4) emit("fail", b, "planned " plan " tests, reported " nres)
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
		if (!done) emit("fail", S "/testbed_complete", qemu_to != "" ? unmark(qemu_to) : "the run did not finish (panic, hang or QEMU error)")
		else emit("ok", S "/testbed_complete", "")
	}' "$2" | tee -a "$results"
}

# Bad kernel messages anywhere in the serial log (the console copy and the dmesg copy are deduplicated).
kernel_log_check() { # SERIES LOG
	local bad allow_re
	allow_re=$(IFS='|'; echo "${allow[*]}")
	bad=$(grep -aE "WARNING:|BUG:|Oops|general protection fault|Call Trace|KASAN|UBSAN|kernel BUG|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|detected stall|\\bhv[a-z_]*: .*leak|unreferenced object|$sanitizer_re" "$2" |
		grep -avE "$allow_re" | grep -av '^# hv-test: RESULT' | awk '!seen[$0]++' || true)
	if [ -n "$bad" ]; then
		res fail "$1/kernel_log_clean" "$(printf '%s\n' "$bad" | wc -l) bad kernel log lines:"
		printf '%s\n' "$bad" | head -n 60 | sed 's/^/#   /'
	else
		res ok "$1/kernel_log_clean"
	fi
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
	sel=$out/selftests
	mkdir -p "$sel"
	if make -k -C "$HV_REPO_DIR/selftests/hv" OUTPUT="$sel" >"$out/selftests-build.log" 2>&1; then
		res ok selftests_build
	else
		grep -E 'error|Error' "$out/selftests-build.log" | head -n 30 | sed 's/^/#   /'
		res fail selftests_build "make -C selftests/hv failed, log: $out/selftests-build.log"
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

# The hv-run VMM, its test kernels and the Linux guest's initramfs, built once (static, kernel-independent).
vmmdir=""
if [ "${HV_VMM:-1}" != 0 ] && [ -f "$HV_REPO_DIR/userspace-vmm/Makefile" ] &&
	[ -f "$HV_REPO_DIR/selftests/vmm/Makefile" ]; then
	if "$tb/build-vmm.sh" "$out/vmm" 2>"$out/vmm-build.err"; then
		res ok vmm_build
		vmmdir=$out/vmm
		[ -n "${HV_TEST_BINARIES:-}" ] || tests+=("$vmmdir/vmm_test")
	else
		sed 's/^/#   /' "$out/vmm-build.err" | tail -n 30
		res fail vmm_build "hv-run or selftests/vmm did not build, log: $out/vmm/build.log"
	fi
fi
echo "# testbed: ${#tests[@]} test binaries: ${tests[*]##*/}"

[ $# -gt 0 ] || set -- 6.1 6.12
for s in "$@"; do
	sdir=$out/$s
	log=$out/$s.log
	rm -rf "$sdir" "$log" "$log.qemu"
	mkdir -p "$sdir"
	echo "# testbed: === $s ==="
	[ "$s" = debug ] && echo "# testbed: the debug kernel is built on first use (about 20 min on 2 cores)"
	if ! kver=$("$tb/kernel.sh" "$s" 2>"$sdir/kernel.log"); then
		cat "$sdir/kernel.log" >&2
		res fail "$s/kernel" "cannot resolve or fetch the $s kernel"
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
		case "${HV_VMM_LINUX_SERIES:-all}" in
		all | "$s") ;;
		*) vmmargs+=(-e HV_VMM_LINUX=0) ;;
		esac
	fi
	kunitko=""
	if [ "$s" = debug ] && [ -n "$hvko" ]; then
		kunitko=$sdir/hv_kunit.ko
		if [ -f "$kunitko" ]; then
			res ok "$s/build_kunit"
		else
			res fail "$s/build_kunit" "no hv_kunit.ko next to hv.ko (CONFIG_KUNIT missing?)"
			kunitko=""
		fi
	fi
	if ! "$tb/mkinitramfs.sh" ${hvko:+-m "$hvko"} ${kunitko:+-k "$kunitko"} -t "${HV_TEST_TIMEOUT:-300}" "${vmmargs[@]}" "$kver" \
		"$sdir/initrd.gz" "${tests[@]}"; then
		res fail "$s/initramfs" "mkinitramfs.sh failed"
		continue
	fi
	t1=$(date +%s)
	qrc=0
	"$tb/run-qemu.sh" "$kver" "$sdir/initrd.gz" "$log" "${HV_SMP:-2}" || qrc=$?
	t2=$(date +%s)
	echo "# testbed: $s: build $((t1 - t0))s, boot and tests $((t2 - t1))s"
	[ "$qrc" -eq 0 ] || res fail "$s/qemu" "run-qemu.sh failed (status $qrc), log: $log"
	parse_log "$s" "$log"
	[ "$s" = debug ] && debug_checks "$s" "$log"
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
