# shellcheck shell=bash
# selftests/testbed/lib.sh: helpers shared by the testbed scripts (sourced, not run).
#   HV_CACHE   cache root for downloaded kernels (default /var/cache/hv-testbed)
#   hv_die MSG...          print "testbed: MSG" on stderr and exit 1
#   hv_log MSG...          print "testbed: MSG" on stderr
#   hv_headers_pkg SERIES  name of the headers meta package for 6.1 / 6.12
#   hv_kver SERIES         exact kernel version of the installed headers of that series
#   hv_kdir KVER           cache directory of that kernel (image extracted under KDIR/root)

HV_TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HV_REPO_DIR=$(cd "$HV_TESTBED_DIR/../.." && pwd)
HV_CACHE=${HV_CACHE:-/var/cache/hv-testbed}
export HV_TESTBED_DIR HV_REPO_DIR HV_CACHE

hv_log() { printf 'testbed: %s\n' "$*" >&2; }
hv_die() { hv_log "$@"; exit 1; }

hv_headers_pkg() {
	case "$1" in
	6.1) echo linux-headers-amd64 ;;
	6.12) echo linux-headers-6.12-amd64 ;;
	*) hv_die "unknown kernel series '$1' (want 6.1 or 6.12)" ;;
	esac
}

# The meta package depends on exactly one linux-headers-<kver> package.
hv_kver() {
	local meta deps kver
	meta=$(hv_headers_pkg "$1")
	deps=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null) ||
		hv_die "$meta is not installed (run selftests/testbed/deps.sh)"
	kver=$(printf '%s\n' "$deps" | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\)\( .*\)\{0,1\}$/\1/p' | head -n1)
	[ -n "$kver" ] || hv_die "cannot find the kernel version in the dependencies of $meta: $deps"
	[ -d "/usr/src/linux-headers-$kver" ] || hv_die "/usr/src/linux-headers-$kver is missing"
	echo "$kver"
}

hv_kdir() { echo "$HV_CACHE/kernels/$1"; }
