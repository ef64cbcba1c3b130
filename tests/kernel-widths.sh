#!/usr/bin/env bash
# Runs the kernel tests once per vector width this x64 machine can be forced to, with .NET 10's JIT knobs, and prints
# which width each run used (WidthTests.Start_up_widths_follow_the_cpu_and_the_knobs fails if a knob did not take
# effect, so no run silently repeats the default path). Forced-width tests (WidthTests: GEMM; VectorRowTests: row and
# element-wise kernels, float and double; HeadsTests: the heads' copies) run 128/256/512 in every run; OverwriteTests,
# MatMulBiasTests and BiasGeluTests run the written / fused kernels as a user calls them, at the width each knob leaves.
#   tests/kernel-widths.sh            # after: dotnet build tests/GradGen.Tests -c Release
# A knob that cannot narrow anything on this CPU (AVX-512 knobs on an AVX2-only machine) is reported and skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
filter='FullyQualifiedName~WidthTests|FullyQualifiedName~VectorRowTests|FullyQualifiedName~FloatKernelTests|FullyQualifiedName~FloatGemmTests|FullyQualifiedName~AllocationFreeTests|FullyQualifiedName~HeadsTests|FullyQualifiedName~OverwriteTests|FullyQualifiedName~MatMulBiasTests|FullyQualifiedName~BiasGeluTests'
has_avx512=$(grep -m1 -c avx512f /proc/cpuinfo || true)
status=0
run() {
  local label=$1; shift
  local log; log=$(mktemp)
  env "$@" dotnet test tests/GradGen.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=detailed" >"$log" 2>&1
  local rc=$?
  local path; path=$(grep -m1 -oE '(X64|Arm64): GEMM [0-9]+-bit, row kernels [0-9]+-bit' "$log")
  local summary; summary=$(grep -aoE 'Total tests: [0-9]+|^ +(Passed|Failed): +[0-9]+' "$log" | tr -s ' \n' ' ')
  printf '%-36s %-44s %s\n' "$label" "${path:-no path line}" "${summary:-no summary (rc $rc)}"
  [ "$rc" -eq 0 ] || { status=1; grep -E '^\s+Failed ' "$log" | head -5; }
  rm -f "$log"
}
run "default" DOTNET_CLI_TELEMETRY_OPTOUT=1
if [ "$has_avx512" -gt 0 ]; then
  run "DOTNET_EnableAVX512=0" DOTNET_EnableAVX512=0
  run "DOTNET_PreferredVectorBitWidth=256" DOTNET_PreferredVectorBitWidth=256
else
  echo "DOTNET_EnableAVX512=0 / PreferredVectorBitWidth=256: no AVX-512 on this CPU, nothing to narrow (skipped)"
fi
run "DOTNET_EnableAVX2=0" DOTNET_EnableAVX2=0
run "DOTNET_EnableAVX=0" DOTNET_EnableAVX=0
exit $status
