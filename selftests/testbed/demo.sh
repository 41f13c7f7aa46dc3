#!/bin/bash
# selftests/testbed/demo.sh [SERIES]     (default 6.12; or 6.1): what `make demo` runs.
#   Inside the SVM testbed (Debian's kernel SERIES under QEMU TCG, -cpu EPYC), hv.ko is loaded and
#   hv-run boots that same kernel again as a nested guest with two vCPUs and its root file system
#   on virtio-blk: an ext4 image the testbed makes of the guest's busybox initramfs, which the
#   initramfs's /init (selftests/vmm/guest-init.sh) mounts from /dev/vda and switches to. From the
#   disk, the guest prints `uname -a`, its /proc/cpuinfo model line, how many CPUs it has, `mount`,
#   and the rate of a 64 MiB dd written (synced) and read back through its root, and powers off:
#       hv-run --kernel /vmlinuz --initrd /guest.gz --disk /tmp/root.img --mem 256M --cpus 2 --stats ...
#   Then prints the guest's output, the time from hv-run's start to the guest's /init (measured in
#   the testbed by linetime, when the init's first line reaches hv-run's stdout), the exits by reason
#   (hv-run --stats) and the wall time of each step.
#   Exit status 0 only if the guest's /init really ran, its root was ext4 on /dev/vda, it printed its
#   uname line and both dd rates, saw both CPUs, and hv-run exited 0 (the guest powered off); 1
#   otherwise. Everything is in build/demo/ (serial log: demo.log).
# Environment: HV_SKIP_DEPS=1 (do not run deps.sh), HV_DEMO_OUT (instead of build/demo),
#   HV_QEMU_TIMEOUT (default 600 here), HV_QEMU_TEE=1 (show the testbed's console live).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

series=${1:-6.12}
out=${HV_DEMO_OUT:-$HV_REPO_DIR/build/demo}
tb=$HV_TESTBED_DIR
mkdir -p "$out"
exec 9>"$out/.lock"
flock -n 9 || { echo "demo: waiting for another make demo using $out"; flock 9; }

step() { printf 'demo: %-44s' "$1..."; }
t_all=$(date +%s)
[ "${HV_SKIP_DEPS:-0}" = 1 ] || "$tb/deps.sh" || hv_die "deps.sh failed"

step "kernel $series (download once, cached)"
t=$(date +%s)
kver=$("$tb/kernel.sh" "$series" 2>"$out/kernel.log") || { cat "$out/kernel.log" >&2; hv_die "no $series kernel"; }
echo " $kver, $(($(date +%s) - t))s"

step "hv.ko for $kver"
t=$(date +%s)
hvko=$("$tb/build-module.sh" "$kver" "$out/module") || hv_die "hv.ko did not build"
echo " $(($(date +%s) - t))s"

step "hv-run, test kernels, guest initramfs"
t=$(date +%s)
"$tb/build-vmm.sh" "$out/vmm" || hv_die "hv-run did not build"
echo " $(($(date +%s) - t))s"

step "testbed initramfs"
"$tb/mkinitramfs.sh" -m "$hvko" -V "$out/vmm" -i "$tb/demo-init.sh" "$kver" "$out/initrd.gz"
echo " $(du -k "$out/initrd.gz" | cut -f1) KiB"

step "testbed boot (QEMU TCG, EPYC), nested guest"
t=$(date +%s)
log=$out/demo.log
rm -f "$log"
HV_QEMU_TIMEOUT=${HV_QEMU_TIMEOUT:-600} "$tb/run-qemu.sh" "$kver" "$out/initrd.gz" "$log" 2 2>"$out/qemu.err" ||
	{ echo; cat "$out/qemu.err" >&2; }
echo " $(($(date +%s) - t))s"
tr -d '\r' <"$log" >"$log.txt"

# What the testbed reported.
field() { sed -n "s/^# hv-demo: $1 //p" "$log.txt" | head -n1; }
echo
echo "== testbed: $(field START)"
echo "== \$ $(field CMD)"
echo "== the nested guest's console (hv-run's stdout):"
sed -n '/^# hv-demo: CMD /,/^# hv-demo: STATS BEGIN/p' "$log.txt" | sed '1d;$d' | { grep -v '^# linetime:' || true; } |
	sed 's/^/   | /'
echo "== hv-run's report (--stats, on its stderr):"
sed -n '/^# hv-demo: STATS BEGIN/,/^# hv-demo: STATS END/p' "$log.txt" | sed '1d;$d' | sed 's/^/   | /'

init_t=$(sed -n 's/^# linetime: "hv-guest: init started" after \([0-9.]*\) s$/\1/p' "$log.txt")
status=$(sed -n 's/^# linetime: exit status \([0-9]*\) after .*/\1/p' "$log.txt")
total_t=$(sed -n 's/^# linetime: exit status [0-9]* after \([0-9.]*\) s$/\1/p' "$log.txt")
uname_line=$(sed -n 's/^hv-guest: uname: //p' "$log.txt" | head -n1)
model_line=$(sed -n 's/^hv-guest: cpu: //p' "$log.txt" | head -n1)
cpus_line=$(sed -n 's/^hv-guest: cpus: //p' "$log.txt" | head -n1)

echo "== summary"
ok=1
if [ -n "$uname_line" ]; then
	echo "   guest uname -a:        $uname_line"
	echo "   guest cpuinfo:         $model_line"
	echo "   guest CPUs:            ${cpus_line:-not reported}"
	case "$cpus_line" in
	"2 online"*) ;;
	*) echo "   the guest did not see the 2 CPUs hv-run gave it"; ok=0 ;;
	esac
	root_line=$(sed -n 's/^hv-guest: root: //p' "$log.txt" | head -n1)
	dd_write=$(sed -n 's/^hv-guest: dd write: //p' "$log.txt" | head -n1)
	dd_read=$(sed -n 's/^hv-guest: dd read: //p' "$log.txt" | head -n1)
	echo "   guest root:            ${root_line:-not reported}"
	case "$root_line" in
	"/dev/vda / ext4 "*) ;;
	*) echo "   the guest's root file system was not ext4 on virtio-blk (/dev/vda)"; ok=0 ;;
	esac
	echo "   guest dd, 64 MiB:      write+fsync ${dd_write:-not reported}; read ${dd_read:-not reported}"
	[ -n "$dd_write" ] && [ -n "$dd_read" ] || ok=0
else
	echo "   the guest never printed its uname line"
	ok=0
fi
if [ -n "$init_t" ]; then
	echo "   hv-run start -> guest /init: ${init_t} s (testbed clock; QEMU TCG, nested)"
else
	echo "   the guest's /init never started"
	ok=0
fi
if [ "${status:-x}" = 0 ]; then
	echo "   hv-run exited 0 (guest powered off) after ${total_t} s"
else
	echo "   hv-run exit status: ${status:-none (did it run?)}"
	ok=0
fi
grep -E '^# hv-demo: (RESULT|KERNEL) ' "$log.txt" | sed 's/^# hv-demo: /   testbed: /'
grep -q '^# hv-demo: RESULT load_module ok' "$log.txt" || ok=0
grep -q '^# hv-demo: KERNEL ' "$log.txt" && ok=0
grep -q '^# hv-demo: DONE' "$log.txt" || { echo "   the testbed did not finish (see $log)"; ok=0; }
echo "   make demo took $(($(date +%s) - t_all)) s wall; serial log: $log"
if [ $ok = 1 ]; then
	echo "demo: ok"
	exit 0
fi
echo "demo: FAILED"
exit 1
