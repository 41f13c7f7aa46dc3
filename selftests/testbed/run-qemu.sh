#!/bin/bash
# selftests/testbed/run-qemu.sh KVER INITRAMFS LOG [SMP]
#   Boots kernel KVER (vmlinuz from the kernel.sh cache) with INITRAMFS under QEMU TCG on an EPYC CPU
#   (svm, npt), SMP vCPUs (default 2), with the serial console written to LOG (and to stdout too
#   when HV_QEMU_TEE=1). QEMU runs with -no-reboot and the kernel with panic=-1, so both poweroff
#   and a panic end the run.
# Environment:
#   HV_QEMU_TIMEOUT   wall-clock limit in seconds (default 1200); QEMU is killed after it
#   HV_QEMU_MEM       guest memory in MiB (default 2048)
#   HV_QEMU_CPU       -cpu model (default EPYC)
#   HV_QEMU_APPEND    extra kernel command line words (e.g. hvtb_timeout=300)
#   HV_QEMU_ACCEL     -accel value (default tcg). Multi-threaded TCG (QEMU 7.2 and 10.0) falls out
#                     of step between nested SVM guest and host state now and then;
#                     tcg,thread=single avoids that but has failures of its own: docs/testing.md,
#                     "stress_test".
# Exit status: 0 when QEMU ended by itself, 1 on timeout or a QEMU error. QEMU's own messages
# (e.g. the TCG nrip-save warning) go to LOG.qemu.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

{ [ $# -ge 3 ] && [ $# -le 4 ]; } || hv_die "usage: run-qemu.sh KVER INITRAMFS LOG [SMP]"
kver=$1
initrd=$2
log=$3
smp=${4:-2}
limit=${HV_QEMU_TIMEOUT:-1200}
"$HV_TESTBED_DIR/kernel.sh" "$kver" >/dev/null 2>&1 || hv_die "cannot fetch kernel $kver"
vmlinuz=$(hv_kdir "$kver")/root/boot/vmlinuz-$kver
[ -f "$initrd" ] || hv_die "no initramfs $initrd"
command -v qemu-system-x86_64 >/dev/null || hv_die "qemu-system-x86_64 is missing (run deps.sh)"
mkdir -p "$(dirname "$log")"

args=(-accel "${HV_QEMU_ACCEL:-tcg}" -cpu "${HV_QEMU_CPU:-EPYC}" -smp "$smp" -m "${HV_QEMU_MEM:-2048}"
	-nodefaults -nographic -no-reboot -serial stdio -monitor none
	-kernel "$vmlinuz" -initrd "$initrd"
	-append "console=ttyS0 quiet panic=-1 ${HV_QEMU_APPEND:-}")

start=$(date +%s)
rc=0
if [ "${HV_QEMU_TEE:-0}" = 1 ]; then
	timeout -k 10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null 2>"$log.qemu" | tee "$log" ||
		rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null >"$log" 2>"$log.qemu" || rc=$?
fi
secs=$(($(date +%s) - start))
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	printf "\n# hv-test: QEMU TIMEOUT after %ss\n" "$secs" >>"$log"
	hv_die "QEMU ($kver) killed after the ${limit}s wall-clock limit; serial log: $log"
elif [ "$rc" -ne 0 ]; then
	cat "$log.qemu" >&2
	hv_die "QEMU ($kver) failed with status $rc after ${secs}s; serial log: $log"
fi
hv_log "QEMU $(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version //p') ($kver, smp $smp) ran ${secs}s"
