#!/bin/bash
# selftests/testbed/mkinitramfs.sh [-m HV_KO] [-k KUNIT_KO] [-t SECS] [-v svm|vmx] [-x HELPER_KO]...
#                                  [-V VMM_DIR] [-i INIT] [-e NAME=VALUE]... [-c CASES] [-K KSFT_DIR]
#                                  [-q] [-f SRC=DEST]... KVER OUT.cpio.gz [TEST_BINARY...]
#   Builds the testbed initramfs (gzip'd newc cpio) for kernel KVER and the vendor of the emulated
#   CPU (-v, default svm):
#     /init            selftests/testbed/init.sh
#     /bin/busybox     static busybox with every applet symlinked (busybox --list-full)
#     /hv.ko           from -m HV_KO (left out when -m is not given or the file is missing: the run
#                      then reports `not ok load_module`)
#     /samples/*.ko    the experiment modules built with HV_KO (hv_*_sample.ko next to it), for
#                      hook_test (HV_SAMPLES_DIR=/samples)
#     /kunit/*.ko      from -k KUNIT_KO (hv_kunit.ko: loading it runs the KUnit suites; debug kernel)
#     /tests/<name>    each TEST_BINARY, by its base name (they must be static: there is no libc)
#     /kvm/*.ko        svm: irqbypass, kvm, ccp, kvm-amd; vmx: irqbypass, kvm, kvm-intel; with their
#                      dependencies (modules.dep of KVER, decompressed when shipped as .ko.xz),
#                      /kvm/order = load order
#     /extra/*.ko      msr, tun and zram (+ deps), loaded first by /init (EFER.SVME, the swap
#                      device), then each -x HELPER_KO
#                      (built for KVER, e.g. hv_tb_cr4.ko on VMX); /extra/order
#     /etc/testbed.conf  HVTB_TIMEOUT=SECS (per-binary timeout inside the guest, -t, default 600),
#                      and `export NAME='VALUE'` for each -e (settings the test binaries read; any
#                      printable VALUE, quoted)
#     /etc/passwd      a one-line passwd (a readable file that is not a kernel, for vmm_test)
#     /etc/testbed.cases  from -c CASES: "<binary> [case pattern...]" lines, comments and blank
#                      lines dropped; /init runs a listed binary with HV_TEST_CASES=<patterns>
#   With -K KSFT_DIR (a kselftest install: run_kselftest.sh, kselftest/, kselftest-list.txt, hv/):
#     /kselftest       that install; each TEST_BINARY it lists as hv:<name> goes to /kselftest/hv/
#                      instead of /tests (replacing the installed copy: the run uses the binaries
#                      it was given), and its name to /etc/testbed.kselftest (/init runs those
#                      through run_kselftest.sh); /usr/bin/timeout becomes busybox-timeout.sh
#                      (the kselftest runner calls coreutils' `timeout --foreground`)
#   With -V VMM_DIR (the output of build-vmm.sh), the hv-run VMM and what it boots:
#     /bin/hv-run, /bin/hv-info, /bin/hv-stat, /bin/linetime, /guests/*.elf (test kernels), /guest.gz (Linux guest initramfs),
#     /usr/sbin/{mke2fs,mkfs.ext4,e2fsck,debugfs} with their libraries (vmm_test's ext4 case),
#     /vmlinuz         the testbed's own kernel KVER, booted again as a nested guest; on the
#                      debug kernel Debian's 6.1 kernel instead (its sanitizers would only slow the
#                      guest: what they check is hv.ko, in the testbed's own kernel)
#   -q (make bench's virtio figures): the build machine's qemu-system-x86_64 at /usr/bin, with the
#                    libraries ldd names and the loader at their paths, and the firmware a
#                    direct -kernel boot of `-machine pc` reads (SeaBIOS bios-256k.bin,
#                    linuxboot_dma.bin, kvmvapic.bin) where the binary looks for it; about 17 MB
#                    compressed, so only the bench's initramfs has it
#   -f SRC=DEST      the file SRC at DEST (an absolute path) too
#   -i INIT replaces /init (make demo uses selftests/testbed/demo-init.sh).
#   The kernel image must be in the cache of kernel.sh (it is fetched when it is not).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	hv_die "usage: mkinitramfs.sh [-m HV_KO] [-k KUNIT_KO] [-t SECS] [-v svm|vmx] [-x HELPER_KO]..." \
		"[-V VMM_DIR] [-i INIT] [-e NAME=VALUE]... [-c CASES] [-K KSFT_DIR] [-q] [-f SRC=DEST]..." \
		"KVER OUT.cpio.gz [TEST_BINARY...]"
}
hvko=""
kunitko=""
timeout_s=600
vendor=svm
helpers=()
vmmdir=""
init=$HV_TESTBED_DIR/init.sh
envs=()
cases=""
ksft=""
qemu=0
files=()
while getopts m:k:t:v:x:V:i:e:c:K:qf: opt; do
	case "$opt" in
	m) hvko=$OPTARG ;;
	k) kunitko=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	v) vendor=$OPTARG ;;
	x) helpers+=("$OPTARG") ;;
	V) vmmdir=$OPTARG ;;
	i) init=$OPTARG ;;
	e) [[ "$OPTARG" =~ ^[A-Z_][A-Z0-9_]*=[^[:cntrl:]]*$ ]] || hv_die "bad -e setting '$OPTARG'"
	   envs+=("$OPTARG") ;;
	c) cases=$OPTARG ;;
	K) ksft=$OPTARG ;;
	q) qemu=1 ;;
	f) [[ "$OPTARG" =~ ^[^=]+=/[^=]+$ ]] || hv_die "bad -f '$OPTARG' (SRC=/DEST)"
	   files+=("$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
kver=$1
out=$2
shift 2

"$HV_TESTBED_DIR/kernel.sh" "$kver" >/dev/null 2>&1 || hv_die "cannot fetch kernel $kver"
moddir=$(hv_kdir "$kver")/root/lib/modules/$kver
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || hv_die "busybox is not installed (busybox-static)"
if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	hv_die "$busybox is dynamically linked: install busybox-static"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/hv-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,tests,kvm}
cp "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
install -m 0755 "$init" "$stage/init"
{
	echo "HVTB_TIMEOUT=$timeout_s"
	# Values may hold spaces and shell characters (a skip reason): single-quote them.
	for e in "${envs[@]}"; do
		v=${e#*=}
		printf "export %s='%s'\n" "${e%%=*}" "${v//\'/\'\\\'\'}"
	done
} >"$stage/etc/testbed.conf"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
if [ -n "$cases" ]; then
	[ -f "$cases" ] || hv_die "case list $cases does not exist"
	sed -e 's/#.*//' -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' -e '/^$/d' "$cases" \
		>"$stage/etc/testbed.cases"
fi

# A dynamically linked program at its path, with the libraries ldd names and the loader.
add_dynamic() { # add_dynamic PATH
	local lib
	install -D -m 0755 "$1" "$stage$1"
	for lib in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$stage$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$stage$lib"
	done
}

if [ -n "$vmmdir" ]; then
	for f in hv-run hv-info hv-stat linetime guest.gz; do
		[ -f "$vmmdir/$f" ] || hv_die "$vmmdir/$f is missing (run build-vmm.sh)"
	done
	install -m 0755 "$vmmdir/hv-run" "$vmmdir/hv-info" "$vmmdir/hv-stat" "$vmmdir/linetime" "$stage/bin/"
	install -m 0644 "$vmmdir/guest.gz" "$stage/guest.gz"
	mkdir -p "$stage/guests"
	for g in "$vmmdir"/guests/*.elf; do
		[ -f "$g" ] && install -m 0644 "$g" "$stage/guests/"
	done
	guest_kver=$kver
	case $kver in
	*-hvdebug-*)
		guest_kver=$(hv_kver 6.1)
		"$HV_TESTBED_DIR/kernel.sh" 6.1 >/dev/null || hv_die "cannot fetch the 6.1 guest kernel"
		;;
	esac
	cp "$(hv_kdir "$guest_kver")/root/boot/vmlinuz-$guest_kver" "$stage/vmlinuz"
	# vmm_test's file-system case: mkfs.ext4, e2fsck and debugfs (e2fsprogs, dynamically
	# linked), each with the libraries ldd names and the loader, at the same paths.
	for tool in /usr/sbin/mke2fs /usr/sbin/e2fsck /usr/sbin/debugfs; do
		[ -x "$tool" ] || hv_die "$tool is missing (install e2fsprogs)"
		add_dynamic "$tool"
	done
	ln -sf mke2fs "$stage/usr/sbin/mkfs.ext4"
	[ ! -f /etc/mke2fs.conf ] || install -D -m 0644 /etc/mke2fs.conf "$stage/etc/mke2fs.conf"
fi

if [ "$qemu" = 1 ]; then
	[ -x /usr/bin/qemu-system-x86_64 ] || hv_die "qemu-system-x86_64 is missing (install qemu-system-x86)"
	add_dynamic /usr/bin/qemu-system-x86_64
	# Debian's QEMU looks in /usr/share/qemu, then /usr/share/seabios (its firmware path).
	for fw in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin; do
		[ -f "$fw" ] || hv_die "$fw is missing (install qemu-system-data and seabios)"
		install -D -m 0644 "$(readlink -f "$fw")" "$stage$fw"
	done
fi
for f in "${files[@]}"; do
	[ -f "${f%%=*}" ] || hv_die "${f%%=*} does not exist"
	install -D -m 0644 "${f%%=*}" "$stage${f#*=}"
done

if [ -n "$hvko" ]; then
	if [ -f "$hvko" ]; then
		cp "$hvko" "$stage/hv.ko"
		for ko in "$(dirname "$hvko")"/hv_*_sample.ko; do
			[ -f "$ko" ] || continue
			mkdir -p "$stage/samples"
			cp "$ko" "$stage/samples/"
		done
	else
		hv_log "warning: $hvko does not exist; the initramfs has no hv.ko"
	fi
fi

if [ -n "$kunitko" ]; then
	[ -f "$kunitko" ] || hv_die "KUnit module $kunitko does not exist"
	mkdir -p "$stage/kunit"
	cp "$kunitko" "$stage/kunit/"
fi

if [ -n "$ksft" ]; then
	{ [ -x "$ksft/run_kselftest.sh" ] && [ -f "$ksft/kselftest-list.txt" ]; } ||
		hv_die "$ksft is not a kselftest install (run_kselftest.sh, kselftest-list.txt)"
	cp -a "$ksft" "$stage/kselftest"
	rm -f "$stage/usr/bin/timeout"
	install -m 0755 "$HV_TESTBED_DIR/busybox-timeout.sh" "$stage/usr/bin/timeout"
	: >"$stage/etc/testbed.kselftest"
fi
for t in "$@"; do
	[ -f "$t" ] || hv_die "test binary $t does not exist"
	if readelf -l "$t" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		hv_log "warning: $t is dynamically linked and will not run in the initramfs"
	fi
	name=$(basename "$t")
	if [ -n "$ksft" ] && grep -qxF "hv:$name" "$ksft/kselftest-list.txt"; then
		install -m 0755 "$t" "$stage/kselftest/hv/$name"
		echo "$name" >>"$stage/etc/testbed.kselftest"
	else
		install -m 0755 "$t" "$stage/tests/$name"
	fi
done

# Modules of KVER copied into a directory of the initramfs in load order: for each wanted module,
# its modules.dep dependencies (listed dependents-first, so loaded in reverse), then the module.
# DIR/order lists the file names, one a line. Compressed modules are decompressed (busybox insmod).
add_mods() { # add_mods DIR MODULE...
	local dir=$1 want line rel m i
	local -a order=() deps=()
	shift
	mkdir -p "$stage/$dir"
	for want in "$@"; do
		line=$(grep -E "(^|/)$want\\.ko(\\.xz|\\.zst|\\.gz)?:" "$moddir/modules.dep" || true)
		# Built into this kernel (the debug kernel's tun): nothing to load.
		[ -n "$line" ] || ! grep -qE "(^|/)$want\\.ko\$" "$moddir/modules.builtin" 2>/dev/null ||
			continue
		[ -n "$line" ] || { hv_log "warning: $want is not in $moddir/modules.dep"; continue; }
		read -r -a deps <<<"${line#*:}"
		deps=("${line%%:*}" "${deps[@]}")
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			rel=${deps[i]}
			for m in "${order[@]}"; do [ "$m" = "$rel" ] && continue 2; done
			order+=("$rel")
		done
	done
	: >"$stage/$dir/order"
	for rel in "${order[@]}"; do
		base=$(basename "$rel")
		case "$base" in
		*.ko.xz) xz -dc "$moddir/$rel" >"$stage/$dir/${base%.xz}" ;;
		*.ko.zst) zstd -dcq "$moddir/$rel" >"$stage/$dir/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$rel" >"$stage/$dir/${base%.gz}" ;;
		*) cp "$moddir/$rel" "$stage/$dir/$base" ;;
		esac
		echo "${base%.ko*}.ko" >>"$stage/$dir/order"
	done
}
case "$vendor" in
svm) add_mods kvm irqbypass kvm ccp kvm-amd ;;
vmx) add_mods kvm irqbypass kvm kvm-intel ;;
*) hv_die "unknown vendor '$vendor' (svm or vmx)" ;;
esac
# msr: lets /init read EFER (SVME) on every CPU through /dev/cpu/N/msr; tun: /dev/net/tun, for
# vmm_test's network case (a tap for hv-run's --net); zram: the swap device /init prepares
# (HV_SWAP_DEV) for the tests that page guest memory out (built in on the debug kernel).
add_mods extra msr tun zram
for ko in "${helpers[@]}"; do
	[ -f "$ko" ] || hv_die "helper module $ko does not exist"
	cp "$ko" "$stage/extra/$(basename "$ko")"
	basename "$ko" >>"$stage/extra/order"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
