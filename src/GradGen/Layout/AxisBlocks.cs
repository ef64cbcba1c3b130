using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

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

    /// <summary>whole[…, start : start + length, …] (=|+=) part; <paramref name="whole"/> is laid out as <paramref name="layout"/>.</summary>
    public static void Insert<T>(ReadOnlySpan<T> part, Span<T> whole, AxisLayout layout, int start, int length, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        int block = length * layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            ReadOnlySpan<T> from = part.Slice(o * block, block);
            Span<T> to = whole.Slice((o * layout.Length + start) * layout.Inner, block);
            if (accumulate) TensorPrimitives.Add(to, from, to);
            else from.CopyTo(to);
        }
    }
}
