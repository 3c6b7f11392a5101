#!/usr/bin/env bash
# GEMM GFLOP/s of LatentSharp next to Debian's OpenBLAS (libopenblas0-pthread), same process, same operands.
# Usage: bench/gemm.sh [--rounds N | --quick]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/blas.sh
require_openblas

# Give the peer its best kernels: OpenBLAS's AVX-512 (SkylakeX) ones where the CPU has AVX-512F.
# Forcing SkylakeX on a CPU without AVX-512 dies with SIGILL, so there OpenBLAS picks its own (e.g. Zen).
if grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
else
  echo "note: this CPU has no AVX-512F; OPENBLAS_CORETYPE left to OpenBLAS's detection" >&2
fi
export OMP_WAIT_POLICY=PASSIVE

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | grep 'Model name' | sed 's/  */ /g')  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build bench/LatentSharp.Bench -c Release -v quiet -nologo > /dev/null
dotnet run -c Release --no-build --project bench/LatentSharp.Bench -- gemm "$@"
