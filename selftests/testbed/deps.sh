#!/bin/bash
# selftests/testbed/deps.sh [EXTRA_PACKAGE...]
#   Installs (Debian bookworm, as root) what building hv and the debug kernel, running the SVM
#   testbed (QEMU) and the VMX testbed (Bochs booting a SYSLINUX FAT image: bochs + bochsbios +
#   vgabios, the bochs-term display plugin, syslinux + syslinux-common, mtools, dosfstools) need.
#   Idempotent and fast: packages already installed (dpkg-query) are skipped; `apt-get update` runs
#   at most once, and only when something is missing. Extra package names given as arguments are
#   added to the list.
#   Exit status non-zero if a package cannot be installed.
set -euo pipefail

pkgs=(build-essential linux-headers-amd64 linux-headers-6.12-amd64 qemu-system-x86 busybox-static
	cpio xz-utils kmod libc6-dev e2fsprogs
	# make bench copies QEMU into the testbed with the firmware a -kernel boot reads (bios-256k.bin,
	# linuxboot_dma.bin, kvmvapic.bin); qemu-system-x86 depends on both, named here for that use
	seabios qemu-system-data
	# hv-run's virtio-blk I/O (liburing.a, linked statically)
	liburing-dev
	# the kselftest framework's lib.mk installs with rsync (make -C selftests/hv install)
	rsync
	bochs bochsbios vgabios bochs-term syslinux syslinux-common mtools dosfstools
	# the debug testbed kernel (debug-kernel.sh): its source and what building it needs
	linux-source-6.1 flex bison bc libelf-dev libssl-dev
	"$@")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || { echo "deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing ${missing[*]}" >&2
# Install from the current lists when they are usable; otherwise update them once and retry.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
