#!/usr/bin/env bash
# Installs QuantScope's build and test dependencies from Debian 12 packages (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  cmake g++ make pkg-config
  qt6-base-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libonnx-dev libprotobuf-dev protobuf-compiler
  libeigen3-dev nlohmann-json3-dev
  libonnx-testdata
  poppler-utils
  xvfb xauth fonts-wqy-microhei # test_screenshot: an X server, and Chinese glyphs for zh_CN
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime for the interop tests (tests/tools/ort_run.js): node and npm from Debian, then
# onnxruntime-node from npm. --ignore-scripts skips its install script, which downloads GPU
# extras from a host CI cannot reach; the CPU libonnxruntime for linux-x64 ships in the package.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update
  apt-get install -y --no-install-recommends nodejs npm
fi
tools_dir="$(cd "$(dirname "$0")/../tests/tools" && pwd)"
if [ ! -d "$tools_dir/node_modules" ]; then
  (cd "$tools_dir" && npm install --ignore-scripts --no-audit --no-fund)
fi
