#!/bin/sh
# Installs the Debian packages vtopo needs to build and test, idempotently.
# Usage: scripts/install-deps.sh [build|test|guest|all]   (default: all)
# Packages already present are left alone; nothing is fetched when all are.
# guest (part of all): QEMU and busybox-static for `vtopo verify`, and the
# Debian cloud kernel it boots (scripts/fetch-guest-kernel.sh, into a cache).
set -eu

build_pkgs="cmake make gcc libc6-dev clang pkg-config libcmocka-dev libjson-c-dev libnuma-dev bzip2"
# Test oracles: hwloc (lstopo), iasl (acpica-tools), QEMU (vtopo emit qemu's
# arguments must start it), libvirt's schema (virt-xml-validate) and xmllint;
# strace kills vtopo at each rename to prove a plan directory is one set;
# zsh loads the completion (tests/cli/test_completion.sh); Chromium renders
# vtopo draw's SVGs in DejaVu Sans Mono, the font the layout counts for
# (tests/draw/test_render.sh).
test_pkgs="hwloc libclang-rt-14-dev binutils clang-format acpica-tools qemu-system-x86"
test_pkgs="$test_pkgs libvirt-clients libxml2-utils strace zsh chromium fonts-dejavu-core"
guest_pkgs="qemu-system-x86 busybox-static"

case "${1:-all}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
guest) want="$guest_pkgs" ;;
all) want="$build_pkgs $test_pkgs $guest_pkgs" ;;
*)
    echo "install-deps.sh: unknown set '$1' (expected build, test, guest or all)" >&2
    exit 2
    ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

fetch_kernel() {
    case "${1:-all}" in
    guest | all) "$(dirname "$0")/fetch-guest-kernel.sh" >/dev/null ;;
    esac
}

if [ -z "$missing" ]; then
    fetch_kernel "${1:-all}"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: missing packages:$missing; run this script as root to install them" >&2
    exit 1
fi

echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
fetch_kernel "${1:-all}"
