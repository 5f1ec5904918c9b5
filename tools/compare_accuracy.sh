#!/usr/bin/env bash
# tools/compare_accuracy.sh: trains a dagrad example and its PyTorch twin
# (tools/pytorch_reference/train.py) with the same flags, and prints both
# sides' per-epoch validation accuracy and epoch time, and the test accuracy.
#
# Usage:
#   tools/compare_accuracy.sh MODEL [--flag=value ...]
#   tools/compare_accuracy.sh lenet5 --epochs=3 --threads=1
# MODEL: lenet5 mnist_mlp mnist_dropout mnist_convnet softmax_regression.
# Flags both sides take: --epochs --batch_size --lr --optimizer --threads
# --seed --train_limit --valid_count --data_dir. Outputs are kept in $OUT
# (default /tmp/dagrad_accuracy).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-/tmp/dagrad_accuracy}"
PYTHON="${PYTHON:-/usr/bin/python3}"
model="${1:?usage: tools/compare_accuracy.sh MODEL [--flag=value ...]}"
shift
mkdir -p "$OUT"
cd "$ROOT"

echo "== dagrad //examples:$model $*"
bazel run -c opt "//examples:$model" -- "$@" 2>/dev/null | tee "$OUT/$model.dagrad.txt"
echo "== PyTorch train.py --model $model $*"
"$PYTHON" tools/pytorch_reference/train.py --model "$model" "$@" | tee "$OUT/$model.pytorch.txt"
echo
"$PYTHON" tools/pytorch_reference/compare_accuracy.py \
  --dagrad "$OUT/$model.dagrad.txt" --pytorch "$OUT/$model.pytorch.txt"
