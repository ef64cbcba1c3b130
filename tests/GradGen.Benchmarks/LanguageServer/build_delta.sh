#!/bin/bash
# build_delta.sh [ROUNDS] [N...] — incremental `dotnet build` wall time (Many.cs touched) of a consumer of the GradGen package
# with its N methods (default 1 20 200) marked [Differentiable], against the same project unmarked; ROUNDS (default 5)
# interleaved rounds, cold compiler (UseSharedCompilation=false) and compiler server (true). Packs this checkout first
# (or uses VERSION from the folder feed FEED when both are set). One line per build, then the medians:
#   <n> <marked|unmarked> <cold|server> <round> <wall s> <GradGen generator s from ReportAnalyzer> <load>
# Run from the benchmark command: dotnet run -c Release --project tests/GradGen.Benchmarks -- --build-delta [ROUNDS] [N...]
set -e
rounds=${1:-5}; shift || true
set -- ${*:-1 20 200}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../../.." && pwd)
work=${WORK:-$(mktemp -d /tmp/gradgen-build-XXXXXX)}
mkdir -p "$work"
if [ -z "$VERSION" ] || [ -z "$FEED" ]; then
  VERSION="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$repo/Directory.Build.props" | head -1)-build.$(date +%s)"; FEED=$work/feed
  dotnet pack "$repo/src/GradGen/GradGen.csproj" -c Release -o "$FEED" -p:Version="$VERSION" -v q > "$work/pack.log"
fi
version=$VERSION feed=$FEED
echo "work folder $work, GradGen $version, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores" >&2
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
  echo "$n $mode $kind $r $(echo "$end - $start" | bc) ${gen:--} $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$work/builds.txt"
done; done; done; done
python3 - "$work/builds.txt" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list); gen = collections.defaultdict(list)
for line in open(sys.argv[1]):
    n, mode, kind, r, wall, g, load = line.split()
    rows[(int(n), kind, mode)].append(float(wall))
    if g not in ("-",) and not g.startswith("<"): gen[(int(n), kind, mode)].append(float(g))
for (n, kind) in sorted({(k[0], k[1]) for k in rows}):
    m, u = statistics.median(rows[(n, kind, "marked")]), statistics.median(rows[(n, kind, "unmarked")])
    g = statistics.median(gen[(n, kind, "marked")]) if gen[(n, kind, "marked")] else float("nan")
    print(f"{n} methods, {kind}: marked {m:.2f} s, unmarked {u:.2f} s, delta {m - u:+.2f} s; GradGen generator (ReportAnalyzer) {g:.3f} s")
PY
