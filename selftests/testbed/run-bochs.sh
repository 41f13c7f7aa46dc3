#!/bin/bash
# selftests/testbed/run-bochs.sh KVER INITRAMFS LOG [CPUS]
#   The VMX testbed's emulator: boots kernel KVER (vmlinuz from the kernel.sh cache) with INITRAMFS
#   under Bochs on a corei7_skylake_x CPU (vmx, ept, vpid, unrestricted guest), CPUS processors
#   (default 2), with the serial console written to LOG (and to stdout when HV_BOCHS_TEE=1).
#   Bochs has no -kernel option: the kernel and initramfs go on a FAT disk image booted by
#   SYSLINUX (no menu, no timeout, serial console). Debian's Bochs has its debugger built in, so it
#   is started with an rc file holding `c` (continue), and with the term display (nogui is not built)
#   and dummy sound (the default driver aborts).
#   The run ends when the guest has printed "# hv-test: DONE" (Bochs is stopped 2 s later if the
#   guest's power-off has not ended it yet: with 2 CPUs the power-off alone costs Bochs half a
#   minute of emulated idle time), when Bochs dies, when the kernel panics or reboots (Bochs would
#   boot again forever: it has no -no-reboot), when the run stops making progress, or at the
#   overall cap. Bochs ignores SIGTERM (its term display only logs it), so it is stopped with
#   SIGKILL.
#   Progress, not one wall-clock figure, bounds the run: how long a run takes depends on the
#   machine (the same run took 640 s on an idle machine and more than 900 s on a busy one), how
#   long one step may take much less. Every "# hv-test:" marker (START, BEGIN, END, RESULT,
#   INFO...) and every KTAP result line ("ok N ...", "not ok N ...") is progress, and before /init
#   the boot loader's banner and each kernel log line (the console shows only warnings then: the
#   loader's disk reads and the kernel's boot are separate steps); the run is stopped when none
#   has come for HV_BOCHS_STALL seconds.
# Environment:
#   HV_BOCHS_STALL    seconds of wall time without progress (see above) after which the run is
#                     stopped (default 600: at least twice the longest step measured on a machine
#                     running 8-10 emulators and compilers on 2 cores; see docs/testing.md)
#   HV_BOCHS_TIMEOUT  overall wall-clock cap in seconds, only a guard against a run that keeps
#                     printing without ending (default 3600; the VMX run takes 4-6 minutes)
#   HV_BOCHS_MEM      guest memory in MiB (default 1024)
#   HV_BOCHS_CPU      Bochs CPU model (default corei7_skylake_x)
#   HV_BOCHS_IPS      emulated instructions per guest second (default 20000000). With
#                     `clock: sync=none` guest time is Bochs' tick count / ips. Debian's Bochs is
#                     built with its debugger, whose SMP loop runs each CPU 5 instructions at a
#                     time and advances time by 1 tick per round while all CPUs are halted: idle
#                     guest time (sleeps, waiting for the serial port, the BIOS' delays) costs
#                     wall time in proportion to ips. 20M measured fastest (boot to /init and a
#                     console-bound run: 400M 136 s and >477 s, 50M 80 s and 219 s, 20M 58 s and
#                     145 s, 10M 74 s and 166 s); it still leaves 80,000 instructions per 250 Hz
#                     timer tick. Guest timeouts and sleeps are in guest time, i.e. in ips units.
#   HV_BOCHS_APPEND   extra kernel command line words (e.g. hvtb_timeout=300)
# The kernel always gets clearcpuid=avx512f,xsavec,xsaves: Bochs 2.7's corei7_skylake_x has
#   XSAVE state it gets wrong. Its leaf 0xD places the AVX-512 components where their sizes do
#   not add up (the kernel warns "XSAVE consistency problem" and turns XSAVE off altogether), and
#   its compacted format (XSAVEC, XSAVES) writes the AVX state where the layout says it is not:
#   with the kernel's XSAVES a host task's YMM registers came back changed after a context switch,
#   and a guest's XSAVEC put garbage at the AVX offset. Without those three the host runs with
#   XSAVE, XSAVEOPT and AVX in the standard format, which Bochs does right, and hv can offer
#   XSAVE to guests there too (xsave_test in vmx.list).
#   HV_BOCHS_TEE=1    also copy the serial console to stdout as it comes
# Files: LOG.bochs/ holds disk.img, syslinux.cfg, bochsrc, bochs.log (Bochs' own log) and
#   bochs.out (its terminal output); LOG.times is a timeline in wall-clock seconds since Bochs
#   started: each "# hv-test:" START, PHASE, BEGIN, END, DMESG BEGIN and DONE line as it came, then
#   one summary line with the seconds at which the boot loader, the kernel, /init and the end of
#   the run were first seen (also printed on stderr at the end).
# Exit status: 0 when the guest powered off by itself, 1 on timeout, panic, reboot or a Bochs error
#   (a "# hv-test: BOCHS ..." line saying which is appended to LOG, as run-qemu.sh does).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/usr/sbin:/sbin	# mkfs.vfat

{ [ $# -ge 3 ] && [ $# -le 4 ]; } || hv_die "usage: run-bochs.sh KVER INITRAMFS LOG [CPUS]"
kver=$1
initrd=$2
log=$3
cpus=${4:-2}
limit=${HV_BOCHS_TIMEOUT:-3600}
stall=${HV_BOCHS_STALL:-600}
mem=${HV_BOCHS_MEM:-1024}
ips=${HV_BOCHS_IPS:-20000000}
"$HV_TESTBED_DIR/kernel.sh" "$kver" >/dev/null 2>&1 || hv_die "cannot fetch kernel $kver"
vmlinuz=$(hv_kdir "$kver")/root/boot/vmlinuz-$kver
[ -f "$initrd" ] || hv_die "no initramfs $initrd"
for c in bochs mkfs.vfat syslinux mcopy; do
	command -v "$c" >/dev/null || hv_die "$c is missing (run deps.sh)"
done
[ -f /usr/share/bochs/BIOS-bochs-latest ] || hv_die "bochsbios is missing (run deps.sh)"
[ -f /usr/share/bochs/VGABIOS-lgpl-latest ] ||
	hv_die "vgabios is missing (run deps.sh)"
mkdir -p "$(dirname "$log")"
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
work=$log.bochs
rm -rf "$work" "$log" "$log.times"
mkdir -p "$work"

# The boot disk: a FAT "superfloppy" (no partition table: the BIOS runs SYSLINUX's boot sector),
# just big enough for the files.
cat >"$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  APPEND initrd=initrd.gz console=ttyS0 quiet panic=-1 tsc=reliable clearcpuid=avx512f,xsavec,xsaves ${HV_BOCHS_APPEND:-}
EOF
kib=$((($(stat -c %s "$vmlinuz") + $(stat -c %s "$initrd")) / 1024 + 2048))
mkfs.vfat -C "$work/disk.img" "$kib" >/dev/null
syslinux --install "$work/disk.img"
mcopy -i "$work/disk.img" "$vmlinuz" ::vmlinuz
mcopy -i "$work/disk.img" "$initrd" ::initrd.gz
mcopy -i "$work/disk.img" "$work/syslinux.cfg" ::syslinux.cfg

cat >"$work/bochsrc" <<EOF
megs: $mem
cpu: model=${HV_BOCHS_CPU:-corei7_skylake_x}, count=$cpus, ips=$ips, reset_on_triple_fault=1
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=disk, path=$work/disk.img, mode=flat
boot: disk
com1: enabled=1, mode=file, dev=$log
display_library: term
clock: sync=none, time0=local
log: $work/bochs.log
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
EOF
echo c >"$work/cont.rc"
: >"$log"

note() { # a line in LOG for check.sh, and on stderr
	printf '\n# hv-test: BOCHS %s\n' "$*" >>"$log"
	hv_log "Bochs ($kver): $*"
}

start=$(date +%s)
# The term display wants a terminal type (CI has none; xterm's entry is in ncurses-base, always
# installed); its screen output is of no use (the console is serial).
TERM=xterm timeout -s KILL "$limit" bochs -q -f "$work/bochsrc" -rc "$work/cont.rc" \
	</dev/null >"$work/bochs.out" 2>&1 &
bpid=$!
stop_bochs() { # the child of timeout is bochs-bin (the bochs wrapper execs it)
	local c
	c=$(pgrep -P "$bpid" || true)
	[ -z "$c" ] || kill -KILL $c 2>/dev/null || true
}
if [ "${HV_BOCHS_TEE:-0}" = 1 ]; then
	tail -n +1 -f --pid="$bpid" "$log" &
fi

# Built with its debugger, Bochs draws the term display into a pseudo-terminal it opens itself
# ("Bochs connected to screen /dev/pts/N") and expects someone to read it; once that terminal's
# buffer is full, Bochs blocks in write() and the guest stops. Read and drop the screen.
pts=""
for _ in $(seq 1 100); do
	pts=$(sed -n 's/^Bochs connected to screen "\(\/dev\/pts\/[0-9]*\)".*/\1/p' "$work/bochs.out" | head -n1)
	[ -n "$pts" ] || ! kill -0 "$bpid" 2>/dev/null && break
	sleep 0.1
done
drain=""
if [ -n "$pts" ] && [ -c "$pts" ]; then
	cat "$pts" >/dev/null 2>&1 &
	drain=$!
else
	hv_log "warning: no Bochs screen terminal found in $work/bochs.out; the run may stall"
fi

# Watch the serial log once a second: record when each stage appears, and stop Bochs when the
# kernel panicked or the machine started over (a second SYSLINUX banner).
declare -A seen=()
lines=0
marks=(loader:SYSLINUX "kernel:Linux version|^\\[ +[0-9]" "init:# hv-test: START" "done:# hv-test: DONE")
why=""
stopped_after_done=0
progress=0		# seconds since start at which the last progress line came
last_step="boot"	# what that line was, for the message
while kill -0 "$bpid" 2>/dev/null; do
	sleep 1
	now=$(($(date +%s) - start))
	for m in "${marks[@]}"; do
		k=${m%%:*}
		[ -z "${seen[$k]:-}" ] && grep -aqE "${m#*:}" "$log" && seen[$k]=$now
	done
	# Complete lines only (wc counts newlines), so no marker is read in two halves.
	n=$(wc -l <"$log")
	if [ "$n" -gt "$lines" ]; then
		new=$(sed -n "$((lines + 1)),${n}p" "$log" | tr -d '\r')
		printf '%s\n' "$new" | grep -aE '^# hv-test: (START|PHASE|BEGIN|END|DMESG BEGIN|DONE)' |
			sed "s/^/${now}s /" >>"$log.times" || true
		progress_re='^(# hv-test: |(not )?ok [0-9]+ )'
		# Before /init: the loader and kernel lines too (after it the console shows only
		# emergencies, and a soft lockup repeating itself must not count as progress).
		[ -n "${seen[init]:-}" ] || progress_re='^(# hv-test: |SYSLINUX |\[ *[0-9]+\.[0-9]+\] )'
		step=$(printf '%s\n' "$new" | grep -aE "$progress_re" | tail -n 1 || true)
		if [ -n "$step" ]; then
			progress=$now
			last_step=$step
		fi
		lines=$n
	fi
	if [ -z "$why" ] && grep -aqE 'Kernel panic - not syncing|^-+\[ end Kernel panic' "$log"; then
		why="kernel panic after ${now}s"
	elif [ -z "$why" ] && [ "$(grep -ac 'SYSLINUX [0-9]' "$log")" -gt 1 ]; then
		why="the machine rebooted after ${now}s"
	elif [ -z "$why" ] && [ $((now - progress)) -ge "$stall" ]; then
		why="no progress for ${stall}s (HV_BOCHS_STALL) after ${now}s; last step: ${last_step:0:120}"
	fi
	if [ -n "$why" ]; then
		sleep 2
		stop_bochs
		break
	fi
	if [ -n "${seen[done]:-}" ] && [ $((now - seen[done])) -ge 2 ]; then
		stopped_after_done=1
		stop_bochs
		break
	fi
done
rc=0
wait "$bpid" 2>/dev/null || rc=$?	# no "Killed" notice from the shell
[ -z "$drain" ] || kill "$drain" 2>/dev/null || true
secs=$(($(date +%s) - start))
times="loader=${seen[loader]:--}s kernel=${seen[kernel]:--}s init=${seen[init]:--}s done=${seen[done]:--}s end=${secs}s"
echo "$times" >>"$log.times"
hv_log "Bochs ($kver, $cpus CPUs) wall clock: $times"

# Bochs ends an ACPI soft power-off through its panic path: status 1 and this line in its log.
if [ -n "$why" ]; then
	note "STOPPED: $why"
	exit 1
elif [ "$stopped_after_done" = 1 ] || grep -q 'ACPI control: soft power off' "$work/bochs.log" 2>/dev/null; then
	exit 0
elif [ "$rc" -eq 137 ]; then
	note "TIMEOUT after ${secs}s"
	exit 1
else
	note "EXIT status $rc after ${secs}s without a power-off: $(grep -a -m1 -E '>>PANIC<<|ERROR' "$work/bochs.log" 2>/dev/null || tail -n 1 "$work/bochs.out")"
	exit 1
fi
