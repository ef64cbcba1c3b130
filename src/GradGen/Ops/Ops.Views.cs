using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Shape ops: reshape, axis permutations, slicing, splitting and concatenation. Reshape of a dense tensor without
// length-1 dimensions is a view (no copy, the result shares x's storage); every other op here copies into a new dense
// tensor, because the kernels downstream (MatMul, element-wise ops) read dense row-major storage and a strided view would
// be copied by each reader.
public static partial class Ops
{
    /// <summary>
    /// x with a new shape of the same element count, in the same row-major order (e.g. [B, T, C] → [B, T, NH, C/NH]).
    /// One dimension may be −1: it is inferred from the element count. When x is dense and has no dimension of length 1,
    /// the result is a view that shares x's storage (no copy); otherwise x is copied (System.Numerics.Tensors 10.0 cannot
    /// reshape a strided tensor, nor one with a length-1 dimension, whose stride it sets to 0).
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="shape">The new lengths, at least one; one of them may be −1.</param>
    /// <exception cref="ArgumentException">The element counts differ, or the shape has a negative length other than one −1.</exception>
    public static Tensor<T> Reshape<T>(Tensor<T> x, params int[] shape) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        return Reshaped(x, ReshapeLengths(nameof(Reshape), x.Lengths, shape));
    }

    /// <summary>x's elements in row-major order with the given lengths (the same element count): a view when x is dense without a length-1 dimension, else a dense copy.</summary>
    internal static Tensor<T> Reshaped<T>(Tensor<T> x, ReadOnlySpan<nint> lengths)
    {
        // System.Numerics.Tensors 10.0 gives a length-1 dimension stride 0 and refuses to reshape such a tensor: copy it.
        if (x.IsDense && !x.Strides.Contains(0)) return Dense.View(x, lengths);
        var copy = Dense.Result<T>(lengths);
        Dense.Read(x).CopyTo(Dense.Span(copy));
        return copy;
    }

    /// <summary>
    /// x with axes <paramref name="axis0"/> and <paramref name="axis1"/> exchanged: y[…, j, …, i, …] = x[…, i, …, j, …]
    /// (e.g. [B, T, NH, hs] with axes 1, 2 → [B, NH, T, hs]); a new dense tensor. Negative axes count from the end.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis0">One axis.</param>
    /// <param name="axis1">The other axis.</param>
    /// <exception cref="ArgumentException">An axis is out of range.</exception>
    public static Tensor<T> TransposeAxes<T>(Tensor<T> x, int axis0, int axis1) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return Permute(x, SwapAxes(nameof(TransposeAxes), x.Lengths, axis0, axis1));
    }

    /// <summary>
    /// x with its axes reordered: result axis d is x's axis <c>axes[d]</c>, so y.Lengths[d] = x.Lengths[axes[d]]
    /// (numpy's <c>transpose(x, axes)</c>); a new dense tensor. Negative axes count from the end.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axes">A permutation of 0 … rank − 1.</param>
    /// <exception cref="ArgumentException"><paramref name="axes"/> is not a permutation of x's axes.</exception>
    public static Tensor<T> Permute<T>(Tensor<T> x, params int[] axes) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        int[] order = PermutationOf(nameof(Permute), x.Lengths, axes);
        nint[] shape = PermutedShape(x.Lengths, order);
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        Permutation.Walk(Dense.Read(x), x.Lengths, order, output, accumulate: false);
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = <see cref="TransposeAxes{T}(Tensor{T}, int, int)"/>(x, axis0, axis1), allocation-free;
    /// <paramref name="into"/> has the transposed shape and must not share storage with x. Returns it.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="axis0">One axis.</param>
    /// <param name="axis1">The other axis.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> TransposeAxes<T>(Tensor<T> x, int axis0, int axis1, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        int[] order = SwapAxes(nameof(TransposeAxes), x.Lengths, axis0, axis1);
        return PermuteInto(nameof(TransposeAxes), x, order, into);
    }

    /// <summary>
    /// <paramref name="into"/> = <see cref="Permute{T}(Tensor{T}, int[])"/>(x, axes), allocation-free; <paramref name="into"/>
    /// has the permuted shape and must not share storage with x. Returns it.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="axes">A permutation of 0 … rank − 1.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> Permute<T>(Tensor<T> x, int[] axes, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        ArgumentNullException.ThrowIfNull(into);
        return PermuteInto(nameof(Permute), x, PermutationOf(nameof(Permute), x.Lengths, axes), into);
    }

    private static Tensor<T> PermuteInto<T>(string op, Tensor<T> x, int[] order, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        if (ReferenceEquals(x, into)) throw new ArgumentException($"{op}: into must not be x (the permutation is not done in place).", nameof(into));
        TensorShape.RequireSameShape(op, "the permuted shape", PermutedShape(x.Lengths, order), nameof(into), into.Lengths);
        Permutation.Walk(Dense.Read(x), x.Lengths, order, Dense.Target(op, into), accumulate: false);
        return into;
    }

    private static nint[] PermutedShape(ReadOnlySpan<nint> lengths, int[] order)
    {
        var shape = Workspace.NewArray<nint>(order.Length);
        for (int d = 0; d < order.Length; d++) shape[d] = lengths[order[d]];
        return shape;
    }

    /// <summary>
    /// The elements <paramref name="start"/> … start + length − 1 of x along <paramref name="axis"/>:
    /// y[…, i, …] = x[…, start + i, …]; a new dense tensor. E.g. the positions in use of a position table,
    /// <c>Slice(wpe, 0, 0, T)</c>.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to slice; negative counts from the end.</param>
    /// <param name="start">The first index taken.</param>
    /// <param name="length">How many indices are taken.</param>
    /// <exception cref="ArgumentException">The axis is out of range, or [start, start + length) is not inside the axis.</exception>
    public static Tensor<T> Slice<T>(Tensor<T> x, int axis, int start, int length) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(nameof(Slice), axis, x.Lengths);
        RequireRange(nameof(Slice), x.Lengths, a, start, length);
        Span<nint> shape = stackalloc nint[x.Rank];
        x.Lengths.CopyTo(shape);
        shape[a] = length;
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        AxisBlocks.Extract(Dense.Read(x), AxisLayout.Of(x.Lengths, a), start, length, output, accumulate: false);
        return result;
    }

    /// <summary>
    /// x cut into <paramref name="parts"/> equal consecutive pieces along <paramref name="axis"/> (e.g. a fused qkv
    /// [B, T, 3C] split along −1 into q, k, v, each [B, T, C]); new dense tensors.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to split; negative counts from the end.</param>
    /// <param name="parts">The number of pieces; it must divide the axis length.</param>
    /// <exception cref="ArgumentException">The axis is out of range, or <paramref name="parts"/> does not divide its length.</exception>
    public static Tensor<T>[] Split<T>(Tensor<T> x, int axis, int parts) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(nameof(Split), axis, x.Lengths);
        if (parts <= 0 || x.Lengths[a] % parts != 0)
        {
            throw new ArgumentException($"Split: axis {axis} of {TensorShape.Format(x)} cannot be split into {parts} equal parts.", nameof(parts));
        }
        int length = checked((int)(x.Lengths[a] / parts));
        var result = new Tensor<T>[parts];
        for (int p = 0; p < parts; p++) result[p] = Slice(x, a, p * length, length);
        return result;
    }

    /// <summary>
    /// The tensors joined along <paramref name="axis"/>, in order (e.g. heads [B, T, hs] × NH joined along −1 into
    /// [B, T, C]); a new dense tensor. All parts have the same rank and the same lengths except along the axis.
    /// </summary>
    /// <param name="axis">The axis to join along; negative counts from the end.</param>
    /// <param name="parts">The tensors, at least one.</param>
    /// <exception cref="ArgumentException">No parts, ranks differ, or lengths differ off the axis.</exception>
    public static Tensor<T> Concat<T>(int axis, params Tensor<T>[] parts) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parts);
        (int a, nint[] shape) = ConcatShape(nameof(Concat), axis, parts);
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        var layout = AxisLayout.Of(shape, a);
        int offset = 0;
        foreach (Tensor<T> part in parts)
        {
            int length = checked((int)part.Lengths[a]);
            AxisBlocks.Insert(Dense.Read(part), output, layout, offset, length, StoreMode.Copy, clearBefore: false, clearAfter: false);
            offset += length;
        }
        return result;
    }

    /// <summary>Throws unless [start, start + length) lies inside axis <paramref name="axis"/> of the shape.</summary>
    internal static void RequireRange(string op, ReadOnlySpan<nint> lengths, int axis, int start, int length)
    {
        if (start < 0 || length < 0 || (long)start + length > lengths[axis])
        {
            throw new ArgumentException(
                $"{op}: the range [{start}, {(long)start + length}) along axis {axis} is outside {TensorShape.Format(lengths)} (axis length {(long)lengths[axis]}).");
        }
    }

    /// <summary>Validates the parts of a concatenation; returns the normalised axis and the joined shape.</summary>
    internal static (int Axis, nint[] Shape) ConcatShape<T>(string op, int axis, Tensor<T>?[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException($"{op}: at least one tensor is needed.", nameof(parts));
        Tensor<T> first = parts[0] ?? throw new ArgumentNullException(nameof(parts));
        int a = AxisLayout.Normalize(op, axis, first.Lengths);
        nint[] shape = first.Lengths.ToArray();
        shape[a] = 0;
        foreach (Tensor<T>? part in parts)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(parts));
            bool same = part.Rank == shape.Length;
            for (int d = 0; same && d < shape.Length; d++) same = d == a || part.Lengths[d] == shape[d];
            if (!same)
            {
                throw new ArgumentException(
                    $"{op}: cannot join {TensorShape.Format(part)} to {TensorShape.Format(first)} along axis {axis}: the other lengths must agree.", nameof(parts));
            }
            shape[a] += part.Lengths[a];
        }
        return (a, shape);
    }

    /// <summary>The lengths of a reshape of <paramref name="from"/> to <paramref name="shape"/> (one −1 inferred).</summary>
    internal static nint[] ReshapeLengths(string op, ReadOnlySpan<nint> from, int[] shape)
    {
        int count = TensorShape.Count(from);
        long known = 1;
        int inferred = -1;
        var lengths = Workspace.NewArray<nint>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == -1 && inferred < 0) { inferred = d; continue; }
            if (shape[d] < 0)
            {
                throw new ArgumentException(
                    $"{op}: cannot reshape {TensorShape.Format(from)} to [{string.Join(", ", shape)}]: only one length may be -1 and none other negative.", nameof(shape));
            }
            known *= shape[d];
            lengths[d] = shape[d];
        }
        if (inferred >= 0) lengths[inferred] = known != 0 && count % known == 0 ? (nint)(count / known) : 0;
        if (shape.Length == 0 || TensorShape.Count(lengths) != count || (inferred >= 0 && known == 0))
        {
            throw new ArgumentException(
                $"{op}: cannot reshape {TensorShape.Format(from)} ({count} elements) to [{string.Join(", ", shape)}]: the element counts differ.", nameof(shape));
        }
        return lengths;
    }

    /// <summary>The identity permutation with two axes exchanged.</summary>
    internal static int[] SwapAxes(string op, ReadOnlySpan<nint> lengths, int axis0, int axis1)
    {
        int a = AxisLayout.Normalize(op, axis0, lengths), b = AxisLayout.Normalize(op, axis1, lengths);
        var order = Workspace.NewArray<int>(lengths.Length);
        for (int d = 0; d < order.Length; d++) order[d] = d;
        (order[a], order[b]) = (order[b], order[a]);
        return order;
    }

    /// <summary>Normalises <paramref name="axes"/> and checks it is a permutation of the shape's axes.</summary>
    internal static int[] PermutationOf(string op, ReadOnlySpan<nint> lengths, int[] axes)
    {
        var order = Workspace.NewArray<int>(axes.Length);
        Span<bool> seen = lengths.Length <= 64 ? stackalloc bool[lengths.Length] : new bool[lengths.Length];
        bool valid = axes.Length == lengths.Length;
        for (int d = 0; valid && d < axes.Length; d++)
        {
            int axis = axes[d] < 0 ? axes[d] + lengths.Length : axes[d];
            valid = (uint)axis < (uint)lengths.Length && !seen[axis];
            if (valid) seen[axis] = true;
            order[d] = axis;
        }
        if (!valid)
        {
            throw new ArgumentException(
                $"{op}: [{string.Join(", ", axes)}] is not a permutation of the axes of {TensorShape.Format(lengths)}.", nameof(axes));
        }
        return order;
    }
}
