using System;
using System.Numerics.Tensors;
using System.Text;

namespace GradGen;

/// <summary>
/// Shape utilities shared by <see cref="Ops"/>, <see cref="Adjoint"/> and <see cref="GradCheck"/>: formatting
/// shapes for error messages and numpy-style broadcasting.
/// </summary>
internal static class TensorShape
{
    /// <summary>Formats lengths as <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<nint> lengths)
    {
        var text = new StringBuilder(2 + 4 * lengths.Length);
        text.Append('[');
        for (int i = 0; i < lengths.Length; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(((long)lengths[i]).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    /// <summary>Formats the shape of <paramref name="tensor"/> as <c>[2, 3]</c>.</summary>
    public static string Format<T>(Tensor<T> tensor) => Format(tensor.Lengths);

    /// <summary>True when both shapes have the same rank and lengths.</summary>
    public static bool SameShape(ReadOnlySpan<nint> a, ReadOnlySpan<nint> b) => a.SequenceEqual(b);

    /// <summary>
    /// A dense row-major tensor of the shape over <paramref name="array"/> from element <paramref name="start"/> on (the
    /// strides <c>Tensor.Create</c> wants for that: 0 past a length-1 axis, which it otherwise rejects).
    /// </summary>
    public static Tensor<T> DenseAt<T>(T[] array, int start, ReadOnlySpan<nint> lengths)
    {
        if (Count(lengths) == 0) return Tensor.Create(array, lengths);
        Span<nint> strides = lengths.Length <= 16 ? stackalloc nint[lengths.Length] : new nint[lengths.Length];
        nint stride = 1;
        for (int d = lengths.Length - 1; d >= 0; d--)
        {
            strides[d] = lengths[d] == 1 ? 0 : stride;
            stride *= lengths[d];
        }
        return Tensor.Create(array, start, lengths, strides);
    }

    /// <summary>The number of elements of a shape, as an <see cref="int"/> (spans are int-indexed).</summary>
    public static int Count(ReadOnlySpan<nint> lengths)
    {
        long count = 1;
        foreach (nint length in lengths) count = checked(count * length);
        return checked((int)count);
    }

    /// <summary>
    /// The numpy broadcast of two shapes: trailing dimensions are aligned, and a dimension that is 1 or missing
    /// stretches to the other's length.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names <paramref name="op"/> and both shapes.</exception>
    public static nint[] Broadcast(string op, ReadOnlySpan<nint> a, ReadOnlySpan<nint> b)
    {
        if (SameShape(a, b)) return Workspace.CopyOf(a);
        int rank = Math.Max(a.Length, b.Length);
        var result = Workspace.NewArray<nint>(rank);
        for (int d = 0; d < rank; d++)
        {
            nint la = LengthAligned(a, d, rank);
            nint lb = LengthAligned(b, d, rank);
            if (la == lb || lb == 1) result[d] = la;
            else if (la == 1) result[d] = lb;
            else throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} do not broadcast.");
        }
        return result;
    }

    /// <summary>True when <paramref name="result"/> is exactly the numpy broadcast of <paramref name="a"/> and <paramref name="b"/> (allocates nothing).</summary>
    public static bool IsBroadcastOf(ReadOnlySpan<nint> a, ReadOnlySpan<nint> b, ReadOnlySpan<nint> result)
    {
        int rank = Math.Max(a.Length, b.Length);
        if (result.Length != rank) return false;
        for (int d = 0; d < rank; d++)
        {
            nint la = LengthAligned(a, d, rank), lb = LengthAligned(b, d, rank);
            if (la != lb && la != 1 && lb != 1) return false;
            if (result[d] != (la == 1 ? lb : la)) return false;
        }
        return true;
    }

    /// <summary>
    /// True when <paramref name="operand"/>, without leading 1s, equals the trailing dimensions of <paramref name="full"/>:
    /// the operand repeats unchanged every <c>operand.Length</c> elements of the full layout (a bias over rows).
    /// </summary>
    public static bool IsTrailingBlock(ReadOnlySpan<nint> full, ReadOnlySpan<nint> operand)
    {
        int start = 0;
        while (start < operand.Length && operand[start] == 1) start++;
        ReadOnlySpan<nint> core = operand[start..];
        return core.Length <= full.Length && core.SequenceEqual(full[(full.Length - core.Length)..]);
    }

    /// <summary>
    /// True when <paramref name="operand"/> broadcasts to exactly <paramref name="target"/>: its rank is not larger and
    /// each of its dimensions, aligned at the end, is 1 or equal to the target's.
    /// </summary>
    public static bool BroadcastsTo(ReadOnlySpan<nint> operand, ReadOnlySpan<nint> target)
    {
        if (operand.Length > target.Length) return false;
        int offset = target.Length - operand.Length;
        for (int d = 0; d < operand.Length; d++)
        {
            if (operand[d] != 1 && operand[d] != target[d + offset]) return false;
        }
        return true;
    }

    /// <summary>Throws unless <paramref name="operand"/> broadcasts to <paramref name="target"/> (see <see cref="BroadcastsTo"/>).</summary>
    /// <exception cref="ArgumentException">The message reads <c>{kernel}: {operandName} [..] does not broadcast to {targetName} [..].</c></exception>
    public static void RequireBroadcastsTo(string kernel, string operandName, ReadOnlySpan<nint> operand, string targetName, ReadOnlySpan<nint> target)
    {
        if (!BroadcastsTo(operand, target))
        {
            throw new ArgumentException($"{kernel}: {operandName} {Format(operand)} does not broadcast to {targetName} {Format(target)}.", operandName);
        }
    }

    /// <summary>Throws unless both shapes are equal.</summary>
    /// <exception cref="ArgumentException">The message reads <c>{kernel}: {nameA} [..] and {nameB} [..] must have the same shape.</c></exception>
    public static void RequireSameShape(string kernel, string nameA, ReadOnlySpan<nint> a, string nameB, ReadOnlySpan<nint> b)
    {
        if (!SameShape(a, b))
        {
            throw new ArgumentException($"{kernel}: {nameA} {Format(a)} and {nameB} {Format(b)} must have the same shape.", nameB);
        }
    }

    /// <summary>Throws unless the tensor is 2-D.</summary>
    public static void RequireMatrix(string kernel, string name, ReadOnlySpan<nint> lengths)
    {
        if (lengths.Length != 2)
        {
            throw new ArgumentException($"{kernel}: {name} must be 2-D, got {Format(lengths)}.", name);
        }
    }

    /// <summary>The length of dimension <paramref name="d"/> of <paramref name="lengths"/> after left-padding it with 1s to <paramref name="rank"/>.</summary>
    private static nint LengthAligned(ReadOnlySpan<nint> lengths, int d, int rank)
    {
        int index = d - (rank - lengths.Length);
        return index < 0 ? 1 : lengths[index];
    }
}
