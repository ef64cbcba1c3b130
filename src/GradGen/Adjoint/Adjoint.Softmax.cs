using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

// Backward kernel of softmax.
public static partial class Adjoint
{
    // ── softmax ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// For y = softmax(x) over the last axis: into += y ⊙ (dY − Σ_last(dY ⊙ y)), the row sum broadcast along the
    /// last axis; <paramref name="y"/> is the forward result. With <paramref name="overwrite"/>, into = … (a first
    /// contribution): each row cleared just before it is added to, so the result is what adding into zeros gives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Softmax";
        ValidateElementwise(Kernel, dY, y, nameof(y), into);
        ReadOnlySpan<T> g = Dense.Read(dY), s = Dense.Read(y);
        Span<T> target = Dense.Target(Kernel, into);
        int n = checked((int)dY.Lengths[dY.Rank - 1]);
        using var scratch = Scratch<T>.Rent(n);
        for (int offset = 0; n > 0 && offset < g.Length; offset += n)
        {
            ReadOnlySpan<T> gRow = g.Slice(offset, n), yRow = s.Slice(offset, n);
            Span<T> row = target.Slice(offset, n);
            if (overwrite) row.Clear();
            TensorPrimitives.Subtract(gRow, TensorPrimitives.Dot(gRow, yRow), scratch.Span);
            TensorPrimitives.MultiplyAdd(yRow, scratch.Span, row, row);
        }
    }
}
