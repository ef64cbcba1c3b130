using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of reductions.
public static partial class Adjoint
{
    // ── reductions ──────────────────────────────────────────────────────────────────────────

    /// <summary>For s = Σ x: into += dS at every element.</summary>
    /// <param name="dS">∂L/∂s.</param>
    /// <param name="into">x̄, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): 0 + dS everywhere, as added to zeros.</param>
    public static void Fill<T>(T dS, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Fill", into);
        if (overwrite) target.Fill(T.Zero + dS);
        else TensorPrimitives.Add(target, dS, target);
    }

    /// <summary>For s = mean(x): into += dS / n at every element, n = into.FlattenedLength.</summary>
    /// <param name="dS">∂L/∂s.</param>
    /// <param name="into">x̄, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): 0 + dS / n everywhere, as added to zeros.</param>
    public static void Mean<T>(T dS, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Mean", into);
        if (target.Length == 0) return;
        T share = dS / T.CreateChecked(target.Length);
        if (overwrite) target.Fill(T.Zero + share);
        else TensorPrimitives.Add(target, share, target);
    }
}
