#!/usr/bin/env bash
# install-deps.sh [test|demo]: installs the Debian packages that zeroplug's tests (`make deps`,
# the default mode) or its demo (`make deps-demo`) need, if missing.
#
# Idempotent: when everything is installed it changes nothing and needs no network.
# Otherwise, as root, it runs `apt-get update` once and installs what is missing.
# Without root, a missing package is an error that names the command to run.
#
# The packages, and why (demo: the first five; test: all):
#   gcc, libc6-dev  the C compiler for zmqpeer and for `go test -race` (cgo)
#   make            the Makefile
#   pkg-config      finding libzmq's flags
#   libzmq3-dev     libzmq 4.3 headers and library: zmqpeer, the reference peer (the demo's
#                   interop step runs it)
#   python3-zmq     pyzmq for /usr/bin/python3, the second libzmq peer
#   qemu-system-x86 the test VM of the vsock and tipc tests (internal/vmtest), which boots
#                   Debian's kernel, fetched with apt-get download: apt's package lists must
#                   know linux-image-amd64, so they are updated when they do not
# The VM needs nothing else: its initramfs and init are built in Go (no busybox, no cpio).
# Installed without recommended packages (qemu's would bring a desktop's worth).
set -euo pipefail

mode=${1:-test}
demo_packages=(
	gcc
	libc6-dev
	make
	pkg-config
	libzmq3-dev
)
case "$mode" in
demo)
	packages=("${demo_packages[@]}")
	;;
test)
	packages=("${demo_packages[@]}" python3-zmq qemu-system-x86)
	;;
*)
	echo "usage: $0 [test|demo]   (test, the default: what \`make test\` needs; demo: what \`make demo\` needs)" >&2
	exit 2
	;;
esac

say() { echo "install-deps: $*"; }

if ! command -v dpkg-query >/dev/null 2>&1; then
	say "dpkg-query not found: this script supports Debian (12) and its derivatives only" >&2
	say "install by hand: ${packages[*]}" >&2
	exit 1
fi

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

# The test VM's kernel comes from the archive: apt must know the package. The demo
# boots no VM.
kernel_known() {
	[ "$mode" != test ] || apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-[0-9]'
}
lists_stale=0
kernel_known || lists_stale=1

if [ ${#missing[@]} -eq 0 ] && [ $lists_stale -eq 0 ]; then
	say "all present: ${packages[*]}"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if [ ${#missing[@]} -eq 0 ]; then
		# Not fatal: the VM test uses a kernel it fetched before, and says so if it has none.
		say "apt's package lists do not know linux-image-amd64 (the test VM's kernel): run apt-get update as root" >&2
		exit 0
	fi
	say "missing: ${missing[*]}" >&2
	say "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	say "(or run this script, or \`make deps\` / \`make deps-demo\`, as root)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
if [ ${#missing[@]} -eq 0 ]; then
	kernel_known || { say "apt still knows no linux-image-amd64 after apt-get update" >&2; exit 1; }
	say "package lists updated"
	exit 0
fi
say "installing: ${missing[*]}"
apt-get install -y --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	say "still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
say "installed: ${missing[*]}"
