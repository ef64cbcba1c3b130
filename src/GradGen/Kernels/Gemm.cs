using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Matrix multiply-accumulate C[rows, cols] (+)= A[rows, inner] · B[inner, cols] over strided operands, dispatching to the
/// fastest kernel for the element type: <see cref="PackedGemm{T, TV, TS}"/> (128/256/512-bit vectors chosen at start-up,
/// parallel) for float and double, a register-tiled <see cref="Vector{T}"/> kernel for other accelerated types (and for
/// float/double on a machine without vector hardware, which .NET 10 does not run on), a scalar loop otherwise (e.g. Half).
/// </summary>
/// <remarks>
/// <para>A and B are read through strides, so a transposed operand is read in place rather than materialised: the
/// adjoints of MatMul pass Aᵀ or Bᵀ as strided reads of the original storage. C is row-major with leading dimension
/// <c>ldc</c>.</para>
/// <para>The <see cref="Vector{T}"/> kernel (after BLIS): for each block of <see cref="KC"/> inner indices × <see cref="NC"/>
/// columns, B's block is packed into contiguous panels <see cref="Nr"/> columns wide; then each <see cref="MR"/>-row strip
/// of C is updated panel by panel by a micro-kernel that keeps an MR × Nr tile of C in vector registers. It runs on the
/// calling thread.</para>
/// </remarks>
internal static class Gemm
{
    /// <summary>Rows of C per micro-tile.</summary>
    private const int MR = 4;

    /// <summary>Inner-dimension block: a packed panel (KC × Nr) stays in L1, the packed block in L2.</summary>
    private const int KC = 256;

    /// <summary>Column block of B packed at once.</summary>
    private const int NC = 1024;

    /// <summary>Columns of C per micro-tile: two vectors.</summary>
    private static int Nr<T>() => 2 * Vector<T>.Count;

    /// <summary>
    /// c[i·ldc + j] (+)= Σ_p a[i·aRow + p·aInner] · b[p·bInner + j·bCol] for i &lt; rows, j &lt; cols, p &lt; inner.
    /// With <paramref name="overwrite"/> C's previous contents are ignored (C = A·B, C may be uninitialised); otherwise
    /// the product is added to them.
    /// </summary>
    /// <remarks>With <paramref name="bias"/> (at least <paramref name="cols"/> values; empty: none) each element of column j
    /// gets bias[j] added after its whole sum, then with <paramref name="relu"/> max(·, 0) — in the packed kernel's store
    /// of the last block, elsewhere in a pass after the product; the same numbers either way.</remarks>
    /// <exception cref="ArgumentException">A span is too short for the given shape and strides.</exception>
    public static unsafe void Multiply<T>(int rows, int cols, int inner, ReadOnlySpan<T> a, nint aRow, nint aInner, ReadOnlySpan<T> b, nint bInner, nint bCol, Span<T> c, nint ldc, bool overwrite, ReadOnlySpan<T> bias = default, bool relu = false)
        where T : IFloatingPointIeee754<T>
    {
        if (rows <= 0 || cols <= 0) return;
        if (inner > 0 && (Last(rows, aRow, inner, aInner) >= a.Length || Last(inner, bInner, cols, bCol) >= b.Length) || Last(rows, ldc, cols, 1) >= c.Length
            || !bias.IsEmpty && bias.Length < cols)
        {
            throw new ArgumentException("Gemm: an operand is too short for its shape and strides.");
        }
        if (typeof(T) == typeof(float) && Sgemm.IsSupported)
        {
            fixed (float* pa = &Unsafe.As<T, float>(ref MemoryMarshal.GetReference(a)))
            fixed (float* pb = &Unsafe.As<T, float>(ref MemoryMarshal.GetReference(b)))
            fixed (float* pc = &Unsafe.As<T, float>(ref MemoryMarshal.GetReference(c)))
            fixed (float* pbias = &Unsafe.As<T, float>(ref MemoryMarshal.GetReference(bias)))
            {
                Sgemm.Multiply(rows, cols, inner, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite, bias.IsEmpty ? null : pbias, relu);
            }
            return;
        }
        if (typeof(T) == typeof(double) && Sgemm.IsSupported)
        {
            fixed (double* pa = &Unsafe.As<T, double>(ref MemoryMarshal.GetReference(a)))
            fixed (double* pb = &Unsafe.As<T, double>(ref MemoryMarshal.GetReference(b)))
            fixed (double* pc = &Unsafe.As<T, double>(ref MemoryMarshal.GetReference(c)))
            fixed (double* pbias = &Unsafe.As<T, double>(ref MemoryMarshal.GetReference(bias)))
            {
                Sgemm.Multiply(rows, cols, inner, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite, bias.IsEmpty ? null : pbias, relu);
            }
            return;
        }
        MultiplyGeneric(rows, cols, inner, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite);
        if (bias.IsEmpty && !relu) return;
        for (int i = 0; i < rows; i++)
        {
            Span<T> row = c.Slice((int)(i * ldc), cols);
            if (!bias.IsEmpty) TensorPrimitives.Add(row, bias[..cols], row);
            if (relu) TensorPrimitives.Max(row, T.Zero, row);
        }
    }

    /// <summary><see cref="Multiply{T}"/> for element types without a packed kernel: the <see cref="Vector{T}"/> kernel, else a scalar loop.</summary>
    private static void MultiplyGeneric<T>(int rows, int cols, int inner, ReadOnlySpan<T> a, nint aRow, nint aInner, ReadOnlySpan<T> b, nint bInner, nint bCol, Span<T> c, nint ldc, bool overwrite)
        where T : IFloatingPointIeee754<T>
    {
        if (overwrite)
        {
            for (int i = 0; i < rows; i++) c.Slice((int)(i * ldc), cols).Clear();
        }
        if (inner <= 0) return;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && Vector<T>.Count >= 2)
        {
            MultiplyAccumulate(rows, cols, inner, a, (int)aRow, (int)aInner, b, (int)bInner, (int)bCol, c, (int)ldc);
        }
        else
        {
            for (int i = 0; i < rows; i++)
            {
                for (int p = 0; p < inner; p++)
                {
                    T x = a[(int)(i * aRow + p * aInner)];
                    for (int j = 0; j < cols; j++) c[(int)(i * ldc + j)] += x * b[(int)(p * bInner + j * bCol)];
                }
            }
        }
    }

    /// <summary>The largest offset touched by an [n0, n1] operand with strides s0, s1.</summary>
    private static long Last(int n0, nint s0, int n1, nint s1) => (long)(n0 - 1) * s0 + (long)(n1 - 1) * s1;

    /// <summary>The <see cref="Vector{T}"/> kernel: c (dense rows, leading dimension ldc) += a · b (double took it before issue 14; the benchmarks compare).</summary>
    internal static void MultiplyAccumulate<T>(int rows, int cols, int inner, ReadOnlySpan<T> a, int aRowStride, int aInnerStride, ReadOnlySpan<T> b, int bInnerStride, int bColStride, Span<T> c, int ldc)
        where T : IFloatingPointIeee754<T>
    {
        int nr = Nr<T>();
        int ncMax = Math.Min(NC, RoundUp(cols, nr));
        T[] packed = ArrayPool<T>.Shared.Rent(KC * ncMax);
        T[] edge = ArrayPool<T>.Shared.Rent(MR * nr);
        try
        {
            for (int jc = 0; jc < cols; jc += NC)
            {
                int nc = Math.Min(NC, cols - jc);
                for (int pc = 0; pc < inner; pc += KC)
                {
                    int kc = Math.Min(KC, inner - pc);
                    PackB(b, bInnerStride, bColStride, pc, kc, jc, nc, nr, packed);
                    for (int i0 = 0; i0 < rows; i0 += MR)
                    {
                        int height = Math.Min(MR, rows - i0);
                        for (int q = 0, j = jc; j < jc + nc; q++, j += nr)
                        {
                            int width = Math.Min(nr, jc + nc - j);
                            MicroKernel(kc, a, i0 * aRowStride + pc * aInnerStride, aRowStride, aInnerStride, height, packed.AsSpan(q * kc * nr, kc * nr), c, i0 * ldc + j, ldc, width, edge);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
            ArrayPool<T>.Shared.Return(edge);
        }
    }

    /// <summary>Packs B[p0 .. p0+kc, j0 .. j0+nc] into panels of nr columns: panel q holds kc rows of nr values, zero-padded past nc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<T>(ReadOnlySpan<T> b, int innerStride, int colStride, int p0, int kc, int j0, int nc, int nr, T[] packed)
        where T : IFloatingPointIeee754<T>
    {
        int panels = (nc + nr - 1) / nr;
        for (int q = 0; q < panels; q++)
        {
            Span<T> panel = packed.AsSpan(q * kc * nr, kc * nr);
            int width = Math.Min(nr, nc - q * nr);
            int column = j0 + q * nr;
            for (int p = 0; p < kc; p++)
            {
                Span<T> row = panel.Slice(p * nr, nr);
                int source = (p0 + p) * innerStride + column * colStride;
                if (colStride == 1)
                {
                    b.Slice(source, width).CopyTo(row);
                }
                else
                {
                    for (int j = 0; j < width; j++) row[j] = b[source + j * colStride];
                }
                if (width < nr) row.Slice(width).Clear();
            }
        }
    }

    /// <summary>
    /// C[height × width tile at cOffset] += A strip (height rows from aOffset) · packed panel (kc × Nr), with the
    /// MR × Nr accumulators held in registers. Missing rows re-read row 0 and are discarded; partial tiles go through
    /// <paramref name="edge"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel<T>(int kc, ReadOnlySpan<T> A, int aOffset, int aRowStride, int aInnerStride, int height, ReadOnlySpan<T> panel, Span<T> C, int cOffset, int ldc, int width, T[] edge)
        where T : IFloatingPointIeee754<T>
    {
        int v = Vector<T>.Count;
        int nr = 2 * v;
        ref T aRef = ref MemoryMarshal.GetReference(A);
        ref T bRef = ref MemoryMarshal.GetReference(panel);
        nint r0 = aOffset;
        nint r1 = aOffset + (height > 1 ? aRowStride : 0);
        nint r2 = aOffset + (height > 2 ? 2 * aRowStride : 0);
        nint r3 = aOffset + (height > 3 ? 3 * aRowStride : 0);
        Vector<T> c00 = Vector<T>.Zero, c01 = Vector<T>.Zero, c10 = Vector<T>.Zero, c11 = Vector<T>.Zero;
        Vector<T> c20 = Vector<T>.Zero, c21 = Vector<T>.Zero, c30 = Vector<T>.Zero, c31 = Vector<T>.Zero;
        nint step = aInnerStride;
        for (int p = 0; p < kc; p++)
        {
            Vector<T> b0 = Vector.LoadUnsafe(ref bRef, (nuint)(p * nr));
            Vector<T> b1 = Vector.LoadUnsafe(ref bRef, (nuint)(p * nr + v));
            nint o = p * step;
            Vector<T> x = new(Unsafe.Add(ref aRef, r0 + o));
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = new(Unsafe.Add(ref aRef, r1 + o));
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = new(Unsafe.Add(ref aRef, r2 + o));
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = new(Unsafe.Add(ref aRef, r3 + o));
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
        }

        if (height == MR && width == nr)
        {
            AddTo(C.Slice(cOffset, nr), c00, c01, v);
            AddTo(C.Slice(cOffset + ldc, nr), c10, c11, v);
            AddTo(C.Slice(cOffset + 2 * ldc, nr), c20, c21, v);
            AddTo(C.Slice(cOffset + 3 * ldc, nr), c30, c31, v);
            return;
        }

        Span<T> tile = edge;
        c00.CopyTo(tile); c01.CopyTo(tile.Slice(v));
        c10.CopyTo(tile.Slice(nr)); c11.CopyTo(tile.Slice(nr + v));
        c20.CopyTo(tile.Slice(2 * nr)); c21.CopyTo(tile.Slice(2 * nr + v));
        c30.CopyTo(tile.Slice(3 * nr)); c31.CopyTo(tile.Slice(3 * nr + v));
        for (int r = 0; r < height; r++)
        {
            Span<T> target = C.Slice(cOffset + r * ldc, width);
            TensorPrimitives.Add(target, tile.Slice(r * nr, width), target);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<T>(Span<T> row, Vector<T> low, Vector<T> high, int v) where T : IFloatingPointIeee754<T>
    {
        ref T start = ref MemoryMarshal.GetReference(row);
        (Vector.LoadUnsafe(ref start) + low).StoreUnsafe(ref start);
        (Vector.LoadUnsafe(ref start, (nuint)v) + high).StoreUnsafe(ref start, (nuint)v);
    }

    /// <summary>a · b + c, fused where the runtime offers it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> MulAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : IFloatingPointIeee754<T>
    {
#if NET9_0_OR_GREATER
        if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
#endif
        return a * b + c;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
