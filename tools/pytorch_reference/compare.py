#!/usr/bin/python3
"""Side-by-side table of dagrad's Google Benchmarks and bench.py's PyTorch.

    compare.py --pytorch pytorch.jsonl --dagrad ops.json [--dagrad step.json]
               [--fma_peak fma_peak.json]

--pytorch: bench.py's output, one {"workload", "threads", "us"} per line.
--dagrad:  Google Benchmark JSON (--benchmark_format=json or
           --benchmark_out=FILE); may be given several times, or omitted.
Prints: workload, threads, dagrad µs, PyTorch µs, ratio (PyTorch / dagrad,
> 1 means dagrad is faster). A workload whose dagrad benchmark is missing
(not written yet, or its binary not built) shows "n/a" instead of failing.
--fma_peak: //benchmarks:fma_peak's JSON; adds a "%peak" column, dagrad's
GFLOP/s (its benchmark's "GFLOPS" counter, by wall-clock time) over the
one-thread FMA peak times the thread count ("-" where the benchmark counts
no FLOPs, e.g. the training steps).
"""

import argparse
import json
import re
import sys

# =============================================================================
# DAGRAD BENCHMARK NAME -> WORKLOAD.  Edit this table when benchmark names
# change. Keys are Google Benchmark run names with "{t}" standing for the
# thread count (1 or 2) the benchmark is registered with; when a benchmark
# was run with --benchmark_repetitions, its "_median" aggregate is used.
# Several names may map to one workload (first one found wins), so old and
# new spellings can coexist during a rename.
# =============================================================================
DAGRAD_BENCHMARKS = {
    # Full training steps (//benchmarks:train_step).
    "BM_TrainStep/lenet5/threads:{t}": "lenet5_step",
    "BM_TrainStep/mlp100/threads:{t}": "mlp100_step",
    "BM_TrainStep/mlp200_rmsprop/threads:{t}": "mlp200_step",
    # Convolutions at LeNet-5 shapes, batch 64 (//benchmarks:ops, conv).
    "BM_Conv2DForward/lenet_conv1/threads:{t}": "conv1_fwd",
    "BM_Conv2DInputGrad/lenet_conv1/threads:{t}": "conv1_dx",
    "BM_Conv2DFilterGrad/lenet_conv1/threads:{t}": "conv1_dw",
    "BM_Conv2DForward/lenet_conv2/threads:{t}": "conv2_fwd",
    "BM_Conv2DInputGrad/lenet_conv2/threads:{t}": "conv2_dx",
    "BM_Conv2DFilterGrad/lenet_conv2/threads:{t}": "conv2_dw",
    # Max pooling 2x2 on [64,6,28,28] (pool).
    "BM_MaxPool2DForward/lenet/threads:{t}": "maxpool_fwd",
    "BM_MaxPool2DBackward/lenet/threads:{t}": "maxpool_bwd",
    # Dense 400->120 on [64,400] (dense: MatMul + BiasAdd).
    "BM_DenseForward/400x120/threads:{t}": "dense_fwd",
    "BM_DenseBackward/400x120/threads:{t}": "dense_bwd",
}
# =============================================================================

WORKLOADS = [
    "lenet5_step", "mlp100_step", "mlp200_step",
    "conv1_fwd", "conv1_dx", "conv1_dw", "conv2_fwd", "conv2_dx", "conv2_dw",
    "maxpool_fwd", "maxpool_bwd", "dense_fwd", "dense_bwd",
]

_TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def load_pytorch(lines):
    """{(workload, threads): µs} from bench.py's JSON lines."""
    out = {}
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        out[(r["workload"], int(r["threads"]))] = float(r["us"])
    return out


def load_google_benchmark(doc):
    """{run name: real time in µs} from a Google Benchmark JSON document.

    Plain iterations are used, unless the run has a "median" aggregate,
    which then wins. Errored runs are skipped.
    """
    plain, median = {}, {}
    for b in doc.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        us = float(b["real_time"]) * _TO_US[b.get("time_unit", "ns")]
        run_name = b.get("run_name", b["name"])
        # Benchmarks that time wall clock (UseRealTime) carry a
        # "/real_time" suffix; the table names them without it.
        if run_name.endswith("/real_time"):
            run_name = run_name[: -len("/real_time")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                median[run_name] = us
        else:
            plain.setdefault(run_name, us)
    plain.update(median)
    return plain


def load_gflops(doc):
    """{run name: wall-clock GFLOP/s} from a Google Benchmark JSON document.

    The "GFLOPS" counter is a rate over the benchmark's timer: CPU time of
    the main thread unless the run uses real time ("/real_time"), so it is
    rescaled to wall-clock time. Medians win over plain iterations.
    """
    walls = {}
    for b in doc.get("benchmarks", []):
        run_name = b.get("run_name", b["name"])
        if (not run_name.endswith("/real_time") and "cpu_time" in b
                and float(b.get("real_time", 0)) > 0):
            walls[id(b)] = float(b["cpu_time"]) / float(b["real_time"])
    rated = {"benchmarks": [
        dict(b, real_time=float(b["GFLOPS"]) * walls.get(id(b), 1.0),
             time_unit="us")
        for b in doc.get("benchmarks", []) if "GFLOPS" in b]}
    # load_google_benchmark() reads the rate in place of a time: the same
    # name handling, medians and error skipping.
    return load_google_benchmark(rated)


def fma_peak(doc):
    """The median GFLOPS of BM_FmaPeak in //benchmarks:fma_peak's JSON."""
    rates = load_gflops(doc)
    return rates.get("BM_FmaPeak")


def map_dagrad(times, threads_list=(1, 2), table=None):
    """{(workload, threads): µs} via the DAGRAD_BENCHMARKS table."""
    table = DAGRAD_BENCHMARKS if table is None else table
    out = {}
    for pattern, workload in table.items():
        for t in threads_list:
            name = pattern.replace("{t}", str(t))
            if name in times and (workload, t) not in out:
                out[(workload, t)] = times[name]
    return out


def format_table(dagrad, pytorch, threads_list=(1, 2), gflops=None,
                 peak=None):
    """The printed table; rows in WORKLOADS order, then thread count.

    With peak (one-thread GFLOP/s) and gflops ({(workload, threads):
    GFLOP/s}), a "%peak" column follows the ratio.
    """
    with_peak = peak is not None and peak > 0
    rows = [f"{'workload':<14}{'threads':>8}{'dagrad_us':>12}"
            f"{'pytorch_us':>12}{'ratio':>8}"
            + (f"{'%peak':>8}" if with_peak else "")]
    for workload in WORKLOADS:
        for t in threads_list:
            d = dagrad.get((workload, t))
            p = pytorch.get((workload, t))
            ds = f"{d:.1f}" if d is not None else "n/a"
            ps = f"{p:.1f}" if p is not None else "n/a"
            ratio = f"{p / d:.2f}" if d and p is not None else "n/a"
            row = f"{workload:<14}{t:>8}{ds:>12}{ps:>12}{ratio:>8}"
            if with_peak:
                g = (gflops or {}).get((workload, t))
                pct = f"{100.0 * g / (peak * t):.0f}%" if g else "-"
                row += f"{pct:>8}"
            rows.append(row)
    return "\n".join(rows) + "\n"


def unmapped_names(times, table=None):
    """dagrad run names no table entry matches (to help update the table)."""
    table = DAGRAD_BENCHMARKS if table is None else table
    regexes = [re.compile("^" + re.escape(p).replace(re.escape("{t}"),
                                                      r"\d+") + "$")
               for p in table]
    return sorted(n for n in times if not any(r.match(n) for r in regexes))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pytorch", required=True)
    p.add_argument("--dagrad", action="append", default=[])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--fma_peak", default=None)
    args = p.parse_args(argv)
    peak = None
    if args.fma_peak:
        try:
            with open(args.fma_peak) as f:
                peak = fma_peak(json.load(f))
        except (OSError, ValueError) as e:
            print(f"compare.py: no FMA peak from {args.fma_peak}: {e}",
                  file=sys.stderr)
        if peak:
            print(f"FMA peak (//benchmarks:fma_peak, median): {peak:.1f} "
                  "GFLOP/s per thread")
    with open(args.pytorch) as f:
        pytorch = load_pytorch(f)
    times, rates = {}, {}
    for path in args.dagrad:
        try:
            with open(path) as f:
                doc = json.load(f)
            times.update(load_google_benchmark(doc))
            rates.update(load_gflops(doc))
        except (OSError, ValueError) as e:
            print(f"compare.py: skipping dagrad results {path}: {e}",
                  file=sys.stderr)
    sys.stdout.write(format_table(map_dagrad(times, args.threads), pytorch,
                                  args.threads,
                                  map_dagrad(rates, args.threads), peak))
    extra = unmapped_names(times)
    if extra:
        print(f"\n{len(extra)} dagrad benchmarks not in compare.py's table "
              f"(not compared): {', '.join(extra[:12])}"
              f"{' ...' if len(extra) > 12 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
