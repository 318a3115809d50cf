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
#   g++, libnorm-dev libnorm's own Reed-Solomon encoder, which the norm FEC test builds and
#                   compares parity with (libzmq3-dev brings libnorm-dev; named so it stays)
#   qemu-system-x86 the test VM of the vsock and tipc tests (internal/vmtest), which boots
#                   Debian's kernel, fetched with apt-get download: apt's package lists must
#                   know linux-image-amd64, so they are updated when they do not
#   iproute2, nftables  the network namespaces of the multicast tests (ip netns, veth) and the
#                   random loss they inject (nft's numgen)
#   nodejs, npm     node for zeromq.js, the draft-API peer (below); installed only when the
#                   node or npm command is missing, as node may come from elsewhere
# The VM needs nothing else: its initramfs and init are built in Go (no busybox, no cpio).
# Installed without recommended packages (qemu's would bring a desktop's worth).
#
# The test mode then installs zeromq.js 6.8.0 from the npm registry, the peer of the draft
# socket types (its prebuilt libzmq 4.3.5 has the draft API), into $ZEROPLUG_ZEROMQJS_DIR,
# by default $XDG_CACHE_HOME/zeroplug/zeromqjs or ~/.cache/zeroplug/zeromqjs (where
# internal/peertest looks), unless it is there already with that version and the draft API;
# then it needs no network. It needs no root either: it is the invoking user's cache, so run
# the script as the user who runs the tests (root's cache serves root's tests).
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
	packages=("${demo_packages[@]}" python3-zmq g++ libnorm-dev qemu-system-x86 iproute2 nftables)
	command -v node >/dev/null 2>&1 || packages+=(nodejs)
	command -v npm >/dev/null 2>&1 || packages+=(npm)
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

# apt_step installs the missing packages (as root) and refreshes stale package lists.
apt_step() {
	if [ ${#missing[@]} -eq 0 ] && [ $lists_stale -eq 0 ]; then
		say "all present: ${packages[*]}"
		return 0
	fi

	if [ "$(id -u)" -ne 0 ]; then
		if [ ${#missing[@]} -eq 0 ]; then
			# Not fatal: the VM test uses a kernel it fetched before, and says so if it has none.
			say "apt's package lists do not know linux-image-amd64 (the test VM's kernel): run apt-get update as root" >&2
			return 0
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
		return 0
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
}

# zeromqjs_ok checks what internal/peertest checks: the version, and that the native addon
# loads and reports the draft API.
zeromqjs_version=6.8.0
zeromqjs_dir=${ZEROPLUG_ZEROMQJS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zeroplug/zeromqjs}
zeromqjs_ok() {
	NODE_PATH="$zeromqjs_dir/node_modules" node -e '
		const version = require("zeromq/package.json").version;
		if (version !== process.argv[1]) throw new Error("zeromq.js is " + version + ", want " + process.argv[1]);
		if (require("zeromq").capability.draft !== true) throw new Error("its libzmq has no draft API");
	' "$zeromqjs_version"
}

zeromqjs_step() {
	local c
	for c in node npm; do
		if ! command -v "$c" >/dev/null 2>&1; then
			say "$c not found on PATH, though dpkg has its package: zeromq.js needs node and npm" >&2
			exit 1
		fi
	done
	if zeromqjs_ok 2>/dev/null; then
		say "zeromq.js $zeromqjs_version present in $zeromqjs_dir"
		return 0
	fi
	say "installing zeromq.js $zeromqjs_version into $zeromqjs_dir"
	mkdir -p "$zeromqjs_dir"
	# The package ships its addon prebuilt for linux x64 and arm64; its install script would
	# only build one from source (cmake, vcpkg) where none fits. Without it, npm 9 (Debian's)
	# and npm 11 do the same, and a platform with no prebuilt addon fails the check below.
	npm install --prefix "$zeromqjs_dir" --ignore-scripts --no-save --no-audit --no-fund \
		"zeromq@$zeromqjs_version"
	if ! zeromqjs_ok; then
		say "zeromq.js $zeromqjs_version in $zeromqjs_dir does not load with the draft API after npm install" >&2
		exit 1
	fi
	say "installed zeromq.js $zeromqjs_version"
}

apt_step
if [ "$mode" = test ]; then
	zeromqjs_step
fi
