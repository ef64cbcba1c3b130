using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>How a kernel stores what it computed into its target (<see cref="AxisBlocks"/>, <see cref="Lanes"/>).</summary>
internal enum StoreMode
{
    /// <summary>target = value.</summary>
    Copy,
    /// <summary>target += value.</summary>
    Add,
    /// <summary>target = value + 0: what adding into zeros gives (a −0 becomes +0), in one pass — a gradient's written first contribution.</summary>
    AddToZero,
}

/// <summary>
/// Moves a sub-range [start, start + length) of one axis between a whole tensor and a part tensor that holds only that
/// range (slicing, splitting, concatenation and their gradients). For every outer index the range is one contiguous block
/// of length · Inner elements in both, so each move is a block copy or a vectorised add.
/// </summary>
internal static class AxisBlocks
{
    /// <summary>part (=|+=) whole[…, start : start + length, …]; <paramref name="whole"/> is laid out as <paramref name="layout"/>.</summary>
    public static void Extract<T>(ReadOnlySpan<T> whole, AxisLayout layout, int start, int length, Span<T> part, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        int block = length * layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            ReadOnlySpan<T> from = whole.Slice((o * layout.Length + start) * layout.Inner, block);
            Span<T> to = part.Slice(o * block, block);
            if (accumulate) TensorPrimitives.Add(to, from, to);
            else from.CopyTo(to);
        }
    }

    /// <summary>whole[…, start : start + length, …] = 0.</summary>
    public static void Clear<T>(Span<T> whole, AxisLayout layout, int start, int length)
    {
        int block = length * layout.Inner;
        for (int o = 0; o < layout.Outer; o++) whole.Slice((o * layout.Length + start) * layout.Inner, block).Clear();
    }

    /// <summary>
    /// whole[…, start : start + length, …] stored from part as <paramref name="mode"/> says (<paramref name="whole"/> laid out as
    /// <paramref name="layout"/>); with <paramref name="clearBefore"/>
    /// / <paramref name="clearAfter"/> the axis's elements before / after the range are zeroed in the same pass over the
    /// outer blocks.
    /// </summary>
    public static void Insert<T>(ReadOnlySpan<T> part, Span<T> whole, AxisLayout layout, int start, int length, StoreMode mode, bool clearBefore, bool clearAfter)
        where T : IFloatingPointIeee754<T>
    {
        int block = length * layout.Inner, before = start * layout.Inner, after = (layout.Length - start - length) * layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            int at = o * layout.Length * layout.Inner;
            if (clearBefore) whole.Slice(at, before).Clear();
            ReadOnlySpan<T> from = part.Slice(o * block, block);
            Span<T> to = whole.Slice(at + before, block);
            if (mode == StoreMode.Add) TensorPrimitives.Add(to, from, to);
            else if (mode == StoreMode.AddToZero) TensorPrimitives.Add(from, T.Zero, to);
            else from.CopyTo(to);
            if (clearAfter) whole.Slice(at + before + block, after).Clear();
        }
    }
}
