#!/bin/bash
# selftests/testbed/build-vmm.sh OUTDIR
#   Builds what the testbed needs to run the hv-run VMM, out of the source tree, into OUTDIR:
#     OUTDIR/hv-run          userspace-vmm (static; make -C userspace-vmm OUT=OUTDIR)
#     OUTDIR/hv-info         userspace-vmm's host check (static), run by /init after hv.ko loads
#     OUTDIR/hv-stat         userspace-vmm's live exit statistics (static), for vmm_test
#     OUTDIR/vmm_test        the VMM selftest (KTAP), OUTDIR/linetime (make demo's timer)
#     OUTDIR/guests/*.elf    the multiboot test kernels (selftests/vmm/guests)
#     OUTDIR/guest.gz        the Linux guest's busybox initramfs (selftests/vmm/mkguest.sh), with
#                            the virtio modules of every cached testbed kernel
#   mkinitramfs.sh -V OUTDIR puts them into the testbed initramfs. The build log is OUTDIR/build.log.
#   Fails on any build error (warnings are errors in both Makefiles).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || hv_die "usage: build-vmm.sh OUTDIR"
mkdir -p "$1"
out=$(cd "$1" && pwd)
log=$out/build.log
: >"$log"
step() { # step WHAT COMMAND...: run, log, and fail with the log's tail
	local what=$1
	shift
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		hv_die "$what failed, log: $log"
	fi
}
step "hv-run build" make -C "$HV_REPO_DIR/userspace-vmm" -j2 OUT="$out"
step "selftests/vmm build" make -C "$HV_REPO_DIR/selftests/vmm" -j2 OUTPUT="$out"
# The guest's virtio modules for every testbed kernel (fetched now if need be; the debug kernel
# has virtio built in). The guest's /init loads those of the kernel it runs.
for series in 6.1 6.12; do "$HV_TESTBED_DIR/kernel.sh" "$series" >/dev/null 2>>"$log" || true; done
moddirs=()
for d in "$HV_CACHE"/kernels/*/root/lib/modules/*; do [ -d "$d/kernel" ] && moddirs+=("$d"); done
step "guest initramfs" "$HV_REPO_DIR/selftests/vmm/mkguest.sh" "$out/guest.gz" "${moddirs[@]}"
for b in hv-run hv-info hv-stat; do
	if readelf -l "$out/$b" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		hv_die "$out/$b is dynamically linked; the testbed has no libc"
	fi
done
