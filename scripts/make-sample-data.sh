#!/usr/bin/env bash
# Writes data/sample/: a class-balanced, seeded subset of Fashion-MNIST (Zalando Research, MIT licence)
# for tests and demos: 6,000 training images (600 per class) drawn from the 60,000 training images and
# 1,000 test images (100 per class) drawn from the 10,000 test images, as IDX .gz with the standard names.
# Chosen images keep their original order. Output is byte-for-byte reproducible (seed 20240601, gzip mtime 0).
#
# Source: Debian's package dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist), or any folder
# holding the four original files.   Usage: scripts/make-sample-data.sh [SOURCE_DIR [OUT_DIR]]
set -euo pipefail
src="${1:-/usr/share/datasets/fashion-mnist}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${2:-$repo/data/sample}"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [[ -f "$src/$f.gz" ]] || { echo "make-sample-data: $src/$f.gz not found; install it with: sudo apt-get install dataset-fashion-mnist" >&2; exit 1; }
done
mkdir -p "$out"
python3 - "$src" "$out" <<'PY'
import gzip, os, random, struct, sys
src, out = sys.argv[1], sys.argv[2]
SEED, CLASSES = 20240601, 10

def read(name, magic, dims):
    with gzip.open(os.path.join(src, name + ".gz"), "rb") as f:
        data = f.read()
    got = struct.unpack(">i", data[:4])[0]
    if got != magic: sys.exit(f"{name}: magic {got}, expected {magic}")
    shape = struct.unpack(">" + "i" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]

def write(name, header, body):
    path = os.path.join(out, name + ".gz")
    with open(path + ".tmp", "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
        f.write(header); f.write(body)
    os.replace(path + ".tmp", path)

rng = random.Random(SEED)
for split, per_class in (("train", 600), ("t10k", 100)):
    (n, rows, cols), pixels = read(f"{split}-images-idx3-ubyte", 2051, 3)
    (m,), labels = read(f"{split}-labels-idx1-ubyte", 2049, 1)
    if n != m or len(labels) != n or len(pixels) != n * rows * cols: sys.exit(f"{split}: sizes disagree")
    chosen = []
    for c in range(CLASSES):
        chosen += rng.sample([i for i in range(n) if labels[i] == c], per_class)
    chosen.sort()
    size = rows * cols
    write(f"{split}-images-idx3-ubyte", struct.pack(">4i", 2051, len(chosen), rows, cols),
          b"".join(pixels[i * size:(i + 1) * size] for i in chosen))
    write(f"{split}-labels-idx1-ubyte", struct.pack(">2i", 2049, len(chosen)), bytes(labels[i] for i in chosen))
    print(f"{split}: {len(chosen)} of {n} images ({per_class} per class)")
PY
echo "wrote $out"
