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
/// <see cref="Ops.MergeHeads{T}"/> and their adjoints). The caller checks the lengths; the runs are copied (or added),
/// without an index carry or a span per run, in float and double with vectors of the row kernels' width
/// (<see cref="SimdWidth.Rows"/>: 512, 256 or 128 bits — SSE on x64 without AVX, AdvSimd on ARM64), one algorithm with
/// the width as a type parameter (<see cref="ISimd{T, TV}"/>, as <see cref="VectorRows{T, TV, TS}"/>); a test forces any
/// width. Other element types, and machines without vectors, copy element by element.
/// </summary>
internal static unsafe class Heads
{
    /// <summary>
    /// heads[o, h, t, :] = rows[o, t, start + h·hs : start + (h + 1)·hs] (or += with <paramref name="accumulate"/>); the
    /// head layout is written in order.
    /// </summary>
    public static void Gather<T>(ReadOnlySpan<T> rows, Span<T> heads, int outer, int t, int width, int start, int nh, int hs, bool accumulate)
        where T : IFloatingPointIeee754<T>
        => Gather(rows, heads, outer, t, width, start, nh, hs, accumulate, SimdWidth.Rows);

    /// <summary><see cref="Gather{T}(ReadOnlySpan{T}, Span{T}, int, int, int, int, int, int, bool)"/> with vectors of <paramref name="vectors"/> bits (<see cref="VectorWidth.None"/>: element by element).</summary>
    public static void Gather<T>(ReadOnlySpan<T> rows, Span<T> heads, int outer, int t, int width, int start, int nh, int hs, bool accumulate, VectorWidth vectors)
        where T : IFloatingPointIeee754<T>
    {
        if ((long)outer * t * width > rows.Length || (long)outer * nh * t * hs > heads.Length || start < 0 || (long)start + (long)nh * hs > width)
        {
            throw new ArgumentException("Heads.Gather: the lengths do not fit the spans.");
        }
        Move(rows, heads, new Shape(outer, t, width, start, nh, hs, false, false), gather: true, accumulate, vectors);
    }

    /// <summary>
    /// rows[o, t, start + h·hs : start + (h + 1)·hs] = heads[o, h, t, :] (or += with <paramref name="accumulate"/>); the
    /// row layout is written in order. With <paramref name="clearBefore"/> / <paramref name="clearAfter"/> the columns of
    /// each row before / after the heads' range are set to 0 (a gradient's first contribution writes the whole buffer).
    /// </summary>
    public static void Scatter<T>(ReadOnlySpan<T> heads, Span<T> rows, int outer, int t, int width, int start, int nh, int hs, bool accumulate, bool clearBefore, bool clearAfter)
        where T : IFloatingPointIeee754<T>
        => Scatter(heads, rows, outer, t, width, start, nh, hs, accumulate, clearBefore, clearAfter, SimdWidth.Rows);

    /// <summary><see cref="Scatter{T}(ReadOnlySpan{T}, Span{T}, int, int, int, int, int, int, bool, bool, bool)"/> with vectors of <paramref name="vectors"/> bits (<see cref="VectorWidth.None"/>: element by element).</summary>
    public static void Scatter<T>(ReadOnlySpan<T> heads, Span<T> rows, int outer, int t, int width, int start, int nh, int hs, bool accumulate, bool clearBefore, bool clearAfter, VectorWidth vectors)
        where T : IFloatingPointIeee754<T>
    {
        if ((long)outer * t * width > rows.Length || (long)outer * nh * t * hs > heads.Length || start < 0 || (long)start + (long)nh * hs > width)
        {
            throw new ArgumentException("Heads.Scatter: the lengths do not fit the spans.");
        }
        Move(heads, rows, new Shape(outer, t, width, start, nh, hs, clearBefore && start > 0, clearAfter && start + (nh * hs) < width), gather: false, accumulate, vectors);
    }

    /// <summary>
    /// One pass of <see cref="Gather{T}(ReadOnlySpan{T}, Span{T}, int, int, int, int, int, int, bool, VectorWidth)"/> (rows →
    /// heads) or <see cref="Scatter{T}(ReadOnlySpan{T}, Span{T}, int, int, int, int, int, int, bool, bool, bool, VectorWidth)"/>
    /// (heads → rows) at the element type's vector kernel of the width, or element by element.
    /// </summary>
    private static void Move<T>(ReadOnlySpan<T> from, Span<T> to, Shape shape, bool gather, bool accumulate, VectorWidth vectors)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && vectors != VectorWidth.None)
        {
            fixed (float* source = As<T, float>(from))
            fixed (float* target = As<T, float>(to))
            {
                switch (vectors)
                {
                    case VectorWidth.W512: Move<float, Vector512<float>, F512>(source, target, shape, gather, accumulate); break;
                    case VectorWidth.W256: Move<float, Vector256<float>, F256>(source, target, shape, gather, accumulate); break;
                    default: Move<float, Vector128<float>, F128>(source, target, shape, gather, accumulate); break;
                }
            }
        }
        else if (typeof(T) == typeof(double) && vectors != VectorWidth.None)
        {
            fixed (double* source = As<T, double>(from))
            fixed (double* target = As<T, double>(to))
            {
                switch (vectors)
                {
                    case VectorWidth.W512: Move<double, Vector512<double>, D512>(source, target, shape, gather, accumulate); break;
                    case VectorWidth.W256: Move<double, Vector256<double>, D256>(source, target, shape, gather, accumulate); break;
                    default: Move<double, Vector128<double>, D128>(source, target, shape, gather, accumulate); break;
                }
            }
        }
        else if (gather)
        {
            GatherScalar(from, to, shape, accumulate);
        }
        else
        {
            ScatterScalar(from, to, shape, accumulate);
        }
    }

    /// <summary>The layouts' lengths: Outer, T, the rows' width W, the heads' first column, NH, hs; whether a scatter sets each row's columns before / after the heads to 0.</summary>
    private readonly record struct Shape(int Outer, int T, int Width, int Start, int NH, int HS, bool ClearBefore, bool ClearAfter);

    private static ReadOnlySpan<U> As<T, U>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<U> As<T, U>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static void Move<U, TV, TS>(U* source, U* target, Shape s, bool gather, bool accumulate)
        where U : unmanaged, INumberBase<U>
        where TV : struct
        where TS : struct, ISimd<U, TV>
    {
        if (gather) Gather<U, TV, TS>(source, target, s, accumulate);
        else Scatter<U, TV, TS>(source, target, s, accumulate);
    }

    private static void Gather<U, TV, TS>(U* source, U* target, Shape s, bool accumulate)
        where U : unmanaged, INumberBase<U>
        where TV : struct
        where TS : struct, ISimd<U, TV>
    {
        U* to = target;
        for (int o = 0; o < s.Outer; o++)
        {
            for (int h = 0; h < s.NH; h++)
            {
                U* from = source + ((nint)o * s.T * s.Width) + s.Start + ((nint)h * s.HS);
                for (int i = 0; i < s.T; i++, from += s.Width, to += s.HS)
                {
                    Run<U, TV, TS>(from, to, s.HS, accumulate);
                }
            }
        }
    }

    private static void Scatter<U, TV, TS>(U* source, U* target, Shape s, bool accumulate)
        where U : unmanaged, INumberBase<U>
        where TV : struct
        where TS : struct, ISimd<U, TV>
    {
        nint headStride = (nint)s.T * s.HS;
        for (int o = 0; o < s.Outer; o++)
        {
            U* block = source + ((nint)o * s.NH * headStride);
            for (int i = 0; i < s.T; i++)
            {
                U* row = target + (((nint)o * s.T + i) * s.Width);
                if (s.ClearBefore) new Span<U>(row, s.Start).Clear();
                if (s.ClearAfter) new Span<U>(row + s.Start + (s.NH * s.HS), s.Width - s.Start - (s.NH * s.HS)).Clear();
                U* from = block + ((nint)i * s.HS), to = row + s.Start;
                for (int h = 0; h < s.NH; h++, from += headStride, to += s.HS)
                {
                    Run<U, TV, TS>(from, to, s.HS, accumulate);
                }
            }
        }
    }

    /// <summary>target[0 .. n) = source[0 .. n) (or += with <paramref name="accumulate"/>, as target + source), whole vectors then single elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run<U, TV, TS>(U* source, U* target, int n, bool accumulate)
        where U : unmanaged, INumberBase<U>
        where TV : struct
        where TS : struct, ISimd<U, TV>
    {
        int j = 0;
        if (accumulate)
        {
            for (; j <= n - TS.Count; j += TS.Count) TS.Store(TS.Add(TS.Load(target + j), TS.Load(source + j)), target + j);
            for (; j < n; j++) target[j] += source[j];
        }
        else
        {
            for (; j <= n - TS.Count; j += TS.Count) TS.Store(TS.Load(source + j), target + j);
            for (; j < n; j++) target[j] = source[j];
        }
    }

    private static void GatherScalar<T>(ReadOnlySpan<T> rows, Span<T> heads, Shape s, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(rows);
        ref T target = ref MemoryMarshal.GetReference(heads);
        nint to = 0;
        for (int o = 0; o < s.Outer; o++)
        {
            for (int h = 0; h < s.NH; h++)
            {
                nint from = ((nint)o * s.T * s.Width) + s.Start + ((nint)h * s.HS);
                for (int i = 0; i < s.T; i++, from += s.Width, to += s.HS)
                {
                    RunScalar(ref Unsafe.Add(ref source, from), ref Unsafe.Add(ref target, to), s.HS, accumulate);
                }
            }
        }
    }

    private static void ScatterScalar<T>(ReadOnlySpan<T> heads, Span<T> rows, Shape s, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        ref T source = ref MemoryMarshal.GetReference(heads);
        ref T target = ref MemoryMarshal.GetReference(rows);
        nint headStride = (nint)s.T * s.HS;
        for (int o = 0; o < s.Outer; o++)
        {
            nint block = (nint)o * s.NH * headStride;
            for (int i = 0; i < s.T; i++)
            {
                nint row = ((nint)o * s.T + i) * s.Width;
                if (s.ClearBefore) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, row), s.Start).Clear();
                if (s.ClearAfter) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, row + s.Start + (s.NH * s.HS)), s.Width - s.Start - (s.NH * s.HS)).Clear();
                nint from = block + ((nint)i * s.HS), to = row + s.Start;
                for (int h = 0; h < s.NH; h++, from += headStride, to += s.HS)
                {
                    RunScalar(ref Unsafe.Add(ref source, from), ref Unsafe.Add(ref target, to), s.HS, accumulate);
                }
            }
        }
    }

    private static void RunScalar<T>(ref T source, ref T target, int n, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        for (int j = 0; j < n; j++) Unsafe.Add(ref target, j) = accumulate ? Unsafe.Add(ref target, j) + Unsafe.Add(ref source, j) : Unsafe.Add(ref source, j);
    }
}
