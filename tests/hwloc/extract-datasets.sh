#!/bin/sh
# Unpack hwloc's Linux sysfs test dumps (../shared/data/hwloc-linux) into
# OUT/<tarball name without .tar.bz2>/, each an fsroot. Idempotent; fails
# loudly when the data is missing, so the dataset tests never pass by skipping.
set -eu
data=$1
out=$2
if [ ! -d "$data" ]; then
    echo "extract-datasets.sh: dataset directory $data does not exist" >&2
    exit 1
fi
mkdir -p "$out"
found=0
for tarball in "$data"/*.tar.bz2; do
    [ -e "$tarball" ] || continue
    found=$((found + 1))
    name=$(basename "$tarball" .tar.bz2)
    [ -d "$out/$name" ] && [ -f "$out/$name/.extracted" ] && continue
    rm -rf "$out/$name" "$out/$name.tmp"
    mkdir -p "$out/$name.tmp"
    bzip2 -dc "$tarball" | tar -x -C "$out/$name.tmp"
    # The single top-level directory inside is the fsroot (its name can differ).
    top=$(ls "$out/$name.tmp")
    if [ "$(printf '%s\n' "$top" | wc -l)" -ne 1 ]; then
        echo "extract-datasets.sh: $tarball does not hold exactly one top-level directory" >&2
        exit 1
    fi
    mv "$out/$name.tmp/$top" "$out/$name"
    rmdir "$out/$name.tmp"
    touch "$out/$name/.extracted"
done
if [ "$found" -eq 0 ]; then
    echo "extract-datasets.sh: no .tar.bz2 dumps in $data" >&2
    exit 1
fi
