# Sourced by the benches whose peer multiplies through Debian's BLAS (gemm.sh: OpenBLAS itself; vae-epoch.sh: PyTorch
# 1.13, which calls whatever libblas.so.3 resolves to). Without libopenblas0-pthread, libblas.so.3 is the reference
# BLAS (netlib, one scalar loop): the peer then runs ~30x slower and its ratios are meaningless, so the benches install
# OpenBLAS where they can and refuse to report against anything else.
#   require_openblas         installs libopenblas0-pthread if it is missing (as root, with apt-get), else exits 3
#   blas_of_python_torch     the BLAS library file that python3-torch has mapped after one product
openblas_lib=/usr/lib/x86_64-linux-gnu/libopenblas.so.0

require_openblas() {
  if [ ! -e "$openblas_lib" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "# OpenBLAS (libopenblas0-pthread) is missing: installing it" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libopenblas0-pthread > /dev/null 2>&1 || true
  fi
  if [ ! -e "$openblas_lib" ]; then
    echo "$(basename "$0"): OpenBLAS is not installed ($openblas_lib is missing); install it with 'apt-get install libopenblas0-pthread' (the reference BLAS would make the peer's figures meaningless)" >&2
    exit 3
  fi
}

blas_of_python_torch() {
  /usr/bin/python3 - <<'PY'
import torch
torch.mm(torch.ones(64, 64), torch.ones(64, 64))
paths = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1]})
print(" ".join(paths) or "none")
PY
}
