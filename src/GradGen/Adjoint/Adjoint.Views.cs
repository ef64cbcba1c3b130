using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of Ops.Views: each moves the upstream gradient back to the operand's layout and adds it there.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.Reshape{T}"/>(x, shape) when x̄ starts as ȳ (planning's alias rule): dY's elements in
    /// <paramref name="like"/>'s shape — a view that shares dY's storage (no copy) when dY is dense without a length-1
    /// dimension, as <see cref="Ops.Reshape{T}"/> makes one; else a dense copy. Generated code uses it only where neither
    /// gradient is written while both are read.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="like">x (only its shape is read).</param>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public static Tensor<T> Reshaped<T>(Tensor<T> dY, Tensor<T> like) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(like);
        if (dY.FlattenedLength != like.FlattenedLength)
        {
            throw new ArgumentException($"Adjoint.Reshaped: dY {TensorShape.Format(dY)} and like {TensorShape.Format(like)} have different element counts.", nameof(like));
        }
        return Ops.Reshaped(dY, like.Lengths);
    }

    /// <summary>For y = <see cref="Ops.Reshape{T}"/>(x, shape): into (x̄) += dY read in row-major order (same element count).</summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution): a copy.</param>
    public static void Reshape<T>(Tensor<T> dY, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Reshape";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (dY.FlattenedLength != into.FlattenedLength)
        {
            throw new ArgumentException($"{Kernel}: dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} have different element counts.", nameof(into));
        }
        Span<T> target = Dense.Target(Kernel, into);
        if (overwrite) Dense.Read(dY).CopyTo(target);
        else TensorPrimitives.Add(target, Dense.Read(dY), target);
    }

    /// <summary>
    /// For y = <see cref="Ops.TransposeAxes{T}(Tensor{T}, int, int)"/>(x, axis0, axis1): into (x̄) += dY with the two axes exchanged back.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="axis0">The forward op's first axis.</param>
    /// <param name="axis1">The forward op's second axis.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution).</param>
    public static void TransposeAxes<T>(Tensor<T> dY, int axis0, int axis1, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        PermuteBack("Adjoint.TransposeAxes", dY, Ops.SwapAxes("Adjoint.TransposeAxes", into.Lengths, axis0, axis1), into, overwrite);
    }

    /// <summary>
    /// For y = <see cref="Ops.Permute{T}(Tensor{T}, int[])"/>(x, axes): into (x̄) += dY permuted back, x̄[…, i_axes[d], …] += dY[…, i_d, …].
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="axes">The forward op's permutation.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution).</param>
    public static void Permute<T>(Tensor<T> dY, int[] axes, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(axes);
        ArgumentNullException.ThrowIfNull(into);
        PermuteBack("Adjoint.Permute", dY, Ops.PermutationOf("Adjoint.Permute", into.Lengths, axes), into, overwrite);
    }

    /// <summary>
    /// For y = <see cref="Ops.Slice{T}"/>(x, axis, start, length): into (x̄)[…, start : start + length, …] += dY; the rest
    /// of x̄ is unchanged.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="start">The forward op's start.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">
    /// x̄ = … (a first contribution): the range written as dY + 0 and the rest of x̄ zeroed, in one pass — what adding into
    /// zeros gives.
    /// </param>
    /// <param name="onlySlice">
    /// With <paramref name="overwrite"/>: only the range is written, the rest left as it is (slices that tile the axis, each
    /// writing its own range).
    /// </param>
    /// <param name="clearAfter">With <paramref name="onlySlice"/>: the axis's elements after the range are zeroed too (the tiling's last slice).</param>
    public static void Slice<T>(Tensor<T> dY, int axis, int start, Tensor<T> into, bool overwrite = false, bool onlySlice = false, bool clearAfter = false)
        where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Slice";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        int a = AxisLayout.Normalize(Kernel, axis, into.Lengths);
        int length = RequirePart(Kernel, dY, into.Lengths, a, nameof(dY));
        Ops.RequireRange(Kernel, into.Lengths, a, start, length);
        AxisBlocks.Insert(Dense.Read(dY), Dense.Target(Kernel, into), AxisLayout.Of(into.Lengths, a), start, length, overwrite ? StoreMode.AddToZero : StoreMode.Add,
            clearBefore: overwrite && !onlySlice, clearAfter: overwrite && (!onlySlice || clearAfter));
    }

    /// <summary>
    /// For parts = <see cref="Ops.Split{T}"/>(x, axis, n): into (x̄) += the part gradients joined along the axis; a null
    /// entry of <paramref name="dParts"/> (a part that received no gradient) contributes nothing.
    /// </summary>
    /// <param name="dParts">∂L/∂part for each part, in order, each the part's shape, or null.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">
    /// x̄ = … (a first contribution): each part's range written as its gradient + 0, a null part's zeroed — what adding into
    /// zeros gives, in one pass.
    /// </param>
    public static void Split<T>(Tensor<T>?[] dParts, int axis, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Split";
        ArgumentNullException.ThrowIfNull(dParts);
        ArgumentNullException.ThrowIfNull(into);
        int a = AxisLayout.Normalize(Kernel, axis, into.Lengths);
        if (dParts.Length == 0 || into.Lengths[a] % dParts.Length != 0)
        {
            throw new ArgumentException($"{Kernel}: {dParts.Length} parts do not split axis {axis} of into {TensorShape.Format(into)} equally.", nameof(dParts));
        }
        int length = (int)(into.Lengths[a] / dParts.Length);
        Span<T> target = Dense.Target(Kernel, into);
        var layout = AxisLayout.Of(into.Lengths, a);
        for (int p = 0; p < dParts.Length; p++)
        {
            if (dParts[p] is not { } part) continue;
            if (RequirePart(Kernel, part, into.Lengths, a, $"dParts[{p}]") != length)
            {
                throw new ArgumentException($"{Kernel}: dParts[{p}] {TensorShape.Format(part)} is not one of {dParts.Length} equal parts of into {TensorShape.Format(into)}.", nameof(dParts));
            }
        }
        for (int p = 0; p < dParts.Length; p++)
        {
            if (dParts[p] is { } part) AxisBlocks.Insert(Dense.Read(part), target, layout, p * length, length, overwrite ? StoreMode.AddToZero : StoreMode.Add, clearBefore: false, clearAfter: false);
            else if (overwrite) AxisBlocks.Clear(target, layout, p * length, length);
        }
    }

    /// <summary>
    /// For y = <see cref="Ops.Concat{T}"/>(axis, parts): each into[i] (the gradient of part i) += the sub-range of dY along
    /// the axis that part i filled; a null entry of <paramref name="into"/> (a part that wants no gradient) is skipped.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="parts">The forward op's parts (only their shapes are read).</param>
    /// <param name="into">The parts' gradient buffers, in order, each dense and its part's shape, or null; accumulated into.</param>
    public static void Concat<T>(Tensor<T> dY, int axis, Tensor<T>[] parts, Tensor<T>?[] into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Concat";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(into);
        (int a, nint[] shape) = Ops.ConcatShape(Kernel, axis, parts);
        TensorShape.RequireSameShape(Kernel, "the joined parts", shape, nameof(dY), dY.Lengths);
        if (into.Length != parts.Length)
        {
            throw new ArgumentException($"{Kernel}: {into.Length} gradient buffers for {parts.Length} parts.", nameof(into));
        }
        var layout = AxisLayout.Of(dY.Lengths, a);
        ReadOnlySpan<T> g = Dense.Read(dY);
        int offset = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            int length = checked((int)parts[p].Lengths[a]);
            if (into[p] is { } buffer)
            {
                TensorShape.RequireSameShape(Kernel, $"parts[{p}]", parts[p].Lengths, $"into[{p}]", buffer.Lengths);
                AxisBlocks.Extract(g, layout, offset, length, Dense.Target(Kernel, buffer), accumulate: true);
            }
            offset += length;
        }
    }

    private static void PermuteBack<T>(string kernel, Tensor<T> dY, int[] order, Tensor<T> into, bool overwrite) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        bool consistent = dY.Rank == into.Rank;
        for (int d = 0; consistent && d < order.Length; d++) consistent = dY.Lengths[d] == into.Lengths[order[d]];
        if (!consistent)
        {
            throw new ArgumentException(
                $"{kernel}: dY {TensorShape.Format(dY)} is not into {TensorShape.Format(into)} permuted by [{string.Join(", ", order)}].", nameof(dY));
        }
        Permutation.Walk(Dense.Read(dY), into.Lengths, order, Dense.Target(kernel, into), accumulate: true, scatter: overwrite);
    }

    /// <summary>Checks that <paramref name="part"/> has <paramref name="whole"/>'s lengths except along the axis; returns its length there.</summary>
    private static int RequirePart<T>(string kernel, Tensor<T> part, ReadOnlySpan<nint> whole, int axis, string name)
    {
        bool same = part.Rank == whole.Length;
        for (int d = 0; same && d < whole.Length; d++) same = d == axis || part.Lengths[d] == whole[d];
        if (!same)
        {
            throw new ArgumentException(
                $"{kernel}: {name} {TensorShape.Format(part)} does not match {TensorShape.Format(whole)} off axis {axis}.", name);
        }
        return checked((int)part.Lengths[axis]);
    }
}
