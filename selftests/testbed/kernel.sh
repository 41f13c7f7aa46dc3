#!/bin/bash
# selftests/testbed/kernel.sh SERIES|KVER
#   SERIES debug (or a KVER *-hvdebug-*) is handed to debug-kernel.sh, which builds our debug kernel
#   once and caches it in the same layout. SERIES 6.1 or 6.12: the exact kernel version (KVER) is
#   read from the installed headers meta package (linux-headers-amd64 or linux-headers-6.12-amd64);
#   a full KVER (e.g. 6.1.0-56-amd64) is accepted as well. Downloads linux-image-KVER with
#   `apt-get download` into
#   ${HV_CACHE:-/var/cache/hv-testbed}/kernels/KVER/ and extracts it there (dpkg -x) into root/.
#   and runs depmod there (the package ships no modules.dep).
#   Cached: once root/.done exists, nothing is downloaded again.
# Output: stdout gets exactly one line, the KVER. stderr gets
#   HV_KVER=..., HV_VMLINUZ=<path of vmlinuz>, HV_MODDIR=<path of lib/modules/KVER>.
# Exit status non-zero on any failure.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || hv_die "usage: kernel.sh SERIES (6.1, 6.12 or debug)"
case "$1" in
debug | *-hvdebug-*)
	# Our own debug kernel (KUnit, KASAN, lockdep...): built once and cached by debug-kernel.sh,
	# whose KVER names its configuration, so a stale KVER is refused rather than rebuilt.
	kver=$("$HV_TESTBED_DIR/debug-kernel.sh") || exit 1
	[ "$1" = debug ] || [ "$1" = "$kver" ] ||
		hv_die "$1 is not the current debug kernel ($kver): debug.config or debug-kernel.sh changed"
	echo "$kver"
	exit 0
	;;
*-amd64) kver=$1 ;;
*) kver=$(hv_kver "$1") ;;
esac
kdir=$(hv_kdir "$kver")
root=$kdir/root

mkdir -p "$kdir"
# Concurrent runs (several work trees share the cache) take turns.
exec 9>"$kdir.lock"
flock 9
if [ ! -e "$root/.done" ]; then
	rm -rf "$root" "$root.tmp" "$kdir/dl"
	mkdir -p "$kdir/dl"
	hv_log "downloading linux-image-$kver"
	if ! (cd "$kdir/dl" && apt-get download -q "linux-image-$kver" >&2); then
		hv_log "apt-get download failed, retrying after apt-get update"
		apt-get update -q >&2 || true
		(cd "$kdir/dl" && apt-get download -q "linux-image-$kver" >&2) ||
			hv_die "cannot download linux-image-$kver"
	fi
	deb=$(find "$kdir/dl" -maxdepth 1 -name "linux-image-*.deb" | head -n1)
	[ -n "$deb" ] || hv_die "no .deb downloaded for linux-image-$kver"
	mkdir -p "$root.tmp"
	dpkg -x "$deb" "$root.tmp"
	[ -f "$root.tmp/boot/vmlinuz-$kver" ] || hv_die "$deb has no boot/vmlinuz-$kver"
	[ -d "$root.tmp/lib/modules/$kver" ] || hv_die "$deb has no lib/modules/$kver"
	# The package has no modules.dep (its postinst runs depmod): make one for mkinitramfs.sh.
	depmod -b "$root.tmp" "$kver" >&2 || hv_die "depmod failed for $kver"
	[ -s "$root.tmp/lib/modules/$kver/modules.dep" ] || hv_die "depmod made no modules.dep"
	touch "$root.tmp/.done"
	mv "$root.tmp" "$root"
	rm -rf "$kdir/dl"
fi

{
	echo "HV_KVER=$kver"
	echo "HV_VMLINUZ=$root/boot/vmlinuz-$kver"
	echo "HV_MODDIR=$root/lib/modules/$kver"
} >&2
echo "$kver"
