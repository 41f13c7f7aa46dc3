#!/bin/bash
# selftests/vmm/mkguest.sh OUT.cpio.gz [MODDIR...]
#   The Linux guest's initramfs (gzip'd newc cpio): static busybox with the few applets
#   guest-init.sh uses, and guest-init.sh as /init. Kept small: the guest kernel unpacks it
#   inside a nested guest under TCG.
#   Each MODDIR is a kernel's lib/modules/KVER: its virtio and ext4 modules (those that are modules in
#   that kernel; .ko.xz/.ko.zst decompressed for busybox insmod) go to /lib/modules/KVER/ with a
#   file "load" naming them in load order, so that one initramfs serves every testbed kernel.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: mkguest.sh OUT.cpio.gz [MODDIR...]" >&2; exit 1; }
src=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
# Dependencies first (modules.dep of Debian's 6.1 and 6.12; virtio_balloon needs only virtio and
# virtio_ring, and the kernel's own page reporting and balloon compaction, built in). ext4 for vmm_test's file-system
# cases: crc32c_generic before jbd2 and ext4, which ask the crypto API for "crc32c" at mount
# (metadata_csum, mke2fs's default) and cannot load it themselves: there is no modprobe.
guest_modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio-rng virtio_console
virtio_balloon"
guest_modules="$guest_modules crc16 mbcache crc32c_generic jbd2 ext4"
# virtio-net (vmm_test's network case, hvguest=net): failover and net_failover first (modules.dep).
guest_modules="$guest_modules failover net_failover virtio_net"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkguest.sh: busybox is not installed (busybox-static)" >&2; exit 1; }
if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	echo "mkguest.sh: $busybox is dynamically linked: install busybox-static" >&2
	exit 1
fi
stage=$(mktemp -d "${TMPDIR:-/tmp}/hv-guest.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,mnt}
cp "$busybox" "$stage/bin/busybox"
for a in sh mount umount uname grep cut echo cat sleep dd head tee rm fstrim crc32 md5sum wc sync \
	insmod nproc taskset kill dmesg sed ip ping nc mkdir switch_root tr; do
	ln -s busybox "$stage/bin/$a"
done
for moddir in "$@"; do
	kver=$(basename "$moddir")
	dst=$stage/lib/modules/$kver
	mkdir -p "$dst"
	: >"$dst/load"
	for m in $guest_modules; do
		f=$(find "$moddir/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
		[ -n "$f" ] || continue		# built into that kernel, or not there at all
		case "$f" in
		*.xz) xz -dc "$f" >"$dst/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$dst/$m.ko" ;;
		*) cp "$f" "$dst/$m.ko" ;;
		esac
		echo "$m" >>"$dst/load"
	done
done
ln -s ../bin/busybox "$stage/sbin/poweroff"
install -m 0755 "$src/guest-init.sh" "$stage/init"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
