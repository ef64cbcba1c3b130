using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernel of Ops.Attention.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.CausalSoftmax{T}(Tensor{T}, T)"/>(scores, scale): per query row i, over the visible positions j ≤ i only,
    /// into (scores̄)[i, j] += scale · y[i, j] · (dY[i, j] − Σ_{k ≤ i} dY[i, k] y[i, k]). Masked positions (j &gt; i) receive
    /// nothing, whatever dY holds there.
    /// </summary>
    /// <param name="dY">∂L/∂y, [..., T, T].</param>
    /// <param name="y">The forward result.</param>
    /// <param name="scale">The forward op's scale.</param>
    /// <param name="into">scores̄ [..., T, T], dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution, into from <see cref="Uninitialized{T}"/>): the masked positions are set to 0.</param>
    public static void CausalSoftmax<T>(Tensor<T> dY, Tensor<T> y, T scale, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.CausalSoftmax";
        ValidateElementwise(Kernel, dY, y, nameof(y), into);
        int t = Ops.ValidateCausal(Kernel, dY.Lengths);
        ReadOnlySpan<T> g = Dense.Read(dY), s = Dense.Read(y);
        Span<T> target = Dense.Target(Kernel, into);
        if (RowKernels.Applies<T>())
        {
            RowKernels.CausalSoftmaxBackward(g, s, scale, target, t, SimdWidth.Rows, write: overwrite);
            return;
        }
        if (overwrite) target.Clear();
        using var scratch = Scratch<T>.Rent(t);
        for (int offset = 0; t > 0 && offset < g.Length; offset += t * t)
        {
            for (int i = 0; i < t; i++)
            {
                int at = offset + i * t, visible = i + 1;
                ReadOnlySpan<T> gRow = g.Slice(at, visible), yRow = s.Slice(at, visible);
                Span<T> term = scratch.Span.Slice(0, visible), row = target.Slice(at, visible);
                TensorPrimitives.Subtract(gRow, TensorPrimitives.Dot(gRow, yRow), term);
                TensorPrimitives.Multiply(term, yRow, term);
                TensorPrimitives.MultiplyAdd(term, scale, row, row);
            }
        }
    }
}
