#!/bin/sh
# selftests/testbed/bench-init.sh: the /init of make bench's testbed initramfs (busybox sh;
# mkinitramfs.sh -i). One boot, both hypervisors in turn, never loaded together:
#   insmod hv.ko; hv_bench run hv; rmmod hv;
#   insmod the kvm modules (/kvm/order, as init.sh's kvm phase); hv_bench run kvm; rmmod them.
# /etc/testbed.conf (mkinitramfs.sh -e) may set HV_BENCH_ARGS="BATCHES ITERS WARMUP" and
# HVTB_HEARTBEAT (seconds; the VMX run's progress bound in run-bochs.sh).
# Serial protocol (the "# hv-test:" markers are those of init.sh, so run-qemu.sh/run-bochs.sh
# end the run the same way), read by bench.sh:
#   # hv-test: START kernel=<uname -r> vendor=<svm|vmx|none>
#   # hv-test: RESULT ok|not ok <step> [# why]     load_hv, unload_hv, load_kvm, unload_kvm
#   BENCH ...                                     hv_bench's result lines (selftests/bench)
#   # hv-test: END hv_bench-<backend> rc=<rc>
#   # hv-test: KERNEL <line>                       a bad kernel log line (WARNING, BUG, ...)
#   # hv-test: DONE
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo 1 >/proc/sys/kernel/printk 2>/dev/null
HV_BENCH_ARGS=""
# shellcheck disable=SC1091
[ -f /etc/testbed.conf ] && . /etc/testbed.conf

vendor=none
grep -qw svm /proc/cpuinfo && vendor=svm
grep -qw vmx /proc/cpuinfo && vendor=vmx
echo
echo "# hv-test: START kernel=$(uname -r) vendor=$vendor cpus=$(grep -c '^processor' /proc/cpuinfo)"

step() { # step NAME COMMAND...: one RESULT line
	n=$1
	shift
	if out=$("$@" 2>&1); then
		echo "# hv-test: RESULT ok $n"
	else
		echo "# hv-test: RESULT not ok $n # $out"
		return 1
	fi
}

bench() { # bench BACKEND
	hb=""
	if [ -n "${HVTB_HEARTBEAT:-}" ]; then
		(while sleep "$HVTB_HEARTBEAT"; do echo "# hv-test: ALIVE"; done) </dev/null &
		hb=$!
	fi
	# shellcheck disable=SC2086 # HV_BENCH_ARGS is three words
	(cd /tmp && exec /tests/hv_bench run "$1" $HV_BENCH_ARGS) </dev/null 2>&1
	rc=$?
	[ -z "$hb" ] || { kill "$hb"; wait "$hb"; } 2>/dev/null
	echo "# hv-test: END hv_bench-$1 rc=$rc"
}

if step load_hv insmod /hv.ko; then
	bench hv
	step unload_hv rmmod hv
fi

loaded=""
ok=1
while read -r ko; do
	[ -n "$ko" ] || continue
	if step "load_kvm.${ko%.ko}" insmod "/kvm/$ko"; then
		loaded="$(echo "${ko%.ko}" | tr - _) $loaded"
	else
		ok=0
		break
	fi
done </kvm/order
[ $ok = 1 ] && bench kvm
for m in $loaded; do
	step "unload_kvm.$m" rmmod "$m"
done

# The bad-line test of demo-init.sh (check.sh's full one is for test runs).
dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' |
	grep -vE 'Speculative Return Stack Overflow: WARNING: See https|WARNING: Unprivileged eBPF is enabled|RETBleed: WARNING' |
	sed 's/^/# hv-test: KERNEL /'
echo "# hv-test: DONE"
sync
poweroff -f
sleep 5
reboot -f
