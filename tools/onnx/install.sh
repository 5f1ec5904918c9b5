#!/usr/bin/env bash
# tools/onnx/install.sh: installs ONNX Runtime for node (onnxruntime-node,
# with its bundled CPU libonnxruntime.so) into tools/onnx/node_modules, at
# the versions pinned by tools/onnx/package-lock.json. Idempotent; called by
# tools/setup.sh. ONNXRUNTIME_NODE_INSTALL_CUDA=skip keeps the package's
# install script from trying to download GPU binaries (there is no GPU, and
# no network but the npm registry).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if node -e "require('onnxruntime-node')" 2>/dev/null; then
  echo "tools/onnx: onnxruntime-node present."
  exit 0
fi
echo "tools/onnx: installing onnxruntime-node (npm ci)"
ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund
node -e "require('onnxruntime-node')"
