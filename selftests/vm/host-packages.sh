#!/bin/bash
# Install the host packages the VM test rig needs (idempotent; run as root).
set -euo pipefail
need=(qemu-system-x86 busybox-static debootstrap cpio xz-utils zstd sparse linux-source e2fsprogs
	# tools/fuzz: clang, and its libFuzzer and sanitizer runtimes
	# (libclang_rt.fuzzer, in libclang-rt-<version>-dev), which clang only
	# recommends, and recommends are not installed here. libclang-rt-dev
	# depends on the runtime of the default clang, whatever its version.
	clang libclang-rt-dev
	# tools/recallctl-test reads recallctl's JSON with python3's json module
	python3)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "host-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
