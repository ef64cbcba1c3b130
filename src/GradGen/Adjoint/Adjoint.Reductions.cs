using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of reductions.
public static partial class Adjoint
{
    // ── reductions ──────────────────────────────────────────────────────────────────────────

    /// <summary>For s = Σ x: into += dS at every element.</summary>
    public static void Fill<T>(T dS, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Fill", into);
        TensorPrimitives.Add(target, dS, target);
    }

    /// <summary>For s = mean(x): into += dS / n at every element, n = into.FlattenedLength.</summary>
    public static void Mean<T>(T dS, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Mean", into);
        if (target.Length == 0) return;
        TensorPrimitives.Add(target, dS / T.CreateChecked(target.Length), target);
    }
}
