#!/usr/bin/env bash
# A longer fuzz run than CI's: the random-program tests (each program's backward against finite differences, planned and
# as generated) over other base seeds, 640 programs each. A failure prints the seed; rerun one seed with
#   GRADGEN_RANDOM_SEED=<seed> dotnet test tests/GradGen.Tests --filter FullyQualifiedName~RandomProgram
#   tests/fuzz.sh [first-seed] [count]     # after: dotnet build tests/GradGen.Tests
set -uo pipefail
cd "$(dirname "$0")/.."
first=${1:-1}; count=${2:-5}; status=0
for ((seed = first; seed < first + count; seed++)); do
  log=$(mktemp)
  # (the coverage tests — vocabulary, planning rules — are about CI's seed: another seed may use a rare construct or rule fewer than 10 times)
  GRADGEN_RANDOM_SEED=$seed dotnet test tests/GradGen.Tests --no-build --filter "FullyQualifiedName~RandomProgram&FullyQualifiedName!~Random_programs_cover_the_vocabulary&FullyQualifiedName!~Random_programs_reach_the_planning_rules" >"$log" 2>&1
  rc=$?
  printf 'seed %-8s %s\n' "$seed" "$(grep -aoE '(Passed|Failed)!.*Total: +[0-9]+' "$log" | head -1)"
  if [ "$rc" -ne 0 ]; then status=1; grep -aE '^\s+Failed |seed [0-9]+\)' "$log" | head -8; fi
  rm -f "$log"
done
exit $status
