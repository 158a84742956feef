#!/bin/bash
# Boot a Debian suite's kernel under QEMU (TCG) with the suite folder as a read-only 9p
# root, run one script inside it as root, and power off.
#
# usage: vmrun.sh ROOT KVER GUEST_SCRIPT [TIMEOUT [ARG...]]
#   ROOT          a suite folder holding /boot/vmlinuz-KVER and /lib/modules/KVER
#   GUEST_SCRIPT  path of an executable script *inside* ROOT; ARGs are passed to it
#                 (plain words only: they go through a generated shell script)
#   TIMEOUT       seconds for the whole VM (default 1800); a hang is killed
# The console goes to stdout; the initramfs prints "vmrun: initramfs up" when the kernel has
# booted, and after the script the guest prints "VM-EXIT <status>".
# Exit status: qemu's (124 = timeout, see timeout(1)).
#
# Environment:
#   VMRUN_RESULTS=FILE   second serial port (guest /dev/ttyS1) written to FILE: a channel for
#                        results that kernel messages on the console cannot interleave with
#   VMRUN_INTERACTIVE=1  console on the terminal (Ctrl-A x quits), script then a shell
#   VMRUN_MEM, VMRUN_CPUS guest size (default 2048 MB, 2 vCPUs)
#   VMRUN_APPEND         extra kernel command line
#   VMRUN_DISK=FILE      a raw disk image attached as virtio-blk (guest /dev/vda)
set -euo pipefail

die() { echo "vmrun: $*" >&2; exit 2; }

[ $# -ge 3 ] || die "usage: vmrun.sh ROOT KVER GUEST_SCRIPT [TIMEOUT [ARG...]]"
root=$(cd "$1" && pwd) kver=$2 script=$3
timeout_s=${4:-1800}
shift $(($# >= 4 ? 4 : 3))
args=("$@")
moddir=$root/lib/modules/$kver

[ -r "$root/boot/vmlinuz-$kver" ] || die "no kernel $root/boot/vmlinuz-$kver"
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep"
[ -x "$root$script" ] || die "guest script $root$script missing or not executable"
for a in "${args[@]}"; do
	[[ $a =~ ^[A-Za-z0-9_.,:=/+-]+$ ]] || die "guest argument '$a' is not a plain word"
done

work=$(mktemp -d /tmp/vmrun.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Path (relative to $moddir) of module NAME from modules.dep, empty if built in / absent.
mod_path() {
	awk -F: -v n="$1" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", f);
		gsub(/-/, "_", f); if (f == n) { print $1; exit } }' "$moddir/modules.dep"
}

# Dependencies of the module at PATH (as listed in modules.dep, already transitive).
mod_deps() {
	awk -F: -v p="$1" '$1 == p { print $2; exit }' "$moddir/modules.dep"
}

# Append module PATH and, before it, its dependencies to $order (depth first, no repeats).
declare -A seen=()
order=()
add_mod() {
	local p=$1 d
	[ -z "${seen[$p]:-}" ] || return 0
	seen[$p]=1
	for d in $(mod_deps "$p"); do add_mod "$d"; done
	order+=("$p")
}

# What the initramfs needs to reach the 9p root. Built-in ones (newer kernels) are skipped.
for m in virtio_pci 9pnet_virtio 9p; do
	p=$(mod_path "$m")
	if [ -n "$p" ]; then
		add_mod "$p"
	elif ! grep -q "/$m.ko\$" "$moddir/modules.builtin" 2>/dev/null; then
		die "module $m neither in modules.dep nor modules.builtin of $kver"
	fi
done

# busybox insmod cannot read compressed modules: decompress, numbered in load order.
ir=$work/ir
mkdir -p "$ir"/{bin,proc,sys,dev,newroot,mods}
cp /bin/busybox "$ir/bin/busybox"
i=10
for p in "${order[@]}"; do
	n=$(basename "$p"); n=${n%%.ko*}
	case $p in
	*.ko.xz) xz -dc "$moddir/$p" >"$ir/mods/$i-$n.ko" ;;
	*.ko.zst) zstd -dcq "$moddir/$p" >"$ir/mods/$i-$n.ko" ;;
	*.ko.gz) gzip -dc "$moddir/$p" >"$ir/mods/$i-$n.ko" ;;
	*) cp "$moddir/$p" "$ir/mods/$i-$n.ko" ;;
	esac
	i=$((i + 1))
done

# Stage 2 runs on the new root (its own /bin/sh), so it is copied to a tmpfs there.
if [ "${VMRUN_INTERACTIVE:-0}" = 1 ]; then
	after='setsid -c /bin/bash -i </dev/ttyS0 >/dev/ttyS0 2>&1'
	stdin=/dev/ttyS0
else
	after=: stdin=/dev/null
fi
cat >"$ir/stage2" <<EOF
#!/bin/sh
# A moved /proc would end up hidden on the 9p root: mount fresh ones.
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
echo recallfs-vm >/proc/sys/kernel/hostname
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb
cd /
$script ${args[*]} <$stdin
rc=\$?
$after
echo "VM-EXIT \$rc"
sync
echo o >/proc/sysrq-trigger
sleep 60
EOF

# The guest's / is a tmpfs holding read-only bind mounts of the 9p root's directories, with
# tmpfs wherever daemons and tools write. A tmpfs / (not 9p) matters for NFSv4: mountd
# exports every parent of an export as the v4 pseudo-root, and nfsd cannot export 9p.
cat >"$ir/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The runner's sign that the kernel finished booting: nothing of the tests runs before it.
echo "vmrun: initramfs up" >/dev/console
for m in /mods/*.ko; do
	[ -e "$m" ] || continue
	insmod "$m" || echo "vmrun: insmod $m failed"
done
mkdir -p /9p
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /9p; then
	echo "vmrun: cannot mount the 9p root"; dmesg | tail -n 30; poweroff -f
fi
mount -t tmpfs -o mode=0755 root /newroot
for e in /9p/*; do
	n=${e#/9p/}
	if [ -L "$e" ]; then
		cp -a "$e" /newroot/
	elif [ -d "$e" ]; then
		mkdir -p "/newroot/$n"
		case $n in
		tmp | run | mnt | root | media | srv | proc | sys | dev) ;;
		*) mount --bind "$e" "/newroot/$n" ;;
		esac
	fi
done
for d in var/lib var/tmp var/cache var/log; do
	[ -d /newroot/$d ] && mount -t tmpfs -o mode=0755 tmpfs /newroot/$d
done
chmod 1777 /newroot/tmp /newroot/var/tmp
cp /stage2 /newroot/run/vmrun-stage2
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /run/vmrun-stage2
EOF
chmod +x "$ir/init" "$ir/stage2"
(cd "$ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

# loglevel=5: warnings and worse reach the console live (a crash leaves them in the log),
# boot chatter does not. The RCU stall timeout is raised because a TCG vCPU thread can be
# starved by the host for seconds; a real stall still shows up, just later.
append="console=ttyS0 loglevel=5 panic=-1 oops=panic rcupdate.rcu_cpu_stall_timeout=100"
append+=" ${VMRUN_APPEND:-}"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "${VMRUN_MEM:-2048}" -smp "${VMRUN_CPUS:-2}"
	-no-reboot -display none -nic none
	-kernel "$root/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" -append "$append"
	-virtfs "local,path=$root,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")

if [ -n "${VMRUN_DISK:-}" ]; then
	[ -f "$VMRUN_DISK" ] || die "VMRUN_DISK=$VMRUN_DISK is not a file"
	qemu+=(-drive "file=$VMRUN_DISK,if=virtio,format=raw")
fi

if [ "${VMRUN_INTERACTIVE:-0}" = 1 ]; then
	timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" -serial mon:stdio && rc=0 || rc=$?
else
	qemu+=(-monitor none -serial stdio)
	[ -z "${VMRUN_RESULTS:-}" ] || qemu+=(-serial "file:$VMRUN_RESULTS")
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null && rc=0 || rc=$?
fi
[ "$rc" != 124 ] || echo "vmrun: timeout after ${timeout_s}s, VM killed" >&2
exit "$rc"
