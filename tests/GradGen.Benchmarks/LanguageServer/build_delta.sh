#!/bin/bash
# build_delta.sh VERSION FEED ROUNDS N... — incremental `dotnet build` wall time (Many.cs touched), a consumer of the GradGen
# package VERSION (from the folder FEED) with its N methods marked [Differentiable] against the same project unmarked, ROUNDS
# interleaved rounds, cold compiler (UseSharedCompilation=false) and compiler server (true). One line per build:
#   <n> <marked|unmarked> <cold|server> <round> <wall s> <GradGen generator s from ReportAnalyzer> <load>
# Consumers live in $WORK (default /tmp/gradgen-build-delta).
set -e
version=$1 feed=$2 rounds=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd); work=${WORK:-/tmp/gradgen-build-delta}
mkdir -p "$work"
for n in "$@"; do for mode in marked unmarked; do
  d=$work/b$n$mode; "$here/consumer.sh" "$d" "$n" "$mode" "$version" "$feed" compiles
  (cd "$d" && dotnet build -v q -p:UseSharedCompilation=false > /dev/null 2>&1 || { echo "build of $d failed" >&2; exit 1; })
done; done
for r in $(seq 1 "$rounds"); do for n in "$@"; do for server in false true; do for mode in marked unmarked; do
  d=$work/b$n$mode; touch "$d/Many.cs"
  start=$(date +%s.%N)
  out=$(cd "$d" && dotnet build --no-restore -v d -p:UseSharedCompilation=$server -p:ReportAnalyzer=true 2>&1)
  end=$(date +%s.%N)
  gen=$(echo "$out" | grep -E "^\s+[0-9.<]+\s+[0-9]+\s+GradGen.Generators.DifferentiableGenerator" | head -1 | awk '{print $1}')
  kind=$([ $server = true ] && echo server || echo cold)
  echo "$n $mode $kind $r $(echo "$end - $start" | bc) ${gen:--} $(cut -d' ' -f1 /proc/loadavg)"
done; done; done; done
