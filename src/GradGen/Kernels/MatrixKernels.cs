using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Dense row-major matrix kernels behind <see cref="Ops.MatMul{T}(Tensor{T}, Tensor{T})"/>, <see cref="Ops.Transpose{T}(Tensor{T})"/>
/// and their adjoints. Operands are dense row-major spans (callers materialise strided views); shapes are validated by
/// the callers. Products go through <see cref="Gemm"/>, which reads transposed operands in place through strides, so no
/// kernel materialises a transpose.
/// </summary>
internal static class MatrixKernels
{
    /// <summary>Side of the square tiles used by the transposes.</summary>
    private const int Tile = 32;

    /// <summary>c[M,N] = a[M,K] · b[K,N] (c's previous contents are ignored).</summary>
    public static void MatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n) where T : IFloatingPointIeee754<T>
        => Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, overwrite: true);

    /// <summary>
    /// c[M,N] = a[M,K] · b[K,N] + bias (a row [N] added to every row), then max(·, 0) when <paramref name="relu"/>: the bias
    /// and the ReLU applied as each element's whole sum is stored (no pass over c after the product).
    /// </summary>
    public static void MatMulBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, bool relu, Span<T> c, int m, int k, int n) where T : IFloatingPointIeee754<T>
        => Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, overwrite: true, bias[..n], relu);

    /// <summary>c[M,N] += a[M,K] · b[K,N].</summary>
    public static void MatMulAccumulate<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n) where T : IFloatingPointIeee754<T>
        => Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, overwrite: false);

    /// <summary>into[M,K] += dY[M,N] · b[K,N]ᵀ (or = when <paramref name="overwrite"/>); bᵀ[j,p] = b[p·N + j] is read in place.</summary>
    public static void MatMulLeft<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> b, Span<T> into, int m, int k, int n, bool overwrite) where T : IFloatingPointIeee754<T>
        => Gemm.Multiply(m, k, n, dY, n, 1, b, 1, n, into, k, overwrite);

    /// <summary>into[K,N] += a[M,K]ᵀ · dY[M,N] (or = when <paramref name="overwrite"/>); aᵀ[p,i] = a[i·K + p] is read in place.</summary>
    public static void MatMulRight<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> dY, Span<T> into, int m, int k, int n, bool overwrite) where T : IFloatingPointIeee754<T>
        => Gemm.Multiply(k, n, m, a, 1, k, dY, n, 1, into, n, overwrite);

    private static ReadOnlySpan<double> AsDouble<T>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<double> AsDouble<T>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>destination[N,M] = source[M,N]ᵀ, in cache-friendly tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int m, int n)
    {
        if ((long)m * n > source.Length || (long)m * n > destination.Length) throw new ArgumentException("Transpose: buffers are too small.");
        if (BlockTranspose.Applies<T>())
        {
            if (typeof(T) == typeof(float)) BlockTranspose.Run(VectorMath.AsFloat(source), VectorMath.AsFloat(destination), m, n, accumulate: false);
            else BlockTranspose.Run(AsDouble(source), AsDouble(destination), m, n, accumulate: false);
            if (GuardZones.Enabled) GuardZones.Check($"MatrixKernels.Transpose {m}×{n} (block transposes)");
            return;
        }
        ref T src = ref MemoryMarshal.GetReference(source);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(m, i0 + Tile);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) Unsafe.Add(ref dst, (nint)j * m + i) = Unsafe.Add(ref src, (nint)i * n + j);
                }
            }
        }
    }

    /// <summary>into[N,M] += source[M,N]ᵀ, in cache-friendly tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeAccumulate<T>(ReadOnlySpan<T> source, Span<T> into, int m, int n) where T : IFloatingPointIeee754<T>
    {
        if ((long)m * n > source.Length || (long)m * n > into.Length) throw new ArgumentException("Transpose: buffers are too small.");
        if (BlockTranspose.Applies<T>())
        {
            if (typeof(T) == typeof(float)) BlockTranspose.Run(VectorMath.AsFloat(source), VectorMath.AsFloat(into), m, n, accumulate: true);
            else BlockTranspose.Run(AsDouble(source), AsDouble(into), m, n, accumulate: true);
            if (GuardZones.Enabled) GuardZones.Check($"MatrixKernels.TransposeAccumulate {m}×{n} (block transposes)");
            return;
        }
        ref T src = ref MemoryMarshal.GetReference(source);
        ref T dst = ref MemoryMarshal.GetReference(into);
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(m, i0 + Tile);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) Unsafe.Add(ref dst, (nint)j * m + i) += Unsafe.Add(ref src, (nint)i * n + j);
                }
            }
        }
    }
}
