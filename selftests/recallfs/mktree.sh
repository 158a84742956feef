#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate the deterministic lower tree for the recallfs selftests.
#
#   mktree.sh DIR        (DIR is created; an existing DIR is replaced)
#
# Runs as root on the NFS server side (e.g. /mnt/export/sw on tmpfs).  Needs
# bash, coreutils and python3, and the payload built by the Makefile next to
# this script (payload/hello, payload/libgreet.so.1.0.0, payload/libplugin.so).
#
# The layout looks like a versioned software tree mounted at /sw:
#   apps/NAME/VER/{bin,lib,lib64,share/doc,python/NAMEmod}, apps/NAME/current
#   apps/hello/1.0.0/{bin/hello,lib/libgreet.so*}   ELF program + library
#   apps/plugin/2.1.0/lib64/libplugin.so            dlopen() target
#   apps/pytools/3.0.0/python/greetpkg/             Python package
#   data/    files of many sizes, a hard link, a sparse file, odd names
#   links/   relative, absolute, dangling, directory, looping symlinks
#   modes/   files with different modes and owners (uid/gid 1000), a group-only dir
#   special/ a FIFO and a device node
#   private/ 0700 root directory with files (non-root must get EACCES)
#   deep/    a deep directory chain
#   scratch/ empty directory for the lower_changes_visible test
# recallfs_test.c relies on these names.
set -euo pipefail

root=${1:?usage: mktree.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
payload=$here/payload

case $root in
/ | "") echo "mktree.sh: refusing to use '$root'" >&2; exit 1 ;;
esac
for f in hello libgreet.so.1.0.0 libplugin.so; do
	[ -f "$payload/$f" ] || {
		echo "mktree.sh: $payload/$f missing; run make first" >&2
		exit 1
	}
done

rm -rf "$root"
mkdir -p "$root"
chmod 0755 "$root"
cd "$root"

text() {	# text FILE LINES WORD: deterministic text file
	local i
	for ((i = 0; i < $2; i++)); do
		printf '%06d %s line of the recallfs test tree\n' "$i" "$3"
	done >"$1"
}

# --- a versioned application tree: many directories ---
for app in alpha beta gamma delta epsilon zeta; do
	for ver in 1.0.0 1.1.0 1.2.0; do
		d=apps/$app/$ver
		mkdir -p "$d/bin" "$d/lib" "$d/lib64" "$d/share/doc" "$d/python/${app}mod"
		printf '#!/bin/sh\necho %s %s\n' "$app" "$ver" >"$d/bin/$app"
		chmod 0755 "$d/bin/$app"
		text "$d/share/doc/README" 20 "$app-$ver"
		text "$d/lib/lib$app.conf" 3 "$app"
		printf 'VERSION = "%s"\n' "$ver" >"$d/python/${app}mod/__init__.py"
	done
	ln -s 1.2.0 "apps/$app/current"
done

# --- ELF program, its library (SONAME chain) and a dlopen() plugin ---
mkdir -p apps/hello/1.0.0/bin apps/hello/1.0.0/lib apps/plugin/2.1.0/lib64
cp "$payload/hello" apps/hello/1.0.0/bin/hello
cp "$payload/libgreet.so.1.0.0" apps/hello/1.0.0/lib/
ln -s libgreet.so.1.0.0 apps/hello/1.0.0/lib/libgreet.so.1
ln -s libgreet.so.1 apps/hello/1.0.0/lib/libgreet.so
ln -s 1.0.0 apps/hello/current
cp "$payload/libplugin.so" apps/plugin/2.1.0/lib64/
chmod 0755 apps/hello/1.0.0/bin/hello
chmod 0644 apps/hello/1.0.0/lib/libgreet.so.1.0.0 apps/plugin/2.1.0/lib64/libplugin.so

# --- Python package ---
py=apps/pytools/3.0.0/python/greetpkg
mkdir -p "$py"
cat >"$py/__init__.py" <<'PY'
from . import sub


def greet():
    return "greetpkg " + sub.VERSION + " says hello"
PY
printf 'VERSION = "3.0.0"\n' >"$py/sub.py"

# --- data: sizes, hard link, sparse file, odd names ---
mkdir -p data/emptydir
: >data/empty
text data/small.txt 10 small
ln data/small.txt data/small.link
text "data/name with spaces.txt" 2 spaces
text "data/$(printf 'gr\303\274\303\237e.txt')" 2 unicode
text "data/$(printf 'L%.0s' $(seq 1 200)).txt" 1 long
python3 - <<'PY'
import hashlib

def blob(path, size, seed):
    # Deterministic pseudo-random bytes: a SHA-256 chain.
    out, h = bytearray(), hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        out += h
        h = hashlib.sha256(h).digest()
    with open(path, "wb") as f:
        f.write(out[:size])

blob("data/medium.bin", 300 * 1024, "medium")
blob("data/large.bin", 1024 * 1024 + 123, "large")
blob("data/odd.bin", 4097, "odd")
# Sparse: 256 KiB hole, 64 KiB data, hole up to 1 MiB.
with open("data/sparse.bin", "wb") as f:
    f.seek(256 * 1024)
    f.write(hashlib.sha256(b"sparse").digest() * 2048)
    f.truncate(1024 * 1024)
PY

# --- symlinks ---
mkdir -p links
ln -s ../data/small.txt links/rel
ln -s /sw/data/small.txt links/abs
ln -s ../data/does-not-exist links/dangling
ln -s ../apps links/dirlink
ln -s rel links/chain
ln -s loop links/loop
ln -s ../apps/alpha/current/bin/alpha links/through-current

# --- modes and owners ---
mkdir -p modes/dir0555 modes/dir0711
for m in 0755 0644 0600 0444 0400; do
	text "modes/f$m" 2 "mode $m"
	chmod "$m" "modes/f$m"
done
text modes/u1000_0600 2 u1000
text modes/u1000_0644 2 u1000
text modes/g1000_0640 2 g1000
text modes/dir0555/file 2 dir0555
text modes/dir0711/file 2 dir0711
chown 1000:1000 modes/u1000_0600 modes/u1000_0644
chown 0:1000 modes/g1000_0640
chmod 0600 modes/u1000_0600
chmod 0644 modes/u1000_0644
chmod 0640 modes/g1000_0640
chmod 0555 modes/dir0555
chmod 0711 modes/dir0711
mkdir -p modes/u1000dir
text modes/u1000dir/file 2 u1000dir
chown -R 1000:1000 modes/u1000dir
# Searchable and readable by group 1000 only.
mkdir -p modes/g1000dir
text modes/g1000dir/file 2 g1000dir
chown -R 0:1000 modes/g1000dir
chmod 0750 modes/g1000dir
chmod 0640 modes/g1000dir/file

# --- special files: a FIFO and a device node ---
mkdir -p special
mkfifo special/fifo
mknod special/null c 1 3
chmod 0666 special/null

# --- a root-only directory ---
mkdir -p private/sub
text private/secret.txt 3 secret
text private/sub/inner.txt 3 inner
ln -s secret.txt private/secret_link
chown -R 0:0 private
chmod 0644 private/secret.txt private/sub/inner.txt
chmod 0700 private

# --- a deep chain ---
mkdir -p deep/a/b/c/d/e/f/g
text deep/a/b/c/d/e/f/g/leaf.txt 1 leaf

# Empty; the test creates and removes files here through NFS (not through
# recallfs) to check that lower changes show up in the mount.
mkdir -p scratch

text README.txt 5 readme

# --- xattrs (tmpfs has user.* xattrs only since Linux 6.6: there, any failure to
# --- set one stops the tree) and fixed times with nanoseconds, derived from each
# --- path so they differ.
python3 - <<'PY'
import errno, hashlib, os, sys

def stamp(rel):
    h = int.from_bytes(hashlib.sha256(rel.encode()).digest()[:8], "little")
    return (1500000000 + h % 100000000) * 10**9 + (h >> 32) % 10**9

for path, value in (("data/small.txt", b"small-value"),
                    ("data/medium.bin", b"\x00\x01binary\xff"),
                    ("apps/alpha/1.0.0/bin/alpha", b"tool")):
    try:
        os.setxattr(path, "user.recallfs.test", value)
        os.setxattr(path, "user.recallfs.second", b"2")
    except OSError as e:
        if e.errno != errno.EOPNOTSUPP:
            sys.exit("mktree.sh: setxattr %s: %s" % (path, e))

# Children before parents, so directory times stay as set.
for top, dirs, files in os.walk(".", topdown=False):
    for name in files + dirs + ["."]:
        p = os.path.normpath(os.path.join(top, name))
        ns = stamp(p)
        os.utime(p, ns=(ns + 12345, ns), follow_symlinks=False)
PY
echo "mktree.sh: created $(find . | wc -l) objects in $root"
