#!/usr/bin/env bash
# Seconds per training epoch of the pytorch/examples VAE recipe on full Fashion-MNIST: LatentSharp next to
# Debian's PyTorch (python3-torch) in one run, alternating, with the peer's best settings (MEASURING.md).
# Prints every epoch of both, then the median epoch time of each (epoch 1 excluded: warm-up) and the ratio.
# Peak memory (maximum resident set) of each process comes from /usr/bin/time -v.
# Usage: bench/vae-epoch.sh [epochs per run, default 3] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-3}
rounds=${2:-2}
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | grep 'Model name' | sed 's/  */ /g')  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 2 threads, OMP_WAIT_POLICY=PASSIVE, OpenBLAS 2 threads, core type ${OPENBLAS_CORETYPE:-auto}"
dotnet build bench/LatentSharp.Bench -c Release -v quiet -nologo > /dev/null
for r in $(seq "$rounds"); do
  /usr/bin/time -v -o "$out/ls-time-$r" dotnet run -c Release --no-build --project bench/LatentSharp.Bench -- vae-epoch --epochs "$epochs" --threads 2 | tee "$out/ls-$r" | sed 's/^/latentsharp /'
  /usr/bin/time -v -o "$out/pt-time-$r" /usr/bin/python3 bench/peers/pytorch_vae.py --epochs "$epochs" --threads 2 | tee "$out/pt-$r" | sed 's/^/pytorch     /'
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, glob, re
out, rounds = sys.argv[1], int(sys.argv[2])
def epochs(prefix):
    rows = [json.loads(l) for f in sorted(glob.glob(f"{out}/{prefix}-[0-9]*")) for l in open(f) if l.startswith("{")]
    return [r["seconds"] for r in rows if r["epoch"] > 1] or [r["seconds"] for r in rows]
def peak(prefix):
    return max(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) for f in glob.glob(f"{out}/{prefix}-time-*")) / 1024
ls, pt = statistics.median(epochs("ls")), statistics.median(epochs("pt"))
print(f"median s/epoch: LatentSharp {ls:.3f}, PyTorch {pt:.3f}; speed-up {pt / ls:.2f}x; peak RSS MiB: LatentSharp {peak('ls'):.0f}, PyTorch {peak('pt'):.0f}")
PY
