#!/usr/bin/python3
"""Times PyTorch (CPU) on the workloads dagrad's benchmarks measure.

    /usr/bin/python3 tools/pytorch_reference/bench.py [--threads 1 2]
        [--only conv1_fwd,lenet5_step] [--min_time 1.0]

Workloads (LeNet-5 shapes, batch 64 unless noted):
  lenet5_step   LeNet-5 training step (forward, backward, SGD momentum 0.9)
  mlp100_step   MLP 784-100-10 ReLU, batch 100, SGD
  mlp200_step   MLP 784-200-10 ReLU, batch 64, RMSProp
  conv1_fwd/_dx/_dw   conv [64,1,28,28] -> 6 5x5, pad 2, no bias
  conv2_fwd/_dx/_dw   conv [64,6,14,14] -> 16 5x5, valid, no bias
                      (_dx = torch.nn.grad.conv2d_input, _dw = conv2d_weight)
  maxpool_fwd/_bwd    2x2 stride 2 on [64,6,28,28] (bwd = the aten backward
                      kernel with the forward's indices)
  dense_fwd/_bwd      400->120 with bias on [64,400] (bwd = dx, dW and db)
Each training step's loss is a mean CrossEntropyLoss on fixed random data.

Method: runtime.set_threads(t) (ATen and OpenBLAS threads = t, inter-op
threads = 1); per workload
a warm-up, then an inner loop of k calls (k chosen so one repetition takes
>= 2 ms) repeated until --min_time seconds and at least --min_reps times;
the reported time is the median repetition / k, in microseconds.

Output: one JSON object per line on stdout,
  {"workload": "conv1_fwd", "threads": 1, "us": 812.3, "min_us": 790.1,
   "gflops": 18.5, "reps": 41}
(gflops only where the FLOP count is defined), and a table on stderr.
"""

import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

import models
import runtime

BATCH = 64


def _conv_flops(n, cin, cout, hout, wout, k):
    return 2.0 * n * cout * hout * wout * cin * k * k


def _step_workload(model, batch, optimizer, lr):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(batch, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (batch,), generator=gen)
    opt = models.make_optimizer(optimizer, model.parameters(), lr)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def _conv_workloads(prefix, cin, hw, cout, pad):
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(BATCH, cin, hw, hw, generator=gen)
    w = torch.rand(cout, cin, 5, 5, generator=gen) - 0.5
    y = F.conv2d(x, w, padding=pad)
    g = torch.rand(y.shape, generator=gen)
    flops = _conv_flops(BATCH, cin, cout, y.shape[2], y.shape[3], 5)
    return {
        prefix + "_fwd": (lambda: F.conv2d(x, w, padding=pad), flops),
        prefix + "_dx": (lambda: torch.nn.grad.conv2d_input(
            x.shape, w, g, padding=pad), flops),
        prefix + "_dw": (lambda: torch.nn.grad.conv2d_weight(
            x, w.shape, g, padding=pad), flops),
    }


def _pool_workloads():
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(BATCH, 6, 28, 28, generator=gen)
    y, indices = F.max_pool2d(x, 2, 2, return_indices=True)
    g = torch.rand(y.shape, generator=gen)

    def bwd():
        return torch.ops.aten.max_pool2d_with_indices_backward(
            g, x, [2, 2], [2, 2], [0, 0], [1, 1], False, indices)
    return {
        "maxpool_fwd": (lambda: F.max_pool2d(x, 2, 2), None),
        "maxpool_bwd": (bwd, None),
    }


def _dense_workloads():
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(BATCH, 400, generator=gen)
    w = torch.rand(120, 400, generator=gen) - 0.5
    b = torch.rand(120, generator=gen)
    g = torch.rand(BATCH, 120, generator=gen)

    def bwd():  # what autograd's AddmmBackward computes
        return g.mm(w), g.t().mm(x), g.sum(0)
    return {
        "dense_fwd": (lambda: F.linear(x, w, b), 2.0 * BATCH * 400 * 120),
        "dense_bwd": (bwd, 4.0 * BATCH * 400 * 120),
    }


def make_workloads():
    """Returns {name: (callable, flops or None)}, in the documented order."""
    torch.manual_seed(0)
    work = {
        "lenet5_step": (_step_workload(models.lenet5(), 64, "momentum", 0.01),
                        None),
        "mlp100_step": (_step_workload(models.mlp(), 100, "sgd", 0.1), None),
        "mlp200_step": (_step_workload(models.mnist_mlp(), 64, "rmsprop",
                                       0.01), None),
    }
    work.update(_conv_workloads("conv1", 1, 28, 6, 2))
    work.update(_conv_workloads("conv2", 6, 14, 16, 0))
    work.update(_pool_workloads())
    work.update(_dense_workloads())
    return work


def time_workload(fn, min_time, min_reps):
    """Returns (median µs, min µs, reps) per call of fn."""
    for _ in range(3):
        fn()
    k = 1
    while True:  # calibrate: one repetition >= 2 ms
        start = time.perf_counter()
        for _ in range(k):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= 2e-3 or k >= 1 << 16:
            break
        k *= 2
    samples = []
    deadline = time.perf_counter() + min_time
    while len(samples) < min_reps or time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(k):
            fn()
        samples.append((time.perf_counter() - start) / k * 1e6)
    return statistics.median(samples), min(samples), len(samples)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--only", default="",
                   help="comma-separated workload names (default: all)")
    p.add_argument("--min_time", type=float, default=1.0,
                   help="seconds per workload and thread count")
    p.add_argument("--min_reps", type=int, default=15)
    args = p.parse_args(argv)
    # Before any torch work: inter-op threads can only be set first.
    runtime.set_threads(args.threads[0])
    workloads = make_workloads()
    names = [n for n in args.only.split(",") if n] or list(workloads)
    unknown = [n for n in names if n not in workloads]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; expected {list(workloads)}")
    print(f"pytorch {torch.__version__}", file=sys.stderr)
    print(f"{'workload':<14}{'threads':>8}{'median_us':>12}{'min_us':>12}"
          f"{'GFLOP/s':>10}{'reps':>6}", file=sys.stderr)
    for threads in args.threads:
        print(runtime.set_threads(threads), file=sys.stderr)
        for name in names:
            fn, flops = workloads[name]
            us, min_us, reps = time_workload(fn, args.min_time, args.min_reps)
            record = {"workload": name, "threads": threads,
                      "us": round(us, 2), "min_us": round(min_us, 2),
                      "reps": reps}
            gflops = ""
            if flops:
                record["gflops"] = round(flops / (us * 1e3), 2)
                gflops = f"{record['gflops']:.2f}"
            print(json.dumps(record), flush=True)
            print(f"{name:<14}{threads:>8}{us:>12.1f}{min_us:>12.1f}"
                  f"{gflops:>10}{reps:>6}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
