using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>
/// Matrix products, GradGen's kernels against LibTorch's (the Ratio baseline) on the same data: square products
/// 64–1024, and the MLP's forward and backward shapes. <c>m×k×n</c> is a result [m, n] with inner dimension k.
/// "Aᵀ·B" is a weight gradient (<see cref="Adjoint.MatMulRight{T}"/>, A stored [k, m]); "A·Bᵀ" an input gradient
/// (<see cref="Adjoint.MatMulLeft{T}"/>, B stored [n, k]); both read the transposed operand in place. GradGen's adjoints
/// accumulate into C (one extra read of C per product), as they do in a training step; "A·B" is <c>Ops.MatMul(a, b)</c>,
/// which allocates its result as LibTorch's <c>mm</c> does (disposed each call).
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class MatMulBenchmarks
{
    public sealed record Shape(string Kind, int M, int K, int N)
    {
        public override string ToString() => $"{Kind} {M}×{K}×{N}";
    }

    public static IEnumerable<Shape> Shapes()
    {
        foreach (int s in new[] { 64, 128, 256, 512, 1024 }) yield return new("A·B", s, s, s);
        yield return new("A·B", 64, 784, 256);    // MLP forward, layer 1 (batch 64)
        yield return new("A·B", 784, 64, 256);    // issue 14's tall product
        yield return new("A·B", 256, 784, 256);   // MLP forward, layer 1 (batch 256)
        yield return new("A·B", 64, 256, 10);     // MLP forward, layer 2 (N = 10)
        yield return new("Aᵀ·B", 784, 64, 256);   // dW1 = xᵀ·dT1 (batch 64)
        yield return new("Aᵀ·B", 784, 256, 256);  // dW1 (batch 256)
        yield return new("Aᵀ·B", 256, 64, 10);    // dW2 = hᵀ·dLogits
        yield return new("A·Bᵀ", 64, 10, 256);    // dH = dLogits·w2ᵀ (inner 10)
        yield return new("A·Bᵀ", 64, 256, 784);   // dX = dT1·w1ᵀ
    }

    [ParamsSource(nameof(Shapes))]
    public Shape Case = null!;

    private Tensor<float> _a = null!, _b = null!, _c = null!;
    private torch.Tensor _ta = null!, _tb = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (m, k, n) = (Case.M, Case.K, Case.N);
        int[] aShape = Case.Kind == "Aᵀ·B" ? new[] { k, m } : new[] { m, k };
        int[] bShape = Case.Kind == "A·Bᵀ" ? new[] { n, k } : new[] { k, n };
        float[] a = Data.Uniform(1, m * k, 1f), b = Data.Uniform(2, k * n, 1f);
        _a = Data.Tensor(a, aShape);
        _b = Data.Tensor(b, bShape);
        _c = Tensor.Create(new float[m * n], new nint[] { m, n });
        Torch.Initialize();
        _ta = torch.tensor(a, Array.ConvertAll(aShape, d => (long)d));
        _tb = torch.tensor(b, Array.ConvertAll(bShape, d => (long)d));
    }

    [Benchmark(Description = "GradGen")]
    public Tensor<float> GradGen()
    {
        switch (Case.Kind)
        {
            case "Aᵀ·B": Adjoint.MatMulRight(_a, _b, _c); break;
            case "A·Bᵀ": Adjoint.MatMulLeft(_a, _b, _c); break;
            default: return Ops.MatMul(_a, _b); // as a user calls it: the result allocated, as LibTorch's is
        }
        return _c;
    }

    [Benchmark(Baseline = true, Description = "LibTorch")]
    public long LibTorch()
    {
        using var scope = torch.NewDisposeScope();
        var result = Case.Kind switch
        {
            "Aᵀ·B" => _ta.t().mm(_tb),
            "A·Bᵀ" => _ta.mm(_tb.t()),
            _ => _ta.mm(_tb),
        };
        return result.shape[0];
    }
}
