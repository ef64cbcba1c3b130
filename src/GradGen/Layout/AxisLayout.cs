using System;

namespace GradGen;

/// <summary>
/// A tensor seen along one axis as <c>[Outer, Length, Inner]</c>: the product of the dimensions before the axis, the
/// axis length and the product of the dimensions after it. Element (o, i, r) sits at <c>(o · Length + i) · Inner + r</c>
/// in row-major storage, which is how the axis ops (reductions, softmax, slicing, concatenation) walk their operands.
/// </summary>
internal readonly record struct AxisLayout(int Outer, int Length, int Inner)
{
    /// <summary>The layout of <paramref name="lengths"/> along <paramref name="axis"/> (already normalised).</summary>
    public static AxisLayout Of(ReadOnlySpan<nint> lengths, int axis)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer = checked(outer * lengths[d]);
        for (int d = axis + 1; d < lengths.Length; d++) inner = checked(inner * lengths[d]);
        return new AxisLayout(checked((int)outer), checked((int)lengths[axis]), checked((int)inner));
    }

    /// <summary>
    /// The axis <paramref name="axis"/> of a tensor of shape <paramref name="lengths"/> as a non-negative index; negative values
    /// count from the end (−1 is the last axis).
    /// </summary>
    /// <exception cref="ArgumentException">The axis is out of range; the message names <paramref name="op"/> and the shape.</exception>
    public static int Normalize(string op, int axis, ReadOnlySpan<nint> lengths)
    {
        int rank = lengths.Length;
        int normalized = axis < 0 ? axis + rank : axis;
        if ((uint)normalized >= (uint)rank)
        {
            throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of shape {TensorShape.Format(lengths)} (rank {rank}).", nameof(axis));
        }
        return normalized;
    }

    /// <summary>
    /// The shape of a reduction of <paramref name="lengths"/> along <paramref name="axis"/>: that dimension removed, or kept
    /// as 1. Removing the only dimension of a rank-1 shape gives <c>[1]</c> (System.Numerics.Tensors has no rank-0 tensor).
    /// </summary>
    public static nint[] Reduced(ReadOnlySpan<nint> lengths, int axis, bool keepDims)
    {
        if (keepDims || lengths.Length == 1)
        {
            nint[] kept = Workspace.CopyOf(lengths);
            kept[axis] = 1;
            return kept;
        }
        var removed = Workspace.NewArray<nint>(lengths.Length - 1);
        for (int d = 0, j = 0; d < lengths.Length; d++)
        {
            if (d != axis) removed[j++] = lengths[d];
        }
        return removed;
    }

    /// <summary>
    /// Throws unless <paramref name="reduced"/> is the reduction of <paramref name="full"/> along <paramref name="axis"/>,
    /// with or without the kept dimension.
    /// </summary>
    public static void RequireReduced(string kernel, string reducedName, ReadOnlySpan<nint> reduced, string fullName, ReadOnlySpan<nint> full, int axis)
    {
        if (!reduced.SequenceEqual(Reduced(full, axis, keepDims: true)) && !reduced.SequenceEqual(Reduced(full, axis, keepDims: false)))
        {
            throw new ArgumentException(
                $"{kernel}: {reducedName} {TensorShape.Format(reduced)} is not {fullName} {TensorShape.Format(full)} reduced along axis {axis}.", reducedName);
        }
    }
}
