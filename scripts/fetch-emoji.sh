#!/usr/bin/env bash
# Fetches the Noto emoji images of the npm package emoji-datasource-google@16.0.0 (img/google/64: 3,786 real 64x64
# PNG images, RGBA) and writes them as an image folder, labelled by the category emoji.json gives each emoji
# (Smileys & Emotion, People & Body, Animals & Nature, Food & Drink, Travel & Places, Activities, Objects, Symbols,
# Flags, Component), to $LATENTSHARP_DATA/emoji, or ~/.cache/latentsharp/emoji when LATENTSHARP_DATA is unset
# (or to the folder given as the first argument), where `--data emoji` finds it:
#
#     OUT/train/<category>/<code points>.png      OUT/test/<category>/<code points>.png
#
# What you get: every image composited on white (v = (v a + 255 (255 - a)) / 255, rounded; no alpha is kept) and
# written as an 8-bit RGB PNG of 64x64. A skin-tone variant is an image of its own with its base emoji's category.
# The split is fixed: within each category the base emoji, sorted by code points, are shuffled with seed 20240601 and
# go to the test split, each with all its skin-tone variants, until it holds round(20%) of the category's images
# (so no emoji has a variant on both sides); the rest are the train split.
#
# With --sample OUT it writes the small colour subset shipped in data/emoji-sample instead: from each split, per
# category in proportion (largest remainder), a seeded choice of 1,000 train and 250 test images of base emoji (no
# skin-tone variants, which would make People & Body more than half of the subset), downscaled by 2
# to 32x32 with a 2x2 box filter (the mean of four pixels, rounded half up) after compositing.
#
# Needs npm (reaching the npm registry; the package is 74 MB) and python3 (standard library only). Fails within
# ~60 s when the registry cannot be reached.   Usage: scripts/fetch-emoji.sh [OUT_DIR] | --sample OUT_DIR
set -euo pipefail
package="emoji-datasource-google@16.0.0"
sha1="a80ac3e8106cbd4d8648ce758aa099e8827b6157"   # of emoji-datasource-google-16.0.0.tgz, as published
mode="full"
if [[ "${1:-}" == "--sample" ]]; then
  [[ $# -eq 2 ]] || { echo "usage: scripts/fetch-emoji.sh --sample OUT_DIR" >&2; exit 2; }
  mode="sample"; out="$2"
elif [[ $# -ge 1 ]]; then out="$1"
elif [[ -n "${LATENTSHARP_DATA:-}" ]]; then out="$LATENTSHARP_DATA/emoji"
else out="$HOME/.cache/latentsharp/emoji"; fi

command -v npm >/dev/null || { echo "fetch-emoji: npm not found; install it (e.g. sudo apt-get install npm)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fetch-emoji: python3 not found" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-emoji: downloading $package (74 MB) ..."
# No connection fails fast (no retries, 20 s per request); a slow but working one gets 10 minutes for the download.
if ! (cd "$work" && timeout 600 npm pack "$package" --fetch-retries=0 --fetch-timeout=20000 --loglevel=error >npm.out 2>npm.err); then
  echo "fetch-emoji: could not download $package from the npm registry (no network, a proxy, or a timeout)." >&2
  echo "  npm said: $(head -n 2 "$work/npm.err" | tr '\n' ' ')" >&2
  echo "  Check 'npm ping' and try again; the shipped subset data/emoji-sample ('--data emoji-sample') needs no network." >&2
  exit 1
fi
tgz="$work/emoji-datasource-google-16.0.0.tgz"
echo "$sha1  $tgz" | sha1sum --check --status || { echo "fetch-emoji: $tgz does not have the expected SHA-1 $sha1" >&2; exit 1; }
tar -xzf "$tgz" -C "$work" package/emoji.json package/img/google/64

python3 - "$work/package" "$out" "$mode" <<'PY'
import json, os, random, shutil, struct, sys, zlib
package, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
SEED, TEST_SHARE, SIDE = 20240601, 0.2, 64
SAMPLE_COUNTS = {"train": 1000, "test": 250}
images_dir = os.path.join(package, "img", "google", "64")

def fail(message): sys.exit("fetch-emoji: " + message)

def read_png(path):
    """Decodes an 8-bit, non-interlaced PNG (grey, RGB, palette, grey+alpha, RGBA) to a list of rows of RGBA tuples."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n": fail(f"{path} is not a PNG file")
    pos, idat, palette, trns = 8, b"", None, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + length]; pos += 12 + length
        if kind == b"IHDR": width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE": palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"tRNS": trns = body
        elif kind == b"IDAT": idat += body
    if depth != 8 or interlace != 0: fail(f"{path}: bit depth {depth}, interlace {interlace} not handled")
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0; b = previous[i]; c = previous[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        row = []
        for x in range(width):
            px = line[x * channels:(x + 1) * channels]
            if colour == 0: row.append((px[0], px[0], px[0], 255))
            elif colour == 2: row.append((px[0], px[1], px[2], 255))
            elif colour == 3: row.append(palette[px[0]] + ((trns[px[0]] if px[0] < len(trns) else 255),))
            elif colour == 4: row.append((px[0], px[0], px[0], px[1]))
            else: row.append(tuple(px))
        rows.append(row)
    return rows

def on_white(rows):
    return [[tuple((v * a + 255 * (255 - a) + 127) // 255 for v in (r, g, b)) for r, g, b, a in row] for row in rows]

def halve(rows):
    return [[tuple((rows[2 * y][2 * x][c] + rows[2 * y][2 * x + 1][c] + rows[2 * y + 1][2 * x][c] + rows[2 * y + 1][2 * x + 1][c] + 2) // 4
                   for c in range(3)) for x in range(len(rows[0]) // 2)] for y in range(len(rows) // 2)]

def write_png(path, rows):
    """An 8-bit RGB PNG; per row the filter (none, sub, up) with the smallest sum of absolute values."""
    width, height = len(rows[0]), len(rows)
    raw, previous = bytearray(), bytes(3 * width)
    for row in rows:
        line = bytes(v for px in row for v in px)
        candidates = [bytes([0]) + line,
                      bytes([1]) + bytes((line[i] - (line[i - 3] if i >= 3 else 0)) & 255 for i in range(len(line))),
                      bytes([2]) + bytes((line[i] - previous[i]) & 255 for i in range(len(line)))]
        raw += min(candidates, key=lambda c: sum(v if v < 128 else 256 - v for v in c[1:])); previous = line
    def chunk(kind, body): return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(path + ".tmp", "wb") as f: f.write(png)
    os.replace(path + ".tmp", path)

# Groups: a base emoji and its skin-tone variants, with the base's category.
groups = {}
for emoji in json.load(open(os.path.join(package, "emoji.json"))):
    if not emoji.get("has_img_google"): continue
    files = [emoji["image"]] + [v["image"] for v in emoji.get("skin_variations", {}).values() if v.get("has_img_google")]
    groups.setdefault(emoji["category"], []).append(files)  # the base emoji's image first
base_images = set(g[0] for gs in groups.values() for g in gs)
on_disk = set(f for f in os.listdir(images_dir) if f.endswith(".png"))
listed = set(f for groups_ in groups.values() for g in groups_ for f in g)
if listed != on_disk: fail(f"emoji.json lists {len(listed)} images, img/google/64 holds {len(on_disk)}; {len(listed ^ on_disk)} differ")

rng = random.Random(SEED)
split = {"train": [], "test": []}
for category in sorted(groups):
    chosen = sorted(groups[category])
    rng.shuffle(chosen)
    target, in_test = round(TEST_SHARE * sum(len(g) for g in chosen)), 0
    for g in chosen:
        side = "test" if in_test < target else "train"
        if side == "test": in_test += len(g)
        split[side] += [(category, f) for f in g]

if mode == "sample":
    for name, wanted in SAMPLE_COUNTS.items():
        items = split[name]
        # Base emoji only: skin-tone variants would make People & Body more than half of a small sample.
        items = [(c, f) for c, f in items if f in base_images]
        by_category = {c: sorted(f for cc, f in items if cc == c) for c in sorted(set(c for c, _ in items))}
        exact = {c: wanted * len(fs) / len(items) for c, fs in by_category.items()}
        counts = {c: int(e) for c, e in exact.items()}
        for c in sorted(exact, key=lambda c: (exact[c] - counts[c], c), reverse=True)[:wanted - sum(counts.values())]: counts[c] += 1
        split[name] = [(c, f) for c, fs in by_category.items() for f in rng.sample(fs, counts[c])]

tmp = out.rstrip("/") + ".tmp"
shutil.rmtree(tmp, ignore_errors=True)
for name, items in split.items():
    for category, f in items:
        folder = os.path.join(tmp, name, category)
        os.makedirs(folder, exist_ok=True)
        rows = on_white(read_png(os.path.join(images_dir, f)))
        if len(rows) != SIDE or len(rows[0]) != SIDE: fail(f"{f} is not {SIDE}x{SIDE}")
        write_png(os.path.join(folder, f), halve(rows) if mode == "sample" else rows)
    per = {}
    for c, _ in items: per[c] = per.get(c, 0) + 1
    print(f"fetch-emoji: {name}: {len(items)} images, per category {dict(sorted(per.items()))}")
os.makedirs(out, exist_ok=True)
for name in split:
    shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    os.replace(os.path.join(tmp, name), os.path.join(out, name))
shutil.rmtree(tmp, ignore_errors=True)
PY
echo "fetch-emoji: wrote $out"
