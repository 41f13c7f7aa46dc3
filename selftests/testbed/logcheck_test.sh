#!/bin/bash
# selftests/testbed/logcheck_test.sh: the kernel-log classifier (logcheck.sh) on made-up serial
# logs, one result line per case ("ok host/logcheck/<case>" or "not ok ... # why"); exit
# status 1 if any case failed. Run by check-all.sh before the testbeds: a classifier that
# excuses too much turns hv's own stalls green, one that excuses too little fails CI for the
# emulator's, and neither shows in a run whose log happens to be clean.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
# shellcheck source-path=SCRIPTDIR source=logcheck.sh
. ./logcheck.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hv-logcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

# An RCU CPU stall report of CPU $1 as 6.1 prints it (CI, 2026-12-02, smp_test), with the
# stalled CPU's NMI backtrace in hv's svm_enter, right after its STGI. $2: extra lines to put
# between the report's list and its backtrace.
rcu_stall() {
	cat <<EOF
[   98.007625] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   98.007625] rcu: 	$1-...0: (60 ticks this GP) idle=ddf4/1/0x4000000000000000 softirq=5063/5065 fqs=893
${2:-}[   98.007625] 	(detected by 1, t=5253 jiffies, g=9333, q=32 ncpus=2)
[   98.007625] Sending NMI from CPU 1 to CPUs $1:
[   86.778761] NMI backtrace for cpu $1
[   86.778761] CPU: $1 PID: 520 Comm: smp_test Tainted: G           OE      6.1.0-57-amd64 #1  Debian 6.1.192-3
[   86.778761] RIP: 0010:svm_enter+0x2ba/0x540 [hv]
[   86.778761] RSP: 0018:ffffce9c405e7a70 EFLAGS: 00000046
[   86.778761] Call Trace:
[   86.778761]  <TASK>
[   86.778761]  hv_vcpu_run+0x1f4/0x6d0 [hv]
[   86.778761]  hv_vcpu_ioctl+0x2a1/0x8f0 [hv]
[   86.778761]  __x64_sys_ioctl+0x90/0xd0
[   86.778761]  </TASK>
EOF
}

# A soft lockup of the vCPU thread on CPU $1, hv in its trace.
soft_lockup() {
	cat <<EOF
[  120.100000] watchdog: BUG: soft lockup - CPU#$1 stuck for 23s! [smp_test:520]
[  120.100000] CPU: $1 PID: 520 Comm: smp_test Tainted: G           OE      6.12.117+deb12-amd64 #1
[  120.100000] RIP: 0010:hv_vcpu_enter_guest+0x1c0/0x3a0 [hv]
[  120.100000] Call Trace:
[  120.100000]  <IRQ>
[  120.100000]  </IRQ>
[  120.100000]  <TASK>
[  120.100000]  hv_vcpu_run+0x1f4/0x6d0 [hv]
[  120.100000]  </TASK>
EOF
}

# hv's line for a guest run of $1 ms on CPU $2, printed with the format hv_note_long_run() has
# in module/hv_vcpu.c (so that the classifier's pattern follows it); $3: how the host's
# interrupts were set, "set to exit it" unless given.
long_run_format=$(sed -n 's/^[[:space:]]*pr_info_ratelimited("\(vcpu %u: one guest run lasted .*\)\\n",$/\1/p' \
	../../module/hv_vcpu.c)
long_run() {
	# shellcheck disable=SC2059 # the format is hv's
	printf "[  110.500000] hv: $long_run_format\n" 2 "$1" "$2" "${3:-set to exit it}"
}
if [ -z "$long_run_format" ]; then
	echo "not ok host/logcheck/long_run_format # hv_note_long_run()'s pr_info_ratelimited() format not found in module/hv_vcpu.c"
	exit 1
fi

boot() { echo "[    1.000000] Linux version 6.1.0-57-amd64"; }
done_line() { echo "# hv-test: DONE"; }
blocked_task="[   98.007625] rcu: 	Tasks blocked on level-0 rcu_node (CPUs 0-1): P520
"
other_warning="[   98.007625] WARNING: CPU: 1 PID: 77 at mm/slub.c:100 kfree+0x1/0x2
"

# case_ NAME WANT: the log on stdin; WANT "clean" (no bad line) or an ERE the bad lines must match.
case_() {
	local name=$1 want=$2 log="$tmp/$1.log" bad
	cat >"$log"
	bad=$(kernel_log_bad "$log" 2>/dev/null)
	if [ "$want" = clean ] && [ -z "$bad" ]; then
		echo "ok host/logcheck/$name"
	elif [ "$want" != clean ] && printf '%s\n' "$bad" | grep -qE -- "$want"; then
		echo "ok host/logcheck/$name"
	else
		echo "not ok host/logcheck/$name # wanted ${want}, the bad lines were: $(printf '%s' "$bad" | tr '\n' '|' | head -c 300)"
		failed=$((failed + 1))
	fi
}

case_ rcu_stall_of_a_cpu_held_in_guest_mode_not_counted clean \
	< <(boot; rcu_stall 0; long_run 11720 0; done_line)
case_ rcu_stall_console_and_dmesg_copies_not_counted clean \
	< <(boot; rcu_stall 0; rcu_stall 0; long_run 11720 0; long_run 11720 0; done_line)
case_ soft_lockup_of_a_cpu_held_in_guest_mode_not_counted clean \
	< <(boot; soft_lockup 1; long_run 23050 1; done_line)
case_ rcu_stall_without_hv_line_counts 'detected stalls' \
	< <(boot; rcu_stall 0; done_line)
case_ rcu_stall_with_interrupts_not_intercepted_counts 'detected stalls' \
	< <(boot; rcu_stall 0; long_run 11720 0 'NOT set to exit it'; done_line)
case_ rcu_stall_with_a_short_run_counts 'Call Trace' \
	< <(boot; rcu_stall 0; long_run 6000 0; done_line)
case_ rcu_stall_with_a_run_on_another_cpu_counts 'detected stalls' \
	< <(boot; rcu_stall 0; long_run 11720 1; done_line)
case_ rcu_stall_after_the_run_ended_counts 'detected stalls' \
	< <(boot; long_run 11720 0; rcu_stall 0; done_line)
case_ rcu_stall_that_names_a_blocked_task_counts 'detected stalls' \
	< <(boot; rcu_stall 0 "$blocked_task"; long_run 11720 0; done_line)
case_ other_warning_inside_an_excused_report_counts '^\[ *[0-9.]+\] WARNING: CPU: 1 PID: 77' \
	< <(boot; rcu_stall 0 "$other_warning"; long_run 11720 0; done_line)
case_ soft_lockup_with_a_run_on_another_cpu_counts 'soft lockup' \
	< <(boot; soft_lockup 1; long_run 23050 0; done_line)

[ "$failed" -eq 0 ]
