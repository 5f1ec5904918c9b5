#!/usr/bin/env bash
# tools/setup.sh: installs what dagrad needs on Debian 12. Idempotent and
# non-interactive; run as root or with sudo. Does nothing (no apt-get update)
# when every package is already present.
#
#   tools/setup.sh               build, train and run the tests
#   tools/setup.sh --dev         also the developer tools: the PyTorch peer
#                                (tools/compare_*.sh), fuzzing with libFuzzer
#                                (tools/fuzz.sh) and Graphviz (docs/)
#   tools/setup.sh [--dev] PKG...  also the named Debian packages (.ci/run
#                                uses this for what its own scripts need)
set -euo pipefail

PACKAGES=(
  # Build: Debian's Bazel 4.2.3 and the JDK it runs on; the C++ toolchain.
  bazel-bootstrap default-jdk-headless g++ pkg-config
  # Libraries wrapped in third_party/.
  libabsl-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libopenblas-dev zlib1g-dev
  # GEMM kernels generated for the CPU at hand (core/gemm.h): LIBXSMM's
  # small-GEMM JIT and oneDNN's sgemm.
  libxsmm-dev libdnnl-dev
  # Data-parallel training (dist/): Open MPI for transport and launch.
  openmpi-bin libopenmpi-dev
  # ONNX export (io/onnx): ONNX's protobuf classes and checker, and node to
  # run ONNX Runtime (tools/onnx/install.sh installs it from npm).
  libonnx-dev libprotobuf-dev nodejs
  # The examples' default data set (Fashion-MNIST IDX .gz files); the
  # example and end-to-end tests train on it too.
  dataset-fashion-mnist
)

DEV_PACKAGES=(
  # The PyTorch peer for side-by-side accuracy and speed (tools/).
  python3 python3-torch python3-numpy
  # Fuzzing with libFuzzer (tools/fuzz.sh, docs/fuzzing.md): clang 14 and its
  # sanitizer/libFuzzer runtime.
  clang libclang-rt-14-dev
  # Formatting (.clang-format, Google style).
  clang-format
  # Rendering the graph's DOT export (tools/make_docs.sh, docs/).
  graphviz
)

for arg in "$@"; do
  case "$arg" in
    --dev) PACKAGES+=("${DEV_PACKAGES[@]}") ;;
    -*)
      echo "usage: $0 [--dev] [PACKAGE...]" >&2
      exit 2
      ;;
    *) PACKAGES+=("$arg") ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages present."
  "$ROOT/tools/onnx/install.sh"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's own nodejs package leaves npm to a package of its own.
command -v npm >/dev/null ||
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends npm
"$ROOT/tools/onnx/install.sh"
echo "setup.sh: done."
