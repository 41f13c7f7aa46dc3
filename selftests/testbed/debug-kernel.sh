#!/bin/bash
# selftests/testbed/debug-kernel.sh
#   Builds (once) and caches the debug testbed kernel: Debian's linux-source-6.1 with
#   `make ARCH=x86_64 tinyconfig` + selftests/testbed/debug.config (KUnit, KASAN, lockdep,
#   DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_LIST, KVM=m, virtio). 6.1 rather than 6.12: it is the
#   Debian kernel hv is tested on by default, the sanitizer pitfalls are measured on it
#   (shared/TESTBED.md) and its smaller tree builds faster on CI's 2 cores.
#
#   Cache: ${HV_CACHE:-/var/cache/hv-testbed}/kernels/KVER/ with KVER = <upstream version>-hvdebug-<key>,
#   <key> = first 10 hex digits of sha256(source package version, debug.config, this script, gcc
#   version). Any change of one of those gives a new KVER and so a new build; the old directory stays
#   until removed by hand. Layout, the same as kernel.sh's (so mkinitramfs.sh and run-qemu.sh work as
#   they are) plus the trees external modules are built against:
#       root/boot/vmlinuz-KVER, root/lib/modules/KVER/   bzImage and modules_install + depmod
#       src/    the unpacked source      build/    the O= build tree (make -C build M=... modules)
#       build.log, build-seconds
#   A build is complete only when KVER/.done exists, written last: a directory without it (an
#   interrupted or failed build) is wiped and rebuilt, never used. Concurrent runs take turns (flock).
# Output: stdout gets exactly one line, the KVER. stderr gets HV_KVER=..., HV_VMLINUZ=...,
#   HV_MODDIR=..., HV_KBUILD=<the build tree>.
# Environment: HV_JOBS  make -j for the kernel build (default 2: the machines are shared)
#   HV_SKIP_DEPS=1   do not run deps.sh for the build packages
# Exit status non-zero on any failure.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

srcpkg=linux-source-6.1
fragment=$HV_TESTBED_DIR/debug.config
self=$HV_TESTBED_DIR/debug-kernel.sh
jobs=${HV_JOBS:-2}

[ -f "$fragment" ] || hv_die "$fragment is missing"
if [ "${HV_SKIP_DEPS:-0}" != 1 ]; then
	"$HV_TESTBED_DIR/deps.sh" "$srcpkg" flex bison bc libelf-dev libssl-dev kmod xz-utils ||
		hv_die "cannot install the packages the debug kernel build needs"
fi
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || hv_die "$srcpkg is not installed"
tarball=$(dpkg-query -L "$srcpkg" | grep -E '/linux-source-[0-9.]+\.tar\.xz$' | head -n1)
[ -f "$tarball" ] || hv_die "$srcpkg installs no source tarball"

key=$({
	echo "$srcver"
	cat "$fragment" "$self"
	gcc --version | head -n1
} | sha256sum | cut -c1-10)
# Debian's upstream version ("6.1.192-2" -> "6.1.192") is the tree's kernelversion; checked below.
upver=${srcver%%-*}
kver=$upver-hvdebug-$key
kdir=$(hv_kdir "$kver")

report() {
	{
		echo "HV_KVER=$kver"
		echo "HV_VMLINUZ=$kdir/root/boot/vmlinuz-$kver"
		echo "HV_MODDIR=$kdir/root/lib/modules/$kver"
		echo "HV_KBUILD=$kdir/build"
	} >&2
	echo "$kver"
}

mkdir -p "$(dirname "$kdir")"
exec 9>"$kdir.lock"
flock 9
if [ -e "$kdir/.done" ]; then
	report
	exit 0
fi

hv_log "building the debug kernel $kver (first run only; log: $kdir/build.log)"
start=$(date +%s)
rm -rf "$kdir"
mkdir -p "$kdir/src" "$kdir/build" "$kdir/root/boot"
log=$kdir/build.log
: >"$log"
fail() { tail -n 40 "$log" >&2; hv_die "$@"; }
kmake() { make -C "$kdir/src" O="$kdir/build" ARCH=x86_64 "$@" >>"$log" 2>&1; }

tar -xJf "$tarball" -C "$kdir/src" --strip-components=1 || hv_die "cannot unpack $tarball"
kmake tinyconfig || fail "make tinyconfig failed"
{
	cat "$fragment"
	echo "CONFIG_LOCALVERSION=\"-hvdebug-$key\""
	echo "# CONFIG_LOCALVERSION_AUTO is not set"
} >"$kdir/build/hv-debug.config"
(cd "$kdir/build" && "$kdir/src/scripts/kconfig/merge_config.sh" -m -O . .config hv-debug.config) \
	>>"$log" 2>&1 || fail "merge_config.sh failed"
kmake olddefconfig || fail "make olddefconfig failed"

# Every symbol the fragment asks for must have survived olddefconfig (a missing dependency makes
# Kconfig drop it silently: KASAN with SLOB, for one).
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while IFS= read -r want; do
	grep -qxF "$want" "$kdir/build/.config" || echo "$want"
done)
[ -z "$missing" ] || hv_die "debug.config asks for symbols the kernel dropped: $(echo "$missing" | tr '\n' ' ')"

kmake -j"$jobs" bzImage modules || fail "kernel build failed"
rel=$(cat "$kdir/build/include/config/kernel.release")
[ "$rel" = "$kver" ] || hv_die "the tree's kernelrelease is '$rel', expected '$kver'"
kmake INSTALL_MOD_PATH="$kdir/root" modules_install || fail "modules_install failed"
cp "$kdir/build/arch/x86/boot/bzImage" "$kdir/root/boot/vmlinuz-$kver"
depmod -b "$kdir/root" "$kver" >>"$log" 2>&1 || fail "depmod failed"
for m in kvm kvm-amd kvm-intel msr; do
	grep -qE "(^|/)$m\\.ko:" "$kdir/root/lib/modules/$kver/modules.dep" || hv_die "no $m.ko was built"
done
# modules_install links build/ and source/ to this build tree: keep them pointing here.
rm -f "$kdir/root/lib/modules/$kver/build" "$kdir/root/lib/modules/$kver/source"
# External modules need the configured tree, not the kernel's objects: drop those (about 1 GB).
find "$kdir/build" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
echo $(($(date +%s) - start)) >"$kdir/build-seconds"
sync
touch "$kdir/.done"
hv_log "debug kernel $kver built in $(cat "$kdir/build-seconds")s"
report
