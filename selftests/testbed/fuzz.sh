#!/bin/bash
# selftests/testbed/fuzz.sh: what `make fuzz` runs.  The fuzzer (selftests/fuzz) for as long as
# asked, in one testbed kernel, and its corpus kept under build/fuzz/.
#
#   selftests/testbed/fuzz.sh [SECS] [SERIES]
#     SECS    total fuzzing time in seconds (default 600), split over its three points as in
#             make check (docs/testing.md, "hv_fuzz")
#     SERIES  debug (default: KASAN, lockdep, kmemleak, KCOV coverage), 6.1 or 6.12
#   Environment: HV_FUZZ_SEED (run a printed seed again), HV_FUZZ_REPLAY=FILE (run one saved
#   program, e.g. a finding, instead of fuzzing), HV_TESTBED_OUT (default build/fuzz/testbed).
#
# Output: the testbed's result lines, and build/fuzz/corpus/<tag>.txt for every program that
# reached new code (with KCOV), build/fuzz/findings/<tag>.txt for a finding's program (both replay
# with HV_FUZZ_REPLAY=FILE; docs/testing.md says how). Exit status: check.sh's.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

secs=${1:-600}
series=${2:-debug}
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 8 ] || hv_die "fuzz.sh: SECS must be a number of seconds, at least 8"
case "$series" in debug | 6.1 | 6.12) ;; *) hv_die "fuzz.sh: SERIES is debug, 6.1 or 6.12" ;; esac

top=$HV_REPO_DIR/build/fuzz
out=${HV_TESTBED_OUT:-$top/testbed}
mkdir -p "$top/corpus" "$top/findings" "$out"
make -s -C "$HV_REPO_DIR/selftests/fuzz" OUTPUT="$top/bin"

# A saved program travels into the testbed as one setting: its lines joined with ';'.
program=""
if [ -n "${HV_FUZZ_REPLAY:-}" ]; then
	[ -r "$HV_FUZZ_REPLAY" ] || hv_die "fuzz.sh: cannot read $HV_FUZZ_REPLAY"
	program=$(grep -v '^[[:space:]]*$' "$HV_FUZZ_REPLAY" | paste -sd ';')
fi
rc=0
# The binary's points end on their own; the testbed's limits get the time plus the boot's.
HV_FUZZ_PROGRAM=$program HV_TESTBED_OUT=$out HV_VMM=0 HV_EXPECTED=0 HV_FUZZ_SECS=$secs HV_FUZZ_CORPUS=1 \
	HV_TEST_TIMEOUT=$((secs + 600)) HV_QEMU_TIMEOUT=$((secs + 1200)) \
	HV_TEST_BINARIES="$top/bin/hv_fuzz" bash "$HV_TESTBED_DIR/check.sh" --svm "$series" || rc=$?

# "# hv-fuzz-corpus TAG" then its "# hv-fuzz-op ..." lines; findings: "#   op ..." after
# "the program (tag TAG) up to the finding:".
awk -v dir="$top" '
	/^# hv-fuzz-corpus / { f = dir "/corpus/" $3 ".txt"; printf "" > f; next }
	/^# hv-fuzz-op / && f { sub(/^# hv-fuzz-op /, ""); print >> f; next }
	/up to the finding:$/ { match($0, /tag 0x[0-9a-f]+/); f = dir "/findings/" substr($0, RSTART + 4, RLENGTH - 4) ".txt"; printf "" > f; next }
	/^#   / && f ~ /findings/ { sub(/^#   /, ""); print >> f; next }
	{ f = "" }
' "$out/$series.log"
echo "# fuzz: corpus $(find "$top/corpus" -name '*.txt' | wc -l) programs, findings $(find "$top/findings" -name '*.txt' | wc -l) (build/fuzz/)"
exit "$rc"
