using System;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// What a generated forward calls on entry for each parameter declared with <see cref="ShapeAttribute"/>: the parameter's
/// lengths against the declared ones, one clear <see cref="ArgumentException"/> naming the parameter and both shapes when
/// they differ. An expected length of -1 is not checked (a symbol seen here first, bound from this parameter).
/// Allocation-free unless it throws.
/// </summary>
public static class ShapeCheck
{
    /// <summary>Checks a rank-1 tensor.</summary>
    public static void Require<T>(Tensor<T> tensor, string name, string declared, nint d0)
    {
        if (tensor is null || tensor.Rank != 1 || !Fits(tensor.Lengths[0], d0)) Throw(tensor, name, declared);
    }

    /// <summary>Checks a rank-2 tensor.</summary>
    public static void Require<T>(Tensor<T> tensor, string name, string declared, nint d0, nint d1)
    {
        if (tensor is null || tensor.Rank != 2 || !Fits(tensor.Lengths[0], d0) || !Fits(tensor.Lengths[1], d1)) Throw(tensor, name, declared);
    }

    /// <summary>Checks a rank-3 tensor.</summary>
    public static void Require<T>(Tensor<T> tensor, string name, string declared, nint d0, nint d1, nint d2)
    {
        if (tensor is null || tensor.Rank != 3 || !Fits(tensor.Lengths[0], d0) || !Fits(tensor.Lengths[1], d1) || !Fits(tensor.Lengths[2], d2)) Throw(tensor, name, declared);
    }

    /// <summary>Checks a rank-4 tensor.</summary>
    public static void Require<T>(Tensor<T> tensor, string name, string declared, nint d0, nint d1, nint d2, nint d3)
    {
        if (tensor is null || tensor.Rank != 4 || !Fits(tensor.Lengths[0], d0) || !Fits(tensor.Lengths[1], d1) || !Fits(tensor.Lengths[2], d2) || !Fits(tensor.Lengths[3], d3)) Throw(tensor, name, declared);
    }

    /// <summary>Checks a tensor of any rank (<paramref name="lengths"/> one per axis).</summary>
    public static void Require<T>(Tensor<T> tensor, string name, string declared, nint[] lengths)
    {
        if (tensor is null || lengths is null || tensor.Rank != lengths.Length) Throw(tensor, name, declared);
        for (var d = 0; d < lengths!.Length; d++)
        {
            if (!Fits(tensor!.Lengths[d], lengths[d])) Throw(tensor, name, declared);
        }
    }

    private static bool Fits(nint actual, nint expected) => expected < 0 || actual == expected;

    private static void Throw<T>(Tensor<T>? tensor, string name, string declared) =>
        throw new ArgumentException(
            name + " is " + (tensor is null ? "null" : "[" + string.Join(", ", tensor.Lengths.ToArray()) + "]") + ", but [Shape] declares it " + declared +
            " (the lengths of the parameters declared before it fix its symbols)", name);
}
