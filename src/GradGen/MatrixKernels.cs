using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// Dense row-major matrix kernels behind <see cref="Ops.MatMul{T}"/>, <see cref="Ops.Transpose{T}"/> and their adjoints.
/// Operands are dense tensors (callers materialise strided views); shapes are validated by the callers.
/// Every kernel works on contiguous rows with <see cref="TensorPrimitives"/> and never materialises a transpose
/// of an operand that is larger than a thin panel.
/// </summary>
internal static class MatrixKernels
{
    /// <summary>Bytes of the right-hand panel a k-block may span, so it stays cache-resident while rows stream past it.</summary>
    private const int PanelBytes = 256 * 1024;

    /// <summary>Below this many output columns, row-times-panel updates are too short to vectorise well and dot products are used instead.</summary>
    private const int NarrowColumns = 16;

    /// <summary>Side of the square tiles used by the transposes.</summary>
    private const int Tile = 32;

    /// <summary>c[M,N] = a[M,K] · b[K,N] (c zero on entry).</summary>
    public static void MatMul<T>(Tensor<T> a, Tensor<T> b, T[] c, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0 || k == 0) return;
        if (n < NarrowColumns && k >= NarrowColumns)
        {
            // Narrow result: c[i,j] = a_i · bᵀ_j with bᵀ packed once (n·k elements, a thin panel).
            var bt = new T[n * k];
            Transpose(Dense.Span(b), bt, k, n);
            Parallelism.For(m, (long)k * n, (start, end) =>
            {
                ReadOnlySpan<T> A = Dense.Span(a), Bt = bt;
                Span<T> C = c;
                for (int i = start; i < end; i++)
                {
                    ReadOnlySpan<T> aRow = A.Slice(i * k, k);
                    for (int j = 0; j < n; j++) C[i * n + j] = TensorPrimitives.Dot(aRow, Bt.Slice(j * k, k));
                }
            });
            return;
        }

        int kBlock = BlockRows<T>(n, k);
        Parallelism.For(m, (long)k * n, (start, end) =>
        {
            ReadOnlySpan<T> A = Dense.Span(a), B = Dense.Span(b);
            Span<T> C = c;
            for (int k0 = 0; k0 < k; k0 += kBlock)
            {
                int k1 = Math.Min(k, k0 + kBlock);
                for (int i = start; i < end; i++)
                {
                    Span<T> cRow = C.Slice(i * n, n);
                    for (int p = k0; p < k1; p++)
                    {
                        // c_i += a[i,p] · b_p
                        TensorPrimitives.MultiplyAdd(B.Slice(p * n, n), A[i * k + p], cRow, cRow);
                    }
                }
            }
        });
    }

    /// <summary>into[M,K] += dY[M,N] · b[K,N]ᵀ, as into[i,p] += dY_i · b_p (rows of both are contiguous).</summary>
    public static void MatMulLeftAccumulate<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || k == 0 || n == 0) return;
        int kBlock = BlockRows<T>(n, k);
        Parallelism.For(m, (long)k * n, (start, end) =>
        {
            ReadOnlySpan<T> G = Dense.Span(dY), B = Dense.Span(b);
            Span<T> R = Dense.Span(into);
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
        });
    }

    /// <summary>into[K,N] += a[M,K]ᵀ · dY[M,N], as into_p += Σ_i a[i,p] · dY_i (each task owns a range of rows p).</summary>
    public static void MatMulRightAccumulate<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into, int m, int k, int n) where T : IFloatingPointIeee754<T>
    {
        if (m == 0 || k == 0 || n == 0) return;
        int kBlock = BlockRows<T>(n, k);
        Parallelism.For(k, (long)m * n, (start, end) =>
        {
            ReadOnlySpan<T> A = Dense.Span(a), G = Dense.Span(dY);
            Span<T> R = Dense.Span(into);
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
        });
    }

    /// <summary>destination[N,M] = source[M,N]ᵀ, in cache-friendly tiles.</summary>
    public static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int m, int n)
    {
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(m, i0 + Tile);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) destination[j * m + i] = source[i * n + j];
                }
            }
        }
    }

    /// <summary>into[N,M] += source[M,N]ᵀ, in cache-friendly tiles.</summary>
    public static void TransposeAccumulate<T>(ReadOnlySpan<T> source, Span<T> into, int m, int n) where T : IFloatingPointIeee754<T>
    {
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(m, i0 + Tile);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) into[j * m + i] += source[i * n + j];
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
