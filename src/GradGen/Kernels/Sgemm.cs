using System;
using System.Runtime.Intrinsics;

namespace GradGen;

/// <summary>
/// The float and double GEMM entry points: <see cref="PackedGemm{T, TV, TS}"/> at the width chosen at start-up
/// (<see cref="SimdWidth.Gemm"/>), or at a width the caller forces (tests run every width on every machine).
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>
    /// Products with fewer multiply-adds than this run on the calling thread only (about 6 µs on one core). Lowered from
    /// 2²⁰ on 2026-12-07: the MLP's skinny products (256×256×10 and 256×10×256, 655 K multiply-adds) ran on one core —
    /// ∂L/∂w2 = hᵀ·ĝ 41 µs, 24 on two (docs/performance.md, run I); the pool's workers spin between a step's kernels, so a
    /// fork costs about a microsecond.
    /// </summary>
    internal const long ParallelMacs = 1L << 18;

    /// <summary>True when a vector kernel runs on this machine (every x64 and ARM64 CPU .NET 10 runs on).</summary>
    public static bool IsSupported => SimdWidth.Gemm != VectorWidth.None;

    /// <summary>Float C (+)= A·B (+ bias row, ReLU: the epilogue of the last block) at the start-up width (see <see cref="PackedGemm{T, TV, TS}.Multiply"/>).</summary>
    public static void Multiply(int m, int n, int k, float* a, nint aRow, nint aInner, float* b, nint bInner, nint bCol, float* c, nint ldc, bool overwrite, float* bias = null, bool relu = false)
        => Multiply(SimdWidth.Gemm, m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu);

    /// <summary>Float C (+)= A·B at a given width (a width the CPU lacks runs in software: correct, slow).</summary>
    public static void Multiply(VectorWidth width, int m, int n, int k, float* a, nint aRow, nint aInner, float* b, nint bInner, nint bCol, float* c, nint ldc, bool overwrite, float* bias = null, bool relu = false)
    {
        switch (width)
        {
            case VectorWidth.W512: PackedGemm<float, Vector512<float>, F512>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            case VectorWidth.W256: PackedGemm<float, Vector256<float>, F256>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            case VectorWidth.W128: PackedGemm<float, Vector128<float>, F128>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            default: throw new ArgumentOutOfRangeException(nameof(width));
        }
    }

    /// <summary>Double C (+)= A·B at the start-up width.</summary>
    public static void Multiply(int m, int n, int k, double* a, nint aRow, nint aInner, double* b, nint bInner, nint bCol, double* c, nint ldc, bool overwrite, double* bias = null, bool relu = false)
        => Multiply(SimdWidth.Gemm, m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu);

    /// <summary>Double C (+)= A·B at a given width.</summary>
    public static void Multiply(VectorWidth width, int m, int n, int k, double* a, nint aRow, nint aInner, double* b, nint bInner, nint bCol, double* c, nint ldc, bool overwrite, double* bias = null, bool relu = false)
    {
        switch (width)
        {
            case VectorWidth.W512: PackedGemm<double, Vector512<double>, D512>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            case VectorWidth.W256: PackedGemm<double, Vector256<double>, D256>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            case VectorWidth.W128: PackedGemm<double, Vector128<double>, D128>.Multiply(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite, bias, relu); break;
            default: throw new ArgumentOutOfRangeException(nameof(width));
        }
    }
}
