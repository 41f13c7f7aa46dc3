#!/bin/sh
# selftests/testbed/bench-init.sh: the /init of make bench's testbed initramfs (busybox sh;
# mkinitramfs.sh -i). One boot, both hypervisors in turn, never loaded together, in rounds:
#   for each round: insmod hv.ko; hv_bench run hv (one batch of every operation); rmmod hv;
#                   insmod the kvm modules (/kvm/order, as init.sh's kvm phase); hv_bench run kvm;
#                   rmmod them
# then hv_bench summarize for each. Rounds rather than all of hv then all of KVM: on a machine
# whose cores other emulators share, a busy stretch then slows both alike instead of one side.
# Then the virtio figures (when the initramfs has hv-run, QEMU and /guest-bench.gz: bench.sh on
# SVM), in rounds the same way: the nested Linux guest (/vmlinuz, /guest-bench.gz with
# hvguest=vbench: selftests/vmm/guest-init.sh) once under hv-run with hv.ko loaded, once under
# QEMU with -accel kvm with the kvm modules loaded; the same kernel, initramfs, disk image
# (/tmp/vbench.img, VBENCH_DISK_MIB of random bytes, made once), RAM and vCPU count, and the
# same host I/O path for the disk (vbench_hv_args and vbench_qemu_args below), and the same tap
# for the network (netbench's peer in this testbed; QEMU without vhost-net).
# /etc/testbed.conf (mkinitramfs.sh -e) sets HV_BENCH_ARGS="ROUNDS ITERS WARMUP",
# HV_VBENCH_ARGS="ROUNDS SECS" (virtio rounds, 0 for none; seconds per figure in the guest) and,
# for the VMX run, HVTB_HEARTBEAT (seconds; the progress bound of run-bochs.sh), and
# HV_BENCH_ONLY (empty: everything; else the parts to run of "ops virtio boot": hv_bench's
# operations, the virtio figures, the Linux boot on 4 KiB and 2 MiB backing).
# Serial protocol (the "# hv-test:" markers are those of init.sh, so run-qemu.sh/run-bochs.sh
# end the run the same way), read by bench.sh:
#   # hv-test: START kernel=<uname -r> vendor=<svm|vmx|none> cpus=<n>
#   # hv-test: RESULT not ok <step> # <why>        a module that did not load or unload
#   # hv-test: INFO round <n>: hv rc=<rc> kvm rc=<rc>
#   BENCH ...                                     hv_bench summarize's lines (selftests/bench)
#   VBENCH <hv|kvm> <round> <device> <figure> key=value...   a guest's virtio figure
#   # hv-test: INFO vbench net: <why>                 the network figures left out (no tun, ...)
#   # hv-test: INFO vbench <hv|kvm> round <n>: <s>s, rc=<rc>  one guest run (wall time, boot included)
#   # hv-test: KERNEL <line>                       a bad kernel log line (WARNING, BUG, ...) since /init
#   # hv-test: DONE
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo 1 >/proc/sys/kernel/printk 2>/dev/null

# shellcheck disable=SC1091
[ -f /etc/testbed.conf ] && . /etc/testbed.conf

boot_lines=$(dmesg | wc -l)
vendor=none
grep -qw svm /proc/cpuinfo && vendor=svm
grep -qw vmx /proc/cpuinfo && vendor=vmx
echo
echo "# hv-test: START kernel=$(uname -r) vendor=$vendor cpus=$(grep -c '^processor' /proc/cpuinfo)"

step() { # step NAME COMMAND...: silent when it works, a RESULT line when not
	n=$1
	shift
	out=$("$@" 2>&1) && return 0
	echo "# hv-test: RESULT not ok $n # $out"
	return 1
}

bench() { # bench BACKEND: one batch of every operation, appended to /tmp/BACKEND.raw
	hb=""
	if [ -n "${HVTB_HEARTBEAT:-}" ]; then
		(while sleep "$HVTB_HEARTBEAT"; do echo "# hv-test: ALIVE"; done) </dev/null &
		hb=$!
	fi
	(cd /tmp && exec /tests/hv_bench run "$1" 1 "$iters" "$warmup" "/tmp/$1.raw") </dev/null 2>&1
	rc=$?
	[ -z "$hb" ] || { kill "$hb"; wait "$hb"; } 2>/dev/null
	return $rc
}

kvm_load() {
	kvm_loaded=""
	while read -r ko; do
		[ -n "$ko" ] || continue
		step "load_kvm.${ko%.ko}" insmod "/kvm/$ko" || return 1
		kvm_loaded="$(echo "${ko%.ko}" | tr - _) $kvm_loaded"
	done </kvm/order
}

kvm_unload() {
	for m in $kvm_loaded; do
		step "unload_kvm.$m" rmmod "$m"
	done
}

part() { # part NAME: whether HV_BENCH_ONLY asks for it
	case " ${HV_BENCH_ONLY:-ops virtio boot} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# shellcheck disable=SC2086 # three words
set -- ${HV_BENCH_ARGS:-10 2000 100}
rounds=$1
iters=$2
warmup=$3
part ops || rounds=0
r=1
while [ "$r" -le "$rounds" ]; do
	hvrc=-
	kvmrc=-
	if step load_hv insmod /hv.ko; then
		if [ -f /samples/hv_hypercall_sample.ko ]; then
			# Every operation on hv's default path, then the in-kernel hypercall on the
			# sample experiment (its defaults answer 0x7ffe with -1000, as KVM does).
			export HV_BENCH_OPS=-hypercall_kernel
			bench hv
			hvrc=$?
			if step load_sample insmod /samples/hv_hypercall_sample.ko; then
				export HV_BENCH_OPS=hypercall_kernel
				bench hv || hvrc=1
				step unload_sample rmmod hv_hypercall_sample
			fi
			unset HV_BENCH_OPS
		else
			bench hv
			hvrc=$?
		fi
		step unload_hv rmmod hv
	fi
	if kvm_load; then
		bench kvm
		kvmrc=$?
	fi
	kvm_unload
	echo "# hv-test: INFO round $r: hv rc=$hvrc kvm rc=$kvmrc"
	r=$((r + 1))
done
if [ "$rounds" -gt 0 ]; then
	for b in hv kvm; do
		/tests/hv_bench summarize "$b" "/tmp/$b.raw" 2>&1
	done
fi

# ---- virtio figures --------------------------------------------------------------------------
# The guest, its RAM and vCPUs, and each device on both sides. The disk: cache=writeback (the
# host's page cache, here the testbed's tmpfs; a guest FLUSH is an fdatasync) and aio=io_uring on
# both; the guest's own requests are O_DIRECT (blkbench), so its page cache is out of the way.
# The network: a persistent tap VBENCH_TAP with VBENCH_HOST_IP/24 in this testbed and netbench's
# server on VBENCH_PORT (both made once, before the rounds: /tests/netbench); the guest takes
# VBENCH_GUEST_IP on eth0 and runs netbench's client against the server. hv-run opens the tap
# as a plain tap with a virtio-net header (its device model in userspace), QEMU with vhost=off
# (vhost-net would move QEMU's data path into the kernel, which hv-run has no counterpart of),
# both with the same MAC and offloads left at their defaults; romfile= so that QEMU wants no
# iPXE ROM (a -kernel boot does not use it). vbench_net is empty when the tap could not be made:
# the guest then has no network device and skips its network figures.
VBENCH_DISK=/tmp/vbench.img
VBENCH_DISK_MIB=64
VBENCH_MEM_MIB=256
VBENCH_TAP=vbtap0
VBENCH_HOST_IP=10.0.3.1
VBENCH_GUEST_IP=10.0.3.2
VBENCH_PORT=5201
VBENCH_MAC=52:54:00:12:34:56
vbench_net=""
vbench_cmdline() {
	echo "console=ttyS0 quiet panic=-1 hvguest=vbench hvguest_secs=$vsecs" \
		${vbench_net:+"hvguest_net_ip=$VBENCH_GUEST_IP/24 hvguest_net_host=$VBENCH_HOST_IP"} \
		${vbench_net:+"hvguest_net_port=$VBENCH_PORT"}
}
vbench_hv_args() {
	echo --kernel /vmlinuz --initrd /guest-bench.gz --mem "${VBENCH_MEM_MIB}M" --cpus 1 \
		--disk "$VBENCH_DISK,cache=writeback,aio=io_uring" \
		${vbench_net:+--net "tap=$VBENCH_TAP,mac=$VBENCH_MAC"}
}
vbench_qemu_args() {
	echo -accel kvm -cpu host -machine pc -m "$VBENCH_MEM_MIB" -smp 1 -nodefaults -display none \
		-no-reboot -serial stdio -monitor none -kernel /vmlinuz -initrd /guest-bench.gz \
		-drive "file=$VBENCH_DISK,format=raw,if=none,id=vda,cache=writeback,aio=io_uring" \
		-device virtio-blk-pci,drive=vda \
		${vbench_net:+-netdev "tap,id=n0,ifname=$VBENCH_TAP,script=no,downscript=no,vhost=off"} \
		${vbench_net:+-device "virtio-net-pci,netdev=n0,mac=$VBENCH_MAC,romfile="}
}

# vbench_run BACKEND ROUND COMMAND...: one guest; its figures as VBENCH lines, a RESULT line if
# it failed (its exit status, a "failed" line of the guest's, or no "vbench done").
vbench_run() {
	be=$1
	vr=$2
	shift 2
	t0=$(date +%s)
	timeout 900 "$@" </dev/null >/tmp/vbench.raw 2>/tmp/vbench.err
	rc=$?
	tr -d '\r' </tmp/vbench.raw >/tmp/vbench.out
	echo "# hv-test: INFO vbench $be round $vr: $(($(date +%s) - t0))s, rc=$rc"
	# what the VMM said (hv-run: the I/O path if io_uring was refused; QEMU: its warnings)
	head -n 5 /tmp/vbench.err | sed "s/^/# hv-test: INFO vbench $be: /"
	sed -n "s/^hv-guest: vbench \([a-z]* [a-z0-9_]* [a-z].*=.*\)/VBENCH $be $vr \1/p" /tmp/vbench.out
	if [ "$rc" != 0 ] || grep -q '^hv-guest: vbench.*failed' /tmp/vbench.out ||
		! grep -q '^hv-guest: vbench done' /tmp/vbench.out; then
		echo "# hv-test: RESULT not ok vbench_$be # rc=$rc; $(grep -E 'failed|rror' /tmp/vbench.out /tmp/vbench.err | tail -n 3 | tr '\n' ' ')"
		tail -n 20 /tmp/vbench.out /tmp/vbench.err
	fi
}

# shellcheck disable=SC2086 # two words
set -- ${HV_VBENCH_ARGS:-3 3}
vrounds=$1
vsecs=$2
netbench_pid=""
if part virtio && [ "$vrounds" -gt 0 ] && [ -x /bin/hv-run ] &&
	[ -x /usr/bin/qemu-system-x86_64 ] && [ -f /guest-bench.gz ]; then
	dd if=/dev/urandom of=$VBENCH_DISK bs=1M count=$VBENCH_DISK_MIB 2>/dev/null
	# tun (init.sh loads /extra first; this /init had no need of it until here)
	if [ -s /extra/order ]; then
		while read -r ko; do
			[ -n "$ko" ] && insmod "/extra/$ko" 2>/dev/null
		done </extra/order
	fi
	if [ ! -x /tests/netbench ]; then
		echo "# hv-test: INFO vbench net: no /tests/netbench"
	elif ! why=$(/tests/netbench tap "$VBENCH_TAP" "$VBENCH_HOST_IP" 2>&1); then
		echo "# hv-test: RESULT not ok vbench_net_tap # $why"
	else
		/tests/netbench server "$VBENCH_PORT" </dev/null >/tmp/netbench.log 2>&1 &
		netbench_pid=$!
		vbench_net=1
	fi
	vbench_hv() {
		if step vbench_load_hv insmod /hv.ko; then
			# shellcheck disable=SC2046 # the arguments are words
			vbench_run hv "$r" hv-run $(vbench_hv_args) --cmdline "$(vbench_cmdline)"
			step vbench_unload_hv rmmod hv
		fi
	}
	vbench_kvm() {
		if kvm_load; then
			# shellcheck disable=SC2046
			vbench_run kvm "$r" qemu-system-x86_64 $(vbench_qemu_args) -append "$(vbench_cmdline)"
		fi
		kvm_unload
	}
	# Each round both, hv first in odd rounds and KVM first in even ones: whichever runs
	# first on the fresh image (the other sees the pattern the first one's writes left) and
	# any drift within the boot fall on both sides.
	r=1
	while [ "$r" -le "$vrounds" ]; do
		if [ $((r % 2)) = 1 ]; then
			vbench_hv
			vbench_kvm
		else
			vbench_kvm
			vbench_hv
		fi
		r=$((r + 1))
	done
	if [ -n "$netbench_pid" ]; then
		kill "$netbench_pid" 2>/dev/null
		wait "$netbench_pid" 2>/dev/null
		head -n 5 /tmp/netbench.log | sed 's/^/# hv-test: INFO vbench net server: /'
	fi
fi

# ---- the Linux boot on 4 KiB, 2 MiB and 1 GiB backing (issue 13) -----------------------------
# hv-run boots the guest to its /init and power-off with --stats, guest RAM on 4 KiB pages (THP
# off in the test host) and on transparent huge pages (--hugepages, THP "madvise"), 256 MiB; and,
# 2 GiB, on transparent huge pages against two 1 GiB hugetlbfs pages (--mem-path on a mount of
# 1 GiB pages, which bench.sh has the test host reserve at boot): the first GiB, which the legacy
# hole at 640 KiB splits into two slots, takes 2 MiB leaves either way, the second one 1 GiB leaf.
# The time from hv-run's start to the guest's first /init line (linetime, the host's clock) and
# the nested page faults of all vCPUs. Rounds alternate which goes first.
# leaves: the VM's 4 KiB/2 MiB/1 GiB nested leaves in hv's debugfs summary, as last seen while
# it ran (polled every 0.5 s).
#   VBOOT <4k|2m|2m-2g|1g-2g> <round> init_s=<s> exit_s=<s> npf=<n> leaves=<a/b/c> rc=<rc>
vboot_run() { # vboot_run MODE ROUND
	thp=/sys/kernel/mm/transparent_hugepage/enabled
	mem=256M
	case $1 in
	2m | 2m-2g)
		echo madvise >$thp 2>/dev/null
		huge=--hugepages
		;;
	1g-2g)
		echo never >$thp 2>/dev/null
		huge="--mem-path /dev/hugepages-1G"
		;;
	*)
		echo never >$thp 2>/dev/null
		huge=
		;;
	esac
	case $1 in *-2g) mem=2G ;; esac
	# The VM's leaves by size while it runs (its debugfs summary goes with it): the last seen.
	rm -f /tmp/vboot.leaves
	(
		while :; do
			l=$(cat /sys/kernel/debug/hv/*/stats 2>/dev/null | sed -n 's/^nested page table: //p')
			[ -z "$l" ] || echo "$l" >/tmp/vboot.leaves
			sleep 0.5
		done
	) &
	probe=$!
	# shellcheck disable=SC2086 # $huge: none, one or two words
	timeout 600 linetime -m 'hv-guest:' -- hv-run --kernel /vmlinuz --initrd /guest.gz \
		--mem $mem --stats $huge --cmdline "console=ttyS0 quiet panic=-1" \
		</dev/null >/tmp/vboot.out 2>/tmp/vboot.err
	rc=$?
	kill "$probe" 2>/dev/null
	wait "$probe" 2>/dev/null
	# "T table pages, A 4 KiB leaves, B 2 MiB leaves, C 1 GiB leaves" -> A/B/C
	leaves=$(sed -n 's/.*, \([0-9]*\) 4 KiB leaves, \([0-9]*\) 2 MiB leaves, \([0-9]*\) 1 GiB.*/\1\/\2\/\3/p' \
		/tmp/vboot.leaves 2>/dev/null)
	init_s=$(sed -n 's/^# linetime: "hv-guest:" after \([0-9.]*\) s$/\1/p' /tmp/vboot.out)
	exit_s=$(sed -n 's/^# linetime: exit status .* after \([0-9.]*\) s$/\1/p' /tmp/vboot.out)
	npf=$(awk '$1 == "hv-run:" && $2 == "npf" { n += $3 } END { print n + 0 }' /tmp/vboot.err)
	echo "VBOOT $1 $2 init_s=${init_s:-none} exit_s=${exit_s:-none} npf=$npf leaves=${leaves:-none} rc=$rc"
	if [ "$rc" != 0 ] || [ -z "$init_s" ]; then
		echo "# hv-test: RESULT not ok vboot_$1 # rc=$rc"
		tail -n 20 /tmp/vboot.out /tmp/vboot.err
	fi
}
if part boot && [ "${vrounds:-0}" -gt 0 ] && [ -x /bin/hv-run ] && [ -x /bin/linetime ] && [ -f /guest.gz ] &&
	[ -f /sys/kernel/mm/transparent_hugepage/enabled ]; then
	thp_was=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)
	# Two free 1 GiB pages (bench.sh: HV_QEMU_1G_PAGES=2), or no 1 GiB rounds.
	gig=""
	if [ "$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null)" -ge 2 ] 2>/dev/null &&
		mkdir -p /dev/hugepages-1G && mount -t hugetlbfs -o pagesize=1G hugetlbfs /dev/hugepages-1G; then
		gig=1
	else
		echo "# hv-test: RESULT not ok vboot_1g # no two free 1 GiB pages or no hugetlbfs of them"
	fi
	if step vboot_load_hv insmod /hv.ko; then
		r=1
		while [ "$r" -le "$vrounds" ]; do
			if [ $((r % 2)) = 1 ]; then
				vboot_run 4k "$r"
				vboot_run 2m "$r"
				[ -z "$gig" ] || { vboot_run 2m-2g "$r"; vboot_run 1g-2g "$r"; }
			else
				[ -z "$gig" ] || { vboot_run 1g-2g "$r"; vboot_run 2m-2g "$r"; }
				vboot_run 2m "$r"
				vboot_run 4k "$r"
			fi
			r=$((r + 1))
		done
		step vboot_unload_hv rmmod hv
	fi
	echo "$thp_was" >/sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
fi

# The bad-line test of demo-init.sh (check.sh's full one is for test runs), over what was logged
# from /init on: the emulated CPU's own boot-time warnings (Bochs' inconsistent CPUID, which
# check.sh allows on VMX) are not the bench's business.
dmesg | tail -n +$((boot_lines + 1)) | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' |
	grep -vE 'Speculative Return Stack Overflow: WARNING: See https|WARNING: Unprivileged eBPF is enabled|RETBleed: WARNING' |
	sed 's/^/# hv-test: KERNEL /'
echo "# hv-test: DONE"
# Bochs' UART sends at its baud rate in guest time (QEMU's at once): wait until its transmit
# count stops moving, or the end of the output is lost at power-off.
prev=""
for _ in $(seq 100); do
	tx=$(sed -n 's/^0: .* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null)
	{ [ -n "$tx" ] && [ "$tx" != "$prev" ]; } || break
	prev=$tx
	sleep 0.2
done
sync
poweroff -f
sleep 5
reboot -f
