#!/bin/sh
# Downloads Debian's cloud kernel (the package linux-image-cloud-amd64 points
# at) into vtopo's cache for `vtopo verify`, without installing it: apt-get
# download + dpkg-deb -x. Idempotent; prints the kernel's path.
# Cache: $VTOPO_CACHE, else $XDG_CACHE_HOME/vtopo, else ~/.cache/vtopo.
set -eu

cache="${VTOPO_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/vtopo}"
dest="$cache/kernel"
if [ -f "$dest/vmlinuz" ]; then
    echo "$dest/vmlinuz"
    exit 0
fi

pkg_of_meta() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(pkg_of_meta)
if [ -z "$pkg" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "fetch-guest-kernel.sh: apt does not know linux-image-cloud-amd64; run as root so" \
            "'apt-get update' can refresh the package lists" >&2
        exit 1
    fi
    apt-get update -qq
    pkg=$(pkg_of_meta)
fi
if [ -z "$pkg" ]; then
    echo "fetch-guest-kernel.sh: no package behind linux-image-cloud-amd64 in the apt sources" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null)
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
mkdir -p "$dest"
# Into place with a rename, so an interrupted download leaves no kernel.
cp "$tmp"/x/boot/vmlinuz-* "$dest/vmlinuz.part"
cp "$tmp"/x/boot/config-* "$dest/config"
echo "$pkg" >"$dest/package"
mv "$dest/vmlinuz.part" "$dest/vmlinuz"
echo "$dest/vmlinuz"
