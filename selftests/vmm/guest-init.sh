#!/bin/sh
# selftests/vmm/guest-init.sh: /init of the busybox initramfs that hv-run boots with the testbed's
# own kernel (vmm_test's linux_boot and make demo). Prints fixed "hv-guest: " lines that the tests
# look for, then powers off: hv-run must exit 0 only because the guest asked for it.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "hv-guest: init started"
echo "hv-guest: uname: $(uname -a)"
echo "hv-guest: cpu: $(grep -m1 '^model name' /proc/cpuinfo)"
echo "hv-guest: uptime $(cut -d' ' -f1 /proc/uptime) s (guest clock)"
echo "hv-guest: poweroff"
poweroff -f
# Only reached if poweroff failed: a halt with interrupts off ends hv-run with status 5, not 0.
sleep 5
echo "hv-guest: poweroff failed"
