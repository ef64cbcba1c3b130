#!/bin/bash
# run.sh [ROUNDS] [N...] — what GradGen adds to a keystroke in a real language server, as a user meets it.
# Packs GradGen from this checkout (unique version, into a temporary folder feed), installs csharp-ls 0.28.0, writes for each
# N (default 20 200) a consumer with N MLP-size methods marked [Differentiable] and the same project unmarked (consumer.sh),
# and runs keystroke.py on them in interleaved rounds (default 3): the median edit-to-diagnostic time and server CPU time of
# each, and marked minus unmarked. Also: ./build_delta.sh for the incremental build. Run from the benchmark command:
#   dotnet run -c Release --project tests/GradGen.Benchmarks -- --language-server [ROUNDS] [N...]
set -e
rounds=${1:-3}; shift || true
sizes=${*:-20 200}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../../.." && pwd)
work=${WORK:-$(mktemp -d /tmp/gradgen-lsp-XXXXXX)}; mkdir -p "$work"
version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$repo/Directory.Build.props" | head -1)-lsp.$(date +%s)"
echo "work folder $work, GradGen $version, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet pack "$repo/src/GradGen/GradGen.csproj" -c Release -o "$work/feed" -p:Version="$version" -v q > "$work/pack.log"
[ -x "$work/tools/csharp-ls" ] || dotnet tool install csharp-ls --version 0.28.0 --tool-path "$work/tools" > /dev/null
for n in $sizes; do for mode in marked unmarked; do "$here/consumer.sh" "$work/c$n$mode" "$n" "$mode" "$version" "$work/feed"; done; done
results="$work/results.jsonl"; : > "$results"
for r in $(seq 1 "$rounds"); do for n in $sizes; do for mode in unmarked marked; do
  line=$(CSLS="$work/tools/csharp-ls" python3 "$here/keystroke.py" "$work/c$n$mode" "$work/c$n$mode/Many.cs" 'Math.Round(x) * x' 'x * x' "${EDITS:-8}" | tail -1)
  echo "{\"n\": $n, \"mode\": \"$mode\", \"round\": $r, \"result\": $line}" | tee -a "$results"
done; done; done
python3 - "$results" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
for n in sorted({r["n"] for r in rows}):
    med = {m: (statistics.median(r["result"]["median_ms"] for r in rows if r["n"] == n and r["mode"] == m),
               statistics.median(r["result"]["median_cpu_ms"] for r in rows if r["n"] == n and r["mode"] == m)) for m in ("unmarked", "marked")}
    print(f"{n} methods: unmarked {med['unmarked'][0]:.0f} ms (CPU {med['unmarked'][1]:.0f}), marked {med['marked'][0]:.0f} ms (CPU {med['marked'][1]:.0f}): "
          f"GradGen adds {med['marked'][0] - med['unmarked'][0]:.0f} ms (CPU {med['marked'][1] - med['unmarked'][1]:.0f} ms)")
PY
