#!/bin/bash
# Create (or reuse) the debootstrap folder of one Debian suite: its kernel, headers,
# compiler and NFS server are the test matrix. Folders are cached outside the repo.
#
# usage: suite-root.sh SUITE        prints the folder path on stdout
set -euo pipefail
suite=$1
cache=${RECALLFS_CACHE:-/var/cache/recallfs-test}
root=$cache/$suite
packages=gcc,make,libc6-dev,linux-headers-amd64,linux-image-amd64,nfs-kernel-server,rpcbind,busybox,python3,kmod,iproute2,mount,util-linux,sparse,dkms,xz-utils,zstd,procps

# The mirror comes from the host's apt configuration; no registry host is written here.
mirror() {
	awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources
}

mkdir -p "$cache"
# check.sh debootstraps later suites in the background: a second caller waits here.
exec 9>"$cache/$suite.lock"
flock 9
if [ -f "$root/.recallfs-complete" ]; then
	echo "$root"
	exit 0
fi
rm -rf "$root.partial"
echo "suite-root: debootstrap $suite into $root (one-time, a few minutes)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$root.partial" "$(mirror)" \
	>"$cache/$suite.debootstrap.log" 2>&1 || {
	echo "suite-root: debootstrap $suite failed; see $cache/$suite.debootstrap.log" >&2
	tail -n 20 "$cache/$suite.debootstrap.log" >&2
	exit 1
}
rm -rf "$root"
mv "$root.partial" "$root"
touch "$root/.recallfs-complete"
echo "$root"
