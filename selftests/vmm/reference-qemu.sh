#!/bin/bash
# selftests/vmm/reference-qemu.sh [GUEST...]   (default: every test kernel)
#   Runs hv-run's test kernels under plain QEMU (TCG, its own multiboot loader, SeaBIOS, QEMU's
#   16550A/8259/8254/MC146818/i8042 models) as a reference: it checks the *tests*, not hv-run.
#   A new guest test should pass here before it is used to judge hv-run's devices.
#   QEMU's isa-debug-exit device on port 0xf4 turns the exit value V into status (V << 1) | 1;
#   an i8042 reset or triple fault ends QEMU (-no-reboot) with status 0; cli;hlt hangs (timeout).
#   Runs on the build machine; loads nothing into its kernel.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
out=${OUTPUT:-$PWD/../../build/vmm-reference}
make -s OUTPUT="$out" guests || exit 1
[ $# -gt 0 ] || set -- uart timer cmos exit reset triple halt fwcfg

# expected QEMU status for each guest: (code << 1) | 1 for the exit device, 0 when QEMU stops the
# machine itself, 124 when only the timeout can end it
declare -A want=([uart]=1 [timer]=1 [cmos]=1 [exit]=$(((0x1c07 & 0xff) << 1 | 1)) [reset]=0
	[triple]=0 [halt]=124)
declare -A args=([exit]="code=0x1c07 width=2" [fwcfg]="mem_mib=32 cpus=1")
fail=0
for g in "$@"; do
	log=$out/$g.qemu.log
	# The UART test waits for its prompt before it expects input; two bytes after a pause suffice here.
	feed=(true)
	[ "$g" = uart ] && feed=(eval 'sleep 2; printf hv; sleep 8')
	"${feed[@]}" | timeout 20 qemu-system-x86_64 -accel tcg -nodefaults -nographic \
		-no-reboot -serial stdio -monitor none -m 32 -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$out/guests/$g.elf" -append "${args[$g]:-}" >"$log" 2>&1
	rc=${PIPESTATUS[1]}
	if [ "$rc" = "${want[$g]:-1}" ] && ! grep -q '^not ok' "$log"; then
		echo "ok $g (status $rc)"
	else
		echo "not ok $g: status $rc (want ${want[$g]:-1}), log $log"
		grep -a '^not ok' "$log" | sed 's/^/#   /'
		fail=1
	fi
done
exit $fail
