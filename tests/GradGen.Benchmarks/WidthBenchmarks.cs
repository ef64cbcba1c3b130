using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>
/// Issue 14's products as a user calls them — <c>Ops.MatMul(a, b)</c>, result allocated — against LibTorch's
/// <c>torch.matmul</c> (the Ratio baseline), beside the kernel alone at each width this machine runs in hardware and
/// the float GEMM as it was before issue 14 (<see cref="LegacySgemm"/>, 256-bit only), all on the same data in one run.
/// <c>m×k×n</c> is a result [m, n] with inner dimension k. The 512-bit kernel is not run where the CPU lacks AVX-512
/// (it would run in software: tests check its results, not its speed).
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public unsafe class WidthBenchmarks
{
    public sealed record Shape(int M, int K, int N)
    {
        public override string ToString() => $"{M}×{K}×{N}";
    }

    public static IEnumerable<Shape> Shapes()
    {
        yield return new(64, 784, 256);
        yield return new(784, 64, 256);
        foreach (int s in new[] { 128, 256, 512, 1024 }) yield return new(s, s, s);
    }

    [ParamsSource(nameof(Shapes))]
    public Shape Case = null!;

    private Tensor<float> _a = null!, _b = null!;
    private float[] _af = null!, _bf = null!, _cf = null!;
    private torch.Tensor _ta = null!, _tb = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (m, k, n) = (Case.M, Case.K, Case.N);
        _af = GC.AllocateArray<float>(m * k, pinned: true);
        _bf = GC.AllocateArray<float>(k * n, pinned: true);
        _cf = GC.AllocateArray<float>(m * n, pinned: true);
        Data.Uniform(1, m * k, 1f).CopyTo(_af, 0);
        Data.Uniform(2, k * n, 1f).CopyTo(_bf, 0);
        _a = Data.Tensor(_af, m, k);
        _b = Data.Tensor(_bf, k, n);
        Torch.Initialize();
        _ta = torch.tensor(_af, new long[] { m, k });
        _tb = torch.tensor(_bf, new long[] { k, n });
        Console.WriteLine($"// {SimdWidth.Describe()}");
    }

    [Benchmark(Baseline = true, Description = "LibTorch matmul")]
    public long LibTorch()
    {
        using var scope = torch.NewDisposeScope();
        return torch.matmul(_ta, _tb).shape[0];
    }

    [Benchmark(Description = "Ops.MatMul(a, b)")]
    public Tensor<float> User() => Ops.MatMul(_a, _b);

    [Benchmark(Description = "kernel, start-up width")]
    public float Chosen() => Run(SimdWidth.Gemm);

    [Benchmark(Description = "kernel, 256-bit")]
    public float Width256() => Vector256Available ? Run(VectorWidth.W256) : 0;

    [Benchmark(Description = "kernel, 128-bit")]
    public float Width128() => Run(VectorWidth.W128);

    [Benchmark(Description = "kernel before issue 14 (AVX2)")]
    public float Legacy()
    {
        if (!LegacySgemm.IsSupported) return 0;
        fixed (float* a = _af, b = _bf, c = _cf) LegacySgemm.Multiply(Case.M, Case.N, Case.K, a, Case.K, 1, b, Case.N, 1, c, Case.N, overwrite: true);
        return _cf[0];
    }

    private static bool Vector256Available => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

    private float Run(VectorWidth width)
    {
        fixed (float* a = _af, b = _bf, c = _cf) Sgemm.Multiply(width, Case.M, Case.N, Case.K, a, Case.K, 1, b, Case.N, 1, c, Case.N, overwrite: true);
        return _cf[0];
    }
}
