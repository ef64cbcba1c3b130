using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of Ops.Heads: the heads moved back in one pass, straight into the operand's gradient.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.SplitHeads{T}"/>(x, axis, start, length, shape): into (x̄)[…, start : start + length] += dY
    /// with the heads put back in place (the adjoints of the transpose, the reshape and the slice, in one pass when the
    /// forward took its one pass). With <paramref name="overwrite"/> the whole of into is written: the slice's range gets
    /// dY, the rest of it 0 (a gradient's first contribution; other slices of x then add theirs). With
    /// <paramref name="overwrite"/> and <paramref name="onlySlice"/> only the slice's range is written (the slices of x that
    /// several heads take tile its axis, each writing its own range: planning's tiled first write), and with
    /// <paramref name="clearAfter"/> also the indices after it, set to 0 (the last slice of the tiling: the axis may be
    /// longer than the tiling where planning could not prove otherwise).
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape (e.g. [B, NH, T, hs]).</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="start">The forward op's start.</param>
    /// <param name="into">x̄, x's shape (e.g. [B, T, W]), dense; accumulated into.</param>
    /// <param name="overwrite">into = … (0 outside the slice) instead of into += ….</param>
    /// <param name="onlySlice">With <paramref name="overwrite"/>: the indices before and after the slice are left as they are.</param>
    /// <param name="clearAfter">With <paramref name="onlySlice"/>: the indices after the slice are set to 0.</param>
    public static void SplitHeads<T>(Tensor<T> dY, int axis, int start, Tensor<T> into, bool overwrite = false, bool onlySlice = false, bool clearAfter = false)
        where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.SplitHeads";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        int a = AxisLayout.Normalize(Kernel, axis, into.Lengths);
        int r = into.Rank, rank = dY.Rank;
        if (rank < 3)
        {
            throw new ArgumentException($"{Kernel}: dY {TensorShape.Format(dY)} has rank {rank}; the heads' result has rank at least 3.", nameof(dY));
        }
        Span<T> target = Dense.Target(Kernel, into);
        // dY is [.., NH, T, hs] exactly when the forward's reshape was [.., T, NH, hs] of x [.., T, W].
        Span<nint> heads = stackalloc nint[rank];
        dY.Lengths.CopyTo(heads);
        (heads[rank - 3], heads[rank - 2]) = (heads[rank - 2], heads[rank - 3]);
        if (Ops.KeepsRows(into.Lengths, a, heads))
        {
            int nh = (int)heads[rank - 2], hs = (int)heads[rank - 1];
            Ops.RequireRange(Kernel, into.Lengths, a, start, nh * hs);
            Heads.Scatter(Dense.Read(dY), target, TensorShape.Count(into.Lengths[..(r - 2)]), (int)into.Lengths[r - 2], (int)into.Lengths[r - 1], start, nh, hs,
                accumulate: !overwrite, clearBefore: overwrite && !onlySlice, clearAfter: overwrite && (!onlySlice || clearAfter));
            return;
        }
        // The chain's adjoints one after the other: the transpose undone, the reshape read as the slice, the slice added (or written).
        long rest = into.Lengths[a] == 0 ? 0 : into.FlattenedLength / into.Lengths[a];
        if (rest == 0 || dY.FlattenedLength % rest != 0)
        {
            throw new ArgumentException($"{Kernel}: dY {TensorShape.Format(dY)} is not a slice of into {TensorShape.Format(into)} along axis {axis} in heads.", nameof(dY));
        }
        var sliced = Workspace.NewArray<int>(r);
        for (int d = 0; d < r; d++) sliced[d] = d == a ? (int)(dY.FlattenedLength / rest) : (int)into.Lengths[d];
        var part = Ops.Reshape(Ops.TransposeAxes(dY, rank - 3, rank - 2), sliced);
        Ops.RequireRange(Kernel, into.Lengths, a, start, sliced[a]);
        Slice(part, a, start, into, overwrite, onlySlice, clearAfter);
    }

    /// <summary>
    /// For y = <see cref="Ops.MergeHeads{T}"/>(x, axis0, axis1, shape): into (x̄) += dY read in y's order with the axes
    /// exchanged back (the adjoints of the reshape and the transpose, in one pass when the forward took its one pass).
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape (e.g. [B, T, C]).</param>
    /// <param name="axis0">The forward op's first axis.</param>
    /// <param name="axis1">The forward op's second axis.</param>
    /// <param name="into">x̄, x's shape (e.g. [B, NH, T, hs]), dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution).</param>
    public static void MergeHeads<T>(Tensor<T> dY, int axis0, int axis1, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MergeHeads";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        int a = AxisLayout.Normalize(Kernel, axis0, into.Lengths), b = AxisLayout.Normalize(Kernel, axis1, into.Lengths);
        if (dY.FlattenedLength != into.FlattenedLength)
        {
            throw new ArgumentException($"{Kernel}: dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} have different element counts.", nameof(dY));
        }
        Span<T> target = Dense.Target(Kernel, into);
        int r = into.Rank;
        if (Ops.JoinsHeads(into.Lengths, a, b, dY.Lengths))
        {
            int nh = (int)into.Lengths[r - 3], hs = (int)into.Lengths[r - 1];
            Heads.Gather(Dense.Read(dY), target, TensorShape.Count(into.Lengths[..(r - 3)]), (int)into.Lengths[r - 2], nh * hs, 0, nh, hs, accumulate: !overwrite);
            return;
        }
        // The reshape's adjoint reads dY as the transposed shape; the transpose's adjoint exchanges the axes back.
        var transposed = Workspace.NewArray<int>(r);
        for (int d = 0; d < r; d++) transposed[d] = (int)into.Lengths[d];
        (transposed[a], transposed[b]) = (transposed[b], transposed[a]);
        TransposeAxes(Ops.Reshape(dY, transposed), axis0, axis1, into, overwrite);
    }
}
