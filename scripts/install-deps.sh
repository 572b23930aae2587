#!/bin/sh
# Installs the Debian packages vtopo needs to build and test, idempotently.
# Usage: scripts/install-deps.sh [build|test|all]   (default: all)
# Packages already present are left alone; nothing is fetched when all are.
set -eu

build_pkgs="cmake make gcc libc6-dev clang pkg-config libcmocka-dev libjson-c-dev bzip2"
test_pkgs="hwloc libclang-rt-14-dev binutils clang-format acpica-tools"

case "${1:-all}" in
build) want="$build_pkgs" ;;
test | all) want="$build_pkgs $test_pkgs" ;;
*)
    echo "install-deps.sh: unknown set '$1' (expected build, test or all)" >&2
    exit 2
    ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: missing packages:$missing; run this script as root to install them" >&2
    exit 1
fi

echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
