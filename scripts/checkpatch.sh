#!/bin/bash
# scripts/checkpatch.sh [FILE...]: what `make checkpatch` runs.
#   Runs the kernel's scripts/checkpatch.pl --strict over every .c, .h and .S file of module/,
#   uapi/ and samples/ (or over the FILEs given), prints every error, warning and check (one line each), then
#   one summary line "checkpatch --strict: N files, N errors, N warnings, N checks".
#   Exit status: 0 without errors (warnings and checks are shown, not fatal), 1 with errors,
#   2 if checkpatch.pl itself could not be found or run.
#
#   checkpatch.pl is not in the headers packages; it comes from Debian's linux-source-6.1, the
#   package the debug testbed kernel is built from (installed through selftests/testbed/deps.sh
#   when missing, unless HV_SKIP_DEPS=1). Only scripts/checkpatch.pl and the two files it reads
#   (spelling.txt, const_structs.checkpatch) are extracted from its tarball, once per package
#   version, by scripts/linux-source.sh into $HV_CACHE/checkpatch/ (default /var/cache/hv-testbed;
#   build/checkpatch/ when that is not writable). About 20 s the first time, nothing after that.
#   HV_CHECKPATCH=/path/to/checkpatch.pl uses that copy instead.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "checkpatch: $*" >&2
	exit 2
}

# Prints the path of a checkpatch.pl with its data files next to it.
find_checkpatch() {
	local dir
	if [ -n "${HV_CHECKPATCH:-}" ]; then
		[ -f "$HV_CHECKPATCH" ] || die "HV_CHECKPATCH=$HV_CHECKPATCH does not exist"
		echo "$HV_CHECKPATCH"
		return
	fi
	dir=$(bash "$repo/scripts/linux-source.sh" checkpatch scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch) || die "cannot extract checkpatch.pl from linux-source-6.1"
	echo "$dir/scripts/checkpatch.pl"
}

cp=$(find_checkpatch)
if [ $# -gt 0 ]; then
	files=()
	for f in "$@"; do
		files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
	done
else
	mapfile -t files < <(find "$repo/module" "$repo/uapi" "$repo/samples" -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) ! -name '*.mod.c' | sort)
fi
[ ${#files[@]} -gt 0 ] || die "no files to check"

# From the cache directory: run inside a git tree, checkpatch leaves a camelcase cache file there.
out=$(cd "$(dirname "$cp")" &&
	perl "$cp" --strict --no-tree --terse --show-types --no-summary -f "${files[@]}" 2>&1) &&
	rc=0 || rc=$?
# checkpatch's own status is 1 for any finding; anything else (or no output) means it broke.
[ "$rc" -le 1 ] || die "checkpatch.pl failed with status $rc: $out"
out=${out//"$repo/"/}
[ -z "$out" ] || echo "$out"

errors=$(grep -c ': ERROR:' <<<"$out" || true)
warnings=$(grep -c ': WARNING:' <<<"$out" || true)
checks=$(grep -c ': CHECK:' <<<"$out" || true)
echo "checkpatch --strict: ${#files[@]} files, $errors errors, $warnings warnings, $checks checks"
[ "$errors" -eq 0 ]
