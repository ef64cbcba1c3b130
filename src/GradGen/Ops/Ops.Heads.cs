using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Attention heads: a multi-head layer's "slice → reshape → transpose" (split) and "transpose → reshape" (merge) as one
// copy each. Planning rewrites those chains to these ops; each computes exactly the chain it replaces (a copy reorders
// elements, nothing is rounded), so the fused and the unfused forms agree bit for bit.
public static partial class Ops
{
    /// <summary>
    /// The heads of a slice: <c>TransposeAxes(Reshape(Slice(x, axis, start, length), shape), R − 3, R − 2)</c> with R the
    /// rank of <paramref name="shape"/>, in one pass — e.g. q [B, NH, T, hs] out of a fused projection qkv [B, T, 3C] with
    /// <c>SplitHeads(qkv, 2, 0, C, [B, T, NH, hs])</c>. When the slice is along x's last axis and <paramref name="shape"/>
    /// keeps x's other lengths ([.., T, W] → [.., T, NH, hs]), each head row of hs elements is copied once from x (no sliced
    /// or reshaped intermediate); otherwise the chain is computed as written. A new dense tensor.
    /// </summary>
    /// <param name="x">The input, e.g. [B, T, W].</param>
    /// <param name="axis">The sliced axis; negative counts from the end.</param>
    /// <param name="start">The first index taken along the axis.</param>
    /// <param name="length">How many indices are taken (NH · hs).</param>
    /// <param name="shape">The slice's new shape, rank ≥ 3 (e.g. [B, T, NH, hs]; one length may be −1); its axes R − 3 and R − 2 are exchanged.</param>
    /// <exception cref="ArgumentException">The axis or range is outside x, the element counts of the reshape differ, or the shape's rank is below 3.</exception>
    public static Tensor<T> SplitHeads<T>(Tensor<T> x, int axis, int start, int length, int[] shape) where T : IFloatingPointIeee754<T>
    {
        const string Op = nameof(SplitHeads);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        int a = AxisLayout.Normalize(Op, axis, x.Lengths);
        RequireRange(Op, x.Lengths, a, start, length);
        Span<nint> sliced = stackalloc nint[x.Rank];
        x.Lengths.CopyTo(sliced);
        sliced[a] = length;
        nint[] lengths = ReshapeLengths(Op, sliced, shape);
        int rank = lengths.Length;
        if (rank < 3)
        {
            throw new ArgumentException($"{Op}: the shape [{string.Join(", ", shape)}] has rank {rank}; the heads are its axes rank − 3 and rank − 2, so at least 3 are needed.", nameof(shape));
        }
        if (!KeepsRows(x.Lengths, a, lengths)) return TransposeAxes(Reshape(Slice(x, axis, start, length), shape), rank - 3, rank - 2);
        (lengths[rank - 3], lengths[rank - 2]) = (lengths[rank - 2], lengths[rank - 3]);
        var result = Dense.Result<T>(lengths);
        int r = x.Rank;
        Heads.Gather(Dense.Read(x), Dense.Span(result), TensorShape.Count(x.Lengths[..(r - 2)]), (int)x.Lengths[r - 2], (int)x.Lengths[r - 1], start,
            (int)lengths[rank - 3], (int)lengths[rank - 1], accumulate: false);
        return result;
    }

    /// <summary>
    /// The heads joined: <c>Reshape(TransposeAxes(x, axis0, axis1), shape)</c> in one pass — e.g. the attention output
    /// [B, NH, T, hs] back to [B, T, C] with <c>MergeHeads(y, 1, 2, [B, T, C])</c>. When the axes are x's rank − 3 and
    /// rank − 2 and <paramref name="shape"/> is [.., T, NH · hs], each head row of hs elements is copied once into its place;
    /// otherwise the chain is computed as written. A new dense tensor.
    /// </summary>
    /// <param name="x">The heads, e.g. [B, NH, T, hs].</param>
    /// <param name="axis0">One exchanged axis; negative counts from the end.</param>
    /// <param name="axis1">The other.</param>
    /// <param name="shape">The result's shape (one length may be −1), with x's element count.</param>
    /// <exception cref="ArgumentException">An axis is out of range, or the element counts differ.</exception>
    public static Tensor<T> MergeHeads<T>(Tensor<T> x, int axis0, int axis1, int[] shape) where T : IFloatingPointIeee754<T>
    {
        const string Op = nameof(MergeHeads);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        int a = AxisLayout.Normalize(Op, axis0, x.Lengths), b = AxisLayout.Normalize(Op, axis1, x.Lengths);
        nint[] lengths = ReshapeLengths(Op, x.Lengths, shape);
        if (!JoinsHeads(x.Lengths, a, b, lengths)) return Reshape(TransposeAxes(x, axis0, axis1), shape);
        var result = Dense.Result<T>(lengths);
        int r = x.Rank, nh = (int)x.Lengths[r - 3], hs = (int)x.Lengths[r - 1];
        Heads.Scatter(Dense.Read(x), Dense.Span(result), TensorShape.Count(x.Lengths[..(r - 3)]), (int)x.Lengths[r - 2], nh * hs, 0, nh, hs, accumulate: false, clearBefore: false, clearAfter: false);
        return result;
    }

    /// <summary>
    /// Whether a slice of <paramref name="x"/> along <paramref name="axis"/> reshaped to <paramref name="heads"/> is
    /// [.., T, NH, hs] of x [.., T, W]: the slice is along the last axis and the reshape only splits it.
    /// </summary>
    internal static bool KeepsRows(ReadOnlySpan<nint> x, int axis, ReadOnlySpan<nint> heads)
    {
        int r = x.Length;
        if (r < 2 || axis != r - 1 || heads.Length != r + 1) return false;
        for (int d = 0; d < r - 1; d++)
        {
            if (heads[d] != x[d]) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether <paramref name="x"/> [.., NH, T, hs] with axes <paramref name="a"/>, <paramref name="b"/> exchanged and
    /// reshaped to <paramref name="joined"/> is [.., T, NH · hs]: the axes are rank − 3 and rank − 2 and the reshape only
    /// joins the last two.
    /// </summary>
    internal static bool JoinsHeads(ReadOnlySpan<nint> x, int a, int b, ReadOnlySpan<nint> joined)
    {
        int r = x.Length;
        if (r < 3 || Math.Min(a, b) != r - 3 || Math.Max(a, b) != r - 2 || joined.Length != r - 1) return false;
        for (int d = 0; d < r - 3; d++)
        {
            if (joined[d] != x[d]) return false;
        }
        return joined[r - 3] == x[r - 2] && joined[r - 2] == x[r - 3] * x[r - 1];
    }
}
