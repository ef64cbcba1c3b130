using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Dense row-major matrix kernels behind <see cref="Ops.MatMul{T}"/>, <see cref="Ops.Transpose{T}"/> and their adjoints.
/// Operands are dense tensors (callers materialise strided views); shapes are validated by the callers.
/// Products use the register-tiled <see cref="Gemm"/> where <see cref="System.Numerics.Vector{T}"/> accelerates T
/// (float, double), reading transposed operands in place through strides; otherwise they fall back to kernels on
/// contiguous rows with <see cref="TensorPrimitives"/>. No kernel materialises a transpose larger than a thin panel.
/// </summary>
internal static class MatrixKernels
{
    /// <summary>Bytes of the right-hand panel a k-block may span, so it stays cache-resident while rows stream past it.</summary>
    private const int PanelBytes = 256 * 1024;

    /// <summary>Below this many output columns, row-times-panel updates are too short to vectorise well and dot products are used instead.</summary>
    private const int NarrowColumns = 16;

    /// <summary>Side of the square tiles used by the transposes.</summary>
    private const int Tile = 32;

    /// <summary>c[M,N] = a[M,K] · b[K,N] (c dense and zero on entry).</summary>
    public static void MatMul<T>(Tensor<T> a, Tensor<T> b, Tensor<T> c, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0 || k == 0) return;
        if (Gemm.IsSupported<T>())
        {
            Gemm.MultiplyAccumulate(m, n, k, a, k, 1, b, n, 1, c);
        }
        else if (n < NarrowColumns && k >= NarrowColumns)
        {
            // Narrow result: c[i,j] = a_i · bᵀ_j with bᵀ packed once (n·k elements, a thin panel).
            var bt = Dense.Wrap(new T[n * k], stackalloc nint[] { n, k });
            Transpose<T>(Dense.Span(b), Dense.Span(bt), k, n);
            Parallelism.For(m, (long)k * n, (start, end) => MatMulNarrowRows(a, bt, c, k, n, start, end));
        }
        else
        {
            Parallelism.For(m, (long)k * n, (start, end) => MatMulRows(a, b, c, k, n, start, end));
        }
    }

    /// <summary>into[M,K] += dY[M,N] · b[K,N]ᵀ.</summary>
    public static void MatMulLeftAccumulate<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || k == 0 || n == 0) return;
        if (Gemm.IsSupported<T>())
        {
            // bᵀ[N,K] is read in place: bᵀ[j,p] = b[p·N + j].
            Gemm.MultiplyAccumulate(m, k, n, dY, n, 1, b, 1, n, into);
        }
        else
        {
            Parallelism.For(m, (long)k * n, (start, end) => MatMulLeftRows(dY, b, into, k, n, start, end));
        }
    }

    /// <summary>into[K,N] += a[M,K]ᵀ · dY[M,N].</summary>
    public static void MatMulRightAccumulate<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || k == 0 || n == 0) return;
        if (Gemm.IsSupported<T>())
        {
            // aᵀ[K,M] is read in place: aᵀ[p,i] = a[i·K + p].
            Gemm.MultiplyAccumulate(k, n, m, a, 1, k, dY, n, 1, into);
        }
        else
        {
            Parallelism.For(k, (long)m * n, (start, end) => MatMulRightRows(a, dY, into, m, k, n, start, end));
        }
    }

    // ── portable fallbacks (element types without Vector<T> support, e.g. Half) ─────────────

    /// <summary>Rows [start, end) of c = a · b, i-k-j order: c_i += a[i,p] · b_p, k blocked so a panel of b stays cached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulRows<T>(Tensor<T> a, Tensor<T> b, Tensor<T> c, int k, int n, int start, int end) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> A = Dense.Span(a), B = Dense.Span(b);
        Span<T> C = Dense.Span(c);
        int kBlock = BlockRows<T>(n, k);
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int k1 = Math.Min(k, k0 + kBlock);
            for (int i = start; i < end; i++)
            {
                Span<T> cRow = C.Slice(i * n, n);
                for (int p = k0; p < k1; p++) TensorPrimitives.MultiplyAdd(B.Slice(p * n, n), A[i * k + p], cRow, cRow);
            }
        }
    }

    /// <summary>Rows [start, end) of c = a · b for narrow b, as dot products with the rows of the packed bᵀ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulNarrowRows<T>(Tensor<T> a, Tensor<T> bt, Tensor<T> c, int k, int n, int start, int end) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> A = Dense.Span(a), Bt = Dense.Span(bt);
        Span<T> C = Dense.Span(c);
        for (int i = start; i < end; i++)
        {
            ReadOnlySpan<T> aRow = A.Slice(i * k, k);
            for (int j = 0; j < n; j++) C[i * n + j] = TensorPrimitives.Dot(aRow, Bt.Slice(j * k, k));
        }
    }

    /// <summary>Rows [start, end) of into += dY · bᵀ, as into[i,p] += dY_i · b_p (rows of both are contiguous).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulLeftRows<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into, int k, int n, int start, int end) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> G = Dense.Span(dY), B = Dense.Span(b);
        Span<T> R = Dense.Span(into);
        int kBlock = BlockRows<T>(n, k);
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int k1 = Math.Min(k, k0 + kBlock);
            for (int i = start; i < end; i++)
            {
                ReadOnlySpan<T> gRow = G.Slice(i * n, n);
                Span<T> rRow = R.Slice(i * k, k);
                for (int p = k0; p < k1; p++) rRow[p] += TensorPrimitives.Dot(gRow, B.Slice(p * n, n));
            }
        }
    }

    /// <summary>Rows [start, end) of into += aᵀ · dY, as into_p += Σ_i a[i,p] · dY_i (each task owns its rows p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulRightRows<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into, int m, int k, int n, int start, int end) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> A = Dense.Span(a), G = Dense.Span(dY);
        Span<T> R = Dense.Span(into);
        int kBlock = BlockRows<T>(n, k);
        for (int p0 = start; p0 < end; p0 += kBlock)
        {
            int p1 = Math.Min(end, p0 + kBlock);
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> gRow = G.Slice(i * n, n);
                for (int p = p0; p < p1; p++)
                {
                    Span<T> rRow = R.Slice(p * n, n);
                    TensorPrimitives.MultiplyAdd(gRow, A[i * k + p], rRow, rRow);
                }
            }
        }
    }

    /// <summary>destination[N,M] = source[M,N]ᵀ, in cache-friendly tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int m, int n)
    {
        if ((long)m * n > source.Length || (long)m * n > destination.Length) throw new ArgumentException("Transpose: buffers are too small.");
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

    /// <summary>How many rows of length <paramref name="rowLength"/> fit in the cache panel (at least 8, at most <paramref name="rows"/>).</summary>
    private static int BlockRows<T>(int rowLength, int rows)
    {
        long bytesPerRow = (long)rowLength * Unsafe.SizeOf<T>();
        return (int)Math.Clamp(PanelBytes / Math.Max(1, bytesPerRow), 8, Math.Max(8, rows));
    }
}
