#!/usr/bin/env python3
"""Projects where a training run's validation ELBO is heading, from its log.csv.

Usage: scripts/project-curve.py RUN/log.csv [--from EPOCH] [--until EPOCH] [--to 2000] [--column validation_elbo]

Fits the best-so-far value of the column (epochs from --from on, by default the end of the KL warm-up) with a
saturating power law, y(e) = a - b * e^(-c), by least squares (a and b solved exactly for each c on a grid), and
prints y at --to epochs and the limit a. --until fits only the epochs up to it, to test a projection against
epochs the run went on to (printed as "reached"). To show how far such a projection can be trusted, it also fits the first
two thirds of the epochs alone and prints its error on the last third. Standard library only.
"""
import csv
import json
import math
import sys


def fit(points):
    """Least-squares a, b, c of y = a - b * e^(-c); returns (sse, a, b, c)."""
    best = None
    for i in range(1, 400):
        c = i * 0.01
        xs = [e ** (-c) for e, _ in points]
        ys = [y for _, y in points]
        n = len(xs)
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx == 0:
            continue
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx   # y = a + slope * x, slope = -b
        a = my - slope * mx
        sse = sum((a + slope * x - y) ** 2 for x, y in zip(xs, ys))
        if best is None or sse < best[0]:
            best = (sse, a, -slope, c)
    return best


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1]
    options = dict(zip(argv[2::2], argv[3::2]))
    column = options.get("--column", "validation_elbo")
    target = int(options.get("--to", "2000"))
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        print(f"project-curve: cannot read {path}: {e.strerror}", file=sys.stderr)
        return 2
    if not rows or column not in rows[0]:
        print(f"project-curve: {path} has no column {column}", file=sys.stderr)
        return 2
    start = int(options.get("--from", "0")) or 1
    until = int(options.get("--until", "0")) or None
    running, points, reached = -math.inf, [], None
    for r in rows:
        e, y = int(r["epoch"]), float(r[column])
        running = max(running, y)
        if e == target:
            reached = running
        if e >= start and (until is None or e <= until):
            points.append((e, running))
    if len(points) < 9:
        print(f"project-curve: {len(points)} epochs from epoch {start} on; need at least 9", file=sys.stderr)
        return 2

    sse, a, b, c = fit(points)
    last_epoch, last_best = points[-1]
    cut = len(points) * 2 // 3
    _, ha, hb, hc = fit(points[:cut])
    held_out = [ha - hb * e ** (-hc) - y for e, y in points[cut:]]
    result = {
        "log": path,
        "column": column,
        "epochs": [points[0][0], last_epoch],
        "best_so_far": last_best,
        "fit": {"a": round(a, 3), "b": round(b, 3), "c": round(c, 2), "rms": round(math.sqrt(sse / len(points)), 4)},
        f"projected_at_{target}": round(a - b * target ** (-c), 3),
        "limit": round(a, 3),
        f"reached_at_{target}": reached,
        "check": {
            "fitted_epochs": [points[0][0], points[cut - 1][0]],
            "predicted_epochs": [points[cut][0], last_epoch],
            "error_at_last_epoch": round(held_out[-1], 3),
            "largest_error": round(max(held_out, key=abs), 3),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
