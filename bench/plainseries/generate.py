#!/usr/bin/env python3
"""Plain series with known truth: an accuracy corpus that is not the scraper
generator's.

Each run is one snapshot a cycle in the guide's NDJSON, labelled "After
cleanup": the per-cycle floor *is* the series. No GC sawtooth, no phases:
a trend (or none) plus noise, on one metric, the others steady with a
little noise of their own. The truth comes from the parameters:

- leak: linear, exponential, staircase (steps that keep coming), a line
  that starts late; each under white or AR(1) noise, or a seasonal load;
- no leak: flat, one bounded step, a saturating rise (warm-up, a cache
  filling), a driftless random walk, a seasonal load alone.

A random walk has no growth, but its level wanders: the honest verdicts are
`no_leak` or `inconclusive`, never `leak`.

    python3 bench/plainseries/generate.py [OUT_DIR]

Only the standard library: `random.Random(seed)` is the same stream on every
CPython 3, so the corpus is reproducible from this file.
"""
import gzip
import json
import math
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "corpora", "plain")

BASES = {"heap_used": 60.0, "rss": 250.0, "external": 20.0}


def noise(kind, n, rng, sd):
    """n noise values of marginal standard deviation ~sd."""
    if kind == "white":
        return [rng.gauss(0, sd) for _ in range(n)]
    if kind.startswith("ar"):
        phi = float(kind[2:])
        e = sd * math.sqrt(1 - phi * phi)
        out, x = [], rng.gauss(0, sd)
        for _ in range(n):
            x = phi * x + rng.gauss(0, e)
            out.append(x)
        return out
    raise ValueError(kind)


def shape(name, n, rate, rng):
    """The noiseless level (MB above the base) at cycles 0..n-1."""
    if name == "flat":
        return [0.0] * n
    if name == "linear":
        return [rate * t for t in range(n)]
    if name == "late_linear":
        onset = n // 2
        return [rate * max(0, t - onset) for t in range(n)]
    if name == "exponential":
        # Grows by `rate` a cycle at first, doubling every n/3 cycles.
        k = math.log(2) / (n / 3)
        return [rate * (math.exp(k * t) - 1) / k for t in range(n)]
    if name == "staircase":
        # A step of rate*gap every `gap` cycles (gap 8..20), jittered.
        gap = rng.randint(8, 20)
        level, out, nxt = 0.0, [], gap
        for t in range(n):
            if t >= nxt:
                level += rate * gap
                nxt = t + max(3, gap + rng.randint(-3, 3))
            out.append(level)
        return out
    if name == "one_step":
        at = rng.randint(n // 5, n // 2)
        return [0.0 if t < at else 15.0 for t in range(n)]
    if name == "saturating":
        tau = rng.uniform(0.05, 0.2) * n
        return [25.0 * (1 - math.exp(-t / tau)) for t in range(n)]
    if name == "random_walk":
        x, out = 0.0, []
        for _ in range(n):
            out.append(x)
            x += rng.gauss(0, 1.0)
        return out
    raise ValueError(name)


def seasonal(n, rng, amp):
    period = rng.choice([12, 24, 48])
    phase = rng.uniform(0, 2 * math.pi)
    return [amp * math.sin(2 * math.pi * t / period + phase) for t in range(n)]


def write(path, metric, series, rng, count_series=None):
    lines = []
    t0 = 1_780_000_000_000
    for c, v in enumerate(series):
        vals = {m: BASES[m] + rng.gauss(0, 0.3) for m in BASES}
        vals[metric] = BASES[metric] + v
        heap = max(1.0, vals["heap_used"])
        snap = {
            "cycle": c + 1,
            "label": "After cleanup",
            "timestamp": t0 + c * 30_000,
            "nodejs": {
                "heapUsed": round(heap, 2),
                "heapTotal": round(heap + 30.0, 2),
                "rss": round(max(heap + 40.0, vals["rss"]), 2),
                "external": round(max(0.1, vals["external"]), 2),
                "arrayBuffers": round(max(0.01, 1.0 + rng.gauss(0, 0.05)), 2),
            },
            "browser": {"pageCount": 1, "contextCount": 1},
        }
        if count_series is not None:
            snap["browser"]["pageCount"] = count_series[c]
        lines.append(json.dumps(snap, separators=(",", ":")))
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode())


def main():
    os.makedirs(OUT, exist_ok=True)
    labels = {}
    seed = 0

    def emit(name, truth, metric, values, rng, **meta):
        file = f"{name}.ndjson.gz"
        write(os.path.join(OUT, file), metric, values, rng)
        labels[file] = {"truth": truth, "metrics": [metric] if truth == "leak" else [], **meta}

    # The grid the issue names: 100 cycles, a rise under white and AR(1) noise.
    for rate in [0.1, 0.3, 1.0]:
        for nk in ["white", "ar0.7"]:
            for rep in range(20):
                seed += 1
                rng = random.Random(seed)
                v = [a + b for a, b in zip(shape("linear", 100, rate, rng), noise(nk, 100, rng, 1.0))]
                emit(f"linear-{rate}-{nk}-100-s{seed}", "leak", "heap_used", v, rng,
                     shape="linear", rate=rate, noise=nk, cycles=100)
    def walk(walk_seed):
        rng = random.Random(walk_seed)
        v = shape("random_walk", 100, 0, rng)
        emit(f"random_walk-100-s{walk_seed}", "no_leak", "heap_used", v, rng,
             shape="random_walk", rate=0, noise="walk", cycles=100)
    for rep in range(40):
        seed += 1
        walk(seed)
    # More driftless walks (their false-alarm rate is a small number: it
    # needs many runs to be measured), and one bounded step, 100 cycles.
    for rep in range(160):
        walk(100_000 + rep)
    for rep in range(60):
        seed2 = 200_000 + rep
        rng = random.Random(seed2)
        nk = ["white", "ar0.7"][rep % 2]
        v = [a + b for a, b in zip(shape("one_step", 100, 0, rng), noise(nk, 100, rng, 1.0))]
        emit(f"one_step-{nk}-100-s{seed2}", "no_leak", "heap_used", v, rng,
             shape="one_step", rate=0, noise=nk, cycles=100)
    for rep in range(20):
        for nk in ["white", "ar0.7"]:
            seed += 1
            rng = random.Random(seed)
            v = [a + b for a, b in zip(shape("one_step", 100, 0, rng), noise(nk, 100, rng, 1.0))]
            emit(f"one_step-{nk}-100-s{seed}", "no_leak", "heap_used", v, rng,
                 shape="one_step", rate=0, noise=nk, cycles=100)
    # Every shape, metric and length, under three noises.
    for length in [30, 60, 200, 500]:
        for shp, rate, truth in [("flat", 0, "no_leak"), ("saturating", 0, "no_leak"),
                                 ("linear", 0.3, "leak"), ("linear", 2.0, "leak"),
                                 ("exponential", 0.2, "leak"), ("staircase", 0.5, "leak"),
                                 ("late_linear", 1.0, "leak"), ("one_step", 0, "no_leak")]:
            for nk in ["white", "ar0.7", "ar0.9"]:
                for metric in ["heap_used", "rss", "external"]:
                    seed += 1
                    rng = random.Random(seed)
                    sd = {"heap_used": 1.5, "rss": 3.0, "external": 0.5}[metric]
                    v = [a + b for a, b in zip(shape(shp, length, rate, rng), noise(nk, length, rng, sd))]
                    emit(f"{shp}-{rate}-{nk}-{metric}-{length}-s{seed}", truth, metric, v, rng,
                         shape=shp, rate=rate, noise=nk, cycles=length)
    # Seasonal load, with and without a leak under it.
    for length in [100, 300]:
        for rate, truth in [(0, "no_leak"), (0.3, "leak"), (1.0, "leak")]:
            for rep in range(6):
                seed += 1
                rng = random.Random(seed)
                s = seasonal(length, rng, rng.choice([3.0, 8.0]))
                v = [a + b + c for a, b, c in zip(shape("linear", length, rate, rng), s,
                                                  noise("white", length, rng, 1.0))]
                emit(f"seasonal-{rate}-{length}-s{seed}", truth, "heap_used", v, rng,
                     shape="seasonal", rate=rate, noise="white+seasonal", cycles=length)
    # Random walks of other lengths.
    for length in [60, 200, 500]:
        for rep in range(10):
            seed += 1
            rng = random.Random(seed)
            emit(f"random_walk-{length}-s{seed}", "no_leak", "heap_used",
                 shape("random_walk", length, 0, rng), rng,
                 shape="random_walk", rate=0, noise="walk", cycles=length)

    with open(os.path.join(OUT, "labels.json"), "w") as f:
        json.dump(dict(sorted(labels.items())), f, indent=1)
        f.write("\n")
    print(f"{len(labels)} runs in {OUT}")


if __name__ == "__main__":
    main()
