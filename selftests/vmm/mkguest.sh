#!/bin/bash
# selftests/vmm/mkguest.sh OUT.cpio.gz
#   The Linux guest's initramfs (gzip'd newc cpio): static busybox with the few applets
#   guest-init.sh uses, and guest-init.sh as /init. Kept small: the guest kernel unpacks it
#   inside a nested guest under TCG.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: mkguest.sh OUT.cpio.gz" >&2; exit 1; }
src=$(cd "$(dirname "$0")" && pwd)
out=$1
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkguest.sh: busybox is not installed (busybox-static)" >&2; exit 1; }
if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	echo "mkguest.sh: $busybox is dynamically linked: install busybox-static" >&2
	exit 1
fi
stage=$(mktemp -d "${TMPDIR:-/tmp}/hv-guest.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,proc,sys,dev}
cp "$busybox" "$stage/bin/busybox"
for a in sh mount uname grep cut echo cat sleep; do ln -s busybox "$stage/bin/$a"; done
ln -s ../bin/busybox "$stage/sbin/poweroff"
install -m 0755 "$src/guest-init.sh" "$stage/init"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
