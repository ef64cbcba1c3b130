using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GradGen;

/// <summary>
/// Moves attention heads between the row layout <c>[Outer, T, W]</c> (a column range [start, start + NH·hs) of each row
/// holding NH heads of hs elements side by side, as a fused qkv projection or the concatenated heads) and the head layout
/// <c>[Outer, NH, T, hs]</c>, in one pass of contiguous runs of hs elements (<see cref="Ops.SplitHeads{T}"/>,
/// <see cref="Ops.MergeHeads{T}"/> and their adjoints). The caller checks the lengths; the runs are copied (or added) with
/// 256-bit vectors where the CPU has them, without an index carry or a span per run.
/// </summary>
internal static class Heads
{
    /// <summary>
    /// heads[o, h, t, :] = rows[o, t, start + h·hs : start + (h + 1)·hs] (or += with <paramref name="accumulate"/>); the
    /// head layout is written in order.
    /// </summary>
    public static void Gather<T>(ReadOnlySpan<T> rows, Span<T> heads, int outer, int t, int width, int start, int nh, int hs, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        if ((long)outer * t * width > rows.Length || (long)outer * nh * t * hs > heads.Length || start < 0 || (long)start + (long)nh * hs > width)
        {
            throw new ArgumentException("Heads.Gather: the lengths do not fit the spans.");
        }
        ref T source = ref MemoryMarshal.GetReference(rows);
        ref T target = ref MemoryMarshal.GetReference(heads);
        nint to = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int h = 0; h < nh; h++)
            {
                nint from = ((nint)o * t * width) + start + ((nint)h * hs);
                for (int i = 0; i < t; i++, from += width, to += hs)
                {
                    Run(ref Unsafe.Add(ref source, from), ref Unsafe.Add(ref target, to), hs, accumulate);
                }
            }
        }
    }

    /// <summary>
    /// rows[o, t, start + h·hs : start + (h + 1)·hs] = heads[o, h, t, :] (or += with <paramref name="accumulate"/>); the
    /// row layout is written in order. With <paramref name="clearBefore"/> / <paramref name="clearAfter"/> the columns of
    /// each row before / after the heads' range are set to 0 (a gradient's first contribution writes the whole buffer).
    /// </summary>
    public static void Scatter<T>(ReadOnlySpan<T> heads, Span<T> rows, int outer, int t, int width, int start, int nh, int hs, bool accumulate, bool clearBefore, bool clearAfter)
        where T : IFloatingPointIeee754<T>
    {
        if ((long)outer * t * width > rows.Length || (long)outer * nh * t * hs > heads.Length || start < 0 || (long)start + (long)nh * hs > width)
        {
            throw new ArgumentException("Heads.Scatter: the lengths do not fit the spans.");
        }
        ref T source = ref MemoryMarshal.GetReference(heads);
        ref T target = ref MemoryMarshal.GetReference(rows);
        int end = start + nh * hs;
        nint headStride = (nint)t * hs;
        for (int o = 0; o < outer; o++)
        {
            nint block = (nint)o * nh * headStride;
            for (int i = 0; i < t; i++)
            {
                nint row = ((nint)o * t + i) * width;
                if (clearBefore && start > 0) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, row), start).Clear();
                if (clearAfter && end < width) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, row + end), width - end).Clear();
                nint from = block + ((nint)i * hs), to = row + start;
                for (int h = 0; h < nh; h++, from += headStride, to += hs)
                {
                    Run(ref Unsafe.Add(ref source, from), ref Unsafe.Add(ref target, to), hs, accumulate);
                }
            }
        }
    }

    /// <summary>target[0 .. n) = source[0 .. n) (or += with <paramref name="accumulate"/>, as target + source).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run<T>(ref T source, ref T target, int n, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Run(ref Unsafe.As<T, float>(ref source), ref Unsafe.As<T, float>(ref target), n, accumulate);
        else if (typeof(T) == typeof(double)) Run(ref Unsafe.As<T, double>(ref source), ref Unsafe.As<T, double>(ref target), n, accumulate);
        else RunScalar(ref source, ref target, n, accumulate);
    }

    private static void RunScalar<T>(ref T source, ref T target, int n, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        if (!accumulate)
        {
            MemoryMarshal.CreateReadOnlySpan(ref source, n).CopyTo(MemoryMarshal.CreateSpan(ref target, n));
            return;
        }
        for (int j = 0; j < n; j++) Unsafe.Add(ref target, j) += Unsafe.Add(ref source, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run(ref float source, ref float target, int n, bool accumulate)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref source, (nuint)j);
                if (accumulate) v = Vector256.LoadUnsafe(ref target, (nuint)j) + v;
                v.StoreUnsafe(ref target, (nuint)j);
            }
        }
        for (; j < n; j++) Unsafe.Add(ref target, j) = accumulate ? Unsafe.Add(ref target, j) + Unsafe.Add(ref source, j) : Unsafe.Add(ref source, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run(ref double source, ref double target, int n, bool accumulate)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<double>.Count; j += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref source, (nuint)j);
                if (accumulate) v = Vector256.LoadUnsafe(ref target, (nuint)j) + v;
                v.StoreUnsafe(ref target, (nuint)j);
            }
        }
        for (; j < n; j++) Unsafe.Add(ref target, j) = accumulate ? Unsafe.Add(ref target, j) + Unsafe.Add(ref source, j) : Unsafe.Add(ref source, j);
    }
}
