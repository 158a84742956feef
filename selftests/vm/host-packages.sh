#!/bin/bash
# Install the host packages the VM test rig needs (idempotent; run as root).
set -euo pipefail
need=(qemu-system-x86 busybox-static debootstrap cpio xz-utils zstd sparse linux-source e2fsprogs)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "host-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
