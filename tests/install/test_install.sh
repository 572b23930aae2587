#!/usr/bin/env bash
# Install into a temporary prefix and build consumers with pkg-config and
# with CMake's find_package; run both and check what they print.
set -euo pipefail
build=$1
work=$2
src=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1)
libdir=${libdir%/pkgconfig}
for f in "$libdir/libvtopo.so.0" "$libdir/libvtopo.a" "$prefix/include/vtopo/vtopo.h" \
         "$prefix/bin/vtopo" "$libdir/pkgconfig/vtopo.pc" "$libdir/cmake/vtopo/vtopoConfig.cmake" \
         "$prefix/share/man/man1/vtopo.1" "$prefix/share/man/man1/vtopo-host.1" \
         "$prefix/share/man/man1/vtopo-plan.1" "$prefix/share/man/man1/vtopo-check.1" \
         "$prefix/share/man/man1/vtopo-emit.1" "$prefix/share/man/man1/vtopo-verify.1" \
         "$prefix/share/man/man1/vtopo-exec.1" "$prefix/share/man/man1/vtopo-irq.1" \
         "$prefix/share/bash-completion/completions/vtopo" "$prefix/share/zsh/site-functions/_vtopo" \
         "$prefix/libexec/vtopo/vtopo-probe"; do
    [ -e "$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
# The installed vtopo finds its guest probe in ../libexec/vtopo: with a QEMU
# that cannot start, verify gets as far as booting (exit 3, "QEMU could not").
printf 'not a kernel' >"$work/bzImage"
if [ -x /bin/busybox ]; then
    rc=0
    VTOPO_QEMU=/bin/false "$prefix/bin/vtopo" verify -q --synthetic sockets=2,cores=4,mem=8G \
        --vcpus 2 --memory 1G --mem-layout qemu-q35 --kernel "$work/bzImage" --accel tcg \
        2>"$work/verify.err" >/dev/null || rc=$?
    grep -q "QEMU could not boot the guest" "$work/verify.err" && [ "$rc" = 3 ] || {
        echo "FAIL: the installed vtopo verify did not reach the boot (exit $rc):"
        cat "$work/verify.err"
        exit 1
    }
else
    echo "FAIL: /bin/busybox (busybox-static) is needed for the installed verify check"
    exit 1
fi

soname=$(objdump -p "$libdir/libvtopo.so.0" 2>/dev/null | awk '/SONAME/ {print $2}')
[ "$soname" = "libvtopo.so.0" ] || { echo "FAIL: SONAME is '$soname', expected libvtopo.so.0"; exit 1; }

# Only the public API is exported from the shared library.
others=$(nm -D --defined-only "$libdir/libvtopo.so.0" | awk '{print $3}' | grep -v '^vt_' || true)
if [ -n "$others" ]; then
    echo "FAIL: libvtopo.so exports symbols outside vt_*: $others"
    exit 1
fi

# 1. pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 -Wall -Werror -o "$work/consumer-pc" "$src/consumer.c" \
    $(pkg-config --cflags --libs vtopo)
out=$(LD_LIBRARY_PATH=$libdir "$work/consumer-pc")
echo "pkg-config consumer: $out"
case $out in
"libvtopo $(pkg-config --modversion vtopo): 2 nodes, distance 0->1 = 21") ;;
*) echo "FAIL: unexpected output"; exit 1 ;;
esac
deps=$(LD_LIBRARY_PATH=$libdir ldd "$work/consumer-pc")
case $deps in *"$libdir/libvtopo.so.0"*) ;; *)
    echo "FAIL: the consumer did not link the installed shared library"; exit 1 ;;
esac

# 2. CMake package
mkdir -p "$work/cmake-consumer"
cp "$src/consumer.c" "$work/cmake-consumer/"
cp "$src/CMakeLists.consumer.txt" "$work/cmake-consumer/CMakeLists.txt"
cmake -S "$work/cmake-consumer" -B "$work/cmake-consumer/build" \
    -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake-consumer.log"
cmake --build "$work/cmake-consumer/build" >>"$work/cmake-consumer.log"
out=$(LD_LIBRARY_PATH=$libdir "$work/cmake-consumer/build/consumer")
echo "CMake consumer: $out"
case $out in
*": 2 nodes, distance 0->1 = 21") ;;
*) echo "FAIL: unexpected output"; exit 1 ;;
esac

# 3. The installed CLI runs.
"$prefix/bin/vtopo" --version
echo "2 passed, 0 failed"
