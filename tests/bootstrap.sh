#!/bin/sh
# Installs everything the build and the tests need on a fresh Debian 12.
# Does nothing (and never calls apt) when every package is installed already,
# so re-runs are fast.  Needs root, or sudo, when something is missing.
set -eu

packages="build-essential libc6-dev autoconf automake libtool pkg-config libyajl-dev
libseccomp-dev libcap-dev libmount-dev libcriterion-dev busybox-static
python3-jsonschema clang-format iproute2 git podman conmon containerd jq crun runc
clang libclang-rt-14-dev valgrind"

missing=""
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*" ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "bootstrap: all build and test packages are installed"
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "bootstrap: missing packages:$missing; run as root to install them" >&2
		exit 1
	fi
	sudo=sudo
fi

echo "bootstrap: installing$missing"
$sudo apt-get update
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
