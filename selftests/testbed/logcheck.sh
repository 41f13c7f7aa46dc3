# shellcheck shell=bash
# selftests/testbed/logcheck.sh: the kernel-log classifier (sourced, not run), shared by check.sh
# (the testbed's serial logs) and scripts/check-host.sh (a real host's dmesg).
#   kernel_log_check NAME LOG   one result point NAME/kernel_log_clean through the caller's
#                               res() (res ok|fail NAME [WHY]), and the bad lines as comments
#   allow, allow_splats         EREs of lines and of whole WARN splats that are not hv's; a caller
#                               adds its environment's own (check.sh: Bochs' CPU model)

# Lines in the serial log that look bad but are not (ERE, matched against the whole line).
allow=(
	'Speculative Return Stack Overflow: WARNING: See https'
	'WARNING: Unprivileged eBPF is enabled'
)
# Whole WARN splats (cut here ... end trace) that are not hv's, by their WARNING line (ERE).
allow_splats=()
# Sanitizer reports that do not say WARNING/BUG themselves: kmemleak's summary and its giving up,
# lockdep's unannotated lock (its stack dump says Call Trace too).
sanitizer_re='suspected memory leak|kmemleak: .*(disabl|pool empty)|INFO: trying to register non-static key'

# The serial log without the WARN splats listed in allow_splats: each splat from its "cut here"
# line to its "end trace" line is dropped when its WARNING line matches; a splat longer than 100
# lines or without an end is kept whole (it may have swallowed other messages).
strip_allowed_splats() { # LOG
	# Through the environment: awk -v would take the backslashes of the ERE as escapes.
	HV_SPLAT_RE=$(IFS='|'; echo "${allow_splats[*]}") awk '
	BEGIN { re = ENVIRON["HV_SPLAT_RE"] }
	function flush() { printf "%s", buf; buf = ""; n = 0; inblk = 0 }
	/-+\[ cut here \]-+/ { if (inblk) flush(); inblk = 1; allowed = 0 }
	inblk {
		buf = buf $0 ORS; n++
		if (re != "" && $0 ~ /WARNING: CPU: / && $0 ~ re) allowed = 1
		if ($0 ~ /---\[ end trace/) { if (allowed) { buf = ""; n = 0; inblk = 0 } else flush() }
		else if (n > 100) flush()
		next
	}
	{ print }
	END { if (inblk) flush() }' "$1"
}

# The serial log without the soft lockups that only say the emulator stood still, with a note
# for each on stderr. A soft lockup in the idle task (swapper/N) whose dmesg splat has no frame
# of hv or KVM (RIP and Call Trace up to </TASK>) is an emulated CPU that executed nothing for
# that long: it sat idle and not even its own timer interrupt ran (seen once in CI, 36 s, under
# QEMU's multi-threaded TCG). Everything in the testbed stalls with it, nested guests too: an idle
# nested-guest CPU whose wake-up timer is an hrtimer on that host CPU reports its own soft lockup
# (a "# guest:" line), so those are excused too, but only in a log that shows such a stall. A
# soft lockup of a busy task, one with hv or KVM in its trace, or one whose dmesg copy with the
# trace is missing (the run did not finish), stays a bad line. And the console lines of a nested
# guest boot that vmm_test itself put down to an emulator defect, and ran once more, are not
# counted either (their Oops is QEMU's stale int3, seen in make check and CI alike).
strip_emulator_stalls() { # LOG
	awk -v notes=/dev/stderr '
	function idle_lockup(l) { return l ~ /watchdog: BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s! \[swapper\/[0-9]+:0\]/ }
	function finish() {
		if (open && closed && !ours) { for (i = start; i <= last; i++) drop[i] = 1; stall[bugline] = 1; nstall++ }
		open = 0
	}
	FNR == NR {
		# A nested guest whose boot vmm_test put down to an emulator defect and ran once more
		# (vmm_linux.c, emulator_defect(): QEMU stale int3 and the like): its console lines,
		# from its "# $ hv-run" line to vmm_test'"'"'s verdict, are that defect'"'"'s, not hv'"'"'s.
		if ($0 ~ /^# \$ /) tstart = FNR
		if (tstart && $0 ~ /^# this failure has the signature of QEMU TCG/) {
			for (i = tstart; i < FNR; i++) reran[i] = 1
			nreran++
			tstart = 0
		}
		if ($0 ~ /^\[ *[0-9.]+\] watchdog: BUG: soft lockup/) {
			finish()
			if (idle_lockup($0)) { open = 1; closed = 0; ours = 0; start = FNR; last = FNR; bugline = $0 }
			next
		}
		if (open) {
			last = FNR
			if ($0 ~ /\[(hv|kvm|kvm_amd|kvm_intel)\]/) ours = 1
			if ($0 ~ /<\/TASK>/) { closed = 1; finish() }
			else if (FNR - start > 80) open = 0
		}
		next
	}
	FNR == 1 { finish() }
	drop[FNR] || ($0 in stall) { next }
	nstall && /^# guest: / && idle_lockup($0) { excused++; next }
	reran[FNR] && /^# guest/ { next }
	{ print }
	END {
		for (l in stall) {
			sub(/^\[ *[0-9.]+\] watchdog: BUG: soft lockup - /, "", l)
			printf "# testbed: emulator stall, not counted: %s (idle task, no hv or kvm frame)\n", l > notes
		}
		if (excused) printf "# testbed: %d idle soft lockup(s) of nested guests excused by it\n", excused > notes
		if (nreran) printf "# testbed: %d nested guest boot(s) vmm_test re-ran for an emulator defect: their console lines not counted\n", nreran > notes
	}' "$1" "$1"
}

# The log without the stall reports that only say a CPU sat in hv's guest with the host's
# interrupts withheld from it, with a note for each on stderr. hv logs a guest run of over 5 s
# ("hv: vcpu V: one guest run lasted MS ms on CPU N without an exit; host interrupts set to exit
# it", hv_note_long_run() in hv_vcpu.c): hv intercepts the host's interrupts and NMIs in every
# guest and runs it with IF=1, so the host's tick and the IPIs sent to that CPU must each have
# ended the run within milliseconds. A CPU that does not deliver them is the emulator's
# (seen once in CI, 6.1, smp_test: CPU 0 in guest mode with 60 ticks in 21 s, its NMI backtrace
# right after hv's STGI). An RCU CPU stall report or a soft lockup of CPU N is not counted when
# such a line for CPU N, of at least 10 s (half the stall timeout, 21 s), follows it (the run
# ends when the report's NMI, or the interrupt the lockup detector rides on, gets through):
# its header line and the stalled CPU's backtrace (to </TASK>) are dropped. A report that
# also names a blocked task, a CPU without such a line, or a line that says "NOT set to exit
# it" (hv's controls, not the CPU) stays bad, as does everything else in the log.
strip_withheld_interrupts() { # LOG
	awk -v notes=/dev/stderr '
	function cpu_covered(c, after) { return (c in run_at) && run_at[c] > after }
	FNR == NR {
		sub(/\r$/, "")
		if (match($0, /hv: vcpu [0-9]+: one guest run lasted [0-9]+ ms on CPU [0-9]+ without an exit; host interrupts set to exit it$/)) {
			split(substr($0, RSTART), w, " ")	# hv: vcpu V: one guest run lasted MS ms on CPU N ...
			if (w[8] + 0 >= 10000) run_at[w[12] + 0] = FNR
		}
		if ($0 ~ /rcu: INFO: [a-z_]+ detected stalls on CPUs\/tasks:$/) {
			nrep++; hdr[nrep] = FNR; kind[nrep] = "rcu"; cur = nrep; listing = 1; next
		}
		if (match($0, /watchdog: BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s!/)) {
			nrep++; hdr[nrep] = FNR; kind[nrep] = "lockup"; cur = 0; listing = 0
			c = substr($0, RSTART); sub(/^.*CPU#/, "", c); c += 0
			cpus[nrep] = c; bt_open[nrep] = FNR; bt_start[nrep, c] = FNR
			next
		}
		if (listing) {
			if ($0 ~ /rcu: \t+[0-9]+-/) { c = $0; sub(/^.*rcu: \t+/, "", c); sub(/-.*/, "", c); cpus[cur] = cpus[cur] (cpus[cur] == "" ? "" : " ") c + 0 }
			else if ($0 ~ /rcu: \t*(P[0-9]+|Tasks blocked)/) tasks[cur] = 1
			else if ($0 ~ /\(detected by [0-9]+, t=/) listing = 0
			if (FNR - hdr[cur] > 20) listing = 0
		}
		# The backtrace of a stalled CPU: from "NMI backtrace for cpu N" (RCU) or the lockup line
		# to its </TASK>, within 80 lines.
		if (match($0, /NMI backtrace for cpu [0-9]+$/)) {
			c = substr($0, RSTART + 22) + 0
			for (r = nrep; r >= 1 && FNR - hdr[r] < 200; r--)
				if (kind[r] == "rcu" && (" " cpus[r] " ") ~ (" " c " ") && !((r, c) in bt_start)) { bt_start[r, c] = FNR; open_r = r; open_c = c; break }
		}
		if ($0 ~ /<\/TASK>/) {
			if (open_r) { bt_end[open_r, open_c] = FNR; open_r = 0 }
			for (r = nrep; r >= 1 && FNR - hdr[r] < 120; r--)
				if (kind[r] == "lockup" && bt_open[r]) { bt_end[r, cpus[r]] = FNR; bt_open[r] = 0 }
		}
		next
	}
	FNR == 1 {
		for (r = 1; r <= nrep; r++) {
			if (cpus[r] == "" || tasks[r]) continue
			n = split(cpus[r], cl, " "); ok = 1
			for (i = 1; i <= n; i++) if (!cpu_covered(cl[i], hdr[r]) || !((r, cl[i]) in bt_end)) ok = 0
			if (!ok) continue
			drop[hdr[r]] = 1
			for (i = 1; i <= n; i++) for (l = bt_start[r, cl[i]]; l <= bt_end[r, cl[i]]; l++) drop[l] = 1
			excused[kind[r] " of CPU " cpus[r]] = 1
		}
	}
	!drop[FNR] { print }
	END {
		for (e in excused)
			printf "# testbed: %s not counted: hv logged a guest run of 10 s or more there with the host'"'"'s interrupts set to exit it (withheld by the emulator)\n", e > notes
	}' "$1" "$1"
}

# The dmesg copy (the last one in the log) of the first bad line that starts a splat, with the 40
# lines after it: the console copy has only the emergency line, and a CI excerpt shows no more than
# what check.sh prints.
splat_context() { # LOG BAD-LINES
	local first n
	first=$(printf '%s\n' "$2" | grep -aE -m1 "BUG:|Oops|general protection fault|soft lockup|hard LOCKUP|detected stall|blocked for more than" || true)
	[ -n "$first" ] || return 0
	n=$(grep -anF -x -- "$first" "$1" | tail -n1 | cut -d: -f1)
	[ -n "$n" ] || return 0
	echo "#   the splat of the first (log line $n):"
	sed -n "$n,$((n + 40))p" "$1" | sed 's/^/#     /'
}

# The bad kernel messages anywhere in the serial log, one per line (the console copy and the dmesg
# copy are deduplicated); nothing when the log is clean. The log ends, for this, at run-qemu.sh's
# "QEMU STALL" or "QEMU TIMEOUT" line: what follows is the SysRq dump it asked for (backtraces of
# every CPU and of the blocked tasks), evidence for a reader, not something the kernel reported.
kernel_log_bad() { # LOG
	local allow_re stripped
	allow_re=$(IFS='|'; echo "${allow[*]}")
	stripped=$(mktemp "${TMPDIR:-/tmp}/hv-log.XXXXXX")
	awk '/^# hv-test: QEMU (STALL|TIMEOUT)/ { exit } { print }' "$1" | strip_allowed_splats /dev/stdin >"$stripped.1"
	strip_withheld_interrupts "$stripped.1" >"$stripped"
	rm -f "$stripped.1"
	strip_emulator_stalls "$stripped" | grep -aE "WARNING:|BUG:|Oops|general protection fault|Call Trace|KASAN|UBSAN|kernel BUG|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|detected stall|\\bhv[a-z_]*: .*leak|unreferenced object|$sanitizer_re" |
		grep -avE "$allow_re" | grep -av '^# hv-test: RESULT' | awk '!seen[$0]++' || true
	rm -f "$stripped"
}

# In run-qemu.sh's SysRq dump (after its "QEMU STALL" or "QEMU TIMEOUT" line), the first
# interrupt entry (asm_sysvec_*, asm_common_interrupt) whose interrupted context had IF clear, as
# "<entry> over <RIP line> with EFLAGS <flags>"; nothing if there is none. No x86 CPU delivers a
# maskable interrupt with IF=0: QEMU TCG's nested-SVM defect does, when it takes the host for the
# guest and gates interrupts with the IF saved at VMRUN (hv, like KVM, runs VMRUN with IF=1 and
# GIF=0). Seen on 2026-12-02 in a clean make check: hv-run's CPU in five nested IPI handlers, each
# spinning on the run-queue lock the one below held, every interrupted frame with EFLAGS 0x2.
interrupt_with_if_clear() { # LOG
	tr -d '\r' <"$1" | awk '
	/^# hv-test: QEMU (STALL|TIMEOUT)/ { dump = 1; next }
	!dump { next }
	/ asm_(sysvec_[a-z_]+|common_interrupt)\+/ { entry = $NF; rip = ""; left = 6; next }
	left > 0 && / RIP: / { sub(/^.* RIP: /, ""); rip = $0 }
	left > 0 && / EFLAGS: [0-9a-f]+/ {
		f = $0; sub(/^.* EFLAGS: /, "", f); sub(/[^0-9a-fA-F].*$/, "", f)
		# IF is bit 9: bit 1 of the third hex digit from the right.
		d = index("0123456789abcdef", tolower(substr(f, length(f) - 2, 1))) - 1
		if (rip != "" && length(f) >= 3 && d >= 0 && int(d / 2) % 2 == 0) {
			print entry " over " rip " with EFLAGS " f
			exit
		}
		left = 0; next
	}
	{ left-- }'
}

# The first "Oops: int3" of the test host's kernel whose Code: line shows no int3 (0xcc) in the
# byte before the trapping RIP (the byte in <> follows the trap), as "at <RIP> with <byte> before
# it"; nothing if there is none. The kernel patches its code (static keys, alternatives,
# tracepoints) by text_poke_bp(): an int3 first, the rest, then the first byte, each step followed
# by a serializing IPI to every CPU, and its int3 handler claims the traps of a patch in progress.
# An int3 it does not claim, gone from memory when the oops reads the bytes, was executed after
# every CPU had serialized past the patch: no x86 CPU does that; QEMU TCG's multi-threaded
# translation sometimes runs a stale block of code another vCPU patched. Seen on 2026-12-02 in a
# clean make check: the 6.12 test host's CPU 1 in __schedule+0x339 on "0f <1f> 44 00 00", a
# 5-byte NOP a static key had just restored, while trace_test toggled tracepoints.
stale_int3() { # LOG
	tr -d '\r' <"$1" | awk '
	/Oops: int3/ { oops = 1; next }
	oops && / RIP: / && rip == "" { rip = $0; sub(/^.* RIP: /, "", rip) }
	oops && / Code: / {
		if (match($0, /[0-9a-f][0-9a-f] <[0-9a-f][0-9a-f]>/)) {
			b = substr($0, RSTART, 2)
			if (b != "cc") print "at " rip " with " b " before it"
		}
		exit
	}'
}

# One result point for the serial log: NAME/kernel_log_clean.
kernel_log_check() { # SERIES LOG
	local bad
	bad=$(kernel_log_bad "$2")
	if [ -n "$bad" ]; then
		res fail "$1/kernel_log_clean" "$(printf '%s\n' "$bad" | wc -l) bad kernel log lines:"
		printf '%s\n' "$bad" | head -n 60 | sed 's/^/#   /'
		splat_context "$2" "$bad"
	else
		res ok "$1/kernel_log_clean"
	fi
}
