#!/bin/sh
# selftests/testbed/init.sh: the /init of the testbed initramfs (busybox sh; copied in by mkinitramfs.sh).
#
# Layout it expects:  /hv.ko, /tests/* (static test binaries), /kvm/*.ko and /kvm/order (the kvm
# modules of the CPU's vendor, one file name a line in load order), /extra/*.ko and /extra/order
# (helpers loaded first: msr, tun, zram, and hv_tb_cr4 on VMX), /etc/testbed.conf (optional,
# sourced: HVTB_TIMEOUT, HVTB_DMESG, and exported HV_* settings for the test binaries), /kunit/*.ko
# (optional, debug kernel: KUnit test modules, whose suites run when they are loaded),
# /etc/testbed.cases (optional: "<binary> [case pattern...]" a line; a listed binary runs with
# HV_TEST_CASES set to its patterns, see selftests/testbed/vmx.list), /kselftest (optional: the
# kselftest series, a kselftest install of selftests/hv made by the kernel's framework) with
# /etc/testbed.kselftest (the binaries, one a line, that run through its run_kselftest.sh instead
# of the loop below).
# Every binary runs with HV_TESTBED=1: inside the testbed a missing /dev/hv, hv-run or guest image
# is a failure, not a skip (selftests/hv/lib/ktap.h).
# HVTB_DMESG=full (default) prints the whole kernel log at the end; HVTB_DMESG=since-init prints
# what was logged from /init on, and of the boot before it only warnings and worse: for Bochs,
# whose serial port is slow enough that the full log would take minutes to send.
# Kernel command line: hvtb_timeout=SECS overrides the per-binary timeout (default 600);
# hvtb_shell=1 drops to a shell at the end instead of powering off (for debugging by hand);
# hvtb_loglevel=N sets the console log level (default 1: emergencies only, see below).
#
# Serial protocol, one item a line, read by check.sh:
#   # hv-test: START kernel=<uname -r> cpus=<n> vendor=<svm|vmx|none> svm=<yes|no> npt=<yes|no>
#                                            (on VMX: vmx=<yes|no> ept=<yes|no> instead of svm, npt)
#   # hv-test: RESULT ok <name>              testbed test point (load_module, kvm_load, ...)
#   # hv-test: RESULT not ok <name> # <why>
#   # hv-test: RESULT skip <name> # <why>
#   # hv-test: BEGIN <binary>                the binary's own KTAP document follows
#   # hv-test: TIMEOUT <binary> after <secs>s
#   # hv-test: END <binary> rc=<rc>
#   # hv-test: PHASE <name>                   (kunit, main, kvm)
#   # hv-test: BEGIN kunit.<suite> ... END     one KUnit suite as a flat KTAP document (from the log)
#   # hv-test: INFO <text>                    diagnostics (EFER.SVME or CR4.VMXE per CPU, kvm
#                                            parameters, sanitizers)
#   # hv-test: DMESG BEGIN / DMESG END        the kernel log after the last step (see HVTB_DMESG)
#   # hv-test: DONE                          everything ran; poweroff follows
#   # hv-test: ALIVE                         while a binary or run_kselftest.sh runs, every
#                                            HVTB_HEARTBEAT guest seconds (the host's progress
#                                            bound: run-bochs.sh's and run-qemu.sh's stall limits)
#   # hv-test: KSELFTEST BEGIN <phase>       run_kselftest.sh's own output follows: nested KTAP, each
#   # hv-test: KSELFTEST END rc=<rc>         binary's lines prefixed "# " (check.sh unnests it)
# Binaries run in sorted order with cwd /tmp; kvm_coexist runs only in the kvm phase.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

mkdir -p /proc /sys /dev /tmp /run
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# hugetlbfs of 2 MiB pages, as a distribution mounts it (hv-run --mem-path): its pool stays empty;
# the tests that use it raise nr_hugepages for their run and set it back.
mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M hugetlbfs /dev/hugepages 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
# What udev would add: the kselftest runner writes to /dev/stdout (devtmpfs has no such link, and
# the runner's `>>/dev/stdout` would quietly create a regular file instead).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr

HVTB_TIMEOUT=600
# The test binaries know they are in the testbed (see the header).
HV_TESTBED=1
export HV_TESTBED
# shellcheck disable=SC1091
[ -f /etc/testbed.conf ] && . /etc/testbed.conf
[ -n "${hvtb_timeout:-}" ] && HVTB_TIMEOUT=$hvtb_timeout

# Console: emergencies only (panics, soft lockups: what the run may end on). Anything else the
# kernel prints would land in the middle of result lines (seen under Bochs, whose serial port is
# slow: a hv warning split a KTAP test name in two). All of it is in the DMESG dump at the end,
# which is what check.sh inspects. hvtb_loglevel=N on the kernel command line overrides (e.g. 5 to
# watch warnings live while debugging a hang).
echo "${hvtb_loglevel:-1}" >/proc/sys/kernel/printk 2>/dev/null

point() { # point ok|not ok|skip NAME [WHY]
	st=$1
	shift
	if [ "$st" = not ]; then
		st="not ok"
		shift
	fi
	if [ $# -ge 2 ]; then
		echo "# hv-test: RESULT $st $1 # $2"
	else
		echo "# hv-test: RESULT $st $1"
	fi
}

# The case patterns of binary $1 in /etc/testbed.cases, if it is listed there.
cases_of() {
	[ -f /etc/testbed.cases ] || return 1
	awk -v b="$1" '$1 == b { $1 = ""; sub(/^ +/, ""); l = l (l == "" ? "" : " ") $0; found = 1 }
		END { if (found) print l; exit !found }' /etc/testbed.cases
}

# A heartbeat in guest time while a step runs: it stops when the guest kernel stops scheduling,
# not when a step is merely slow in wall time on a busy host (Bochs' guest time is emulated
# ticks), so the host's stall limit tells a dead test host from a slow one.
# With HVTB_HEARTBEAT_CPUS=1 each beat first runs a process on every CPU in turn: a CPU that
# stopped running anything (seen under QEMU's TCG: one kept in a nested guest for good, a SIGKILL
# to its task never delivered) then silences the heartbeat too.
hb=""
heartbeat_start() {
	[ -n "${HVTB_HEARTBEAT:-}" ] || return 0
	(
		ncpu=$(grep -c '^processor' /proc/cpuinfo)
		while sleep "$HVTB_HEARTBEAT"; do
			if [ "${HVTB_HEARTBEAT_CPUS:-0}" = 1 ]; then
				c=0
				while [ $c -lt "$ncpu" ]; do
					taskset -c "$c" true
					c=$((c + 1))
				done
			fi
			echo "# hv-test: ALIVE"
		done
	) </dev/null &
	hb=$!
}
heartbeat_stop() {
	[ -z "$hb" ] || { kill "$hb"; wait "$hb"; } 2>/dev/null
	hb=""
}

run_test() { # run_test PATH
	name=${1##*/}
	echo "# hv-test: BEGIN $name"
	if sel=$(cases_of "$name") && [ -n "$sel" ]; then
		echo "# hv-test: INFO $name cases: $sel"
		HV_TEST_CASES=$sel
	else
		HV_TEST_CASES=
	fi
	start=$(date +%s)
	heartbeat_start
	(cd /tmp && export HV_TEST_CASES && exec timeout -k 10 "$HVTB_TIMEOUT" "$1") </dev/null 2>&1
	rc=$?
	heartbeat_stop
	end=$(date +%s)
	if [ $((end - start)) -ge "$HVTB_TIMEOUT" ] && [ $rc -ge 124 ]; then
		echo "# hv-test: TIMEOUT $name after $((end - start))s"
	fi
	echo "# hv-test: END $name rc=$rc"
	# Guest time (under Bochs: emulated ticks / ips), to size timeouts and iteration counts.
	echo "# hv-test: INFO $name took $((end - start))s of guest time"
}

# The binaries that run through the kselftest framework (/etc/testbed.kselftest), and a runner.
ksft_listed() { [ -f /etc/testbed.kselftest ] && grep -qxF "$1" /etc/testbed.kselftest; }
ksft_run() { # ksft_run PHASE BINARY...: run_kselftest.sh -t hv:BINARY...
	phase=$1
	shift
	[ $# -gt 0 ] || return 0
	args=""
	for b in "$@"; do args="$args -t hv:$b"; done
	echo "# hv-test: KSELFTEST BEGIN $phase"
	heartbeat_start
	# shellcheck disable=SC2086 # one word per argument
	/kselftest/run_kselftest.sh $args </dev/null 2>&1
	rc=$?
	heartbeat_stop
	echo "# hv-test: KSELFTEST END rc=$rc"
}

# EFER.SVME (bit 12 of MSR 0xc0000080) of every CPU as "cpu0=0 cpu1=1", through the msr driver.
svme() {
	r=""
	for d in /dev/cpu/[0-9]*; do
		[ -c "$d/msr" ] || continue
		v=$(dd if="$d/msr" bs=8 count=1 skip=$((0xc0000080 / 8)) 2>/dev/null | od -An -tx8 | tr -d ' ')
		if [ -n "$v" ]; then
			r="$r cpu${d##*/}=$(((0x$v >> 12) & 1))"
		else
			r="$r cpu${d##*/}=?"
		fi
	done
	echo "${r# }"
}

# CR4.VMXE (bit 13) of every CPU as "cpu0=0 cpu1=1", read on each CPU by the hv_tb_cr4 helper
# module (userspace has no other way to read CR4; see selftests/testbed/cr4probe/hv_tb_cr4.c).
vmxe() {
	[ -r /proc/hv_tb_cr4 ] || { echo "cpu0=?"; return; }
	r=""
	while read -r cpu val; do
		case "$val" in
		cr4=0x*) v=${val#cr4=}; r="$r $cpu=$(((v >> 13) & 1))" ;;
		*) r="$r $cpu=?" ;;
		esac
	done </proc/hv_tb_cr4
	echo "${r# }"
}

# The virtualization-enable bit of every CPU for this vendor: EFER.SVME or CR4.VMXE.
virt_bits() {
	if [ "$vendor" = vmx ]; then vmxe; else svme; fi
}

# Wait until the serial port has sent what the kernel holds for it. Bochs' UART sends at the
# programmed baud rate (QEMU's at once), so without this the end of the log, DONE included, is
# lost at power-off. Done when the port's tx counter stops moving.
drain_console() {
	last=""
	i=0
	while [ $i -lt 100 ]; do
		tx=$(sed -n 's/^0: .* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null)
		if [ -z "$tx" ]; then
			sleep 2
			return
		fi
		[ "$tx" = "$last" ] && return
		last=$tx
		sleep 0.2
		i=$((i + 1))
	done
}

modname() { # file name -> module name
	n=${1##*/}
	n=${n%.ko}
	echo "$n" | tr - _
}

# Kernel time at which /init started (the last record so far), for HVTB_DMESG=since-init.
init_ts=$(dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')

flag() { if grep -qw "$1" /proc/cpuinfo; then echo yes; else echo no; fi; }
if grep -qw vmx /proc/cpuinfo; then
	vendor=vmx
	features="vmx=yes ept=$(flag ept)"
	bit=CR4.VMXE
elif grep -qw svm /proc/cpuinfo; then
	vendor=svm
	features="svm=yes npt=$(flag npt)"
	bit=EFER.SVME
else
	vendor=none
	features="svm=no npt=no vmx=no ept=no"
	bit=EFER.SVME
fi
echo
echo "# hv-test: START kernel=$(uname -r) cpus=$(grep -c '^processor' /proc/cpuinfo) vendor=$vendor $features"

# 0. helper modules (msr)
if [ -s /extra/order ]; then
	while read -r ko; do
		[ -n "$ko" ] && insmod "/extra/$ko" 2>/dev/null
	done </extra/order
fi
echo "# hv-test: INFO $bit before hv: $(virt_bits)"

# 0a. a swap device, prepared but off: zram (RAM compressed in RAM), 1 GiB at most of swapped
# pages. The tests that page guest memory out (mem_backing_test's pageout_keeps_content,
# vmm_test's overcommit case) turn it on with swapon(2) for as long as they run and off again
# (HV_SWAP_DEV names it), so that no other test meets a host with swap (memory figures stay as
# they were measured).
HV_SWAP_DEV=""
if [ -w /sys/block/zram0/disksize ] && echo 1G >/sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null 2>&1; then
	HV_SWAP_DEV=/dev/zram0
	comp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/block/zram0/comp_algorithm 2>/dev/null)
	echo "# hv-test: INFO swap device $HV_SWAP_DEV (zram, $comp), off until a test turns it on"
else
	echo "# hv-test: INFO no swap device (no zram: CONFIG_ZRAM, or zram.ko missing from the initramfs)"
fi
export HV_SWAP_DEV

# What this kernel checks for (the debug kernel must show all three); read before dmesg can wrap.
kasan=no
lockdep=no
kmemleak=no
dmesg | grep -q 'KernelAddressSanitizer initialized' && kasan=yes
[ -e /proc/lockdep ] && lockdep=yes
[ -w /sys/kernel/debug/kmemleak ] && kmemleak=yes
echo "# hv-test: INFO sanitizers: kasan=$kasan lockdep=$lockdep kmemleak=$kmemleak"

# 0b. KUnit: loading a test module runs its suites. Their KTAP is taken from the kernel log since
# the load (debugfs keeps only 512 bytes per case, so a case with long failure messages loses its
# result line there) and flattened into one document per suite, cases at the top level; the END
# status is the suite's verdict from /sys/kernel/debug/kunit/<suite>/results. Lines that are not
# KTAP (a KASAN report in the middle of a case, say) become comments.
kunit_flatten() { # kernel log lines on stdin -> "BEGIN kunit.<suite>" documents, "END" left out
	sed 's/^\[[ 0-9.]*\] //' | awk '
	/^    # Subtest: / { s = substr($0, 16); print "# hv-test: BEGIN kunit." s; next }
	s == "" { next }
	/^(not )?ok [0-9]+ / { print "# hv-test: SUITE-END " s; s = ""; next }
	/^    KTAP version/ { next }
	/^    (not )?ok [0-9]+ / || /^    1\.\.[0-9]+/ || /^    # / { sub(/^    /, ""); print; next }
	{ print "# " $0 }'
}
kunit_verdict() { # SUITE -> 0 if debugfs says the suite passed
	tail -n 1 "/sys/kernel/debug/kunit/$1/results" 2>/dev/null | grep -q "^ok [0-9]* $1\$"
}
for ko in /kunit/*.ko; do
	[ -f "$ko" ] || continue
	echo "# hv-test: PHASE kunit"
	m=$(modname "$ko")
	before=$(dmesg | wc -l)
	if ! out=$(insmod "$ko" 2>&1); then
		point not ok "kunit_load.$m" "insmod: $out"
		continue
	fi
	point ok "kunit_load.$m"
	dmesg | tail -n +$((before + 1)) | kunit_flatten | while IFS= read -r line; do
		case $line in
		"# hv-test: SUITE-END "*)
			s=${line#\# hv-test: SUITE-END }
			kunit_verdict "$s"
			echo "# hv-test: END kunit.$s rc=$?"
			;;
		*) echo "$line" ;;
		esac
	done
	if out=$(rmmod "$m" 2>&1); then
		point ok "kunit_unload.$m"
	else
		point not ok "kunit_unload.$m" "rmmod: $out"
	fi
done

# 1. hv.ko
if [ ! -f /hv.ko ]; then
	point not ok load_module "/hv.ko is missing from the initramfs"
elif out=$(insmod /hv.ko 2>&1); then
	point ok load_module
	# Where the kernel and hv's code lie (KASLR), to place a RIP that run-qemu.sh reports
	# from a test host that died.
	echo "# hv-test: INFO text: kernel $(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)" \
		"hv $(cat /sys/module/hv/sections/.text 2>/dev/null)"
else
	point not ok load_module "insmod: $out"
fi

# 1b. hv-info (userspace-vmm/hv-info.c, shipped with hv-run), the first thing a user runs on a
# test host: it must pass (its tiny guest ran), name this vendor, and say yes or no to each
# feature as this kernel's /proc/cpuinfo does: hv-info asks hv (HV_CAP_HW_FEATURES), the kernel
# read the same CPUID and capability-MSR bits on its own. Features whose meaning in hv differs
# from the kernel's flag (VMX's TPR shadow and virtual NMIs need more controls) are not compared.
hv_info_check() {
	case $vendor in
	svm) want="AMD SVM (svm)" keys="npt nrip_save decodeassists pausefilter pfthreshold avic" ;;
	*) want="Intel VMX (vmx)" keys="ept unrestricted_guest ept_ad vpid ple preemption_timer posted_intr pml" ;;
	esac
	out=$(cd /tmp && hv-info 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# hv-info: /'
	if [ $rc = 0 ]; then
		point ok hv_info/runs_tiny_guest
	else
		point not ok hv_info/runs_tiny_guest "exit status $rc"
	fi
	if printf '%s\n' "$out" | grep -qxF "vendor: $want"; then
		point ok hv_info/names_vendor
	else
		point not ok hv_info/names_vendor "no line 'vendor: $want'"
	fi
	bad=""
	for k in $keys; do
		said=$(printf '%s\n' "$out" | awk -v k="$k" '$1 == k { print $2 }')
		if grep -qw "$k" /proc/cpuinfo; then has=yes; else has=no; fi
		[ "$said" = "$has" ] || bad="$bad $k: hv-info '${said:-nothing}', /proc/cpuinfo $has;"
	done
	if [ -z "$bad" ]; then
		point ok hv_info/features_match_cpuinfo
	else
		point not ok hv_info/features_match_cpuinfo "${bad# }"
	fi
}
[ -x /bin/hv-info ] && hv_info_check

# 2. the selftests
echo "# hv-test: PHASE main"
if [ -f /etc/testbed.kselftest ]; then
	# shellcheck disable=SC2046 # one binary name a line
	ksft_run main $(grep -vxF kvm_coexist /etc/testbed.kselftest)
fi
for t in /tests/*; do
	[ -f "$t" ] || continue
	[ "${t##*/}" = kvm_coexist ] && continue
	run_test "$t"
done

# 3. kvm next to hv
coexist() {
	if ksft_listed kvm_coexist; then
		ksft_run kvm kvm_coexist
	elif [ -f /tests/kvm_coexist ]; then
		run_test /tests/kvm_coexist
	fi
}
echo "# hv-test: PHASE kvm"
loaded=""
if [ -s /kvm/order ]; then
	ok=1
	why=""
	while read -r ko; do
		[ -n "$ko" ] || continue
		if out=$(insmod "/kvm/$ko" 2>&1); then
			loaded="$(modname "$ko") $loaded"
		else
			ok=0
			why="insmod $ko: $out"
			break
		fi
	done </kvm/order
	if [ $ok = 1 ]; then
		point ok kvm_load
		s=$(virt_bits)
		echo "# hv-test: INFO $bit with kvm loaded: $s"
		for p in /sys/module/kvm/parameters/enable_virt_at_load /sys/module/kvm_amd/parameters/npt \
			/sys/module/kvm_amd/parameters/nested /sys/module/kvm_intel/parameters/ept \
			/sys/module/kvm_intel/parameters/unrestricted_guest \
			/sys/module/kvm_intel/parameters/vpid /sys/module/kvm_intel/parameters/nested; do
			[ -r "$p" ] && echo "# hv-test: INFO ${p#/sys/module/}=$(cat "$p")"
		done
		# The probe must be able to see the bit set: with enable_virt_at_load (6.12) kvm holds
		# SVM/VMX on every CPU from now until it is unloaded.
		p=/sys/module/kvm/parameters/enable_virt_at_load
		if [ ! -r $p ]; then
			point skip ${vendor}_seen_with_kvm "kvm enables $vendor only with a VM on this kernel"
		elif [ "$(cat $p)" != Y ]; then
			point skip ${vendor}_seen_with_kvm "kvm.enable_virt_at_load=$(cat $p)"
		else
			case " $s " in
			*=0* | *=\?* | "  ") point not ok ${vendor}_seen_with_kvm "$bit not read as set on every CPU while kvm holds it: $s" ;;
			*) point ok ${vendor}_seen_with_kvm ;;
			esac
		fi
	else
		point not ok kvm_load "$why"
	fi
	coexist
	ok=1
	why=""
	for m in $loaded; do
		if ! out=$(rmmod "$m" 2>&1); then
			ok=0
			why="$why rmmod $m: $out;"
		fi
	done
	if [ -n "$loaded" ]; then
		if [ $ok = 1 ]; then point ok kvm_unload; else point not ok kvm_unload "$why"; fi
	fi
else
	point skip kvm_load "no kvm modules in the initramfs"
	coexist
fi

# 4. hv must unload cleanly
if grep -q '^hv ' /proc/modules; then
	if out=$(rmmod hv 2>&1); then
		point ok unload_module
	else
		point not ok unload_module "rmmod hv: $out"
	fi
else
	point not ok unload_module "hv is not loaded"
fi

# With hv and kvm gone, no CPU may be left with SVM or VMX on.
s=$(virt_bits)
echo "# hv-test: INFO $bit at the end: $s"
name=svm_off_after_unload
[ "$vendor" = vmx ] && name=vmx_off_after_unload
case " $s " in
*=1*) point not ok $name "$bit still set: $s" ;;
*=\?* | "  ") point skip $name "cannot read $bit (no msr driver or hv_tb_cr4 helper)" ;;
*) point ok $name ;;
esac

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo "# hv-test: KMEMLEAK BEGIN"
	cat /sys/kernel/debug/kmemleak
	echo "# hv-test: KMEMLEAK END"
fi

echo "# hv-test: DMESG BEGIN"
if [ "${HVTB_DMESG:-full}" = since-init ] && [ -n "$init_ts" ]; then
	# dmesg -r: "<level>[ seconds] text"; levels 0-4 are emerg..warning.
	dmesg -r | awk -v t0="$init_ts" '{
		ts = $0; sub(/^<[0-9]+>\[ */, "", ts); sub(/\].*/, "", ts)
		lvl = $0; sub(/^</, "", lvl); sub(/>.*/, "", lvl)
		if (ts + 0 >= t0 + 0 || lvl % 8 <= 4) { sub(/^<[0-9]+>/, ""); print }
	}'
else
	dmesg
fi
echo "# hv-test: DMESG END"
echo "# hv-test: DONE"
drain_console

if grep -qw hvtb_shell=1 /proc/cmdline; then
	setsid cttyhack sh
fi
sync
poweroff -f
sleep 5
reboot -f
