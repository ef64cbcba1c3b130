using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of Ops.Normalization.
public static partial class Adjoint
{
    /// <summary>
    /// The fused backward of y = <see cref="Ops.LayerNorm{T}(Tensor{T}, Tensor{T}, Tensor{T}, T)"/>(x, weight, bias, eps), one pass over the rows (as llm.c's
    /// <c>layernorm_backward</c>). The row statistics μ and rstd = 1/√(σ² + eps) are recomputed from x (no tape needed).
    /// With x̂ = (x − μ) · rstd and ĝ = dY ⊙ weight, per row of length C:
    /// <list type="bullet">
    /// <item><description>x̄ += rstd · (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))</description></item>
    /// <item><description>weight̄ += Σ_rows dY ⊙ x̂</description></item>
    /// <item><description>bias̄ += Σ_rows dY</description></item>
    /// </list>
    /// A null buffer skips that gradient.
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape [..., C].</param>
    /// <param name="x">The forward input [..., C].</param>
    /// <param name="weight">The forward gain [C].</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="intoX">x̄ [..., C], dense, or null.</param>
    /// <param name="intoWeight">weight̄ [C], dense, or null.</param>
    /// <param name="intoBias">bias̄ [C], dense, or null.</param>
    /// <param name="overwrite">x̄ = … instead of x̄ += … (x̄'s first contribution; the parameters' gradients are still added to).</param>
    public static void LayerNorm<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> weight, T eps, Tensor<T>? intoX, Tensor<T>? intoWeight, Tensor<T>? intoBias, bool overwrite = false)
        where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.LayerNorm";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        TensorShape.RequireSameShape(Kernel, nameof(x), x.Lengths, nameof(dY), dY.Lengths);
        int c = Ops.ValidateLayerNorm(Kernel, x, weight, nameof(weight));
        if (intoX is not null) TensorShape.RequireSameShape(Kernel, nameof(x), x.Lengths, nameof(intoX), intoX.Lengths);
        if (intoWeight is not null) TensorShape.RequireSameShape(Kernel, nameof(weight), weight.Lengths, nameof(intoWeight), intoWeight.Lengths);
        if (intoBias is not null) TensorShape.RequireSameShape(Kernel, nameof(weight), weight.Lengths, nameof(intoBias), intoBias.Lengths);
        ReadOnlySpan<T> g = Dense.Read(dY), source = Dense.Read(x), w = Dense.Read(weight);
        Span<T> dx = intoX is null ? default : Dense.Target(Kernel, intoX);
        Span<T> dw = intoWeight is null ? default : Dense.Target(Kernel, intoWeight);
        Span<T> db = intoBias is null ? default : Dense.Target(Kernel, intoBias);
        if (c == 0) return;
        if (RowKernels.Applies<T>())
        {
            RowKernels.LayerNormBackward(g, source, w, eps, dx, dw, db, c, SimdWidth.Rows, overwrite);
            return;
        }
        if (overwrite) dx.Clear(); // then added to: 0 + term, as the vector kernels write it
        T count = T.CreateChecked(c);
        using var scratch = Scratch<T>.Rent(2 * c);
        Span<T> normalized = scratch.Span.Slice(0, c), scaled = scratch.Span.Slice(c, c);
        for (int offset = 0; offset < source.Length; offset += c)
        {
            ReadOnlySpan<T> gRow = g.Slice(offset, c);
            T rstd = Ops.NormalizeRow(source.Slice(offset, c), eps, normalized);
            if (intoBias is not null) TensorPrimitives.Add(db, gRow, db);
            if (intoWeight is not null) TensorPrimitives.MultiplyAdd(gRow, normalized, dw, dw);
            if (intoX is null) continue;
            TensorPrimitives.Multiply(gRow, w, scaled);                                  // ĝ
            T meanG = TensorPrimitives.Sum<T>(scaled) / count;
            T meanGx = TensorPrimitives.Dot<T>(scaled, normalized) / count;
            TensorPrimitives.Subtract<T>(scaled, meanG, scaled);                          // ĝ − mean(ĝ)
            TensorPrimitives.MultiplyAdd<T>(normalized, -meanGx, scaled, scaled);          // − x̂ · mean(ĝ ⊙ x̂)
            Span<T> row = dx.Slice(offset, c);
            TensorPrimitives.MultiplyAdd<T>(scaled, rstd, row, row);
        }
    }
}
