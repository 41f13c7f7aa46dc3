#!/bin/sh
# /usr/bin/timeout in the initramfs of the kselftest series (mkinitramfs.sh -K): busybox's timeout
# with what the kselftest runner (kselftest/runner.sh) expects of coreutils' one: it accepts
# --foreground (the runner nests `timeout --foreground T timeout T ./test`), and a command it had to
# stop exits 124, not 143 (busybox's: killed by SIGTERM), so that the runner says "TIMEOUT".
# TERM is trapped, not ignored (children inherit an ignored signal): the outer timeout's TERM,
# sent the same moment the inner one stops the test, must not end this shell before it maps 143.
trap : TERM
[ "$1" = --foreground ] && shift
/bin/busybox timeout "$@"
rc=$?
[ "$rc" -eq 143 ] && rc=124
exit "$rc"
