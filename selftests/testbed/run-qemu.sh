#!/bin/bash
# selftests/testbed/run-qemu.sh KVER INITRAMFS LOG [SMP]
#   Boots kernel KVER (vmlinuz from the kernel.sh cache) with INITRAMFS under QEMU TCG on an EPYC CPU
#   (svm, npt), SMP vCPUs (default 2), with the serial console written to LOG (and to stdout too
#   when HV_QEMU_TEE=1). QEMU runs with -no-reboot and the kernel with panic=-1, so poweroff, a
#   panic and a triple fault all end the run: QEMU pauses (-action shutdown=pause), and this script
#   has it quit, after writing each CPU's state to LOG ("# hv-test: QEMU SHUTDOWN before DONE")
#   when /init had not finished.
# Environment:
#   HV_QEMU_TIMEOUT   wall-clock limit in seconds (default 2400: the debug series with every Linux case of vmm_test); QEMU is killed after it
#   HV_QEMU_STALL     seconds of wall time without console output (default 300) after which the
#                     test host counts as dead and QEMU is stopped: while a test binary runs,
#                     /init prints a heartbeat every HVTB_HEARTBEAT guest seconds (check.sh sets
#                     20), so only a test host that stopped scheduling, or a hung QEMU, is silent
#                     that long. Each vCPU's RIP is read through QEMU's monitor first.
#   HV_QEMU_MEM       guest memory in MiB (default 2048; with 1 GiB pages, below, 1024 more a
#                     page and 2048 of headroom)
#   HV_QEMU_1G_PAGES  1 GiB huge pages the test host reserves at boot (hugepagesz=1G hugepages=N,
#                     default 1: mem_hugetlb_test's 1 GiB points; a 1 GiB page of a host that has
#                     run a while is rarely to be had, and Debian's kernels have no CMA for one).
#                     The boot-time reservation needs a whole free 1 GiB-aligned range, and on
#                     2 GiB + 1 GiB there is none for sure: QEMU puts the initrd just below 2 GiB,
#                     the kernel's early allocations (page tables, KASAN's shadow) go top-down from
#                     the end of RAM, and KASLR may put the kernel anywhere. 2 GiB of headroom
#                     leaves two candidate ranges, of which the kernel image can block one.
#   HV_QEMU_CPU       -cpu model (default EPYC)
#   HV_QEMU_APPEND    extra kernel command line words (e.g. hvtb_timeout=300)
#   HV_QEMU_ACCEL     -accel value (default tcg). Multi-threaded TCG (QEMU 7.2 and 10.0) falls out
#                     of step between nested SVM guest and host state now and then;
#                     tcg,thread=single avoids that but has failures of its own: docs/testing.md,
#                     "stress_test".
# Exit status: 0 when the test host shut down (powered off, panicked or triple-faulted),
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
limit=${HV_QEMU_TIMEOUT:-2400}
"$HV_TESTBED_DIR/kernel.sh" "$kver" >/dev/null 2>&1 || hv_die "cannot fetch kernel $kver"
vmlinuz=$(hv_kdir "$kver")/root/boot/vmlinuz-$kver
[ -f "$initrd" ] || hv_die "no initramfs $initrd"
command -v qemu-system-x86_64 >/dev/null || hv_die "qemu-system-x86_64 is missing (run deps.sh)"
mkdir -p "$(dirname "$log")"

stall=${HV_QEMU_STALL:-300}
[[ "$stall" =~ ^[1-9][0-9]*$ ]] || hv_die "HV_QEMU_STALL must be a number of seconds"
# The monitor on two FIFOs, held open here read-write (so neither side blocks while the other is
# away). With -action shutdown=pause a test host that powers off, panics (panic=-1) or
# triple-faults (-no-reboot makes its reset a shutdown) stays paused with its CPUs' last state:
# the watch below reads that state when the run had not finished, then quits QEMU.
mon=$log.mon
rm -f "$mon.in" "$mon.out"
mkfifo "$mon.in" "$mon.out"
exec 7<>"$mon.out" 8<>"$mon.in"
gig=${HV_QEMU_1G_PAGES:-1}
[[ "$gig" =~ ^[0-9]+$ ]] || hv_die "HV_QEMU_1G_PAGES must be a number of pages"
huge=""
[ "$gig" = 0 ] || huge="hugepagesz=1G hugepages=$gig"
args=(-accel "${HV_QEMU_ACCEL:-tcg}" -cpu "${HV_QEMU_CPU:-EPYC}" -smp "$smp"
	-m "${HV_QEMU_MEM:-$((2048 + (gig > 0 ? 1024 * gig + 2048 : 0)))}"
	-nodefaults -nographic -no-reboot -action shutdown=pause -serial stdio -monitor "pipe:$mon"
	-kernel "$vmlinuz" -initrd "$initrd"
	-append "console=ttyS0 quiet panic=-1 sysrq_always_enabled $huge ${HV_QEMU_APPEND:-}")

# A monitor command's output: what came back until it was quiet for half a second.
monitor() { # COMMAND
	local line out=""
	while IFS= read -r -t 0.1 -u 7 line; do :; done	# earlier output (the banner, prompts)
	printf '%s\n' "$1" >&8
	while IFS= read -r -t 0.5 -u 7 line || [ -n "$line" ]; do
		out+=$line$'\n'
		line=""
	done
	printf '%s' "$out" | tr -d '\r'
}

# Each vCPU's state as "# hv-test: INFO qemu CPU#n ..." lines: RIP, flags, CPL and halt state; with
# "full", also CS, the descriptor tables, the control registers and EFER (for a host that died).
vcpu_states() { # [full]
	monitor "info registers -a" | awk -v full="${1:-}" '
	/^CPU#[0-9]+/ { cpu = $1 }
	/^RIP=/ { print "# hv-test: INFO qemu " cpu, $1, $2, $4, $NF; next }
	full != "" && /^(CS |GDT=|IDT=|CR0=|EFER=)/ { gsub(/  +/, " "); print "# hv-test: INFO qemu " cpu " " $0 }'
}

# Before a stuck test host is stopped: the kernel's own view of it, through magic SysRq keys on
# QEMU's keyboard (sysrq_always_enabled above): a backtrace of every CPU (l: by NMI, so a CPU that
# does not answer is itself the news), the blocked tasks (w) and the running ones' state. Printed
# after the "# hv-test: QEMU STALL/TIMEOUT" line, which kernel_log_bad() (logcheck.sh) stops at:
# these traces are evidence, not complaints of the kernel's.
sysrq_dump() {
	local key
	# The traces are not all of warning level: every message to the console from now on (8).
	monitor "sendkey alt-sysrq-8" >/dev/null
	for key in l w; do
		monitor "sendkey alt-sysrq-$key" >/dev/null
		sleep 4
	done
}

start=$(date +%s)
: >"$log"
# The watch below stops QEMU at the limit, after reading its state; timeout(1) is the backstop.
# Appending: the watch adds its own lines to the log while QEMU still writes to it.
timeout -k 10 $((limit + 30)) qemu-system-x86_64 "${args[@]}" </dev/null >>"$log" 2>"$log.qemu" &
qpid=$!
tailpid=""
if [ "${HV_QEMU_TEE:-0}" = 1 ]; then
	tail -n +1 -f --pid="$qpid" "$log" &
	tailpid=$!
fi
# The watch, every 2 s: the console log's size (the stall limit), and, whenever it did not move,
# whether the test host has shut down (then QEMU is told to quit).
size=0
moved=$start
stalled=""
timed_out=""
while kill -0 "$qpid" 2>/dev/null; do
	sleep 2
	now=$(date +%s)
	if [ $((now - start)) -ge "$limit" ]; then
		timed_out=$((now - start))
		{
			printf "\n# hv-test: QEMU TIMEOUT after %ss; its CPUs then:\n" "$timed_out"
			vcpu_states full
		} >>"$log"
		sysrq_dump
		kill "$qpid" 2>/dev/null || true
		break
	fi
	cur=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if [ "$cur" != "$size" ]; then
		size=$cur
		moved=$now
		continue
	fi
	if monitor "info status" | grep -q 'paused (shutdown)'; then
		if ! grep -aq '^# hv-test: DONE' "$log"; then
			{
				printf "\n# hv-test: QEMU SHUTDOWN before DONE after %ss: the test host powered off, panicked or triple-faulted; its CPUs then:\n" $((now - start))
				vcpu_states full
			} >>"$log"
		fi
		monitor quit >/dev/null
		break
	fi
	if [ $((now - moved)) -ge "$stall" ] && kill -0 "$qpid" 2>/dev/null; then
		stalled="no console output for $((now - moved))s after $((now - start))s"
		{
			printf "\n# hv-test: QEMU STALL: %s (HV_QEMU_STALL)\n" "$stalled"
			vcpu_states
		} >>"$log"
		sysrq_dump
		kill "$qpid" 2>/dev/null || true
		break
	fi
done
rc=0
wait "$qpid" || rc=$?
[ -z "$tailpid" ] || wait "$tailpid" 2>/dev/null || true
exec 7>&- 8>&-
rm -f "$mon.in" "$mon.out"
secs=$(($(date +%s) - start))
if [ -n "$stalled" ]; then
	hv_log "QEMU ($kver) stopped: the test host stalled ($stalled); serial log: $log"
	exit 3
elif [ -n "$timed_out" ] || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	[ -n "$timed_out" ] || printf "\n# hv-test: QEMU TIMEOUT after %ss\n" "$secs" >>"$log"
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
