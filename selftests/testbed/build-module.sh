#!/bin/bash
# selftests/testbed/build-module.sh KVER OUTDIR
#   Builds hv.ko out of tree for kernel KVER (headers in /usr/src/linux-headers-KVER, or the build tree
#   debug-kernel.sh keeps for a *-hvdebug-* KVER, where hv_kunit.ko is built too) without touching
#   the source tree: Kbuild, module/, uapi/ and samples/ are copied afresh into OUTDIR/src and built there with
#   `make -C /usr/src/linux-headers-KVER M=OUTDIR/src`. The log goes to OUTDIR/build.log.
#   Every built .ko is copied to OUTDIR/ (so hv.ko ends up as OUTDIR/hv.ko).
#   Fails on a build error, on any compiler or modpost warning ('warning:' in the log, any case),
#   or when no hv.ko was produced.
# Environment: HV_MODULE_SRC  source root to copy from (default: the repository root)
# Output: stdout gets the path of the built hv.ko.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || hv_die "usage: build-module.sh KVER OUTDIR"
kver=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
srcroot=${HV_MODULE_SRC:-$HV_REPO_DIR}
case "$kver" in
*-hvdebug-*) kdir=$(hv_kdir "$kver")/build ;;	# debug-kernel.sh keeps its build tree
*) kdir=/usr/src/linux-headers-$kver ;;
esac
[ -d "$kdir" ] || hv_die "no kernel headers in $kdir (run deps.sh)"
[ -f "$srcroot/Kbuild" ] || hv_die "$srcroot/Kbuild is missing: nothing to build"

rm -rf "$out/src" "$out"/*.ko
mkdir -p "$out/src"
for f in Kbuild module uapi samples; do
	[ -e "$srcroot/$f" ] && cp -a "$srcroot/$f" "$out/src/"
done
# Drop objects a developer may have built in the source tree so they cannot leak into this build.
find "$out/src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name 'modules.order' -o -name 'Module.symvers' \) -delete

log=$out/build.log
rc=0
make -C "$kdir" M="$out/src" -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$log" >&2
	hv_die "module build for $kver failed (rc=$rc), log: $log"
fi
if grep -qi 'warning:' "$log"; then
	grep -i -B2 -A3 'warning:' "$log" >&2
	hv_die "module build for $kver has warnings, log: $log"
fi
find "$out/src" -name '*.ko' -exec cp {} "$out/" \;
[ -f "$out/hv.ko" ] || hv_die "the build for $kver produced no hv.ko, log: $log"
echo "$out/hv.ko"
