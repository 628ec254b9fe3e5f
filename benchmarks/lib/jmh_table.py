"""Turns JMH's JSON result (with -prof gc) into a Markdown table: ns/op and B/op per benchmark."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import machine  # noqa: E402


def main():
    path, seconds, iters = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path) as f:
        results = json.load(f)
    print("# JMH microbenchmarks\n")
    print(f"Machine: {machine.describe()}  ")
    print(f"JMH options: `{iters} -prof gc`; wall time {seconds} s.\n")
    print("Caveat: 2 shared cores. ± error is JMH's 99.9% confidence half-width over the measurement "
          "iterations (Student t, so few iterations widen it a lot); the iteration range shows the "
          "slowest and fastest iteration. Compare two builds side by side in one run, and treat "
          "differences within the ranges as noise. B/op is `gc.alloc.rate.norm` (bytes allocated per "
          "operation); values of a few bytes or less are measurement residue, i.e. 0 allocation.\n")
    print("| benchmark | params | ns/op | ± error | iterations (min-max) | B/op |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        name = r["benchmark"].rsplit(".", 2)
        name = name[-2] + "." + name[-1]
        params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
        pm = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm") or \
            r.get("secondaryMetrics", {}).get("\u00b7gc.alloc.rate.norm")
        b = f"{alloc['score']:.1f}" if alloc else "n/a"
        err = pm.get("scoreError")
        err_s = f"{err:.2f}" if isinstance(err, (int, float)) and err == err else "n/a"
        raw = [x for fork in (pm.get("rawData") or []) for x in fork]
        range_s = f"{min(raw):.2f}-{max(raw):.2f}" if raw else "n/a"
        print(f"| {name} | {params} | {pm['score']:.2f} | {err_s} | {range_s} | {b} |")


if __name__ == "__main__":
    main()
