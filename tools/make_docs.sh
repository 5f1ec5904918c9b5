#!/usr/bin/env bash
# tools/make_docs.sh: regenerates the training artifacts the README shows.
#
#   tools/make_docs.sh
#
# Trains LeNet-5 on Fashion-MNIST for 10 epochs (seed 0, 1 thread) and
# writes, under docs/:
#   lenet5_train_log.txt  the example's output (summary, epoch lines, test)
#   lenet5_log.csv        the per-epoch statistics
#   lenet5_curves.svg     loss and accuracy, train vs valid
#   lenet5_train.dot/.svg the training graph (forward + VJP nodes) with the
#                         buffer sizes planned for batch 64 (Graphviz dot)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bazel build -c opt //examples:lenet5
bazel-bin/examples/lenet5 --epochs=10 --seed=0 --threads=1 \
  --log_csv=docs/lenet5_log.csv --plot=docs/lenet5_curves.svg \
  --dot=docs/lenet5_train.dot | tee docs/lenet5_train_log.txt
dot -Tsvg docs/lenet5_train.dot -o docs/lenet5_train.svg
echo "wrote docs/lenet5_{train_log.txt,log.csv,curves.svg,train.dot,train.svg}"
