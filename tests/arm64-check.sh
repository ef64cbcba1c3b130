#!/usr/bin/env bash
# The kernel-agreement check (tests/GradGen.KernelCheck) on ARM64, emulated by qemu-user on an x64 machine: the float
# fast paths at 128 bits (AdvSimd) against the double paths, the GEMM and the row kernels at every width in float and
# double (row kernels against scalar references), transposes. Needs Debian's qemu-user,
# libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross; the linux-arm64 runtime pack comes from the package
# registry on the first publish. Not part of .ci/run (see docs/performance.md for what it costs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/gradgen-kernelcheck-arm64
dotnet publish tests/GradGen.KernelCheck -c Release -r linux-arm64 --self-contained -o "$out" -v quiet -nologo
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_EnableWriteXorExecute=0 \
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/GradGen.KernelCheck"
