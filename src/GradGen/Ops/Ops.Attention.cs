using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Attention: the causal softmax of attention scores.
public static partial class Ops
{
    /// <summary>
    /// The causal (masked) softmax of attention scores [..., T, T] (as llm.c's <c>attention_forward</c>): for query row i,
    /// y[i, j] = e^(scale·s[i, j] − m) / Σ_{k ≤ i} e^(scale·s[i, k] − m) for j ≤ i and y[i, j] = 0 for j &gt; i (a position
    /// attends to itself and earlier ones), m being the row maximum over the visible positions. Masked scores are never
    /// read, so they may hold anything, and they receive no gradient.
    /// </summary>
    /// <param name="scores">The scores [..., T, T], rank ≥ 2 (e.g. q·kᵀ as [B, NH, T, T]).</param>
    /// <param name="scale">Multiplies every score before the softmax (1/√hs for attention).</param>
    /// <returns>y, the shape of <paramref name="scores"/>.</returns>
    /// <exception cref="ArgumentException">The scores are not square in their last two dimensions.</exception>
    public static Tensor<T> CausalSoftmax<T>(Tensor<T> scores, T scale) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(scores);
        var result = Dense.Result<T>(scores.Lengths);
        Span<T> output = Dense.Span(result);
        CausalSoftmaxRows(scores, scale, output);
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = <see cref="CausalSoftmax{T}(Tensor{T}, T)"/>(scores, scale), allocation-free (the masked
    /// entries are set to 0); <paramref name="into"/> has the scores' shape and may be the scores. Returns it.
    /// </summary>
    /// <param name="scores">The scores [..., T, T].</param>
    /// <param name="scale">Multiplies every score before the softmax.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> CausalSoftmax<T>(Tensor<T> scores, T scale, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(nameof(CausalSoftmax), nameof(scores), scores.Lengths, nameof(into), into.Lengths);
        CausalSoftmaxRows(scores, scale, Dense.Target(nameof(CausalSoftmax), into));
        return into;
    }

    private static void CausalSoftmaxRows<T>(Tensor<T> scores, T scale, Span<T> result) where T : IFloatingPointIeee754<T>
    {
        int t = ValidateCausal(nameof(CausalSoftmax), scores.Lengths);
        ReadOnlySpan<T> s = Dense.Read(scores);
        if (RowKernels.Applies<T>())
        {
            RowKernels.CausalSoftmax(s, scale, result, t, SimdWidth.Rows);
            return;
        }
        for (int offset = 0; t > 0 && offset < s.Length; offset += t * t)
        {
            for (int i = 0; i < t; i++)
            {
                Span<T> row = result.Slice(offset + i * t, i + 1);
                TensorPrimitives.Multiply(s.Slice(offset + i * t, i + 1), scale, row);
                SoftmaxRow<T>(row, row);
                result.Slice(offset + i * t + i + 1, t - i - 1).Clear();
            }
        }
    }

    /// <summary>Checks that a causal-attention tensor is [..., T, T]; returns T.</summary>
    internal static int ValidateCausal(string op, ReadOnlySpan<nint> lengths)
    {
        if (lengths.Length < 2 || lengths[^1] != lengths[^2])
        {
            throw new ArgumentException($"{op}: scores must be [..., T, T] (rank ≥ 2, square in the last two dimensions), got {TensorShape.Format(lengths)}.", "scores");
        }
        return checked((int)lengths[^1]);
    }
}
