using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

// Fused backward kernels: several rules in one pass over the data.
public static partial class Adjoint
{
    // ── fused ───────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// For y = ReLU(x + bias) (<see cref="Ops.AddRelu{T}"/>, or <c>Ops.Relu(Ops.Add(x, bias))</c>) with bias repeating over
    /// the rows of x (bias's shape, leading 1s aside, is x's trailing dimensions): with g = dY ⊙ 1[y &gt; 0],
    /// <paramref name="into"/> (x̄) += g and <paramref name="intoBias"/> (b̄) += Σ_rows g, in one pass over dY.
    /// <paramref name="y"/> is the forward result (1[y &gt; 0] = 1[x + bias &gt; 0]). Allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BiasRelu<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, Tensor<T> intoBias) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.BiasRelu";
        ValidateElementwise(Kernel, dY, y, nameof(y), into);
        ArgumentNullException.ThrowIfNull(intoBias);
        if (intoBias.FlattenedLength == 0 || !TensorShape.IsTrailingBlock(dY.Lengths, intoBias.Lengths))
        {
            throw new ArgumentException(
                $"{Kernel}: intoBias {TensorShape.Format(intoBias)} must be the trailing dimensions of dY {TensorShape.Format(dY)} (a bias repeated over rows).",
                nameof(intoBias));
        }
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(y);
        Span<T> target = Dense.Target(Kernel, into), bias = Dense.Target(Kernel, intoBias);
        int n = bias.Length;
        for (int offset = 0; offset < g.Length; offset += n)
        {
            ReluBiasRow(g.Slice(offset, n), o.Slice(offset, n), target.Slice(offset, n), bias);
        }
    }

    /// <summary>One row of <see cref="BiasRelu{T}"/>: masked = g where y &gt; 0; target += masked; bias += masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReluBiasRow<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> target, Span<T> bias) where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            ref T gRef = ref MemoryMarshal.GetReference(g), yRef = ref MemoryMarshal.GetReference(y);
            ref T tRef = ref MemoryMarshal.GetReference(target), bRef = ref MemoryMarshal.GetReference(bias);
            for (int width = Vector<T>.Count; i <= target.Length - width; i += width)
            {
                Vector<T> positive = Vector.GreaterThan(Vector.LoadUnsafe(ref yRef, (nuint)i), Vector<T>.Zero);
                Vector<T> masked = Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref gRef, (nuint)i), Vector<T>.Zero);
                (Vector.LoadUnsafe(ref tRef, (nuint)i) + masked).StoreUnsafe(ref tRef, (nuint)i);
                (Vector.LoadUnsafe(ref bRef, (nuint)i) + masked).StoreUnsafe(ref bRef, (nuint)i);
            }
        }
        for (; i < target.Length; i++)
        {
            if (y[i] > T.Zero)
            {
                target[i] += g[i];
                bias[i] += g[i];
            }
        }
    }
}
