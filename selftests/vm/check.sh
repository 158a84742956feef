#!/bin/bash
# `make check`: build recallfs and its selftests for each Debian suite's kernel, boot that
# kernel under QEMU, serve a test tree over NFSv3 and NFSv4.2 inside the guest and run the
# selftests on top of both. Runs as root; installs what it needs.
#
# usage: check.sh [SUITE...]          default: sid bullseye bookworm trixie trixie-debug
#        check.sh --shell SUITE       build, boot with NFS up and recallfs loaded, then give
#                                     an interactive shell on the console (Ctrl-A x quits)
#        check.sh --sparse SUITE      only sparse, in that suite (`make sparse` without KDIR)
# Each suite boots twice: the main boot runs every selftest and then phase 1 of the
# journal-across-reboot test (cache_reboot_test) with its journal on an ext4 disk image;
# a short second boot with the same image runs phase 2 ("SUITE reboot: ..." lines).
# trixie-debug is the trixie folder booted with the debug kernel debug-kernel.sh builds
# (KASAN, lockdep, kmemleak, ...), cached. Named with two others or more (the default),
# the first suite runs alone with two vCPUs if that kernel is cached, else the kernel is
# built first, and the debug guest then runs beside the other suites (one vCPU each); its
# lines come at the end. Its guest also checks that kmemleak finds nothing after rmmod.
# Output: one line per test ("SUITE: ok NAME", "SUITE nfs3: not ok 4 NAME", ...), one
# summary line per suite, and as the last line "N passed, N failed". Exit 1 on failure.
#
# Environment:
#   RECALLFS_CACHE         suite folders, headers and logs (default /var/cache/recallfs-test)
#   RECALLFS_DKMS_SUITE    the suite that also tests dkms.conf (default bookworm; "" = none)
#   RECALLFS_TEST_TIMEOUT  seconds per selftest binary and NFS version (default 900)
#   RECALLFS_VM_TIMEOUT    seconds per VM (default: enough for every binary to time out)
#   RECALLFS_VERBOSE=1     stream the guest console while it runs
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
top=$(cd "$here/../.." && pwd)
export RECALLFS_CACHE=${RECALLFS_CACHE:-/var/cache/recallfs-test}
cache=$RECALLFS_CACHE
logs=$cache/logs
dkms_suite=${RECALLFS_DKMS_SUITE-bookworm}
test_timeout=${RECALLFS_TEST_TIMEOUT:-900}
src_in=/usr/src/recallfs-test      # where the tree is copied, inside the suite folder
ksft_in=/usr/src/recallfs-kselftest # kselftest headers, inside the suite folder
kernel_bad='WARNING:|BUG:|Oops|general protection fault|KASAN|UBSAN|possible circular locking|lockdep is turned off|DEBUG_LOCKS_WARN_ON|INFO: task .* blocked|Call Trace|[Kk]ernel panic|Busy inodes|unreferenced object'

total_pass=0 total_fail=0
pass=0 fail=0 # of the current suite
prefetch=()   # background debootstrap pids
debug_pid=""  # the background trixie-debug suite's
vm_cpus=2     # vCPUs per guest; 1 while two guests run at once (start_debug_suite)

# PID and its descendants (a background suite's make and qemu, which has its own
# process group under timeout(1)): the parent first, so that it starts nothing new.
kill_tree() {
	local c kids
	kids=$(pgrep -P "$1" 2>/dev/null || true)
	kill "$1" 2>/dev/null || true
	for c in $kids; do kill_tree "$c"; done
}

# Only jobs still running as this shell's children: a finished one's pid may be reused.
cleanup() {
	local p
	for p in "${prefetch[@]}" $debug_pid; do
		[ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" != "$$" ] || kill_tree "$p"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s; }

# result ok|fail LABEL NAME...: one test line, counted for the suite.
result() {
	local status=$1 label=$2
	shift 2
	if [ "$status" = ok ]; then
		pass=$((pass + 1))
		echo "$label: ok $*"
	else
		fail=$((fail + 1))
		echo "$label: not ok $*"
	fi
}

# The last lines of LOG (or of stdin with "-"), indented, then LOG's path.
show_log() { # show_log LOG [-]
	local in=$1
	[ "${2:-}" != - ] || in=/dev/stdin
	tail -n 40 "$in" | sed 's/^/    | /' || true
	echo "    (full log: $1)"
}

# Host path of PATH inside ROOT, following one symlink the way the chroot would see it
# (lib/modules/KVER/build is an absolute link to /usr/src/linux-headers-KVER).
in_root() { # in_root ROOT PATH
	local t
	t=$(readlink "$1$2") || { echo "$1$2"; return; }
	case $t in
	/*) echo "$1$t" ;;
	*) echo "$1$(dirname "$2")/$t" ;;
	esac
}

# Newest kernel in the suite folder that has both an image and headers (Debian's own: the
# debug kernel in the trixie folder is the trixie-debug suite's).
suite_kver() {
	local root=$1 k
	for k in $(ls "$root/lib/modules" | grep -v -- '-recallfs-debug$' | sort -rV); do
		if [ -r "$root/boot/vmlinuz-$k" ] && [ -d "$(in_root "$root" "/lib/modules/$k/build")" ]; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

# Files of the working tree (tracked and untracked-not-ignored), NUL separated, without
# build products: a tree the developer built on the host must not leak objects or
# binaries for another kernel or libc into the suite's build.
tree_files() {
	local f
	if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$top" ls-files -z --cached | while IFS= read -r -d '' f; do
			[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
		done
		git -C "$top" ls-files -z --others --exclude-standard | while IFS= read -r -d '' f; do
			is_product "$f" || printf '%s\0' "$f"
		done
	else
		(cd "$top" && find . -path ./.git -prune -o \( -type f -o -type l \) -print0) |
			while IFS= read -r -d '' f; do is_product "$f" || printf '%s\0' "$f"; done
	fi
}

is_product() {
	case ${1##*/} in
	*.o | *.ko | *.mod | *.mod.c | *.a | *.so | *.so.* | .*.cmd | .*.d | Module.symvers | modules.order) return 0 ;;
	esac
	[ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# Fresh copy of the working tree to DEST (a path on the host, inside a suite folder).
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	(cd "$top" && tree_files | tar --null -T - -cf -) | tar -xf - -C "$1"
}

# in_chroot ROOT CMD...: clean environment, the suite's own tools. objtool and dkms need
# /proc: each command gets one of its own in a private mount namespace, so nothing is left
# mounted in the cached folder (nor exported to a guest over 9p), and trixie and
# trixie-debug, building in one folder at once, never share or unmount each other's.
in_chroot() {
	local root=$1
	shift
	unshare --mount --propagation private -- /bin/sh -c \
		'mount -t proc proc "$0/proc" && exec chroot "$0" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' "$root" "$@"
}

# Module build: fails on errors and on any warning (compiler or modpost). Returns 0 when
# there is a recallfs.ko to test, even if the warnings failed the test line.
build_module() { # build_module SUITE ROOT KVER
	local s=$1 root=$2 kver=$3 log=$logs/$1.build rc=0 w
	in_chroot "$root" make -j"$(nproc)" -C "$src_in" KDIR="/lib/modules/$kver/build" \
		>"$log" 2>&1 || rc=$?
	w=$(grep -ci 'warning:' "$log" || true)
	if [ "$rc" = 0 ] && [ "$w" = 0 ] && [ -f "$root$src_in/recallfs.ko" ]; then
		result ok "$s" "module build"
		return 0
	fi
	if [ "$rc" != 0 ]; then
		result fail "$s" "module build (make exit $rc)"
		show_log "$log"
	elif [ "$w" != 0 ]; then
		result fail "$s" "module build ($w warnings)"
		grep -i -A3 'warning:' "$log" | show_log "$log" -
		[ -f "$root$src_in/recallfs.ko" ] && return 0
	else
		result fail "$s" "module build (no recallfs.ko in the tree's root)"
		show_log "$log"
	fi
	return 1
}

# sparse (C=2) through the module author's `sparse-here` target: any diagnostic fails.
run_sparse() { # run_sparse SUITE ROOT KVER
	local s=$1 root=$2 kver=$3 log=$logs/$1.sparse rc=0 n
	in_chroot "$root" make -C "$src_in" sparse-here KDIR="/lib/modules/$kver/build" \
		>"$log" 2>&1 || rc=$?
	n=$(grep -cE '(warning|error):' "$log" || true)
	if [ "$rc" = 0 ] && [ "$n" = 0 ]; then
		result ok "$s" sparse
	else
		result fail "$s" "sparse (make exit $rc, $n diagnostics)"
		{ grep -E '(warning|error):' "$log" || tail -n 25 "$log"; } | show_log "$log" -
	fi
}

build_selftests() { # build_selftests SUITE ROOT
	local s=$1 root=$2 log=$logs/$1.selftests rc=0 w
	rm -rf "$root$ksft_in"
	cp -r "$(RECALLFS_CACHE=$cache "$here/kselftest-headers.sh")" "$root$ksft_in"
	# recallctl too, with the suite's compiler, for recallctl_test (no sanitizers in the guest).
	{
		in_chroot "$root" make -C "$src_in/selftests/recallfs" KSFT_INC="$ksft_in" \
			${time_scale:+TIME_SCALE=$time_scale} ${work_divisor:+WORK_DIVISOR=$work_divisor} &&
			in_chroot "$root" make -C "$src_in/tools" recallctl SANITIZE=
	} >"$log" 2>&1 || rc=$?
	w=$(grep -c 'warning:' "$log" || true)
	if [ "$rc" = 0 ] && [ "$w" = 0 ]; then
		result ok "$s" "selftests build"
		return 0
	fi
	if [ "$rc" = 0 ]; then
		result fail "$s" "selftests build ($w compiler warnings)"
		grep -A3 'warning:' "$log" | show_log "$log" -
		return 0
	fi
	result fail "$s" "selftests build (make exit $rc)"
	show_log "$log"
	return 1
}

dkms_version() { # PACKAGE_VERSION from the tree's dkms.conf (it is shell, as dkms reads it)
	(set +eu; . "$1/dkms.conf" >/dev/null 2>&1; echo "${PACKAGE_VERSION:-}")
}

# dkms add/build/install of the tree's dkms.conf for KVER, from a clean slate. The guest
# then modprobes the installed copy; that half of the test line is counted after the VM.
dkms_install() { # dkms_install SUITE ROOT KVER -> prints the version on success
	local s=$1 root=$2 kver=$3 log=$logs/$1.dkms ver v
	ver=$(dkms_version "$root$src_in")
	[ -n "$ver" ] || { echo "no PACKAGE_VERSION in dkms.conf" >"$log"; return 1; }
	dkms_clean "$root"
	copy_tree "$root/usr/src/recallfs-$ver"
	{
		in_chroot "$root" dkms add "recallfs/$ver" &&
			in_chroot "$root" dkms build "recallfs/$ver" -k "$kver" &&
			in_chroot "$root" dkms install "recallfs/$ver" -k "$kver"
	} >"$log" 2>&1 || return 1
	echo "$ver"
}

# Remove every recallfs version DKMS knows in the suite folder (it is cached across runs).
dkms_clean() {
	local root=$1 v
	for v in $(in_chroot "$root" dkms status recallfs 2>/dev/null |
		sed -n 's#^recallfs[/,] *\([^,:]*\).*#\1#p' | sort -u); do
		in_chroot "$root" dkms remove "recallfs/$v" --all >/dev/null 2>&1 || true
		rm -rf "$root/usr/src/recallfs-$v"
	done
}

# Count the guest's results: STEP lines and the KTAP output of each binary per NFS version.
parse_results() { # parse_results SUITE FILE
	local s=$1 file=$2 line label="" plan=0 seen=0 bad=0 test="" nfs="" rc st name
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"STEP dkms-modprobe "*) dkms_guest=${line##* } ;;
		"STEP "*)
			read -r _ name st _ <<<"$line"
			result "$st" "$s" "guest $name"
			;;
		"KTAP-BEGIN "*)
			[ -z "$test" ] || result fail "$label" "$test: no KTAP-END (its results are incomplete)"
			read -r _ test nfs _ <<<"$line"
			nfs=${nfs#nfs=} plan=0 seen=0 bad=0
			label="$s nfs${nfs%.*}"
			[ "$test" = recallfs_test ] || label="$label $test"
			;;
		"KTAP-END "*)
			rc=${line##*rc=}
			if [ "$seen" -lt "$plan" ]; then
				result fail "$label" "$test: $((plan - seen)) of $plan tests did not report (exit $rc)"
			elif [ "$seen" = 0 ]; then
				result fail "$label" "$test: no KTAP results (exit $rc)"
			elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
				result fail "$label" "$test: exit status $rc"
			fi
			test=""
			;;
		*)
			[ -n "$test" ] || continue
			if [[ $line =~ ^1\.\.([0-9]+) ]]; then
				plan=${BASH_REMATCH[1]}
			elif [[ $line =~ ^(not )?ok\ [0-9]+ ]]; then
				seen=$((seen + 1))
				st=ok
				[ -z "${BASH_REMATCH[1]}" ] || { st=fail; bad=$((bad + 1)); }
				# A test that could not run proves nothing: a SKIP here is a failure.
				[[ $line != *"# SKIP"* ]] || { st=fail; bad=$((bad + 1)); }
				result "$st" "$label" "${line#*ok }"
			elif [[ $line =~ ^#\ time:\ ([^ ]+)\ ([0-9.]+)$ ]]; then
				echo "${BASH_REMATCH[2]} ${label#"$s "}:${BASH_REMATCH[1]}" >>"$logs/$s.times"
			elif [[ $line =~ ^#\ (Totals|FAILED|PASSED) ]]; then
				echo "$label: $line"
			fi
			;;
		esac
	done <"$file"
	[ -z "$test" ] || result fail "$label" "$test: interrupted (VM crashed, hung or timed out)"
}

# The kernel log the guest printed at the end, or nothing if it never got there.
guest_dmesg() {
	tr -d '\r' <"$1" | sed -n '/^DMESG-BEGIN$/,/^DMESG-END$/p'
}

# The console from the first kernel report (oops, WARN, ...) on: what a crash says.
first_report() { # first_report CONSOLE
	tr -d '\r' <"$1" | awk -v re="$kernel_bad" '$0 ~ re { on = 1 } on && n++ < 40'
}

# Kernel messages the console showed outside the DMESG block, up to VM-EXIT, by their
# timestamp prefix. What follows VM-EXIT is the power-off (on 6.12 and later, init can
# exit before it completes: "Attempted to kill init"), not the tests' doing.
console_kernel_lines() {
	tr -d '\r' <"$1" | sed -e '/^DMESG-BEGIN$/,/^DMESG-END$/d' -e '/^VM-EXIT /,$d' |
		grep -aE '^\[ *[0-9]+\.[0-9]+\] ' || true
}

check_kernel_log() { # check_kernel_log SUITE CONSOLE
	local s=$1 console=$2 klog lines bad server
	klog=$(guest_dmesg "$console")
	if ! grep -q '^DMESG-END$' <<<"$klog"; then
		result fail "$s" "kernel log clean (the guest never printed it)"
		first_report "$console" | show_log "$console" -
		return
	fi
	lines=$({ printf '%s\n' "$klog"; console_kernel_lines "$console"; } |
		awk -v re="$kernel_bad" -f "$here/kernel-reports.awk")
	bad=$(grep -v '^server: ' <<<"$lines" || true)
	server=$(grep '^server: ' <<<"$lines" || true)
	if [ -n "$server" ]; then
		echo "$s: the guest's NFS server (nfsd) logged reports of its own (no recallfs frame), not counted:"
		{ sed 's/^server: /    | /' <<<"$server" | head -n 20; } || true
	fi
	if [ -z "$bad" ]; then
		result ok "$s" "kernel log clean"
	else
		result fail "$s" "kernel log clean ($(wc -l <<<"$bad") bad lines)"
		show_log "$console" - <<<"$bad"
	fi
}

boot_vm() { # boot_vm LABEL ROOT KVER CONSOLE RESULTS TIMEOUT GUEST_ARG...
	local lab=$1 root=$2 kver=$3 console=$4 res=$5 vm_timeout=$6
	shift 6
	local vm=(env VMRUN_MEM="$vm_mem" VMRUN_CPUS="$vm_cpus" VMRUN_RESULTS="$res"
		VMRUN_APPEND="${VMRUN_APPEND:+$VMRUN_APPEND }$vm_append" "$here/vmrun.sh" "$root" "$kver")
	: >"$res"
	if [ "${RECALLFS_VERBOSE:-0}" = 1 ]; then
		"${vm[@]}" "$src_in/selftests/vm/guest.sh" "$vm_timeout" "$@" 2>&1 | tee "$console"
	else
		"${vm[@]}" "$src_in/selftests/vm/guest.sh" "$vm_timeout" "$@" >"$console" 2>&1
	fi
}

# A kernel that dies before its initramfs runs has loaded nothing of ours (no module, no
# test): under TCG the 7.2 kernel has been seen to take an int3 Oops in its own initcalls.
# That boot's console is kept and said, and the VM boots once more; a second such death
# fails the run through the checks that follow (no results, no VM-EXIT, kernel log).
boot_died() { # boot_died LABEL CONSOLE
	local lab=$1 console=$2 n=1
	while [ -e "$console.died-$n" ]; do n=$((n + 1)); done
	mv "$console" "$console.died-$n"
	echo "$lab: the kernel died before its initramfs ran; booting again. It said:"
	{ first_report "$console.died-$n" | head -n 3 | sed 's/^/    | /'; } || true
	echo "    (console of that boot: $console.died-$n)"
}

# TAG: "" for the main boot, e.g. ".reboot" for the second boot of the reboot test (its
# own console and results files, its lines labelled "SUITE reboot").
run_vm() { # run_vm SUITE ROOT KVER TAG GUEST_ARG...
	local s=$1 root=$2 kver=$3 tag=$4 rc=0 ntests t0 lab
	local console=$logs/$1$4.console res=$logs/$1$4.results
	shift 4
	lab="$s${tag:+ ${tag#.}}"
	ntests=$(sed -e 's/#.*//' "$root$src_in/selftests/recallfs/TESTS" 2>/dev/null |
		grep -vc '^[[:space:]]*$' || true)
	local vm_timeout=${RECALLFS_VM_TIMEOUT:-$((2 * (ntests + 2) * (test_timeout + 20) + 600))}
	[ -z "$tag" ] || vm_timeout=${RECALLFS_VM_TIMEOUT:-$((test_timeout + 600))}
	rm -f "$console".died-*
	t0=$(now)
	boot_vm "$lab" "$root" "$kver" "$console" "$res" "$vm_timeout" "$@" || rc=$?
	if ! grep -aq '^vmrun: initramfs up' "$console"; then
		boot_died "$lab" "$console"
		boot_vm "$lab" "$root" "$kver" "$console" "$res" "$vm_timeout" "$@" && rc=0 || rc=$?
	fi
	echo "$lab: VM ran $(($(now) - t0))s (qemu exit $rc), console: $console"
	# The results channel is free of kernel messages; the console is the fallback.
	[ -s "$res" ] || res=$console
	parse_results "$s" "$res"
	if grep -aq '^VM-EXIT [0-9]' "$console"; then
		result ok "$lab" "vm finished"
	else
		result fail "$lab" "vm finished (no VM-EXIT: hang, timeout or crash; qemu exit $rc)"
		tr -d '\r' <"$console" | tail -n 5 | show_log "$console" -
	fi
	check_kernel_log "$lab" "$console"
}

# An empty ext4 image for the journal-across-reboot test (guest /dev/vda), made fresh
# for each run with the host's mke2fs. Features newer than the oldest tested kernel
# (5.10) knows are left out. Prints the image path.
make_journal_disk() { # make_journal_disk SUITE
	local img=$cache/$1.journal-disk.img log=$logs/$1.journal-disk
	rm -f "$img"
	truncate -s 64M "$img" || return 1
	if ! mkfs.ext4 -q -F -O ^metadata_csum_seed,^orphan_file -L recallfs-j "$img" >"$log" 2>&1; then
		mkfs.ext4 -q -F -L recallfs-j "$img" >>"$log" 2>&1 || return 1
	fi
	echo "$img"
}

# Everything for one suite; every failure is a counted line, never an abort.
run_suite() { # run_suite SUITE
	local s=$1 root kver t0 ver="" built=1 vm_mem=2048 vm_append="" guest_args=() time_scale="" work_divisor=""
	# Seen by the functions it calls: the debug suite builds beside trixie's, at once.
	local src_in=$src_in ksft_in=$ksft_in
	pass=0 fail=0 dkms_guest=""
	t0=$(now)
	: >"$logs/$s.times"
	echo "=== suite $s"
	if [ "$s" = trixie-debug ]; then
		if ! read -r root kver < <("$here/debug-kernel.sh" 2>>"$logs/debug-kernel.log") ||
			[ -z "$kver" ]; then
			result fail "$s" "debug kernel (debug-kernel.sh)"
			show_log "$logs/debug-kernel.log"
			suite_summary "$s" "?" "$t0"
			return
		fi
		vm_mem=3072 # KASAN's shadow takes an eighth
		# Its ACPI interpreter, instrumented by KASAN and lockdep, runs the PCI routing
		# method (_PRT) of QEMU's tables so slowly under TCG that the method's loop hits
		# ACPICA's 30 s limit: 35 s of boot spent, and the routing lost anyway
		# (AE_AML_LOOP_TIMEOUT). pci=noacpi takes the BIOS's routing table instead.
		vm_append=pci=noacpi
		src_in+=-debug ksft_in+=-debug
		# Every selftest, over NFSv3 only: the checkers make each one several times
		# slower (and it shares the CPUs with the other suites), and a fresh `make check`
		# must stay well inside CI's 90 minutes. Timeouts scale by 4; the few
		# lookup-heavy tests run an eighth of their volume (util.h WORK()).
		time_scale=4 work_divisor=8
		local test_timeout=$((time_scale * test_timeout)) # run_vm's too
		guest_args+=(kmemleak nfs=3 timeout=$test_timeout)
	elif ! root=$("$here/suite-root.sh" "$s"); then
		result fail "$s" "suite folder (debootstrap)"
		suite_summary "$s" "?" "$t0"
		return
	elif ! kver=$(suite_kver "$root"); then
		result fail "$s" "suite folder (no kernel with headers in $root)"
		suite_summary "$s" "?" "$t0"
		return
	fi
	echo "$s: suite folder ready after $(($(now) - t0))s"
	# Serialize runs of one suite (its folder is shared and cached).
	exec 8>"$cache/$s.run.lock"
	flock 8
	local tb
	tb=$(now)
	copy_tree "$root$src_in"
	build_module "$s" "$root" "$kver" || built=0
	[ "$built" = 0 ] || run_sparse "$s" "$root" "$kver"
	build_selftests "$s" "$root" || built=0
	if [ "$built" = 1 ] && [ "$s" = "$dkms_suite" ]; then
		if ver=$(dkms_install "$s" "$root" "$kver"); then
			guest_args+=(dkms)
		else
			result fail "$s" "dkms add/build/install"
			show_log "$logs/$s.dkms"
		fi
	fi
	echo "$s: built in $(($(now) - tb))s"
	local disk=""
	if [ "$built" = 1 ]; then
		# The journal-across-reboot test: phase 1 at the end of this boot, phase 2 in a
		# second, short boot with the same disk.
		if disk=$(make_journal_disk "$s"); then
			guest_args+=(reboot1)
		else
			result fail "$s" "reboot test disk image (mkfs.ext4)"
			show_log "$logs/$s.journal-disk"
			disk=""
		fi
		VMRUN_DISK=$disk run_vm "$s" "$root" "$kver" "" "${guest_args[@]}"
		if [ -n "$ver" ]; then
			if [ "$dkms_guest" = ok ]; then
				result ok "$s" "dkms (add, build, install, modprobe)"
			else
				result fail "$s" "dkms (modprobe in the guest: ${dkms_guest:-no result})"
			fi
			dkms_clean "$root"
		fi
		if [ -n "$disk" ]; then
			VMRUN_DISK=$disk run_vm "$s" "$root" "$kver" .reboot reboot2 timeout=$test_timeout
			rm -f "$disk"
		fi
	else
		echo "$s: build failed, VM not started"
	fi
	flock -u 8
	suite_summary "$s" "$kver" "$t0"
}

suite_summary() { # suite_summary SUITE KVER T0
	echo "$1: took $(($(now) - $3))s"
	if [ -s "$logs/$1.times" ]; then
		echo "$1: slowest tests (s): $(sort -rn "$logs/$1.times" | head -n 6 |
			awk '{ t = $1; sub(/^[^ ]+ /, ""); printf "%s%s %s", (NR > 1 ? "; " : ""), $0, t }')"
	fi
	[ "$fail" = 0 ] || echo "$1: FAILED; logs in $logs/$1.*"
	echo "suite $1 ($2): $pass passed, $fail failed"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

# Developer mode: build, then an interactive guest with NFS up and recallfs loaded.
shell_suite() { # shell_suite SUITE
	local s=$1 root kver
	root=$("$here/suite-root.sh" "$s")
	kver=$(suite_kver "$root")
	copy_tree "$root$src_in"
	build_module "$s" "$root" "$kver" || true
	build_selftests "$s" "$root" || true
	echo "$s: RECALLFS_LOWER=/mnt/nfs3/sw RECALLFS_EXPORT=/mnt/export/sw; tests in $src_in/selftests/recallfs"
	VMRUN_INTERACTIVE=1 exec "$here/vmrun.sh" "$root" "$kver" "$src_in/selftests/vm/guest.sh" \
		86400 notests
}

# `make sparse` without a local kernel tree: only sparse, in one suite's chroot.
sparse_suite() { # sparse_suite SUITE
	local s=$1 root kver
	root=$("$here/suite-root.sh" "$s")
	kver=$(suite_kver "$root")
	exec 8>"$cache/$s.run.lock"
	flock 8
	copy_tree "$root$src_in"
	pass=0 fail=0
	run_sparse "$s" "$root" "$kver"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# One host test line: make -C tools TARGET. host_test TARGET WHAT
host_test() {
	local log=$logs/host.$1 rc=0
	make -C "$top/tools" "$1" >"$log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		result ok host "$2"
	else
		result fail host "$2 (make exit $rc)"
		show_log "$log"
	fi
}

# The journal codec, built for userspace from the module's own source, recallctl, and the
# decoder's fuzzer (tools/).
host_unit_tests() {
	pass=0 fail=0
	host_test check-codec "journal codec unit tests (tools/)"
	host_test check-recallctl "recallctl journal commands (tools/recallctl-test)"
	host_test check-fuzz "journal decoder fuzzed for 30 s (tools/fuzz)"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

# The debug suite with others: it runs beside all but the first (main); its lines are
# printed at the end.
# One guest alone left part of the 2 cores idle (its qemu used 93-153 % of one core in
# 20-second samples while bullseye's selftests ran). Two guests of 2 vCPUs each on 2 host
# cores were far slower than that share: bullseye's main boot ran 525 s alone, and beside
# the debug guest had not finished after 19 minutes (TCG stops every vCPU of a guest for
# some operations, and one of them was always waiting for a core). Each gets one vCPU then.
start_debug_suite() { # sets debug_pid
	vm_cpus=1
	(
		trap - EXIT
		run_suite trixie-debug
	) >"$logs/trixie-debug.out" 2>&1 </dev/null &
	debug_pid=$!
}

finish_debug_suite() { # finish_debug_suite PID: its lines, counted into the totals
	local p f
	wait "$1" || true
	cat "$logs/trixie-debug.out"
	if read -r p f < <(sed -n 's/^suite trixie-debug .*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$logs/trixie-debug.out"); then
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
	else
		echo "trixie-debug: not ok the suite ended without its summary (see $logs/trixie-debug.out)"
		total_fail=$((total_fail + 1))
	fi
}

main() {
	[ "$(id -u)" = 0 ] || { echo "check.sh: run as root (chroot, mount, debootstrap)" >&2; exit 2; }
	local mode="" s t0
	case ${1:-} in
	--shell | --sparse)
		mode=$1
		shift
		[ $# = 1 ] || { echo "usage: check.sh $mode SUITE" >&2; exit 2; }
		;;
	-*) echo "usage: check.sh [--shell SUITE | --sparse SUITE | SUITE...]" >&2; exit 2 ;;
	esac
	local suites=("$@")
	[ ${#suites[@]} -gt 0 ] || suites=(sid bullseye bookworm trixie trixie-debug)
	mkdir -p "$logs"
	"$here/host-packages.sh"
	case $mode in
	--sparse) sparse_suite "${suites[0]}"; return ;;
	--shell) "$here/kselftest-headers.sh" >/dev/null; shell_suite "${suites[0]}" ;;
	esac
	"$here/kselftest-headers.sh" >/dev/null
	t0=$(now)
	# Debootstrap the later suites one after the other in the background while the first
	# ones are tested (one at a time: the first VM should not wait for all four), and the
	# first suite last: a fresh run builds the debug kernel before any suite, and the first
	# suite's folder is then ready when the build is done. suite-root.sh locks per suite,
	# so run_suite just waits for its folder.
	(
		for s in "${suites[@]:1}" "${suites[0]}"; do
			[ "$s" = trixie-debug ] || "$here/suite-root.sh" "$s" >"$logs/$s.suite-root.log" 2>&1 || true
		done
	) &
	prefetch+=($!)
	: >"$logs/debug-kernel.log"
	host_unit_tests
	local others=()
	for s in "${suites[@]}"; do [ "$s" = trixie-debug ] || others+=("$s"); done
	if [ ${#others[@]} -ge 2 ] && [ ${#others[@]} -lt ${#suites[@]} ]; then
		if "$here/debug-kernel.sh" --cached; then
			# The first suite alone, with two vCPUs: one kernel keeps SMP coverage.
			run_suite "${others[0]}"
			suites=("${others[@]:1}")
		else
			# A fresh run: the debug kernel's build is on the longest path (its guest
			# waits for it), so it gets the cores to itself. Beside sid's guest it took
			# 1802 s, and that guest's main boot 1042 s (566 s for the whole sid suite
			# in a run without a build, e853cd4).
			"$here/debug-kernel.sh" >/dev/null 2>>"$logs/debug-kernel.log" || true
			suites=("${others[@]}")
		fi
		# The debug guest beside the others, each with one vCPU.
		start_debug_suite
	fi
	for s in "${suites[@]}"; do
		# Back to two vCPUs once the debug guest is gone (it may end early).
		[ -z "$debug_pid" ] || kill -0 "$debug_pid" 2>/dev/null || vm_cpus=2
		run_suite "$s"
	done
	if [ -n "$debug_pid" ]; then
		finish_debug_suite "$debug_pid"
		debug_pid="" # its pid may be reused now
	fi
	echo "all suites took $(($(now) - t0))s"
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" = 0 ]
}

main "$@"
