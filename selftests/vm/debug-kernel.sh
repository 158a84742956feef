#!/bin/bash
# Build, once, the debug kernel that `make check` runs the whole suite on ("trixie-debug"):
# trixie's linux-source with KASAN, lockdep, kmemleak, list and object debugging
# (debug-kernel.config), installed into the trixie suite folder as KVER *-recallfs-debug
# with /lib/modules/KVER/build pointing at its build tree. The result is cached there,
# keyed by the linux-source version and the config fragment; a new key rebuilds.
#
# usage: debug-kernel.sh           prints "ROOT KVER" on stdout, progress on stderr
#        debug-kernel.sh --cached  exit 0 if that kernel is built already (nothing is made)
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
cache=${RECALLFS_CACHE:-/var/cache/recallfs-test}
frag=$here/debug-kernel.config
base=/usr/src/recallfs-debug-kernel # inside the suite folder
packages=(linux-source-6.12 flex bison bc libelf-dev libssl-dev cpio)

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

# The cache key: the linux-source version installed in ROOT and the fragment's settings
# (its comments change no kernel, so they do not rebuild one).
build_key() { # build_key ROOT
	local srcver
	srcver=$(chroot "$1" dpkg-query -W -f '${Version}' "${packages[0]}" 2>/dev/null) || return 1
	{ echo "$srcver"; grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$frag"; } | sha256sum | cut -c1-16
}

if [ "${1:-}" = --cached ]; then
	root=$cache/trixie
	[ -f "$root/.recallfs-complete" ] && key=$(build_key "$root") || exit 1
	[ -f "$root$base/$key/.complete" ]
	exit
fi

root=$("$here/suite-root.sh" trixie)

in_chroot() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

installed() { # installed PKG...: all of them installed in the suite folder
	local p
	for p in "$@"; do
		in_chroot dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			return 1
	done
}

exec 7>"$cache/debug-kernel.lock"
flock 7

if ! installed "${packages[@]}"; then
	# Not while check.sh's trixie suite builds in, or boots, the same folder.
	exec 6>"$cache/trixie.run.lock"
	flock 6
	say "installing ${packages[*]} in $root"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	in_chroot apt-get update -q >&2 || die "apt-get update in $root failed"
	in_chroot apt-get install -y -q --no-install-recommends "${packages[@]}" >&2 ||
		die "apt-get install in $root failed"
	flock -u 6
fi
srcver=$(in_chroot dpkg-query -W -f '${Version}' "${packages[0]}")
key=$(build_key "$root")
tarball=$(ls "$root"/usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
[ -f "$tarball" ] || die "no linux-source tarball in $root/usr/src"
dir=$base/$key

if [ -f "$root$dir/.complete" ]; then
	echo "$root $(cat "$root$dir/.kver")"
	exit 0
fi

t0=$(date +%s)
say "building $(basename "$tarball") $srcver (key $key) in $root$dir"
rm -rf "$root$base"
mkdir -p "$root$dir"
tar -xf "$tarball" -C "$root$dir" --strip-components=1
cp "$frag" "$root$dir/recallfs-debug.config"
log=$cache/logs/debug-kernel.build
mkdir -p "$cache/logs"
{
	in_chroot make -C "$dir" x86_64_defconfig &&
		in_chroot sh -c "cd $dir && scripts/kconfig/merge_config.sh -m .config \
			kernel/configs/kvm_guest.config recallfs-debug.config" &&
		in_chroot make -C "$dir" olddefconfig
} >"$log" 2>&1 || die "configuration failed; see $log"

# merge_config.sh only warns when an option does not survive its dependencies. An option
# turned off must exist (a misspelt one is never set, and would pass), and be off.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$root$dir/.config" || { say "not in .config: $line"; missing=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -rqx --include='Kconfig*' "\(menu\)\?config ${opt#CONFIG_}" "$root$dir" ||
			{ say "no such option: $opt"; missing=1; }
		! grep -q "^$opt=" "$root$dir/.config" || { say "still set: $opt"; missing=1; }
		;;
	esac
done <"$frag"
[ "$missing" = 0 ] || die "debug-kernel.config does not hold in the final .config"

in_chroot make -C "$dir" -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	die "kernel build failed; see $log"
kver=$(in_chroot make -s -C "$dir" kernelrelease)
rm -rf "$root"/lib/modules/*-recallfs-debug "$root"/boot/vmlinuz-*-recallfs-debug
in_chroot make -C "$dir" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1 ||
	die "modules_install failed; see $log"
cp "$root$dir/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$kver"
ln -sfn "$dir" "$root/lib/modules/$kver/build"
echo "$kver" >"$root$dir/.kver"
touch "$root$dir/.complete"
say "built $kver in $(($(date +%s) - t0))s"
echo "$root $kver"
