#!/usr/bin/env bash
# tools/compare_pytorch.sh: dagrad vs PyTorch 1.13 (CPU), side by side.
#
# Runs tools/pytorch_reference/bench.py and dagrad's Google Benchmarks
# (//benchmarks:ops and, when it exists, //benchmarks:train_step) under the
# same OPENBLAS_CORETYPE and thread counts, then prints
#   workload  threads  dagrad_us  pytorch_us  ratio (PyTorch/dagrad, >1 = dagrad faster)  %peak
# via tools/pytorch_reference/compare.py, where %peak is dagrad's GFLOP/s
# over //benchmarks:fma_peak's one-thread FMA peak (run here too) times the
# thread count, whose table at the top maps dagrad
# benchmark names to workloads. Workloads without a dagrad benchmark show n/a.
#
# Usage:
#   tools/compare_pytorch.sh                  # both sides, threads 1 and 2
#   THREADS="1" tools/compare_pytorch.sh
#   OPENBLAS_CORETYPE=Haswell tools/compare_pytorch.sh
#   BAZEL="bazel --output_base=$HOME/.cache/bazel_bench" tools/compare_pytorch.sh
#   PYTORCH_JSON=old.jsonl DAGRAD_JSON="ops.json" FMA_PEAK_JSON=peak.json \
#       tools/compare_pytorch.sh
#       (reuse saved results instead of running either side)
# Results are kept in $OUT (default /tmp/dagrad_compare). Run on an idle
# machine: both sides are timed with wall-clock medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-/tmp/dagrad_compare}"
THREADS="${THREADS:-1 2}"
BAZEL="${BAZEL:-bazel}"
PYTHON="${PYTHON:-/usr/bin/python3}"
mkdir -p "$OUT"
cd "$ROOT"

# PyTorch (Debian) runs the system OpenBLAS, which reads OPENBLAS_CORETYPE
# at load time; dagrad's GEMMs (LIBXSMM, oneDNN: core/gemm.h) pick their
# kernels for the CPU whatever it says. The value is passed on unchanged.
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  export OPENBLAS_CORETYPE
  echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (both sides)"
else
  echo "OPENBLAS_CORETYPE unset: OpenBLAS autodetects (both sides)"
fi

# --- PyTorch -----------------------------------------------------------------
if [ -n "${PYTORCH_JSON:-}" ]; then
  pytorch_json="$PYTORCH_JSON"
else
  pytorch_json="$OUT/pytorch.jsonl"
  echo "running PyTorch bench.py (threads $THREADS) ..."
  # shellcheck disable=SC2086
  "$PYTHON" tools/pytorch_reference/bench.py --threads $THREADS \
    > "$pytorch_json" 2> "$OUT/pytorch.txt"
  cat "$OUT/pytorch.txt"
fi

# --- dagrad ------------------------------------------------------------------
# The //benchmarks:ops benchmarks compare.py's DAGRAD_BENCHMARKS table maps.
OPS_FILTER='^BM_(Conv2D(Forward|InputGrad|FilterGrad)/lenet_conv[12]|MaxPool2D(Forward|Backward)/lenet|Dense(Forward|Backward)/400x120)/threads'
dagrad_args=()
if [ -n "${DAGRAD_JSON:-}" ]; then
  for f in $DAGRAD_JSON; do dagrad_args+=(--dagrad "$f"); done
else
  for target in ops train_step; do
    # Skip benchmark binaries that do not exist (yet) instead of failing.
    # shellcheck disable=SC2086
    if ! $BAZEL query "//benchmarks:$target" >/dev/null 2>&1; then
      echo "//benchmarks:$target does not exist: its workloads show n/a"
      continue
    fi
    json="$OUT/dagrad_$target.json"
    echo "running //benchmarks:$target ..."
    # //benchmarks:ops has some 500 benchmarks; only those compare.py maps
    # to a workload run.
    filter=.
    [ "$target" = ops ] && filter="$OPS_FILTER"
    # shellcheck disable=SC2086
    if $BAZEL run -c opt "//benchmarks:$target" -- \
        --benchmark_filter="$filter" \
        --benchmark_out="$json" --benchmark_out_format=json \
        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
        > "$OUT/dagrad_$target.txt" 2>&1; then
      dagrad_args+=(--dagrad "$json")
    else
      echo "//benchmarks:$target failed (see $OUT/dagrad_$target.txt):" \
           "its workloads show n/a"
    fi
  done
fi

# --- FMA peak, the ceiling the %peak column reads against ---------------------
peak_args=()
if [ -n "${FMA_PEAK_JSON:-}" ]; then
  peak_args=(--fma_peak "$FMA_PEAK_JSON")
else
  echo "running //benchmarks:fma_peak ..."
  # shellcheck disable=SC2086
  if $BAZEL run -c opt //benchmarks:fma_peak -- \
      --benchmark_out="$OUT/fma_peak.json" --benchmark_out_format=json \
      --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
      > "$OUT/fma_peak.txt" 2>&1; then
    peak_args=(--fma_peak "$OUT/fma_peak.json")
  else
    echo "//benchmarks:fma_peak failed (see $OUT/fma_peak.txt): no %peak"
  fi
fi

echo
# shellcheck disable=SC2086
"$PYTHON" tools/pytorch_reference/compare.py --pytorch "$pytorch_json" \
  --threads $THREADS "${dagrad_args[@]}" "${peak_args[@]}" |
  tee "$OUT/compare.txt"
