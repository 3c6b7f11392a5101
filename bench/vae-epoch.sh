#!/usr/bin/env bash
# Seconds per training epoch: LatentSharp next to Debian's PyTorch (python3-torch) in one run, alternating, with the
# peer's best settings (MEASURING.md). Models (same architecture on both sides):
#   vae       the pytorch/examples recipe, 784-400-20 MLP (default)
#   conv-vae  LatentSharp's conv-vae, channels [32, 64] (the peer's --model conv)
#   pixelcnn  LatentSharp's pixelcnn, 64 channels, 5 residual blocks, dynamically binarized images, batch 64
# Data: --data fashion-mnist (the full set, default for the VAEs) or sample (the shipped 6,000 images, default for the
# pixelcnn, whose full epoch takes minutes here).
# Prints the parameter count of both (and stops if they differ), every epoch of both, then the quartiles of each
# side's epoch times (epoch 1 excluded: warm-up; all epochs if there is only one; two-thread times are bimodal on
# these hosts, so a median of two says little), the ratio of the medians, the first-epoch test loss of each, and peak
# memory (maximum resident set) of each process from /usr/bin/time -v. The peer must multiply through OpenBLAS
# (bench/blas.sh: installed if missing, and the library PyTorch mapped is printed); the reference BLAS is refused.
# Usage: bench/vae-epoch.sh [--model vae|conv-vae|pixelcnn] [--data fashion-mnist|sample] [--epochs N, default 3]
#                           [--rounds N, default 5]
#        bench/vae-epoch.sh [epochs] [rounds]     (the older positional form, MLP VAE)
set -euo pipefail
cd "$(dirname "$0")/.."
model=vae data= epochs=3 rounds=5 positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "vae-epoch.sh: unknown option $1" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -ge 1 ]; then epochs=${positional[0]}; fi
if [ ${#positional[@]} -ge 2 ]; then rounds=${positional[1]}; fi
case "$model" in
  vae) peer_model=mlp ;;
  conv-vae) peer_model=conv ;;
  pixelcnn) peer_model=pixelcnn ;;
  *) echo "vae-epoch.sh: --model is vae, conv-vae or pixelcnn, not $model" >&2; exit 2 ;;
esac
if [ -z "$data" ]; then if [ "$model" = pixelcnn ]; then data=sample; else data=fashion-mnist; fi; fi
case "$data" in
  fashion-mnist) peer_data=/usr/share/datasets/fashion-mnist ;;
  sample) peer_data=data/sample ;;
  *) echo "vae-epoch.sh: --data is fashion-mnist or sample, not $data" >&2; exit 2 ;;
esac
. bench/blas.sh
require_openblas
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | grep 'Model name' | sed 's/  */ /g')  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# model: LatentSharp $model, PyTorch --model $peer_model; data: $data; $epochs epochs x $rounds rounds"
peer_blas=$(blas_of_python_torch)
case "$peer_blas" in
  *openblas*) ;;
  *) echo "vae-epoch.sh: PyTorch multiplies through $peer_blas, not OpenBLAS; refusing to compare against it (update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2; exit 3 ;;
esac
echo "# torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 2 threads, OMP_WAIT_POLICY=PASSIVE, OpenBLAS 2 threads, core type ${OPENBLAS_CORETYPE:-auto}; BLAS loaded: $peer_blas"
dotnet build bench/LatentSharp.Bench -c Release -v quiet -nologo > /dev/null
for r in $(seq "$rounds"); do
  /usr/bin/time -v -o "$out/ls-time-$r" dotnet run -c Release --no-build --project bench/LatentSharp.Bench -- vae-epoch --model "$model" --data "$data" --epochs "$epochs" --threads 2 | tee "$out/ls-$r" | sed 's/^/latentsharp /'
  /usr/bin/time -v -o "$out/pt-time-$r" /usr/bin/python3 bench/peers/pytorch_vae.py --model "$peer_model" --data "$peer_data" --epochs "$epochs" --threads 2 | tee "$out/pt-$r" | sed 's/^/pytorch     /'
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'PY'
import json, statistics, sys, glob, re
out = sys.argv[1]
def rows(prefix):
    return [json.loads(l) for f in sorted(glob.glob(f"{out}/{prefix}-[0-9]*")) for l in open(f) if l.startswith("{")]
def epochs(prefix):
    rs = [r for r in rows(prefix) if "epoch" in r]
    return [r["seconds"] for r in rs if r["epoch"] > 1] or [r["seconds"] for r in rs]
def first_loss(prefix):
    return statistics.mean(r["test_loss"] for r in rows(prefix) if r.get("epoch") == 1)
def parameters(prefix):
    return {r["parameters"] for r in rows(prefix) if "parameters" in r}
def peak(prefix):
    return max(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) for f in glob.glob(f"{out}/{prefix}-time-*")) / 1024
pls, ppt = parameters("ls"), parameters("pt")
print(f"parameters: LatentSharp {sorted(pls)}, PyTorch {sorted(ppt)}")
if pls != ppt or len(pls) != 1:
    sys.exit("parameter counts differ: not the same architecture")
def quartiles(xs):
    return statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
(lq1, ls, lq3), (pq1, pt, pq3) = quartiles(epochs("ls")), quartiles(epochs("pt"))
print(f"s/epoch Q1 / median / Q3: LatentSharp {lq1:.3f} / {ls:.3f} / {lq3:.3f} (n={len(epochs('ls'))}), PyTorch {pq1:.3f} / {pt:.3f} / {pq3:.3f} (n={len(epochs('pt'))})")
print(f"epoch-1 test loss per image: LatentSharp {first_loss('ls'):.2f}, PyTorch {first_loss('pt'):.2f}")
print(f"median s/epoch: LatentSharp {ls:.3f}, PyTorch {pt:.3f}; speed-up {pt / ls:.2f}x; peak RSS MiB: LatentSharp {peak('ls'):.0f}, PyTorch {peak('pt'):.0f}")
PY
