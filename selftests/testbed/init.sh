#!/bin/sh
# selftests/testbed/init.sh: the /init of the testbed initramfs (busybox sh; copied in by mkinitramfs.sh).
#
# Layout it expects:  /hv.ko, /tests/* (static test binaries), /kvm/*.ko and /kvm/order (the kvm
# modules, one file name a line in load order), /etc/testbed.conf (optional, sourced: HVTB_TIMEOUT),
# /kunit/*.ko (optional, debug kernel: KUnit test modules, whose suites run when they are loaded).
# Kernel command line: hvtb_timeout=SECS overrides the per-binary timeout (default 600);
# hvtb_shell=1 drops to a shell at the end instead of powering off (for debugging by hand).
#
# Serial protocol, one item a line, read by check.sh:
#   # hv-test: START kernel=<uname -r> cpus=<n> svm=<yes|no> npt=<yes|no>
#   # hv-test: RESULT ok <name>              testbed test point (load_module, kvm_load, ...)
#   # hv-test: RESULT not ok <name> # <why>
#   # hv-test: RESULT skip <name> # <why>
#   # hv-test: BEGIN <binary>                the binary's own KTAP document follows
#   # hv-test: TIMEOUT <binary> after <secs>s
#   # hv-test: END <binary> rc=<rc>
#   # hv-test: PHASE <name>                   (kunit, main, kvm)
#   # hv-test: BEGIN kunit.<suite> ... END     one KUnit suite as a flat KTAP document (from debugfs)
#   # hv-test: INFO <text>                    diagnostics (EFER.SVME per CPU, kvm parameters)
#   # hv-test: DMESG BEGIN / DMESG END        the kernel log after the last step
#   # hv-test: DONE                          everything ran; poweroff follows
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
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

HVTB_TIMEOUT=600
# shellcheck disable=SC1091
[ -f /etc/testbed.conf ] && . /etc/testbed.conf
[ -n "${hvtb_timeout:-}" ] && HVTB_TIMEOUT=$hvtb_timeout

# Console: warnings and worse (a WARN splat shows up live, useful when a test then hangs); the
# kernel's info chatter stays off so it does not split result lines. All of it is in dmesg at the end.
echo 5 >/proc/sys/kernel/printk 2>/dev/null

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

run_test() { # run_test PATH
	name=${1##*/}
	echo "# hv-test: BEGIN $name"
	start=$(date +%s)
	(cd /tmp && exec timeout -k 10 "$HVTB_TIMEOUT" "$1") </dev/null 2>&1
	rc=$?
	end=$(date +%s)
	if [ $((end - start)) -ge "$HVTB_TIMEOUT" ] && [ $rc -ge 124 ]; then
		echo "# hv-test: TIMEOUT $name after $((end - start))s"
	fi
	echo "# hv-test: END $name rc=$rc"
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

modname() { # file name -> module name
	n=${1##*/}
	n=${n%.ko}
	echo "$n" | tr - _
}

svm=no
npt=no
grep -qw svm /proc/cpuinfo && svm=yes
grep -qw npt /proc/cpuinfo && npt=yes
echo
echo "# hv-test: START kernel=$(uname -r) cpus=$(grep -c '^processor' /proc/cpuinfo) svm=$svm npt=$npt"

# 0. helper modules (msr)
if [ -s /extra/order ]; then
	while read -r ko; do
		[ -n "$ko" ] && insmod "/extra/$ko" 2>/dev/null
	done </extra/order
fi
echo "# hv-test: INFO efer.svme before hv: $(svme)"

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
else
	point not ok load_module "insmod: $out"
fi

# 2. the selftests
echo "# hv-test: PHASE main"
for t in /tests/*; do
	[ -f "$t" ] || continue
	[ "${t##*/}" = kvm_coexist ] && continue
	run_test "$t"
done

# 3. kvm next to hv
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
		echo "# hv-test: INFO efer.svme with kvm loaded: $(svme)"
		for p in /sys/module/kvm/parameters/enable_virt_at_load /sys/module/kvm_amd/parameters/npt \
			/sys/module/kvm_amd/parameters/nested; do
			[ -r "$p" ] && echo "# hv-test: INFO ${p#/sys/module/}=$(cat "$p")"
		done
	else
		point not ok kvm_load "$why"
	fi
	[ -f /tests/kvm_coexist ] && run_test /tests/kvm_coexist
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
	[ -f /tests/kvm_coexist ] && run_test /tests/kvm_coexist
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

# With hv and kvm gone, no CPU may be left with SVM on.
s=$(svme)
echo "# hv-test: INFO efer.svme at the end: $s"
case " $s " in
*=1*) point not ok svm_off_after_unload "EFER.SVME still set: $s" ;;
*=\?* | "  ") point skip svm_off_after_unload "cannot read EFER (no msr driver)" ;;
*) point ok svm_off_after_unload ;;
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
dmesg
echo "# hv-test: DMESG END"
echo "# hv-test: DONE"

if grep -qw hvtb_shell=1 /proc/cmdline; then
	setsid cttyhack sh
fi
sync
poweroff -f
sleep 5
reboot -f
