using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// GELU's tanh approximation, forward and backward, each in one pass over the data. With u = √(2/π) (x + 0.044715 x³):
/// gelu(x) = ½ x (1 + tanh u), gelu′(x) = ½ (1 + tanh u) + ½ x (1 − tanh² u) √(2/π) (1 + 3 · 0.044715 x²).
/// </summary>
/// <remarks>
/// Float and double run on vectors (<see cref="RowKernels.Gelu{T}"/>: one exponential per element gives both terms,
/// see <see cref="VectorRows{T, TV, TS}"/>); other types (and machines without vectors) evaluate the formulas above
/// element by element with T.Tanh.
/// </remarks>
internal static class GeluKernel
{
    /// <summary>y = gelu(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        if (RowKernels.Applies<T>())
        {
            RowKernels.Gelu(x, y, SimdWidth.Rows);
            return;
        }
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = half * v * (T.One + T.Tanh(k * v * (T.One + c * v * v)));
        }
    }

    /// <summary>into += dY ⊙ gelu′(x).</summary>
    public static void Backward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, Span<T> into) where T : IFloatingPointIeee754<T>
    {
        if (RowKernels.Applies<T>())
        {
            RowKernels.GeluBackward(dY, x, into, SimdWidth.Rows);
            return;
        }
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        T c3 = T.CreateChecked(3 * Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            T t = T.Tanh(k * v * (T.One + c * v * v));
            T derivative = half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + c3 * v * v);
            into[i] += dY[i] * derivative;
        }
    }
}
