#!/bin/bash
# selftests/testbed/bench.sh [--svm|--vmx] [SERIES]     what `make bench` (and `make bench VMX=1`) runs.
#   hv_bench (selftests/bench) in one testbed boot (bench-init.sh), in rounds: hv.ko loaded, one
#   batch of every operation on /dev/hv, hv unloaded, kvm loaded (irqbypass, kvm, ccp, kvm-amd; or
#   kvm-intel), one batch of every operation on /dev/kvm, kvm unloaded. On SVM then, in the same
#   boot, the virtio figures: the nested Linux guest (the testbed's kernel, the guest initramfs of
#   build-vmm.sh with selftests/bench's blkbench and netbench added) under hv-run on hv and under
#   the build machine's QEMU (copied into the testbed initramfs with its libraries: mkinitramfs.sh
#   -q) with -accel kvm, in rounds: virtio-blk on an image in the testbed's tmpfs, virtio-net on
#   a tap to netbench's server in the testbed (/tests/netbench). Then `hv_bench report` turns the serial log into the tables (printed),
#   build/bench/results.txt, results.csv, results.svg and results-virtio.csv.
#   --svm (default): QEMU TCG, -cpu EPYC, Debian SERIES (default 6.12), one CPU (no second
#   emulated CPU competing for the host's cores). --vmx: Bochs (corei7_skylake_x), smaller counts.
#   Not a test: nothing is compared against a threshold; the exit status is 1 only if a step or
#   an operation failed (not for "n/a", which names why an operation cannot be compared).
# Environment: HV_SKIP_DEPS=1 (do not run deps.sh), HV_BENCH_OUT (instead of build/bench),
#   HV_BENCH_ARGS="ROUNDS ITERS WARMUP" (default "10 2000 100" on SVM, "3 200 20" on VMX),
#   HV_VBENCH_ARGS="ROUNDS SECS" (the virtio figures on SVM: rounds of one hv-run and one QEMU
#   guest each, default 3, "0 0" for none; seconds per figure in the guest, default 3),
#   HV_BENCH_ONLY="PART..." (the parts to run of "ops virtio boot": hv_bench's operations, the
#   virtio figures, the Linux boot on 4 KiB, 2 MiB and 1 GiB pages; default all; e.g. "virtio" while
#   working on a device's figures),
#   HV_QEMU_TIMEOUT (default 1200), HV_QEMU_TEE=1 / HV_BOCHS_TEE=1 (the console live).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

vendor=svm
case "${1:-}" in
--svm) shift ;;
--vmx) vendor=vmx; shift ;;
-*) hv_die "usage: bench.sh [--svm|--vmx] [SERIES]" ;;
esac
series=${1:-6.12}
tb=$HV_TESTBED_DIR
out=${HV_BENCH_OUT:-$HV_REPO_DIR/build/bench}
[ "$vendor" = svm ] || out=$out/vmx
mkdir -p "$out"
exec 9>"$out/.lock"
flock -n 9 || { echo "bench: waiting for another make bench using $out"; flock 9; }
[ "${HV_SKIP_DEPS:-0}" = 1 ] || "$tb/deps.sh" || hv_die "deps.sh failed"

step() { printf 'bench: %-44s' "$1..."; }
t_all=$(date +%s)
step "kernel $series"
kver=$("$tb/kernel.sh" "$series" 2>"$out/kernel.log") || { cat "$out/kernel.log" >&2; hv_die "no $series kernel"; }
echo " $kver"
step "hv.ko for $kver"
hvko=$("$tb/build-module.sh" "$kver" "$out/module") || hv_die "hv.ko did not build"
echo " ok"
step "hv_bench"
make -s -C "$HV_REPO_DIR/selftests/bench" OUTPUT="$out/bin" >"$out/bin-build.log" 2>&1 ||
	{ cat "$out/bin-build.log" >&2; hv_die "hv_bench did not build"; }
echo " ok"

envs=()
if [ "$vendor" = svm ]; then
	args=${HV_BENCH_ARGS:-10 2000 100}
else
	args=${HV_BENCH_ARGS:-3 200 20}
	envs+=(-e HVTB_HEARTBEAT=0.5)
fi
vbench=()
vbin=()
only=${HV_BENCH_ONLY:-}
[[ "$only" =~ ^((ops|virtio|boot)( |$))*$ ]] ||
	hv_die "HV_BENCH_ONLY must name parts of 'ops virtio boot'"
[ -z "$only" ] || envs+=(-e "HV_BENCH_ONLY=$only")
if [ "$vendor" = svm ]; then
	vargs=${HV_VBENCH_ARGS:-3 3}
	[[ "$vargs" =~ ^[0-9]+\ [0-9]+$ ]] || hv_die "HV_VBENCH_ARGS must be 'ROUNDS SECS'"
	if [ "${vargs% *}" != 0 ] && { [ -z "$only" ] || [[ " $only " =~ \ (virtio|boot)\  ]]; }; then
		step "hv-run and the guest initramfs"
		"$tb/build-vmm.sh" "$out/vmm" || hv_die "build-vmm.sh failed"
		# The guest's initramfs with blkbench and netbench: build-vmm.sh's, and a second
		# archive after it (the kernel unpacks concatenated archives in turn), so make
		# check's stays as it is.
		rm -rf "$out/guest-extra"
		install -D -m 0755 "$out/bin/blkbench" "$out/guest-extra/bin/blkbench"
		install -D -m 0755 "$out/bin/netbench" "$out/guest-extra/bin/netbench"
		(cd "$out/guest-extra" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
			gzip -9 | cat "$out/vmm/guest.gz" - >"$out/guest-bench.gz"
		echo " ok"
		vbench=(-V "$out/vmm" -q -f "$out/guest-bench.gz=/guest-bench.gz")
		vbin=("$out/bin/netbench")
	fi
	envs+=(-e "HV_VBENCH_ARGS=$vargs")
fi
step "testbed initramfs"
"$tb/mkinitramfs.sh" -m "$hvko" -i "$tb/bench-init.sh" -v "$vendor" -e "HV_BENCH_ARGS=$args" \
	"${envs[@]}" "${vbench[@]}" "$kver" "$out/initrd.gz" "$out/bin/hv_bench" "${vbin[@]}"
echo " ok"

log=$out/bench.log
rm -f "$log" "$log.txt"
t=$(date +%s)
if [ "$vendor" = svm ]; then
	step "QEMU TCG (EPYC, 1 CPU): hv and KVM in turn"
	HV_QEMU_1G_PAGES=${HV_QEMU_1G_PAGES:-2} HV_QEMU_TIMEOUT=${HV_QEMU_TIMEOUT:-1200} "$tb/run-qemu.sh" "$kver" "$out/initrd.gz" "$log" 1 \
		2>"$out/emulator.err" || { echo; cat "$out/emulator.err" >&2; }
else
	step "Bochs (corei7_skylake_x, 1 CPU): hv and KVM in turn"
	"$tb/run-bochs.sh" "$kver" "$out/initrd.gz" "$log" 1 2>"$out/emulator.err" ||
		{ echo; cat "$out/emulator.err" >&2; }
fi
echo " $(($(date +%s) - t))s"
tr -d '\r' <"$log" >"$log.txt"

echo
grep -E '^# hv-test: (START|RESULT not ok|KERNEL|INFO round|INFO vbench)' "$log.txt" | sed 's/^# hv-test: /bench: testbed: /' || true
ok=1
grep -q '^# hv-test: DONE' "$log.txt" || { echo "bench: the testbed did not finish (see $log)"; ok=0; }
grep -q '^# hv-test: RESULT not ok' "$log.txt" && ok=0
grep -q '^# hv-test: KERNEL ' "$log.txt" && ok=0
echo
# hv_bench's report of the operations and the virtio figures: not for the boot alone
# (HV_BENCH_ONLY=boot), which it has no table of.
if [ -z "$only" ] || [[ " $only " =~ \ (ops|virtio)\  ]]; then
	"$out/bin/hv_bench" report "$out" "$log.txt" || ok=0
fi
# The Linux boot on 4 KiB and 2 MiB backing (bench-init.sh's VBOOT lines): medians over rounds.
if grep -q '^VBOOT ' "$log.txt"; then
	{
		echo
		echo "Linux boot under hv-run (256M, 1 vCPU), median of $(grep -c '^VBOOT 4k ' "$log.txt") rounds: 4 KiB pages against transparent huge pages (--hugepages)"
		printf '%-8s %14s %14s %12s %18s\n' backing "to /init (s)" "to exit (s)" "nested PF" "leaves 4K/2M/1G"
		med() { grep "^VBOOT $m " "$log.txt" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
		# The leaves of the last round (they differ little between rounds).
		last_leaves() { grep "^VBOOT $m " "$log.txt" | sed -n 's/.* leaves=\([^ ]*\).*/\1/p' | tail -n 1; }
		for m in 4k 2m; do
			printf '%-8s %14s %14s %12s %18s\n' "$m" "$(med init_s)" "$(med exit_s)" "$(med npf)" "$(last_leaves)"
		done
		if grep -q '^VBOOT 1g-2g ' "$log.txt"; then
			echo "The same with 2G: transparent huge pages against two 1 GiB hugetlbfs pages (--mem-path)"
			for m in 2m-2g 1g-2g; do
				printf '%-8s %14s %14s %12s %18s\n' "$m" "$(med init_s)" "$(med exit_s)" "$(med npf)" "$(last_leaves)"
			done
		fi
	} | tee -a "$out/results.txt"
fi
echo
files="results.txt, results.csv, results.svg, results-virtio.csv"
[ -f "$out/results.csv" ] && [ "$out/results.csv" -nt "$log" ] || files="results.txt, results-virtio.csv"
echo "bench: in $out: $files; serial log $log; $(($(date +%s) - t_all)) s wall"
[ $ok = 1 ] || { echo "bench: FAILED"; exit 1; }
echo "bench: ok"
