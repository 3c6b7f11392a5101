#!/usr/bin/env bash
# The 1- and 2-thread Vector256 and Vector512 FMA peaks of this CPU in GFLOP/s (the ceiling for bench/gemm.sh's figures).
# Needs a C compiler (gcc); the product never does. Usage: bench/fma-peak.sh [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O3 -march=native -pthread peak/fma_peak.c -o "$out/fma_peak"
echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(lscpu | grep 'Model name' | sed 's/  */ /g')  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "${1:-3}"); do for w in 256 512; do "$out/fma_peak" 1 $w; "$out/fma_peak" 2 $w; done; done
