using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>Plain stochastic gradient descent, in place and allocation-free.</summary>
public static class Sgd
{
    /// <summary>Updates <paramref name="parameter"/> in place: <c>p ← p − learningRate · g</c>.</summary>
    /// <exception cref="ArgumentException">The shapes differ, or a tensor is not dense.</exception>
    public static void Step<T>(Tensor<T> parameter, Tensor<T> gradient, T learningRate)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(gradient);
        if (!parameter.Lengths.SequenceEqual(gradient.Lengths))
        {
            throw new ArgumentException($"Sgd.Step: parameter [{string.Join(", ", parameter.Lengths.ToArray())}] and gradient [{string.Join(", ", gradient.Lengths.ToArray())}] differ in shape.");
        }
        if (!parameter.IsDense || !gradient.IsDense)
        {
            throw new ArgumentException("Sgd.Step: the parameter and its gradient must be dense tensors.");
        }
        var length = checked((int)parameter.FlattenedLength);
        var p = MemoryMarshal.CreateSpan(ref parameter.GetPinnableReference(), length);
        var g = MemoryMarshal.CreateReadOnlySpan(ref gradient.GetPinnableReference(), length);
        TensorPrimitives.MultiplyAdd(g, -learningRate, p, p);
    }
}
