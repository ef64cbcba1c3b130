using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace GradGen;

/// <summary>
/// The float and double transpose of a row-major [M, N] matrix in square blocks held in registers, writing or
/// accumulating into [N, M]; the edges that do not fill a block go element by element. Float: 8 × 8 blocks in eight
/// 256-bit registers with AVX (unpack, shuffle, 128-bit lane permute), else 4 × 4 in 128-bit registers (ARM64: zip;
/// SSE: unpack and move). Double: 4 × 4 in 256-bit registers with AVX (unpack, lane permute), else 2 × 2 in 128-bit
/// registers (ARM64 zip, SSE2 unpack). About four times the element-by-element tiles of <see cref="MatrixKernels"/>,
/// which it serves when <see cref="IsSupported"/>; the GEMM packs transposed operands with <see cref="Block{T}"/>.
/// </summary>
internal static class BlockTranspose
{
    /// <summary>Whether the CPU has AVX, or SSE2 or ARM64 AdvSimd (the narrower blocks).</summary>
    public static bool IsSupported => Avx.IsSupported || Sse2.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>Whether T is float or double and the CPU has block transposes.</summary>
    public static bool Applies<T>() => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && IsSupported;

    /// <summary>The side of the blocks <see cref="Block{T}"/> transposes: 256 bits of T with AVX, else 128.</summary>
    public static int BlockSize<T>() => Avx.IsSupported ? 32 / Unsafe.SizeOf<T>() : Block128Size<T>();

    /// <summary>destination[N, M] = source[M, N]ᵀ, or += with <paramref name="accumulate"/> (T float or double).</summary>
    public static void Run<T>(ReadOnlySpan<T> source, Span<T> destination, int m, int n, bool accumulate) where T : INumberBase<T>
    {
        ref T src = ref MemoryMarshal.GetReference(source);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        int size = BlockSize<T>();
        int mBlocks = m & -size, nBlocks = n & -size;
        // Blocks along a destination row one after another: its cache lines are written whole, in order.
        for (int j = 0; j < nBlocks; j += size)
        {
            for (int i = 0; i < mBlocks; i += size)
            {
                Block(ref Unsafe.Add(ref src, (nint)i * n + j), n, ref Unsafe.Add(ref dst, (nint)j * m + i), m, accumulate);
            }
        }
        for (int j = nBlocks; j < n; j++)
        {
            for (int i = 0; i < mBlocks; i++)
            {
                ref T d = ref Unsafe.Add(ref dst, (nint)j * m + i);
                T v = Unsafe.Add(ref src, (nint)i * n + j);
                d = accumulate ? d + v : v;
            }
        }
        for (int i = mBlocks; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ref T d = ref Unsafe.Add(ref dst, (nint)j * m + i);
                T v = Unsafe.Add(ref src, (nint)i * n + j);
                d = accumulate ? d + v : v;
            }
        }
    }

    /// <summary>
    /// dst[c · dstStride + r] = src[r · srcStride + c] for r, c &lt; <see cref="BlockSize{T}"/> (or += with
    /// <paramref name="accumulate"/>): one block through registers (T float or double).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block<T>(ref T src, int srcStride, ref T dst, int dstStride, bool accumulate)
    {
        if (!Avx.IsSupported) Block128(ref src, srcStride, ref dst, dstStride, accumulate);
        else if (typeof(T) == typeof(float)) Block8(ref Unsafe.As<T, float>(ref src), srcStride, ref Unsafe.As<T, float>(ref dst), dstStride, accumulate);
        else if (typeof(T) == typeof(double)) Block4(ref Unsafe.As<T, double>(ref src), srcStride, ref Unsafe.As<T, double>(ref dst), dstStride, accumulate);
        else throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>The side of <see cref="Block128{T}"/>'s blocks: 128 bits of T (float 4, double 2).</summary>
    public static int Block128Size<T>() => 16 / Unsafe.SizeOf<T>();

    /// <summary>
    /// As <see cref="Block{T}"/>, in 128-bit blocks on every CPU (float 4 × 4, double 2 × 2): for a caller whose block
    /// side must divide a size the wider blocks do not (the GEMM's 12-row strips).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block128<T>(ref T src, int srcStride, ref T dst, int dstStride, bool accumulate)
    {
        if (typeof(T) == typeof(float)) Block4(ref Unsafe.As<T, float>(ref src), srcStride, ref Unsafe.As<T, float>(ref dst), dstStride, accumulate);
        else if (typeof(T) == typeof(double)) Block2(ref Unsafe.As<T, double>(ref src), srcStride, ref Unsafe.As<T, double>(ref dst), dstStride, accumulate);
        else throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>One 4 × 4 double block in 256-bit registers (AVX): rows interleaved in pairs, then 128-bit halves exchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4(ref double src, int srcStride, ref double dst, int dstStride, bool accumulate)
    {
        Vector256<double> r0 = Vector256.LoadUnsafe(ref src, 0), r1 = Vector256.LoadUnsafe(ref src, (nuint)srcStride);
        Vector256<double> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride)), r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        // t0 = a0 b0 a2 b2, t1 = a1 b1 a3 b3, t2 = c0 d0 c2 d2, t3 = c1 d1 c3 d3.
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Store(Avx.Permute2x128(t0, t2, 0x20), ref dst, 0, accumulate);
        Store(Avx.Permute2x128(t1, t3, 0x20), ref dst, (nuint)dstStride, accumulate);
        Store(Avx.Permute2x128(t0, t2, 0x31), ref dst, (nuint)(2 * dstStride), accumulate);
        Store(Avx.Permute2x128(t1, t3, 0x31), ref dst, (nuint)(3 * dstStride), accumulate);
    }

    /// <summary>One 2 × 2 double block in 128-bit registers (ARM64 zip, SSE2 unpack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block2(ref double src, int srcStride, ref double dst, int dstStride, bool accumulate)
    {
        Vector128<double> r0 = Vector128.LoadUnsafe(ref src, 0), r1 = Vector128.LoadUnsafe(ref src, (nuint)srcStride);
        Vector128<double> c0, c1;
        if (AdvSimd.Arm64.IsSupported)
        {
            c0 = AdvSimd.Arm64.ZipLow(r0, r1); c1 = AdvSimd.Arm64.ZipHigh(r0, r1);
        }
        else if (Sse2.IsSupported)
        {
            c0 = Sse2.UnpackLow(r0, r1); c1 = Sse2.UnpackHigh(r0, r1);
        }
        else
        {
            throw new PlatformNotSupportedException();
        }
        Store(c0, ref dst, 0, accumulate);
        Store(c1, ref dst, (nuint)dstStride, accumulate);
    }

    /// <summary>One 4 × 4 block in 128-bit registers: rows interleaved in pairs, then the 64-bit halves paired.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4(ref float src, int srcStride, ref float dst, int dstStride, bool accumulate)
    {
        Vector128<float> r0 = Vector128.LoadUnsafe(ref src, 0), r1 = Vector128.LoadUnsafe(ref src, (nuint)srcStride);
        Vector128<float> r2 = Vector128.LoadUnsafe(ref src, (nuint)(2 * srcStride)), r3 = Vector128.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector128<float> c0, c1, c2, c3;
        if (AdvSimd.Arm64.IsSupported)
        {
            // t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = c0 d0 c1 d1, t3 = c2 d2 c3 d3; then pairs of 64-bit lanes.
            Vector128<double> t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsDouble(), t1 = AdvSimd.Arm64.ZipHigh(r0, r1).AsDouble();
            Vector128<double> t2 = AdvSimd.Arm64.ZipLow(r2, r3).AsDouble(), t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsDouble();
            c0 = AdvSimd.Arm64.ZipLow(t0, t2).AsSingle(); c1 = AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle();
            c2 = AdvSimd.Arm64.ZipLow(t1, t3).AsSingle(); c3 = AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle();
        }
        else if (Sse.IsSupported)
        {
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
            c0 = Sse.MoveLowToHigh(t0, t2); c1 = Sse.MoveHighToLow(t2, t0);
            c2 = Sse.MoveLowToHigh(t1, t3); c3 = Sse.MoveHighToLow(t3, t1);
        }
        else
        {
            throw new PlatformNotSupportedException();
        }
        Store(c0, ref dst, 0, accumulate);
        Store(c1, ref dst, (nuint)dstStride, accumulate);
        Store(c2, ref dst, (nuint)(2 * dstStride), accumulate);
        Store(c3, ref dst, (nuint)(3 * dstStride), accumulate);
    }

    /// <summary>One 8 × 8 block in 256-bit registers (AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(ref float src, int srcStride, ref float dst, int dstStride, bool accumulate)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src, 0), r1 = Vector256.LoadUnsafe(ref src, (nuint)srcStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride)), r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * srcStride)), r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * srcStride)), r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * srcStride));

        // Pairs of rows interleaved, then groups of four, then the 128-bit halves exchanged.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Store(Avx.Permute2x128(u0, u4, 0x20), ref dst, 0, accumulate);
        Store(Avx.Permute2x128(u1, u5, 0x20), ref dst, (nuint)dstStride, accumulate);
        Store(Avx.Permute2x128(u2, u6, 0x20), ref dst, (nuint)(2 * dstStride), accumulate);
        Store(Avx.Permute2x128(u3, u7, 0x20), ref dst, (nuint)(3 * dstStride), accumulate);
        Store(Avx.Permute2x128(u0, u4, 0x31), ref dst, (nuint)(4 * dstStride), accumulate);
        Store(Avx.Permute2x128(u1, u5, 0x31), ref dst, (nuint)(5 * dstStride), accumulate);
        Store(Avx.Permute2x128(u2, u6, 0x31), ref dst, (nuint)(6 * dstStride), accumulate);
        Store(Avx.Permute2x128(u3, u7, 0x31), ref dst, (nuint)(7 * dstStride), accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<float> v, ref float dst, nuint offset, bool accumulate)
    {
        if (accumulate) v += Vector128.LoadUnsafe(ref dst, offset);
        v.StoreUnsafe(ref dst, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v, ref float dst, nuint offset, bool accumulate)
    {
        if (accumulate) v += Vector256.LoadUnsafe(ref dst, offset);
        v.StoreUnsafe(ref dst, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<double> v, ref double dst, nuint offset, bool accumulate)
    {
        if (accumulate) v += Vector128.LoadUnsafe(ref dst, offset);
        v.StoreUnsafe(ref dst, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<double> v, ref double dst, nuint offset, bool accumulate)
    {
        if (accumulate) v += Vector256.LoadUnsafe(ref dst, offset);
        v.StoreUnsafe(ref dst, offset);
    }
}
