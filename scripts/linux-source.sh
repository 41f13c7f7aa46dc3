#!/bin/bash
# scripts/linux-source.sh NAME PATH...: a few files of Debian's linux-source-6.1, extracted once.
#   Prints the directory that holds PATH... (paths inside the kernel tree, e.g. scripts/checkpatch.pl)
#   with the kernel tree's layout, extracted from the package's tarball into
#   $HV_CACHE/NAME/linux-source-6.1-<package version>/ (default /var/cache/hv-testbed;
#   build/NAME/... of this repository when that is not writable). A new package version gets a new
#   directory; files already there are not extracted again. Used by scripts/checkpatch.sh (NAME
#   checkpatch) and scripts/kselftest-framework.sh (NAME kselftest).
#   The package is installed through selftests/testbed/deps.sh when missing, unless HV_SKIP_DEPS=1.
#   Exit status 2, with one line on stderr, when the package or a file cannot be had.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${HV_CACHE:-/var/cache/hv-testbed}
srcpkg=linux-source-6.1

die() {
	echo "linux-source: $*" >&2
	exit 2
}

[ $# -ge 2 ] || die "usage: linux-source.sh NAME PATH..."
name=$1
shift

st=$(dpkg-query -W -f='${db:Status-Status}' "$srcpkg" 2>/dev/null || true)
if [ "$st" != installed ]; then
	[ "${HV_SKIP_DEPS:-0}" != 1 ] ||
		die "$srcpkg is not installed and HV_SKIP_DEPS=1 (bash selftests/testbed/deps.sh installs it)"
	bash "$repo/selftests/testbed/deps.sh" "$srcpkg" >&2 || die "cannot install $srcpkg"
fi
ver=$(dpkg-query -W -f='${Version}' "$srcpkg")
dir=$cache/$name/$srcpkg-$ver
if ! { mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]; }; then
	dir=$repo/build/$name/$srcpkg-$ver
	mkdir -p "$dir"
fi

missing=()
for f in "$@"; do
	[ -f "$dir/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
	tarball=$(dpkg-query -L "$srcpkg" | grep -E '/linux-source-[0-9.]+\.tar\.xz$' | head -n1)
	[ -f "$tarball" ] || die "$srcpkg installs no source tarball"
	top=$(basename "$tarball" .tar.xz)
	echo "linux-source: extracting ${missing[*]} from $tarball into $dir (once)" >&2
	# Into a scratch directory first: an interrupted extraction leaves no half cache.
	tmp=$(mktemp -d "$dir/.extract.XXXXXX")
	# --occurrence=1: stop reading the 140 MB archive once each file is found.
	if ! tar -xJf "$tarball" -C "$tmp" --strip-components=1 --occurrence=1 \
		"${missing[@]/#/$top/}"; then
		rm -rf "$tmp"
		die "cannot extract ${missing[*]} from $tarball"
	fi
	for f in "${missing[@]}"; do
		mkdir -p "$(dirname "$dir/$f")"
		mv "$tmp/$f" "$dir/$f"
	done
	rm -rf "$tmp"
fi
echo "$dir"
