#!/bin/sh
# selftests/testbed/demo-init.sh: the /init of make demo's testbed initramfs (busybox sh; mkinitramfs.sh -i).
# Loads hv.ko and boots the testbed's own kernel again as a nested guest under hv-run, timed by linetime.
# Serial protocol, read by demo.sh:
#   # hv-demo: START kernel=<uname -r> svm=<yes|no>
#   # hv-demo: CMD <the hv-run command line>
#   ...the guest's console, with linetime's "# linetime: ..." lines...
#   # hv-demo: STATS BEGIN / STATS END     hv-run's stderr (--stats: run time, exits by reason)
#   # hv-demo: RESULT <what> <detail>       load_module, unload_module
#   # hv-demo: DONE
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo 4 >/proc/sys/kernel/printk 2>/dev/null

svm=no
grep -qw svm /proc/cpuinfo && svm=yes
echo
echo "# hv-demo: START kernel=$(uname -r) svm=$svm"
if out=$(insmod /hv.ko 2>&1); then
	echo "# hv-demo: RESULT load_module ok"
else
	echo "# hv-demo: RESULT load_module failed: $out"
fi

# The guest's root file system: an ext4 image of its own initramfs, marked /.hv-rootdisk, with
# room for the guest's dd. Its initramfs mounts it from virtio-blk and switches to it.
mkdir -p /tmp/root
(cd /tmp/root && gzip -dc /guest.gz | cpio -id 2>/dev/null)
: >/tmp/root/.hv-rootdisk
if ! out=$(/usr/sbin/mke2fs -q -t ext4 -L hvroot -d /tmp/root /tmp/root.img 128M 2>&1); then
	echo "# hv-demo: RESULT root_image failed: $out"
fi
rm -rf /tmp/root

# quiet: without it the guest's whole boot log crosses the emulated UART, one exit per byte.
cmdline="console=ttyS0 quiet panic=-1 hvguest=rootdisk"
# Two vCPUs: hv's local APICs, hv-run's I/O APIC and MADT (the guest says how many CPUs it saw).
args="--kernel /vmlinuz --initrd /guest.gz --disk /tmp/root.img --mem 256M --cpus 2 --stats"
echo "# hv-demo: CMD hv-run $args --cmdline '$cmdline'   (the testbed's own kernel, nested; root file system: ext4 on virtio-blk)"
# shellcheck disable=SC2086 # $args is split into words on purpose
set -- hv-run $args --cmdline "$cmdline"
# stdin from /dev/null: the guest needs no input, and hv-run must not put the console in raw mode.
linetime -m "hv-guest: init started" -- "$@" </dev/null 2>/tmp/hv-run.stderr
echo "# hv-demo: STATS BEGIN"
cat /tmp/hv-run.stderr
echo "# hv-demo: STATS END"

if out=$(rmmod hv 2>&1); then
	echo "# hv-demo: RESULT unload_module ok"
else
	echo "# hv-demo: RESULT unload_module failed: $out"
fi
# The same bad-line test as check.sh, with its allow list (advisories that merely contain "WARNING:").
dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' |
	grep -vE 'Speculative Return Stack Overflow: WARNING: See https|WARNING: Unprivileged eBPF is enabled' |
	sed 's/^/# hv-demo: KERNEL /'
echo "# hv-demo: DONE"
sync
poweroff -f
sleep 5
reboot -f
