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
        for (int i = 0; i < x.Length; i++) y[i] = Value(x[i]);
    }

    /// <summary>into += dY ⊙ gelu′(x); with <paramref name="overwrite"/> into = dY ⊙ gelu′(x) (into is not read).</summary>
    public static void Backward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, Span<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        if (RowKernels.Applies<T>())
        {
            RowKernels.GeluBackward(dY, x, into, SimdWidth.Rows, overwrite);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            T g = dY[i] * Derivative(x[i]);
            into[i] = overwrite ? g + T.Zero : into[i] + g;
        }
    }

    /// <summary>y = gelu(x + bias), <paramref name="bias"/> one row repeated over the rows of x (x's length a multiple of its length).</summary>
    public static void BiasForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        if (RowKernels.Applies<T>())
        {
            RowKernels.BiasGelu(x, bias, y, SimdWidth.Rows);
            return;
        }
        for (int i = 0; i < x.Length; i++) y[i] = Value(x[i] + bias[i % bias.Length]);
    }

    /// <summary>
    /// With ĝ = dY ⊙ gelu′(x + bias): into += ĝ (= with <paramref name="overwrite"/>) and intoBias += Σ_rows ĝ, in one
    /// pass; an empty <paramref name="into"/> or <paramref name="intoBias"/> receives nothing.
    /// </summary>
    public static void BiasBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> into, Span<T> intoBias, bool overwrite)
        where T : IFloatingPointIeee754<T>
    {
        if (RowKernels.Applies<T>())
        {
            RowKernels.BiasGeluBackward(dY, x, bias, into, intoBias, SimdWidth.Rows, overwrite);
            return;
        }
        int n = bias.Length;
        for (int i = 0; i < x.Length; i++)
        {
            T g = dY[i] * Derivative(x[i] + bias[i % n]) + T.Zero;
            if (into.Length > 0) into[i] = overwrite ? g : into[i] + g;
            if (intoBias.Length > 0) intoBias[i % n] += g;
        }
    }

    /// <summary>gelu(v) by the formula above, with T.Tanh.</summary>
    private static T Value<T>(T v) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        return half * v * (T.One + T.Tanh(k * v * (T.One + c * v * v)));
    }

    /// <summary>gelu′(v) by the formula above, with T.Tanh.</summary>
    private static T Derivative<T>(T v) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        T c3 = T.CreateChecked(3 * Ops.GeluCubic);
        T t = T.Tanh(k * v * (T.One + c * v * v));
        return half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + c3 * v * v);
    }
}
