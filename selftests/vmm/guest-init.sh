#!/bin/sh
# selftests/vmm/guest-init.sh: /init of the busybox initramfs that hv-run boots with the testbed's
# own kernel (vmm_test's linux_boot and make demo). Prints fixed "hv-guest: " lines that the tests
# look for, then powers off: hv-run must exit 0 only because the guest asked for it.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

# The kernel's virtio and ext4 modules (those it has as modules), in mkguest.sh's order.
load_modules() {
	mods=/lib/modules/$(uname -r)
	if [ -f "$mods/load" ]; then
		while read -r m; do
			insmod "$mods/$m.ko" || echo "hv-guest: insmod $m failed"
		done <"$mods/load"
	fi
}

# The modules, then up to 30 s for the disk vda to appear (its probe runs asynchronously).
load_modules_wait_vda() {
	load_modules
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 30 ]; do
		i=$((i + 1))
		sleep 1
	done
}

# make demo (hvguest=rootdisk): the root file system is vda, an ext4 image of this very
# initramfs with /.hv-rootdisk added (demo-init.sh made it). From the initramfs, as a distribution's
# initramfs does, this script loads the modules, mounts vda and hands over to the disk's copy of
# itself, which finds /.hv-rootdisk, prints the lines below and shows the disk at work (end of file).
if [ ! -e /.hv-rootdisk ] && grep -q 'hvguest=rootdisk' /proc/cmdline; then
	echo "hv-guest: init started"
	load_modules_wait_vda
	mkdir -p /newroot
	if mount -t ext4 /dev/vda /newroot && [ -e /newroot/.hv-rootdisk ]; then
		umount /proc /sys
		umount /dev 2>/dev/null
		exec switch_root /newroot /init
	fi
	echo "hv-guest: root: vda did not mount as the root file system"
	poweroff -f
fi
[ -e /.hv-rootdisk ] || echo "hv-guest: init started"
echo "hv-guest: uname: $(uname -a)"
echo "hv-guest: cpu: $(grep -m1 '^model name' /proc/cpuinfo)"
echo "hv-guest: cpus: $(nproc) online ($(cat /sys/devices/system/cpu/online))"
echo "hv-guest: uptime $(cut -d' ' -f1 /proc/uptime) s (guest clock)"

# vmm_test's virtio case (hvguest=virtio on the command line): hv-run gave this guest
# vda (--disk, a known pattern in its first 2 MiB), vdb (--disk ...,ro), --rng and, with
# hvguest=console, --console virtio.
# The guest reads, writes and syncs; vmm_test checks the lines below and the disk file.
if grep -q 'hvguest=virtio' /proc/cmdline; then
	load_modules
	rng=/sys/class/misc/hw_random/rng_current
	i=0
	while [ ! -b /dev/vda ] || [ ! -b /dev/vdb ] ||
		{ [ -e "$rng" ] && ! grep -q virtio "$rng"; }; do
		i=$((i + 1))
		[ $i -gt 30 ] && break
		sleep 1
	done
	echo "hv-guest: vda serial $(cat /sys/block/vda/serial 2>&1)"
	echo "hv-guest: vdb ro $(cat /sys/block/vdb/ro 2>&1)"
	# one entry per blk-mq hardware queue: one per vCPU (VIRTIO_BLK_F_MQ)
	set -- /sys/block/vda/mq/*
	echo "hv-guest: vda queues $#"
	echo "hv-guest: vda read $(dd if=/dev/vda bs=64k count=16 2>/dev/null | crc32)"
	# The first MiB again, 2 MiB further on: a write of a pattern the host knows.
	dd if=/dev/vda of=/dev/vda bs=64k count=16 seek=32 conv=fsync 2>/dev/null ||
		echo "hv-guest: vda copy failed"
	if [ -e "$rng" ]; then
		echo "hv-guest: rng $(cat "$rng")"
		head -c 65536 /dev/hwrng >/tmp/rng
		echo "hv-guest: hwrng $(crc32 </tmp/rng) $(wc -c </tmp/rng)"
		# and the random bytes at 3 MiB: a write the host can only check against this line
		dd if=/tmp/rng of=/dev/vda bs=64k seek=48 conv=fsync 2>/dev/null ||
			echo "hv-guest: vda rng write failed"
	else
		echo "hv-guest: rng: this kernel has no hw_random core"
	fi
	if dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; then
		echo "hv-guest: vdb write succeeded"
	else
		echo "hv-guest: vdb write refused"
	fi
	sync
	# hvguest=console (hv-run --console virtio): hvc0 is the host's stdin and stdout. A line
	# written only there must reach the host; a line the host types must arrive.
	if grep -q 'hvguest=console' /proc/cmdline; then
		i=0
		while [ ! -c /dev/hvc0 ] && [ $i -lt 30 ]; do
			i=$((i + 1))
			sleep 1
		done
		if echo "hv-guest: hello on hvc0" >/dev/hvc0; then
			echo "hv-guest: hvc0 waiting for input"
			# shellcheck disable=SC3045 # busybox ash has read -t
			if read -t 120 -r line </dev/hvc0; then
				echo "hv-guest: hvc0 read '$line'"
			else
				echo "hv-guest: hvc0 read failed"
			fi
		else
			echo "hv-guest: hvc0 write failed"
		fi
	fi
	# How the virtio interrupts came (vmm_test: PCI-MSI with the local APIC, else the 8259).
	grep virtio /proc/interrupts | sed 's/^/hv-guest: irq: /'
	echo "hv-guest: virtio done"
fi
# vmm_test's file-system case (hvguest=ext4; vmm_disk.c): vda is an ext4 image the host made.
# hvguest=ext4write: files of 1 byte, 4095 bytes, 1 MiB + 3 and hvguest_big MiB (more than this
# guest can cache: its MemAvailable is printed), their MD5, sync; 24 MiB more, deleted, fstrim;
# unmount. hvguest=ext4kill: one more file, its MD5, sync,
# then "synced" (the host SIGKILLs hv-run on that line) and more writes that nobody syncs.
if grep -q 'hvguest=ext4' /proc/cmdline; then
	load_modules_wait_vda
	if mount -t ext4 /dev/vda /mnt; then
		if grep -q 'hvguest=ext4write' /proc/cmdline; then
			big=$(sed -n 's/.*hvguest_big=\([0-9]*\).*/\1/p' /proc/cmdline)
			head -c 1048576 /dev/urandom >/tmp/seed
			head -c 1 /tmp/seed >/mnt/one
			head -c 4095 /tmp/seed >/mnt/page
			cat /tmp/seed /tmp/seed | head -c 1048579 >/mnt/mib
			for f in one page mib; do
				echo "hv-guest: ext4 sum $(md5sum /mnt/$f | cut -d' ' -f1) $f"
			done
			echo "hv-guest: ext4 $(grep MemAvailable /proc/meminfo)"
			# Every MiB differs (its number first), so a block in the wrong place shows.
			i=0
			sum=$(while [ $i -lt "$big" ]; do
				echo "$i"
				cat /tmp/seed
				i=$((i + 1))
			done | tee /mnt/big | md5sum | cut -d' ' -f1)
			echo "hv-guest: ext4 sum $sum big"
			sync
			echo "hv-guest: ext4 synced"
			# Discard: 24 MiB written, deleted, then fstrim; the host's image must shrink back.
			dd if=/dev/zero of=/mnt/scratch bs=1M count=24 2>/dev/null
			sync
			rm /mnt/scratch
			sync
			if trimmed=$(fstrim -v /mnt 2>&1); then
				echo "hv-guest: ext4 fstrim: $trimmed"
			else
				echo "hv-guest: ext4 fstrim failed: $trimmed"
			fi
			if umount /mnt; then
				echo "hv-guest: ext4 unmounted"
			else
				echo "hv-guest: ext4 umount failed"
			fi
		else
			dd if=/dev/urandom of=/mnt/after bs=64k count=64 2>/dev/null
			echo "hv-guest: ext4 sum $(md5sum /mnt/after | cut -d' ' -f1) after"
			sync
			echo "hv-guest: ext4 synced"
			dd if=/dev/zero of=/mnt/unsynced bs=64k count=1024 2>/dev/null
			echo "hv-guest: ext4 still running after the sync"
		fi
	else
		echo "hv-guest: ext4 mount failed"
	fi
fi
# vmm_test's network case (hvguest=net; vmm_net.c), reusable by a benchmark: hv-run gave this
# guest --net on a tap whose host end has hvguest_net_host, with a peer listening on port 5001
# (it sends a stream, then closes) and 5002 (it reads until the guest closes). The guest takes
# hvguest_net_ip (CIDR) on eth0, pings the host, reads the stream into crc32, then sends
# hvguest_net_mib MiB (a 1 MiB random seed repeated, each MiB after its number) and prints both
# CRCs and its own clock's times; the host compares the CRCs with its own.
if grep -q 'hvguest=net' /proc/cmdline; then
	load_modules
	net_arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
	addr=$(net_arg hvguest_net_ip)
	host=$(net_arg hvguest_net_host)
	mib=$(net_arg hvguest_net_mib)
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 30 ]; do
		i=$((i + 1))
		sleep 1
	done
	echo "hv-guest: net mac $(cat /sys/class/net/eth0/address 2>&1)"
	echo "hv-guest: net features $(cat /sys/class/net/eth0/device/features 2>&1)"
	ip link set lo up
	if ip addr add "${addr:-10.0.2.15/24}" dev eth0 && ip link set eth0 up; then
		if ping -c 3 -W 10 "${host:=10.0.2.1}" >/tmp/ping 2>&1; then
			echo "hv-guest: net ping ok"
		else
			echo "hv-guest: net ping failed"
		fi
		sed 's/^/hv-guest: ping: /' /tmp/ping
		t0=$(cut -d' ' -f1 /proc/uptime)
		rx=$(nc -w 30 "$host" 5001 </dev/null | crc32)
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "hv-guest: net rx crc $rx (uptime $t0 to $t1)"
		head -c 1048576 /dev/urandom >/tmp/seed
		net_stream() {
			i=0
			while [ $i -lt "${mib:-16}" ]; do
				echo "$i"
				cat /tmp/seed
				i=$((i + 1))
			done
		}
		tx=$(net_stream | crc32)
		t0=$(cut -d' ' -f1 /proc/uptime)
		net_stream | nc -w 30 "$host" 5002 || echo "hv-guest: net send failed"
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "hv-guest: net tx crc $tx (uptime $t0 to $t1)"
		rm -f /tmp/seed
	else
		echo "hv-guest: net eth0 configuration failed"
	fi
	grep -E 'virtio|eth0' /proc/interrupts | sed 's/^/hv-guest: irq: /'
	echo "hv-guest: net done"
fi
# vmm_test's SIGKILL-during-I/O rounds (hvguest=ioloop): every CPU writes and reads vda with
# O_DIRECT, 64 KiB at a time all over the disk, until the host SIGKILLs hv-run at a random time
# after "io loop" (the loops have begun).
if grep -q 'hvguest=ioloop' /proc/cmdline; then
	load_modules_wait_vda
	chunks=$(($(cat /sys/block/vda/size) / 128))
	c=0
	while [ $c -lt "$(nproc)" ]; do
		(
			n=$c
			while :; do
				at=$((n % chunks * 16))
				dd if=/dev/urandom of=/dev/vda bs=4k count=16 seek=$at oflag=direct conv=notrunc 2>/dev/null
				dd if=/dev/vda of=/dev/null bs=4k count=16 skip=$at iflag=direct 2>/dev/null
				n=$((n + 7))
			done
		) &
		c=$((c + 1))
	done
	echo "hv-guest: io loop"
	wait
fi
# make bench's virtio figures (hvguest=vbench; selftests/testbed/bench-init.sh): the same guest
# under hv-run and under QEMU+KVM runs each device's workload, a program that bench.sh adds to
# this initramfs (absent from make check's), for hvguest_secs seconds per figure. Its lines:
# "hv-guest: vbench DEVICE FIGURE key=value..."; a device not given to this guest is skipped.
# The network (with hvguest_net_host on the command line): eth0 takes hvguest_net_ip (CIDR),
# then netbench's client runs against the testbed's server at hvguest_net_host, port
# hvguest_net_port.
if grep -q 'hvguest=vbench' /proc/cmdline; then
	load_modules_wait_vda
	vb_arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
	secs=$(vb_arg hvguest_secs)
	if [ -b /dev/vda ] && [ -x /bin/blkbench ]; then
		/bin/blkbench /dev/vda "${secs:-3}" || echo "hv-guest: vbench blk failed"
	else
		echo "hv-guest: vbench blk failed: no /dev/vda or no /bin/blkbench"
	fi
	host=$(vb_arg hvguest_net_host)
	if [ -n "$host" ]; then
		i=0
		while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 30 ]; do
			i=$((i + 1))
			sleep 1
		done
		ip link set lo up
		if [ ! -x /bin/netbench ]; then
			echo "hv-guest: vbench net failed: no /bin/netbench"
		elif ! ip addr add "$(vb_arg hvguest_net_ip)" dev eth0 || ! ip link set eth0 up; then
			echo "hv-guest: vbench net failed: no eth0 or no address for it"
		else
			/bin/netbench client "$host" "$(vb_arg hvguest_net_port)" "${secs:-3}" ||
				echo "hv-guest: vbench net failed"
		fi
	fi
	echo "hv-guest: vbench done"
fi
# The memory cases (balloon, report, ksm, overcommit) run while the host swaps, merges and
# splits the pages under this guest. Should a process of it die of a fault there, its
# registers and the faulting address go to the console ("segfault at", print-fatal-signals'
# register dump), which "quiet" would keep back: the evidence for telling a page that changed
# under the guest from anything else. Boot's messages are over by now, so this costs nothing.
if grep -qE 'hvguest=(balloon|report|ksm|overcommit)' /proc/cmdline; then
	echo 7 >/proc/sys/kernel/printk
	echo 1 >/proc/sys/kernel/print-fatal-signals
fi
# vmm_test's balloon case (hvguest=balloon hvguest_balloon=MIB; hv-run --balloon): the guest
# first fills most of its free memory and frees it, so that the pages the balloon will take are
# ones hv-run holds; "ready" with MemFree and MemTotal; the host then sets a target of MIB MiB
# and the guest waits for its MemTotal to fall by 90% of it ("inflated"); the host sets 0 and
# the guest waits for it to come back ("deflated").
meminfo() {
	echo "MemFree $(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo) kB" \
		"MemTotal $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) kB"
}
memfree_kb() {
	sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo
}
# MemTotal falls by exactly what the balloon holds (virtio_balloon takes its pages out of the
# managed count), where MemFree also moves with the per-CPU lists (below).
memtotal_kb() {
	sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo
}
# MemFree once it holds still (within 512 kB over a second, for up to 30 s). Two things make
# it read low for a while, the more so on a slow host: free page reporting takes free blocks
# off the free lists while the host drops them (up to 64 MiB a batch: right after
# virtio_balloon loaded, a fill sized from MemFree once came out at 13 MiB instead of 135),
# and pages just freed wait on per-CPU lists, which MemFree does not count (6.12: 10-20 MB
# after freeing the fill; the balloon's first pages then came from those lists, so MemFree fell
# by 46-55 MB for a 64 MiB balloon: the balloon case waits on MemTotal instead).
settled_memfree_kb() {
	prev=$(memfree_kb)
	n=0
	while [ $n -lt 30 ]; do
		sleep 1
		cur=$(memfree_kb)
		[ $((cur - prev)) -le 512 ] && [ $((prev - cur)) -le 512 ] && break
		prev=$cur
		n=$((n + 1))
	done
	echo "$cur"
}
if grep -q 'hvguest=balloon' /proc/cmdline; then
	load_modules
	mib=$(sed -n 's/.*hvguest_balloon=\([0-9]*\).*/\1/p' /proc/cmdline)
	fill=$(($(settled_memfree_kb) / 1024 - 48))
	dd if=/dev/zero of=/tmp/fill bs=1M count=$fill 2>/dev/null
	rm -f /tmp/fill
	before=$(memtotal_kb)
	echo "hv-guest: balloon ready $(meminfo) (filled and freed $fill MiB)"
	i=0
	while [ $(($(memtotal_kb) + mib * 1024 * 9 / 10)) -gt "$before" ] && [ $i -lt 240 ]; do
		i=$((i + 1))
		sleep 1
	done
	sleep 1
	echo "hv-guest: balloon inflated $(meminfo) after $i s"
	i=0
	while [ $(($(memtotal_kb) + mib * 1024 / 10)) -lt "$before" ] && [ $i -lt 240 ]; do
		i=$((i + 1))
		sleep 1
	done
	echo "hv-guest: balloon deflated $(meminfo) after $i s"
fi
# vmm_test's free page reporting case (hvguest=report; hv-run --balloon FILE,report): the guest
# fills most of its free memory ("filled"), waits for the host's line, frees it ("freed") and
# waits for the host's line again while its kernel reports the free blocks.
if grep -q 'hvguest=report' /proc/cmdline; then
	load_modules
	fill=$(($(settled_memfree_kb) / 1024 - 48))
	dd if=/dev/zero of=/tmp/fill bs=1M count=$fill 2>/dev/null
	echo "hv-guest: report filled $fill MiB $(meminfo)"
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -t 120 -r line || echo "hv-guest: report no word from the host"
	rm -f /tmp/fill
	echo "hv-guest: report freed $(meminfo)"
	# shellcheck disable=SC3045
	read -t 120 -r line || echo "hv-guest: report no word from the host"
fi
# vmm_test's KSM case (hvguest=ksm hvguest_fill=MIB; two such guests with hv-run --mem-merge):
# MIB MiB of busybox repeated, the same in both guests, in a tmpfs of its own (the root tmpfs,
# half the RAM less this initramfs, took only part of 48 MiB, silently); "ready" with the file's
# size, then the guest waits for a line on its console (the host's "done") before powering off.
if grep -q 'hvguest=ksm' /proc/cmdline; then
	mib=$(sed -n 's/.*hvguest_fill=\([0-9]*\).*/\1/p' /proc/cmdline)
	mib=${mib:-32}
	mkdir -p /ksm
	mount -t tmpfs -o size=$((mib + 4))m tmpfs /ksm || echo "hv-guest: ksm mount failed"
	head -c 1048576 /bin/busybox >/ksm/mib
	i=0
	while [ $i -lt "$mib" ]; do
		cat /ksm/mib || echo "hv-guest: ksm fill failed" >&2
		i=$((i + 1))
	done >/ksm/fill
	rm -f /ksm/mib
	echo "hv-guest: ksm ready $(wc -c </ksm/fill) $(meminfo)"
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -t 300 -r line || echo "hv-guest: ksm no word from the host"
fi
# vmm_test's overcommit case (hvguest=overcommit hvguest_fill=MIB; two such guests with
# hv-run --balloon, in a memory cgroup smaller than both): MIB MiB of busybox into a file
# in the page cache ("filled" with its CRC-32), a line from the host, the file read again
# ("reread", CRC-32 again: the host swapped much of it out meanwhile) and removed ("freed": free
# memory for the balloon the host then inflates), a line from the host, power off.
if grep -q 'hvguest=overcommit' /proc/cmdline; then
	load_modules
	mib=$(sed -n 's/.*hvguest_fill=\([0-9]*\).*/\1/p' /proc/cmdline)
	mib=${mib:-64}
	# A tmpfs of its own: the root file system (tmpfs, half the RAM, part of it taken by this
	# initramfs) held only 57-61 MiB of a 192 MiB guest's file, silently (seen on 6.1 and 6.12).
	mkdir -p /oc
	mount -t tmpfs -o size=$((mib + 8))m tmpfs /oc || echo "hv-guest: overcommit mount failed"
	# One MiB of busybox, then MIB times that.
	head -c 1048576 /bin/busybox >/oc/mib
	i=0
	while [ $i -lt "$mib" ]; do
		cat /oc/mib || echo "hv-guest: overcommit fill failed" >&2
		i=$((i + 1))
	done >/oc/fill
	rm -f /oc/mib
	echo "hv-guest: overcommit filled $(wc -c </oc/fill) crc $(crc32 </oc/fill) $(meminfo)"
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -t 300 -r line || echo "hv-guest: overcommit no word from the host"
	echo "hv-guest: overcommit reread $(wc -c </oc/fill) crc $(crc32 </oc/fill)"
	rm -f /oc/fill
	echo "hv-guest: overcommit freed $(meminfo)"
	# shellcheck disable=SC3045
	read -t 300 -r line || echo "hv-guest: overcommit no word from the host"
fi
# vmm_test's SMP cases (hvguest=smp: hv-run gave this guest --cpus N). Every CPU must be online,
# take local timer interrupts (LOC in /proc/interrupts) while it runs work pinned to it with
# taskset, and the TSC must stay the clocksource; vmm_test checks the lines below.
if grep -q 'hvguest=smp' /proc/cmdline; then
	n=$(nproc)
	echo "hv-guest: nproc $n"
	echo "hv-guest: online $(cat /sys/devices/system/cpu/online)"
	# shellcheck disable=SC2046 # the counts are words on purpose
	set -- $(grep 'LOC:' /proc/interrupts)
	shift
	before=$*
	# A busy loop on each CPU: an idle CPU may stop its tick (NO_HZ), a busy one may not.
	pids=""
	i=0
	while [ $i -lt "$n" ]; do
		taskset -c $i sh -c 'while :; do :; done' &
		pids="$pids $!"
		i=$((i + 1))
	done
	sleep 1
	# shellcheck disable=SC2046
	set -- $(grep 'LOC:' /proc/interrupts)
	shift
	after=$*
	# Where each loop last ran: field 39 of /proc/PID/stat ("(sh)" has no space to shift it).
	ran=""
	for p in $pids; do
		ran="$ran $(cut -d' ' -f39 "/proc/$p/stat")"
	done
	# shellcheck disable=SC2086
	kill $pids
	wait 2>/dev/null
	echo "hv-guest: work ran on cpus$ran"
	rose=0
	i=1
	while [ $i -le "$n" ]; do
		b=$(echo "$before" | cut -d' ' -f$i)
		a=$(echo "$after" | cut -d' ' -f$i)
		echo "hv-guest: cpu$((i - 1)) LOC $b -> $a"
		[ "$a" -gt "$b" ] 2>/dev/null && rose=$((rose + 1))
		i=$((i + 1))
	done
	echo "hv-guest: LOC rose on $rose of $n CPUs"
	echo "hv-guest: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	# The kernel's own word on the TSC, the clocksources, SMP bring-up and APICs ("quiet" kept
	# them off the console), and any warning.
	dmesg | grep -E 'TSC|tsc|clocksource|smpboot|APIC|WARNING|BUG:|Call Trace' | sed 's/^/hv-guest: dmesg: /'
fi
# make demo, from the root disk: what is mounted where, then 64 MiB written through the file
# system to vda and synced, and read back from it with the page cache dropped; MB/s from the
# guest clock (/proc/uptime, centiseconds: busybox dd prints no rate).
centis() { tr -d . </proc/uptime | cut -d' ' -f1; }
rate() { # rate MIB CENTISECONDS
	[ "$2" -gt 0 ] || set -- "$1" 1
	echo "$(($1 * 100 / $2)).$(($1 * 1000 / $2 % 10)) MB/s ($1 MiB in $(($2 / 100)).$(($2 / 10 % 10))$(($2 % 10)) s)"
}
if [ -e /.hv-rootdisk ]; then
	echo "hv-guest: root: $(grep -m1 ' / ' /proc/mounts)"
	mount | sed 's/^/hv-guest: mount: /'
	t=$(centis)
	if dd if=/dev/zero of=/dd.test bs=1M count=64 conv=fsync 2>/dev/null; then
		echo "hv-guest: dd write: $(rate 64 $(($(centis) - t)))"
		sync
		echo 3 >/proc/sys/vm/drop_caches
		t=$(centis)
		dd if=/dd.test of=/dev/null bs=1M 2>/dev/null &&
			echo "hv-guest: dd read: $(rate 64 $(($(centis) - t)))"
	fi
	rm -f /dd.test
	sync
	mount -o remount,ro / || echo "hv-guest: root: remount read-only failed"
fi
echo "hv-guest: poweroff"
poweroff -f
# Only reached if poweroff failed: a halt with interrupts off ends hv-run with status 5, not 0.
sleep 5
echo "hv-guest: poweroff failed"
