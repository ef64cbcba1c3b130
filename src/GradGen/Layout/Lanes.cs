using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// The lanes of a tensor along one axis: for each (outer o, inner r) of an <see cref="AxisLayout"/>, the
/// <c>Length</c> elements at <c>(o · Length + i) · Inner + r</c>. A lane is contiguous when <c>Inner</c> is 1 (the last
/// axis); otherwise it is gathered into a scratch span and written back.
/// </summary>
internal static class Lanes
{
    /// <summary>A lane kernel: reads the input lanes (same length), writes <c>output</c> (overwritten, not accumulated).</summary>
    public delegate void Kernel<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> output);

    /// <summary>
    /// Runs <paramref name="kernel"/> on every lane of <paramref name="a"/> and <paramref name="b"/> (same layout) and stores
    /// each result lane into <paramref name="output"/> as <paramref name="mode"/> says (written, added, or written as added
    /// into zeros: the written form of an accumulating kernel, bit for bit).
    /// </summary>
    public static void Map<T>(AxisLayout layout, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> output, StoreMode mode, Kernel<T> kernel)
        where T : IFloatingPointIeee754<T>
    {
        int n = layout.Length, inner = layout.Inner;
        if (n == 0) return;
        using var laneA = Scratch<T>.Rent(inner == 1 ? 0 : n);
        using var laneB = Scratch<T>.Rent(inner == 1 || b.IsEmpty ? 0 : n);
        using var laneOut = Scratch<T>.Rent(inner == 1 && mode == StoreMode.Copy ? 0 : n);
        for (int o = 0; o < layout.Outer; o++)
        {
            for (int r = 0; r < inner; r++)
            {
                int start = o * n * inner + r;
                ReadOnlySpan<T> x = inner == 1 ? a.Slice(start, n) : Gather(a, start, inner, laneA.Span);
                ReadOnlySpan<T> y = b.IsEmpty ? default : inner == 1 ? b.Slice(start, n) : Gather(b, start, inner, laneB.Span);
                if (inner == 1 && mode == StoreMode.Copy)
                {
                    kernel(x, y, output.Slice(start, n));
                    continue;
                }
                kernel(x, y, laneOut.Span);
                if (inner == 1)
                {
                    Span<T> lane = output.Slice(start, n);
                    if (mode == StoreMode.Add) TensorPrimitives.Add(lane, laneOut.Span, lane);
                    else TensorPrimitives.Add(laneOut.Span, T.Zero, lane);
                    continue;
                }
                for (int i = 0; i < n; i++)
                {
                    ref T target = ref output[start + i * inner];
                    target = mode switch { StoreMode.Add => target + laneOut.Span[i], StoreMode.AddToZero => laneOut.Span[i] + T.Zero, _ => laneOut.Span[i] };
                }
            }
        }
    }

    private static ReadOnlySpan<T> Gather<T>(ReadOnlySpan<T> source, int start, int stride, Span<T> lane)
    {
        for (int i = 0; i < lane.Length; i++) lane[i] = source[start + i * stride];
        return lane;
    }
}
