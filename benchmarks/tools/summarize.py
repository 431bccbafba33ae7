#!/usr/bin/env python3
"""Summarize JMH JSON results (several files = several forks of the same benchmark) and the
[cpu] lines of the matching text outputs.

Usage: summarize.py LABEL=file1.json,file2.json ... 
For each LABEL and benchmark configuration: mean items/s over all measurement iterations of all
files, the 99.9% confidence half-width (Student t, like JMH's "Error"), min/max iteration, the
number of iterations, per-worker items/s, and the mean process-CPU ns/item from the [cpu] lines
printed during measurement iterations (text file next to each JSON file).
"""
import json
import re
import statistics
import sys
from collections import OrderedDict, defaultdict

from scipy import stats


def config_of(r):
    p = r.get("params") or {}
    name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
    return (name, p.get("workers", "-"), p.get("keys", "-"), p.get("source", "-"))


def cpu_lines(txt_path):
    """[cpu] values of measurement iterations, in order of configuration blocks."""
    out = defaultdict(list)
    params = None
    measuring = False
    try:
        lines = open(txt_path).read().splitlines()
    except OSError:
        return out
    for line in lines:
        m = re.match(r"# Parameters: \((.*)\)", line)
        if m:
            params = dict(kv.split(" = ") for kv in m.group(1).split(", "))
        if line.startswith("# Benchmark: "):
            bench = line.split()[-1]
        if line.startswith("# Warmup Iteration"):
            measuring = False
        if line.startswith("Iteration "):
            measuring = True
        m = re.search(r"\[cpu\] ([\d.]+) process-CPU ns/item, ([\d.]+) wall ns/item, ([\d.]+) cores busy", line)
        if m and measuring and params is not None:
            name = bench.rsplit(".", 2)[-2] + "." + bench.rsplit(".", 1)[-1]
            key = (name, params.get("workers", "-"), params.get("keys", "-"), params.get("source", "-"))
            out[key].append((float(m.group(1)), float(m.group(3))))
    return out


def main():
    rows = OrderedDict()
    for arg in sys.argv[1:]:
        label, files = arg.split("=", 1)
        for f in files.split(","):
            cpu = cpu_lines(f[:-5] + ".txt")
            for r in json.load(open(f)):
                key = config_of(r) + (label,)
                d = rows.setdefault(key, {"it": [], "cpu": []})
                for fork in r["primaryMetric"]["rawData"]:
                    d["it"].extend(fork)
                d["cpu"].extend(cpu.get(config_of(r), []))
    print("| benchmark | workers | keys | source | engine | items/s (mean ± 99.9% CI) | per worker | min–max iteration | n | CPU ns/item | cores busy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(rows, key=lambda k: (k[0], k[2].rjust(8), k[3], k[1], k[4])):
        name, workers, keys, source, label = key
        it = rows[key]["it"]
        n = len(it)
        mean = statistics.mean(it)
        err = stats.t.ppf(1 - 0.001 / 2, n - 1) * statistics.stdev(it) / n ** 0.5 if n > 1 else float("nan")
        w = int(workers) if workers != "-" else 1
        cpu = rows[key]["cpu"]
        cpu_s = f"{statistics.mean(c for c, _ in cpu):.0f}" if cpu else "–"
        busy_s = f"{statistics.mean(b for _, b in cpu):.2f}" if cpu else "–"
        print(f"| {name} | {workers} | {keys} | {source} | {label} | {mean/1e6:.2f} M ± {err/1e6:.2f} M"
              f" | {mean/w/1e6:.2f} M | {min(it)/1e6:.1f}–{max(it)/1e6:.1f} M | {n} | {cpu_s} | {busy_s} |")


if __name__ == "__main__":
    main()
