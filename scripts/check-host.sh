#!/bin/bash
# scripts/check-host.sh: what `make check-host` runs. hv's tests on a machine with real VT-x or
#   AMD-V, step by step in docs/test-hosts.md: build hv.ko for the running kernel (or take the
#   installed one: DKMS or make install), build hv-info and the kselftest install of
#   selftests/hv, load hv.ko, run hv-info and every binary through the kselftest framework's
#   run_kselftest.sh against /dev/hv, unload hv.ko, and hold the kernel log of the run to the
#   testbed's classifier (selftests/testbed/logcheck.sh). One result line per step and per test
#   binary ("ok host/...", "not ok host/... # why", "skip host/...: why"), the runner's KTAP in
#   OUT/kselftest.log, and last "N passed, N failed, N skipped"; exit status 1 on a failure.
#
#   It loads a module into THIS machine's kernel: a bug in hv can crash it. So it does nothing
#   at all, and exits 2 with one line saying why, unless HV_CHECK_HOST=i-may-crash-this-host.
#   It is never part of `make check` (which only proves this refusal). It also refuses, before
#   loading anything, when it is not root, when the CPU shows neither vmx nor svm, when hv is
#   already loaded, or when another hypervisor's module (kvm_intel, kvm_amd, vboxdrv, vmmon)
#   is loaded and may hold VMX/SVM.
# Environment:
#   HV_CHECK_HOST=i-may-crash-this-host   the opt-in (required)
#   HV_HOST_MODULE=installed   modprobe the installed hv (DKMS or make install) instead of
#                              building hv.ko from this tree for the running kernel
#   KDIR                       the running kernel's build tree (default /lib/modules/$(uname -r)/build)
#   KSELFTEST_DIR              the kernel's tools/testing/selftests to install with (default: the
#                              one of Debian's linux-source-6.1, extracted once)
#   HV_HOST_OUT                output directory (default build/host)
set -uo pipefail

optin=i-may-crash-this-host
if [ "${HV_CHECK_HOST:-}" != "$optin" ]; then
	echo "check-host: not running: it loads hv.ko into this machine's own kernel, which a bug" \
		"in hv can crash; on a test host you can afford that, run" \
		"HV_CHECK_HOST=$optin make check-host (docs/test-hosts.md)" >&2
	exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
refuse() {
	echo "check-host: not running: $*" >&2
	exit 2
}
[ "$(id -u)" -eq 0 ] || refuse "loading a module needs root (sudo -E make check-host)"
if grep -qw vmx /proc/cpuinfo; then
	vendor=vmx
elif grep -qw svm /proc/cpuinfo; then
	vendor=svm
else
	refuse "the CPU shows neither vmx nor svm in /proc/cpuinfo (no VT-x/AMD-V, switched off in" \
		"the firmware, or a VM without nested virtualization)"
fi
! grep -qs '^hv ' /proc/modules ||
	refuse "hv is already loaded: unload it (rmmod hv) so that this run loads the one it tests"
for m in kvm_intel kvm_amd vboxdrv vmmon; do
	grep -qs "^$m " /proc/modules || continue
	case $m in
	kvm_*) refuse "$m is loaded and holds ${vendor^^} (6.12: from its load on; 6.1: while a KVM VM" \
		"exists), so hv would refuse VMs with EBUSY: unload it first (modprobe -r $m)" ;;
	*) refuse "$m (another hypervisor) is loaded and may hold ${vendor^^}: unload it first" ;;
	esac
done

out=${HV_HOST_OUT:-$repo/build/host}
kver=$(uname -r)
kdir=${KDIR:-/lib/modules/$kver/build}
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0 skipped=0
res() { # res ok|fail|skip NAME [WHY]
	case "$1" in
	ok) echo "ok $2"; passed=$((passed + 1)) ;;
	fail) echo "not ok $2${3:+ # $3}"; failed=$((failed + 1)) ;;
	skip) echo "skip $2: ${3:-skipped}"; skipped=$((skipped + 1)) ;;
	esac
}
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}
step() { # step NAME LOG COMMAND...: run it, one result point, the log's tail on failure
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		res ok "host/$name"
		return 0
	fi
	sed 's/^/#   /' "$log" | tail -n 20
	res fail "host/$name" "see $log"
	return 1
}

echo "# check-host: $vendor, kernel $kver, output in $out"
# 1. What runs: hv.ko (built out of the source tree, in OUT/module), hv-info, the kselftests.
if [ "${HV_HOST_MODULE:-build}" = installed ]; then
	step module_installed "$out/modinfo.log" modinfo hv || finish
else
	mkdir -p "$out/module"
	cp -r "$repo/Kbuild" "$repo/module" "$repo/uapi" "$out/module/"
	step build_module "$out/build-module.log" make -C "$kdir" M="$out/module" modules || finish
fi
step build_hv_info "$out/build-hv-info.log" make -C "$repo/userspace-vmm" STATIC= OUT="$out/vmm" \
	"$out/vmm/hv-info" || finish
step kselftest_install "$out/kselftest-install.log" make -C "$repo/selftests/hv" \
	OUTPUT="$out/selftests" install INSTALL_PATH="$out/kselftest" || finish

# 2. Load, run, unload; the kernel log from a marker on is this run's.
marker="hv-check-host: start $$ $(date +%s)"
echo "$marker" >/dev/kmsg
trap 'grep -qs "^hv " /proc/modules && rmmod hv' EXIT
if [ "${HV_HOST_MODULE:-build}" = installed ]; then
	step load_module "$out/load.log" modprobe hv
else
	step load_module "$out/load.log" insmod "$out/module/module/hv.ko"
fi || {
	dmesg | sed -n "/$marker/,\$p" | grep -E ' hv[: ]' | sed 's/^/#   /'
	finish
}
# udev makes /dev/hv; wait for it a moment.
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/hv ] && break; sleep 0.5; done
if "$out/vmm/hv-info" >"$out/hv-info.log" 2>&1; then
	res ok host/hv_info
else
	res fail host/hv_info "exit status $?, see $out/hv-info.log"
fi
sed 's/^/# hv-info: /' "$out/hv-info.log"
# Through a pipe: the runner appends to /dev/stdout, which on a regular file would overwrite.
(cd "$out/kselftest" && ./run_kselftest.sh) 2>&1 | tee "$out/kselftest.log" | grep -E '^(not )?ok '
while IFS= read -r line; do
	name=${line#*selftests: hv: }
	case $line in
	"not ok "*) res fail "host/${name%% *}" "${name#* # }" ;;
	"ok "*"# SKIP"*) res skip "host/${name%% *}" "skipped, the reasons are in $out/kselftest.log" ;;
	"ok "*) res ok "host/$name" ;;
	esac
done < <(grep -E '^(not )?ok [0-9]+ selftests: hv: ' "$out/kselftest.log")
grep -q '^ok [0-9]* selftests: hv: ' "$out/kselftest.log" ||
	res fail host/run_kselftest "no binary reported, see $out/kselftest.log"
grep -E '^# (not ok|ok [0-9]+ .*# SKIP)' "$out/kselftest.log" | sed 's/^# /#   /'
if rmmod hv 2>"$out/unload.log"; then
	res ok host/unload_module
else
	res fail host/unload_module "$(cat "$out/unload.log")"
fi
trap - EXIT

# 3. The kernel log of the run, through the testbed's classifier; hv's own line when kvm or
# another hypervisor took VMX/SVM after all.
dmesg | sed -n "/$marker/,\$p" >"$out/dmesg.log"
grep -h 'already in use by another hypervisor' "$out/dmesg.log" | sed 's/^/# check-host: /'
# shellcheck source-path=SCRIPTDIR source=../selftests/testbed/logcheck.sh
. "$repo/selftests/testbed/logcheck.sh"
kernel_log_check host "$out/dmesg.log"
finish
