#!/bin/bash
# Print a directory holding kselftest_harness.h and kselftest.h (pass it as KSFT_INC to
# selftests/recallfs/Makefile). They come from the host's Debian linux-source tarball and
# are extracted once into the cache (a full pass over the .tar.xz takes ~1 min).
#
# usage: kselftest-headers.sh
set -euo pipefail
cache=${RECALLFS_CACHE:-/var/cache/recallfs-test}
dir=$cache/kselftest
here=$(dirname "$(readlink -f "$0")")

if [ -f "$dir/kselftest_harness.h" ] && [ -f "$dir/kselftest.h" ]; then
	echo "$dir"
	exit 0
fi

tarball() { ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -n 1; }
src=$(tarball)
if [ -z "$src" ]; then
	[ "$(id -u)" = 0 ] || { echo "kselftest-headers: no /usr/src/linux-source-*.tar.*; install linux-source" >&2; exit 1; }
	"$here/host-packages.sh" >&2
	src=$(tarball)
	[ -n "$src" ] || { echo "kselftest-headers: linux-source has no tarball in /usr/src" >&2; exit 1; }
fi

# Extract beside the final place and rename: concurrent callers never see half a header.
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/kselftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xf "$src" -C "$tmp" --wildcards --no-anchored --strip-components=4 \
	'tools/testing/selftests/kselftest_harness.h' 'tools/testing/selftests/kselftest.h'
[ -f "$tmp/kselftest_harness.h" ] && [ -f "$tmp/kselftest.h" ] ||
	{ echo "kselftest-headers: headers not found in $src" >&2; exit 1; }
echo "from $(basename "$src")" >"$tmp/SOURCE"
chmod 755 "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir" || [ -f "$dir/kselftest.h" ] # lost a race to a concurrent caller: fine
echo "$dir"
