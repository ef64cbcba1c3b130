using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Normalisation layers.
public static partial class Ops
{
    /// <summary>
    /// Layer normalisation over the last axis (as llm.c's <c>layernorm_forward</c>): for each row x of length C,
    /// μ = (1/C) Σ x, σ² = (1/C) Σ (x − μ)² (biased), x̂ = (x − μ) / √(σ² + eps), y = x̂ ⊙ weight + bias.
    /// </summary>
    /// <param name="x">The input [..., C], rank ≥ 1.</param>
    /// <param name="weight">The gain [C].</param>
    /// <param name="bias">The shift [C].</param>
    /// <param name="eps">Added to the variance (GPT-2 uses 1e-5).</param>
    /// <returns>y, x's shape.</returns>
    /// <exception cref="ArgumentException">weight or bias is not [C].</exception>
    public static Tensor<T> LayerNorm<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> bias, T eps) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = Dense.Result<T>(x.Lengths);
        Span<T> output = Dense.Span(result);
        LayerNormRows(x, weight, bias, eps, output);
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = <see cref="LayerNorm{T}(Tensor{T}, Tensor{T}, Tensor{T}, T)"/>(x, weight, bias, eps),
    /// allocation-free; <paramref name="into"/> has x's shape and may be x. Returns it.
    /// </summary>
    /// <param name="x">The input [..., C].</param>
    /// <param name="weight">The gain [C].</param>
    /// <param name="bias">The shift [C].</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> LayerNorm<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> bias, T eps, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(nameof(LayerNorm), nameof(x), x.Lengths, nameof(into), into.Lengths);
        LayerNormRows(x, weight, bias, eps, Dense.Target(nameof(LayerNorm), into));
        return into;
    }

    private static void LayerNormRows<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> bias, T eps, Span<T> result) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        int c = ValidateLayerNorm(nameof(LayerNorm), x, weight, nameof(weight));
        ValidateLayerNorm(nameof(LayerNorm), x, bias, nameof(bias));
        ReadOnlySpan<T> source = Dense.Read(x), w = Dense.Read(weight), b = Dense.Read(bias);
        if (RowKernels.Applies<T>())
        {
            RowKernels.LayerNorm(source, w, b, eps, result, c, SimdWidth.Rows);
            return;
        }
        for (int offset = 0; c > 0 && offset < source.Length; offset += c)
        {
            Span<T> row = result.Slice(offset, c);
            NormalizeRow(source.Slice(offset, c), eps, row);
            TensorPrimitives.MultiplyAdd(row, w, b, row);
        }
    }

    /// <summary>x̂ = (x − μ) · rstd for one row; returns rstd = 1 / √(σ² + eps).</summary>
    internal static T NormalizeRow<T>(ReadOnlySpan<T> x, T eps, Span<T> normalized) where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(x.Length);
        T mean = TensorPrimitives.Sum(x) / count;
        TensorPrimitives.Subtract(x, mean, normalized);
        T variance = TensorPrimitives.Dot(normalized, normalized) / count;
        T rstd = T.One / T.Sqrt(variance + eps);
        TensorPrimitives.Multiply(normalized, rstd, normalized);
        return rstd;
    }

    /// <summary>Checks that a LayerNorm parameter is [C] for x [..., C]; returns C.</summary>
    internal static int ValidateLayerNorm<T>(string op, Tensor<T> x, Tensor<T> parameter, string name)
    {
        if (x.Rank < 1 || parameter.Rank != 1 || parameter.Lengths[0] != x.Lengths[x.Rank - 1])
        {
            throw new ArgumentException(
                $"{op}: {name} {TensorShape.Format(parameter)} must be [C] for x {TensorShape.Format(x)} normalised over its last axis.", name);
        }
        return checked((int)parameter.Lengths[0]);
    }
}
