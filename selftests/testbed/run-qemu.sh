#!/bin/bash
# selftests/testbed/run-qemu.sh KVER INITRAMFS LOG [SMP]
#   Boots kernel KVER (vmlinuz from the kernel.sh cache) with INITRAMFS under QEMU TCG on an EPYC CPU
#   (svm, npt), SMP vCPUs (default 2), with the serial console written to LOG (and to stdout too
#   when HV_QEMU_TEE=1). QEMU runs with -no-reboot and the kernel with panic=-1, so both poweroff
#   and a panic end the run.
# Environment:
#   HV_QEMU_TIMEOUT   wall-clock limit in seconds (default 1200); QEMU is killed after it
#   HV_QEMU_STALL     seconds of wall time without console output (default 300) after which the
#                     test host counts as dead and QEMU is stopped: while a test binary runs,
#                     /init prints a heartbeat every HVTB_HEARTBEAT guest seconds (check.sh sets
#                     20), so only a test host that stopped scheduling, or a hung QEMU, is silent
#                     that long. Each vCPU's RIP is read through QEMU's monitor first.
#   HV_QEMU_MEM       guest memory in MiB (default 2048)
#   HV_QEMU_CPU       -cpu model (default EPYC)
#   HV_QEMU_APPEND    extra kernel command line words (e.g. hvtb_timeout=300)
#   HV_QEMU_ACCEL     -accel value (default tcg). Multi-threaded TCG (QEMU 7.2 and 10.0) falls out
#                     of step between nested SVM guest and host state now and then;
#                     tcg,thread=single avoids that but has failures of its own: docs/testing.md,
#                     "stress_test".
# Exit status: 0 when QEMU ended by itself (poweroff, or a reset of the test host: -no-reboot),
# 1 on timeout or a QEMU error, 3 when the console stalled (HV_QEMU_STALL), 4 when QEMU itself
# died of a signal (a crash of the emulator, which no guest can cause). QEMU's own messages (e.g.
# the TCG nrip-save warning) go to LOG.qemu.
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

stall=${HV_QEMU_STALL:-300}
[[ "$stall" =~ ^[1-9][0-9]*$ ]] || hv_die "HV_QEMU_STALL must be a number of seconds"
# The monitor on two FIFOs (QEMU opens them read-write, so nothing blocks while nobody reads):
# the stall report asks it for each vCPU's registers.
mon=$log.mon
rm -f "$mon.in" "$mon.out"
mkfifo "$mon.in" "$mon.out"
args=(-accel "${HV_QEMU_ACCEL:-tcg}" -cpu "${HV_QEMU_CPU:-EPYC}" -smp "$smp" -m "${HV_QEMU_MEM:-2048}"
	-nodefaults -nographic -no-reboot -serial stdio -monitor "pipe:$mon"
	-kernel "$vmlinuz" -initrd "$initrd"
	-append "console=ttyS0 quiet panic=-1 ${HV_QEMU_APPEND:-}")

# Each vCPU's RIP, flags and halt state from the monitor (one line per vCPU), for a stall report.
vcpu_states() {
	local out
	exec 7<>"$mon.out" 8<>"$mon.in"
	# Whatever the monitor printed so far (its banner) is read and dropped first.
	timeout 1 cat <&7 >/dev/null || true
	echo "info registers -a" >&8
	out=$(timeout 3 cat <&7 || true)
	exec 7>&- 8>&-
	printf '%s\n' "$out" | tr -d '\r' | awk '/^CPU#[0-9]+/ { cpu = $1 } /^RIP=/ { print cpu, $1, $2, $4, $NF }'
}

start=$(date +%s)
: >"$log"
timeout -k 10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null >"$log" 2>"$log.qemu" &
qpid=$!
tailpid=""
if [ "${HV_QEMU_TEE:-0}" = 1 ]; then
	tail -n +1 -f --pid="$qpid" "$log" &
	tailpid=$!
fi
# The stall watch: the console log's size, every 5 s.
size=0
moved=$start
stalled=""
while kill -0 "$qpid" 2>/dev/null; do
	sleep 5
	now=$(date +%s)
	cur=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if [ "$cur" != "$size" ]; then
		size=$cur
		moved=$now
	elif [ $((now - moved)) -ge "$stall" ] && kill -0 "$qpid" 2>/dev/null; then
		stalled="no console output for $((now - moved))s after $((now - start))s"
		{
			printf "\n# hv-test: QEMU STALL: %s (HV_QEMU_STALL)\n" "$stalled"
			vcpu_states | sed 's/^/# hv-test: INFO qemu /'
		} >>"$log"
		kill "$qpid" 2>/dev/null || true
		break
	fi
done
rc=0
wait "$qpid" || rc=$?
[ -z "$tailpid" ] || wait "$tailpid" 2>/dev/null || true
rm -f "$mon.in" "$mon.out"
secs=$(($(date +%s) - start))
if [ -n "$stalled" ]; then
	hv_log "QEMU ($kver) stopped: the test host stalled ($stalled); serial log: $log"
	exit 3
elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	printf "\n# hv-test: QEMU TIMEOUT after %ss\n" "$secs" >>"$log"
	hv_die "QEMU ($kver) killed after the ${limit}s wall-clock limit; serial log: $log"
elif [ "$rc" -gt 128 ]; then
	# timeout(1) passes on its child's death by a signal as 128 + the signal.
	printf "\n# hv-test: QEMU CRASHED: killed by signal %s after %ss\n" $((rc - 128)) "$secs" >>"$log"
	cat "$log.qemu" >&2
	hv_log "QEMU ($kver) died of signal $((rc - 128)) after ${secs}s; serial log: $log"
	exit 4
elif [ "$rc" -ne 0 ]; then
	cat "$log.qemu" >&2
	hv_die "QEMU ($kver) failed with status $rc after ${secs}s; serial log: $log"
fi
hv_log "QEMU $(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version //p') ($kver, smp $smp) ran ${secs}s"
