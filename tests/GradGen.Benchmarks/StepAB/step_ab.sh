#!/bin/bash
# step_ab.sh BASE [LAYERS] [PAIRS] — the TinyGpt training step as this checkout generates it against the same step as
# commit BASE generated it, call by call in one process (Program.cs). For planning and emitter changes: the generated
# code differs, the runtime is this checkout's for both (BASE's generated code must compile against it).
#   tests/GradGen.Benchmarks/StepAB/step_ab.sh HEAD~3 1 2000
set -e
base=${1:?usage: step_ab.sh BASE [LAYERS] [PAIRS]}; layers=${2:-1}; pairs=${3:-1000}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d /tmp/gradgen-stepab-XXXXXX)
git -C "$repo" worktree add -q --detach "$work/base" "$base"
trap 'git -C "$repo" worktree remove --force "$work/base"' EXIT
generate() { # generate SAMPLE-DIR OUT: the TinyGpt sample's generated files
  dotnet build "$1/samples/GradGen.Samples.TinyGpt" -c Release -v q --no-incremental -p:EmitCompilerGeneratedFiles=true -p:CompilerGeneratedFilesOutputPath="$2" > "$2.log" 2>&1 || { cat "$2.log"; exit 1; }
}
generate "$work/base" "$work/gen-base"; generate "$repo" "$work/gen-new"
mkdir -p "$work/harness/old" "$work/harness/new"
cp "$here"/Directory.*.props "$here"/Directory.Build.targets "$here/StepAB.csproj" "$here/Program.cs" "$work/harness/"
cp "$repo/nuget.config" "$work/harness/"
# The base's sample and its generated code under namespace GradGen.Old (its own Gpt and Block types).
for f in "$work/base/samples/GradGen.Samples.TinyGpt/TinyGpt.cs" "$work/base/samples/GradGen.Samples.TinyGpt/Gpt.Init.cs" "$work/gen-base"/*/*/*.g.cs; do
  sed 's/namespace GradGen\.Samples\.TinyGpt/namespace GradGen.Old/; s/global::GradGen\.Samples\.TinyGpt\./global::GradGen.Old./g; s/\[Differentiable\]//' "$f" > "$work/harness/old/$(basename "$f")"
done
cp "$repo/samples/GradGen.Samples.TinyGpt/TinyGpt.cs" "$repo/samples/GradGen.Samples.TinyGpt/Gpt.Init.cs" "$work/gen-new"/*/*/*.g.cs "$work/harness/new/"
sed -i 's/\[Differentiable\]//' "$work/harness/new/TinyGpt.cs"
dotnet build "$work/harness" -c Release -v q -o "$work/out" -p:Repo="$repo" > "$work/harness.log" 2>&1 || { cat "$work/harness.log"; exit 1; }
echo "base $(git -C "$repo" rev-parse --short "$base"), after $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' + working tree'); load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$work/out/StepAB.dll" "$layers" "$pairs"
