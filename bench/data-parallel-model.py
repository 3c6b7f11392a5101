#!/usr/bin/env python3
"""The data-parallel scaling model of docs/cluster.md, from the measurements of `LatentSharp.Bench data-parallel step`.

Strong scaling: the global batch B = 128 is fixed (the batches do not depend on the number of ranks N), so each rank
computes a step on B/N images, then the gradients (P floats, 4P bytes) are summed by a ring all-reduce, not overlapped
with the compute (LatentSharp reduces after the backward pass):
    T(N) = T_compute(B/N) + 2(N-1)·alpha + 2(N-1)/N · 4P / bandwidth
T_compute(b) is the fastest measured step at per-rank batch b (one thread per rank; the bench measures every b = B/N),
so it includes what every rank repeats whatever its batch: the optimizer update of all P parameters and layer set-up.
Measure on a quiet machine: on a shared one most steps are slowed by other work.
Throughput = B / T(N) images/s; efficiency = T_compute(B) / (N · T(N)).
Usage: bench/data-parallel-model.py steps.jsonl [alpha_us, default 10]
"""
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
alpha = (float(sys.argv[2]) if len(sys.argv) > 2 else 10.0) * 1e-6
links = [10, 25, 100]
B = 128
models = {}
for r in rows:
    m = models.setdefault(r["model"], {"P": r["parameters"], "t": {}})
    m["t"][r["batch"]] = r["ms_min"] / 1000
print(f"| model (P) | N | per-rank batch | compute ms | " + " | ".join(f"all-reduce ms @{g} Gb/s" for g in links)
      + " | " + " | ".join(f"img/s (eff.) @{g} Gb/s" for g in links) + " |")
print("|---|---|---|---|" + "---|" * (2 * len(links)))
for name, m in models.items():
    single = m["t"][B]
    print(f"| {name} ({m['P']:,}) | 1 | {B} | {single*1e3:.1f} | " + " | ".join("–" for _ in links) + " | "
          + " | ".join(f"{B/single:,.0f} (1.00)" for _ in links) + " |")
    for n in [2, 4, 8, 16, 32, 64]:
        b = B // n
        compute = m["t"][b]
        ar = [2 * (n - 1) * alpha + 2 * (n - 1) / n * 4 * m["P"] / (g * 1e9 / 8) for g in links]
        cells = [f"{B/(compute+a):,.0f} ({single/(n*(compute+a)):.2f})" for a in ar]
        print(f"| | {n} | {b} | {compute*1e3:.1f} | " + " | ".join(f"{a*1e3:.2f}" for a in ar) + " | " + " | ".join(cells) + " |")
