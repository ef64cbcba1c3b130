using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Reductions to a scalar.
public static partial class Ops
{
    // ── reductions ──────────────────────────────────────────────────────────────────────────

    /// <summary>The sum of all elements.</summary>
    public static T Sum<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorPrimitives.Sum(Dense.Read(x));
    }

    /// <summary>The mean of all elements (NaN for an empty tensor).</summary>
    public static T Mean<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorPrimitives.Sum(Dense.Read(x)) / T.CreateChecked(x.FlattenedLength);
    }
}
