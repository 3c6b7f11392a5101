#!/usr/bin/env bash
# Seconds per training epoch and per inference pass: LatentSharp next to TorchSharp 0.107 (libtorch 2.10, CPU), the
# library a .NET user would pick instead. Both train the same model on the same images in the same batches (the peer
# takes them from LatentSharp's BatchIterator), Adam 1e-3, loss summed over pixels and images; see bench/TorchSharpPeer.
#   vae       784-400-20 MLP VAE, batch 128 (default)
#   conv-vae  conv VAE, channels [32, 64], kernel 4 stride 2, batch 128
#   pixelcnn  PixelCNN, 64 channels, 5 residual blocks, dynamically binarized images, batch 64
# Each round runs, as separate processes one after the other (the order alternating from round to round):
# LatentSharp, TorchSharp, and TorchSharp with MALLOC_TRIM_THRESHOLD_=0 (glibc hands freed memory back; --no-trim
# leaves that process out). libtorch gets no OMP_WAIT_POLICY (PASSIVE halves its speed); threads are set with
# torch.set_num_threads and set_num_interop_threads on one side, Threading.MaxThreads on the other.
# Prints, per thread count: the quartiles of each side's epoch seconds (epoch 1 of every process excluded: warm-up)
# and of its inference passes (encode + decode of the 10,000 test images, batch 1000; the first pass excluded), the
# ratio TorchSharp / LatentSharp of the medians (> 1: LatentSharp faster), the first-epoch test loss of each (the same
# work gives the same loss, up to the initial weights and noise), peak RSS of each process (/usr/bin/time -v), and
# the nominal GFLOP/s of an epoch as a fraction of the CPU's FMA peak (bench/fma-peak.sh, measured first). Before and
# after each process it times a cache line passed between CPUs 0 and 1 (bench/peak/core_latency.c): about 35 ns where
# the two cores share an L3, 150-200 ns where they do not, which slows every two-thread program that hands data between
# its threads; the summary gives each round's epochs with both readings, and the ratio over the rounds where all of them
# were near.
# Usage: bench/torchsharp-vs-latentsharp.sh [--model vae|conv-vae|pixelcnn] [--data fashion-mnist|sample]
#            [--epochs N, default 3] [--rounds N, default 5] [--threads "2 1"] [--inference N, default 4] [--no-trim]
set -euo pipefail
cd "$(dirname "$0")/.."
model=vae data= epochs=3 rounds=5 threads="2 1" inference=4 trim=1
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --inference) inference=$2; shift 2 ;;
    --no-trim) trim=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "torchsharp-vs-latentsharp.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$model" in vae|conv-vae|pixelcnn) ;; *) echo "torchsharp-vs-latentsharp.sh: --model is vae, conv-vae or pixelcnn, not $model" >&2; exit 2 ;; esac
if [ -z "$data" ]; then if [ "$model" = pixelcnn ]; then data=sample; else data=fashion-mnist; fi; fi
if [ "$model" = pixelcnn ]; then inference=0; fi
unset OMP_WAIT_POLICY OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The peer is not in LatentSharp.slnx (libtorch is ~0.5 GB): built here, on demand. Its build marks the one GLIBCXX
# version need of libLibTorchSharp.so that Debian 12 lacks as weak (bench/TorchSharpPeer/weaken_glibcxx_need.py).
dotnet build bench/LatentSharp.Bench -c Release -v quiet -nologo > "$out/build.log" || { cat "$out/build.log"; exit 1; }
dotnet build bench/TorchSharpPeer -c Release -v quiet -nologo > "$out/build.log" || { cat "$out/build.log"; exit 1; }
ls_bin=bench/LatentSharp.Bench/bin/Release/net10.0/LatentSharp.Bench
ts_bin=bench/TorchSharpPeer/bin/Release/net10.0/linux-x64/TorchSharpPeer

peak=$(bench/fma-peak.sh 1 2>/dev/null | grep 'GFLOP' || true)
latency() { if [ -x "$out/core_latency" ]; then "$out/core_latency"; else echo nan; fi; }
[ "$(nproc)" -ge 2 ] && gcc -O2 -pthread bench/peak/core_latency.c -o "$out/core_latency" 2>/dev/null || true
echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | grep 'Model name' | sed 's/  */ /g'), family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p')  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  commit $(git rev-parse --short HEAD)"
echo "# model $model, data $data, $epochs epochs x $rounds rounds, threads: $threads, inference passes: $inference"
echo "$peak" | sed 's/^/# fma-peak: /'
printf '%s\n' "$peak" > "$out/peak"
for t in $threads; do
  for r in $(seq "$rounds"); do
    sides=(ls ts); [ $((r % 2)) -eq 0 ] && sides=(ts ls)
    [ "$trim" = 1 ] && sides+=(tstrim)
    for side in "${sides[@]}"; do
      common=(--model "$model" --data "$data" --epochs "$epochs" --threads "$t" --inference "$inference")
      case "$side" in
        ls) cmd=("$ls_bin" vae-epoch "${common[@]}") ;;
        ts) cmd=("$ts_bin" "${common[@]}") ;;
        tstrim) cmd=(env MALLOC_TRIM_THRESHOLD_=0 "$ts_bin" "${common[@]}") ;;
      esac
      before=$(latency)
      /usr/bin/time -v -o "$out/$side-$t-$r.time" "${cmd[@]}" > "$out/$side-$t-$r.json"
      echo "$before $(latency)" > "$out/$side-$t-$r.latency"
      sed "s/^/$side $t threads round $r: /" "$out/$side-$t-$r.json"
      echo "$side $t threads round $r: core latency ns before / after: $(cat "$out/$side-$t-$r.latency")"
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$model" "$threads" <<'PY'
import glob, json, re, statistics, sys
out, model, threads = sys.argv[1], sys.argv[2], sys.argv[3].split()
names = {"ls": "LatentSharp", "ts": "TorchSharp", "tstrim": "TorchSharp, MALLOC_TRIM_THRESHOLD_=0"}

def flops_per_image():
    """Nominal multiply-add FLOPs of one training step per image: forward + both backward products, less the input's
    gradient of the first layer (dense-equivalent: masked kernels counted whole, as both sides compute them; the
    convolutions counted as direct ones, though LatentSharp computes the conv VAE's 4 x 4 stride-2 middle layers in
    Winograd's form with half the multiply-adds)."""
    if model == "vae":
        layers = [784 * 400, 400 * 40, 20 * 400, 400 * 784]
    elif model == "conv-vae":
        layers = [32 * 196 * 16, 64 * 49 * 32 * 16, 3136 * 40, 20 * 3136, 64 * 49 * 32 * 16, 32 * 196 * 16]
    else:
        block = 784 * (64 * 32 + 32 * 32 * 9 + 32 * 64)
        layers = [784 * 64 * 49] + [block] * 5 + [784 * 64 * 64, 784 * 64]
    return 2 * (3 * sum(layers) - layers[0])

def rows(side, t):
    files = sorted(glob.glob(f"{out}/{side}-{t}-*.json"))
    return [[json.loads(l) for l in open(f) if l.startswith("{")] for f in files]

def quartiles(xs):
    if len(xs) < 2:
        return (xs or [float("nan")]) * 3
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[1], q[2]

def peak_rss(side, t):
    return [int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) / 1024
            for f in sorted(glob.glob(f"{out}/{side}-{t}-*.time"))]

fma = {}
for line in open(f"{out}/peak"):
    m = re.match(r"(\d+) threads, Vector(\d+): ([\d.]+) GFLOP/s", line)
    if m:
        fma[int(m.group(1))] = max(fma.get(int(m.group(1)), 0), float(m.group(3)))

for t in threads:
    sides = [s for s in ("ls", "ts", "tstrim") if glob.glob(f"{out}/{s}-{t}-*.json")]
    data = {s: rows(s, t) for s in sides}
    params = {s: {r["parameters"] for p in data[s] for r in p if "parameters" in r} for s in sides}
    images = {r.get("images") for s in sides for p in data[s] for r in p if "images" in r}
    print(f"\n== {t} thread(s); parameters: " + ", ".join(f"{names[s]} {sorted(params[s])}" for s in sides))
    if len({frozenset(v) for v in params.values()}) != 1:
        sys.exit("parameter counts differ: not the same architecture")
    epoch = {s: [r["seconds"] for p in data[s] for r in p if r.get("epoch", 0) > 1] for s in sides}
    infer = {s: [r["inference"] for p in data[s] for r in [x for x in p if "inference" in x][1:]] for s in sides}
    first = {s: [r["test_loss"] for p in data[s] for r in p if r.get("epoch") == 1] for s in sides}
    n = images.pop() if len(images) == 1 else None
    for s in sides:
        q1, q2, q3 = quartiles(epoch[s])
        line = f"{names[s]:>38}: epoch s Q1 {q1:.3f} median {q2:.3f} Q3 {q3:.3f} (n={len(epoch[s])})"
        if infer[s]:
            i1, i2, i3 = quartiles(infer[s])
            line += f"; inference s/10k Q1 {i1:.3f} median {i2:.3f} Q3 {i3:.3f} (n={len(infer[s])})"
        rss = peak_rss(s, t)
        line += f"; epoch-1 test loss {statistics.mean(first[s]):.2f}; peak RSS MiB median {statistics.median(rss):.0f} max {max(rss):.0f}"
        if n and int(t) in fma:
            gflops = flops_per_image() * n / q2 / 1e9
            line += f"; {gflops:.1f} GFLOP/s = {gflops / fma[int(t)]:.1%} of the {fma[int(t)]:.0f} GFLOP/s FMA peak"
        print(line)
    for s in sides[1:]:
        ratio = statistics.median(epoch[s]) / statistics.median(epoch["ls"])
        text = f"ratio {names[s]} / LatentSharp, median epoch: {ratio:.2f}x"
        if infer[s] and infer["ls"]:
            text += f"; median inference: {statistics.median(infer[s]) / statistics.median(infer['ls']):.2f}x"
        print(text)
    if int(t) >= 2:
        # Per round: each side's epochs after the first, with the core latency before / after its process.
        near = {s: [] for s in sides}
        for r in range(1, len(data["ls"]) + 1):
            cells = []
            for s in sides:
                try:
                    before, after = (float(x) for x in open(f"{out}/{s}-{t}-{r}.latency").read().split())
                except (OSError, ValueError):
                    before = after = float("nan")
                seconds = [x["seconds"] for x in data[s][r - 1] if x.get("epoch", 0) > 1] if r <= len(data[s]) else []
                cells.append(f"{s} {'/'.join(f'{x:.2f}' for x in seconds)} s ({before:.0f}/{after:.0f} ns)")
                if before < 80 and after < 80:
                    near[s] += seconds
            print(f"  round {r}: " + ", ".join(cells))
        if near["ls"] and all(near[s] for s in sides[1:]):
            for s in sides[1:]:
                print(f"ratio {names[s]} / LatentSharp over the epochs run with the cores near (< 80 ns): "
                      f"{statistics.median(near[s]) / statistics.median(near['ls']):.2f}x (n={len(near['ls'])}, {len(near[s])})")
PY
