using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Tensor construction.
public static partial class Ops
{
    // ── construction ────────────────────────────────────────────────────────────────────────

    /// <summary>A new dense tensor of zeros with the shape of <paramref name="x"/>.</summary>
    public static Tensor<T> ZerosLike<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return Dense.Wrap(Dense.Allocate<T>(x.Lengths), x.Lengths);
    }
}
