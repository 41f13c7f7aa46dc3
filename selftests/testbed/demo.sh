#!/bin/bash
# selftests/testbed/demo.sh: `make demo`, a Linux guest booted by the hv-run VMM
# inside the SVM testbed.  The VMM is the subject of its own issue and does not
# exist yet; say so plainly instead of pretending.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f userspace-vmm/main.c ]; then
	echo "make demo: the hv-run VMM (userspace-vmm/) is not written yet, so there is no" >&2
	echo "Linux guest to boot. 'make check' exercises hv.ko in the testbed meanwhile." >&2
	exit 2
fi
echo "make demo: userspace-vmm exists but demo.sh has not been taught to run it" >&2
exit 2
