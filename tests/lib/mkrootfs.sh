#!/bin/sh
# mkrootfs.sh DIR [PAYLOAD]
#
# Builds a minimal busybox root filesystem in DIR for the integration tests:
# DIR/bin/busybox (Debian's busybox-static, or $BUSYBOX), a relative symlink
# in DIR/bin for every applet, the usual empty directories, /etc/passwd and
# /etc/group with root and a test user (uid 1000, group 1000 "test", also a
# member of group 2000 "extra"), and PAYLOAD copied to DIR/bin/payload.
# DIR may exist; it is filled, not wiped.  Runs in a few tens of ms.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 DIR [PAYLOAD]" >&2
	exit 2
fi
dir=$1
payload=${2:-}

bb=${BUSYBOX:-}
if [ -z "$bb" ]; then
	for c in /bin/busybox /usr/bin/busybox; do
		if [ -x "$c" ]; then
			bb=$c
			break
		fi
	done
fi
if [ -z "$bb" ] || [ ! -x "$bb" ]; then
	echo "$0: busybox not found: install the Debian package busybox-static" >&2
	exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin dev proc sys tmp etc root var/run run home/test usr mnt
chmod 1777 tmp
chmod 0700 root
[ -e sbin ] || ln -s bin sbin
[ -e usr/bin ] || ln -s ../bin usr/bin
[ -e usr/sbin ] || ln -s ../bin usr/sbin
cp "$bb" bin/busybox
chmod 0755 bin/busybox

# One process for all the links: a shell loop would fork once per applet.
applets=$(bin/busybox --list | grep -vx busybox)
if command -v perl >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	(cd bin && perl -e 'for (@ARGV) { unlink; symlink("busybox", $_) or die "link $_: $!\n" }' $applets)
else
	for a in $applets; do
		ln -sf busybox "bin/$a"
	done
fi

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test user:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
test:x:1000:
extra:x:2000:test
nogroup:x:65534:
EOF
chown 1000:1000 home/test 2>/dev/null || true

if [ -n "$payload" ]; then
	cp "$payload" bin/payload
	chmod 0755 bin/payload
fi
