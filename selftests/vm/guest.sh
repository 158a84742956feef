#!/bin/bash
# Runs inside the test VM as root (started by vmrun.sh, root = a suite folder on read-only
# 9p): serves a generated software tree over NFS on loopback, mounts it over NFSv3 and
# NFSv4.2, loads recallfs and runs the selftests against both mounts.
#
# usage: guest.sh [dkms] [kmemleak] [notests] [only=TEST] [nfs=V,...] [timeout=S]
#                 [reboot1 | reboot2]
#   dkms     first `modprobe recallfs` (the copy DKMS installed), then unload it
#   kmemleak the kernel has kmemleak (the debug kernel): forget what boot leaked, and after
#            the tests unload recallfs and require an empty scan
#   notests  set everything up but run no selftest (for an interactive shell)
#   only=T   run only the selftest binary T (a developer's quick run)
#   nfs=V,.. the NFS versions to run the selftests over (default 3,4.2)
#   timeout=S seconds per selftest binary and NFS version (default 900)
#   reboot1  after the selftests, the first half of the journal-across-reboot test on the
#            disk /dev/vda (an empty ext4 made by check.sh): a copy of the tree on the
#            disk, exported over NFSv3, and cache_reboot_test phase 1 with its journal there
#   reboot2  the second boot: only the disk's NFS export, recallfs and phase 2
# The tree of the reboot test lives on the disk so that the lower tree (inode numbers,
# times, file handles) is the same after the reboot, as a real server's would be.
#
# Output protocol read by check.sh. Lines on the results channel (/dev/ttyS1 if the host
# attached one, else the console) and on the console:
#   STEP <name> ok|fail [detail]          one test line each (module load, dkms, ...)
#   KTAP-BEGIN <test> nfs=<v>             then the binary's KTAP output, then
#   KTAP-END <test> nfs=<v> rc=<status>
# with "# time: <name> <seconds>" after each of the binary's result lines.
# Console only: the kernel log between DMESG-BEGIN / DMESG-END. vmrun.sh adds VM-EXIT.
set -uo pipefail # no -e: every step reports, the run goes on to the kernel log

src=$(cd "$(dirname "$0")/../.." && pwd) # the tree check.sh copied into the suite folder
tests_dir=$src/selftests/recallfs
export_dir=/mnt/export
squash_dir=/mnt/squash # a second export, with root_squash (trust_test)
test_timeout=${RECALLFS_TEST_TIMEOUT:-900}
dkms=0 kmemleak=0 notests=0 reboot=0 only="" nfs_versions="3 4.2"
disk_mnt=/mnt/disk disk_nfs=/mnt/nfsdisk
for a in "$@"; do
	case $a in
	dkms) dkms=1 ;;
	kmemleak) kmemleak=1 ;;
	notests) notests=1 ;;
	only=*) only=${a#only=} ;;
	nfs=*) nfs_versions=${a#nfs=} nfs_versions=${nfs_versions//,/ } ;;
	timeout=*) test_timeout=${a#timeout=} ;;
	reboot1) reboot=1 ;;
	reboot2) reboot=2 ;;
	*) echo "guest: unknown argument $a" ;;
	esac
done

results=/dev/null
if [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null; then
	results=/dev/ttyS1
fi
failed=0

# One line to both channels (the console shows progress, results is what gets parsed).
emit() {
	echo "$*"
	[ "$results" = /dev/null ] || echo "$*" >>"$results"
}

step() { # step NAME COMMAND...: run, report ok/fail with the command's output on failure
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		emit "STEP $name ok"
	else
		failed=1
		printf '%s\n' "$out" | sed "s/^/guest: $name: /"
		emit "STEP $name fail"
		return 1
	fi
}

elapsed() { awk '{ printf "%.1f", $1 }' /proc/uptime; }

make_tree() {
	mount -t tmpfs -o mode=0755 export "$export_dir" || return 1
	if [ -x "$tests_dir/mktree.sh" ]; then
		"$tests_dir/mktree.sh" "$export_dir/sw"
	else
		# Until the selftest author's mktree.sh exists: a tiny tree, enough to mount.
		echo "guest: no $tests_dir/mktree.sh, using a placeholder tree"
		mkdir -p "$export_dir/sw/bin" "$export_dir/sw/lib"
		cp /bin/true "$export_dir/sw/bin/true"
		echo hello >"$export_dir/sw/lib/libplaceholder.so"
	fi
}

# NFS server on loopback. nfsd cannot export 9p, hence the tmpfs export.
start_nfsd() {
	local d=/var/lib/nfs
	mkdir -p $d/rpc_pipefs $d/v4recovery $d/sm $d/sm.bak $d/nfsdcld
	touch $d/etab $d/rmtab
	modprobe nfsd || return 1
	mount -t nfsd nfsd /proc/fs/nfsd || return 1
	mount -t rpc_pipefs sunrpc $d/rpc_pipefs || return 1
	# A fresh server starts in the NFSv4/NLM grace period (90 s / 50 s by default): opens
	# and locks wait it out. With no clients to reclaim, a short one is enough.
	echo 10 >/proc/fs/nfsd/nfsv4gracetime || true
	echo 10 >/proc/sys/fs/nfs/nlm_grace_period || true
	# nfsdcld tracks v4 clients on newer kernels (no legacy v4recovery tracking there).
	if command -v nfsdcld >/dev/null; then nfsdcld || true; fi
	rpcbind -w || return 1     # NFSv3 (mountd and statd register with it)
	rpc.statd --no-notify || return 1 # NLM locking for v3 mounts without nolock
	# The v4 root is an explicit fsid=0 export of the guest's / (a tmpfs, see vmrun.sh):
	# the pseudo-root mountd would generate needs a UUID for /mnt, which tmpfs has only
	# since 6.x (bullseye's 5.10 refused it). v4 clients cross from / into /mnt/export.
	exportfs -o ro,fsid=0,insecure,no_root_squash,no_subtree_check 127.0.0.1:/ || return 1
	exportfs -o rw,no_root_squash,insecure,fsid=1 127.0.0.1:$export_dir || return 1
	mkdir -p $squash_dir
	mountpoint -q $squash_dir || mount -t tmpfs -o mode=0755 squash $squash_dir || return 1
	exportfs -o rw,root_squash,insecure,no_subtree_check,fsid=3 127.0.0.1:$squash_dir || return 1
	rpc.mountd || return 1
	rpc.nfsd 4 || return 1
	cat /proc/fs/nfsd/versions
}

# Both versions mount the export by its path (v4: relative to the fsid=0 root, which is /).
# The root_squash export is mounted beside each: /mnt/nfs3sq, /mnt/nfs4sq.
mount_nfs() {
	mkdir -p /mnt/nfs3 /mnt/nfs4 /mnt/nfs3sq /mnt/nfs4sq
	mount -t nfs -o vers=3 127.0.0.1:$export_dir /mnt/nfs3 &&
		mount -t nfs -o vers=4.2 127.0.0.1:$export_dir /mnt/nfs4 &&
		mount -t nfs -o vers=3 127.0.0.1:$squash_dir /mnt/nfs3sq &&
		mount -t nfs -o vers=4.2 127.0.0.1:$squash_dir /mnt/nfs4sq &&
		[ -d /mnt/nfs3/sw ] && [ -d /mnt/nfs4/sw ] &&
		grep -E ' /mnt/nfs[34](sq)? ' /proc/mounts
}

# Exercise the DKMS-installed module, then make room for the freshly built one.
dkms_modprobe() {
	modprobe recallfs && grep -q '^recallfs ' /proc/modules && rmmod recallfs &&
		modinfo -F filename recallfs
}

# The selftest executables: recallfs_test plus the ones listed in TESTS.
test_list() {
	if [ -n "$only" ]; then
		echo "$only"
		return
	fi
	{
		echo recallfs_test
		[ -f "$tests_dir/TESTS" ] && sed -e 's/#.*//' -e 's/[[:space:]]//g' "$tests_dir/TESTS"
	} | awk 'NF && !seen[$0]++'
}

run_test() { # run_test NAME NFSVERSION MOUNTDIR
	local t=$1 v=$2 mnt=$3 rc
	emit "KTAP-BEGIN $t nfs=$v"
	if [ ! -x "$tests_dir/$t" ]; then
		echo "guest: $tests_dir/$t missing" | tee -a "$results"
		rc=127
	else
		rc=$(bounded "$t" "$mnt" "$v")
	fi
	[ "$rc" = 0 ] || failed=1
	# A test that stops the NFS server (warm_test's outage) and died before restarting it.
	if [ "$(cat /proc/fs/nfsd/threads 2>/dev/null)" = 0 ]; then
		echo "guest: $t nfs=$v left the NFS server stopped: restarting it"
		rpc.nfsd 4 || true
		rc=nfsd
		failed=1
	fi
	emit "KTAP-END $t nfs=$v rc=$rc"
}

# Each test's wall time, set up and torn down, as a KTAP comment after its result line
# ("# time: NAME SECONDS"): what check.sh's time budget is made of.
with_times() {
	local line t0=${EPOCHREALTIME/./} t ds # microseconds; ds: tenths of a second
	while IFS= read -r line; do
		printf '%s\n' "$line"
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ ([^ ]+) ]]; then
			t=${EPOCHREALTIME/./}
			ds=$(((t - t0) / 100000))
			printf '# time: %s %d.%d\n' "${BASH_REMATCH[2]}" $((ds / 10)) $((ds % 10))
			t0=$t
		fi
	done
}

# Run one binary with its output on both channels and print its exit status. A task stuck
# in the kernel ignores timeout's SIGKILL: then give up on it ("stuck") so the guest still
# prints its kernel log (hung-task reports included) and powers off.
bounded() { # bounded NAME MOUNTDIR NFSVERSION [VAR=VALUE...]: extra or overriding env
	local t=$1 mnt=$2 v=$3 st=/tmp/rc.$$ n=0 pid
	shift 3
	rm -f $st
	(
		cd "$tests_dir" &&
			env RECALLFS_LOWER="$mnt/sw" RECALLFS_EXPORT="$export_dir/sw" \
				RECALLFS_SQUASH_LOWER="${mnt}sq" RECALLFS_SQUASH_EXPORT="$squash_dir" \
				RECALLFS_MODULE="$src/recallfs.ko" RECALLFS_NFS_VERSION="$v" \
				RECALLCTL="$src/tools/recallctl" "$@" \
				timeout -k 10 "$test_timeout" "./$t" </dev/null 2>&1
		echo $? >$st
	) | with_times | tee -a "$results" >&2 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $n -lt $((test_timeout + 60)) ] || break
	done
	if [ -s $st ]; then cat $st; else echo stuck; fi
}

# The reboot test's disk: virtio_blk and ext4 are modules in Debian's kernels (no udev in
# the guest: devtmpfs makes /dev/vda once the driver probed it).
disk_up() { # disk_up PHASE
	local i
	modprobe -a virtio_blk ext4 || return 1
	for ((i = 0; i < 100; i++)); do
		[ -b /dev/vda ] && break
		sleep 0.2
	done
	[ -b /dev/vda ] || { echo "no /dev/vda"; return 1; }
	mkdir -p $disk_mnt $disk_nfs
	mount -t ext4 /dev/vda $disk_mnt || return 1
	if [ "$1" = 1 ]; then
		rm -rf $disk_mnt/export $disk_mnt/journal
		mkdir -p $disk_mnt/export $disk_mnt/journal
		"$tests_dir/mktree.sh" $disk_mnt/export/sw || return 1
	fi
	[ -d $disk_mnt/export/sw ] && [ -d $disk_mnt/journal ] || { echo "disk lacks phase 1 files"; return 1; }
	exportfs -o rw,no_root_squash,insecure,no_subtree_check,fsid=2 127.0.0.1:$disk_mnt/export ||
		return 1
	# On 5.10 the first NFS mount of a boot can fail with EINVAL while it loads the
	# client modules itself (seen on the second boot): load them first, retry once.
	modprobe -a nfs nfsv3 2>/dev/null || true
	mount -t nfs -o vers=3 127.0.0.1:$disk_mnt/export $disk_nfs ||
		{ sleep 1; mount -t nfs -o vers=3 127.0.0.1:$disk_mnt/export $disk_nfs; } || return 1
	[ -d $disk_nfs/sw ]
}

disk_down() {
	umount $disk_nfs
	exportfs -u 127.0.0.1:$disk_mnt/export
	sync
	umount $disk_mnt || { sleep 2; umount $disk_mnt; }
}

# One phase of the journal-across-reboot test (NFSv3 only), KTAP like the others.
reboot_phase() { # reboot_phase 1|2
	local p=$1 t=cache_reboot_test rc label
	label=$t.phase$p
	if ! step "reboot$p-disk" disk_up "$p"; then
		emit "KTAP-BEGIN $label nfs=3"
		emit "KTAP-END $label nfs=3 rc=disk"
		return
	fi
	emit "KTAP-BEGIN $label nfs=3"
	if [ ! -x "$tests_dir/$t" ]; then
		echo "guest: $tests_dir/$t missing" | tee -a "$results"
		rc=127
	else
		rc=$(bounded "$t" $disk_nfs 3 RECALLFS_EXPORT=$disk_mnt/export/sw \
			RECALLFS_JOURNAL_DISK=$disk_mnt/journal RECALLFS_REBOOT_PHASE="$p")
	fi
	[ "$rc" = 0 ] || failed=1
	emit "KTAP-END $label nfs=3 rc=$rc"
	step "reboot$p-disk-umount" disk_down
}

nfs_stats() {
	echo "guest: NFS client RPC counts (ops, transmissions, ...):"
	grep -E '^device .* nfs|^[[:space:]]+(LOOKUP|GETATTR|ACCESS|READDIR|READDIRPLUS|READ|READ_PLUS|OPEN|OPEN_NOATTR|CLOSE|READLINK):' \
		/proc/self/mountstats | sed 's/^/guest:   /'
}

kmemleak_file=/sys/kernel/debug/kmemleak

# What boot and the NFS setup leaked is not ours: scan once and mark it reported.
kmemleak_start() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug || return 1
	[ -w $kmemleak_file ] || { echo "no $kmemleak_file"; return 1; }
	echo scan >$kmemleak_file && echo clear >$kmemleak_file
}

# After every recallfs mount is gone and the module unloaded, nothing it allocated may be
# left unreferenced. kmemleak reports only objects older than 5 s: scan, wait, scan.
kmemleak_after_rmmod() {
	local report
	if grep -q ' recallfs ' /proc/mounts; then
		echo "recallfs still mounted:"
		grep ' recallfs ' /proc/mounts
		return 1
	fi
	rmmod recallfs || return 1
	echo scan >$kmemleak_file && sleep 6 && echo scan >$kmemleak_file || return 1
	report=$(cat $kmemleak_file) || return 1
	[ -z "$report" ] || { printf '%s\n' "$report" | head -n 80; return 1; }
}

# insmod does not load dependencies: crc32c comes from module libcrc32c up to 6.x.
load_recallfs() {
	modprobe -q libcrc32c 2>/dev/null || true
	insmod "$src/recallfs.ko"
}

main() {
	echo "guest: $(uname -r) up at $(elapsed)s"
	ip link set lo up
	mkdir -p "$export_dir"
	if [ "$reboot" = 2 ]; then
		# Second boot: the export /mnt/export only has to exist (an empty tmpfs).
		step reboot2-nfs-server eval 'mount -t tmpfs -o mode=0755 export "$export_dir" && start_nfsd' &&
			step reboot2-insmod load_recallfs &&
			reboot_phase 2
		echo "guest: reboot phase 2 done at $(elapsed)s"
		echo DMESG-BEGIN
		dmesg
		echo DMESG-END
		return $failed
	fi
	step tree make_tree &&
		step nfs-server start_nfsd &&
		step nfs-mount mount_nfs || notests=1
	echo "guest: NFS ready at $(elapsed)s"
	if [ "$dkms" = 1 ]; then step dkms-modprobe dkms_modprobe; fi
	if [ "$kmemleak" = 1 ]; then step kmemleak-start kmemleak_start || kmemleak=0; fi
	# lower_test's lower filesystem (built in on the debug kernel); without it that test fails.
	modprobe -q fuse 2>/dev/null || true
	step insmod load_recallfs || notests=1
	if [ "$notests" = 0 ]; then
		local t
		local v
		for t in $(test_list); do
			for v in $nfs_versions; do
				run_test "$t" "$v" "/mnt/nfs${v%%.*}"
			done
		done
		echo "guest: tests done at $(elapsed)s"
		nfs_stats
		if [ "$reboot" = 1 ]; then
			reboot_phase 1
			echo "guest: reboot phase 1 done at $(elapsed)s"
		fi
		if [ "$kmemleak" = 1 ]; then
			step kmemleak kmemleak_after_rmmod
			echo "guest: kmemleak scan done at $(elapsed)s"
		fi
	fi
	echo DMESG-BEGIN
	dmesg
	echo DMESG-END
	return $failed
}

main
