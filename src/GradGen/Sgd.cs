using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>Plain stochastic gradient descent, in place and allocation-free.</summary>
public static class Sgd
{
    /// <summary>Updates <paramref name="parameter"/> in place: <c>p ← p − learningRate · g</c>.</summary>
    /// <exception cref="ArgumentException">The shapes differ, or the parameter is not dense (it is updated in place).</exception>
    public static void Step<T>(Tensor<T> parameter, Tensor<T> gradient, T learningRate)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(gradient);
        TensorShape.RequireSameShape("Sgd.Step", "parameter", parameter.Lengths, "gradient", gradient.Lengths);
        var p = Dense.Target("Sgd.Step", parameter);
        var g = Dense.Read(gradient);
        TensorPrimitives.MultiplyAdd(g, -learningRate, p, p);
    }
}
