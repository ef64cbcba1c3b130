#!/bin/bash
# consumer.sh DIR N marked|unmarked VERSION FEED [compiles] — a console project that references the GradGen package VERSION
# from the folder FEED (as users consume it) with Many.cs of N MLP-size methods (../../../../shared/tools/make_methods.sh's
# shape), [Differentiable] or not, plus `Rounds`, which GradGen rejects (GG0005) unless the last argument is `compiles`.
set -e
d=$1 n=$2 mode=$3 v=$4 feed=$5 compiles=$6
mkdir -p "$d"; cd "$d"
echo "<Project />" > Directory.Build.props; echo "<Project />" > Directory.Build.targets
cat > Consumer.csproj <<P
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><PackageReference Include="GradGen" Version="$v" /></ItemGroup>
</Project>
P
cat > nuget.config <<P
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$d/../packages" /></config>
  <packageSources><add key="gradgen-under-test" value="$feed" /></packageSources>
  <fallbackPackageFolders><add key="machine" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" /></fallbackPackageFolders>
</configuration>
P
echo 'System.Console.WriteLine(Scale.Many.Rounds(2.0));' > Program.cs
{
  echo "using System.Numerics.Tensors;"; echo "using GradGen;"; echo "namespace Scale;"; echo "public static partial class Many {"
  for ((i = 0; i < n; i++)); do
    echo "  [Differentiable] public static float Loss$i(Tensor<float> x, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2, int[] t)"
    echo "  { var h = Ops.Relu(Ops.MatMul(x, w1) + b1); var h2 = Ops.Tanh(h * h + h); var logits = Ops.MatMul(h2, w2) + b2; return Ops.SoftmaxCrossEntropy(logits, t) + Ops.Mean(h2) * ${i}f; }"
  done
  if [ "$compiles" = compiles ]; then echo "  [Differentiable] public static double Rounds(double x) => x * x;"
  else echo "  [Differentiable] public static double Rounds(double x) => Math.Round(x) * x;"; fi
  echo "}"
} > Many.cs
if [ "$mode" = unmarked ]; then sed -i 's/\[Differentiable\] public static float Loss/public static float Loss/' Many.cs; fi
dotnet restore -v q > /dev/null
