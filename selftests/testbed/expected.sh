#!/bin/bash
# selftests/testbed/expected.sh: the expected test points of each testbed series.
#
# selftests/testbed/expected/<series>.txt (6.1, 6.12, debug, vmx-6.12) lists every point the
# guest side of that testbed must report (selftest cases, KUnit cases, the testbed's own points
# such as load_module), without the series prefix, one a line:
#     abi_test/api_version_is_HV_API_VERSION          must be reported, and pass
#     kvm_coexist/hv_create_vm_after_kvm_released # SKIP <reason>
#                                                     may be reported as skipped, for that reason
# check.sh holds each run against it: a point that is expected but not reported (deleted,
# renamed, dropped by a binary that gave up), a point skipped without being listed as a skip
# with that same reason, and a point that is not listed at all each fail the run. The list is
# generated from a run, never written by hand:
#
#   expected.sh update [OUT_DIR]    rewrite expected/<series>.txt for every series whose points
#                                   the last full run left in OUT_DIR (default build/testbed):
#                                   `make check` (or check.sh with no HV_TEST_BINARIES), then
#                                   `make testbed-expected` and review `git diff`
#   expected.sh check SERIES POINTS [BINARY...]
#                                   (check.sh) the points of one series' run, in check.sh's result
#                                   format, re-emitted with the expected list applied, plus a
#                                   failure per missing point; with BINARY names only the points
#                                   of those binaries (and the testbed's own, and KUnit's) are
#                                   required (a run of chosen binaries)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

expdir=$HV_TESTBED_DIR/expected

# check SERIES POINTS [BINARY...]
check() {
	local series=$1 points=$2 file=$expdir/$1.txt
	shift 2
	if [ ! -f "$file" ]; then
		cat "$points"
		echo "not ok $series/expected_points # no list of expected points ${file#"$HV_REPO_DIR"/}:" \
			"generate it with make testbed-expected"
		return
	fi
	HV_EXP_SERIES=$series HV_EXP_FILE=${file#"$HV_REPO_DIR"/} HV_EXP_SCOPE="$*" awk '
	BEGIN {
		S = ENVIRON["HV_EXP_SERIES"]; F = ENVIRON["HV_EXP_FILE"]
		nscope = split(ENVIRON["HV_EXP_SCOPE"], sc, " ")
		for (i = 1; i <= nscope; i++) scope[sc[i]] = 1
	}
	# In scope: the testbed points (no "/"), KUnit, and the binaries of this run (all if none named).
	function in_scope(name,   g) {
		if (index(name, "/") == 0 || nscope == 0) return 1
		g = substr(name, 1, index(name, "/") - 1)
		return (g ~ /^kunit\./) || (g in scope)
	}
	FNR == NR {	# the expected list
		line = $0
		sub(/[ \t]+$/, "", line)
		if (line ~ /^#/ || line == "") next
		reason = ""
		if ((i = index(line, " # SKIP")) > 0) {
			reason = substr(line, i + 7); sub(/^ /, "", reason)
			line = substr(line, 1, i - 1)
			skip[line] = reason
		}
		want[line] = 1
		order[++nwant] = line
		next
	}
	{	# a point of the run
		line = $0
		if (line ~ /^ok /) { kind = "ok"; name = substr(line, 4) }
		else if (line ~ /^not ok /) { kind = "fail"; name = substr(line, 8); sub(/ # .*/, "", name) }
		else if (line ~ /^skip /) {
			kind = "skip"; name = substr(line, 6)
			why = substr(name, index(name, ": ") + 2); name = substr(name, 1, index(name, ": ") - 1)
		} else { print; next }
		short = name
		if (substr(short, 1, length(S) + 1) == S "/") short = substr(short, length(S) + 2)
		seen[short] = 1
		if (kind == "skip" && !(short in want)) {
			print "not ok " name " # skipped (" why "), and not in " F
		} else if (kind == "skip" && !(short in skip)) {
			print "not ok " name " # skipped (" why "), but " F " expects it to pass"
		} else if (kind == "skip" && skip[short] != why) {
			print "not ok " name " # skipped (" why "), but the expected skip in " F " is for: " skip[short]
		} else {
			print line
			if (kind != "fail" && !(short in want)) new[++nnew] = short
		}
	}
	END {
		for (i = 1; i <= nwant; i++) {
			n = order[i]
			if (n in seen || !in_scope(n)) continue
			g = index(n, "/") ? substr(n, 1, index(n, "/") - 1) : n
			missing[g] = missing[g] (missing[g] == "" ? "" : " ") n
			nmiss[g]++
			if (!(g in gorder)) { gorder[g] = 1; groups[++ng] = g }
		}
		for (i = 1; i <= nwant; i++) {
			n = order[i]; g = index(n, "/") ? substr(n, 1, index(n, "/") - 1) : n
			total[g]++
		}
		for (j = 1; j <= ng; j++) {
			g = groups[j]
			if (nmiss[g] == total[g] && nmiss[g] > 1) {
				print "not ok " S "/" g "/* # none of its " nmiss[g] " expected points was reported (" F ")"
				continue
			}
			k = split(missing[g], m, " ")
			for (i = 1; i <= k; i++)
				print "not ok " S "/" m[i] " # expected (" F "), not reported: deleted, renamed or dropped"
		}
		if (nnew > 0) {
			l = ""
			for (i = 1; i <= nnew && i <= 20; i++) l = l " " new[i]
			if (nnew > 20) l = l " ..."
			print "not ok " S "/expected_points # " nnew " points not in " F " (new tests? regenerate it: make testbed-expected):" l
		}
	}' "$file" "$points"
}

# update [OUT_DIR]
update() {
	local out=${1:-$HV_REPO_DIR/build/testbed} p series n=0 f
	mkdir -p "$expdir"
	for p in "$out"/*.points; do
		[ -f "$p" ] || continue
		series=$(basename "$p" .points)
		if [ "$(cat "$out/$series.scope" 2>/dev/null)" != full ]; then
			hv_log "$series: skipped, its last run was not a full one (HV_TEST_BINARIES or HV_KUNIT_ONLY)"
			continue
		fi
		if grep -q '^not ok ' "$p"; then
			hv_log "$series: skipped, its last run had failures:"
			grep '^not ok ' "$p" | head -n 10 >&2
			continue
		fi
		f=$expdir/$series.txt
		{
			echo "# Expected test points of the $series testbed: what check.sh requires of every run."
			echo "# Generated by selftests/testbed/expected.sh update (make testbed-expected) from a run:"
			echo "# review changes as a diff; see docs/testing.md. '<point> # SKIP <reason>': an allowed skip."
			sed -n -e "s|^ok $series/||p" -e "s|^skip $series/\\([^:]*\\): \\(.*\\)|\\1 # SKIP \\2|p" "$p" |
				LC_ALL=C sort
		} >"$f.tmp"
		mv "$f.tmp" "$f"
		hv_log "$series: $(grep -vc '^#' "$f") points -> ${f#"$HV_REPO_DIR"/}"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || hv_die "no full, passing run found in $out (run make check, or check.sh, first)"
}

case "${1:-}" in
check) shift; [ $# -ge 2 ] || hv_die "usage: expected.sh check SERIES POINTS [BINARY...]"; check "$@" ;;
update) shift; update "$@" ;;
*) hv_die "usage: expected.sh update [OUT_DIR] | check SERIES POINTS [BINARY...]" ;;
esac
