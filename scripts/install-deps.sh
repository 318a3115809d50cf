#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages that zeroplug's tests need, if missing.
#
# Idempotent: when everything is installed it changes nothing and needs no network.
# Otherwise, as root, it runs `apt-get update` once and installs what is missing.
# Without root, a missing package is an error that names the command to run.
#
# The packages, and why:
#   gcc, libc6-dev  the C compiler for zmqpeer and for `go test -race` (cgo)
#   make            the Makefile
#   pkg-config      finding libzmq's flags
#   libzmq3-dev     libzmq 4.3 headers and library: zmqpeer, the reference peer
#   python3-zmq     pyzmq for /usr/bin/python3, the second libzmq peer
set -euo pipefail

packages=(
	gcc
	libc6-dev
	make
	pkg-config
	libzmq3-dev
	python3-zmq
)

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

if [ ${#missing[@]} -eq 0 ]; then
	say "all present: ${packages[*]}"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	say "missing: ${missing[*]}" >&2
	say "run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
	say "(or run this script, or \`make deps\`, as root)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing: ${missing[*]}"
apt-get update
apt-get install -y "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	say "still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
say "installed: ${missing[*]}"
