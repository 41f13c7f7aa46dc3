#!/bin/bash
# selftests/testbed/deps.sh [EXTRA_PACKAGE...]
#   Installs (Debian bookworm, as root) what building hv and the debug kernel, running the SVM
#   testbed (QEMU) and the VMX testbed (Bochs booting a SYSLINUX FAT image: bochs + bochsbios +
#   vgabios, the bochs-term display plugin, syslinux + syslinux-common, mtools, dosfstools) need.
#   Idempotent and fast: packages already installed (dpkg-query) are skipped; `apt-get update` runs
#   at most once, and only when something is missing. Extra package names given as arguments are
#   added to the list.
#   The SVM testbed needs QEMU 10 or later: QEMU 7.2 (bookworm's own) runs nested SVM about half as
#   fast and falls out of step between guest and host state more often (docs/testing.md,
#   "stress_test"). On bookworm it comes from bookworm-backports, added as an apt source on the
#   mirror the machine already uses for bookworm; a release that ships QEMU 10 needs nothing extra.
#   Exit status non-zero if a package cannot be installed.
set -euo pipefail

pkgs=(build-essential linux-headers-amd64 linux-headers-6.12-amd64 qemu-system-x86 busybox-static
	cpio xz-utils kmod libc6-dev
	bochs bochsbios vgabios bochs-term syslinux syslinux-common mtools dosfstools
	# the debug testbed kernel (debug-kernel.sh): its source and what building it needs
	linux-source-6.1 flex bison bc libelf-dev libssl-dev
	"$@")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
qemu_min=1:10.0
qemu_ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
qemu_old=0
if [ -z "$qemu_ver" ] || dpkg --compare-versions "$qemu_ver" lt "$qemu_min"; then
	qemu_old=1
fi
# qemu-system-x86 is installed on its own below (from backports where needed); only it takes -t.
for i in "${!missing[@]}"; do
	[ "${missing[$i]}" = qemu-system-x86 ] && unset 'missing[i]'
done
missing=("${missing[@]}")
[ ${#missing[@]} -eq 0 ] && [ "$qemu_old" = 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || { echo "deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# QEMU from the release's backports when the release's own is too old (bookworm: 7.2).
if [ "$qemu_old" = 1 ]; then
	qemu_from=()
	# shellcheck source=/dev/null
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	list=/etc/apt/sources.list.d/hv-testbed-backports.list
	if [ "$codename" = bookworm ] && [ ! -f "$list" ]; then
		apt-get update -q >/dev/null
		mirror=$(apt-cache policy | awk '$3 == "bookworm/main" { print $2; exit }')
		[ -n "$mirror" ] || { echo "deps.sh: no apt source of bookworm/main to take the mirror from" >&2; exit 1; }
		echo "deb $mirror bookworm-backports main" >"$list"
	fi
	[ "$codename" = bookworm ] && qemu_from=(-t bookworm-backports)
	echo "deps.sh: installing QEMU $qemu_min or later (now: ${qemu_ver:-none})" >&2
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${qemu_from[@]}" qemu-system-x86 >/dev/null
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps.sh: installing ${missing[*]}" >&2
# Install from the current lists when they are usable; otherwise update them once and retry.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
